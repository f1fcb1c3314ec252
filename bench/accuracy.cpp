// accuracy.cpp — error figures against the reference (see accuracy.hpp).
//
// Conventions that keep the figures meaningful at the edges:
// - Relative errors divide by max(magnitude, smallest normal of the dtype): below that the dtype
//   itself has no relative precision, so an error there is not a kernel's fault.
// - ULPs are those of the dtype at the reference value (the spacing of the dtype's numbers
//   around r; the subnormal spacing below the normal range).
// - NaN matching NaN and an infinity matching itself are exact (error 0); any other disagreement
//   involving a non-finite number is an infinite error.
#include "accuracy.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace lossbench::bench {

namespace {

struct dtype_limits {
  int digits;        // significand bits, with the implicit one
  int min_exponent;  // frexp exponent of the smallest normal
  int max_exponent;
  long double smallest_normal;
};

dtype_limits limits_of(dtype t) {
  if (t == dtype::f32)
    return {std::numeric_limits<float>::digits, std::numeric_limits<float>::min_exponent,
            std::numeric_limits<float>::max_exponent, std::numeric_limits<float>::min()};
  return {std::numeric_limits<double>::digits, std::numeric_limits<double>::min_exponent,
          std::numeric_limits<double>::max_exponent, std::numeric_limits<double>::min()};
}

// Spacing of the dtype's numbers at |r|: for |r| in [2^(e−1), 2^e) it is 2^(e − digits).
long double ulp_at(long double r, const dtype_limits& lim) {
  int e = 0;
  std::frexp(std::fabs(r), &e);
  e = std::clamp(e, lim.min_exponent, lim.max_exponent);
  return std::ldexp(1.0L, e - lim.digits);
}

// |got − want|, with the non-finite conventions above.
long double abs_error(long double got, long double want) {
  if (std::isnan(want) || std::isnan(got)) return std::isnan(want) && std::isnan(got) ? 0 : INFINITY;
  if (std::isinf(want) || std::isinf(got)) return got == want ? 0 : INFINITY;
  return std::fabs(got - want);
}

long double relative(long double err, long double magnitude, const dtype_limits& lim) {
  return err == 0 ? 0 : err / std::max(std::fabs(magnitude), lim.smallest_normal);
}

}  // namespace

accuracy_figures measure_accuracy(const reference_result& ref, double value, std::span<const array> grads, dtype t) {
  const dtype_limits lim = limits_of(t);
  accuracy_figures f;
  f.value_rel_err = static_cast<double>(relative(abs_error(value, ref.value), ref.value, lim));

  long double max_rel = 0, max_ulp = 0, sum_ulp = 0;
  std::int64_t count = 0;
  for (std::size_t k = 0; k < grads.size() && k < ref.grads.size(); ++k) {
    const auto& want = ref.grads[k];
    const bool has_magnitude = k < ref.grad_magnitude.size() && !ref.grad_magnitude[k].empty();
    const std::int64_t n = std::min<std::int64_t>(grads[k].numel(), static_cast<std::int64_t>(want.size()));
    for (std::int64_t i = 0; i < n; ++i) {
      const auto idx = static_cast<std::size_t>(i);
      const long double r = want[idx];
      const long double err = abs_error(grads[k].get(i), r);
      const long double ulp = err == 0 ? 0 : err / ulp_at(r, lim);
      max_rel = std::max(max_rel, relative(err, has_magnitude ? ref.grad_magnitude[k][idx] : r, lim));
      max_ulp = std::max(max_ulp, ulp);
      sum_ulp += ulp;
      ++count;
    }
  }
  f.grad_max_rel_err = static_cast<double>(max_rel);
  f.grad_max_ulp = static_cast<double>(max_ulp);
  f.grad_mean_ulp = count ? static_cast<double>(sum_ulp / static_cast<long double>(count)) : 0.0;
  return f;
}

}  // namespace lossbench::bench
