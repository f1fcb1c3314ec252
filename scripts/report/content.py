"""The text of the report, shared by report.md and index.html so that both say the same thing.

Lines are plain strings where **x** marks emphasis (markdown keeps it, HTML turns it into <strong>);
tables are (header, rows) of strings.
"""
import re

from . import fmt, peer
from .summary import GOAL_VS_SIMD, TIE


def run_line(report):
    lb = report.lossbench
    parts = [f"lossbench {lb['version']}" if lb.get("version") else None,
             " ".join(str(lb[k]) for k in ("compiler", "build_type") if lb.get(k)) or None,
             commit_text(lb),
             f"{lb['sweep']} sweep" if lb.get("sweep") else None,
             f"{lb['repetitions']} repetitions" if lb.get("repetitions") else None,
             str(report.context.get("date") or lb.get("started") or "") or None,
             f"{lb['duration_s']:.0f} s" if isinstance(lb.get("duration_s"), (int, float)) else None]
    return " · ".join(p for p in parts if p) or "no run information in the file"


def commit_text(lb):
    """'commit e7034b755a21 (dirty) of 2026-12-06T19:48:45+00:00'; 'not built from a git checkout'
    where the build found no repository; None for reports that predate the field."""
    commit = lb.get("git_commit")
    if not commit:
        return None
    if commit == "unknown":
        return "not built from a git checkout"
    dirty = " (dirty)" if lb.get("git_dirty") is True else ""
    return f"commit {str(commit)[:12]}{dirty} of {lb.get('git_commit_date', 'unknown')}"


def _per_threads(values, unit):
    """{1: x, 2: y} -> '20.0 GB/s (1 thread) / 31.0 GB/s (2 threads)'."""
    return " / ".join(f"{fmt.rate(v, unit)} ({t} thread{'s' if t > 1 else ''})" for t, v in values.items())


def machine_line(m):
    parts = [f"**{m.cpu_model or 'unknown CPU'}**",
             f"ISA {m.simd_isa}" if m.simd_isa else None,
             f"{m.cores} cores" if m.cores else None,
             f"DRAM {_per_threads(m.dram, 'B/s')}" if m.dram else "DRAM bandwidth not measured",
             "peak " + ", ".join(f"{d} {_per_threads(v, 'FLOP/s')}" for d, v in m.peak_flops.items())
             if m.peak_flops else "peak FLOP/s not measured"]
    return " · ".join(p for p in parts if p)


# Warnings of the run that the Noise line already states (the noisy-row count, the frequency
# scaling, the load average): report.json keeps them for programs; the page says each fact once.
SAID_BY_NOISE_LINE = re.compile(r"rows vary by more than|frequency scaling|^load average")


def noise_lines(noise):
    """The noise summary line, then the run's own warnings verbatim, except those it restates."""
    scaling = {True: "**CPU frequency scaling on**", False: "frequency scaling off", None: None}[noise.scaling]
    load = f"load {noise.load:.2f}" + (f" on {noise.cpus} CPUs" if noise.cpus else "") \
        if noise.load is not None else None
    noisy = f"{noise.noisy_rows} of {noise.rows} rows noisy (cv > 10%, marked ⚠)"
    if noise.noisy_rows:
        noisy = f"**{noisy}**"
    return ["Noise: " + " · ".join(p for p in (scaling, load, noisy) if p)] + \
        [f"⚠ {w}" for w in noise.warnings if not SAID_BY_NOISE_LINE.search(w)]


def notes(report):
    """What the sweep's selection left out, and why (context.lossbench.notes: a loss without
    kernels in a dtype asked for, e.g. no bf16 ctc)."""
    return [f"Not measured: {n}." for n in report.lossbench.get("notes") or [] if isinstance(n, str)]


def bands_note(report):
    """Said once under the recommendations' heading: how a band's first size was placed."""
    note = (f"One line per loss and dtype: the fastest variant at each measured size (ties within "
            f"{TIE:.0%} go to the simpler variant), in bands of sizes. A band starts at the first "
            f"measured size where its variant wins: the crossover lies between that size and the measured size "
            f"before it.")
    if report.crossover_rows:
        note += (" Between the sweep's sizes, each change of winner was narrowed by bisection (the two variants "
                 "timed at the power of two between, until the sizes are at most 2× apart), so a crossover is "
                 "placed within a factor of 2; those timings place the bands only and are in report.json "
                 "(crossover_benchmarks), not in the tables.")
    return note


