// heuristics.cpp — see heuristics.hpp. The break-even sizes were measured per loss (omp at 2
// threads against simd, docs/performance.md "OpenMP"); on a machine with more cores they are conservative,
// which costs speed just above them but never makes a small call slower.
#include "tuning/heuristics.hpp"

#include "core/omp_threads.hpp"

#include <lossbench/isa.hpp>

namespace lossbench::tuning {

candidate heuristic_choice(const loss_spec& loss, dtype type, std::int64_t items, int thread_limit,
                           std::string* reason) {
  const isa best = loss.has_simd() ? best_isa(type) : isa::none;
  const implementation impl = best == isa::none ? implementation::scalar : implementation::simd;
  const std::int64_t break_even = core::parallel_break_even(loss);
  const bool parallel = thread_limit > 1 && items >= break_even;
  // The reason is words for `explain`; `auto` asks on every call, with no reason and no allocation.
  if (reason) {
    const std::string kernel =
        impl == implementation::scalar ? "the scalar kernel" : "the " + std::string(to_string(best)) + " kernel";
    const std::string rule = std::string(loss.name()) + "'s OpenMP break-even of " + std::to_string(break_even);
    if (parallel)
      *reason = std::to_string(items) + " items ≥ " + rule + ": " + kernel + " on " + std::to_string(thread_limit) +
                " threads";
    else if (thread_limit > 1)
      *reason = std::to_string(items) + " items < " + rule + ": " + kernel + " on the calling thread";
    else
      *reason = "one thread allowed: " + kernel + " on the calling thread";
  }
  if (parallel) return candidate{variant{impl, best, driver::omp}, thread_limit, 0};
  return candidate{variant{impl, best, driver::serial}, 1, 0};
}

}  // namespace lossbench::tuning
