// driver.hpp — generic drivers: how a loss's block kernel is walked over the work.
//
// A block kernel takes the half-open range [begin, end) of work items (elements, rows or
// sequences), writes that range's gradient / per-sample losses and returns its partial loss as a
// double. The block size is fixed by the shape alone (never by the thread count), and the
// partials are combined in block order with compensated summation, so the value's error does not
// grow with n and any driver that honours the block order gives bit-identical results.
#pragma once

#include <lossbench/loss_spec.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace lossbench::core {

template <class Problem>
using block_fn = double (*)(const Problem&, std::size_t begin, std::size_t end);

// A bound call: the typed problem plus how to cut it into blocks and scale the sum.
template <class Problem>
struct plan {
  Problem problem;
  std::size_t items = 0;      // work items
  std::size_t block = 4096;   // items per block (fixed by the shape)
  double value_scale = 1.0;   // mean: 1/N, sum and none: 1
};

// Neumaier's compensated sum: exact-enough combination of block partials in block order.
class ordered_sum {
public:
  void add(double x) noexcept {
    const double t = sum_ + x;
    comp_ += (std::abs(sum_) >= std::abs(x)) ? (sum_ - t) + x : (x - t) + sum_;
    sum_ = t;
  }
  // Once the sum overflows or meets ±inf the compensation is inf − inf = NaN: the sum is the answer.
  double value() const noexcept { return std::isfinite(sum_) ? sum_ + comp_ : sum_; }

private:
  double sum_ = 0, comp_ = 0;
};

template <class Problem>
double run_serial(block_fn<Problem> kernel, const plan<Problem>& p) {
  ordered_sum total;
  for (std::size_t b = 0; b < p.items; b += p.block)
    total.add(kernel(p.problem, b, std::min(p.items, b + p.block)));
  return total.value();
}

template <class Problem>
double run_driver(driver d, block_fn<Problem> kernel, const plan<Problem>& p) {
  switch (d) {
    case driver::serial: return run_serial(kernel, p);
    case driver::omp: break;  // the OpenMP driver arrives with the omp variant
  }
  throw error("--variant", "this build has no OpenMP driver");
}

}  // namespace lossbench::core
