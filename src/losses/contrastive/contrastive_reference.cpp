// contrastive_reference.cpp — the contrastive loss in long double (contrastive_row.hpp's
// formulas), with the per-row first-order error magnitudes the kernels are held to, in units of u:
//   v_j = fl(x1_j − x2_j): 1 rounding;  S: each v² carries 2 (from v) + 1 (product), the sum D − 1
//   more → E_S = S(D + 2);  d = √S halves S's relative error and rounds once: E_d = d((D + 2)/2 + 1);
//   similar:    ℓ = ½S (×½ exact)                  → ½E_S;      grad s·v_j: v, s = fl(1/B), product → 3s|v_j|
//   dissimilar: h = fl(m − d): E_h = E_d + |h|;  ℓ = ½h²: 2·½|h|·E_h + ½h² (product), and near the
//               clamp a computed h of up to E_h·u squares to E_h²u² (the (|h| + E_h u) term);
//               grad s·h·v_j/d: relative E_h/|h| + E_d/d + 5 (division, v, s, two products).
#include "core/reference_math.hpp"
#include "losses/contrastive/contrastive.hpp"

#include <cmath>

namespace lossbench::losses {

namespace {
using R = core::real_ref;
}  // namespace

R contrastive_formula::reference_row(const reference_rows& in, const coeffs<R>& k, std::size_t i,
                                     reference_result& res) {
  const std::size_t o = i * in.dim;
  const R* v1 = in.row(x1, i);
  const R* v2 = in.row(x2, i);
  const bool similar = is_similar(k.target, k.target_type, i);
  const auto r = contrastive_forward(v1, v2, in.dim, similar, k.margin);
  contrastive_backward(v1, v2, in.dim, r, in.scale, res.grads[x1].data() + o, res.grads[x2].data() + o);
  const R D = static_cast<R>(in.dim);
  const R e_s = r.squared.scaled * (D + 2);  // the reference never rescales: exponent 0
  const R d = std::sqrt(r.squared.scaled);
  const R e_d = d * ((D + 2) / 2 + 1);
  const R h = std::fabs(k.margin - d), e_h = e_d + h;
  const R hinge = similar ? 0 : r.hinge;
  res.loss_magnitude[i] = similar ? e_s / 2 : (hinge + e_h * in.u) * e_h + hinge * hinge / 2;
  for (std::size_t j = 0; j < in.dim; ++j) {
    const R v = std::fabs(v1[j] - v2[j]);
    R m = 0;
    if (similar)
      m = 3 * v;
    else if (d > 0)
      m = v / d * (e_h + hinge * (e_d / d + 5));
    res.grad_magnitude[x1][o + j] = res.grad_magnitude[x2][o + j] = in.scale * m;
  }
  return r.loss;
}

}  // namespace lossbench::losses
