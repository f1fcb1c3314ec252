// triplet_row.hpp — one row of torch.nn.functional.triplet_margin_loss (1.13), forward and
// backward, as templates shared by the scalar kernel (float/double) and the reference (long double).
//
//   d(x, y) = ‖x − y + eps‖_p                       (pairwise_distance, row_distance.hpp)
//   d_neg   = d(a, n), or with swap min(d(a, n), d(p, n))   (torch.minimum: ties split ½/½, NaN wins)
//   ℓ       = max(0, margin + d(a, p) − d_neg)       NaN propagates
//   ∂ℓ/∂a = ∇d(a,p) − w_an∇d(a,n);  ∂ℓ/∂p = −∇d(a,p) − w_pn∇d(p,n);  ∂ℓ/∂n = w_an∇d(a,n) + w_pn∇d(p,n)
//   where the row is active (margin + d(a,p) − d_neg ≥ 0: clamp_min's backward passes the gradient
//   at exactly 0), else 0. ∇d is ∂d/∂v of row_distance.hpp (0 where the norm is 0).
#pragma once

#include "core/checks.hpp"
#include "losses/embedding/row_distance.hpp"

#include <cstddef>

namespace lossbench::losses {

template <class T>
struct triplet_coeffs {
  T margin = 1;
  T eps = T(1e-6);
  embedding::p_norm<T> norm;
  bool swap = false;
};

template <class T>
triplet_coeffs<T> triplet_coefficients(const triplet_params& p) {
  return {static_cast<T>(p.margin), static_cast<T>(p.eps), embedding::make_p_norm<T>(p.p), p.swap};
}

template <class T>
struct triplet_row {
  embedding::row_norm<T> ap, an, pn;
  T w_an = 1, w_pn = 0;  // weights of d(a,n) and d(p,n) in d_neg
  T raw = 0;             // margin + d(a,p) − d_neg, before the clamp
  T loss = 0;
  bool active = false;  // the clamp passes the gradient
};

// Given r.ap, r.an (and r.pn with swap): picks the negative distance and applies the clamp.
// `Tag` keeps each SIMD ISA's instantiation a distinct symbol (ODR: isa/instantiate.hpp).
template <class T, class Tag = void>
void triplet_choose(triplet_row<T>& r, const triplet_coeffs<T>& k) {
  T neg = r.an.d;
  if (k.swap) {
    if (r.pn.d < r.an.d) {
      neg = r.pn.d;
      r.w_an = 0;
      r.w_pn = 1;
    } else if (r.pn.d == r.an.d) {
      r.w_an = r.w_pn = T(0.5);
    } else if (r.pn.d != r.pn.d)
      neg = r.pn.d;  // torch.minimum propagates NaN
  }
  r.raw = (k.margin + r.ap.d) - neg;
  // clamp_min's backward passes the gradient where raw ≥ 0, so a NaN margin with finite distances
  // gives 0 as in torch; a NaN distance (NaN inputs) stays active: torch's 0·∇d is NaN there too.
  r.active = r.raw >= 0 || (r.raw != r.raw && (r.ap.d != r.ap.d || neg != neg));
  r.loss = r.raw < 0 ? T(0) : r.raw;  // not std::max: NaN must stay NaN
}

// The rows are stored as S (T itself, or bf16/f16 for T = float, read widened exactly).
template <class S, class T>
triplet_row<T> triplet_forward(const S* a, const S* p, const S* n, std::size_t dim, const triplet_coeffs<T>& k) {
  triplet_row<T> r;
  r.ap = embedding::row_distance(a, p, dim, k.eps, k.norm);
  r.an = embedding::row_distance(a, n, dim, k.eps, k.norm);
  if (k.swap) r.pn = embedding::row_distance(p, n, dim, k.eps, k.norm);
  triplet_choose(r, k);
  return r;
}

// Writes scale·∂ℓ/∂{a,p,n} for the row into whichever of ga, gp, gn is non-null, each element
// computed in T and stored as S (for 16 bits: rounded once).
template <class S, class T>
void triplet_backward(const S* a, const S* p, const S* n, std::size_t dim, const triplet_coeffs<T>& k,
                      const triplet_row<T>& r, T scale, S* ga, S* gp, S* gn) {
  if (!r.active) {
    for (std::size_t j = 0; j < dim; ++j) {
      if (ga) ga[j] = S(T(0));
      if (gp) gp[j] = S(T(0));
      if (gn) gn[j] = S(T(0));
    }
    return;
  }
  for (std::size_t j = 0; j < dim; ++j) {
    const T aj = T(a[j]), pj = T(p[j]), nj = T(n[j]);
    const T g_ap = embedding::distance_derivative((aj - pj) + k.eps, r.ap, k.norm);
    // Branches, not multiplications by a zero weight: 0·NaN would invent NaNs torch does not have.
    const T g_an = r.w_an != 0 ? r.w_an * embedding::distance_derivative((aj - nj) + k.eps, r.an, k.norm) : T(0);
    const T g_pn = r.w_pn != 0 ? r.w_pn * embedding::distance_derivative((pj - nj) + k.eps, r.pn, k.norm) : T(0);
    if (ga) ga[j] = S((g_ap - g_an) * scale);
    if (gp) gp[j] = S((-g_ap - g_pn) * scale);
    if (gn) gn[j] = S((g_an + g_pn) * scale);
  }
}

}  // namespace lossbench::losses
