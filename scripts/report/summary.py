"""What the report says, independent of how it is drawn: fastest variant per size, speed-ups over
scalar, the "what to use at which size" recommendations, the machine and the noise.

"Fastest" is the highest items_per_second among the rows of one (loss, dtype, mode, n), as the
schema defines it, with ties within 3% going to the simpler variant (simplest_within_tie); the
speed-up divides it by the scalar row of that same key (single-threaded by definition), and is
None where there is no scalar row.
"""
from collections import defaultdict
from dataclasses import dataclass

BASELINE = "scalar"
PREFERRED_MODE = "value_grad"  # what training runs; recommendations use it where it was measured
NOISE_LIMIT = 0.10             # the schema's trust limit on cv, for the wording only


def ordered(values, first=()):
    """Unique values in first-appearance order, with those in `first` (in that order) leading."""
    seen = list(dict.fromkeys(values))
    return [v for v in first if v in seen] + [v for v in seen if v not in first]


def variant_order(labels):
    """scalar, simd, simd:<isa> (file order), omp..., then anything else: the baseline first."""
    def rank(label):
        return 0 if label == BASELINE else 1 if label == "simd" else 2 if label.startswith("simd:") else \
            3 if label.startswith("omp") else 4
    labels = list(dict.fromkeys(labels))
    return sorted(labels, key=lambda label: (rank(label), labels.index(label)))


def losses(rows):
    return ordered(r.loss for r in rows)


DTYPE_ORDER = ("f32", "f64", "bf16", "f16")  # 16-bit storage (computed in f32) after the computing dtypes


def dtypes(rows):
    return ordered((r.dtype for r in rows), first=DTYPE_ORDER)


def modes(rows):
    return ordered((r.mode for r in rows), first=("value", "value_grad"))


def measured(rows):
    return [r for r in rows if r.items_per_second and r.items_per_second > 0]


@dataclass
class SizeResult:
    """The answer for one (loss, dtype, mode, n): the fastest row and its speed-up over scalar."""
    loss: str
    dtype: str
    mode: str
    n: int
    best: object           # load.Row
    speedup: float | None  # best / scalar items per second
    rows: list             # every measured row of this key


TIE = 0.03  # rows this close to the fastest are a tie: below the noise of a shared machine


def simplest_within_tie(group):
    """The fastest row, except that a simpler variant (scalar < simd < simd:<isa> < omp, fewer
    threads first) within TIE of it wins: omp below its break-even runs the simd kernel serially,
    and recommending it on a 1% difference would be recommending noise."""
    if any(r.variant == "simd" for r in group):
        # An omp row that ran serially is the simd kernel measured twice: any gap is noise.
        group = [r for r in group if r.parallel is not False or not r.variant.startswith("omp")]
    top = max(r.items_per_second for r in group)
    order = variant_order([r.variant for r in group])
    close = [r for r in group if r.items_per_second >= (1 - TIE) * top]
    return min(close, key=lambda r: (order.index(r.variant), r.threads))


AUTO = "auto"


def size_results(rows):
    """One SizeResult per (loss, dtype, mode, n) that has a measured row of a fixed variant, in
    display order (`auto` runs one of the fixed variants: auto_results compares it with them)."""
    groups = defaultdict(list)
    for r in measured(rows):
        if r.variant != AUTO:
            groups[(r.loss, r.dtype, r.mode, r.n)].append(r)
    order = {"loss": losses(rows), "dtype": dtypes(rows), "mode": modes(rows)}
    results = []
    for (loss, dtype, mode, n), group in groups.items():
        best = simplest_within_tie(group)
        scalar = [r for r in group if r.variant == BASELINE and r.threads == 1]
        speedup = best.items_per_second / scalar[0].items_per_second if scalar else None
        results.append(SizeResult(loss, dtype, mode, n, best, speedup, group))
    results.sort(key=lambda s: (order["loss"].index(s.loss), order["dtype"].index(s.dtype),
                                order["mode"].index(s.mode), s.n))
    return results


