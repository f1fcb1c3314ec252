// ctc_reference.cpp — the CTC reference in long double: the textbook α/β recursions over full
// tables, un-normalised (long double's range holds e^−(T·log C) easily), written independently
// of the kernel. ℓ_b = −log Σ_s∈{2S, 2S−1} e^{α_{L−1}(s)};
// γ_t(c) = Σ_{s: l'_s=c} e^{α_t(s) + β_t(s) − lp[t,c] + ℓ_b}; grad = (e^{lp} − γ)·scale_b.
// Error magnitudes are those derived for the kernel in ctc.hpp.
#include "losses/ctc/ctc.hpp"

#include "core/checks.hpp"
#include "core/reference_math.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace lossbench::losses {

namespace {
using R = core::real_ref;
constexpr R minus_infinity = -std::numeric_limits<R>::infinity();

// log Σ e^{x_i}; NaN if any term is NaN, −∞ if all are −∞.
R log_sum_exp(std::initializer_list<R> xs) {
  R top = minus_infinity;
  for (R x : xs) {
    if (std::isnan(x)) return x;
    top = std::max(top, x);
  }
  if (top == minus_infinity) return top;
  R sum = 0;
  for (R x : xs) sum += std::exp(x - top);
  return top + std::log(sum);
}

struct ref_sequence {
  std::int64_t length = 0;         // L
  std::vector<std::int64_t> ext;   // extended labels, 2S+1
  std::vector<std::vector<R>> lp;  // [L][C]
};

// α (forward) and β (backward) tables, [L][2S+1].
std::vector<std::vector<R>> alpha_table(const ref_sequence& q) {
  const std::size_t W = q.ext.size();
  std::vector<std::vector<R>> a(static_cast<std::size_t>(q.length), std::vector<R>(W, minus_infinity));
  for (std::size_t t = 0; t < a.size(); ++t)
    for (std::size_t s = 0; s < W; ++s) {
      const R emit = q.lp[t][static_cast<std::size_t>(q.ext[s])];
      if (t == 0) {
        if (s < 2) a[t][s] = emit;
        continue;
      }
      const R stay = a[t - 1][s], step = s >= 1 ? a[t - 1][s - 1] : minus_infinity;
      const R skip = (s >= 2 && q.ext[s] != q.ext[s - 2]) ? a[t - 1][s - 2] : minus_infinity;
      a[t][s] = emit + log_sum_exp({stay, step, skip});
    }
  return a;
}

std::vector<std::vector<R>> beta_table(const ref_sequence& q) {
  const std::size_t W = q.ext.size(), L = static_cast<std::size_t>(q.length);
  std::vector<std::vector<R>> b(L, std::vector<R>(W, minus_infinity));
  for (std::size_t t = L; t-- > 0;)
    for (std::size_t s = 0; s < W; ++s) {
      const R emit = q.lp[t][static_cast<std::size_t>(q.ext[s])];
      if (t == L - 1) {
        if (s + 2 >= W) b[t][s] = emit;
        continue;
      }
      const R stay = b[t + 1][s], step = s + 1 < W ? b[t + 1][s + 1] : minus_infinity;
      const R skip = (s + 2 < W && q.ext[s] != q.ext[s + 2]) ? b[t + 1][s + 2] : minus_infinity;
      b[t][s] = emit + log_sum_exp({stay, step, skip});
    }
  return b;
}

ref_sequence load(const call& c, std::int64_t blank, const std::vector<R>& lp, std::int64_t b, std::int64_t offset) {
  const auto& shape = c.inputs[0].shape;
  const std::int64_t B = shape[1], C = shape[2];
  ref_sequence q;
  q.length = core::index_at(c.inputs[2], b);
  const std::int64_t S = core::index_at(c.inputs[3], b);
  q.ext.assign(static_cast<std::size_t>(2 * S + 1), blank);
  for (std::int64_t s = 0; s < S; ++s)
    q.ext[static_cast<std::size_t>(2 * s + 1)] = core::index_at(c.inputs[1], offset + s);
  for (std::int64_t t = 0; t < q.length; ++t)
    q.lp.emplace_back(lp.begin() + (t * B + b) * C, lp.begin() + (t * B + b + 1) * C);
  return q;
}

// Σ_t m_t with m_t = 2 + log(2S+1) + max_c |lp[t,c]|: the per-step error scale of ctc.hpp.
R step_magnitudes(const ref_sequence& q) {
  R total = 0;
  for (const auto& row : q.lp) {
    R top = 0;
    for (R v : row)  // −∞ (probability 0) is exact in every step: only finite entries round
      if (std::isfinite(v)) top = std::max(top, std::fabs(v));
    total += 2 + std::log(static_cast<R>(q.ext.size())) + top;
  }
  return total;
}
}  // namespace

