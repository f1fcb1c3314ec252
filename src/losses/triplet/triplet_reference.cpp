// triplet_reference.cpp — the triplet loss in long double (triplet_row.hpp's formulas), with the
// per-row error magnitudes the kernels are held to (derivation: embedding/distance_error.hpp and
// the comment on triplet_formula::accuracy).
#include "core/reference_math.hpp"
#include "losses/embedding/distance_error.hpp"
#include "losses/triplet/triplet.hpp"

#include <cmath>

namespace lossbench::losses {
namespace {

using R = core::real_ref;

struct row_view {
  const R* a;
  const R* p;
  const R* n;
  std::size_t dim;
};

// Bounds in units of u on the three distances of a row.
struct distance_errors {
  R ap = 0, an = 0, pn = 0;
};

distance_errors errors_of(const row_view& v, const triplet_coeffs<R>& k, const triplet_row<R>& r) {
  distance_errors e;
  e.ap = embedding::distance_error(v.a, v.p, v.dim, k.eps, k.norm, r.ap);
  e.an = embedding::distance_error(v.a, v.n, v.dim, k.eps, k.norm, r.an);
  if (k.swap) e.pn = embedding::distance_error(v.p, v.n, v.dim, k.eps, k.norm, r.pn);
  return e;
}

// Fills the gradient magnitudes of one row. `kink`: the row is within rounding of the clamp, so a
// kernel may return the active gradient or zero; `swap_tie`: within rounding of d(a,n) = d(p,n), so
// either negative distance may be chosen. Both add the size of the possible jump (÷ u: the
// magnitude is in units of u).
void gradient_magnitudes(const row_view& v, const triplet_coeffs<R>& k, const triplet_row<R>& r,
                         const distance_errors& e, R scale, R u, bool kink, bool swap_tie, std::size_t o,
                         std::vector<std::vector<R>>& mag) {
  const R wa = swap_tie ? 1 : r.w_an, wp = swap_tie ? (k.swap ? 1 : 0) : r.w_pn;
  for (std::size_t j = 0; j < v.dim; ++j) {
    const R g_ap = std::fabs(embedding::distance_derivative((v.a[j] - v.p[j]) + k.eps, r.ap, k.norm));
    const R g_an = wa ? std::fabs(embedding::distance_derivative((v.a[j] - v.n[j]) + k.eps, r.an, k.norm)) : 0;
    const R g_pn = wp ? std::fabs(embedding::distance_derivative((v.p[j] - v.n[j]) + k.eps, r.pn, k.norm)) : 0;
    const R e_ap = embedding::derivative_error(v.a[j], v.p[j], k.eps, k.norm, r.ap, e.ap, u);
    const R e_an = wa ? embedding::derivative_error(v.a[j], v.n[j], k.eps, k.norm, r.an, e.an, u) : 0;
    const R e_pn = wp ? embedding::derivative_error(v.p[j], v.n[j], k.eps, k.norm, r.pn, e.pn, u) : 0;
    // 3: the subtraction, the product with the scale and the scale's own rounding (1/B).
    R ma = e_ap + wa * e_an + 3 * (g_ap + wa * g_an);
    R mp = e_ap + wp * e_pn + 3 * (g_ap + wp * g_pn);
    R mn = wa * e_an + wp * e_pn + 3 * (wa * g_an + wp * g_pn);
    if (kink) {
      ma += (g_ap + wa * g_an) / u;
      mp += (g_ap + wp * g_pn) / u;
      mn += (wa * g_an + wp * g_pn) / u;
    }
    if (swap_tie) {
      const R jump = (g_an + g_pn) / u;
      ma += jump;
      mp += jump;
      mn += jump;
    }
    mag[0][o + j] = scale * ma;
    mag[1][o + j] = scale * mp;
    mag[2][o + j] = scale * mn;
  }
}

}  // namespace

R triplet_formula::reference_row(const reference_rows& in, const coeffs<R>& k, std::size_t i, reference_result& res) {
  const std::size_t o = i * in.dim;
  const row_view v{in.row(anchor, i), in.row(positive, i), in.row(negative, i), in.dim};
  const auto r = triplet_forward(v.a, v.p, v.n, v.dim, k);
  triplet_backward(v.a, v.p, v.n, v.dim, k, r, in.scale, res.grads[anchor].data() + o, res.grads[positive].data() + o,
                   res.grads[negative].data() + o);
  const auto e = errors_of(v, k, r);
  // With swap either negative distance may be the one computed: count both errors.
  const R e_neg = k.swap ? e.an + e.pn : e.an;
  const R d_neg = k.swap && r.w_pn == 1 ? r.pn.d : r.an.d;
  const R m = e.ap + e_neg + 2 * (std::fabs(k.margin) + r.ap.d + d_neg);
  const R bound_ulps = static_cast<R>(accuracy.value_ulps);
  const bool kink = std::fabs(r.raw) <= bound_ulps * in.u * m;
  const bool swap_tie = k.swap && std::fabs(r.an.d - r.pn.d) <= bound_ulps * in.u * (e.an + e.pn);
  res.loss_magnitude[i] = m;
  if (r.active || kink) gradient_magnitudes(v, k, r, e, in.scale, in.u, kink, swap_tie, o, res.grad_magnitude);
  return r.loss;
}

}  // namespace lossbench::losses
