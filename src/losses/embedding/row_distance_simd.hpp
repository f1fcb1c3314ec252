// row_distance_simd.hpp — row_distance.hpp's p-norm distances and derivatives on xsimd batches,
// vectorised along the row (D): several distances of one row (triplet: d(a,p), d(a,n), d(p,n))
// are accumulated in ONE pass that loads each input once, two accumulators per distance, and the
// tail (D mod W lanes) runs the same code on a zero-padded batch with the dead lanes masked out.
// Include only from ISA translation units: everything here is templated on Arch (ODR, notes §0.10).
//
// Where a sum leaves the normal range, the caller goes through that group of rows again and
// takes the distances outside it (norm_outside) with rescaled_norm.hpp's out-of-line pass.
// Same formulas as row_distance.hpp, with these differences in rounding (bounds: distance_error.hpp):
//   * the row sum is taken in W·2 lanes, then a horizontal tree: each term still passes through
//     at most D − 1 additions, so the (D − 1)u summation bound holds; FMA (v·v + s) rounds once
//     where the scalar kernel rounds twice;
//   * general p: |v|^p, the root S^(1/p) and the derivative's (|v|/d)^(p−1) by pow_abs below,
//     at least as accurate as std::pow (float: in double lanes; double: std::pow per lane).
// Trap: xsimd's batch != is an ordered compare (false for NaN), unlike the scalar !=: NaN tests
// use xsimd::isnan, "≠ 0" is !(== 0).
// Rows stored as S = bf16/f16 (T = float) are widened exactly as they are loaded
// (simd/convert16.hpp: load_as), so every sum is the f32 kernel's on the widened rows.
#pragma once

#include "losses/embedding/row_distance.hpp"
#include "simd/block_sum.hpp"
#include "simd/convert16.hpp"
#include "simd/math.hpp"
#include "simd/pow_in_double.hpp"

#include <xsimd/xsimd.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <type_traits>

namespace lossbench::losses::embedding::simd_rows {

template <class Arch, class T>
struct lanes {
  using V = xsimd::batch<T, Arch>;
  using M = xsimd::batch_bool<T, Arch>;
  static constexpr std::size_t W = V::size;