def band_text(bands):
    """'**simd** below 64K, **omp/threads:2** from 64K, **simd** from 8M': each band from the first
    measured size its winner wins at, the first one below the second band's start; one band:
    '**simd** at every size measured, 4K–8M'."""
    if len(bands) == 1:
        sizes = bands[0].sizes
        span = fmt.size(sizes[0]) if len(sizes) == 1 else f"{fmt.size(sizes[0])}–{fmt.size(sizes[-1])}"
        return f"**{bands[0].label}** at every size measured, {span}"
    first = f"**{bands[0].label}** below {fmt.size(bands[1].sizes[0])}"
    return ", ".join([first] + [f"**{b.label}** from {fmt.size(b.sizes[0])}" for b in bands[1:]])


def torch_at_largest(rec, report):
    """(n, × torch) of the winner at the largest size with a torch cell, as the per-loss table's
    × torch column gives it; None where torch was not measured."""
    for s in reversed(rec.results):
        vs_torch = vs_torch_of(s, report)
        if vs_torch is not None:
            return s.n, vs_torch
    return None


def gain_text(rec, report):
    """'5.10–9.00× over scalar, 2.30× torch at 8M; 78% of the roofline at 8M'."""
    if rec.speedups:
        lo, hi = min(rec.speedups), max(rec.speedups)
        gain = fmt.times(lo) if fmt.sig3(lo) == fmt.sig3(hi) else f"{fmt.sig3(lo)}–{fmt.times(hi)}"
        gain += " over scalar"
    else:
        gain = "no scalar baseline"
    torch = torch_at_largest(rec, report)
    if torch:
        gain += f", {fmt.times(torch[1])} torch at {fmt.size(torch[0])}"
    largest = rec.results[-1]
    if largest.best.roofline_pct is not None:
        gain += f"; {fmt.percent(largest.best.roofline_pct)} of the roofline at {fmt.size(largest.n)}"
    return gain


def recommendation_lines(recs, report):
    """One line per (loss, dtype): 'mse f32: **simd** below 64K, ... (value+grad; gains)'."""
    return [f"{rec.loss} {rec.dtype}: {band_text(rec.bands)} ({fmt.mode(rec.mode)}; {gain_text(rec, report)})"
            + (" ⚠ noisy" if rec.noisy else "") for rec in recs]


def vs_torch_of(result, report):
    """torch's forward+backward time over lossbench.torch's at this cell with the winner's thread
    count; peer cells are value+grad only."""
    if report is None or result.mode != "value_grad":
        return None
    return peer.speedup(report, result.loss, result.dtype, result.n, result.best.threads)


LOSS_HEADER = ["dtype", "mode", "n", "fastest", "G items/s", "× scalar", "× torch", "roofline",
               "value rel err", "grad max rel err", "cv"]


GOAL_MARK = {True: " ✓", False: " ✗", None: ""}


def grad_ulp16(row):
    """A 16-bit row's gradient accuracy: its largest error in ULPs of the storage type and the goal
    (the f32 bound plus half a 16-bit ULP), '0.500 (goal 0.500) ✓'; a dash for other rows."""
    if not row.sixteen_bit or row.grad_max_ulp is None:
        return fmt.DASH
    goal = f" (goal {fmt.ulp(row.grad_ulp_goal)})" if row.grad_ulp_goal is not None else ""
    return fmt.ulp(row.grad_max_ulp) + goal + GOAL_MARK[row.grad_goal_met]


SIXTEEN_BIT_NOTE = ("bf16 and f16 rows store inputs, gradient and per-sample losses in 16 bits and compute in "
                    "f32: their value error is against the long-double reference on the widened inputs (the f32 "
                    "bound applies); grad 16-bit ULPs is the gradient's largest error in ULPs of the storage type "
                    "against its goal, the f32 bound plus ½ ULP (✓: every element within its own).")


def has_sixteen_bit(rows):
    return any(r.sixteen_bit for r in rows)


