#!/usr/bin/python3
"""Writes the report.json fixtures of tests/report/ (deterministic, schema of `lossbench report`).

report.json: three losses, scalar / simd / simd:avx2 / omp (2 threads), f32 for all and f64 for two,
both modes, three sizes, with a synthetic but self-consistent performance model (items/s, bytes/s,
roofline bound and %), one value_grad row whose gradient accuracy is null and one noisy row.
Throughput is a per-variant speed-up model capped at 85% of the row's roofline bound. The roofline
has read and copy ladders (copy with streaming stores at the DRAM point; the 2-thread 16 KiB read
point not measured, null) and prices each row's read and written bytes as lossbench does: read
bytes / read bandwidth + written bytes / write bandwidth, 1/write = 2/copy - 1/read.
The model makes omp lose to simd at 4K and win at 1M (except for cross_entropy f32 and huber f64),
so the recommendations differ by size and by loss.
sparse.json: one simd row (no scalar baseline, null accuracy) and no roofline data.

usage: make_fixtures.py [OUT_DIR]   (default: this file's directory)
"""
import json
import os
import sys

SIZES = [(4096, "small"), (32768, "L2"), (1048576, "large")]
DTYPES = {"mse": ["f32", "f64"], "huber": ["f32", "f64"], "cross_entropy": ["f32"]}
# per loss: scalar G items/s (f32, value), flops per item, bytes read per item, bytes of gradient
# written per item in value_grad (f32)
LOSSES = {"mse": (1.4, 3, 8, 4), "huber": (0.15, 5, 8, 4), "cross_entropy": (0.22, 6, 4, 4)}
# per variant: speed-up over scalar at 4K and at 1M (f32); omp's threads
VARIANTS = {"scalar": (1.0, 1.0, 1), "simd": (9.5, 6.0, 1), "simd:avx2": (5.5, 4.5, 1),
            "omp": (4.0, 11.0, 2)}
# (loss, dtype) whose omp scales worse: simd wins at every size there (a second recommendation line)
OMP_OVERRIDE = {("cross_entropy", "f32"): (3.0, 5.0), ("huber", "f64"): (3.0, 5.0)}
CAP = {"scalar": 0.8, "simd": 0.85, "simd:avx2": 0.7, "omp": 0.8}  # best fraction of the roof reached
ISA = {"scalar": "none", "simd": "avx512bw", "simd:avx2": "avx2", "omp": "avx512bw"}
BANDWIDTH = {16384: 2.1e11, 262144: 9.0e10, 4194304: 5.0e10, 268435456: 2.0e10}
COPY = {16384: 2.4e11, 262144: 1.0e11, 4194304: 5.5e10, 268435456: 1.6e10}  # read + written bytes/s
STREAMING_COPY = {268435456: 2.2e10}  # measured where the kernels stream
NOT_MEASURED = (2, 16384)  # (threads, working set): a share the probe could not time
STREAMING_FROM = 8 << 20   # element-wise simd/omp gradients stream from this footprint on (the model's)
TWO_THREADS = 1.55         # the 2-thread ladder over the 1-thread one
PEAK = {"f32": {"1": 1.5e11, "2": 3.0e11}, "f64": {"1": 7.5e10, "2": 1.5e11}}
NOISY = ("huber", "simd", "f32", "value_grad", 32768)
NULL_GRAD = ("mse", "omp", "f64", "value_grad", 1048576)  # the fastest there: its table row shows dashes


def ladder_point(working_set, threads):
    """The smallest measured working set that holds this one (the largest if none does)."""
    sizes = [ws for ws in sorted(BANDWIDTH) if (threads, ws) != NOT_MEASURED]
    return next((ws for ws in sizes if working_set <= ws), sizes[-1])


def bandwidth_for(working_set, threads):
    """The read ladder's bandwidth at that point."""
    return BANDWIDTH[ladder_point(working_set, threads)] * (TWO_THREADS if threads == 2 else 1.0)


def write_for(working_set, threads, stores):
    """The write bandwidth the copy implies at that point: 1/w = 2/copy - 1/read."""
    ws = ladder_point(working_set, threads)
    copy = (STREAMING_COPY if stores == "streaming" and ws in STREAMING_COPY else COPY)[ws]
    copy *= TWO_THREADS if threads == 2 else 1.0
    return 1 / (2 / copy - 1 / bandwidth_for(working_set, threads))


