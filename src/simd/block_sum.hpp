// block_sum.hpp — the SIMD kernels' loss accumulator. f32 losses are added in double lanes (a
// block of 4096 terms errs by ≤ 4096·u_d relative, nothing next to f32's u), two or four batches
// at a time summed pairwise in float first: the widening is 7 vector instructions per batch, as
// many as all of mse's own arithmetic, and the float pairs cost each term at most two more
// roundings (≤ 2u·Σ|terms|, counted in every element-wise loss's bound). f64 losses with TwoSum
// in each lane and the lanes combined by Neumaier's sum, so a block's partial errs by
// ≤ 2u·|Σ| + O(n u²)·Σ|terms|, as the scalar kernel's compensated sum: a plain f64 chain of 128–512
// terms per lane (AVX-512 … SSE2) would add up to that many ulps of Σ|terms| to every loss's
// documented bound. Independent accumulators hide the add latency. Include only from ISA
// translation units.
#pragma once

#include "simd/compensated_sum.hpp"

#include <xsimd/xsimd.hpp>

#include <immintrin.h>

#include <cstddef>
#include <type_traits>
#include <utility>

namespace lossbench::simd {

template <class Arch, class T>
class block_sum {
 public:
  using batch = xsimd::batch<T, Arch>;
  using wide = xsimd::batch<double, Arch>;

  block_sum() noexcept {
    for (wide& a : acc_) a = wide(0.0);
    for (wide& c : comp_) c = wide(0.0);
  }

  // Adds v into accumulator k (k in 0..3: a lone batch, a block's head or tail).
  void add(const batch& v, int k) noexcept {
    if constexpr (std::is_same_v<T, double>) {
      two_sum_add<Arch>(acc_[k], comp_[k], v);
    } else {
      const auto [lo, hi] = widen(v);
      acc_[k] += lo;
      acc_[4 + k] += hi;
    }
  }
  // Adds two batches (a, b) or four (a, b, c, d): f32 as (a + b) + (c + d) in float, widened
  // once into accumulator 0, unless that sum is not finite — finite terms above 2^126 may
  // overflow in float where double holds them (and ±∞ or NaN terms give the same either way) —:
  // then each is widened on its own, as f64 adds each into its own accumulator.
  void add(const batch& a, const batch& b) noexcept {
    if constexpr (std::is_same_v<T, float>) {
      const batch s = a + b;
      if (xsimd::all(xsimd::isfinite(s))) return add(s, 0);
    }
    add(a, 0), add(b, 1);
  }
  void add(const batch& a, const batch& b, const batch& c, const batch& d) noexcept {
    if constexpr (std::is_same_v<T, float>) {
      const batch s = (a + b) + (c + d);
      if (xsimd::all(xsimd::isfinite(s))) return add(s, 0);
    }
    add(a, 0), add(b, 1), add(c, 2), add(d, 3);
  }
  // The float sums above without their test, for loops that can run their block again (the bf16
  // pair loop, where the branch cost 5–9%): always widened once. A non-finite float sum makes the
  // double accumulators non-finite too, so `finite()` false afterwards says to run the block
  // again with the tested adds (the true sum may be ±∞ or NaN as well). float only.
  void add_unchecked(const batch& a, const batch& b) noexcept {
    static_assert(std::is_same_v<T, float>);
    add(a + b, 0);
  }
  void add_unchecked(const batch& a, const batch& b, const batch& c, const batch& d) noexcept {
    add_unchecked(a + b, c + d);
  }
  bool finite() const noexcept {
    wide s(0.0);
    for (const wide& a : acc_) s += a - a;  // 0 for finite lanes, NaN for ±∞ and NaN
    return xsimd::all(s == wide(0.0));
  }
  double total() const noexcept {
    if constexpr (std::is_same_v<T, double>) {
      constexpr std::size_t W = wide::size;
      alignas(64) double lanes[slots * W];
      wide comp(0.0);
      for (int k = 0; k < slots; ++k) {
        acc_[k].store_aligned(lanes + k * W);
        comp += comp_[k];
      }
      lane_total<Arch> t;
      for (double x : lanes) t.add(x);
      if (!(t.sum - t.sum == 0)) return t.sum;      // ±inf or NaN: the compensations are NaN then
      return t.sum + (t.comp + xsimd::hadd(comp));  // the compensations are O(u) of the sum
    } else {
      wide s(0.0);
      for (const wide& a : acc_) s += a;
      return xsimd::hadd(s);
    }
  }

  // float lanes → two halves of double lanes (xsimd 8.1 has no widening conversion); public
  // for kernels that accumulate f32 terms in double lanes themselves.
  static std::pair<wide, wide> widen(const batch& v) noexcept {
    const auto r = v.data;
    if constexpr (std::is_base_of_v<xsimd::avx512f, Arch>) {
      return {wide(_mm512_cvtps_pd(_mm512_castps512_ps256(r))), wide(_mm512_cvtps_pd(_mm512_extractf32x8_ps(r, 1)))};
    } else if constexpr (std::is_base_of_v<xsimd::avx, Arch>) {
      return {wide(_mm256_cvtps_pd(_mm256_castps256_ps128(r))), wide(_mm256_cvtps_pd(_mm256_extractf128_ps(r, 1)))};
    } else {
      return {wide(_mm_cvtps_pd(r)), wide(_mm_cvtps_pd(_mm_movehl_ps(r, r)))};
    }
  }

 private:
  static constexpr int slots = std::is_same_v<T, double> ? 4 : 8;

  wide acc_[slots];
  wide comp_[slots];  // TwoSum errors (f64 only)
};

}  // namespace lossbench::simd
