// omp_threads.cpp — see omp_threads.hpp.
#include "core/omp_threads.hpp"

#include "core/parallel.hpp"

#include <lossbench/loss_spec.hpp>
#include <lossbench/threads.hpp>

namespace lossbench::core {

std::int64_t parallel_break_even(const loss_spec& loss) {
  const std::int64_t forced = parallel_min_override();
  return forced >= 0 ? forced : loss.parallel_min_elements();
}

int omp_threads(const loss_spec& loss, std::int64_t items, int threads) {
  if (items < parallel_break_even(loss)) return 1;
  return threads > 0 ? threads : num_threads();
}

}  // namespace lossbench::core
