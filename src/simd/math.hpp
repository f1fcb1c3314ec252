// math.hpp — the operations a loss formula is written in, for scalars (float, double, long
// double: the scalar kernel and the reference) and for xsimd batches (the SIMD kernels), so each
// formula is written once. Formulas call these unqualified inside `using namespace lossbench::math`.
//
// Batch versions guard xsimd 8.1's known gaps:
//   * exp flushes results below ~1e-38 (float) / ~1e-308 (double) to 0 and overflows early
//     (x ≥ 88.376 f / 709.436 d): `exp` squares exp(x/2) in both tails, which keeps the
//     subnormal range and the last half-ulp of the normal one (error ≤ 2·1.5 + 0.5 ulp there);
//     float on AVX-512 scales by 2^k with vscalefps instead, one rounding in both tails;
//   * double log of a subnormal input is wrong: `log` rescales by 2^54 first.
// Scalar versions are the C library's (≤ 1 ulp in glibc).
// The batch exp, log and log1p are forced inline (simd/inlining.hpp): out of line, cross_entropy
// over 33 rows of 1000 logits took 19.7 µs, 17.5 inlined.
#pragma once

#include "simd/inlining.hpp"

#include <xsimd/xsimd.hpp>

#include <immintrin.h>

#include <cmath>
#include <concepts>
#include <limits>

namespace lossbench::math {

// ---- scalars -----------------------------------------------------------------------------------
template <std::floating_point T>
inline T select(bool c, T a, T b) {
  return c ? a : b;
}
template <std::floating_point T>
inline T exp(T x) {
  return std::exp(x);
}
template <std::floating_point T>
inline T log(T x) {
  return std::log(x);
}
template <std::floating_point T>
inline T log1p(T x) {
  return std::log1p(x);
}
template <std::floating_point T>
inline T fabs(T x) {
  return std::fabs(x);
}
template <std::floating_point T>
inline T sqrt(T x) {
  return std::sqrt(x);
}
template <std::floating_point T>
inline T fma(T a, T b, T c) {
  return std::fma(a, b, c);
}

// ---- batches -----------------------------------------------------------------------------------
template <class T, class A>
using batch = xsimd::batch<T, A>;
template <class T, class A>
using mask = xsimd::batch_bool<T, A>;

template <class T, class A>
inline batch<T, A> select(const mask<T, A>& c, const batch<T, A>& a, const batch<T, A>& b) {
  return xsimd::select(c, a, b);
}

// float exp on AVX-512: xsimd's own argument reduction and polynomial (so every result in the
// normal range has xsimd's bits), then vscalefps for the 2^k, which rounds once into the
// subnormal range and overflows only where exp does. That replaces xsimd's ldexp and the tail
// check below: 16 vector instructions a batch instead of 23. Arguments below -104 or above 89
// (exp rounds to 0 or ∞ there; ±∞ and huge ones leave the reduction meaningless) take their
// result by a blend afterwards rather than a clamp before, which would lengthen the latency of
// a dependent chain (ctc's recursion) by two min/max; NaN stays NaN (both compares are false).
template <class A>
LOSSBENCH_INLINE_MATH batch<float, A> exp_scalef(const batch<float, A>& a) {
  using reduction = xsimd::kernel::detail::exp_reduction<float, A, xsimd::kernel::detail::exp_tag>;
  batch<float, A> r;
  const batch<float, A> k = reduction::reduce(a, r);
  __m512 e = _mm512_scalef_ps(reduction::approx(r), k);
  e = _mm512_mask_mov_ps(e, _mm512_cmp_ps_mask(a, _mm512_set1_ps(89.0f), _CMP_GT_OQ),
                         _mm512_set1_ps(std::numeric_limits<float>::infinity()));
  e = _mm512_mask_mov_ps(e, _mm512_cmp_ps_mask(a, _mm512_set1_ps(-104.0f), _CMP_LT_OQ), _mm512_setzero_ps());
  return batch<float, A>(e);
}

template <class T, class A>
LOSSBENCH_INLINE_MATH batch<T, A> exp(const batch<T, A>& x) {
  if constexpr (std::is_same_v<T, float> && std::is_base_of_v<xsimd::avx512f, A>) return exp_scalef(x);
  // Where xsimd's exp is exact enough: above its underflow cut, below its early overflow.
  constexpr T lo = std::is_same_v<T, float> ? T(-87.0) : T(-708.0);
  constexpr T hi = std::is_same_v<T, float> ? T(88.0) : T(709.0);
  const batch<T, A> direct = xsimd::exp(x);
  const auto tails = (x < batch<T, A>(lo)) | (x > batch<T, A>(hi));
  if (xsimd::none(tails)) return direct;
  const batch<T, A> half = xsimd::exp(x * batch<T, A>(T(0.5)));  // x/2 is exact
  return xsimd::select(tails, half * half, direct);
}

template <class T, class A>
LOSSBENCH_INLINE_MATH batch<T, A> log(const batch<T, A>& x) {
  if constexpr (std::is_same_v<T, double>) {
    const auto tiny = x < batch<T, A>(std::numeric_limits<double>::min());
    const auto subnormal = tiny & (x > batch<T, A>(0.0));
    if (xsimd::any(subnormal)) {
      const batch<T, A> scaled =
          xsimd::log(x * batch<T, A>(0x1p54)) - batch<T, A>(54 * 0.693147180559945309417232121458);
      return xsimd::select(subnormal, scaled, xsimd::log(x));
    }
  }
  return xsimd::log(x);
}

template <class T, class A>
LOSSBENCH_INLINE_MATH batch<T, A> log1p(const batch<T, A>& x) {
  return xsimd::log1p(x);
}
template <class T, class A>
inline batch<T, A> fabs(const batch<T, A>& x) {
  return xsimd::abs(x);
}
template <class T, class A>
inline batch<T, A> sqrt(const batch<T, A>& x) {
  return xsimd::sqrt(x);
}
template <class T, class A>
inline batch<T, A> fma(const batch<T, A>& a, const batch<T, A>& b, const batch<T, A>& c) {
  return xsimd::fma(a, b, c);
}

}  // namespace lossbench::math
