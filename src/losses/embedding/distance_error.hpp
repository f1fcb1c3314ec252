// distance_error.hpp — first-order rounding-error bounds of row_distance.hpp's formulas computed
// in a dtype with unit roundoff u, evaluated in long double by the references. Every bound is in
// units of u (the accuracy_bound convention): |computed − exact| ≤ u·bound + O(u²).
//
// Derivation, for v_j = fl(fl(x_j − y_j) + eps) and d = ‖v‖_p accumulated left to right in T:
//   * v_j carries two roundings: |δv_j| ≤ u(|x_j − y_j| + |v_j|); it moves d by |∂d/∂v_j|·|δv_j|.
//   * the sum of D non-negative terms has relative error ≤ (D − 1)u, plus each term's own. That
//     holds for every summation order (the SIMD kernels sum in vector lanes, then a horizontal
//     tree): a term passes through at most D − 1 inexact additions on any tree of D leaves, and
//     adding a lane's initial 0 is exact. FMA (v·v + s) only removes the product's rounding.
//       p = 2: v² one rounding, √ one rounding        → d·(D/2 + 1)
//       p = 1: |v| exact                             → d·D
//       general p: t = |v|^p by std::pow (≤ 1 ulp = 2u) in the scalar kernel and in double SIMD
//       lanes, in double lanes for float SIMD (≤ ½ ulp + 2^-9 ulp: simd/pow_in_double.hpp,
//       through row_distance_simd.hpp's pow_abs). The bound below was derived for exp(p·log|v|)
//       in T itself — log ≤ 0.85 ulp ≤ 1.7u·|ln|v||, scaled by |p|, the product p·log rounds
//       (u|ln t|), exp adds ≤ 3.5 ulp = 7u — t_j carries ≤ u(3|ln t_j| + 7); it covers both.
//       The root S^(1/p) divides S's relative error by |p| and is exp(fl(1/p)·log S): 1/p's
//       rounding (u|ln d|), log (1.7u|ln d|), the product (u|ln d|), exp (7u) → d·(4|ln d| + 7).
//       Total d·((Σ_j t_j(3|ln t_j| + 7) + (D − 1)S)/(|p|S) + 4|ln d| + 7).
//       p = 0 (a count) and p = ±inf (max/min of exact |v|) add nothing.
//   * ∂d/∂v_j = sgn(v)(|v|/d)^(p−1): the ratio carries δv_j/|v_j| + E_d/d + 1 (the division),
//     raised to p − 1 that is multiplied by |p − 1|, and pow adds (general p only, as exp(log),
//     the same argument as for t_j above with g = (|v|/d)^(p−1)) 3|ln g| + 7.
//     p = 1: sgn(v) is exact unless v_j is within its rounding of 0, where it may flip (jump of
//     1, covered with 1/u). Not covered: for p = ±inf, two elements within rounding of the
//     maximum may swap which one takes the gradient (the generator never asks for p = ±inf).
#pragma once

#include "losses/embedding/row_distance.hpp"

#include <cmath>
#include <cstddef>

namespace lossbench::losses::embedding {

using real_ref = long double;

// E_d: the bound on |fl(d) − d| in units of u.
inline real_ref distance_error(const real_ref* x, const real_ref* y, std::size_t dim, real_ref eps,
                               const p_norm<real_ref>& n, const row_norm<real_ref>& r) {
  real_ref propagated = 0, pow_terms = 0, S = 0;  // pow_terms: Σ t_j(3|ln t_j| + 7), S = Σ t_j (general p)
  for (std::size_t j = 0; j < dim; ++j) {
    const real_ref v = (x[j] - y[j]) + eps;
    propagated += std::fabs(distance_derivative(v, r, n)) * (std::fabs(x[j] - y[j]) + std::fabs(v));
    if (n.kind == norm_kind::general) {
      const real_ref t = std::pow(std::fabs(v), n.p);
      S += t;
      if (t > 0 && std::isfinite(t)) pow_terms += t * (3 * std::fabs(std::log(t)) + 7);
    }
  }
  const real_ref D = static_cast<real_ref>(dim), d = r.d;
  switch (n.kind) {
    case norm_kind::two:
      return propagated + d * (D / 2 + 1);
    case norm_kind::one:
      return propagated + d * D;
    case norm_kind::general:
      if (!(d > 0) || !(S > 0)) return propagated;
      return propagated + d * ((pow_terms / S + (D - 1)) / std::fabs(n.p) + 4 * std::fabs(std::log(d)) + 7);
    default:
      return propagated;
  }
}

// The bound on |fl(∂d/∂v_j) − ∂d/∂v_j| in units of u, given E_d = distance_error(...).
inline real_ref derivative_error(real_ref x, real_ref y, real_ref eps, const p_norm<real_ref>& n,
                                 const row_norm<real_ref>& r, real_ref dist_error, real_ref u) {
  const real_ref v = (x - y) + eps;
  const real_ref dv = std::fabs(x - y) + std::fabs(v);
  if (n.kind == norm_kind::one) return std::fabs(v) <= 2 * u * dv ? 1 / u : 0;
  if (n.kind != norm_kind::two && n.kind != norm_kind::general) return 0;
  const real_ref g = std::fabs(distance_derivative(v, r, n));
  if (g == 0) return 0;
  const real_ref ratio_error = dv / std::fabs(v) + dist_error / r.d + 1;
  return g *
         (std::fabs(n.p_minus_1) * ratio_error + (n.kind == norm_kind::general ? 3 * std::fabs(std::log(g)) + 7 : 0));
}

}  // namespace lossbench::losses::embedding
