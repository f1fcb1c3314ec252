#!/usr/bin/env bash
# fuzz.sh — build the libFuzzer targets of tests/fuzz/ with clang 14 (ASan + UBSan) and run each
# for LOSSBENCH_FUZZ_SECONDS (default 60) from the seed corpus and the regression inputs, with a
# fixed seed. New coverage goes to build-fuzz/corpus/<target>/ (the repository's corpus is read,
# never written); a finding is saved under build-fuzz/findings/<target>/ and fails the run.
# Called by `scripts/test.sh --fuzz`.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --clang

dir=build-fuzz
targets=(npy golden profile bench_json cli_args)
seconds=${LOSSBENCH_FUZZ_SECONDS:-60}
jobs=$(nproc 2>/dev/null || echo 2)

# The sse2 kernels alone: the targets read files and run scalar entries, and the other ISAs' units
# would be most of the build (the plain and sanitized runs test every ISA).
CC=clang-14 CXX=clang++-14 cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DLOSSBENCH_FUZZ=ON -DLOSSBENCH_KERNEL_ISAS=sse2 \
  -DLOSSBENCH_BUILD_TESTS=OFF -DLOSSBENCH_BUILD_BENCH=OFF -DLOSSBENCH_BUILD_PYTHON=OFF -DLOSSBENCH_BUILD_TORCH=OFF
cmake --build "$dir" -j"$jobs" --target "${targets[@]/#/fuzz_}"

# abort_on_error: a sanitizer report ends the run as a crash, so libFuzzer saves the input.
export ASAN_OPTIONS=abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:abort_on_error=1
failed=0
for t in "${targets[@]}"; do
  mkdir -p "$dir/corpus/$t" "$dir/findings/$t"
  echo "== fuzz_$t: ${seconds} s"
  # -timeout: one input taking 20 s is a hang; -rss_limit_mb: an input may not ask for 2 GiB.
  if ! "$dir/fuzz_$t" -seed=1 -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$dir/findings/$t/" "$dir/corpus/$t" "tests/fuzz/corpus/$t" "tests/fuzz/regressions/$t" \
      >"$dir/fuzz_$t.log" 2>&1; then
    failed=1
    tail -n 60 "$dir/fuzz_$t.log"
    echo "fuzz_$t: finding saved as $(ls -t "$dir/findings/$t" | head -n 1 | sed "s|^|$dir/findings/$t/|")"
    echo "  reproduce: $dir/fuzz_$t FILE; once fixed, add FILE to tests/fuzz/regressions/$t/ (replayed by every test run)"
  else
    grep -E '^stat::number_of_executed_runs|^Done' "$dir/fuzz_$t.log" | sed "s/^/fuzz_$t: /"
  fi
done
exit "$failed"
