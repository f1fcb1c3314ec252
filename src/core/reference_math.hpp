// reference_math.hpp — helpers for the high-precision reference: every input converted to long
// double (64-bit mantissa, 11 bits more than double), sums in long double with compensation.
#pragma once

#include <lossbench/loss_spec.hpp>

#include <cmath>
#include <vector>

namespace lossbench::core {

using real_ref = long double;

inline std::vector<real_ref> to_reference(const tensor_ref& t) {
  std::vector<real_ref> out(static_cast<std::size_t>(t.numel()));
  for (std::size_t i = 0; i < out.size(); ++i) {
    switch (t.type) {
      case dtype::f32:
        out[i] = t.as<float>()[i];
        break;
      case dtype::f64:
        out[i] = t.as<double>()[i];
        break;
      case dtype::i32:
        out[i] = t.as<std::int32_t>()[i];
        break;
      case dtype::i64:
        out[i] = static_cast<real_ref>(t.as<std::int64_t>()[i]);
        break;
    }
  }
  return out;
}

// Kahan–Neumaier sum in long double: the reference's sums are accurate to ~2^-64 relative.
class reference_sum {
 public:
  void add(real_ref x) noexcept {
    const real_ref t = sum_ + x;
    comp_ += (std::fabs(sum_) >= std::fabs(x)) ? (sum_ - t) + x : (x - t) + sum_;
    sum_ = t;
  }
  // An infinite term makes the compensation NaN (inf − inf); the sum itself is then the answer.
  real_ref value() const noexcept { return std::isfinite(sum_) ? sum_ + comp_ : sum_; }

 private:
  real_ref sum_ = 0, comp_ = 0;
};

}  // namespace lossbench::core
