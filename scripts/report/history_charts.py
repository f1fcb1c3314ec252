"""The charts of history.html: per loss, each variant's throughput and value error across the
saved reports, oldest left. One size per (loss, dtype) keeps a chart readable: the largest size
every report measured (the one furthest from cache effects and call overhead), else the newest
report's largest. Points where `lossbench compare` flagged a step change are ringed in red.
Drawn as report/charts.py draws the report's charts (matplotlib Agg, PNG data URIs).
"""
from . import charts, fmt, summary
from .charts import Chart, chart_id, plt
from .history_compare import key_of


def chart_size(entries, loss, dtype, mode):
    """The n shown for one panel (see the module's docstring), or None when nothing was measured."""
    per_report = [{r.n for r in e.report.rows if (r.loss, r.dtype, r.mode) == (loss, dtype, mode)}
                  for e in entries]
    measured = [s for s in per_report if s]
    if not measured:
        return None
    common = set.intersection(*measured)
    return max(common) if common else max(measured[-1])


def _series(entries, loss, dtype, mode, n, label):
    """(report index, row) of one variant at one size across the reports."""
    return [(i, r) for i, e in enumerate(entries) for r in e.report.rows
            if (r.loss, r.dtype, r.mode, r.n, r.label) == (loss, dtype, mode, n, label)]


SPEED_FLAGS, ACCURACY_FLAGS = {"slower", "faster", "failed"}, {"accuracy worse"}


def _flagged_at(steps, i, row, kinds):
    """Whether the step into report i flagged this row with one of `kinds` (step i-1 compares
    report i-1 with report i)."""
    return i > 0 and bool(kinds & set(steps[i - 1].flags(key_of(row))))


def _panel(axes, entries, steps, loss, dtype, colors):
    latest = [r for r in entries[-1].report.rows if r.loss == loss and r.dtype == dtype] or \
        [r for e in entries for r in e.report.rows if r.loss == loss and r.dtype == dtype]
    mode = charts.panel_mode(latest, dtype)
    n = chart_size(entries, loss, dtype, mode)
    speed, error = axes
    labels = summary.variant_order(r.label for e in entries for r in e.report.rows
                                   if (r.loss, r.dtype, r.mode, r.n) == (loss, dtype, mode, n))
    for label in labels:
        points = _series(entries, loss, dtype, mode, n, label)
        color = colors.setdefault(label, plt.get_cmap("tab10")(len(colors) % 10))
        for ax, value, scale, kinds in ((speed, "items_per_second", 1e9, SPEED_FLAGS),
                                        (error, "value_rel_err", 1, ACCURACY_FLAGS)):
            xy = [(i, getattr(r, value) / scale) for i, r in points if getattr(r, value)]
            ax.plot([x for x, _ in xy], [y for _, y in xy], marker="o", markersize=3.5, color=color, label=label)
            rings = [(i, getattr(r, value) / scale) for i, r in points if getattr(r, value) and
                     _flagged_at(steps, i, r, kinds)]
            ax.plot([x for x, _ in rings], [y for _, y in rings], linestyle="none", marker="o", markersize=10,
                    markerfacecolor="none", markeredgecolor="#d62728", markeredgewidth=1.5)
    speed.set_title(f"{loss} {dtype} {fmt.mode(mode)} at n = {fmt.size(n)}")
    speed.set_ylabel("G items/s")
    error.set_ylabel("value relative error")
    if any(line.get_xdata().size for line in error.get_lines()):
        error.set_yscale("log")


def history_chart(entries, steps, loss, colors):
    """One loss: a column per dtype, throughput above and value error below, x = the reports."""
    dts = summary.dtypes(r for e in entries for r in e.report.rows if r.loss == loss)
    fig, axes = plt.subplots(2, len(dts), figsize=(max(4.2, 0.45 * len(entries) + 2.5) * len(dts), 5.2),
                             squeeze=False, sharex=True)
    for column, dtype in enumerate(dts):
        _panel((axes[0][column], axes[1][column]), entries, steps, loss, dtype, colors)
        axes[1][column].set_xticks(range(len(entries)))
        axes[1][column].set_xticklabels([e.label for e in entries], rotation=45, ha="right", fontsize=7.5)
        axes[1][column].set_xlim(-0.5, len(entries) - 0.5)
    charts.figure_legend(fig, axes[0], columns=6)
    fig.tight_layout()
    caption = (f"{loss}: G items/s (median of the repetitions) and the value's relative error per variant, "
               f"one point per saved report, oldest left (commit; * uncommitted changes). Red rings: a step "
               f"change `lossbench compare` judged significant against the report before.")
    return Chart(chart_id("history", loss), f"{loss} across commits", caption, uri=charts._data_uri(fig))
