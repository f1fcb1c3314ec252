// contrastive_row.hpp — one row of the contrastive loss (Hadsell, Chopra, LeCun 2006; torch has no
// counterpart: it matches the composed expression 0.5*(y*d**2 + (1-y)*clamp(margin-d, min=0)**2),
// d = (x1-x2).norm(dim=1), and its autograd gradient). Templates shared by the scalar kernel
// (float/double) and the reference (long double).
//   similar (y = 1):     ℓ = ½ S,            S = Σ_j (x1_j − x2_j)²     ∂ℓ/∂x1 = x1 − x2
//   dissimilar (y = 0):  ℓ = ½ max(0, m − d)², d = √S                 ∂ℓ/∂x1 = −max(0, m − d)(x1 − x2)/d,
//                        0 where d = 0 (torch's norm backward masks it)
//   ∂ℓ/∂x2 = −∂ℓ/∂x1. The similar branch uses S directly: no square root to round and undo.
// S comes as scaled·4^e (embedding/rescaled_norm.hpp): where Σv² overflows or underflows, d is
// still finite and exact to rounding, and ½S rounds once.
#pragma once

#include "losses/embedding/row_distance.hpp"

#include <cmath>
#include <cstddef>

namespace lossbench::losses {

template <class T>
struct contrastive_row {
  embedding::power_sum<T> squared;  // S = squared.scaled·4^squared.exponent
  T d = 0;                          // √S (dissimilar rows only)
  T hinge = 0;                      // max(0, m − d), NaN kept (dissimilar rows only)
  T loss = 0;
  T coef = 0;  // ∂ℓ/∂x1 = coef·(x1 − x2)
};

// Given r.squared: the row's loss and gradient coefficient. `Tag` keeps each SIMD ISA's
// instantiation a distinct symbol (ODR: isa/instantiate.hpp).
template <class T, class Tag = void>
void contrastive_finish(contrastive_row<T>& r, bool similar, T margin) {
  if (similar) {
    const auto& S = r.squared;
    r.loss = S.exponent == 0 ? T(0.5) * S.scaled : std::ldexp(S.scaled, 2 * S.exponent - 1);
    r.coef = 1;
    return;
  }
  const T root = std::sqrt(r.squared.scaled);
  r.d = r.squared.exponent == 0 ? root : std::ldexp(root, r.squared.exponent);
  const T h = margin - r.d;
  r.hinge = h < 0 ? T(0) : h;  // not std::max: NaN must stay NaN
  r.loss = T(0.5) * r.hinge * r.hinge;
  r.coef = (r.d == 0 || r.hinge == 0) ? T(0) : -(r.hinge / r.d);
}

// The rows are stored as S (T itself, or bf16/f16 for T = float, read widened exactly).
template <class S, class T>
contrastive_row<T> contrastive_forward(const S* x1, const S* x2, std::size_t dim, bool similar, T margin) {
  contrastive_row<T> r;
  r.squared = embedding::squared_distance<T>(x1, x2, dim);
  contrastive_finish(r, similar, margin);
  return r;
}

// Writes scale·∂ℓ/∂x1 and scale·∂ℓ/∂x2 for the row into whichever of g1, g2 is non-null, each
// element computed in T and stored as S (for 16 bits: rounded once).
template <class S, class T>
void contrastive_backward(const S* x1, const S* x2, std::size_t dim, const contrastive_row<T>& r, T scale, S* g1,
                          S* g2) {
  const T c = r.coef * scale;
  // One loop per set of wanted gradients: a test inside the loop keeps the compiler from vectorising it.
  auto each = [&](auto write) {
    for (std::size_t j = 0; j < dim; ++j) write(j, c * (T(x1[j]) - T(x2[j])));
  };
  if (g1 && g2)
    each([&](std::size_t j, T g) { g1[j] = S(g), g2[j] = S(-g); });
  else if (g1)
    each([&](std::size_t j, T g) { g1[j] = S(g); });
  else if (g2)
    each([&](std::size_t j, T g) { g2[j] = S(-g); });
}

}  // namespace lossbench::losses
