// p_norm.hpp — the norm degree p of torch's pairwise_distance, decoded once per call into the
// kind of norm the kernels specialise on (p = 0, 1, 2, ±inf have their own code).
#pragma once

#include <cstdint>
#include <limits>

namespace lossbench::losses::embedding {

enum class norm_kind : std::uint8_t { count_nonzero, one, two, max_abs, min_abs, general };

template <class T>
struct p_norm {
  norm_kind kind = norm_kind::two;
  T p = 2;
  T inv_p = T(0.5);
  T p_minus_1 = 1;
};

template <class T>
p_norm<T> make_p_norm(double p) {
  norm_kind k = norm_kind::general;  // also NaN: the general formula propagates it
  if (p == 0)
    k = norm_kind::count_nonzero;
  else if (p == 1)
    k = norm_kind::one;
  else if (p == 2)
    k = norm_kind::two;
  else if (p == std::numeric_limits<double>::infinity())
    k = norm_kind::max_abs;
  else if (p == -std::numeric_limits<double>::infinity())
    k = norm_kind::min_abs;
  const T pt = static_cast<T>(p);
  return {k, pt, T(1) / pt, pt - T(1)};
}

}  // namespace lossbench::losses::embedding
