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
#include "losses/embedding/rows.hpp"

#include <cmath>

namespace lossbench::losses {

namespace {
using R = core::real_ref;
}  // namespace

reference_result contrastive::reference(const call& c, const parameters& prm) {
  const auto x1 = core::to_reference(c.inputs[0]);
  const auto x2 = core::to_reference(c.inputs[1]);
  const auto rows = embedding::layout_of(c.inputs[0].shape);
  const R margin = static_cast<R>(prm.margin);
  const R u = c.inputs[0].type == dtype::f32 ? 0x1p-24L : 0x1p-53L;
  const R scale = 1.0L / static_cast<R>(embedding::reduction_divisor(c.reduction, rows.rows));
  const R D = static_cast<R>(rows.dim);

  reference_result res;
  res.losses.resize(rows.rows);
  res.loss_magnitude.resize(rows.rows);
  res.grads.assign(2, std::vector<R>(x1.size()));
  res.grad_magnitude.assign(2, std::vector<R>(x1.size()));
  core::reference_sum sum;
  for (std::size_t b = 0; b < rows.rows; ++b) {
    const std::size_t o = b * rows.dim;
    const bool similar = is_similar(c.inputs[2].data, c.inputs[2].type, b);
    const auto r = contrastive_forward(x1.data() + o, x2.data() + o, rows.dim, similar, margin);
    contrastive_backward(x1.data() + o, x2.data() + o, rows.dim, r, scale, res.grads[0].data() + o,
                         res.grads[1].data() + o);
    const R e_s = r.squared.scaled * (D + 2);  // the reference never rescales: exponent 0
    const R d = std::sqrt(r.squared.scaled);
    const R e_d = d * ((D + 2) / 2 + 1);
    const R h = std::fabs(margin - d), e_h = e_d + h;
    const R hinge = similar ? 0 : r.hinge;
    res.losses[b] = r.loss;
    res.loss_magnitude[b] = similar ? e_s / 2 : (hinge + e_h * u) * e_h + hinge * hinge / 2;
    for (std::size_t j = 0; j < rows.dim; ++j) {
      const R v = std::fabs(x1[o + j] - x2[o + j]);
      R m = 0;
      if (similar)
        m = 3 * v;
      else if (d > 0)
        m = v / d * (e_h + hinge * (e_d / d + 5));
      res.grad_magnitude[0][o + j] = res.grad_magnitude[1][o + j] = scale * m;
    }
    sum.add(r.loss);
  }
  res.value = sum.value() * scale;
  res.value_scale = scale;
  return res;
}

}  // namespace lossbench::losses
