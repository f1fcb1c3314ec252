// triplet_simd.hpp — the triplet SIMD block kernel (triplet_row.hpp's formulas on xsimd batches).
// Per row, two passes over the row's D elements, both vectorised along D:
//   1. the distances d(a,p), d(a,n) (and d(p,n) with swap) in one pass that loads a, p, n once
//      (embedding/row_distance_simd.hpp; two accumulators per distance, masked vector tail);
//   2. where the row is active, the three gradient rows in one pass (v recomputed: it is the same
//      rounding of the same operands, cheaper than storing it).
// The negative-distance choice, the clamp and the swap ties are triplet_choose, shared with the
// scalar kernel. p = 2 folds v/d and the scale into one coefficient per distance, c = w·scale/d
// (one division per row, then one product per element: the same number of roundings as the
// scalar v/d·scale, see distance_error.hpp); the other norms use the scalar kernel's expression.
// Row losses are summed in double as in the scalar kernel. Rows stored as S = bf16/f16 run the f32
// kernel on the elements widened as they are loaded; each gradient element and row loss is
// rounded once to S as it is stored. Include only from isa/instantiate.hpp.
#pragma once

#include "losses/embedding/row_distance_simd.hpp"
#include "losses/triplet/triplet.hpp"
#include "simd/convert16.hpp"