def make_row(loss, variant, dtype, mode, n, label):
    base, flops_per_item, read_per_item, written_per_item = LOSSES[loss]
    small, large, threads = VARIANTS[variant]
    if variant == "omp":
        small, large = OMP_OVERRIDE.get((loss, dtype), (small, large))
    frac = (SIZES.index((n, label))) / (len(SIZES) - 1)
    speedup = small + (large - small) * frac
    model_ips = base * 1e9 * speedup * (0.5 if dtype == "f64" else 1.0) * (0.7 if mode == "value_grad" else 1.0)
    width = 2 if dtype == "f64" else 1
    read = n * read_per_item * width
    written = n * written_per_item * width if mode == "value_grad" else 0
    nbytes = read + written
    stores = ("streaming" if loss != "cross_entropy" and variant != "scalar" and written and nbytes >= STREAMING_FROM
              else "cached")
    flops = n * flops_per_item * (2 if mode == "value_grad" else 1)
    write_time = written / write_for(nbytes, threads, stores) if written else 0
    memory_time = read / bandwidth_for(nbytes, threads) + write_time
    bound_flops = min(PEAK[dtype][str(threads)], flops / memory_time)
    memory_bound = bound_flops < PEAK[dtype][str(threads)]
    bound_ips = bound_flops / flops * n
    ips = min(model_ips, CAP[variant] * bound_ips)  # nothing beats its roof
    time_ns = n / ips * 1e9
    key = (loss, variant, dtype, mode, n)
    grad = mode == "value_grad" and key != NULL_GRAD
    name = f"{loss}/{variant}/{dtype}/{mode}/n:{n}" + (f"/threads:{threads}" if variant == "omp" else "")
    return {
        "name": name, "loss": loss, "variant": variant, "isa": ISA[variant], "dtype": dtype,
        "mode": mode, "n": n, "threads": threads, "size_label": label, "repetitions": 3,
        "time_ns": time_ns, "items_per_second": ips, "bytes_per_second": nbytes / time_ns * 1e9,
        "cv": 0.18 if key == NOISY else 0.02, "noisy": key == NOISY,
        "value_rel_err": 1.5e-8 if dtype == "f32" else 2e-16,
        "grad_max_rel_err": (6e-8 if dtype == "f32" else 1e-16) if grad else None,
        "grad_max_ulp": (1.0 if variant == "scalar" else 2.0) if grad else None,
        "grad_mean_ulp": 0.25 if grad else None,
        "compulsory_bytes": nbytes, "read_bytes": read, "written_bytes": written, "stores": stores,
        "footprint_bytes": nbytes, "flops": flops, "bound_items_per_second": bound_ips,
        "bound": "memory" if memory_bound else "compute", "roofline_pct": 100.0 * ips / bound_ips,
    }


def gbench_rows(row):
    """Google Benchmark's median and cv aggregate rows for one lossbench row."""
    name = row["name"] + "/real_time"  # every loss benchmark runs on wall time
    common = {"run_name": name, "run_type": "aggregate", "repetitions": 3, "threads": 1,
              "time_unit": "ns", "label": row["size_label"]}
    median = dict(common, name=name + "_median", aggregate_name="median", iterations=3,
                  real_time=row["time_ns"], cpu_time=row["time_ns"],
                  items_per_second=row["items_per_second"], bytes_per_second=row["bytes_per_second"],
                  value_rel_err=row["value_rel_err"], grad_max_rel_err=row["grad_max_rel_err"] or 0,
                  grad_max_ulp=row["grad_max_ulp"] or 0, grad_mean_ulp=row["grad_mean_ulp"] or 0)
    cv = dict(common, name=name + "_cv", aggregate_name="cv", aggregate_unit="percentage",
              iterations=3, real_time=row["cv"], cpu_time=row["cv"])
    return [median, cv]


def context(roofline):
    lossbench = {
        "version": "0.1.0", "compiler": "GNU 12.2.0", "cxx_flags": "-O2 -Wall -Wextra -fno-fast-math",
        "build_type": "Release", "cpu_model": "AMD EPYC 9R45",
        "isa_flags": ["sse2", "sse4_2", "avx2", "fma", "avx512f", "avx512bw"], "simd_isa": "avx512bw",
        "cores": 2, "threads": 2, "sweep": "quick", "repetitions": 3, "min_time_s": 0.05,
        "started": "2026-11-29T10:00:00+00:00", "duration_s": 150.2,
        "warnings": ["other work kept 0.8 of 2 CPUs busy at the sweep's start: timings (and the omp rows most) "
                     "are unreliable", "1 of 120 rows vary by more than 10% over their repetitions (marked noisy)"],
    }
    if roofline:
        scale = {1: 1.0, 2: TWO_THREADS}
        ladder = [{"threads": t, "working_set_bytes": ws,
                   "bytes_per_second": None if (t, ws) == NOT_MEASURED else BANDWIDTH[ws] * scale[t]}
                  for t in (1, 2) for ws in sorted(BANDWIDTH)]
        copies = [{"threads": t, "working_set_bytes": ws, "stores": stores, "bytes_per_second": bw * scale[t]}
                  for t in (1, 2) for ws in sorted(COPY)
                  for stores, bw in (("cached", COPY[ws]), ("streaming", STREAMING_COPY.get(ws))) if bw]
        lossbench["roofline"] = {
            "bandwidth": ladder,
            "copy": copies,
            "dram_bandwidth": {"1": bandwidth_for(268435456, 1), "2": bandwidth_for(268435456, 2)},
            "peak_flops": PEAK,
        }
    return {
        "date": "2026-11-29T10:00:00+00:00", "host_name": "fixture", "executable": "build/lossbench",
        "num_cpus": 2, "mhz_per_cpu": 2600, "cpu_scaling_enabled": False,
        "caches": [{"type": "Data", "level": 1, "size": 49152, "num_sharing": 1},
                   {"type": "Unified", "level": 2, "size": 1048576, "num_sharing": 1}],
        "load_avg": [1.8, 1.2, 0.9], "library_build_type": "release", "lossbench": lossbench,
    }


def full_report():
    rows = [make_row(loss, variant, dtype, mode, n, label)
            for loss, dtypes in DTYPES.items() for dtype in dtypes for mode in ("value", "value_grad")
            for n, label in SIZES for variant in VARIANTS]
    return {"context": context(roofline=True),
            "benchmarks": [b for r in rows for b in gbench_rows(r)], "lossbench_rows": rows}


def sparse_report():
    row = make_row("mse", "simd", "f32", "value_grad", 4096, "small")
    row.update(value_rel_err=None, grad_max_rel_err=None, grad_max_ulp=None, grad_mean_ulp=None)
    ctx = context(roofline=False)
    ctx["lossbench"]["warnings"] = []
    return {"context": ctx, "benchmarks": gbench_rows(row), "lossbench_rows": [row]}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    for name, report in (("report.json", full_report()), ("sparse.json", sparse_report())):
        with open(os.path.join(out, name), "w") as f:
            json.dump(report, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
