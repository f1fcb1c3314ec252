#!/usr/bin/env bash
# tsan.sh — the concurrency test (tests/concurrency/) under ThreadSanitizer: clang 14 with LLVM's
# OpenMP, whose Archer tool (OMP_TOOL_LIBRARIES) reports OpenMP's barriers and locks to TSan, the
# documented way to check OpenMP code with it; tests/concurrency/tsan.supp holds the one
# suppression (calls libomp itself makes), with its reason. build-tsan/.
# Called by `scripts/test.sh --tsan`.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --clang

dir=build-tsan
jobs=$(nproc 2>/dev/null || echo 2)
archer=$(ls /usr/lib/llvm-14/lib/libarcher.so 2>/dev/null || true)
[[ -n "$archer" ]] || { echo "tsan.sh: /usr/lib/llvm-14/lib/libarcher.so missing (libomp-14-dev)" >&2; exit 1; }

# The sse2 kernels alone: the races looked for are in the drivers and the OpenMP teams, which run
# the same for every ISA's kernels, and the other ISAs' units would be most of the build.
CC=clang-14 CXX=clang++-14 cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DLOSSBENCH_TSAN=ON -DLOSSBENCH_KERNEL_ISAS=sse2 \
  -DLOSSBENCH_BUILD_BENCH=OFF -DLOSSBENCH_BUILD_PYTHON=OFF -DLOSSBENCH_BUILD_TORCH=OFF
cmake --build "$dir" -j"$jobs" --target lossbench_concurrency_test

# halt_on_error: the first race fails the run; ARCHER_OPTIONS=verbose=1 says the tool is active.
echo "== concurrency test under ThreadSanitizer (Archer: $archer)"
OMP_TOOL_LIBRARIES="$archer" ARCHER_OPTIONS=verbose=1 \
  TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/concurrency/tsan.supp" \
  "$dir/lossbench_concurrency_test"