#include <xsimd/xsimd.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace lossbench::losses {
namespace triplet_simd {

using embedding::norm_kind;

template <class Arch, class S>
struct row_pointers {
  const S *a, *p, *n;
  S *ga, *gp, *gn;  // each may be null
};

// Pass 2 for an active row; AN / PN: whether d(a,n) / d(p,n) carry weight in the negative distance
// (branches, not multiplications by a zero weight: 0·NaN would invent NaNs, as in the scalar kernel).
template <norm_kind K, bool AN, bool PN, class Arch, class S, class T>
void gradient_row(const row_pointers<Arch, S>& x, std::size_t dim, const triplet_coeffs<T>& k, const triplet_row<T>& r,
                  T scale) {
  using L = embedding::simd_rows::lanes<Arch, T>;
  using V = typename L::V;
  const V e(k.eps), s(scale), w_an(r.w_an), w_pn(r.w_pn), zero(T(0));
  auto coef = [&](const embedding::row_norm<T>& d, T w) { return d.d == 0 ? T(0) : (w * scale) / d.d; };
  const T c[3] = {coef(r.ap, 1), coef(r.an, r.w_an), coef(r.pn, r.w_pn)};
  // p = 2 folds w·scale/d into one coefficient, unless it leaves the normal range (d subnormal or
  // huge): then v/d is divided per element as in the scalar kernel.
  auto normal = [](T x) {
    return x == 0 || (std::fabs(x) >= std::numeric_limits<T>::min() && std::fabs(x) <= std::numeric_limits<T>::max());
  };
  const bool folded = K == norm_kind::two && normal(c[0]) && (!AN || normal(c[1])) && (!PN || normal(c[2]));
  const V c_ap(c[0]), c_an(c[1]), c_pn(c[2]);
  // One batch of the three gradient rows from one batch of a, p, n.
  auto batch = [&](const V& a, const V& p, const V& n, V& ga, V& gp, V& gn) {
    const V v_ap = (a - p) + e;
    if (folded) {
      const V t_ap = v_ap * c_ap;
      const V t_an = AN ? ((a - n) + e) * c_an : zero;
      const V t_pn = PN ? ((p - n) + e) * c_pn : zero;
      ga = t_ap - t_an;
      gp = -t_ap - t_pn;
      gn = t_an + t_pn;
    } else {
      using embedding::simd_rows::derivative;
      const V g_ap = derivative<K, Arch, T>(v_ap, r.ap, k.norm);
      const V g_an = AN ? w_an * derivative<K, Arch, T>((a - n) + e, r.an, k.norm) : zero;
      const V g_pn = PN ? w_pn * derivative<K, Arch, T>((p - n) + e, r.pn, k.norm) : zero;
      ga = (g_ap - g_an) * s;
      gp = (-g_ap - g_pn) * s;
      gn = (g_an + g_pn) * s;
    }
  };
  std::size_t j = 0;
  V ga, gp, gn;
  for (; j + L::W <= dim; j += L::W) {
    batch(simd::load_as<V>(x.a + j), simd::load_as<V>(x.p + j), simd::load_as<V>(x.n + j), ga, gp, gn);
    if (x.ga) simd::store_as(x.ga + j, ga);
    if (x.gp) simd::store_as(x.gp + j, gp);
    if (x.gn) simd::store_as(x.gn + j, gn);
  }
  if (j < dim) {
    const std::size_t rem = dim - j;
    batch(L::load_part(x.a + j, rem), L::load_part(x.p + j, rem), L::load_part(x.n + j, rem), ga, gp, gn);
    if (x.ga) L::store_part(x.ga + j, ga, rem);
    if (x.gp) L::store_part(x.gp + j, gp, rem);
    if (x.gn) L::store_part(x.gn + j, gn, rem);
  }
}

// +0 in S (all bits 0 for every storage type).
template <class Arch, class S>
void zero_row(S* g, std::size_t dim) {
  if (g)
    for (std::size_t j = 0; j < dim; ++j) g[j] = S{};
}

template <norm_kind K, class Arch, class S, class T>
void gradient(const row_pointers<Arch, S>& x, std::size_t dim, const triplet_coeffs<T>& k, const triplet_row<T>& r,
              T scale) {
  if (!r.active) {
    zero_row<Arch>(x.ga, dim), zero_row<Arch>(x.gp, dim), zero_row<Arch>(x.gn, dim);
  } else if (r.w_pn == 0) {
    gradient_row<K, true, false>(x, dim, k, r, scale);
  } else if (r.w_an == 0) {
    gradient_row<K, false, true>(x, dim, k, r, scale);
  } else {
    gradient_row<K, true, true>(x, dim, k, r, scale);
  }
}

// Rows go in groups of rows_per_group: first the group's distances, then each row's loss, then
// the gradients. Row by row, a row's gradient pass waits for its distances (sums, horizontal adds,
// roots) and holds up the next row's loads; grouped, the distance passes are independent chains
// the CPU overlaps, and the gradient passes find their coefficients ready (as contrastive_simd.hpp).
template <norm_kind K, class Arch, class S>
double block(const triplet_formula::problem<S>& p, std::size_t b, std::size_t e) {
  using T = core::compute_t<S>;
  using embedding::simd_rows::distances;
  constexpr std::size_t rows_per_group = 8;
  const std::size_t dim = p.dim;
  using enum triplet_formula::row_input;
  const bool grad = p.wants_grad();
  auto pointers = [&](std::size_t i) {
    return row_pointers<Arch, S>{p.row(anchor, i),      p.row(positive, i),      p.row(negative, i),
                                 p.grad_row(anchor, i), p.grad_row(positive, i), p.grad_row(negative, i)};
  };
  const auto range = embedding::plain_range_of<T, Arch>(dim, p.k.norm);
  const T norm_lower = embedding::norm_lower_of<T, Arch>(range, p.k.norm);
  core::ordered_sum acc;  // compensated: one large row loss must not absorb the small ones
  for (std::size_t g = b; g < e; g += rows_per_group) {
    const std::size_t rows = std::min(rows_per_group, e - g);
    std::array<triplet_row<T>, rows_per_group> r;
    embedding::sum_extremes<T, Arch> sums;
    for (std::size_t k = 0; k < rows; ++k) {
      const S *a = p.row(anchor, g + k), *pos = p.row(positive, g + k), *neg = p.row(negative, g + k);
      if (p.k.swap) {
        std::array<embedding::row_norm<T>, 3> d;
        distances<K, 3, Arch, T, S>({a, a, pos}, {pos, neg, neg}, dim, p.k.eps, p.k.norm, sums, d);
        r[k].ap = d[0], r[k].an = d[1], r[k].pn = d[2];
      } else {
        std::array<embedding::row_norm<T>, 2> d;
        distances<K, 2, Arch, T, S>({a, a}, {pos, neg}, dim, p.k.eps, p.k.norm, sums, d);
        r[k].ap = d[0], r[k].an = d[1];
      }
    }
    if (__builtin_expect(sums.outside(range), 0))  // rare: embedding/rescaled_norm.hpp
      for (std::size_t k = 0; k < rows; ++k) {
        const S *a = p.row(anchor, g + k), *pos = p.row(positive, g + k), *neg = p.row(negative, g + k);
        auto rescue = [&](embedding::row_norm<T>& d, const S* x, const S* y) {
          if (embedding::norm_outside<T, Arch>(d.d, range, norm_lower))
            d.d = embedding::rescaled_norm(x, y, dim, p.k.eps, p.k.norm);
        };
        rescue(r[k].ap, a, pos);
        rescue(r[k].an, a, neg);
        if (p.k.swap) rescue(r[k].pn, pos, neg);
      }
    for (std::size_t k = 0; k < rows; ++k) {
      triplet_choose<T, Arch>(r[k], p.k);
      if (p.losses) p.losses[g + k] = S(r[k].loss);  // 16 bits: rounded once
      acc.add(r[k].loss);
    }
    if (grad)
      for (std::size_t k = 0; k < rows; ++k) gradient<K>(pointers(g + k), dim, p.k, r[k], p.grad_scale);
  }
  return acc.value();
}

}  // namespace triplet_simd

template <class Arch, class S>
double triplet_formula::simd_block(const problem<S>& p, std::size_t b, std::size_t e) {
  using embedding::norm_kind;
  using triplet_simd::block;
  switch (p.k.norm.kind) {
    case norm_kind::two:
      return block<norm_kind::two, Arch>(p, b, e);
    case norm_kind::one:
      return block<norm_kind::one, Arch>(p, b, e);
    case norm_kind::general:
      return block<norm_kind::general, Arch>(p, b, e);
    case norm_kind::count_nonzero:
      return block<norm_kind::count_nonzero, Arch>(p, b, e);
    case norm_kind::max_abs:
      return block<norm_kind::max_abs, Arch>(p, b, e);
    case norm_kind::min_abs:
      return block<norm_kind::min_abs, Arch>(p, b, e);
  }
  return 0;
}

}  // namespace lossbench::losses
