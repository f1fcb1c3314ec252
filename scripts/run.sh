#!/usr/bin/env bash
# run.sh — install dependencies, build Release into build/, run the benchmark sweep over every
# registry entry (throughput + accuracy), write out/bench.json and print a summary table.
#
# Defaults keep the whole catalogue to a few minutes on 2 cores: --benchmark_min_time=0.05, the
# quick sizes (large = 1M elements) and the scalar, simd (best ISA) and omp variants; each ISA
# side by side: --benchmark_filter='/simd' . Extra arguments go to lossbench_bench after these
# defaults and so override them, e.g.
#   scripts/run.sh --lossbench_quick=false                 # large = 16M elements
#   scripts/run.sh --benchmark_filter='^cross_entropy/'    # one loss
#   scripts/run.sh --benchmark_repetitions=5
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DLOSSBENCH_BUILD_TESTS=OFF -DLOSSBENCH_BUILD_BENCH=ON
cmake --build build -j"$(nproc)"

mkdir -p out
./build/lossbench_bench --benchmark_min_time=0.05 --lossbench_quick --benchmark_filter='/(scalar|simd|omp)/' \
  --benchmark_out=out/bench.json --benchmark_out_format=json "$@"
echo
/usr/bin/python3 scripts/bench_summary.py out/bench.json
