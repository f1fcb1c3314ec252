// ctc_simd.hpp — the xsimd CTC block kernel: the scalar kernel's normalised forward–backward
// recursion (ctc_kernel.cpp, formulas and error bound in ctc.hpp) with each time step's 2S+1
// extended-label states in SIMD lanes.
//
// Per sequence:
//   lpx[t][s] = lp[t, l'_s]                 gathered once for all t < L (pad lanes −∞)
//   allow[s]  = (s ≥ 2 and l'_s ≠ l'_{s−2})  the "s−2 skip" mask, shared by both recursions
//   α̂_t(s) = lpx[t][s] + lse3(α̂_{t−1}(s), α̂_{t−1}(s−1), allow[s] ? α̂_{t−1}(s−2) : −∞) − c_t
//   β̂_t(s) = lpx[t][s] + lse3(β̂_{t+1}(s), β̂_{t+1}(s+1), allow[s+2] ? β̂_{t+1}(s+2) : −∞) − d_t
// Rows carry two −∞ pads on each side, so the shifted loads s−2 … s+2 need no boundary code.
// lse3 shifts by the per-lane maximum m of its three arguments, exactly as the scalar
// log_add_exp shifts by the larger one: m + log1p(e^{mid−m} + e^{lo−m}) — the same
// "states far below the row maximum keep their value" semantics as the scalar kernel (a
// per-row shift would flush states more than ~87 below the maximum to −∞ in f32).
// The occupation of class c is summed in the linear domain:
//   γ_t(c) = Σ_{s: l'_s = c} exp(α̂_t(s) + β̂_t(s) − lpx[t][s] + (A_t + B_t + ℓ))
// each term a posterior state occupation ≤ 1 (no overflow), even states summed into the blank
// lane-wise, odd states scattered to their labels; then grad = (exp(lp) − γ)·scale over C.
//
// Precision: lse3 is ≤ 2 exp (xsimd ≤ 1.5 ulp, arguments ≤ 0, added to 1 so their flush below
// 1e-38 is harmless) + log1p (0.75 ulp): ≤ 3.5u absolute + u·|result| per step — the same as the
// scalar kernel's two log-add-exps (see ctc.hpp's bound, which covers both). The occupation terms
// use math::exp (subnormal results kept) and are added in T: relative error ≤ 1.5u + n_c·u, within
// the bound's u·(7M_b + 9m_t + 1). Normalisers, ℓ and the offset are computed in double as in the
// scalar kernel.
//
// ODR: everything is templated on Arch; workspaces use an Arch-tagged allocator so no std::vector
// instantiation is shared with another ISA's object; tails use zero-padded lane copies.
// 16-bit storage S computes in T = float: lp is widened as it is gathered or loaded, each gradient
// element rounded once as it is stored (simd/convert16.hpp), each loss once from its double.
// Include only from the ISA translation units (isa/instantiate.hpp).
#pragma once

#include "core/checks.hpp"
#include "core/driver.hpp"
#include "losses/ctc/ctc.hpp"
#include "simd/convert16.hpp"
#include "simd/math.hpp"

#include <xsimd/xsimd.hpp>

#include <cstdint>
#include <limits>
#include <new>
#include <vector>

