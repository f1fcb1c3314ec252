// cross_entropy_simd.hpp — the xsimd block kernel of cross_entropy: the scalar kernel's formula
// (cross_entropy.hpp, scalar_kernel.cpp) vectorised along the classes of a row.
//   1. m = max_c z_c: a vertical max over the row's batches (two accumulators; `z > m` keeps NaN
//      out, as in the scalar kernel), then one horizontal max.
//   2. d_c = z_c − m and e_c = exp(d_c) in the dtype (math::exp: xsimd's, with its tails
//      guarded); e is stored in the gradient row; s = Σ e_c, Σ v_c·(m − z_c) and Σ v_c (the
//      spread part of the weighted target v) in double lanes (simd_row.hpp; f32: four batches
//      of e added in f32 first).
//   3. per row, in double: ℓ = Σ v_c·(m − z_c) + M·log s, ratio = M/s — computed for up to one
//      double batch of rows at once when rows are narrow (one log for several rows);
//      g_c = e_c·(scale·ratio) − scale·v_c over the row's batches, the target class patched
//      with the scalar kernel's double formula.
// Not measured yet: the one-pass online log-sum-exp (running max, rescaled sum) needs a second
// exp or a rescale of the stored e per new maximum, while the max pass is one load, compare and
// blend per batch on an L1-resident row; three passes were kept for that reason.
// The last, partial batch of a row is masked (simd_row.hpp: row_tail), never a scalar loop.
// f32 gradients are formed in f32 (≤ 2.5 more roundings than the scalar kernel's double
// formula; within the documented bound, see cross_entropy.hpp); f64 ones in f64 like scalar.
// 16-bit storage S runs the f32 kernel on inputs widened as they are loaded; e_c goes to a
// per-thread f32 scratch of the row (or group of rows) instead of the gradient row, where it would
// be rounded to 16 bits before g_c is formed, and each g_c is rounded once as it is stored.
// Include only from the ISA translation units (isa/instantiate.hpp).
#pragma once

#include "losses/cross_entropy/cross_entropy.hpp"
#include "losses/cross_entropy/narrow_rows.hpp"
#include "losses/cross_entropy/simd_row.hpp"
#include "simd/convert16.hpp"
#include "simd/inlining.hpp"
#include "simd/math.hpp"
#include "simd/prefetch.hpp"

#include <xsimd/xsimd.hpp>

#include <array>
#include <limits>

namespace lossbench::losses {

namespace ce_simd {

// point: class indices, ε = 0 (v is a point mass); spread: class indices, ε > 0 (v adds
// b·w_c on every class); probs: probability targets (all spread).
enum class mode { point, spread, probs };

template <class Arch, class S, mode Md, bool Weighted, bool Grad>
struct kernel {
  using T = core::compute_t<S>;
  using V = xsimd::batch<T, Arch>;
  using D = dbatch<Arch>;
  using sum = lane_sum<Arch, T>;
  static constexpr std::size_t W = V::size, WD = D::size;
  static constexpr int halves = std::is_same_v<T, float> ? 2 : 1;
  static constexpr T neg_inf = -std::numeric_limits<T>::infinity();
  static constexpr bool narrow = simd::is_16bit_v<S>;  // e_c kept in `scratch`, not in the gradient
  // Rows from this size on request the next row ahead when the call's arrays come from DRAM;
  // shorter rows are a block of several, which the hardware prefetchers follow.
  static constexpr std::size_t next_row_min_bytes = 4096;

  const cross_entropy_problem<S>& p;
  std::size_t C;
  row_tail<Arch, T> tail;
  double b, keep;          // b = ε/C; keep = 1 − ε
  alignas(64) T wtail[W];  // the weight row's tail, zero-padded (no read past the weights)
  std::size_t stride = 0;  // 16-bit storage: a row's floats in scratch (C rounded up to W)
  float* scratch = nullptr;

  kernel(const cross_entropy_problem<S>& pr, std::size_t end_row)
      : p(pr),
        C(pr.classes),
        tail(pr.classes, end_row * pr.classes),
        b(pr.smoothing / static_cast<double>(pr.classes)),
        keep(1.0 - pr.smoothing) {
    if constexpr (narrow) {
      alignas(64) S w16[W] = {};
      for (std::size_t l = 0; l < W; ++l)
        if (Weighted && l < tail.rem) w16[l] = p.weight[tail.full + l];
      simd::load_as<V>(w16).store_aligned(wtail);
    } else {
      for (std::size_t l = 0; l < W; ++l) wtail[l] = (Weighted && l < tail.rem) ? p.weight[tail.full + l] : T(0);
    }
    if constexpr (narrow && Grad) {
      stride = tail.full + (tail.rem ? W : 0);
      scratch = f32_scratch<Arch>(stride * group_rows());
    }
  }

