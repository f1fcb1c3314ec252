// omp_threads.hpp — the omp driver's own rule for how many threads a call runs on. The fixed omp
// variant and `auto` (src/tuning/) both follow it, so a profile's omp timings hold for `auto`.
#pragma once

#include <cstdint>

namespace lossbench {
class loss_spec;
}

namespace lossbench::core {

// The size below which the omp variant runs serially: LOSSBENCH_PARALLEL_MIN when set, else the
// loss's own (loss_spec::parallel_min_elements, measured per loss).
std::int64_t parallel_break_even(const loss_spec& loss);

// The threads the omp driver runs a call of `items` on: one (the calling thread) below the loss's
// break-even, else `threads` (0: num_threads()).
int omp_threads(const loss_spec& loss, std::int64_t items, int threads);

}  // namespace lossbench::core