namespace lossbench::losses {

namespace ctc_simd {

// std::allocator's behaviour under a type unique to this ISA (see ODR above).
template <class U, class Arch>
struct arch_allocator {
  using value_type = U;
  arch_allocator() = default;
  template <class V>
  arch_allocator(const arch_allocator<V, Arch>&) noexcept {}
  U* allocate(std::size_t n) { return static_cast<U*>(::operator new(n * sizeof(U))); }
  void deallocate(U* p, std::size_t) noexcept { ::operator delete(p); }
  friend bool operator==(const arch_allocator&, const arch_allocator&) { return true; }
};

template <class U, class Arch>
using buffer = std::vector<U, arch_allocator<U, Arch>>;

template <class U, class Arch>
void grow(buffer<U, Arch>& v, std::int64_t n) {
  if (v.size() < static_cast<std::size_t>(n)) v.resize(static_cast<std::size_t>(n));
}

template <class Arch, class T>
struct workspace {
  buffer<T, Arch> lpx;              // [L][np]
  buffer<T, Arch> alpha;            // [L or 2][stride]
  buffer<T, Arch> beta;             // [2][stride]
  buffer<T, Arch> allow;            // [np + 2]: 1 where the s−2 skip is allowed, else 0
  buffer<T, Arch> occupation;       // [C + W] γ_t(c), then the gradient row's padded tail
  buffer<T, Arch> terms;            // [np] the occupation term of each state
  buffer<double, Arch> alpha_norm;  // A_t
  buffer<std::int64_t, Arch> ext;   // [np] extended labels (pad lanes: blank); 64-bit: C may pass 2^31
};

template <class Arch, class T>
workspace<Arch, T>& thread_workspace() {
  thread_local workspace<Arch, T> ws;
  return ws;
}

template <class T>
constexpr T ninf = -std::numeric_limits<T>::infinity();

// log(e^a + e^b + e^c), NaN in any argument → NaN, all −∞ → −∞ (see the header).
template <class V>
inline V lse3(const V& a, const V& b, const V& c) {
  using T = typename V::value_type;
  const V hi = xsimd::max(a, b), lo = xsimd::min(a, b);
  const V top = xsimd::max(hi, c), mid = xsimd::min(hi, c);
  const V shift = xsimd::select(top == V(ninf<T>), V(T(0)), top);  // all −∞: e^{−∞} terms, log1p(0)
  const V r = top + xsimd::log1p(xsimd::exp(mid - shift) + xsimd::exp(lo - shift));
  const V any = a + b + c;  // NaN iff an argument is NaN (all are ≤ 0 or −∞ after normalising)
  return xsimd::select(xsimd::isnan(any), any, r);  // not `any != any`: ordered (false for NaN) on AVX
}

// The largest lane, NaN never chosen (as the scalar `normalise`).
template <class Arch, class T>
T lane_max(const xsimd::batch<T, Arch>& v) {
  constexpr std::size_t W = xsimd::batch<T, Arch>::size;
  alignas(64) T lanes[W];
  v.store_aligned(lanes);
  T top = ninf<T>;
  for (std::size_t l = 0; l < W; ++l)
    if (lanes[l] > top) top = lanes[l];
  return top;
}

// One sequence: sizes, rows and the problem (storage S: T, or bf16/f16 for T = float).
template <class Arch, class T, class S>
struct sequence {
  using V = xsimd::batch<T, Arch>;
  static constexpr std::int64_t W = V::size;
  const ctc_problem<S>& p;
  workspace<Arch, T>& ws;
  std::int64_t b, length, states, np, stride;  // L, 2S+1, states rounded up to W, np + 4 pads
  bool full_alpha;

