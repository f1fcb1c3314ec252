"""The roofline charts, one per loss family: every kernel row as a point (arithmetic intensity,
achieved FLOP/s) under the measured memory roofs (bandwidth x intensity) and compute ceilings
(peak FLOP/s), log-log.

The memory roofs are the streaming-read bandwidth and the copy bandwidth (read one array, write
another: bytes read + written per second), so a row that only reads sits under the read roof and
one whose writes equal its reads (a gradient pass) under the copy roof. Each row's own bound
prices its read bytes at the read bandwidth and its written bytes at the write bandwidth the copy
implies (1/write = 2/copy - 1/read), with ordinary or streaming stores as its kernel wrote: the
roofline_pct of report.json.

Color = variant, marker = loss, filled = f32 and hollow = f64; rows that ran another variant's
kernel get their own legend entry ("omp/threads:2 = simd" below omp's break-even, "auto = <its
choice>"), so coinciding points are named rather than hidden. No point labels: the legend outside
the axes names everything, and the plot area stays free for the points.
"""
import math

import matplotlib.pyplot as plt
from matplotlib import ticker
from matplotlib.lines import Line2D

from . import fmt, summary
from .charts import MARKERS, Chart, _data_uri, chart_id

# Loss families, in catalogue terms: element-wise (one loss per element of two same-shape
# inputs), classification over rows of logits, and distances between rows of embeddings.
FAMILIES = (("elementwise", "element-wise losses", ("mse", "mae", "huber", "bce", "bce_logits", "hinge", "kl_div")),
            ("classification", "classification losses", ("cross_entropy", "ctc")),
            ("embedding", "embedding losses", ("triplet", "contrastive")))
OTHER = ("other", "other losses")

CAPTION = ("Roofline of the {title}: x = nominal FLOPs per compulsory byte (read + written), y = achieved "
           "FLOP/s, log-log. Solid slopes: DRAM streaming-read bandwidth; dashed slopes: DRAM copy bandwidth "
           "(read + write, ordinary stores; dash-dot: streaming stores), 1 thread and all threads; faint "
           "dotted slopes: in-cache reads; horizontal lines: in-cache FMA peaks. Color = variant "
           "(\"= simd\": ran the simd kernel), marker = loss, filled = f32, hollow = f64.")

# Why a row may sit above 100% of its bound, for the notes.
OVER_REASON = ("the bound prices reads and writes one after the other, but they use different resources (in cache "
               "the load and store ports; from DRAM on one thread the core's outstanding read misses, which "
               "streaming stores do not hold), so a kernel can overlap them; a row is also priced at the ladder's "
               "working set that holds its footprint (4x steps), and a footprint well below that point streams "
               "faster than the point measured (768 KiB in a 1 MiB L2 that the 1 MiB probe fills and spills); and "
               "a row's median can meet a quieter machine than the ceilings' best trial")


def family_of(loss):
    for key, title, members in FAMILIES:
        if loss in members:
            return key, title
    return OTHER


def families(rows):
    """[(key, title, rows)] in FAMILIES order, the rows that can be placed (flops and bytes known)."""
    groups = {}
    for r in rows:
        if r.intensity and r.flop_rate:
            groups.setdefault(family_of(r.loss), []).append(r)
    order = [(k, t) for k, t, _ in FAMILIES] + [OTHER]
    return [(k, t, groups[(k, t)]) for k, t in order if (k, t) in groups]


def _number(v):
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 else None


def copy_ladder(roofline):
    """report.json's roofline.copy as dicts threads / working_set_bytes / stores / bytes_per_second
    (not measured points and malformed entries dropped); [] for reports from before the copy probe."""
    out = []
    for c in roofline.get("copy") or [] if isinstance(roofline, dict) else []:
        if not isinstance(c, dict) or not all(_number(c.get(k)) for k in ("threads", "working_set_bytes",
                                                                          "bytes_per_second")):
            continue
        out.append({"threads": int(c["threads"]), "working_set_bytes": int(c["working_set_bytes"]),
                    "stores": c.get("stores") if c.get("stores") in ("cached", "streaming") else "cached",
                    "bytes_per_second": float(c["bytes_per_second"])})
    return out


