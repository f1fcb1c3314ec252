// auto_select.hpp — the `auto` variant's choice for one call (spec_adapter.hpp calls it before
// running): the profile's entry for the call's loss, dtype, mode and size bucket, or the
// heuristics. After the first call it takes no lock and allocates nothing.
#pragma once

#include <lossbench/tuning.hpp>

#include <cstdint>

namespace lossbench::tuning {

// `threads`: the call's thread limit (0: num_threads()). The result is runnable here: its ISA is
// compiled, supported and within LOSSBENCH_MAX_ISA, its thread count within the limit.
candidate resolve_auto(const loss_spec& loss, dtype type, bool with_grad, std::int64_t items, int threads);

}  // namespace lossbench::tuning
