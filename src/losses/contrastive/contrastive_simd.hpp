// contrastive_simd.hpp — the contrastive SIMD block kernel (contrastive_row.hpp's formulas on
// xsimd batches). Per row: S = Σ (x1 − x2)² vectorised along D (embedding/row_distance_simd.hpp:
// two FMA accumulators, masked vector tail), contrastive_finish (shared with the scalar kernel)
// for the loss and the coefficient c, then one pass writing scale·c·(x1 − x2) and its negative —
// the scalar kernel's operations in the same order, so the same error bound. Row losses are
// summed in double as in the scalar kernel. Rows stored as S = bf16/f16 run the f32 kernel on the
// elements widened as they are loaded; each gradient element and row loss is rounded once to S as
// it is stored. Include only from isa/instantiate.hpp.
#pragma once

#include "losses/contrastive/contrastive.hpp"
#include "losses/embedding/row_distance_simd.hpp"
#include "simd/convert16.hpp"

#include <xsimd/xsimd.hpp>

#include <algorithm>
#include <array>
#include <cstdint>

namespace lossbench::losses {
namespace contrastive_simd {

// g1 = c·(x1 − x2), g2 = −g1 (each may be null), computed in T, stored as S.
template <class Arch, class S, class T>
void gradient_row(const S* x1, const S* x2, std::size_t dim, T c, S* g1, S* g2) {
  using L = embedding::simd_rows::lanes<Arch, T>;
  using V = typename L::V;
  const V cv(c);
  std::size_t j = 0;
  for (; j + L::W <= dim; j += L::W) {
    const V g = cv * (simd::load_as<V>(x1 + j) - simd::load_as<V>(x2 + j));
    if (g1) simd::store_as(g1 + j, g);
    if (g2) simd::store_as(g2 + j, V(-g));
  }
  if (j < dim) {
    const std::size_t rem = dim - j;
    const V g = cv * (L::load_part(x1 + j, rem) - L::load_part(x2 + j, rem));
    if (g1) L::store_part(g1 + j, g, rem);
    if (g2) L::store_part(g2 + j, V(-g), rem);
  }
}

}  // namespace contrastive_simd

// Rows go in groups of rows_per_group, in three steps: the squared distances, then each row's loss
// and coefficient, then the gradients. Row by row, the gradient pass waits ~70 cycles for its
// coefficient (sum, horizontal add, sqrt, divide) and stalls the stores behind it; grouped, the
// group's sums are independent chains the CPU overlaps, and the gradient passes find their
// coefficients ready and their rows still in L1 (8 rows of D = 128 f32: 8 KiB).
template <class Arch, class S>
double contrastive_formula::simd_block(const problem<S>& p, std::size_t b, std::size_t e) {
  using T = core::compute_t<S>;
  constexpr std::size_t rows_per_group = 8;
  const bool grad = p.wants_grad();
  const auto range = embedding::plain_range_of<T, Arch>(p.dim, embedding::p_norm<T>{});
  core::ordered_sum acc;  // compensated: one large row loss must not absorb the small ones
  for (std::size_t g = b; g < e; g += rows_per_group) {
    const std::size_t rows = std::min(rows_per_group, e - g);
    std::array<contrastive_row<T>, rows_per_group> r;
    embedding::sum_extremes<T, Arch> sums;
    for (std::size_t k = 0; k < rows; ++k) {
      r[k].squared = {
          embedding::simd_rows::plain_squared_distance<Arch, T, S>(p.row(x1, g + k), p.row(x2, g + k), p.dim), 0};
      sums.add(r[k].squared.scaled);
    }
    if (__builtin_expect(sums.outside(range), 0))  // rare: embedding/rescaled_norm.hpp
      for (std::size_t k = 0; k < rows; ++k)
        if (embedding::outside<T, Arch>(r[k].squared.scaled, range))
          r[k].squared =
              embedding::rescaled_power_sum(p.row(x1, g + k), p.row(x2, g + k), p.dim, T(0), embedding::p_norm<T>{});
    for (std::size_t k = 0; k < rows; ++k) {
      contrastive_finish<T, Arch>(r[k], is_similar<Arch>(p.k.target, p.k.target_type, g + k), p.k.margin);
      if (p.losses) p.losses[g + k] = S(r[k].loss);  // 16 bits: rounded once
      acc.add(r[k].loss);
    }
    if (grad)
      for (std::size_t k = 0; k < rows; ++k)
        contrastive_simd::gradient_row<Arch, S, T>(p.row(x1, g + k), p.row(x2, g + k), p.dim, r[k].coef * p.grad_scale,
                                                   p.grad_row(x1, g + k), p.grad_row(x2, g + k));
  }
  return acc.value();
}

}  // namespace lossbench::losses
