"""The roofline chart: every kernel row as a point (arithmetic intensity, achieved FLOP/s) under
the measured memory roofs (bandwidth x intensity) and compute ceilings (peak FLOP/s), log-log.

Color = loss, marker = variant, filled = f32 and hollow = f64; one legend outside the axes
with a header line per group, so the plot area stays free for the points.
"""
import matplotlib.pyplot as plt
from matplotlib import ticker
from matplotlib.lines import Line2D

from . import fmt, summary
from .charts import MARKERS, Chart, _data_uri, chart_id

CAPTION = ("Roofline: x = nominal FLOPs per compulsory byte, y = achieved FLOP/s, log-log. "
           "Solid slopes: DRAM streaming bandwidth (1 thread, all threads); faint dotted slopes: "
           "in-cache working sets; horizontal lines: in-cache FMA peaks. "
           "Color = loss, marker = variant, filled = f32, hollow = f64.")


def _header(text):
    """An invisible legend entry used as a group title."""
    return Line2D([], [], linestyle="none", marker="none"), text


def _roofs(ax, machine, xs, top):
    """Draws the memory roofs and compute ceilings; returns their legend entries."""
    entries = [_header("roofs")]
    styles = {1: ("black", "-"), None: ("dimgray", "--")}
    for t, bw in machine.dram.items():
        color, style = styles[1] if t == 1 else styles[None]
        ax.plot(xs, [min(x * bw, top) for x in xs], color=color, linestyle=style, linewidth=1.4)
        entries.append((Line2D([], [], color=color, linestyle=style),
                        f"DRAM, {t} thread{'s' if t > 1 else ''}: {fmt.rate(bw, 'B/s')}"))
    cache = sorted((b for b in machine.bandwidth if b["threads"] == 1), key=lambda b: b["working_set_bytes"])
    for b in cache[:-1]:  # the largest working set is the DRAM roof above
        ax.plot(xs, [min(x * b["bytes_per_second"], top) for x in xs], color="gray", linestyle=":",
                linewidth=0.8, alpha=0.6)
        ax.annotate(fmt.nbytes(b["working_set_bytes"]), (xs[0], xs[0] * b["bytes_per_second"]),
                    fontsize=6.5, color="gray", xytext=(2, 2), textcoords="offset points")
    if cache[:-1]:
        entries.append((Line2D([], [], color="gray", linestyle=":"), "in-cache bandwidth, 1 thread"))
    dashes = {"f32": "-.", "f64": (0, (5, 2, 1, 2, 1, 2))}
    for dtype, by_threads in machine.peak_flops.items():
        for t, peak in by_threads.items():
            color = "firebrick" if t == max(by_threads) else "salmon"
            style = dashes.get(dtype, "--")
            ax.axhline(peak, color=color, linestyle=style, linewidth=1.1)
            entries.append((Line2D([], [], color=color, linestyle=style),
                            f"{dtype} peak, {t} thread{'s' if t > 1 else ''}: {fmt.rate(peak, 'FLOP/s')}"))
    return entries


def _points(ax, rows):
    """One scatter per (loss, variant, dtype); returns the loss and variant legend entries."""
    names = summary.losses(rows)
    # tab10 while it suffices (strongest colors); the full catalogue (11 losses) needs tab20.
    cmap, size = (plt.get_cmap("tab10"), 10) if len(names) <= 10 else (plt.get_cmap("tab20"), 20)
    colors = {loss: cmap(i % size) for i, loss in enumerate(names)}
    labels = summary.variant_order(r.label for r in rows)
    markers = {label: MARKERS[i % len(MARKERS)] for i, label in enumerate(labels)}
    groups = {}
    for r in rows:
        groups.setdefault((r.loss, r.label, r.dtype), []).append(r)
    for (loss, label, dtype), group in groups.items():
        filled = dtype != "f64"
        ax.scatter([r.intensity for r in group], [r.flop_rate for r in group], s=22, marker=markers[label],
                   facecolors=colors[loss] if filled else "none", edgecolors=colors[loss], linewidths=0.9,
                   alpha=0.85, zorder=3)
    return ([_header("loss")] + [(Line2D([], [], linestyle="none", marker="s", color=c), loss)
                                 for loss, c in colors.items()] +
            [_header("variant")] + [(Line2D([], [], linestyle="none", marker=m, color="black",
                                            markerfacecolor="none"), label) for label, m in markers.items()])


def _extent(points, machine):
    """x and y limits that show every point, the ridge points and the highest ceiling."""
    xs = [r.intensity for r in points]
    ys = [r.flop_rate for r in points]
    peaks = [p for v in machine.peak_flops.values() for p in v.values()]
    bws = list(machine.dram.values()) + [b["bytes_per_second"] for b in machine.bandwidth]
    ridges = [p / bw for p in peaks for bw in machine.dram.values()]
    x_lo, x_hi = min(xs) / 3, max(xs + ridges) * 3
    y_lo = min(ys + [x_lo * bw for bw in bws]) / 2
    y_hi = max(ys + peaks) * 2.5
    return (x_lo, x_hi), (y_lo, y_hi)


def roofline_chart(rows, machine):
    cid, title = chart_id("roofline"), "roofline"
    has_roofs = bool(machine.dram or machine.peak_flops or machine.bandwidth)
    points = [r for r in rows if r.intensity and r.flop_rate]
    if not has_roofs:
        return Chart(cid, title, "", note="Roofline chart skipped: the report has no roofline measurements "
                                          "(bandwidth, peak FLOP/s).")
    if not points:
        return Chart(cid, title, "", note="Roofline chart skipped: no row has flops and compulsory_bytes.")
    (x_lo, x_hi), (y_lo, y_hi) = _extent(points, machine)
    fig, ax = plt.subplots(figsize=(8.5, 5.5))
    ax.set_xscale("log")
    ax.set_yscale("log")
    steps = 64
    xs = [x_lo * (x_hi / x_lo) ** (i / steps) for i in range(steps + 1)]
    top = max([p for v in machine.peak_flops.values() for p in v.values()] or [y_hi])
    entries = _roofs(ax, machine, xs, top) + _points(ax, points)
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: fmt.axis_rate(v, "FLOP/s")))
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_xlabel("arithmetic intensity (FLOP / compulsory byte)")
    ax.set_ylabel("achieved FLOP/s")
    ax.legend(*zip(*entries), loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.tight_layout()
    return Chart(cid, title, CAPTION, uri=_data_uri(fig))
