// reference_math.hpp — helpers for the high-precision reference: every input converted to long
// double (64-bit mantissa, 11 bits more than double), sums in long double with compensation.
#pragma once

#include "core/neumaier_sum.hpp"

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
      case dtype::bf16:  // exact: every 16-bit value is a float
        out[i] = static_cast<float>(t.as<bf16>()[i]);
        break;
      case dtype::f16:
        out[i] = static_cast<float>(t.as<f16>()[i]);
        break;
    }
  }
  return out;
}

// The reference's sums: compensated in long double, accurate to ~2^-64 relative.
using reference_sum = neumaier_sum<real_ref>;

}  // namespace lossbench::core