  // Rows of one group (narrow rows: a double batch of them) share the vector log and divide.
  std::size_t group_rows() const { return C * WD * sizeof(T) <= 16384 ? WD : 1; }

  // Where pass 2 leaves e for row k of its group: the gradient row, or the f32 scratch.
  T* e_row(std::size_t start, std::size_t k) const {
    if constexpr (narrow)
      return scratch + k * stride;
    else
      return p.grad + start;
  }

  // A row's weights at class c (full batches) and in its tail (dead lanes 0).
  V weights(std::size_t c) const { return Weighted ? simd::load_as<V>(p.weight + c) : V(T(1)); }
  V tail_weights() const { return Weighted ? V::load_aligned(wtail) : xsimd::select(tail.live, V(T(1)), V(T(0))); }

  T row_max(std::size_t start) const {
    const S* z = p.logits + start;
    V m0(neg_inf), m1(neg_inf);
    std::size_t c = 0;
    for (; c + 2 * W <= tail.full; c += 2 * W) {
      const V a = simd::load_as<V>(z + c), a1 = simd::load_as<V>(z + c + W);
      m0 = xsimd::select(a > m0, a, m0);
      m1 = xsimd::select(a1 > m1, a1, m1);
    }
    if (c < tail.full) {
      const V a = simd::load_as<V>(z + c);
      m0 = xsimd::select(a > m0, a, m0);
    }
    if (tail.rem) {
      const V a = tail.load(p.logits, start, neg_inf);
      m1 = xsimd::select(a > m1, a, m1);
    }
    return hmax(xsimd::select(m1 > m0, m1, m0));
  }

  // Σ e, and for a spread target Σ w·(m − z) (Md = spread, times b later) or Σ v·(m − z), Σ v.
  // exp_row adds to s; add_target the rest.
  struct accumulators {
    sum s[2], shift[2], mass[2];
    void add_target(int k, const V& d, const V& w, const V& probs, double keep, double b) {
      if constexpr (Md == mode::spread) {
        if constexpr (Weighted) {  // w·d exact in double lanes for f32; one rounding in f64
          const auto dh = widen_lanes<Arch, T>(d), wh = widen_lanes<Arch, T>(w);
          for (int h = 0; h < halves; ++h) shift[k].add_wide(wh[h] * -dh[h]);
        } else {
          shift[k].add(-d);
        }
      } else if constexpr (Md == mode::probs) {
        const auto dh = widen_lanes<Arch, T>(d), wh = widen_lanes<Arch, T>(w), ph = widen_lanes<Arch, T>(probs);
        for (int h = 0; h < halves; ++h) {
          const D v = wh[h] * (D(keep) * ph[h] + D(b));
          shift[k].add_wide(v * -dh[h]);
          mass[k].add_wide(v);
        }
      }
    }
  };

  struct row_sums {
    double s, shift, mass;
  };

