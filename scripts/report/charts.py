"""The charts of index.html, drawn with matplotlib (Agg) into base64 PNG data URIs.

PNG data URIs rather than inline SVG: several matplotlib SVGs in one page repeat element ids
(glyphs, clip paths), which is invalid HTML, and a PNG renders the same in every browser.
A chart that cannot be drawn from the file (no roofline data, no scalar baseline) is returned
with uri None and a note saying why, which the page shows in its place.
"""
import base64
import io
import math
import re
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after use("Agg"): no display is needed)
from matplotlib import ticker  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from . import fmt, summary  # noqa: E402

DPI = 100
MARKERS = ["o", "s", "^", "v", "D", "P", "X", "*", "<", ">", "h", "p"]
plt.rcParams.update({"font.size": 9, "axes.titlesize": 10, "legend.fontsize": 8,
                     "axes.grid": True, "grid.alpha": 0.3, "svg.hashsalt": "lossbench"})


@dataclass
class Chart:
    id: str
    title: str
    caption: str
    uri: str | None = None   # data:image/png;base64,... or None when skipped
    note: str | None = None  # why it was skipped


def chart_id(kind, loss=None):
    """Stable element ids: chart-throughput-<loss>, chart-speedup, chart-roofline."""
    return f"chart-{kind}" + (f"-{re.sub(r'[^A-Za-z0-9_-]', '-', loss)}" if loss else "")


def _data_uri(fig):
    buf = io.BytesIO()
    # No timestamps in PNG metadata: the same report renders to the same bytes.
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def variant_colors(rows):
    """One color per variant label across every chart, the baseline always the first."""
    cmap = plt.get_cmap("tab10")
    return {label: cmap(i % 10) for i, label in enumerate(summary.variant_order(r.label for r in rows))}


def _size_axis(ax, sizes):
    """log x axis with the measured sizes as ticks, labelled 4K / 1M."""
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(ticker.FixedLocator(sizes))
    ax.xaxis.set_major_formatter(ticker.FixedFormatter([fmt.size(n) for n in sizes]))
    ax.xaxis.set_minor_locator(ticker.NullLocator())


def _log_value_axis(axis):
    """Plain numbers on a log axis (4, not 4x10^0); minor ticks labelled at 2 and 5 only, for
    panels spanning less than a decade, which otherwise have no label at all."""
    def minor(v, _):
        mantissa = round(v / 10 ** math.floor(math.log10(v)))
        return f"{v:g}" if mantissa in (2, 5) else ""
    axis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(ticker.FuncFormatter(minor))


def figure_legend(fig, panels, columns):
    """One legend under the figure for the lines of all `panels`, each label once."""
    handles = {}
    for ax in panels:
        handles.update(zip(*reversed(ax.get_legend_handles_labels())))
    fig.legend(handles.values(), handles.keys(), loc="upper center", bbox_to_anchor=(0.5, 0.0),
               ncol=min(len(handles), columns), frameon=False)


def panel_mode(rows, dtype):
    """value_grad (what training runs) where measured, else whatever mode the dtype has."""
    mine = [r.mode for r in rows if r.dtype == dtype]
    return summary.PREFERRED_MODE if summary.PREFERRED_MODE in mine else mine[0]


def coinciding(rows, labels):
    """label -> the labels drawn before it (in `labels` order) whose point it covers at some size of
    the same panel: within the tie window and running the same kernel (summary.kernel), as `auto`
    does with the variant it chose and omp below its break-even does with simd."""
    at = {(r.dtype, r.mode, r.n, r.label): r for r in rows}
    out = {}
    for i, label in enumerate(labels):
        under = []
        for r in (r for r in rows if r.label == label):
            for other in labels[:i]:
                o = at.get((r.dtype, r.mode, r.n, other))
                if o and other not in under and summary.kernel(o) == summary.kernel(r) \
                        and abs(r.items_per_second / o.items_per_second - 1) <= summary.TIE:
                    under.append(other)
        out[label] = under
    return out


