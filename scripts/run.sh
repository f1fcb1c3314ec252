#!/usr/bin/env bash
# run.sh — the main job: install dependencies (Debian packages), build Release into build/, and
# write the performance and accuracy report of every loss into report/ — report.json (Google
# Benchmark's JSON + lossbench's fields), report.md and index.html (charts) — then print the
# summary. `lossbench report --quick` (the default) takes ≤ 3 minutes on 2 cores.
#
# Extra arguments go to `lossbench report`, e.g.
#   scripts/run.sh --full                        # every variant and ISA, 8 sizes 1K–16M (long)
#   scripts/run.sh --loss cross_entropy,ctc --dtype f32
#   scripts/run.sh -o /tmp/r                     # another directory
# The raw Google Benchmark suite is build/lossbench_bench (its standard flags work).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DLOSSBENCH_BUILD_TESTS=OFF -DLOSSBENCH_BUILD_BENCH=ON
cmake --build build -j"$(nproc)"

dir=report
args=("$@")
for ((i = 0; i < ${#args[@]}; ++i)); do
  case "${args[i]}" in
    -o | --output) dir="${args[i + 1]:-report}" ;;
    -o=* | --output=*) dir="${args[i]#*=}" ;;
  esac
done
./build/lossbench report -o "$dir" "$@"
echo
# The summary: everything above the per-loss tables.
sed -n '1,/^## Per loss/p' "$dir/report.md" | sed '$d'
