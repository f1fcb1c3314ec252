// auto_select.hpp — the `auto` variant's choice for one call (entry::run, src/registry/, calls
// it before running): the profile's entry for the call's loss, dtype, mode and size bucket, or the
// heuristics. After the first call it takes no lock and allocates nothing; a call like the
// thread's previous one (same loss, dtype, mode, bucket, limits) reuses its choice.
#pragma once

#include <lossbench/tuning.hpp>

#include <cstdint>

namespace lossbench::tuning {

// `threads`: the call's thread limit (0: num_threads()). The result is runnable here: its ISA is
// compiled, supported and within LOSSBENCH_MAX_ISA; its thread count is the one to run with:
// within the limit, and 1 unless it is an omp candidate at or above the loss's break-even size.
candidate resolve_auto(const loss_spec& loss, dtype type, bool with_grad, std::int64_t items, int threads);

}  // namespace lossbench::tuning
