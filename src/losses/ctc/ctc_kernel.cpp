// ctc_kernel.cpp — the scalar CTC kernel: per sequence, the forward (α) recursion, and with a
// gradient the backward (β) recursion fused with the occupation sums, all in log space.
//
// Each time step's states are normalised by their largest value (the normalisers summed in
// double), so α̂, β̂ ∈ [−∞, 0] with max 0: the log-add-exps and additions round relative to
// O(log S + |lp|) numbers instead of to |α_t| ~ t·log C (see ctc.hpp for the error bound).
//   α̂_t(s) = lp[t, l'_s] + lse(α̂_{t−1}(s), α̂_{t−1}(s−1), α̂_{t−1}(s−2) if l'_s ≠ l'_{s−2}) − c_t
//   β̂_t(s) = lp[t, l'_s] + lse(β̂_{t+1}(s), β̂_{t+1}(s+1), β̂_{t+1}(s+2) if l'_s ≠ l'_{s+2}) − d_t
// (even states are blanks, so "l'_s ≠ l'_{s±2}" already excludes blank-to-blank skips), and with
// A_t = Σ_{τ≤t} c_τ, B_t = Σ_{τ≥t} d_τ (compensated sums in double):
//   ℓ = −(A_{L−1} + lse(α̂_{L−1}(2S), α̂_{L−1}(2S−1)))
//   γ_t(c) = exp(lse_{s: l'_s=c}(α̂_t(s) + β̂_t(s)) − lp[t,c] + (A_t + B_t + ℓ))
// where the offset A_t + B_t + ℓ is O(log S): the large sums cancel in double.
// Workspace: thread_local, grown on demand — no allocation after the first call of a size.
// 16-bit storage S computes in T = float on log-probabilities widened as they are read; the
// occupations accumulate in an f32 row of the workspace (the gradient row would round them),
// each gradient element is rounded once as it is stored, each loss once from its double.
#include "losses/ctc/ctc.hpp"

#include "core/checks.hpp"
#include "core/driver.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace lossbench::losses {

namespace {

template <class T>
constexpr T neg_inf = -std::numeric_limits<T>::infinity();

// log(e^a + e^b) without overflow; −∞ is its identity and a NaN in either argument propagates
// (a NaN `a` is never swapped away and `a + …` keeps it; a NaN `b` reaches exp).
template <class T>
T log_add_exp(T a, T b) {
  if (a < b) std::swap(a, b);
  if (b == neg_inf<T>) return a;
  return a + std::log1p(std::exp(b - a));
}

// Subtracts the row's largest state and returns it; a row with no reachable state (all −∞, an
// impossible prefix) is left as is. NaN states are not chosen as the maximum but stay in the row.
template <class T>
T normalise(T* row, std::int64_t states) {
  T top = neg_inf<T>;
  for (std::int64_t s = 0; s < states; ++s)
    if (row[s] > top) top = row[s];
  if (top == neg_inf<T>) return 0;
  for (std::int64_t s = 0; s < states; ++s) row[s] -= top;
  return top;
}

template <class T>
struct workspace {
  std::vector<T> alpha;              // [L][2S+1] with a gradient, else two rows
  std::vector<T> beta;               // two rows
  std::vector<double> alpha_norm;    // A_t
  std::vector<std::int64_t> labels;  // the extended labels l'
  std::vector<T> occupancy;          // [C]: log Σ α̂β̂ per class, for 16-bit storage only

  template <class V>
  static void grow(V& v, std::int64_t n) {
    if (v.size() < static_cast<std::size_t>(n)) v.resize(static_cast<std::size_t>(n));
  }
  void prepare(std::int64_t length, std::int64_t states, bool with_grad) {
    grow(alpha, (with_grad ? length : 2) * states);
    grow(beta, 2 * states);
    grow(alpha_norm, length);
    grow(labels, states);
  }
};

template <class T>
workspace<T>& thread_workspace() {
  thread_local workspace<T> ws;
  return ws;
}

// One sequence of the batch: its lengths, extended labels and views of its rows (storage S).
template <class S>
struct sequence {
  using T = core::compute_t<S>;
  const ctc_problem<S>& p;
  std::int64_t b, length, states;  // L and 2S+1
  workspace<T>& ws;
  bool full_alpha;  // every α̂ row kept (for the gradient), or two