@dataclass
class Band:
    """Consecutive measured sizes with the same winner."""
    label: str
    sizes: list  # measured n, ascending; sizes[0] is the first n where this winner wins


@dataclass
class Recommendation:
    """What to use for one (loss, dtype): its winners by size, in one mode."""
    loss: str
    dtype: str
    mode: str
    results: list  # the SizeResults of that mode, ascending n
    bands: list    # Band

    @property
    def speedups(self):
        return [s.speedup for s in self.results if s.speedup is not None]

    @property
    def noisy(self):
        return any(s.best.noisy for s in self.results)


def bands(results):
    """Consecutive sizes with the same winner form one band; a winner that comes back after another
    one starts a band of its own, so a non-monotonic sweep shows every change."""
    out = []
    for s in results:
        if out and out[-1].label == s.best.label:
            out[-1].sizes.append(s.n)
        else:
            out.append(Band(s.best.label, [s.n]))
    return out


def recommendations(results):
    """One Recommendation per (loss, dtype) in the order of `results` (catalogue order), from the
    value_grad rows where they were measured (what training runs), else from the mode there is."""
    by_pair = defaultdict(list)
    for s in results:
        by_pair[(s.loss, s.dtype)].append(s)
    recs = []
    for (loss, dtype), group in by_pair.items():
        mode = PREFERRED_MODE if any(s.mode == PREFERRED_MODE for s in group) else group[0].mode
        sized = sorted((s for s in group if s.mode == mode), key=lambda s: s.n)
        recs.append(Recommendation(loss, dtype, mode, sized, bands(sized)))
    return recs


def report_recommendations(report):
    """The recommendations of a report: its rows and, between their sizes, the bisection's rows
    that place where the winner changes."""
    return recommendations(size_results(report.rows + report.crossover_rows))


@dataclass
class Machine:
    cpu_model: str | None
    simd_isa: str | None
    isa_flags: list
    cores: int | None
    threads: int | None
    dram: dict        # threads (int) -> bytes/s
    peak_flops: dict  # dtype -> threads (int) -> FLOP/s
    bandwidth: list   # the roofline ladder as given: dicts threads / working_set_bytes / bytes_per_second


def _by_threads(mapping):
    """{"1": x, "2": y} -> {1: x, 2: y}, dropping what is not a number."""
    out = {}
    for k, v in (mapping or {}).items() if isinstance(mapping, dict) else ():
        if str(k).isdigit() and isinstance(v, (int, float)) and v > 0:
            out[int(k)] = float(v)
    return dict(sorted(out.items()))


def machine(report):
    lb, roof = report.lossbench, report.roofline
    peak = roof.get("peak_flops") if isinstance(roof.get("peak_flops"), dict) else {}
    ladder = [b for b in roof.get("bandwidth") or [] if isinstance(b, dict)
              and all(isinstance(b.get(k), (int, float)) for k in
                      ("threads", "working_set_bytes", "bytes_per_second"))]
    return Machine(cpu_model=lb.get("cpu_model"), simd_isa=lb.get("simd_isa"),
                   isa_flags=list(lb.get("isa_flags") or []),
                   cores=lb.get("cores") or report.context.get("num_cpus"), threads=lb.get("threads"),
                   dram=_by_threads(roof.get("dram_bandwidth")),
                   peak_flops={d: _by_threads(v) for d, v in peak.items() if _by_threads(v)},
                   bandwidth=ladder)


@dataclass
class Noise:
    scaling: bool | None  # CPU frequency scaling enabled (Google Benchmark's context)
    load: float | None    # 1-minute load average when the run started
    cpus: int | None
    noisy_rows: int
    rows: int
    warnings: list        # the run's own warnings, verbatim