  // Pass 2 over the row starting at element `start`, row k of its group: e_c stored in e_row.
  // Flattened: GCC left the per-batch step out of line, the row's sums on the stack (a store and
  // a reload on their dependency chain each batch); bf16, C = 32000, 4 rows: 97 → 90 µs.
  LOSSBENCH_FLATTEN row_sums exp_row(std::size_t start, std::size_t k_row, T m) const {
    const S* z = p.logits + start;
    const S* probs = Md == mode::probs ? p.probs + start : nullptr;
    T* g = Grad ? e_row(start, k_row) : nullptr;
    const V mv(m);
    accumulators acc;
    // From DRAM, the next row's logits (and the gradient lines it will write) are requested while
    // this row computes its exps, the kernel's costliest pass: else the next row's max pass waits
    // on memory with no work to overlap.
    const bool ahead = p.from_memory && C * sizeof(S) >= next_row_min_bytes;
    auto chunk = [&](std::size_t c, int k) {
      if (ahead) {
        simd::prefetch_to_l2<Arch>(z + c, C * sizeof(S));
        if constexpr (Grad) simd::prefetch_to_l2<Arch>(p.grad + start + c, C * sizeof(S));
      }
      const V d = simd::load_as<V>(z + c) - mv;
      const V e = math::exp(d);
      if constexpr (Grad) {
        if constexpr (narrow)
          e.store_aligned(g + c);
        else
          e.store_unaligned(g + c);
      }
      const V pr = Md == mode::probs ? simd::load_as<V>(probs + c) : V(T(0));
      acc.add_target(k, d, Md == mode::point ? V(T(0)) : weights(c), pr, keep, b);
      return e;
    };
    std::size_t c = 0;
    if constexpr (std::is_same_v<T, float>) {
      // Four batches of e (each in [0, 1]) added in f32 before the sum is widened to double lanes:
      // ≤ 2u·s more error in s (cross_entropy.hpp's f32 bound counts it), and the widening — 7 of
      // the ~33 vector instructions of a batch — once per four batches.
      for (; c + 4 * W <= tail.full; c += 4 * W) {
        const V e0 = chunk(c, 0), e1 = chunk(c + W, 1), e2 = chunk(c + 2 * W, 0), e3 = chunk(c + 3 * W, 1);
        acc.s[0].add((e0 + e1) + (e2 + e3));
      }
    }
    for (; c + 2 * W <= tail.full; c += 2 * W) acc.s[0].add(chunk(c, 0)), acc.s[1].add(chunk(c + W, 1));
    if (c < tail.full) acc.s[0].add(chunk(c, 0));
    if (tail.rem) {  // dead lanes: d = 0, e = 0, w = 0 (fill with m: d = m − m)
      const V d = xsimd::select(tail.live, tail.load(p.logits, start, m) - mv, V(T(0)));
      const V e = xsimd::select(tail.live, math::exp(d), V(T(0)));
      if constexpr (Grad) {
        if constexpr (narrow)
          e.store_aligned(g + tail.full);  // the scratch row is padded to whole batches
        else
          tail.store(p.grad, start, e);
      }
      const V pr = Md == mode::probs ? tail.load(p.probs, start, T(0)) : V(T(0));
      acc.s[1].add(e);
      acc.add_target(1, d, Md == mode::point ? V(T(0)) : tail_weights(), pr, keep, b);
    }
    acc.s[0].merge(acc.s[1]);
    row_sums r{acc.s[0].total(), 0.0, 0.0};
    if constexpr (Md != mode::point) {
      acc.shift[0].merge(acc.shift[1]);
      r.shift = acc.shift[0].total();
    }
    if constexpr (Md == mode::probs) {
      acc.mass[0].merge(acc.mass[1]);
      r.mass = acc.mass[0].total();
    }
    return r;
  }

  // Pass 3: g = e·k − (scale·v) from the stored e; k = scale·ratio in the dtype.
  void grad_row(std::size_t start, std::size_t k_row, std::size_t target, double a, double ratio) const {
    S* g = p.grad + start;
    const T* es = e_row(start, k_row);
    const double scale = p.grad_scale;
    const V k(static_cast<T>(scale * ratio)), kb(static_cast<T>(scale * b));
    const V kp(static_cast<T>(scale * keep)), ke(static_cast<T>(scale * b));
    const S* probs = Md == mode::probs ? p.probs + start : nullptr;
    const T e_target = Md == mode::probs ? T(0) : es[target];
    auto grad = [&](const V& e, const V& w, const V& pr) {
      if constexpr (Md == mode::point)
        return V(e * k);
      else if constexpr (Md == mode::spread)
        return V(e * k - (Weighted ? w * kb : kb));
      else
        return V(e * k - w * (pr * kp + ke));
    };
    auto e_at = [&](std::size_t c) {
      if constexpr (narrow)
        return V::load_aligned(es + c);
      else
        return V::load_unaligned(es + c);
    };
    std::size_t c = 0;
    for (; c < tail.full; c += W) {
      const V pr = Md == mode::probs ? simd::load_as<V>(probs + c) : V(T(0));
      simd::store_as(g + c, grad(e_at(c), Md == mode::point ? V(T(0)) : weights(c), pr));
    }
    if (tail.rem) {
      const V pr = Md == mode::probs ? tail.load(p.probs, start, T(0)) : V(T(0));
      V e;
      if constexpr (narrow)
        e = e_at(tail.full);
      else
        e = tail.load(p.grad, start, T(0));
      tail.store(p.grad, start, grad(e, Md == mode::point ? V(T(0)) : tail_weights(), pr));
    }
    if constexpr (Md != mode::probs) {  // the target class: the scalar kernel's formula, in double
      const double spread = Md == mode::spread ? b * (Weighted ? static_cast<double>(p.weight[target]) : 1.0) : 0.0;
      g[target] = stored(scale * (static_cast<double>(e_target) * ratio - (spread + a)));
    }
  }

