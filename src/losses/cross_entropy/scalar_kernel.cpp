// scalar_kernel.cpp — the plain C++ block kernel of cross_entropy: three passes over each row.
//   1. m = max_c z_c
//   2. e_c = exp(z_c − m) in the dtype (kept in the row's gradient buffer, so no scratch is
//      needed), s = Σ e_c and Σ v_c·(m − z_c), both compensated in double
//   3. ℓ = Σ v_c·(m − z_c) + M·log s;  g_c = scale·(e_c·M/s − v_c)
// 16-bit storage computes in f32 on the widened inputs; e_c then lives in a per-thread f32 row,
// since the gradient row would round it to 16 bits before g_c is formed from it.
// v is the row's weighted target (cross_entropy.hpp). A NaN logit is never the max, but reaches
// s through exp(NaN − m), so it propagates to the loss and the whole row's gradient, as in torch;
// a +inf logit gives inf − inf = NaN likewise (torch: NaN); −inf logits give e = 0.
#include "losses/cross_entropy/cross_entropy.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace lossbench::losses {

namespace {

// The weighted target of a class-index row: a point mass a at the target class (its loss term
// kept apart, so a = 0 with z_t = −inf is 0·inf = NaN as torch's (1 − ε)·nll) plus b·w_c spread
// over every class, formed only when ε > 0 (so 0·(m − z_c) = NaN never appears for −inf logits).
template <class S>
struct index_row {
  const cross_entropy_problem<S>& p;
  std::size_t target;
  double a;  // (1 − ε)·w_t
  double b;  // ε / C
  bool has_spread() const { return b != 0; }
  double spread(std::size_t c) const { return b * p.weight_of(c); }
  double v(std::size_t c) const { return spread(c) + (c == target ? a : 0.0); }
};

// The weighted target of a probability row: w_c·((1 − ε)·P_c + ε/C), all spread.
template <class S>
struct prob_row {
  using T = core::compute_t<S>;
  const cross_entropy_problem<S>& p;
  const S* probs;
  double keep;  // 1 − ε
  double eps_per_class;
  static bool has_spread() { return true; }
  double spread(std::size_t c) const {
    return p.weight_of(c) * (keep * static_cast<double>(T(probs[c])) + eps_per_class);
  }
  double v(std::size_t c) const { return spread(c); }
};

template <class S, class T = core::compute_t<S>>
T row_max(const S* z, std::size_t n) {
  T m = -std::numeric_limits<T>::infinity();
  for (std::size_t c = 0; c < n; ++c)
    if (T(z[c]) > m) m = T(z[c]);
  return m;
}

// The f32 row that holds e_c for 16-bit storage: one per thread, grown to the widest row seen.
float* e_scratch(std::size_t n) {
  thread_local std::vector<float> row;
  if (row.size() < n) row.resize(n);
  return row.data();
}

struct row_sums {
  double s = 0;      // Σ exp(z_c − m)
  double shift = 0;  // Σ v_c·(m − z_c), the part of the loss that needs no log
  double mass = 0;   // Σ v_c = M
};

// Pass 2: s, and Σ v_c·(m − z_c), Σ v_c over the spread part; an index row adds its point mass.
template <class S, class T, class Target>
row_sums sweep(const S* z, std::size_t n, T m, const Target& tgt, T* e_out) {
  core::ordered_sum s, shift, mass;
  const bool spread = tgt.has_spread();
  for (std::size_t c = 0; c < n; ++c) {
    const T d = T(z[c]) - m;
    const T e = std::exp(d);
    if (e_out) e_out[c] = e;
    s.add(e);
    if (spread) {
      const double v = tgt.spread(c);
      shift.add(v * -static_cast<double>(d));
      mass.add(v);
    }
  }
  row_sums r{s.value(), shift.value(), mass.value()};
  if constexpr (requires(const Target& x) { x.target; }) {
    r.shift += tgt.a * -static_cast<double>(T(z[tgt.target]) - m);
    r.mass = tgt.a + tgt.b * tgt.p.weight_total;  // Σ v_c in closed form (Σ w precomputed in bind)
  }
  return r;
}

// Passes 1–3 for one row; returns the row's loss (unscaled).
template <class S, class Target>
double row_loss(const cross_entropy_problem<S>& p, std::size_t row, const Target& tgt) {
  using T = core::compute_t<S>;
  const std::size_t n = p.classes;
  const S* z = p.logits + row * n;
  S* g = p.grad ? p.grad + row * n : nullptr;
  T* e = nullptr;
  if constexpr (core::is_16bit_v<S>)
    e = g ? e_scratch(n) : nullptr;
  else
    e = g;
  const T m = row_max(z, n);
  const row_sums r = sweep(z, n, m, tgt, e);
  const double loss = r.shift + r.mass * std::log(r.s);
  if (g) {
    const double ratio = r.mass / r.s;
    for (std::size_t c = 0; c < n; ++c) g[c] = S(p.grad_scale * (static_cast<double>(e[c]) * ratio - tgt.v(c)));
  }
  return loss;
}

template <class S>
double one_row(const cross_entropy_problem<S>& p, std::size_t row) {
  const std::size_t n = p.classes;
  const double eps_per_class = p.smoothing / static_cast<double>(n);
  if (p.probs) return row_loss(p, row, prob_row<S>{p, p.probs + row * n, 1.0 - p.smoothing, eps_per_class});
  const std::int64_t t = p.index_at(row);
  if (t == p.ignore_index) {  // torch: loss 0, gradient 0
    if (p.grad) std::fill(p.grad + row * n, p.grad + (row + 1) * n, S(0.0f));
    return 0;
  }
  const auto tc = static_cast<std::size_t>(t);
  return row_loss(p, row, index_row<S>{p, tc, (1.0 - p.smoothing) * p.weight_of(tc), eps_per_class});
}

}  // namespace

template <class S>
double cross_entropy::scalar_block(const problem<S>& p, std::size_t begin, std::size_t end) {
  core::ordered_sum acc;  // narrow rows make blocks of up to 4096 rows: keep their sum exact
  for (std::size_t row = begin; row < end; ++row) {
    const double loss = one_row(p, row);
    if (p.losses) p.losses[row] = S(loss);
    acc.add(loss);
  }
  return acc.value();
}

template double cross_entropy::scalar_block<float>(const problem<float>&, std::size_t, std::size_t);
template double cross_entropy::scalar_block<double>(const problem<double>&, std::size_t, std::size_t);
template double cross_entropy::scalar_block<bf16>(const problem<bf16>&, std::size_t, std::size_t);
template double cross_entropy::scalar_block<f16>(const problem<f16>&, std::size_t, std::size_t);

}  // namespace lossbench::losses