def write_bandwidth(read_bw, copy_bw):
    """Bytes written per second of the time writes add to reads: 1/w = 2/copy - 1/read; inf where
    the copy took no longer than its reads alone; None where either was not measured."""
    if not read_bw or not copy_bw:
        return None
    per_byte = 2 / copy_bw - 1 / read_bw
    return 1 / per_byte if per_byte > 0 else math.inf


def row_key(r):
    """The legend entry of a row: its label, or what it really ran where that was another kernel."""
    if r.variant == "omp" and r.parallel is False:
        return f"{r.label} = simd"
    if r.variant == "auto" and r.auto_choice:
        return f"auto = {r.auto_choice}"
    return r.label


def over_roof(rows, limit=100.0):
    """Rows above `limit` % of their roofline, highest first."""
    return sorted((r for r in rows if r.roofline_pct is not None and r.roofline_pct > limit),
                  key=lambda r: -r.roofline_pct)


def notes(rows):
    """The roofline notes: rows above 100% of their bound and why, or nothing."""
    over = over_roof(rows)
    if not over:
        return []
    shown = ", ".join(f"{r.loss} {r.label} {r.dtype} {r.mode} {fmt.size(r.n)} {fmt.percent(r.roofline_pct)}"
                      for r in over[:8])
    more = f" and {len(over) - 8} more" if len(over) > 8 else ""
    return [f"{len(over)} row{'s' if len(over) > 1 else ''} above 100% of the roofline ({shown}{more}): "
            f"{OVER_REASON}."]


def ceiling_intro(roofline):
    """The sentence above ceiling_table, for report.md and index.html alike."""
    if copy_ladder(roofline):
        return ("Bandwidth by working set: streaming read; copy = bytes read + written per second (one array "
                "read, another written); write = the bandwidth of writes beside reads that the copy implies "
                "(1/write = 2/copy − 1/read), which prices each row's written bytes.")
    return "Streaming-read bandwidth by working set:"  # a report from before the copy probe


def _ceiling_cell(v):
    return "not measured" if v is None else fmt.rate(v, "B/s")


def ceiling_table(roofline):
    """Working set x (read, copy, write) x thread count; a point the probe could not time (null) is
    'not measured'. Columns for copy and write only where the report has the copy probe."""
    roofline = roofline if isinstance(roofline, dict) else {}
    read = {}
    for b in roofline.get("bandwidth") or []:
        if isinstance(b, dict) and _number(b.get("threads")) and _number(b.get("working_set_bytes")):
            read[(int(b["threads"]), int(b["working_set_bytes"]))] = _number(b.get("bytes_per_second"))
    copies = {}
    for c in roofline.get("copy") or []:
        if isinstance(c, dict) and _number(c.get("threads")) and _number(c.get("working_set_bytes")):
            key = (int(c["threads"]), int(c["working_set_bytes"]), c.get("stores", "cached"))
            copies[key] = _number(c.get("bytes_per_second"))
    threads = sorted({t for t, _ in read} | {t for t, _, _ in copies})
    sizes = sorted({ws for _, ws in read} | {ws for _, ws, _ in copies})
    stores = [s for s in ("cached", "streaming") if any(k[2] == s for k in copies)]
    header = ["working set"]
    for t in threads:
        suffix = f", {t} thread{'s' if t > 1 else ''}"
        header.append("read" + suffix)
        for s in stores:
            kind = "" if s == "cached" else " (streaming stores)"
            header += [f"copy{kind}" + suffix, f"write{kind}" + suffix]
    rows = []
    for ws in sizes:
        line = [fmt.nbytes(ws) + (" (DRAM)" if ws == sizes[-1] else "")]
        for t in threads:
            r = read.get((t, ws))
            line.append(_ceiling_cell(r) if (t, ws) in read else fmt.DASH)
            for s in stores:
                if (t, ws, s) not in copies:
                    line += [fmt.DASH, fmt.DASH]
                    continue
                c = copies[(t, ws, s)]
                w = write_bandwidth(r, c)
                line += [_ceiling_cell(c), "no extra time" if w == math.inf else _ceiling_cell(w)]
        rows.append(line)
    return header, rows