def throughput_chart(loss, rows, colors):
    """items/s vs n, one line per variant, one panel per dtype (log-log). Lines that coincide stay
    visible: each variant has its own hollow marker, drawn smaller than the ones before it, and the
    legend says which variants it covers."""
    rows = summary.measured([r for r in rows if r.loss == loss])
    cid, title = chart_id("throughput", loss), f"{loss}: throughput vs size"
    if not rows:
        return Chart(cid, title, "", note=f"No measured rows for {loss}.")
    dts = summary.dtypes(rows)
    labels = summary.variant_order(r.label for r in rows)
    shown = [r for r in rows if r.mode == panel_mode(rows, r.dtype)]
    covers = coinciding(shown, labels)
    fig, axes = plt.subplots(1, len(dts), figsize=(3.9 * len(dts), 2.9), squeeze=False)
    for ax, dtype in zip(axes[0], dts):
        mode = panel_mode(rows, dtype)
        panel = [r for r in shown if r.dtype == dtype]
        for i, label in enumerate(labels):
            line = sorted((r for r in panel if r.label == label), key=lambda r: r.n)
            if not line:
                continue
            legend = label + (f" (= {', '.join(covers[label])} where they meet)" if covers[label] else "")
            ax.plot([r.n for r in line], [r.items_per_second / 1e9 for r in line], marker=MARKERS[i % len(MARKERS)],
                    markersize=max(3.0, 8.0 - 1.3 * i), markerfacecolor="none", markeredgewidth=1.2,
                    linestyle="-" if i == 0 else (0, (4, 1 + i)), color=colors[label], label=legend)
        ax.set_yscale("log")
        _log_value_axis(ax.yaxis)
        _size_axis(ax, sorted({r.n for r in panel}))
        ax.set_title(f"{loss} {dtype} {fmt.mode(mode)}")
        ax.set_xlabel("n (elements)")
        ax.set_ylabel("G items/s")
    figure_legend(fig, axes[0], columns=3)
    fig.tight_layout()
    caption = (f"{loss}: G items/s (prediction elements per second) against n, log-log, one line per "
               f"variant; value+grad rows where measured, else value. Each variant has its own hollow marker, "
               f"smaller than those drawn before it, so a line drawn over another stays visible; "
               f"'(= X where they meet)': at some size it ran X's kernel and measured within "
               f"{100 * summary.TIE:.0f}% of it.")
    return Chart(cid, title, caption, uri=_data_uri(fig))


def _speedup_pick(results, loss):
    """The (dtype, mode) shown for a loss in the speed-up chart: f32 value_grad where measured."""
    mine = [s for s in results if s.loss == loss and s.speedup is not None]
    if not mine:
        return []
    dtype = "f32" if any(s.dtype == "f32" for s in mine) else mine[0].dtype
    mode = summary.PREFERRED_MODE if any(s.dtype == dtype and s.mode == summary.PREFERRED_MODE
                                         for s in mine) else mine[0].mode
    sized = sorted((s for s in mine if s.dtype == dtype and s.mode == mode), key=lambda s: s.n)
    return [sized[0]] if len(sized) == 1 else [sized[0], sized[-1]]


