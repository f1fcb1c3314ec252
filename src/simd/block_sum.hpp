// block_sum.hpp — the SIMD kernels' loss accumulator: per-element losses (in the dtype) are
// added in double lanes, so a block's partial carries no more error than the scalar kernel's
// double sum and the value's accuracy does not depend on the vector width. Four independent
// accumulators hide the add latency. Include only from ISA translation units.
#pragma once

#include <xsimd/xsimd.hpp>

#include <immintrin.h>

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
  }

  // Adds v into accumulator k (k in 0..3; callers unrolling by four use k = unroll index).
  void add(const batch& v, int k) noexcept {
    if constexpr (std::is_same_v<T, double>) {
      acc_[k] += v;
    } else {
      const auto [lo, hi] = widen(v);
      acc_[k] += lo;
      acc_[4 + k] += hi;
    }
  }
  double total() const noexcept {
    wide s(0.0);
    for (const wide& a : acc_) s += a;
    return xsimd::hadd(s);
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
};

}  // namespace lossbench::simd