  const S* lp_row(std::int64_t t) const { return p.log_probs + (t * p.batch + b) * p.classes; }
  S* grad_row(std::int64_t t) const { return p.grad + (t * p.batch + b) * p.classes; }
  const T* lpx(std::int64_t t) const { return ws.lpx.data() + t * np; }
  T* alpha_row(std::int64_t t) const { return ws.alpha.data() + (full_alpha ? t : t & 1) * stride + 2; }
  T* beta_row(std::int64_t t) const { return ws.beta.data() + (t & 1) * stride + 2; }
};

// Extended labels, the skip mask and the gathered lpx table.
template <class Arch, class T, class S>
void prepare(const sequence<Arch, T, S>& q) {
  auto& ws = q.ws;
  const std::int64_t offset = q.p.target_offset[q.b];
  for (std::int64_t s = 0; s < q.np; ++s)
    ws.ext[s] = ((s & 1) && s < q.states ? core::index_at(q.p.targets, offset + s / 2) : q.p.blank);
  for (std::int64_t s = 0; s < q.np + 2; ++s)
    ws.allow[s] = s >= 2 && s < q.states && ws.ext[s] != ws.ext[s - 2] ? T(1) : T(0);
  const std::int64_t* ext = ws.ext.data();
  for (std::int64_t t = 0; t < q.length; ++t) {
    const S* lp = q.lp_row(t);
    T* out = ws.lpx.data() + t * q.np;
    for (std::int64_t s = 0; s < q.states; ++s) out[s] = T(lp[ext[s]]);
    for (std::int64_t s = q.states; s < q.np; ++s) out[s] = ninf<T>;
  }
}

template <class Arch, class T>
xsimd::batch_bool<T, Arch> lanes_below(std::int64_t n) {
  using V = xsimd::batch<T, Arch>;
  alignas(64) T index[V::size];
  for (std::size_t l = 0; l < V::size; ++l) index[l] = static_cast<T>(l);
  return V::load_aligned(index) < V(static_cast<T>(n));
}

template <class Arch, class T, class S>
void set_pads(const sequence<Arch, T, S>& q, T* row) {
  row[-2] = row[-1] = row[q.np] = row[q.np + 1] = ninf<T>;
}

// The first α̂ row (t = 0) or the first β̂ row (t = L−1), unnormalised: two reachable states.
template <class Arch, class T, class S>
void boundary_row(const sequence<Arch, T, S>& q, T* row, std::int64_t t, bool at_start) {
  for (std::int64_t s = 0; s < q.np; ++s) row[s] = ninf<T>;
  set_pads(q, row);
  const std::int64_t first = at_start ? 0 : q.states - 1, second = at_start ? 1 : q.states - 2;
  row[first] = q.lpx(t)[first];
  if (q.states > 1) row[second] = q.lpx(t)[second];
}

// One recursion step into `cur` (unnormalised); Dir = −1 reads s, s−1, s−2 (forward), +1 reads
// s, s+1, s+2 (backward). Returns the row maximum.
template <int Dir, class Arch, class T, class S>
T step(const sequence<Arch, T, S>& q, const T* prev, T* cur, const T* lpx) {
  using V = xsimd::batch<T, Arch>;
  constexpr std::int64_t W = V::size;
  const T* allow = q.ws.allow.data() + (Dir > 0 ? 2 : 0);
  V top(ninf<T>);
  set_pads(q, cur);
  for (std::int64_t k = 0; k < q.np; k += W) {
    const V a = V::load_unaligned(prev + k);
    const V b = V::load_unaligned(prev + k + Dir);
    const V c =
        xsimd::select(V::load_unaligned(allow + k) != V(T(0)), V::load_unaligned(prev + k + 2 * Dir), V(ninf<T>));
    V r = V::load_unaligned(lpx + k) + lse3(a, b, c);
    if (k + W > q.states) r = xsimd::select(lanes_below<Arch, T>(q.states - k), r, V(ninf<T>));
    top = xsimd::select(r > top, r, top);
    r.store_unaligned(cur + k);
  }
  return lane_max(top);
}

template <class Arch, class T, class S>
T row_max(const sequence<Arch, T, S>& q, const T* row) {
  using V = xsimd::batch<T, Arch>;
  V top(ninf<T>);
  for (std::int64_t k = 0; k < q.np; k += V::size) {
    const V r = V::load_unaligned(row + k);
    top = xsimd::select(r > top, r, top);
  }
  return lane_max(top);
}

// Subtracts the row maximum (as the scalar `normalise`: an all −∞ row is left as is).
template <class Arch, class T, class S>
T normalise(const sequence<Arch, T, S>& q, T* row, T top) {
  using V = xsimd::batch<T, Arch>;
  if (top == ninf<T>) return 0;
  for (std::int64_t k = 0; k < q.np; k += V::size) (V::load_unaligned(row + k) - V(top)).store_unaligned(row + k);
  return top;
}

// ℓ = −log p(target | input) in double; L ≥ 1.
template <class Arch, class T, class S>
double forward(const sequence<Arch, T, S>& q) {
  using V = xsimd::batch<T, Arch>;
  core::ordered_sum norm;
  T* first = q.alpha_row(0);
  boundary_row(q, first, 0, true);
  norm.add(normalise(q, first, row_max(q, first)));
  q.ws.alpha_norm[0] = norm.value();
  for (std::int64_t t = 1; t < q.length; ++t) {
    T* cur = q.alpha_row(t);
    norm.add(normalise(q, cur, step<-1>(q, q.alpha_row(t - 1), cur, q.lpx(t))));
    q.ws.alpha_norm[static_cast<std::size_t>(t)] = norm.value();
  }
  const T* last = q.alpha_row(q.length - 1);
  const V end = lse3(V(last[q.states - 1]), V(q.states > 1 ? last[q.states - 2] : ninf<T>), V(ninf<T>));
  return -(norm.value() + static_cast<double>(end.get(0)));
}

// grad row t = (exp(lp) − γ)·scale.
template <class Arch, class T, class S>
void gradient_row(const sequence<Arch, T, S>& q, std::int64_t t, T offset, T scale) {
  using V = xsimd::batch<T, Arch>;
  constexpr std::int64_t W = V::size;
  const T* a = q.alpha_row(t);
  const T* bt = q.beta_row(t);
  const T* lpx = q.lpx(t);
  T* terms = q.ws.terms.data();
  T* occ = q.ws.occupation.data();
  const std::int64_t classes = q.p.classes;
  for (std::int64_t c = 0; c < classes + W; ++c) occ[c] = T(0);  // + the tail batch's lanes
  alignas(64) T parity[W];
  for (std::int64_t l = 0; l < W; ++l) parity[l] = (l & 1) ? T(0) : T(1);
  const auto is_blank = V::load_aligned(parity) != V(T(0));  // even states (W is even)
  V blank_sum(T(0));
  for (std::int64_t k = 0; k < q.np; k += W) {
    const V v = V::load_unaligned(a + k) + V::load_unaligned(bt + k);
    const auto dead = v == V(ninf<T>);  // unreachable state (also lp = −∞): no occupation
    const V x = xsimd::select(dead, V(T(0)), v - V::load_unaligned(lpx + k) + V(offset));
    const V term = xsimd::select(dead, V(T(0)), math::exp(x));
    blank_sum += xsimd::select(is_blank, term, V(T(0)));
    term.store_unaligned(terms + k);
  }
  const std::int64_t* ext = q.ws.ext.data();
  for (std::int64_t s = 1; s < q.states; s += 2) occ[ext[s]] += terms[s];
  occ[q.p.blank] += xsimd::hadd(blank_sum);

  const S* lp = q.lp_row(t);
  S* g = q.grad_row(t);
  std::int64_t c = 0;
  for (; c + W <= classes; c += W)  // 16-bit storage: lp widened as loaded, g rounded once as stored
    simd::store_as(g + c, (math::exp(simd::load_as<V>(lp + c)) - V::load_unaligned(occ + c)) * V(scale));
  if (c < classes) {  // the tail through a zero-padded copy
    alignas(64) S lanes[W] = {};
    for (std::int64_t l = 0; l < classes - c; ++l) lanes[l] = lp[c + l];
    simd::store_as(lanes, (math::exp(simd::load_as<V>(lanes)) - V::load_unaligned(occ + c)) * V(scale));
    for (std::int64_t l = 0; l < classes - c; ++l) g[c + l] = lanes[l];
  }
}

template <class Arch, class T, class S>
void backward(const sequence<Arch, T, S>& q, double nll, T scale) {
  core::ordered_sum norm;  // B_t
  for (std::int64_t t = q.length - 1; t >= 0; --t) {
    T* cur = q.beta_row(t);
    T top;
    if (t == q.length - 1) {
      boundary_row(q, cur, t, false);
      top = row_max(q, cur);
    } else {
      top = step<+1>(q, q.beta_row(t + 1), cur, q.lpx(t));
    }
    norm.add(normalise(q, cur, top));
    const double offset = q.ws.alpha_norm[static_cast<std::size_t>(t)] + norm.value() + nll;
    gradient_row(q, t, static_cast<T>(offset), scale);
  }
}

template <class Arch, class T, class S>
void zero_rows(const sequence<Arch, T, S>& q, std::int64_t from, std::int64_t to) {
  for (std::int64_t t = from; t < to; ++t) {
    S* g = q.grad_row(t);
    for (std::int64_t c = 0; c < q.p.classes; ++c) g[c] = S{};
  }
}

// Loss of sequence b (÷ max(S, 1) for mean); writes its gradient and `none` loss.
template <class Arch, class S>
double sequence_loss(const ctc_problem<S>& p, std::int64_t b) {
  using T = core::compute_t<S>;
  constexpr std::int64_t W = xsimd::batch<T, Arch>::size;
  const std::int64_t length = core::index_at(p.input_lengths, b);
  const std::int64_t target_length = core::index_at(p.target_lengths, b);
  const bool with_grad = p.grad != nullptr;
  const std::int64_t states = 2 * target_length + 1, np = (states + W - 1) / W * W, stride = np + 4;
  auto& ws = thread_workspace<Arch, T>();
  {  // sized for the batch's longest sequence (ctc_problem): no thread grows twice in a call
    const std::int64_t most = 2 * p.longest_target + 1, most_np = (most + W - 1) / W * W, most_stride = most_np + 4;
    const std::int64_t longest = p.longest_input;
    grow(ws.lpx, longest * most_np);
    grow(ws.alpha, (with_grad && longest > 2 ? longest : 2) * most_stride);
    grow(ws.beta, 2 * most_stride);
    grow(ws.allow, most_np + 2);
    if (with_grad) grow(ws.occupation, p.classes + W);  // a C-sized buffer only where a gradient row needs it
    grow(ws.terms, most_np);
    grow(ws.alpha_norm, longest);
    grow(ws.ext, most_np);
  }
  const sequence<Arch, T, S> q{p, ws, b, length, states, np, stride, with_grad};
  prepare(q);
  double nll = length > 0 ? forward(q) : 0.0;
  const bool infinite = nll == std::numeric_limits<double>::infinity();
  if (with_grad) {
    zero_rows(q, length, p.max_time);
    const double divisor = p.mean ? static_cast<double>(p.mean_batch * (target_length > 0 ? target_length : 1)) : 1.0;
    if (infinite)
      zero_rows(q, 0, length);  // no gradient for an impossible alignment (ctc.hpp)
    else if (length > 0)
      backward(q, nll, static_cast<T>(1.0 / divisor));
  }
  if (infinite && p.zero_infinity) nll = 0;
  if (p.losses) p.losses[b] = S(nll);  // rounded once from double (16 bits: round to odd, then to S)
  return p.mean ? nll / static_cast<double>(target_length > 0 ? target_length : 1) : nll;
}

}  // namespace ctc_simd

template <class Arch, class S>
double ctc::simd_block(const ctc_problem<S>& p, std::size_t begin, std::size_t end) {
  core::ordered_sum total;  // compensated, should a block ever hold more than one sequence (ctc_spec.cpp)
  for (std::size_t b = begin; b < end; ++b)
    total.add(ctc_simd::sequence_loss<Arch, S>(p, static_cast<std::int64_t>(b)));
  return total.value();
}

}  // namespace lossbench::losses