def loss_table(results, report=None):
    """One row per (dtype, mode, n) of one loss: its fastest variant and how good it is; × torch is
    torch's forward+backward time over lossbench.torch's at the same size and threads (value+grad).
    A loss with 16-bit rows gets a column for their gradient's ULPs against the goal."""
    sixteen = has_sixteen_bit(s.best for s in results)
    header = LOSS_HEADER[:-1] + ["grad 16-bit ULPs"] + LOSS_HEADER[-1:] if sixteen else LOSS_HEADER
    rows = []
    for s in results:
        b = s.best
        roof = fmt.percent(b.roofline_pct)
        if b.roofline_pct is not None and b.bound in ("memory", "compute"):
            roof += " " + ("mem" if b.bound == "memory" else "cpu")
        n = fmt.size(s.n) + (f" ({b.size_label})" if b.size_label else "")
        vs_torch = vs_torch_of(s, report)
        rows.append([s.dtype, fmt.mode(s.mode), n, f"**{b.label}**", fmt.giga(b.items_per_second),
                     fmt.times(s.speedup), fmt.times(vs_torch), roof, fmt.rel_err(b.value_rel_err),
                     fmt.rel_err(b.grad_max_rel_err)] + ([grad_ulp16(b)] if sixteen else []) + [fmt.noisy_cv(b)])
    return header, rows


def peak_table(m):
    threads = sorted({t for v in m.peak_flops.values() for t in v})
    header = ["dtype"] + [f"{t} thread{'s' if t > 1 else ''}" for t in threads]
    rows = [[d] + [fmt.rate(v.get(t), "FLOP/s") for t in threads] for d, v in m.peak_flops.items()]
    return header, rows


def auto_lines(report, autos):
    """What the `auto` rows say, in one or two lines: which profile, and how often the goal held."""
    if not autos:
        return []
    prof = report.lossbench.get("auto_profile") if isinstance(report.lossbench.get("auto_profile"), dict) else {}
    state = prof.get("state")
    where = {"loaded": f"profile {prof.get('path')} (rigor {prof.get('rigor')})",
             "ignored": f"profile {prof.get('path')} ignored: {prof.get('message')}; built-in heuristics",
             "none": "no profile: built-in heuristics (`lossbench tune` makes one)"}.get(state, "profile unknown")
    met = sum(a.verdict == "met" for a in autos)
    noise = sum(a.verdict == "noise" for a in autos)
    missed = [a for a in autos if a.verdict == "missed"]
    goals = sorted({a.goal for a in autos})
    goal_text = " / ".join(fmt.percent(100 * g) for g in goals)
    vs_simd = ", not slower than simd" if any(a.auto.auto_source in GOAL_VS_SIMD for a in autos) else ""
    line = (f"`auto` ({where}) met its goal (within {goal_text} of the fastest fixed variant{vs_simd}) "
            f"at **{met} of {len(autos)}** sizes")
    if noise:
        line += (f"; at {noise} more it ran the very kernel it is compared with (≈: the gap is the noise of "
                 f"measuring the same code twice)")
    if missed:
        worst = max(missed, key=lambda a: a.slowdown)
        line += (f"; **missed at {len(missed)}**, worst {worst.loss} {worst.dtype} {fmt.mode(worst.mode)} "
                 f"n = {fmt.size(worst.n)}: {fmt.percent(100 * worst.slowdown)} behind {worst.fastest.label}")
    again = report.lossbench.get("sizes_measured_again")
    if again:
        more = report.lossbench.get("repetitions_again")
        line += (f". {again} sizes where `auto` trailed by more than {fmt.percent(100 * TIE)} after the first pass "
                 f"were measured again, interleaved{f', {more} repetitions more' if more else ''}; "
                 "their rows pool both passes' repetitions")
    return [line]


AUTO_HEADER = ["loss", "dtype", "mode", "n", "auto ran", "auto G items/s", "fastest fixed", "G items/s",
               "auto behind", "vs simd", "goal"]


def auto_table(autos):
    rows = []
    for a in autos:
        rows.append([a.loss, a.dtype, fmt.mode(a.mode), fmt.size(a.n),
                     (a.auto.auto_choice or "?") + (" (profile)" if a.auto.auto_source == "profile" else ""),
                     fmt.giga(a.auto.items_per_second), a.fastest.label, fmt.giga(a.fastest.items_per_second),
                     fmt.percent(100 * a.slowdown), "-" if a.vs_simd is None else fmt.percent(100 * a.vs_simd),
                     {"met": "✓", "noise": "≈ same kernel", "missed": "✗"}[a.verdict]
                     + f" ≤ {fmt.percent(100 * a.goal)}"])
    return AUTO_HEADER, rows
