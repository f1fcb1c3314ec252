// portable_log.hpp — a natural logarithm from + − × ÷ and frexp only (each exact or correctly
// rounded under IEEE 754), so its result is the same bit for bit on every compiler and C library,
// unlike std::log, whose last bit is implementation-defined. For golden inputs, not kernels.
// log x = e·ln 2 + 2·atanh(r), x = m·2^e with m ∈ [√½, √2), r = (m − 1)/(m + 1) ∈ [−0.172, 0.172];
// the series Σ r^(2k+1)/(2k+1) to k = 13 is below 2^-60 relative, so the result is within a few
// ulps of log x (enough for test data: only reproducibility matters here).
#pragma once

#include <cmath>

namespace lossbench::check {

inline double portable_log(double x) {
  if (!(x > 0) || std::isinf(x)) return x == 0 ? -INFINITY : (x > 0 ? x : NAN);
  int e = 0;
  double m = std::frexp(x, &e);  // exact: m ∈ [0.5, 1)
  if (m < 0.70710678118654752440) {
    m *= 2;
    --e;
  }
  const double r = (m - 1) / (m + 1), r2 = r * r;
  double term = r, series = 0;
  for (int k = 0; k <= 13; ++k) {
    series += term / (2 * k + 1);
    term *= r2;
  }
  constexpr double ln2_hi = 0x1.62e42fefa3800p-1, ln2_lo = 0x1.ef35793c76730p-45;  // ln 2 = hi + lo, hi·e exact
  return (e * ln2_hi + 2 * series) + e * ln2_lo;
}

}  // namespace lossbench::check
