// simd_row.hpp — the row-level SIMD building blocks of cross_entropy's xsimd kernel
// (cross_entropy_simd.hpp): a NaN-free horizontal max, a sum in double lanes, and the access
// to a row's last, partial batch. Include only from ISA translation units; everything here is
// templated on Arch (ODR: one copy per ISA, tests/odr_check.sh).
//
// Precision of the sums (the per-row s = Σ e_c, Σ v_c·(m − z_c), Σ v_c, and the block's row
// losses), as the scalar kernel's compensated double sums:
//   f32: terms are widened to double lanes and added plainly: ≤ (C/W + log2 W)·u_d relative on
//        sums of non-negative terms (s, Σv), ≤ 2^-13·u_f even at C = 32000, i.e. nothing next to
//        the f32 roundings; signed sums (Σ v·(m − z) is ≥ 0 too) likewise.
//   f64: each lane sums with TwoSum (error-free transformation, 6 flops), the lanes and their
//        lanes are combined at the end by a compensated (Neumaier) scalar loop, their
//        compensations (O(u_d) of the total) by a plain sum: the
//        result errs by ≤ u_d·|total| + O(C·u_d²)·Σ|terms|, the bound the scalar kernel's
//        ordered_sum has (cross_entropy.hpp keeps its 2u_d for it).
#pragma once

#include "losses/cross_entropy/cross_entropy.hpp"
#include "simd/block_sum.hpp"
#include "simd/compensated_sum.hpp"
#include "simd/convert16.hpp"

#include <xsimd/xsimd.hpp>

#include <immintrin.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <bit>
#include <cstdlib>
#include <new>
#include <type_traits>

namespace lossbench::losses::ce_simd {

template <class Arch>
using dbatch = xsimd::batch<double, Arch>;

// Max of the lanes of v, which holds no NaN (callers keep NaN out, as the scalar kernel's
// `z > m` does), so the order of the lane maxima cannot matter.
template <class Arch, class T>
T hmax(const xsimd::batch<T, Arch>& v) noexcept {
  const auto r = v.data;
  constexpr bool f = std::is_same_v<T, float>;
  if constexpr (std::is_base_of_v<xsimd::avx512f, Arch>) {
    if constexpr (f)
      return _mm512_reduce_max_ps(r);
    else
      return _mm512_reduce_max_pd(r);
  } else if constexpr (std::is_base_of_v<xsimd::avx, Arch>) {
    if constexpr (f) {
      const __m128 x = _mm_max_ps(_mm256_castps256_ps128(r), _mm256_extractf128_ps(r, 1));
      const __m128 y = _mm_max_ps(x, _mm_movehl_ps(x, x));
      return _mm_cvtss_f32(_mm_max_ss(y, _mm_shuffle_ps(y, y, 1)));
    } else {
      const __m128d x = _mm_max_pd(_mm256_castpd256_pd128(r), _mm256_extractf128_pd(r, 1));
      return _mm_cvtsd_f64(_mm_max_sd(x, _mm_unpackhi_pd(x, x)));
    }
  } else {
    if constexpr (f) {
      const __m128 y = _mm_max_ps(r, _mm_movehl_ps(r, r));
      return _mm_cvtss_f32(_mm_max_ss(y, _mm_shuffle_ps(y, y, 1)));
    } else {
      return _mm_cvtsd_f64(_mm_max_sd(r, _mm_unpackhi_pd(r, r)));
    }
  }
}

// The problem's index_at and weight_of, restated here templated on Arch so that every ISA has its
// own copy (ODR: an inline non-Arch function shared by the ISA TUs may be linked from the widest).
template <class Arch, class S>
std::int64_t target_index(const cross_entropy_problem<S>& p, std::size_t row) noexcept {
  return p.index32 ? p.index32[row] : p.index64[row];
}

template <class Arch, class S>
double class_weight(const cross_entropy_problem<S>& p, std::size_t c) noexcept {
  return p.weight ? static_cast<double>(p.weight[c]) : 1.0;
}

// A per-thread f32 scratch of at least n floats, 64-byte aligned, grown to the largest n asked
// and kept: the 16-bit kernels hold e_c there between passes (the gradient row would round it).
// Owned by a class template on Arch, not a std::vector, so no library code is shared between
// the ISA objects.
template <class Arch>
struct scratch_row {
  float* data = nullptr;
  std::size_t size = 0;
  scratch_row() = default;
  scratch_row(const scratch_row&) = delete;
  scratch_row& operator=(const scratch_row&) = delete;
  ~scratch_row() { std::free(data); }
};

template <class Arch>
float* f32_scratch(std::size_t n) {
  thread_local scratch_row<Arch> row;
  if (row.size < n) {
    const std::size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
    auto* fresh = static_cast<float*>(std::aligned_alloc(64, bytes));
    if (!fresh) throw std::bad_alloc();
    std::free(row.data);
    row.data = fresh;
    row.size = bytes / sizeof(float);
  }
  return row.data;
}

// The lanes of x in double: two halves for float, x itself for double.
template <class Arch, class T>
auto widen_lanes(const xsimd::batch<T, Arch>& x) noexcept {
  if constexpr (std::is_same_v<T, double>) {
    return std::array<dbatch<Arch>, 1>{x};
  } else {
    const auto [lo, hi] = simd::block_sum<Arch, float>::widen(x);
    return std::array<dbatch<Arch>, 2>{lo, hi};
  }
}

// Σ of T batches in double lanes (see the header comment for the precision of each dtype).
template <class Arch, class T>
struct lane_sum {
  using D = dbatch<Arch>;
  D s = D(0.0), c = D(0.0);  // c: TwoSum compensation, f64 only

