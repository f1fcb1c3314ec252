// heuristics.hpp — how `auto` chooses without a profile (and what `tune --rigor estimate` writes):
// the best usable SIMD kernel, serially below the loss's measured OpenMP break-even size and on
// every allowed thread above it; the scalar kernel where a loss has no SIMD one.
#pragma once

#include <lossbench/tuning.hpp>

#include <cstdint>
#include <string>

namespace lossbench::tuning {

// `thread_limit` ≥ 1. When `reason` is given it receives the rule that applied, in one line.
candidate heuristic_choice(const loss_spec& loss, std::int64_t items, int thread_limit, std::string* reason = nullptr);

// The break-even the heuristics use: LOSSBENCH_PARALLEL_MIN when set, else the loss's own.
std::int64_t parallel_break_even(const loss_spec& loss);

// The threads the omp driver runs a call on: one (the calling thread) below the loss's break-even,
// else `threads` (0: num_threads()). The fixed omp variant and `auto` both follow it, so a
// profile's omp timings hold for `auto`'s calls.
int omp_threads(const loss_spec& loss, std::int64_t items, int threads);

}  // namespace lossbench::tuning