def _header(text):
    """An invisible legend entry used as a group title."""
    return Line2D([], [], linestyle="none", marker="none"), text


def _dram_copies(copies):
    """{(threads, stores): bytes/s} at the largest working set of each."""
    out = {}
    for c in sorted(copies, key=lambda c: c["working_set_bytes"]):
        out[(c["threads"], c["stores"])] = c["bytes_per_second"]
    return out


def _roofs(ax, machine, copies, xs, top):
    """Draws the memory roofs and compute ceilings; returns their legend entries."""
    entries = [_header("roofs")]
    shade = {True: "black", False: "dimgray"}
    for t, bw in machine.dram.items():
        color = shade[t == 1]
        ax.plot(xs, [min(x * bw, top) for x in xs], color=color, linestyle="-", linewidth=1.4)
        entries.append((Line2D([], [], color=color, linestyle="-"),
                        f"read, DRAM, {t} thread{'s' if t > 1 else ''}: {fmt.rate(bw, 'B/s')}"))
    styles = {"cached": "--", "streaming": "-."}
    for (t, stores), bw in sorted(_dram_copies(copies).items()):
        color, style = shade[t == 1], styles[stores]
        ax.plot(xs, [min(x * bw, top) for x in xs], color=color, linestyle=style, linewidth=1.1)
        kind = " (streaming stores)" if stores == "streaming" else ""
        entries.append((Line2D([], [], color=color, linestyle=style),
                        f"copy{kind}, DRAM, {t} thread{'s' if t > 1 else ''}: {fmt.rate(bw, 'B/s')}"))
    cache = sorted((b for b in machine.bandwidth if b["threads"] == 1), key=lambda b: b["working_set_bytes"])
    labelled = []  # bandwidths already labelled: a label within 30% of one would overlap it
    for b in cache[:-1]:  # the largest working set is the DRAM roof above
        bw = b["bytes_per_second"]
        ax.plot(xs, [min(x * bw, top) for x in xs], color="gray", linestyle=":", linewidth=0.8, alpha=0.6)
        if all(abs(math.log(bw / other)) > math.log(1.3) for other in labelled + list(machine.dram.values())):
            labelled.append(bw)
            ax.annotate(fmt.nbytes(b["working_set_bytes"]), (xs[0], xs[0] * bw),
                        fontsize=6.5, color="gray", xytext=(2, 2), textcoords="offset points")
    if cache[:-1]:
        entries.append((Line2D([], [], color="gray", linestyle=":"), "read, in cache, 1 thread"))
    dashes = {"f32": "-.", "f64": (0, (5, 2, 1, 2, 1, 2))}
    for dtype, by_threads in machine.peak_flops.items():
        for t, peak in by_threads.items():
            color = "firebrick" if t == max(by_threads) else "salmon"
            style = dashes.get(dtype, "--")
            ax.axhline(peak, color=color, linestyle=style, linewidth=1.1)
            entries.append((Line2D([], [], color=color, linestyle=style),
                            f"{dtype} peak, {t} thread{'s' if t > 1 else ''}: {fmt.rate(peak, 'FLOP/s')}"))
    return entries


def _colors(keys):
    """One color per legend key: tab10 while it suffices, tab20 beyond."""
    cmap, size = (plt.get_cmap("tab10"), 10) if len(keys) <= 10 else (plt.get_cmap("tab20"), 20)
    return {k: cmap(i % size) for i, k in enumerate(keys)}


