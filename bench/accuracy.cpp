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
  switch (t) {
    case dtype::f64:
      return {std::numeric_limits<double>::digits, std::numeric_limits<double>::min_exponent,
              std::numeric_limits<double>::max_exponent, std::numeric_limits<double>::min()};
    case dtype::bf16:  // float's exponent range, 8 significant bits
      return {8, std::numeric_limits<float>::min_exponent, std::numeric_limits<float>::max_exponent,
              std::numeric_limits<float>::min()};
    case dtype::f16:  // IEEE binary16: 11 significant bits, normal from 2^-14, largest below 2^16
      return {11, -13, 16, 0x1p-14L};
    default:
      return {std::numeric_limits<float>::digits, std::numeric_limits<float>::min_exponent,
              std::numeric_limits<float>::max_exponent, std::numeric_limits<float>::min()};
  }
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

// Where rounding to 16 bits gives ±inf: the largest finite value plus half its ULP.
long double overflow_of(dtype t) { return t == dtype::f16 ? 65520.0L : std::ldexp(1.0L - 0x1p-9L, 128); }

}  // namespace

long double ulp_of(long double r, dtype t) { return ulp_at(r, limits_of(t)); }

accuracy_figures measure_accuracy(const reference_result& ref, double value, std::span<const array> grads, dtype t,
                                  const accuracy_bound* bound) {
  const bool narrow = is_16bit(t);
  const dtype_limits lim = limits_of(t);
  accuracy_figures f;
  // A 16-bit run returns the f32 kernel's value: its error is an f32 value's.
  f.value_rel_err =
      static_cast<double>(relative(abs_error(value, ref.value), ref.value, narrow ? limits_of(dtype::f32) : lim));

  // The 16-bit goal of one element r (magnitude m): the f32 result lies within t_f32 of r, and its
  // rounding to 16 bits moves it by at most half the spacing at |r| + t_f32 (the far end: a binade
  // crossed upwards), so |g − r| ≤ t_f32 + ½·ulp16(|r| + t_f32); in ULPs of r.
  const bool with_goal = narrow && bound != nullptr;
  const long double u32 = 0x1p-24L, half_tiny32 = 0x1p-150L;

  long double max_rel = 0, max_ulp = 0, sum_ulp = 0, max_goal = 0;
  std::int64_t count = 0;
  for (std::size_t k = 0; k < grads.size() && k < ref.grads.size(); ++k) {
    const auto& want = ref.grads[k];
    const bool has_magnitude = k < ref.grad_magnitude.size() && !ref.grad_magnitude[k].empty();
    const std::int64_t n = std::min<std::int64_t>(grads[k].numel(), static_cast<std::int64_t>(want.size()));
    for (std::int64_t i = 0; i < n; ++i) {
      const auto idx = static_cast<std::size_t>(i);
      const long double r = want[idx], got = grads[k].get(i);
      const long double magnitude = has_magnitude ? ref.grad_magnitude[k][idx] : r;
      long double err = abs_error(got, r);
      const long double spacing = ulp_at(r, lim);
      if (with_goal && std::isfinite(r)) {
        // A NaN magnitude (the scale of a row holding ±inf) bounds nothing: the element must be exact.
        const long double t32 =
            std::isnan(magnitude) ? 0 : bound->grad_ulps * (u32 * std::fabs(magnitude) + half_tiny32);
        const long double allowed = t32 + 0.5L * ulp_at(std::fabs(r) + t32, lim);
        // Rounded past the 16-bit range: ±inf is the correctly rounded result of a value that far out.
        if (std::isinf(got) && !std::isnan(got) && std::signbit(got) == std::signbit(r) &&
            std::fabs(r) + t32 >= overflow_of(t))
          err = 0.5L * spacing;
        max_goal = std::max(max_goal, allowed / spacing);
        if (!(err <= allowed)) f.grad_goal_met = false;
      } else if (with_goal && err != 0) {
        f.grad_goal_met = false;  // a non-finite reference is matched exactly or not at all
      }
      const long double ulp = err == 0 ? 0 : err / spacing;
      max_rel = std::max(max_rel, relative(err, magnitude, lim));
      max_ulp = std::max(max_ulp, ulp);
      sum_ulp += ulp;
      ++count;
    }
  }
  f.grad_max_rel_err = static_cast<double>(max_rel);
  f.grad_max_ulp = static_cast<double>(max_ulp);
  f.grad_mean_ulp = count ? static_cast<double>(sum_ulp / static_cast<long double>(count)) : 0.0;
  if (with_goal && count > 0) f.grad_ulp_goal = static_cast<double>(max_goal);
  return f;
}

}  // namespace lossbench::bench