  const S* lp_row(std::int64_t t) const { return p.log_probs + (t * p.batch + b) * p.classes; }
  S* grad_row(std::int64_t t) const { return p.grad + (t * p.batch + b) * p.classes; }
  T* alpha_row(std::int64_t t) const { return ws.alpha.data() + (full_alpha ? t : t & 1) * states; }
  T* beta_row(std::int64_t t) const { return ws.beta.data() + (t & 1) * states; }
  const std::int64_t* labels() const { return ws.labels.data(); }
};

template <class S>
void build_labels(const sequence<S>& q) {
  std::int64_t* ext = q.ws.labels.data();
  const std::int64_t offset = q.p.target_offset[q.b];
  for (std::int64_t s = 0; s < q.states; ++s)
    ext[s] = (s & 1) ? core::index_at(q.p.targets, offset + s / 2) : q.p.blank;
}

// The first row of α̂ (t = 0) or of β̂ (t = L−1): only the two states at that end are reachable.
template <class T, class S>
void boundary_row(T* row, const S* lp, const std::int64_t* ext, std::int64_t states, bool at_start) {
  std::fill(row, row + states, neg_inf<T>);
  const std::int64_t blank_state = at_start ? 0 : states - 1;
  row[blank_state] = T(lp[ext[blank_state]]);
  if (states > 1) row[at_start ? 1 : states - 2] = T(lp[ext[at_start ? 1 : states - 2]]);
}

template <class T, class S>
void forward_step(const T* prev, T* cur, const S* lp, const std::int64_t* ext, std::int64_t states) {
  for (std::int64_t s = 0; s < states; ++s) {
    T a = prev[s];
    if (s >= 1) a = log_add_exp(a, prev[s - 1]);
    if (s >= 2 && ext[s] != ext[s - 2]) a = log_add_exp(a, prev[s - 2]);
    cur[s] = T(lp[ext[s]]) + a;
  }
}

template <class T, class S>
void backward_step(const T* next, T* cur, const S* lp, const std::int64_t* ext, std::int64_t states) {
  for (std::int64_t s = 0; s < states; ++s) {
    T a = next[s];
    if (s + 1 < states) a = log_add_exp(a, next[s + 1]);
    if (s + 2 < states && ext[s] != ext[s + 2]) a = log_add_exp(a, next[s + 2]);
    cur[s] = T(lp[ext[s]]) + a;
  }
}

// ℓ = −log p(target | input), in double. L ≥ 1 here.
template <class S>
double forward(const sequence<S>& q) {
  using T = core::compute_t<S>;
  const std::int64_t* ext = q.labels();
  boundary_row(q.alpha_row(0), q.lp_row(0), ext, q.states, true);
  core::ordered_sum norm;  // compensated: A_t ~ t·log C would otherwise round by u·|A_t| per step
  norm.add(normalise(q.alpha_row(0), q.states));
  q.ws.alpha_norm[0] = norm.value();
  for (std::int64_t t = 1; t < q.length; ++t) {
    forward_step(q.alpha_row(t - 1), q.alpha_row(t), q.lp_row(t), ext, q.states);
    norm.add(normalise(q.alpha_row(t), q.states));
    q.ws.alpha_norm[static_cast<std::size_t>(t)] = norm.value();
  }
  const T* last = q.alpha_row(q.length - 1);
  const T end = q.states > 1 ? log_add_exp(last[q.states - 1], last[q.states - 2]) : last[0];
  return -(norm.value() + static_cast<double>(end));
}

// grad row t: (exp(lp) − γ)·scale, γ from the log-sum of α̂+β̂ over the states of each label,
// accumulated in the gradient row itself (−∞ = no state of that label), or for 16-bit storage in
// the workspace's f32 row.
template <class S, class T>
void gradient_row(const sequence<S>& q, std::int64_t t, T offset, T scale) {
  S* out = q.grad_row(t);
  T* g = nullptr;
  if constexpr (core::is_16bit_v<S>)
    g = q.ws.occupancy.data();
  else
    g = out;
  const S* lp = q.lp_row(t);
  const T* a = q.alpha_row(t);
  const T* bt = q.beta_row(t);
  const std::int64_t* ext = q.labels();
  std::fill(g, g + q.p.classes, neg_inf<T>);
  for (std::int64_t s = 0; s < q.states; ++s) g[ext[s]] = log_add_exp(g[ext[s]], a[s] + bt[s]);
  for (std::int64_t c = 0; c < q.p.classes; ++c) {
    const T l = T(lp[c]);
    const T occupation = g[c] == neg_inf<T> ? T(0) : std::exp(g[c] - l + offset);
    out[c] = S((std::exp(l) - occupation) * scale);
  }
}

template <class S, class T>
void backward(const sequence<S>& q, double nll, T scale) {
  const std::int64_t* ext = q.labels();
  core::ordered_sum norm;  // B_t, compensated as A_t
  for (std::int64_t t = q.length - 1; t >= 0; --t) {
    if (t == q.length - 1)
      boundary_row(q.beta_row(t), q.lp_row(t), ext, q.states, false);
    else
      backward_step(q.beta_row(t + 1), q.beta_row(t), q.lp_row(t), ext, q.states);
    norm.add(normalise(q.beta_row(t), q.states));
    const double offset = q.ws.alpha_norm[static_cast<std::size_t>(t)] + norm.value() + nll;
    gradient_row(q, t, static_cast<T>(offset), scale);
  }
}

template <class S>
void zero_rows(const sequence<S>& q, std::int64_t from, std::int64_t to) {
  for (std::int64_t t = from; t < to; ++t) std::fill(q.grad_row(t), q.grad_row(t) + q.p.classes, S{});
}

// Loss of sequence b (as reduced: ÷ max(S, 1) for mean); writes its gradient and `none` loss.
template <class S>
double sequence_loss(const ctc_problem<S>& p, std::int64_t b) {
  using T = core::compute_t<S>;
  const std::int64_t length = core::index_at(p.input_lengths, b);
  const std::int64_t target_length = core::index_at(p.target_lengths, b);
  const bool with_grad = p.grad != nullptr;
  auto& ws = thread_workspace<T>();
  ws.prepare(p.longest_input, 2 * p.longest_target + 1, with_grad);
  if (core::is_16bit_v<S> && with_grad) workspace<T>::grow(ws.occupancy, p.classes);
  const sequence<S> q{p, b, length, 2 * target_length + 1, ws, with_grad};
  build_labels(q);
  // An empty input aligns only with an empty target (validation ensures target_length ≤ length).
  double nll = length > 0 ? forward(q) : 0.0;
  const bool infinite = nll == std::numeric_limits<double>::infinity();
  if (with_grad) {
    zero_rows(q, length, p.max_time);
    const double divisor = p.mean ? static_cast<double>(p.mean_batch * std::max<std::int64_t>(target_length, 1)) : 1.0;
    // An impossible alignment has no gradient (torch returns NaN); zeros keep training finite.
    if (infinite)
      zero_rows(q, 0, length);
    else if (length > 0)
      backward(q, nll, static_cast<T>(1.0 / divisor));
  }
  if (infinite && p.zero_infinity) nll = 0;
  if (p.losses) p.losses[b] = S(nll);  // rounded once from double (16 bits: round to odd, then to S)
  return p.mean ? nll / static_cast<double>(std::max<std::int64_t>(target_length, 1)) : nll;
}

}  // namespace

template <class S>
double ctc::scalar_block(const ctc_problem<S>& p, std::size_t begin, std::size_t end) {
  core::ordered_sum total;  // compensated, should a block ever hold more than one sequence (ctc_spec.cpp)
  for (std::size_t b = begin; b < end; ++b) total.add(sequence_loss(p, static_cast<std::int64_t>(b)));
  return total.value();
}

template double ctc::scalar_block<float>(const ctc_problem<float>&, std::size_t, std::size_t);
template double ctc::scalar_block<double>(const ctc_problem<double>&, std::size_t, std::size_t);
template double ctc::scalar_block<bf16>(const ctc_problem<bf16>&, std::size_t, std::size_t);
template double ctc::scalar_block<f16>(const ctc_problem<f16>&, std::size_t, std::size_t);

}  // namespace lossbench::losses