reference_result ctc::reference(const call& c, const parameters& prm) {
  const auto& shape = c.inputs[0].shape;
  const std::int64_t B = shape[1], C = shape[2];
  const bool padded = c.inputs[1].shape.rank() == 2, mean = c.reduction == reduction::mean;
  const bool zero_infinity = prm.zero_infinity;
  const std::vector<R> lp = core::to_reference(c.inputs[0]);
  reference_result r;
  r.losses.assign(static_cast<std::size_t>(B), 0);
  r.loss_magnitude.assign(static_cast<std::size_t>(B), 0);
  r.grads.assign(1, std::vector<R>(lp.size(), 0));
  r.grad_magnitude.assign(1, std::vector<R>(lp.size(), 0));
  r.value_scale = mean ? 1.0L / static_cast<R>(B) : 1.0L;  // mean of no samples: NaN, as torch
  core::reference_sum sum;
  std::int64_t offset = 0;
  for (std::int64_t b = 0; b < B; ++b) {
    const std::int64_t S = core::index_at(c.inputs[3], b);
    const ref_sequence q = load(c, prm.blank, lp, b, padded ? b * c.inputs[1].shape[1] : offset);
    offset += S;
    const auto alpha = alpha_table(q);
    const std::size_t W = q.ext.size(), L = static_cast<std::size_t>(q.length);
    R nll = 0;  // an empty input aligns with the empty target with probability 1
    if (L > 0) nll = -log_sum_exp({alpha[L - 1][W - 1], W > 1 ? alpha[L - 1][W - 2] : minus_infinity});
    const bool infinite = std::isinf(nll) && nll > 0;
    const R M = step_magnitudes(q);
    const R divisor = mean ? static_cast<R>(B) * static_cast<R>(std::max<std::int64_t>(S, 1)) : 1;
    r.losses[static_cast<std::size_t>(b)] = infinite && zero_infinity ? 0 : nll;
    r.loss_magnitude[static_cast<std::size_t>(b)] = infinite ? 0 : M + std::fabs(nll);
    sum.add(r.losses[static_cast<std::size_t>(b)] / (mean ? static_cast<R>(std::max<std::int64_t>(S, 1)) : 1));
    if (infinite || L == 0) continue;  // gradient 0 (an impossible alignment has none)
    const auto beta = beta_table(q);
    for (std::size_t t = 0; t < L; ++t)
      for (std::int64_t k = 0; k < C; ++k) {
        const R lpk = q.lp[t][static_cast<std::size_t>(k)];
        R occupation = 0;
        for (std::size_t s = 0; s < W; ++s) {
          // An unreachable state (also lp = −∞, which α and β both carry) has no occupation:
          // −∞ − (−∞) would make it NaN, as torch's formula does (docs/numerics.md).
          const R both = alpha[t][s] + beta[t][s];
          if (q.ext[s] == k && both != minus_infinity) occupation += std::exp(both - lpk + nll);
        }
        const std::size_t i = static_cast<std::size_t>((static_cast<std::int64_t>(t) * B + b) * C + k);
        r.grads[0][i] = (std::exp(lpk) - occupation) / divisor;
        r.grad_magnitude[0][i] = (std::exp(lpk) + occupation) * (4 * M + 1) / divisor;
      }
  }
  r.value = sum.value() * r.value_scale;
  return r;
}

}  // namespace lossbench::losses
