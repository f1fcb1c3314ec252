#!/usr/bin/env python3
"""Writes the Google Benchmark JSON fixtures of tests/compare/compare_test.cpp (deterministic).

Each benchmark has 8 repetitions (per-repetition rows plus the mean/median/stddev aggregate rows
that --benchmark_repetitions adds, which `lossbench compare` must skip), times = base x (1 + noise),
noise uniform in +-2% from a seeded generator, and lossbench_bench's accuracy counters.
"""
import json
import random

BENCHES = {  # name: (base time in us, value_rel_err, grad_max_ulp)
    "mse/scalar/f32/value_grad/n:4096": (1.5, 3e-8, 0.5),
    "cross_entropy/scalar/f64/value_grad/n:65536": (120.0, 2e-16, 1.0),
    "ctc/scalar/f32/value/n:120000": (900.0, 5e-8, 0.0),
}


def rows(name, base, rel, ulp, reps, rng, factor=1.0):
    out = []
    times = [base * factor * (1 + rng.uniform(-0.02, 0.02)) for _ in range(reps)]
    for i, t in enumerate(times):
        out.append({"name": name, "family_index": 0, "per_family_instance_index": 0, "run_name": name,
                    "run_type": "iteration", "repetitions": reps, "repetition_index": i, "threads": 1,
                    "iterations": 1000, "real_time": t, "cpu_time": t, "time_unit": "us",
                    "items_per_second": 1e9, "grad_max_ulp": ulp, "value_rel_err": rel})
    for agg in ("mean", "median", "stddev"):
        v = sum(times) / reps if agg != "stddev" else 0.01
        out.append({"name": name + "_" + agg, "run_name": name, "run_type": "aggregate", "repetitions": reps,
                    "aggregate_name": agg, "real_time": v, "cpu_time": v, "time_unit": "us"})
    return out


# Enough benchmarks for `lossbench compare` to estimate the machine's shift (the median ratio).
MANY = {f"mse/simd/f32/value/n:{1 << k}": (0.1 * (1 << (k - 10)), 3e-8, 0.5) for k in range(10, 22)}


def write(path, seed, reps=8, factors=None, drop=(), add=(), worse_ulp=None, benches=None):
    rng = random.Random(seed)
    benchmarks = []
    for name, (base, rel, ulp) in list((benches or BENCHES).items()) + [(a, (10.0, 1e-8, 0.5)) for a in add]:
        if name in drop:
            continue
        if worse_ulp and name == worse_ulp[0]:
            ulp = worse_ulp[1]
        benchmarks += rows(name, base, rel, ulp, reps, rng, (factors or {}).get(name, 1.0))
    doc = {"context": {"date": "2024-01-01T00:00:00", "num_cpus": 2, "library_build_type": "release"},
           "benchmarks": benchmarks}
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)


first = next(iter(BENCHES))
write("many_base.json", 11, benches=MANY)
write("many_machine_slower.json", 12, benches=MANY, factors={n: 1.2 for n in MANY})  # every kernel 20% slower
one = next(iter(MANY))
write("many_one_kernel_slower.json", 13, benches=MANY, factors={n: 1.5 if n == one else 1.2 for n in MANY})
write("base.json", 1)
write("noise.json", 2)                                   # same distribution, other noise
write("slower.json", 3, factors={first: 1.2})            # a clear 20% regression
write("faster.json", 4, factors={first: 0.8})            # a clear 20% improvement
write("missing_row.json", 5, drop=(first,), add=("mse/scalar/f64/value/n:4096",))
write("extra_row.json", 9, add=("mse/scalar/f64/value/n:4096",))  # every row of base.json, and one more
write("accuracy_worse.json", 6, worse_ulp=(first, 9.0))  # grad_max_ulp 0.5 -> 9 (mse's grad_ulps: 3)
write("few_old.json", 7, reps=3)                        # 3 + 3 repetitions: p >= 0.1, cannot judge
write("few_new.json", 8, reps=3, factors={first: 2.0})
with open("base.json") as f:
    text = f.read()
with open("malformed.json", "w") as f:
    f.write(text[: len(text) // 2])                       # truncated mid-file


def rewrite(path, source, change):
    """A fixture made from another by editing its document."""
    with open(source) as f:
        doc = json.load(f)
    change(doc)
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)


def only_aggregates(doc):
    doc["benchmarks"] = [r for r in doc["benchmarks"] if r["run_type"] == "aggregate"]


def empty(doc):
    doc["benchmarks"] = []


def wrong_type(doc):
    doc["benchmarks"][0]["time_unit"] = 7                  # a number where a unit name belongs


def zero_time(doc):
    for r in doc["benchmarks"][:4]:
        r["real_time"] = 0.0                               # a time that cannot be


def real_time_names(doc):
    for r in doc["benchmarks"]:                            # every loss benchmark now timed by wall time
        r["run_name"] += "/real_time"
        r["name"] = r["run_name"] + ("_" + r["aggregate_name"] if r["run_type"] == "aggregate" else "")


rewrite("aggregates_only.json", "slower.json", only_aggregates)
rewrite("real_time_names.json", "noise.json", real_time_names)  # no repetitions to compare
rewrite("empty.json", "base.json", empty)
rewrite("wrong_type.json", "base.json", wrong_type)
rewrite("zero_time.json", "base.json", zero_time)
