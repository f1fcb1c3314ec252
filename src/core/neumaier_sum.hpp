// neumaier_sum.hpp — Neumaier's compensated sum (Kahan's, also right when a term outweighs the
// running sum), in the precision F. In double it combines block partials in block order
// (ordered_sum); in long double it sums the reference (reference_sum, ~2^-64 relative).
#pragma once

#include <cmath>

namespace lossbench::core {

template <class F>
class neumaier_sum {
 public:
  void add(F x) noexcept {
    const F t = sum_ + x;
    comp_ += (std::fabs(sum_) >= std::fabs(x)) ? (sum_ - t) + x : (x - t) + sum_;
    sum_ = t;
  }
  // An infinite term makes the compensation NaN (inf − inf); the sum itself is then the answer.
  F value() const noexcept { return std::isfinite(sum_) ? sum_ + comp_ : sum_; }

 private:
  F sum_ = 0, comp_ = 0;
};

}  // namespace lossbench::core