  // The first n (< W) elements of s (storage S: T, or 16 bits widened), the other lanes 0
  // (plain loops: no non-Arch helpers, ODR).
  template <class S>
  static V load_part(const S* s, std::size_t n) {
    alignas(64) S buf[W] = {};
    for (std::size_t l = 0; l < n; ++l) buf[l] = s[l];
    return simd::load_as<V>(buf);
  }
  // The first n (< W) lanes of v stored as S (16 bits: each rounded once).
  template <class S>
  static void store_part(S* d, const V& v, std::size_t n) {
    alignas(64) S buf[W];
    simd::store_as(buf, v);
    for (std::size_t l = 0; l < n; ++l) d[l] = buf[l];
  }
  // Lanes 0..n−1 true.
  static M first(std::size_t n) {
    alignas(64) T index[W];
    for (std::size_t l = 0; l < W; ++l) index[l] = static_cast<T>(l);
    return V::load_aligned(index) < V(static_cast<T>(n));
  }
  static T lane_max(const V& v) {
    alignas(64) T buf[W];
    v.store_aligned(buf);
    T m = buf[0];
    for (std::size_t l = 1; l < W; ++l) m = buf[l] > m ? buf[l] : m;
    return m;
  }
  static T lane_min(const V& v) {
    alignas(64) T buf[W];
    v.store_aligned(buf);
    T m = buf[0];
    for (std::size_t l = 1; l < W; ++l) m = buf[l] < m ? buf[l] : m;
    return m;
  }
  static std::size_t count(const M& m) {
    return static_cast<std::size_t>(xsimd::hadd(xsimd::select(m, V(T(1)), V(T(0)))));
  }
};

// a^p for a ≥ 0 (or NaN), never less accurate than the scalar kernel's std::pow:
//   float: in double lanes (simd/pow_in_double.hpp: within ½ ulp + 2^-9 ulp after the rounding
//     to float, where glibc's powf is within 1 ulp); double's range also keeps results that
//     float's exp would flush (below ~1e-38) until the final rounding makes them subnormal.
//   double: xsimd has no extra-precision log, and exp(p·log a) in double errs by |p ln a| ulps
//     (hundreds for a = 1e-300); std::pow is within 1 ulp, so each lane calls it. General p is off
//     the fast path (p = 1, 2, 0 and ±inf have their own code).
// pow's special values hold in both: 0^p, inf^p, NaN^p, and 1^NaN = 1.
template <class Arch, class T>
xsimd::batch<T, Arch> pow_abs(const xsimd::batch<T, Arch>& a, const xsimd::batch<T, Arch>& p) {
  using V = xsimd::batch<T, Arch>;
  constexpr std::size_t W = V::size;
  alignas(64) T out[W];
  if constexpr (std::is_same_v<T, float>) {
    using D = xsimd::batch<double, Arch>;
    const auto [a_lo, a_hi] = simd::block_sum<Arch, float>::widen(a);
    const auto [p_lo, p_hi] = simd::block_sum<Arch, float>::widen(p);
    alignas(64) double wide[W];
    simd::pow_for_float<Arch>(a_lo, p_lo).store_aligned(wide);
    simd::pow_for_float<Arch>(a_hi, p_hi).store_aligned(wide + D::size);
    for (std::size_t l = 0; l < W; ++l) out[l] = static_cast<float>(wide[l]);
  } else {
    alignas(64) T base[W], power[W];
    a.store_aligned(base);
    p.store_aligned(power);
    for (std::size_t l = 0; l < W; ++l) out[l] = std::pow(base[l], power[l]);
  }
  return V::load_aligned(out);
}

// One norm kind's per-lane accumulation: Σ v², Σ|v|, Σ[v ≠ 0], Σ|v|^p, max |v| or min |v|.
template <norm_kind K, class Arch, class T>
xsimd::batch<T, Arch> accumulate(const xsimd::batch<T, Arch>& acc, const xsimd::batch<T, Arch>& v,
                                 const xsimd::batch<T, Arch>& p) {
  using V = xsimd::batch<T, Arch>;
  if constexpr (K == norm_kind::two)
    return xsimd::fma(v, v, acc);
  else if constexpr (K == norm_kind::one)
    return acc + xsimd::abs(v);
  else if constexpr (K == norm_kind::count_nonzero)
    return acc + xsimd::select(v == V(T(0)), V(T(0)), V(T(1)));  // NaN counts (NaN ≠ 0)
  else if constexpr (K == norm_kind::general)
    return acc + pow_abs<Arch, T>(xsimd::abs(v), p);
  else if constexpr (K == norm_kind::max_abs)
    return xsimd::max(acc, xsimd::abs(v));
  else
    return xsimd::min(acc, xsimd::abs(v));
}

template <norm_kind K, class T>
constexpr T neutral() {
  return K == norm_kind::min_abs ? std::numeric_limits<T>::infinity() : T(0);
}

// ±inf-norms: 1/(number of elements with |v| = d), 0 for an empty row (as extreme_abs).
template <class Arch, class T, class S>
T tie_share(const S* x, const S* y, std::size_t dim, T eps, T d) {
  using L = lanes<Arch, T>;
  using V = typename L::V;
  const V e(eps), m(d);
  std::size_t ties = 0, j = 0;
  for (; j + L::W <= dim; j += L::W)
    ties += L::count(xsimd::abs((simd::load_as<V>(x + j) - simd::load_as<V>(y + j)) + e) == m);
  if (j < dim)
    ties += L::count((xsimd::abs((L::load_part(x + j, dim - j) - L::load_part(y + j, dim - j)) + e) == m) &
                     L::first(dim - j));
  return ties ? T(1) / static_cast<T>(ties) : T(0);
}

// One distance's running state: two accumulators, and for ±inf-norms whether a NaN was met
// (xsimd's max/min drop NaN; torch's amax keeps it).
template <class Arch, class T>
struct accumulator {
  xsimd::batch<T, Arch> acc[2];
  xsimd::batch_bool<T, Arch> nan;
};

// The pairs (x[k], y[k]) of one row, k < N, in one pass: each pair's lane-reduced accumulation
// (Σ v², Σ|v|, …, max |v|, min |v|; before any root) and, for ±inf-norms, whether it met a NaN.
// HasEps = false: eps is 0 and not added (contrastive), one vector add fewer per element.
// The rows are stored as S (T, or bf16/f16 for T = float).
template <norm_kind K, std::size_t N, class Arch, class T, class S, bool HasEps = true>
void reduce_rows(const std::array<const S*, N>& x, const std::array<const S*, N>& y, std::size_t dim, T eps, T p,
                 std::array<T, N>& raw, std::array<bool, N>& nan) {
  using L = lanes<Arch, T>;
  using V = typename L::V;
  constexpr std::size_t W = L::W;
  constexpr bool extreme = K == norm_kind::max_abs || K == norm_kind::min_abs;
  const V e(eps), pw(p);
  auto difference = [&](const V& a, const V& b) {
    if constexpr (HasEps)
      return (a - b) + e;
    else
      return a - b;
  };
  std::array<accumulator<Arch, T>, N> s;
  for (auto& a : s) {
    a.acc[0] = a.acc[1] = V(neutral<K, T>());
    if constexpr (extreme) a.nan = xsimd::isnan(V(T(0)));  // all false (batch_bool(false) is an out-of-line call)
  }
  auto step = [&](std::size_t k, int slot, const V& v) {
    s[k].acc[slot] = accumulate<K, Arch, T>(s[k].acc[slot], v, pw);
    if constexpr (extreme) s[k].nan = s[k].nan | xsimd::isnan(v);
  };
  std::size_t j = 0;
  for (; j + 2 * W <= dim; j += 2 * W)
    for (std::size_t k = 0; k < N; ++k) {
      step(k, 0, difference(simd::load_as<V>(x[k] + j), simd::load_as<V>(y[k] + j)));
      step(k, 1, difference(simd::load_as<V>(x[k] + j + W), simd::load_as<V>(y[k] + j + W)));
    }
  for (; j + W <= dim; j += W)
    for (std::size_t k = 0; k < N; ++k) step(k, 0, difference(simd::load_as<V>(x[k] + j), simd::load_as<V>(y[k] + j)));
  if (j < dim) {  // dead lanes keep the accumulator as it was
    const auto live = L::first(dim - j);
    for (std::size_t k = 0; k < N; ++k) {
      const V v = difference(L::load_part(x[k] + j, dim - j), L::load_part(y[k] + j, dim - j));
      s[k].acc[1] = xsimd::select(live, accumulate<K, Arch, T>(s[k].acc[1], v, pw), s[k].acc[1]);
      if constexpr (extreme) s[k].nan = s[k].nan | (xsimd::isnan(v) & live);
    }
  }
  for (std::size_t k = 0; k < N; ++k) {
    if constexpr (K == norm_kind::max_abs)
      raw[k] = L::lane_max(xsimd::max(s[k].acc[0], s[k].acc[1]));
    else if constexpr (K == norm_kind::min_abs)
      raw[k] = L::lane_min(xsimd::min(s[k].acc[0], s[k].acc[1]));
    else
      raw[k] = xsimd::hadd(s[k].acc[0] + s[k].acc[1]);
    if constexpr (extreme)
      nan[k] = xsimd::any(s[k].nan);
    else
      nan[k] = false;
  }
}

// The distances ‖x[k] − y[k] + eps‖_p of one row, k < N, in one pass (row_distance's semantics).
// Each plain sum goes into `sums`: where one left the normal range, the caller takes that
// distance again, rescaled (rescaled_norm.hpp), apart from this loop, which then holds no call.
template <norm_kind K, std::size_t N, class Arch, class T, class S>
void distances(const std::array<const S*, N>& x, const std::array<const S*, N>& y, std::size_t dim, T eps,
               const p_norm<T>& n, sum_extremes<T, Arch>& sums, std::array<row_norm<T>, N>& out) {
  std::array<T, N> raw;
  std::array<bool, N> nan;
  reduce_rows<K, N, Arch, T, S>(x, y, dim, eps, n.p, raw, nan);
  for (std::size_t k = 0; k < N; ++k) {
    out[k].tie_share = 1;
    sums.add(raw[k]);
    if constexpr (K == norm_kind::two)
      out[k].d = std::sqrt(raw[k]);
    else if constexpr (K == norm_kind::general) {
      using V = xsimd::batch<T, Arch>;
      out[k].d = pow_abs<Arch, T>(V(raw[k]), V(n.inv_p)).get(0);
    } else if constexpr (K == norm_kind::max_abs || K == norm_kind::min_abs) {
      out[k].d = nan[k] ? std::numeric_limits<T>::quiet_NaN() : raw[k];
      if (!nan[k]) out[k].tie_share = tie_share<Arch, T>(x[k], y[k], dim, eps, raw[k]);
    } else
      out[k].d = raw[k];
  }
}

// Σ_j (x_j − y_j)² (contrastive: no eps), summed plainly: the caller checks the range
// (sum_extremes) apart from its loop of sums, which then holds no call.
template <class Arch, class T, class S>
T plain_squared_distance(const S* x, const S* y, std::size_t dim) {
  std::array<T, 1> raw;
  std::array<bool, 1> nan;
  reduce_rows<norm_kind::two, 1, Arch, T, S, false>({x}, {y}, dim, T(0), T(2), raw, nan);
  return raw[0];
}

// ∂d/∂v per lane (row_distance.hpp's distance_derivative).
template <norm_kind K, class Arch, class T>
xsimd::batch<T, Arch> derivative(const xsimd::batch<T, Arch>& v, const row_norm<T>& r, const p_norm<T>& n) {
  using V = xsimd::batch<T, Arch>;
  const V zero(T(0));
  auto sign_times = [&](const V& mag) { return xsimd::select(v > zero, mag, xsimd::select(v < zero, -mag, v)); };
  if constexpr (K == norm_kind::count_nonzero)
    return zero;
  else if constexpr (K == norm_kind::one)
    return sign_times(V(T(1)));
  else if constexpr (K == norm_kind::two)
    return r.d == 0 ? zero : v / V(r.d);
  else if constexpr (K == norm_kind::max_abs || K == norm_kind::min_abs)
    return xsimd::select((xsimd::abs(v) == V(r.d)) | xsimd::isnan(v), sign_times(V(r.tie_share)), zero);
  else {
    if (r.d == 0) return zero;
    const V g = pow_abs<Arch, T>(xsimd::abs(v) / V(r.d), V(n.p_minus_1));
    return xsimd::select(v == zero, zero, xsimd::select(v < zero, -g, g));  // copysign; NaN v stays NaN
  }
}

}  // namespace lossbench::losses::embedding::simd_rows
