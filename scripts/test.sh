#!/usr/bin/env bash
# test.sh — set up, build and run the whole test suite.
#   scripts/test.sh              optimised build with line tables (build-test/)
#   scripts/test.sh --sanitize   AddressSanitizer + UndefinedBehaviorSanitizer build (build-sanitize/)
#   scripts/test.sh --fuzz       libFuzzer on every target of tests/fuzz/ (clang 14, ASan + UBSan;
#                                build-fuzz/), LOSSBENCH_FUZZ_SECONDS each (default 60)
#   scripts/test.sh --tsan       the concurrency test under ThreadSanitizer (clang 14; build-tsan/)
set -euo pipefail
cd "$(dirname "$0")/.."

sanitize=0
fuzz=0
for arg in "$@"; do
  case "$arg" in
    --sanitize) sanitize=1 ;;
    --fuzz) fuzz=1 ;;
    --tsan) exec scripts/tsan.sh ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "test.sh: unknown argument '$arg' (expected --sanitize, --fuzz or --tsan)" >&2; exit 2 ;;
  esac
done

if ((fuzz)); then
  exec scripts/fuzz.sh
fi

scripts/setup.sh

jobs=$(nproc 2>/dev/null || echo 2)
# -g1 (line tables: enough for gdb's and the sanitizers' backtraces) compiles in about two thirds
# of the time of -g, which keeps CI inside its budget on 2 cores.
if ((sanitize)); then
  dir=build-sanitize
  # -O1: ASan's recommended level; it compiles the xsimd kernels in about half the time of -O2.
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
    -DLOSSBENCH_SANITIZE=ON -DLOSSBENCH_BUILD_BENCH=OFF
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
else
  dir=build-test
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG"
fi
cmake --build "$dir" -j"$jobs"

# The GoogleTest suite (ctest's `unit` label) in one process per CPU, using gtest's own sharding:
# ctest would start one process per test, ~1900 start-ups that cost as much as the tests.
# A shard's whole log is shown when it fails, else its summary.
unit_tests() {  # $1: gtest filter
  local pids=() failed=0 i
  for ((i = 0; i < jobs; i++)); do
    GTEST_TOTAL_SHARDS=$jobs GTEST_SHARD_INDEX=$i timeout 1200 "$dir/lossbench_tests" --gtest_brief=1 \
      --gtest_filter="$1" >"$dir/unit_shard_$i.log" 2>&1 &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do
    if wait "${pids[$i]}"; then
      grep -E '^\[ *(PASSED|SKIPPED) *\]' "$dir/unit_shard_$i.log" | sed "s/^/shard $i: /"
    else
      failed=1
      echo "== unit shard $i of $jobs failed:"
      cat "$dir/unit_shard_$i.log"
    fi
  done
  return "$failed"
}

if ((sanitize)); then
  # Under the sanitizers, the forced simd:<isa> entries (`<loss>_simd_<isa>_<dtype>`, every dtype)
  # are left out: they instantiate the same kernel templates as `simd`/`omp` (which run here) for
  # another arch, and the plain run checks every ISA. So are the `auto` entries: they run those
  # same kernels (the AutoProfile tests cover the choosing, here too). This halves the sanitized
  # run, keeping CI within its budget on 2 cores.
  # The ODR symbol check is about the optimisation level the library ships with (the plain run).
  # The install/consumer test too: a sanitized library needs the sanitizer runtimes in whatever
  # links it, which is not what the installed package promises (the plain run checks it).
  # The report's rendering tests are Python alone: nothing for the sanitizers to see.
  # The property test too: it runs the kernels the registry suite runs here, on random shapes, and
  # under ASan it alone would cost minutes; the plain run checks its properties. So is the test
  # past 2^31 elements (16 GiB of reads, each instrumented): its subject is index arithmetic. And
  # the SIMD narrowing sweeps (millions of floats through every ISA): they check values, and the
  # tails test beside them runs the same conversions at every length and offset here.
  unit_tests '-*_simd_*_*:*_auto_*:Property/*:ElementwiseLimits.*:Float16Simd.EveryUsableIsaNarrowsEverySweep*'
  ctest --test-dir "$dir" --output-on-failure -j"$jobs" -LE unit \
    -E 'SimdSymbolsStayInTheirIsa|consumer_find_package|report_render|report_screenshot'
else
  unit_tests '*'
  ctest --test-dir "$dir" --output-on-failure -j"$jobs" -LE unit
fi

# The SIMD fallbacks: the registry-parameterised suite again with the ISA capped, so the `simd`,
# `omp` and `auto` variants run the AVX2 and SSE2 kernels even on an AVX-512 machine (like
# ATEN_CPU_CAPABILITY). The scalar and forced simd:<isa> entries are left out: the cap does not
# change what they run, and the first pass ran them. Not repeated under the sanitizers: the
# registry already holds every usable `simd:<isa>` entry, so the sanitized run has exercised each
# ISA's kernels.
if ((!sanitize)); then
  for isa in avx2 sse2; do
    echo "== registry suite with LOSSBENCH_MAX_ISA=$isa"
    LOSSBENCH_MAX_ISA=$isa unit_tests 'Registry*:Isa*:Omp*:AutoProfile.*-*_simd_*_*:*_scalar_*'
  done
fi
