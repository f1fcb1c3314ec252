// reference.cpp — cross_entropy in long double, written as torch 1.13 writes it:
//   lp = log_softmax(z) (lse = m + log Σ exp(z − m)),
//   index t:  nll = −w_t·lp_t, smooth = −Σ_c w_c·lp_c (only when ε > 0), ℓ = (1−ε)·nll + (ε/C)·smooth
//   probs P:  ℓ = −Σ_c w_c·q_c·lp_c with q = (1−ε)·P + ε/C
//   mean: Σℓ / D (D = Σ w[t_i] over non-ignored rows; B for probabilities; 0/0 = NaN)
//   gradient: ∂nll/∂z_j = w_t·(p_j − [j=t]), ∂smooth/∂z_j = p_j·Σw − w_j, ∂ℓ_prob/∂z_j = Σ_c w_c q_c (p_j − [j=c]).
// It also reports the error scales the kernels are held to (see `accuracy` in cross_entropy.hpp).
#include "losses/cross_entropy/cross_entropy.hpp"

#include "core/checks.hpp"
#include "core/reference_math.hpp"

#include <cmath>
#include <limits>

namespace lossbench::losses {

namespace {

using R = core::real_ref;

struct reference_row {
  R loss = 0;
  R loss_magnitude = 0;
  std::vector<R> grad;            // of ℓ (unscaled)
  std::vector<R> grad_magnitude;  // unscaled
};

struct row_inputs {
  std::vector<R> z;  // the row's logits
  std::vector<R> w;  // per-class weights (all 1 when absent)
  R eps = 0;
};

// ℓ and ∂ℓ/∂z for one row whose weighted target is given by its two parts: a point mass `a` at
// class t (none when t < 0) and `spread` v_c over every class (or empty), with `spread_abs` the
// termwise magnitude of each v_c that the error bound scales with.
reference_row evaluate_row(const row_inputs& in, std::int64_t t, R a, const std::vector<R>& spread,
                           const std::vector<R>& spread_abs) {
  const std::size_t n = in.z.size();
  R m = -std::numeric_limits<R>::infinity();
  for (R x : in.z) m = x > m ? x : m;
  core::reference_sum s;
  for (R x : in.z) s.add(std::exp(x - m));
  const R lse = m + std::log(s.value());
  reference_row r;
  r.grad.assign(n, 0);
  r.grad_magnitude.assign(n, 0);
  core::reference_sum loss, mass, mass_abs, mag;
  const R log_c = std::log(static_cast<R>(n));
  auto add_term = [&](std::size_t c, R v, R v_abs) {
    loss.add(-v * (in.z[c] - lse));
    mass.add(v);
    mass_abs.add(v_abs);
    mag.add(v_abs * ((m - in.z[c]) + log_c + 1));
    r.grad[c] -= v;
    r.grad_magnitude[c] += v_abs;
  };
  if (t >= 0) add_term(static_cast<std::size_t>(t), a, std::fabs(a));
  for (std::size_t c = 0; c < spread.size(); ++c) add_term(c, spread[c], spread_abs[c]);
  r.loss = loss.value();
  r.loss_magnitude = mag.value();
  for (std::size_t j = 0; j < n; ++j) {
    const R p = std::exp(in.z[j] - lse);
    r.grad[j] += p * mass.value();
    r.grad_magnitude[j] += mass_abs.value() * (1 + p * (log_c + 1));
  }
  return r;
}

reference_row index_row(const row_inputs& in, std::int64_t t) {
  const R n = static_cast<R>(in.z.size());
  std::vector<R> spread, spread_abs;
  if (in.eps > 0)
    for (R wc : in.w) {
      spread.push_back(in.eps / n * wc);
      spread_abs.push_back(std::fabs(spread.back()));
    }
  return evaluate_row(in, t, (1 - in.eps) * in.w[static_cast<std::size_t>(t)], spread, spread_abs);
}

// Magnitudes use |(1−ε)P_c| + ε/C, so targets outside [0, 1] (torch takes them) stay honest.
reference_row prob_row(const row_inputs& in, const std::vector<R>& probs) {
  const R n = static_cast<R>(in.z.size());
  std::vector<R> v(probs.size()), v_abs(probs.size());
  for (std::size_t c = 0; c < v.size(); ++c) {
    v[c] = in.w[c] * ((1 - in.eps) * probs[c] + in.eps / n);
    v_abs[c] = std::fabs(in.w[c]) * (std::fabs((1 - in.eps) * probs[c]) + in.eps / n);
  }
  return evaluate_row(in, -1, 0, v, v_abs);
}

}  // namespace

reference_result cross_entropy::reference(const call& c, const parameters& prm) {
  const auto& logits = c.inputs[0];
  const auto& target = c.inputs[1];
  const std::size_t classes = static_cast<std::size_t>(logits.shape[logits.shape.rank() - 1]);
  const std::size_t rows = static_cast<std::size_t>(logits.numel()) / classes;
  const auto z = core::to_reference(logits);
  const bool soft = is_floating(target.type);
  const auto t = core::to_reference(target);
  row_inputs in;
  in.eps = static_cast<R>(prm.label_smoothing);
  if (prm.weight)
    in.w = core::to_reference(*prm.weight);
  else if (rows > 0)
    in.w.assign(classes, 1);  // an empty batch allocates nothing by its class count
  const std::int64_t ignore = prm.ignore_index;

  // The mean's divisor first (torch: Σ w[t_i] over non-ignored rows, or B), then each row.
  core::reference_sum divisor;
  for (std::size_t i = 0; i < rows; ++i) {
    if (soft)
      divisor.add(1);
    else if (static_cast<std::int64_t>(t[i]) != ignore)
      divisor.add(in.w[static_cast<std::size_t>(t[i])]);
  }
  const R scale = c.reduction != reduction::mean ? R(1)
                  : divisor.value() == 0         ? std::numeric_limits<R>::quiet_NaN()
                                                 : 1 / divisor.value();
  reference_result res;
  res.losses.assign(rows, 0);
  res.loss_magnitude.assign(rows, 0);
  res.grads.assign(1, std::vector<R>(rows * classes, 0));
  res.grad_magnitude.assign(1, std::vector<R>(rows * classes, 0));
  core::reference_sum total;
  for (std::size_t i = 0; i < rows; ++i) {
    const auto first = static_cast<std::ptrdiff_t>(i * classes), last = first + static_cast<std::ptrdiff_t>(classes);
    const auto ti = soft ? std::int64_t{-1} : static_cast<std::int64_t>(t[i]);
    if (!soft && ti == ignore) continue;  // loss, gradient and their magnitudes stay 0
    in.z.assign(z.begin() + first, z.begin() + last);
    const reference_row r =
        soft ? prob_row(in, std::vector<R>(t.begin() + first, t.begin() + last)) : index_row(in, ti);
    res.losses[i] = r.loss;
    res.loss_magnitude[i] = r.loss_magnitude;
    for (std::size_t j = 0; j < classes; ++j) {
      res.grads[0][i * classes + j] = r.grad[j] * scale;
      res.grad_magnitude[0][i * classes + j] = r.grad_magnitude[j] * std::fabs(scale);
    }
    total.add(r.loss);
  }
  res.value = total.value() * scale;
  res.value_scale = scale;
  return res;
}

}  // namespace lossbench::losses