def speedup_chart(results, losses):
    """Fastest variant over scalar at the smallest and largest n, one bar pair per loss (log x)."""
    cid, title = chart_id("speedup"), "speed-up over scalar"
    picks = [(loss, _speedup_pick(results, loss)) for loss in losses]
    picks = [(loss, p) for loss, p in picks if p]
    if not picks:
        return Chart(cid, title, "", note="Speed-up chart skipped: no row has a scalar baseline to compare with.")
    fig, ax = plt.subplots(figsize=(7.5, 0.55 * len(picks) + 1.3))
    colors = {"smallest n": "#9ecae1", "largest n": "#3182bd"}
    height = 0.38
    for i, (loss, pair) in enumerate(reversed(picks)):
        for j, s in enumerate(reversed(pair)):
            which = "largest n" if s is pair[-1] and len(pair) > 1 else "smallest n"
            y = i + (j - (len(pair) - 1) / 2) * height
            ax.barh(y, s.speedup - 1, left=1, height=height * 0.9, color=colors[which])
            ax.annotate(f" {s.best.label} {fmt.times(s.speedup)} @ {fmt.size(s.n)}",
                        (max(s.speedup, 1), y), va="center", fontsize=7.5)
    ax.set_xscale("log")
    ax.axvline(1, color="black", linewidth=0.8)
    ax.set_yticks(range(len(picks)))
    ax.set_yticklabels([f"{loss}\n{p[0].dtype} {fmt.mode(p[0].mode)}" for loss, p in reversed(picks)])
    lo = min(s.speedup for _, p in picks for s in p)
    hi = max(s.speedup for _, p in picks for s in p)
    ax.set_xlim(min(lo, 1) / 1.5, max(hi, 1) * 4)  # room for the labels right of the bars
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}×"))
    ax.set_xlabel("speed-up over scalar (fastest variant)")
    ax.legend([Line2D([], [], color=c, linewidth=6) for c in colors.values()], colors.keys(),
              loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.tight_layout()
    caption = ("Fastest variant's items/s over scalar's at each loss's smallest and largest size "
               "(f32 value+grad where measured; the label names the variant).")
    return Chart(cid, title, caption, uri=_data_uri(fig))


def torch_chart(report):
    """lossbench.torch's speed-up over torch.nn.functional (forward+backward) per loss and size,
    one panel per (dtype, threads), log x."""
    from . import peer  # noqa: E402
    cid, title = chart_id("torch"), "speed-up over PyTorch"
    rows = peer.measured(report)  # cells a side cannot run have no figure to draw
    if not rows:
        return Chart(cid, title, "", note="PyTorch chart skipped: torch was not measured in this report.")
    panels = sorted({(r["dtype"], r["threads"]) for r in rows})
    losses = sorted({r["loss"] for r in rows})
    sizes = sorted({r["n"] for r in rows})
    shades = plt.cm.Blues([0.35 + 0.6 * i / max(1, len(sizes) - 1) for i in range(len(sizes))])
    fig, axes = plt.subplots(1, len(panels),
                             figsize=(4.2 * len(panels) + 1.2, 0.45 * len(losses) * len(sizes) / 2 + 1.6),
                             squeeze=False, sharey=True)
    height = 0.8 / len(sizes)
    for ax, (dtype, threads) in zip(axes[0], panels):
        for k, n in enumerate(sizes):
            cell = {r["loss"]: r["speedup"] for r in rows if (r["dtype"], r["threads"], r["n"]) == (dtype, threads, n)}
            ys = [i + (k - (len(sizes) - 1) / 2) * height for i, loss in enumerate(losses) if loss in cell]
            xs = [cell[loss] for loss in losses if loss in cell]
            ax.barh(ys, [x - 1 for x in xs], left=1, height=height * 0.9, color=shades[k], label=fmt.size(n))
        ax.set_xscale("log")
        ax.axvline(1, color="black", linewidth=0.8)
        ax.axvline(2, color="#d62728", linewidth=0.8, linestyle="--")
        ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}×"))
        ax.set_title(f"{dtype}, {threads} thread{'s' if threads > 1 else ''}")
        ax.set_xlabel("torch time ÷ lossbench time")
    axes[0][0].set_yticks(range(len(losses)))
    axes[0][0].set_yticklabels(losses)
    axes[0][0].invert_yaxis()
    axes[0][-1].legend(title="n", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.tight_layout()
    caption = ("torch.nn.functional forward + autograd backward time over lossbench.torch's, same tensors and "
               "threads, per loss and size (bars right of 1× : lossbench faster; dashed line: 2×).")
    return Chart(cid, title, caption, uri=_data_uri(fig))
