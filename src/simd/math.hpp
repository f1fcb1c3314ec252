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
// Float log and log1p on AVX-512 keep xsimd's algorithm but split the exponent with
// vgetexp/vgetmant, form its small quotient with vrcp14 and a Newton step, and answer the
// special arguments with one vfixupimm: max error over every float unchanged (log 0.75 ulp,
// log1p 0.76 ulp against long double; a few thousand results differ from xsimd's by an ulp).
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
// x·log x with 0·log 0 = 0 and NaN kept: torch's xlogy(x, x).
template <std::floating_point T>
inline T xlogx(T x) {
  return x != x ? x : x == 0 ? T(0) : x * std::log(x);
}
template <std::floating_point T>
inline T fabs(T x) {
  return std::fabs(x);
}
// a < b ? a : b and a > b ? a : b, as x86's minps/maxps: b where either is NaN, so the operand
// order says which NaN wins (unlike std::fmin/fmax, which drop NaN).
template <std::floating_point T>
inline T min(T a, T b) {
  return a < b ? a : b;
}
template <std::floating_point T>
inline T max(T a, T b) {
  return a > b ? a : b;
}
// x < lo ? lo : x > hi ? hi : x (lo ≤ hi): NaN stays NaN, as torch's clamp.
template <std::floating_point T>
inline T clamp(T x, T lo, T hi) {
  return math::min(hi, math::max(lo, x));
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

// Where the float functions below take their own AVX-512 path instead of xsimd's.
template <class T, class A>
inline constexpr bool avx512_float = (std::is_same_v<T, float> && std::is_base_of_v<xsimd::avx512f, A>);

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

// f / d by a 14-bit reciprocal and one Newton step: within 1 ulp of the quotient, in 4 uops that
// pipeline where vdivps is exact but holds the divider. Used only for the small correction terms
// of log and log1p below, never for a loss's own quotient. d must be finite and non-zero (the
// callers fix up their special cases afterwards).
template <class A>
LOSSBENCH_INLINE_MATH batch<float, A> quotient_rcp14(const batch<float, A>& f, const batch<float, A>& d) {
  const __m512 r = _mm512_rcp14_ps(d);
  const __m512 q0 = _mm512_mul_ps(f, r);
  const __m512 residual = _mm512_fnmadd_ps(q0, d, f);  // f − q0·d, one rounding
  return batch<float, A>(_mm512_fmadd_ps(residual, r, q0));
}

// xsimd's float log and log1p (FreeBSD's logf: x = 2^k·(1 + f), f ∈ [√2/2 − 1, √2 − 1],
// s = f/(2 + f), log(1 + f) = f − f²/2 + s·(f²/2 + R(s²))), with s computed by quotient_rcp14.
// `low` is k·ln2_lo plus log1p's rounding correction. s only scales the O(f²) term, so its last
// bit moves the result by far less than an ulp (the header's exhaustive figures).
template <class A>
LOSSBENCH_INLINE_MATH batch<float, A> log_reduced(const batch<float, A>& f, const batch<float, A>& k,
                                                  const batch<float, A>& low) {
  using B = batch<float, A>;
  using xsimd::kernel::detail::horner;
  const B s = quotient_rcp14(f, B(2.0f) + f);
  const B z = s * s;
  const B w = z * z;
  const B t1 = w * horner<B, 0x3eccce13, 0x3e789e26>(w);
  const B t2 = z * horner<B, 0x3f2aaaaa, 0x3e91e9ee>(w);
  const B hfsq = B(0.5f) * f * f;
  return xsimd::fma(k, xsimd::constants::log_2hi<B>(), xsimd::fma(s, hfsq + (t2 + t1), low) - hfsq + f);
}

// x = 2^k·(1 + f) with 1 + f ∈ [√2/2, √2), k returned as a float: vgetexpps and vgetmantps give
// 2^e·m, m ∈ [1, 2) (subnormal x included), and mantissas from √2 (xsimd's cut, 0x3fb504f3) on
// are halved. The same k and f as xsimd's integer split, in 5 instructions instead of 9 with its
// rescaling branch for subnormals. Meaningless for x ≤ 0, ∞ and NaN (fix_special).
template <class A>
LOSSBENCH_INLINE_MATH batch<float, A> split_exponent(const batch<float, A>& x, batch<float, A>& k) {
  const __m512 e = _mm512_getexp_ps(x);
  const __m512 m = _mm512_getmant_ps(x, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_zero);
  const __mmask16 high = _mm512_cmp_ps_mask(m, _mm512_set1_ps(0x1.6a09e6p0f), _CMP_GE_OQ);
  k = batch<float, A>(_mm512_mask_add_ps(e, high, e, _mm512_set1_ps(1.0f)));
  return batch<float, A>(_mm512_sub_ps(_mm512_mask_mul_ps(m, high, m, _mm512_set1_ps(0.5f)), _mm512_set1_ps(1.0f)));
}

// One vfixupimmps: classifies `arg` and answers per class, 4 bits each from the lowest: QNaN,
// SNaN, zero, one, −∞, +∞, negative, positive (answers 0: keep r; 2: quiet NaN of arg; 3:
// default NaN; 4: −∞; 5: +∞; 8: +0).
//   log_cases:  NaN → NaN, ±0 → −∞, −∞ and negatives → NaN, +∞ → +∞, positive finite → r.
//   xlogx_cases: the same but ±0 → +0 (0·log 0 = 0, as torch's xlogy).
inline constexpr int log_cases = 0x03530422;
inline constexpr int xlogx_cases = 0x03530822;
template <class A>
LOSSBENCH_INLINE_MATH batch<float, A> fix_special(const batch<float, A>& arg, const batch<float, A>& r, int cases) {
  return batch<float, A>(_mm512_fixupimm_ps(r, arg, _mm512_set1_epi32(cases), 0));
}

// log x for positive finite x (subnormals included); special arguments give garbage (fix_special).
template <class A>
LOSSBENCH_INLINE_MATH batch<float, A> unchecked_log(const batch<float, A>& x) {
  batch<float, A> k;
  const batch<float, A> f = split_exponent(x, k);
  return log_reduced(f, k, k * xsimd::constants::log_2lo<batch<float, A>>());
}

template <class A>
LOSSBENCH_INLINE_MATH batch<float, A> log1p_avx512(const batch<float, A>& x) {
  using B = batch<float, A>;
  const B u = x + B(1.0f);
  B k;
  const B f = split_exponent(u, k);
  // u = 1 + x rounded; c/u restores log(1 + x) − log(u) to first order (xsimd's correction).
  const B c = xsimd::select(k >= B(2.0f), B(1.0f) - (u - x), x - (u - B(1.0f)));
  return fix_special(u, log_reduced(f, k, k * xsimd::constants::log_2lo<B>() + quotient_rcp14(c, u)), log_cases);
}

template <class T, class A>
LOSSBENCH_INLINE_MATH batch<T, A> exp(const batch<T, A>& x) {
  if constexpr (avx512_float<T, A>) return exp_scalef(x);
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
  if constexpr (avx512_float<T, A>) return fix_special(x, unchecked_log(x), log_cases);
  return xsimd::log(x);
}

// Float on AVX-512: x times the unchecked logarithm, then one fixup on x's class.
template <class T, class A>
LOSSBENCH_INLINE_MATH batch<T, A> xlogx(const batch<T, A>& x) {
  if constexpr (avx512_float<T, A>) {
    return fix_special(x, x * unchecked_log(x), xlogx_cases);
  } else {
    return xsimd::select(x != x, x, xsimd::select(x == batch<T, A>(T(0)), batch<T, A>(T(0)), x * math::log(x)));
  }
}

template <class T, class A>
LOSSBENCH_INLINE_MATH batch<T, A> log1p(const batch<T, A>& x) {
  if constexpr (avx512_float<T, A>) return log1p_avx512(x);
  return xsimd::log1p(x);
}
template <class T, class A>
inline batch<T, A> fabs(const batch<T, A>& x) {
  return xsimd::abs(x);
}
// The scalar min, max and clamp's NaN rules: xsimd's min(a, b) and max(a, b) are minps(a, b) and
// maxps(a, b) on every x86 ISA, one instruction where a compare and a blend would take two.
template <class T, class A>
inline batch<T, A> min(const batch<T, A>& a, const batch<T, A>& b) {
  return xsimd::min(a, b);
}
template <class T, class A>
inline batch<T, A> max(const batch<T, A>& a, const batch<T, A>& b) {
  return xsimd::max(a, b);
}
template <class T, class A>
inline batch<T, A> clamp(const batch<T, A>& x, const batch<T, A>& lo, const batch<T, A>& hi) {
  return math::min(hi, math::max(lo, x));
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
