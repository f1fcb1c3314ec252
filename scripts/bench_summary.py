#!/usr/bin/python3
"""bench_summary.py — condense lossbench_bench's JSON (--benchmark_out) into one table:
per loss, variant and dtype, the throughput (G items/s: prediction elements per second) of the
value-only and value+gradient runs at each size, and the worst accuracy over those sizes.

Benchmark names are <loss>/<variant>/<dtype>/<mode>/n:<elements>, omp rows add /threads:<t>
(shown as variant omp:<t>t); the label is the size class.
With --benchmark_repetitions the median aggregate is used, else the mean of the runs.
Standard library only.

usage: bench_summary.py out/bench.json [--variant NAME]
"""
import argparse
import json
import statistics
import sys

MODES = ("value", "value_grad")
ACCURACY = ("value_rel_err", "grad_max_rel_err", "grad_max_ulp")


def parse_name(run_name):
    """<loss>/<variant>/<dtype>/<mode>/n:<n>[/threads:<t>][/real_time]; omp rows become omp:<t>t."""
    parts = [p for p in run_name.split("/") if p != "real_time"]
    threads = None
    if parts and parts[-1].startswith("threads:"):
        threads = parts.pop()[len("threads:"):]
    if len(parts) != 5 or parts[3] not in MODES or not parts[4].startswith("n:"):
        return None
    loss, variant, dtype, mode, n = parts
    if threads is not None:
        variant = f"{variant}:{threads}t"
    return loss, variant, dtype, mode, int(n[2:])


def collect(benchmarks):
    """{(loss, variant, dtype, mode, n): {"label", "items_per_second", accuracy...}}, plus errors."""
    runs, medians, errors = {}, {}, []
    for b in benchmarks:
        key = parse_name(b.get("run_name", b["name"]))
        if key is None:
            continue
        if b.get("error_occurred"):
            errors.append(f'{b["name"]}: {b.get("error_message", "error")}')
            continue
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                medians[key] = b
        else:
            runs.setdefault(key, []).append(b)
    results = {}
    for key in dict.fromkeys(list(runs) + list(medians)):  # benchmark (registry) order
        rs = [medians[key]] if key in medians else runs[key]
        r = {"label": rs[0].get("label", ""),
             "items_per_second": statistics.mean(x.get("items_per_second", 0.0) for x in rs)}
        for a in ACCURACY:
            if a in rs[0]:
                r[a] = max(x[a] for x in rs)
        results[key] = r
    return results, errors


def table(results, variant_filter):
    groups = {}
    for (loss, variant, dtype, mode, n), r in results.items():
        if variant_filter and variant != variant_filter:
            continue
        groups.setdefault((loss, variant, dtype), {}).setdefault(n, {})[mode] = r
    labels = []  # size classes in order of size
    for sizes in groups.values():
        for n in sorted(sizes):
            label = next(iter(sizes[n].values()))["label"] or f"n:{n}"
            if label not in labels:
                labels.append(label)
    header = ["loss", "variant", "dtype"]
    for label in labels:
        header += [f"{label} value", f"{label} v+grad"]
    header += ["value_rel_err", "grad_max_rel_err", "grad_max_ulp"]
    rows = []
    order, variants = {}, {}  # keep the benchmark order of losses (catalogue) and variants (registry)
    for key in groups:
        order.setdefault(key[0], len(order))
        variants.setdefault(key[1], len(variants))
    for (loss, variant, dtype), sizes in sorted(groups.items(),
                                                key=lambda kv: (order[kv[0][0]], kv[0][2], variants[kv[0][1]])):
        cells = {}
        worst = {a: None for a in ACCURACY}
        for n, modes in sizes.items():
            for mode, r in modes.items():
                label = r["label"] or f"n:{n}"
                cells[(label, mode)] = f'{r["items_per_second"] / 1e9:.3f}'
                for a in ACCURACY:
                    if a in r:
                        worst[a] = r[a] if worst[a] is None else max(worst[a], r[a])
        row = [loss, variant, dtype]
        for label in labels:
            row += [cells.get((label, m), "-") for m in MODES]
        row += ["-" if worst[a] is None else f"{worst[a]:.2e}" if a != "grad_max_ulp" else f"{worst[a]:.3g}"
                for a in ACCURACY]
        rows.append(row)
    return header, rows


def print_table(header, rows):
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)]
    def line(cells):
        return "  ".join(str(c).ljust(w) if i < 3 else str(c).rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    print(line(header))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print(line(r))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("json", help="lossbench_bench --benchmark_out file")
    ap.add_argument("--variant", help="only this variant (e.g. scalar); default all")
    args = ap.parse_args()
    with open(args.json) as f:
        doc = json.load(f)
    results, errors = collect(doc.get("benchmarks", []))
    header, rows = table(results, args.variant)
    print("throughput in G items/s (prediction elements per second); accuracy: worst over sizes and modes")
    print_table(header, rows)
    for e in errors:
        print("FAILED", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