def noise(report):
    ctx = report.context
    load = ctx.get("load_avg")
    return Noise(scaling=ctx.get("cpu_scaling_enabled") if isinstance(ctx.get("cpu_scaling_enabled"), bool) else None,
                 load=float(load[0]) if isinstance(load, list) and load and isinstance(load[0], (int, float)) else None,
                 cpus=ctx.get("num_cpus"), noisy_rows=sum(r.noisy for r in report.rows),
                 rows=len(report.rows), warnings=[str(w) for w in report.lossbench.get("warnings") or []])


# The `auto` goals. With a profile made on this machine: within 5% of the fastest fixed
# variant, and never slower than simd beyond the tie window (the same kernel measured twice
# differs by that much on a shared machine). Without one, the heuristics promise only 20% of the
# fastest: they know no timings of this machine.
AUTO_GOAL = {"profile": 0.05, "heuristic": 0.20}
GOAL_VS_SIMD = {"profile"}  # the sources whose goal includes "not slower than simd"


@dataclass
class AutoResult:
    """`auto` at one (loss, dtype, mode, n) against the fixed variants measured beside it."""
    loss: str
    dtype: str
    mode: str
    n: int
    auto: object     # its row
    fastest: object  # the fastest fixed row, as the per-loss table picks it (simplest_within_tie)
    simd: object     # the simd row, or None
    slowdown: float  # auto time / fastest time − 1
    vs_simd: float | None
    goal: float
    verdict: str     # "met"; "noise": missed, but auto ran the very kernel it is compared with; "missed"

    @property
    def met(self):
        return self.verdict == "met"


def choice_threads(choice):
    """The thread count in auto's choice: "omp:avx512bw/threads:2", or "omp:avx512bw×2" as reports
    written before the names were unified spell it; 1 for a serial choice."""
    if not choice:
        return 1
    for mark in ("/threads:", "×"):
        if mark in choice:
            return int(choice.rsplit(mark, 1)[1])
    return 1


def kernel(row):
    """What code a row ran: (ISA, threads). omp below its break-even and `auto` choosing a serial
    kernel run the simd kernel on one thread; scalar rows have ISA "none"."""
    isa = row.isa or "none"
    if row.variant == AUTO:
        threads = choice_threads(row.auto_choice)
        return isa, threads if row.parallel else 1
    return isa, row.threads if row.variant.startswith("omp") and row.parallel else 1


def auto_results(rows):
    fixed = defaultdict(list)
    autos = []
    for r in measured(rows):
        (autos if r.variant == AUTO else fixed[(r.loss, r.dtype, r.mode, r.n)]).append(r)
    out = []
    for a in autos:
        group = fixed.get((a.loss, a.dtype, a.mode, a.n))
        if not group:
            continue
        # The same "fastest" as the per-loss table's for this cell, so the page names one winner.
        fastest = simplest_within_tie(group)
        simd = next((r for r in group if r.variant == "simd"), None)
        slowdown = fastest.items_per_second / a.items_per_second - 1
        vs_simd = simd.items_per_second / a.items_per_second - 1 if simd else None
        source = a.auto_source if a.auto_source in AUTO_GOAL else "heuristic"
        goal = AUTO_GOAL[source]
        close = slowdown <= goal
        not_slower = vs_simd is None or vs_simd <= TIE or source not in GOAL_VS_SIMD
        if close and not_slower:
            verdict = "met"
        elif (close or kernel(a) == kernel(fastest)) and (not_slower or kernel(a) == kernel(simd)):
            verdict = "noise"
        else:
            verdict = "missed"
        out.append(AutoResult(a.loss, a.dtype, a.mode, a.n, a, fastest, simd, slowdown, vs_simd, goal, verdict))
    order = {"loss": losses(rows), "dtype": dtypes(rows), "mode": modes(rows)}
    out.sort(key=lambda s: (order["loss"].index(s.loss), order["dtype"].index(s.dtype),
                            order["mode"].index(s.mode), s.n))
    return out