  // A double result in the storage type: one rounding (16 bits: straight from double).
  static S stored(double x) noexcept {
    if constexpr (narrow)
      return S(x);
    else
      return static_cast<T>(x);
  }

  void zero_row(std::size_t start) const {
    for (std::size_t c = 0; c < tail.full; c += W) simd::store_as(p.grad + start + c, V(T(0)));
    if (tail.rem) tail.store(p.grad, start, V(T(0)));
  }

  // Rows of one group (narrow rows: a double batch of them) share the vector log and divide.
  double run(std::size_t begin, std::size_t end) const {
    const std::size_t group = group_rows();
    lane_sum<Arch, double> total;
    alignas(64) double s[WD], shift[WD], mass[WD], a[WD], loss[WD], ratio[WD];
    std::size_t target[WD];
    bool counted[WD];
    for (std::size_t row0 = begin; row0 < end; row0 += group) {
      const std::size_t n = end - row0 < group ? end - row0 : group;
      for (std::size_t k = 0; k < WD; ++k) s[k] = 1, shift[k] = 0, mass[k] = 0, a[k] = 0, target[k] = 0;
      for (std::size_t k = 0; k < n; ++k) {
        const std::size_t row = row0 + k, start = row * C;
        counted[k] = true;
        if constexpr (Md != mode::probs) {
          const std::int64_t t = target_index<Arch>(p, row);
          if (t == p.ignore_index) {  // torch: loss 0, gradient 0
            counted[k] = false;
            if constexpr (Grad) zero_row(start);
            continue;
          }
          target[k] = static_cast<std::size_t>(t);
        }
        const T m = row_max(start);
        const row_sums r = exp_row(start, k, m);
        s[k] = r.s;
        if constexpr (Md == mode::probs) {
          shift[k] = r.shift, mass[k] = r.mass;
        } else {  // the point mass a at the target (its term apart: a = 0, z_t = −inf is NaN, as torch)
          a[k] = keep * class_weight<Arch>(p, target[k]);
          const T zt = static_cast<T>(p.logits[start + target[k]]);
          shift[k] = (Md == mode::spread ? b * r.shift : 0.0) + a[k] * -static_cast<double>(zt - m);
          mass[k] = a[k] + b * p.weight_total;
        }
      }
      const D sv = D::load_aligned(s), mv = D::load_aligned(mass);
      const D lv = D::load_aligned(shift) + mv * math::log(sv);  // unused lanes: 0 + 0·log 1
      lv.store_aligned(loss);
      (mv / sv).store_aligned(ratio);
      total.add_wide(lv);
      for (std::size_t k = 0; k < n; ++k) {
        if (p.losses) p.losses[row0 + k] = stored(loss[k]);
        if (Grad && counted[k]) grad_row((row0 + k) * C, k, Md == mode::probs ? 0 : target[k], a[k], ratio[k]);
      }
    }
    return total.total();
  }
};

template <class Arch, class S, mode Md, bool Weighted>
double run(const cross_entropy_problem<S>& p, std::size_t b, std::size_t e) {
  if (p.grad) return kernel<Arch, S, Md, Weighted, true>(p, e).run(b, e);
  return kernel<Arch, S, Md, Weighted, false>(p, e).run(b, e);
}

}  // namespace ce_simd

template <class Arch, class S>
double cross_entropy::simd_block(const problem<S>& p, std::size_t b, std::size_t e) {
  using ce_simd::mode;
  if (b >= e) return 0;
  if (p.probs)
    return p.weight ? ce_simd::run<Arch, S, mode::probs, true>(p, b, e)
                    : ce_simd::run<Arch, S, mode::probs, false>(p, b, e);
  if (p.smoothing > 0)
    return p.weight ? ce_simd::run<Arch, S, mode::spread, true>(p, b, e)
                    : ce_simd::run<Arch, S, mode::spread, false>(p, b, e);
  if (p.classes <= ce_simd::narrow_classes)  // a row per lane (narrow_rows.hpp)
    return p.grad ? ce_simd::narrow_kernel<Arch, S, true>{p}.run(b, e)
                  : ce_simd::narrow_kernel<Arch, S, false>{p}.run(b, e);
  return ce_simd::run<Arch, S, mode::point, false>(p, b, e);  // the weight enters only through a
}

}  // namespace lossbench::losses
