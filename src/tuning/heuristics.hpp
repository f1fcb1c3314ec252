// heuristics.hpp — how `auto` chooses without a profile (and what `tune --rigor estimate` writes):
// the best usable SIMD kernel, serially below the loss's measured OpenMP break-even size and on
// every allowed thread above it; the scalar kernel where a loss has no SIMD one.
#pragma once

#include <lossbench/tuning.hpp>

#include <cstdint>
#include <string>

namespace lossbench::tuning {

// `thread_limit` ≥ 1. When `reason` is given it receives the rule that applied, in one line.
candidate heuristic_choice(const loss_spec& loss, dtype type, std::int64_t items, int thread_limit,
                           std::string* reason = nullptr);

}  // namespace lossbench::tuning