def _points(ax, rows):
    """One scatter per (variant key, loss, dtype); returns the variant and loss legend entries."""
    keys = summary.variant_order(row_key(r) for r in rows)
    colors = _colors(keys)
    losses = summary.losses(rows)
    markers = {loss: MARKERS[i % len(MARKERS)] for i, loss in enumerate(losses)}
    groups = {}
    for r in rows:
        groups.setdefault((row_key(r), r.loss, r.dtype), []).append(r)
    for (key, loss, dtype), group in groups.items():
        filled = dtype != "f64"
        ax.scatter([r.intensity for r in group], [r.flop_rate for r in group], s=26, marker=markers[loss],
                   facecolors=colors[key] if filled else "none", edgecolors=colors[key], linewidths=1.0,
                   alpha=0.85, zorder=3)
    return ([_header("variant")] + [(Line2D([], [], linestyle="none", marker="s", color=c), key)
                                    for key, c in colors.items()] +
            [_header("loss")] + [(Line2D([], [], linestyle="none", marker=m, color="black",
                                         markerfacecolor="none"), loss) for loss, m in markers.items()])


def _extent(points, machine, copies):
    """x and y limits that show every point, the ridge points and the highest ceiling."""
    xs = [r.intensity for r in points]
    ys = [r.flop_rate for r in points]
    peaks = [p for v in machine.peak_flops.values() for p in v.values()]
    drams = list(machine.dram.values()) + list(_dram_copies(copies).values())
    bws = drams + [b["bytes_per_second"] for b in machine.bandwidth]
    ridges = [p / bw for p in peaks for bw in drams]
    x_lo, x_hi = min(xs) / 3, max(xs + ridges) * 3
    y_lo = min(ys + [x_lo * bw for bw in bws]) / 2
    y_hi = max(ys + peaks) * 2.5
    return (x_lo, x_hi), (y_lo, y_hi)


def _chart(key, title, points, machine, copies):
    (x_lo, x_hi), (y_lo, y_hi) = _extent(points, machine, copies)
    fig, ax = plt.subplots(figsize=(8.5, 5.5))
    ax.set_xscale("log")
    ax.set_yscale("log")
    steps = 64
    xs = [x_lo * (x_hi / x_lo) ** (i / steps) for i in range(steps + 1)]
    top = max([p for v in machine.peak_flops.values() for p in v.values()] or [y_hi])
    entries = _roofs(ax, machine, copies, xs, top) + _points(ax, points)
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    ax.set_title(f"roofline: {title}")
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: fmt.axis_rate(v, "FLOP/s")))
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_xlabel("arithmetic intensity (FLOP / compulsory byte, read + written)")
    ax.set_ylabel("achieved FLOP/s")
    ax.legend(*zip(*entries), loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.tight_layout()
    caption = CAPTION.format(title=title)
    over = notes(points)
    if over:
        caption += " " + " ".join(over)
    return Chart(chart_id("roofline", key), f"roofline: {title}", caption, uri=_data_uri(fig))


def roofline_charts(rows, machine, roofline=None):
    """One chart per loss family (chart-roofline-<family>), or one skipped chart saying why."""
    copies = copy_ladder(roofline or {})
    has_roofs = bool(machine.dram or machine.peak_flops or machine.bandwidth)
    if not has_roofs:
        return [Chart(chart_id("roofline"), "roofline", "",
                      note="Roofline chart skipped: the report has no roofline measurements "
                           "(bandwidth, peak FLOP/s).")]
    groups = families(rows)
    if not groups:
        return [Chart(chart_id("roofline"), "roofline", "",
                      note="Roofline chart skipped: no row has flops and compulsory_bytes.")]
    return [_chart(key, title, points, machine, copies) for key, title, points in groups]
