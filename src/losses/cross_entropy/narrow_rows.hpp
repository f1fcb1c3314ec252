// narrow_rows.hpp — cross_entropy's SIMD kernel for narrow rows (C ≤ narrow_classes, class-index
// targets without label smoothing): the lanes hold W rows, not W classes of one row.
//
// Why: at C = 10 a row fills less than one AVX-512 batch, and the row-wise kernel
// (cross_entropy_simd.hpp) pays per row a masked tail load, a horizontal max, a horizontal sum and
// scalar fix-ups: ~90 cycles for 10 exponentials. Here a group of W consecutive rows (contiguous
// in memory) is transposed into a [C][W] tile on the stack with plain moves, and the max, exp,
// sum, log and gradient run down the tile, one batch per class, with no horizontal operation;
// the gradient tile is transposed back.
//
// Per row the arithmetic is the row-wise kernel's (point mode): m = max_c z_c by `z > m` (NaN
// kept out); e_c = math::exp(z_c − m) in T; s = Σ_c e_c in double lanes (f32: widened, plain
// adds; f64: TwoSum per lane and its compensation), so simd_row.hpp's precision notes hold;
// ℓ = a·(m − z_t) + a·log s with a = w_t; ratio = a/s; g_c = e_c·(T)(scale·ratio) and the target
// class by the scalar kernel's double formula. Ignored rows and the dead lanes of a last, short
// group read logits 0 (finite, so nothing NaN leaks into the sums) and weigh 0: loss 0, gradient 0.
// 16-bit storage is widened into the f32 tile and each result narrowed once as it is stored; e_c
// stays in the tile, so nothing is rounded between the passes.
// Include only from the ISA translation units (isa/instantiate.hpp).
#pragma once

#include "losses/cross_entropy/cross_entropy.hpp"
#include "losses/cross_entropy/simd_row.hpp"
#include "simd/convert16.hpp"
#include "simd/math.hpp"

#include <xsimd/xsimd.hpp>

#include <array>
#include <cstddef>
#include <limits>

namespace lossbench::losses::ce_simd {

// The widest rows the tile takes. Measured (f32 and f64, 32K elements, value and value+grad),
// time of the row-wise kernel ÷ this one: C = 4: 1.0–5.0×; C = 10: 1.1–2.5×; C = 24: 1.0–1.5×;
// at C = 32 level on AVX-512 f32 (1.02×, 0.94×), 1.0–1.3× elsewhere: the row-wise kernel from 32.
inline constexpr std::size_t narrow_classes = 31;

template <class Arch, class S, bool Grad>
struct narrow_kernel {
  using T = core::compute_t<S>;
  using V = xsimd::batch<T, Arch>;
  using D = dbatch<Arch>;
  static constexpr std::size_t W = V::size, WD = D::size, halves = W / WD;

  const cross_entropy_problem<S>& p;

  double run(std::size_t begin, std::size_t end) const {
    const std::size_t C = p.classes;
    lane_sum<Arch, double> total;
    alignas(64) T tile[narrow_classes * W];
    alignas(64) T z_target[W], e_target[W], k[W];
    alignas(64) double a[W], loss[W], ratio[W];
    std::size_t target[W];
    bool counted[W];
    for (std::size_t row0 = begin; row0 < end; row0 += W) {
      const std::size_t n = end - row0 < W ? end - row0 : W;
      // The tile, and each lane's target and weight (0 for ignored rows and dead lanes).
      for (std::size_t l = 0; l < W; ++l) {
        const std::int64_t t = l < n ? target_index<Arch>(p, row0 + l) : p.ignore_index;
        counted[l] = t != p.ignore_index;
        const S* z = p.logits + (row0 + l) * C;
        if constexpr (simd::is_16bit_v<S>) {
          alignas(64) T row[narrow_classes];
          if (counted[l]) simd::widen_array<Arch>(z, row, C);
          for (std::size_t c = 0; c < C; ++c) tile[c * W + l] = counted[l] ? row[c] : T(0);
        } else {
          for (std::size_t c = 0; c < C; ++c) tile[c * W + l] = counted[l] ? z[c] : T(0);
        }
        target[l] = counted[l] ? static_cast<std::size_t>(t) : 0;
        a[l] = counted[l] ? class_weight<Arch>(p, target[l]) : 0.0;
        z_target[l] = tile[target[l] * W + l];
      }
      V m(-std::numeric_limits<T>::infinity());
      for (std::size_t c = 0; c < C; ++c) {
        const V x = V::load_aligned(tile + c * W);
        m = xsimd::select(x > m, x, m);
      }
      std::array<lane_sum<Arch, T>, halves> s;  // lane l of s[h]: row h·WD + l
      for (std::size_t c = 0; c < C; ++c) {
        const V e = math::exp(V::load_aligned(tile + c * W) - m);
        if constexpr (Grad) e.store_aligned(tile + c * W);
        const auto eh = widen_lanes<Arch, T>(e);
        for (std::size_t h = 0; h < halves; ++h) s[h].add_wide(eh[h]);
      }
      const auto shift = widen_lanes<Arch, T>(V::load_aligned(z_target) - m);  // z_t − m in T, as the row-wise kernel
      for (std::size_t h = 0; h < halves; ++h) {
        const D av = D::load_aligned(a + h * WD), sv = s[h].lanes();
        const D lv = av * -shift[h] + av * math::log(sv);
        lv.store_aligned(loss + h * WD);
        (av / sv).store_aligned(ratio + h * WD);
        total.add_wide(lv);
      }
      if (p.losses)
        for (std::size_t l = 0; l < n; ++l) p.losses[row0 + l] = stored(loss[l]);
      if constexpr (Grad) write_gradient(row0, n, tile, target, counted, a, ratio, e_target, k);
    }
    return total.total();
  }

  void write_gradient(std::size_t row0, std::size_t n, T* tile, const std::size_t* target, const bool* counted,
                      const double* a, const double* ratio, T* e_target, T* k) const {
    const std::size_t C = p.classes;
    const double scale = p.grad_scale;
    for (std::size_t l = 0; l < W; ++l) {
      e_target[l] = tile[target[l] * W + l];
      k[l] = static_cast<T>(scale * ratio[l]);
    }
    const V kv = V::load_aligned(k);
    for (std::size_t c = 0; c < C; ++c) (V::load_aligned(tile + c * W) * kv).store_aligned(tile + c * W);
    for (std::size_t l = 0; l < n; ++l) {
      S* g = p.grad + (row0 + l) * C;
      if (!counted[l]) {  // 0 even where scale is NaN (mean over no counted row), as torch
        for (std::size_t c = 0; c < C; ++c) g[c] = S{};
        continue;
      }
      if constexpr (simd::is_16bit_v<S>) {
        alignas(64) T row[narrow_classes];
        for (std::size_t c = 0; c < C; ++c) row[c] = tile[c * W + l];
        simd::narrow_array<Arch>(row, g, C);
      } else {
        for (std::size_t c = 0; c < C; ++c) g[c] = tile[c * W + l];
      }
      g[target[l]] = stored(scale * (static_cast<double>(e_target[l]) * ratio[l] - a[l]));
    }
  }

  // A double result in the storage type: one rounding (16 bits: straight from double).
  static S stored(double x) noexcept {
    if constexpr (simd::is_16bit_v<S>)
      return S(x);
    else
      return static_cast<T>(x);
  }
};

}  // namespace lossbench::losses::ce_simd
