// elementwise_simd.hpp — the SIMD block kernel shared by every element-wise loss: the formula
// F::eval evaluated on xsimd batches, four batches per iteration, their losses summed in
// double lanes (simd/block_sum.hpp), and the tail (< one batch) run through the
// same code on a zero-padded copy with the padding lanes masked out — no scalar code path, so
// nothing compiled here for one ISA can be merged into another ISA's path (ODR): every function
// here depends on Arch, and the tail copies are plain loops rather than std::copy.
// bf16 arrays on AVX-512 (no weight array) go two batches at a time, split into even and odd
// elements by a shift and a mask instead of a widening shuffle (run_bf16_pairs). `run` is
// flattened (simd/inlining.hpp): GCC otherwise leaves a formula's eval out of line (bce_logits
// lost 25% to that).
// Include only from the ISA translation units (isa/instantiate.hpp).
#pragma once

#include "losses/elementwise/elementwise.hpp"
#include "simd/block_sum.hpp"
#include "simd/convert16.hpp"
#include "simd/inlining.hpp"
#include "simd/prefetch.hpp"
#include "simd/stream_store.hpp"

#include <algorithm>

#include <xsimd/xsimd.hpp>

namespace lossbench::losses {

namespace elementwise_simd {

template <class V, class S, class P>
inline V weights(const P& p, std::size_t i) {
  if (!p.w) return V(p.w_scalar);
  const std::size_t j = i % p.w_len;
  if (j + V::size <= p.w_len) return simd::load_as<V>(p.w + j);
  alignas(64) S lanes[V::size];  // the batch wraps around the weight row: gather lane by lane
  for (std::size_t l = 0; l < V::size; ++l) lanes[l] = p.w[(i + l) % p.w_len];
  return simd::load_as<V>(lanes);
}

// One batch: evaluate, store what is wanted, check the domain; returns the losses for the block's
// sum. `Stream`: the gradient goes out with streaming stores (p.grad + i is then batch-aligned).
// V is a batch of the compute type, S the arrays' storage type (simd/convert16.hpp converts
// 16-bit storage).
template <class F, bool Grad, bool Losses, bool Stream, class V, class S, class P, class M>
inline V step(const P& p, std::size_t i, const V& x, const V& y, M& bad) {
  const auto r = F::eval(x, y, weights<V, S>(p, i), p.k);
  if constexpr (Losses) simd::store_as(p.losses + i, r.loss);
  if constexpr (Grad) {
    const V g = r.grad * V(p.grad_scale);
    if constexpr (Stream)
      simd::store_streaming(p.grad + i, g);
    else
      simd::store_as(p.grad + i, g);
  }
  if constexpr (elementwise<F>::checks_values) bad = bad | elementwise<F>::bad_values(x, y, p.k);
  return r.loss;
}

// What a partial batch adds to the block: its live lanes' losses (the padding lanes 0) and
// domain check.
template <class V>
struct tail_result {
  V loss;
  typename V::batch_bool_type bad;
};

// Fewer than a batch of elements from i: run on a zero-padded copy, the padding lanes masked out,
// the results copied back (the block's tail, and the streaming path's head).
template <class F, bool Grad, bool Losses, class V, class S, class P>
tail_result<V> partial(const P& p, std::size_t i, std::size_t rem) {
  using T = typename V::value_type;
  constexpr std::size_t W = V::size;
  alignas(64) S x[W] = {}, y[W] = {}, loss[W], grad[W];
  alignas(64) T index[W];
  for (std::size_t l = 0; l < rem; ++l) x[l] = p.x[i + l], y[l] = p.y[i + l];
  for (std::size_t l = 0; l < W; ++l) index[l] = static_cast<T>(l);
  const V xs = simd::load_as<V>(x), ys = simd::load_as<V>(y);
  const auto r = F::eval(xs, ys, weights<V, S>(p, i), p.k);
  const auto live = V::load_aligned(index) < V(static_cast<T>(rem));
  tail_result<V> out{xsimd::select(live, r.loss, V(T(0))), typename V::batch_bool_type(false)};
  if constexpr (elementwise<F>::checks_values) out.bad = elementwise<F>::bad_values(xs, ys, p.k) & live;
  if constexpr (Losses) {
    simd::store_as(loss, r.loss);
    for (std::size_t l = 0; l < rem; ++l) p.losses[i + l] = loss[l];
  }
  if constexpr (Grad) {
    simd::store_as(grad, r.grad * V(p.grad_scale));
    for (std::size_t l = 0; l < rem; ++l) p.grad[i + l] = grad[l];
  }
  return out;
}

// bf16 on AVX-512 without a weight array: two batches per 512-bit load, in even/odd lane order
// (simd/convert16.hpp: load_bf16_pair), so no shuffle port is spent widening; the loss and
// gradient of each element are the same as step's, only the order in which the losses enter the
// block's double lanes differs. Two pairs per iteration, so the sum widens once per four batches.
// Unless `Checked`, neither the stores nor the sum branch: the stores convert without testing for
// subnormal floats (simd::store_bf16_pair_unchecked, which notes one) and the float pair sums
// without testing for overflow (simd::block_sum::add_unchecked, after which the sum is not
// finite); where either happened, the pairs run again with the tests, from the start of the
// block. That run reads x and y again, so a call whose outputs overwrite its inputs (in place)
// runs with the tests the first time. Returns where the whole pairs end.
template <class F, bool Grad, bool Losses, bool Checked, class Arch, class P, class M>
simd::float_pair<Arch> bf16_pair(const P& p, std::size_t i, M& bad, std::uint32_t& subnormal) {
  using V = xsimd::batch<float, Arch>;
  const V w(p.w_scalar), scale(p.grad_scale);
  const auto x = simd::load_bf16_pair<Arch>(p.x + i), y = simd::load_bf16_pair<Arch>(p.y + i);
  const auto even = F::eval(x.even, y.even, w, p.k), odd = F::eval(x.odd, y.odd, w, p.k);
  auto store = [&](bf16* to, const V& a, const V& b) {
    if constexpr (Checked)
      simd::store_bf16_pair<Arch>(to, a, b);
    else
      simd::store_bf16_pair_unchecked<Arch>(to, a, b, subnormal);
  };
  if constexpr (Losses) store(p.losses + i, even.loss, odd.loss);
  if constexpr (Grad) store(p.grad + i, even.grad * scale, odd.grad * scale);
  if constexpr (elementwise<F>::checks_values)
    bad = bad | elementwise<F>::bad_values(x.even, y.even, p.k) | elementwise<F>::bad_values(x.odd, y.odd, p.k);
  return {even.loss, odd.loss};
}

template <class F, bool Grad, bool Losses, bool Checked, class Arch, class P, class Sum, class M>
std::size_t bf16_pairs(const P& p, std::size_t i, std::size_t e, Sum& sum, M& bad, std::uint32_t& subnormal) {
  constexpr std::size_t W = xsimd::batch<float, Arch>::size;
  for (; i + 4 * W <= e; i += 4 * W) {
    const auto a = bf16_pair<F, Grad, Losses, Checked, Arch>(p, i, bad, subnormal);
    const auto b = bf16_pair<F, Grad, Losses, Checked, Arch>(p, i + 2 * W, bad, subnormal);
    if constexpr (Checked)
      sum.add(a.even, a.odd, b.even, b.odd);
    else
      sum.add_unchecked(a.even, a.odd, b.even, b.odd);
  }
  if (i + 2 * W <= e) {
    const auto a = bf16_pair<F, Grad, Losses, Checked, Arch>(p, i, bad, subnormal);
    if constexpr (Checked)
      sum.add(a.even, a.odd);
    else
      sum.add_unchecked(a.even, a.odd);
    i += 2 * W;
  }
  return i;
}

// Whether [a + i, a + e) and [b + i, b + e) share memory (b null: no array).
template <class S>
bool overlap(const S* a, const S* b, std::size_t i, std::size_t e) {
  const auto lo = [&](const S* p) { return reinterpret_cast<std::uintptr_t>(p + i); };
  const auto hi = [&](const S* p) { return reinterpret_cast<std::uintptr_t>(p + e); };
  return b && lo(a) < hi(b) && lo(b) < hi(a);
}

// The pairs start the block: `sum` and `bad` hold nothing yet, so a second run may start them again.
template <class F, bool Grad, bool Losses, class Arch, class P, class Sum, class M>
std::size_t run_bf16_pairs(const P& p, std::size_t i, std::size_t e, Sum& sum, M& bad) {
  std::uint32_t subnormal = 0;
  const bool in_place = overlap(p.x, p.grad, i, e) || overlap(p.y, p.grad, i, e) || overlap(p.x, p.losses, i, e) ||
                        overlap(p.y, p.losses, i, e);
  if (in_place) return bf16_pairs<F, Grad, Losses, true, Arch>(p, i, e, sum, bad, subnormal);
  const std::size_t end = bf16_pairs<F, Grad, Losses, false, Arch>(p, i, e, sum, bad, subnormal);
  if (subnormal != 0 || !sum.finite()) {  // rare: a result below 2^-126, or losses near 2^128, ±∞, NaN
    sum = Sum();
    bad = M(false);
    bf16_pairs<F, Grad, Losses, true, Arch>(p, i, e, sum, bad, subnormal);
  }
  return end;
}

template <class F, bool Grad, bool Losses, bool Stream, class Arch, class S, class P>
LOSSBENCH_FLATTEN double run(const P& problem, std::size_t b, std::size_t e) {
  using T = core::compute_t<S>;
  using V = xsimd::batch<T, Arch>;
  constexpr std::size_t W = V::size;
  // The loop works on a private copy of the problem, whose address never leaves this function:
  // 16-bit stores go through integer vector types that may alias anything, and would otherwise
  // make the compiler reload every pointer and constant of `problem` after each store.
  const P p = problem;
  simd::block_sum<Arch, T> sum;
  xsimd::batch_bool<T, Arch> bad(false);
  auto add_partial = [&](std::size_t at, std::size_t count, int k) {
    const tail_result<V> t = partial<F, Grad, Losses, V, S>(problem, at, count);
    sum.add(t.loss, k);
    bad = bad | t.bad;
  };
  std::size_t i = b;
  if constexpr (Stream) {  // up to the gradient's batch alignment first (the same count in every block)
    const std::size_t head = std::min(e - b, simd::elements_to_alignment<Arch>(p.grad + b));
    if (head > 0) add_partial(i, head, 2);
    i += head;
  }
  // Not with streaming stores: whole 64-byte lines streamed from the pair loop measured 15–50%
  // slower at 16M elements than the batch loop's half lines (bce, hinge, kl_div).
  if constexpr (std::is_same_v<S, bf16> && simd::bf16_pairs<Arch> && !Stream)
    if (!p.w) i = run_bf16_pairs<F, Grad, Losses, Arch>(p, i, e, sum, bad);
  for (; i + 4 * W <= e; i += 4 * W) {
    if constexpr (Stream) {  // arrays past the last-level cache: from DRAM, requested ahead
      simd::prefetch_ahead<Arch>(p.x + i, 4 * W * sizeof(S));
      simd::prefetch_ahead<Arch>(p.y + i, 4 * W * sizeof(S));
    }
    V loss[4];
    for (std::size_t k = 0; k < 4; ++k) {
      const std::size_t o = i + k * W;
      loss[k] = step<F, Grad, Losses, Stream, V, S>(p, o, simd::load_as<V>(p.x + o), simd::load_as<V>(p.y + o), bad);
    }
    sum.add(loss[0], loss[1], loss[2], loss[3]);
  }
  for (; i + W <= e; i += W)
    sum.add(step<F, Grad, Losses, Stream, V, S>(p, i, simd::load_as<V>(p.x + i), simd::load_as<V>(p.y + i), bad), 0);
  if (i < e) add_partial(i, e - i, 1);
  if constexpr (Stream) simd::streaming_fence<Arch>();
  if (xsimd::any(bad)) core::flag_invalid(p.invalid);
  return sum.total();
}

}  // namespace elementwise_simd

template <class F>
template <class Arch, class S>
double elementwise<F>::simd_block(const problem<S>& p, std::size_t b, std::size_t e) {
  using namespace elementwise_simd;
  if (p.grad && p.stream_grad && !p.losses) return run<F, true, false, true, Arch, S>(p, b, e);
  if (p.grad)
    return p.losses ? run<F, true, true, false, Arch, S>(p, b, e) : run<F, true, false, false, Arch, S>(p, b, e);
  return p.losses ? run<F, false, true, false, Arch, S>(p, b, e) : run<F, false, false, false, Arch, S>(p, b, e);
}

}  // namespace lossbench::losses
