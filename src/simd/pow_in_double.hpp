// pow_in_double.hpp — a^p in double lanes, accurate enough for a float result: the general-p
// norms of triplet (row_distance_simd.hpp) take |v|^p of float data this way.
//
// Why not xsimd::exp(p·xsimd::log(a)) in double: correct, but xsimd 8.1's double exp converts to
// int64 with a scalar loop and its log is long; general-p triplet ran at 1.3× the scalar kernel.
// A float result needs the exponent y = p·log a only to ~1e-10 absolute, not to double's ulp, so:
//   log a = e·ln 2 + log m, a = 2^e·m with m in [√½, √2), log m = 2·atanh(s), s = (m−1)/(m+1),
//     |s| ≤ 0.172: the odd series to s^11 leaves < 3e-11;
//   exp y = 2^k·exp r, k = nearest(y/ln 2) by the 1.5·2^52 rounding trick, r = y − k·ln 2 (ln 2 in
//     two parts), |r| ≤ 0.347: Taylor to r^10 leaves < 1e-11 relative; 2^k added to the exponent.
// y is clamped to [−120, 100] first: beyond it the float result is 0 or inf either way, and 2^k
// stays a normal double. The total relative error, ~1e-10·(1 + |y|·1e-6), is 2^-9 of a float
// ulp: the float conversion then rounds as from the exact value except within that of a tie.
// Special values as std::pow: a = 0 → 0 (p > 0) or inf (p < 0); a = inf → inf or 0; a = 1 → 1,
// also for p = NaN; otherwise NaN in a or p → NaN. Only a ≥ 0 is asked for (|v|, ratios, sums).
// Include only from ISA translation units (templated on Arch: ODR).
#pragma once

#include <xsimd/xsimd.hpp>

#include <cstdint>
#include <limits>

namespace lossbench::simd {

template <class Arch>
xsimd::batch<double, Arch> pow_for_float(const xsimd::batch<double, Arch>& a, const xsimd::batch<double, Arch>& p) {
  using D = xsimd::batch<double, Arch>;
  using U = xsimd::batch<std::uint64_t, Arch>;
  // log a for a > 0 finite (a float widened to double is never subnormal).
  const U bits = xsimd::bitwise_cast<U>(a);
  const U mantissa_bits = (bits & U(0x000fffffffffffffULL)) | U(0x3ff0000000000000ULL);
  D m = xsimd::bitwise_cast<D>(mantissa_bits);  // [1, 2)
  // The biased exponent as a double: its 11 bits under 2^52's exponent, minus 2^52.
  D e = xsimd::bitwise_cast<D>((bits >> 52) | U(0x4330000000000000ULL)) - D(4503599627370496.0) - D(1023.0);
  const auto high = m > D(1.4142135623730951);
  m = xsimd::select(high, m * D(0.5), m);
  e = xsimd::select(high, e + D(1.0), e);
  const D s = (m - D(1.0)) / (m + D(1.0)), s2 = s * s;
  D series = D(1.0 / 11);
  series = xsimd::fma(series, s2, D(1.0 / 9));
  series = xsimd::fma(series, s2, D(1.0 / 7));
  series = xsimd::fma(series, s2, D(1.0 / 5));
  series = xsimd::fma(series, s2, D(1.0 / 3));
  series = xsimd::fma(series, s2, D(1.0));
  const D log_a = xsimd::fma(e, D(0.6931471805599453), D(2.0) * s * series);
  // exp y.
  const D y = xsimd::min(xsimd::max(p * log_a, D(-120.0)), D(100.0));
  const D shifted = xsimd::fma(y, D(1.4426950408889634), D(6755399441055744.0));  // 1.5·2^52 + k
  const D k = shifted - D(6755399441055744.0);
  const D r = xsimd::fma(k, D(-1.9082149292705877e-10), xsimd::fma(k, D(-0.6931471803691238), y));
  D poly = D(1.0 / 3628800);
  for (double c : {1.0 / 362880, 1.0 / 40320, 1.0 / 5040, 1.0 / 720, 1.0 / 120, 1.0 / 24, 1.0 / 6, 0.5, 1.0, 1.0})
    poly = xsimd::fma(poly, r, D(c));
  const U k_bits = xsimd::bitwise_cast<U>(shifted) - xsimd::bitwise_cast<U>(D(6755399441055744.0));
  const D result = xsimd::bitwise_cast<D>(xsimd::bitwise_cast<U>(poly) + (k_bits << 52));
  // pow's special values.
  const D zero(0.0), inf(std::numeric_limits<double>::infinity());
  D out = xsimd::select(a == zero, xsimd::select(p > zero, zero, inf), result);
  out = xsimd::select(a == inf, xsimd::select(p > zero, inf, zero), out);
  out = xsimd::select(xsimd::isnan(a) | xsimd::isnan(p), a + p, out);
  return xsimd::select(a == D(1.0), D(1.0), out);
}

}  // namespace lossbench::simd