  void add_wide(const D& x) noexcept {
    if constexpr (std::is_same_v<T, double>) {
      simd::two_sum_add<Arch>(s, c, x);
    } else {
      s += x;
    }
  }
  void add(const xsimd::batch<T, Arch>& x) noexcept {
    if constexpr (std::is_same_v<T, double>) {
      add_wide(x);
    } else {
      const auto [lo, hi] = simd::block_sum<Arch, float>::widen(x);
      s += lo;
      s += hi;
    }
  }
  // Each lane's own sum (its compensation added for f64; ±inf or NaN lanes as they are, their
  // compensation being NaN): the row-per-lane kernel keeps one row in each lane.
  D lanes() const noexcept {
    if constexpr (std::is_same_v<T, double>)
      return xsimd::select((s - s) == D(0.0), s + c, s);
    else
      return s;
  }
  void merge(const lane_sum& o) noexcept {
    add_wide(o.s);
    c += o.c;
  }
  double total() const noexcept {
    if constexpr (std::is_same_v<T, float>) {
      return xsimd::hadd(s);
    } else {
      alignas(64) double sl[D::size];
      s.store_aligned(sl);
      simd::lane_total<Arch> t;
      for (std::size_t l = 0; l < D::size; ++l) t.add(sl[l]);
      if (!(t.sum - t.sum == 0)) return t.sum;  // ±inf or NaN: the compensations are NaN then
      // The compensations are O(u_d) of the total: a plain sum of them errs by O(u_d²).
      return t.sum + (t.comp + xsimd::hadd(c));
    }
  }
};

// Access to the last batch of a row, which has rem = C mod W live lanes. Where a whole batch
// from the tail's start stays inside the block's elements (limit), it is loaded directly (the
// lanes past the row belong to the next rows of the same block: masked out) and stored by
// blending into what is there; else it goes through a zero-padded buffer, so no access leaves
// the block (another thread may own the next block).
template <class Arch, class T>
struct row_tail {
  using V = xsimd::batch<T, Arch>;
  using M = xsimd::batch_bool<T, Arch>;
  static constexpr std::size_t W = V::size;
  std::size_t full, rem, limit;  // full = C − rem: elements before the tail; limit = block end
  M live;                        // lanes < rem

  row_tail(std::size_t classes, std::size_t block_end_element) noexcept
      : full(classes - classes % W), rem(classes % W), limit(block_end_element) {
    alignas(64) T iota[W];
    for (std::size_t l = 0; l < W; ++l) iota[l] = static_cast<T>(l);
    live = V::load_aligned(iota) < V(static_cast<T>(rem));
  }
  // The tail of the row starting at element `start` of `base` (logits, probabilities, grad; of
  // T or 16-bit storage S, widened exactly); dead lanes read as `fill`.
  template <class S>
  V load(const S* base, std::size_t start, T fill) const noexcept {
    const std::size_t at = start + full;
    if (at + W <= limit) return xsimd::select(live, simd::load_as<V>(base + at), V(fill));
    if constexpr (simd::is_16bit_v<S>) {
      alignas(64) S buf[W] = {};
      for (std::size_t l = 0; l < rem; ++l) buf[l] = base[at + l];
      return xsimd::select(live, simd::load_as<V>(buf), V(fill));
    } else {
      alignas(64) S buf[W];
      for (std::size_t l = 0; l < W; ++l) buf[l] = l < rem ? base[at + l] : fill;
      return V::load_aligned(buf);
    }
  }
  // Its live lanes stored (narrowed to S where S is 16-bit: one rounding).
  template <class S>
  void store(S* base, std::size_t start, const V& x) const noexcept {
    const std::size_t at = start + full;
    if (at + W <= limit) {
      simd::store_as(base + at, xsimd::select(live, x, simd::load_as<V>(base + at)));
      return;
    }
    alignas(64) S buf[W];
    if constexpr (simd::is_16bit_v<S>)
      simd::store_as(buf, x);
    else
      x.store_aligned(buf);
    for (std::size_t l = 0; l < rem; ++l) base[at + l] = buf[l];
  }
};

}  // namespace lossbench::losses::ce_simd
