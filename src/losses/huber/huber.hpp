// huber.hpp — Huber loss, torch.nn.functional.huber_loss (delta = 1 by default).
//   d = x − y
//   ℓ = ½d²               if |d| < δ        ∂ℓ/∂x = d
//   ℓ = δ(|d| − ½δ)       otherwise         ∂ℓ/∂x = δ·sign(d)
// Both branches as one product, c·(|d| − ½c) with c = min(|d|, δ): c = |d| gives torch 1.13's
// 0.5·|d|·|d| (|d| − ½|d| is exact), c = δ its δ·(|d| − 0.5·δ), bit for bit. NaN propagates to
// loss and gradient. At |d| = δ both branches agree (½δ², ±δ).
// δ is rounded to the compute type once, as torch does; δ ≤ 0 (or NaN) is an error naming
// `delta`, as in torch.
#pragma once

#include "losses/elementwise/elementwise.hpp"

#include <array>
#include <string>

namespace lossbench::losses {

struct huber_formula {
  static constexpr std::string_view name = "huber";
  static constexpr std::string_view summary = "½d² if |d| < δ else δ(|d| − ½δ), d = x − y";
  static constexpr std::string_view torch_name = "huber_loss";
  static constexpr std::array inputs = {
      input_desc{"input", input_kind::real, true, "prediction x, any shape"},
      input_desc{"target", input_kind::real, false, "target y, same shape"},
  };
  using parameters = huber_params;
  static constexpr std::tuple fields = {
      core::param_field{"delta", &huber_params::delta, "where the loss turns from quadratic to linear (> 0)"},
  };
  static constexpr std::array reductions = {reduction::mean, reduction::sum, reduction::none};
  // Loss: d rounds once (u). Quadratic branch: ½|d| exact, ·|d| one rounding, d's error doubled:
  // 3u. Linear branch: |d| − ½δ rounds once, and d's error is amplified by |d|/(|d| − ½δ) ≤ 2:
  // 3u; ·δ: 4u; δ rounded to T perturbs δ|d| − ½δ² by ≤ u·δ(|d| − δ) ≤ u·ℓ: 5u. The reduction
  // (elementwise.hpp): +2u → 7u, +1 margin.
  // Gradient: d (u) or δ·sign(d) (δ's rounding, u); 1/N and its product: 3u, +1 margin.
  static constexpr accuracy_bound accuracy = {8, 4, "x−y, the branch's two roundings, δ in T, 1/N"};
  static constexpr std::array<double, 2> flops_per_item = {
      6, 9};  // x−y, |d|, compare, ½d² or δ(|d|−½δ), +; gradient select and scale (loss_spec::flops)
  static constexpr std::int64_t parallel_min_elements = 131072;  // omp's break-even: docs/performance.md

  template <class T>
  struct coeffs {
    T delta;
  };
  template <class T>
  static coeffs<T> coefficients(const parameters& p) {
    return {static_cast<T>(p.delta)};
  }

  static void check_params(const parameters& p) {
    const double delta = p.delta;
    if (!(delta > 0)) throw error("delta", "must be > 0 (as torch's huber_loss), got " + std::to_string(delta));
  }

  template <class V, class K>
  static loss_grad<V> eval(V x, V y, V, const K& k) {
    const V d = x - y, z = math::fabs(d), delta(k.delta);
    const V c = math::min(z, delta);  // NaN z gives δ here, and NaN below through z
    // torch's backward: d < −δ ? −δ : d > δ ? δ : d (so |d| = δ gives d, and NaN gives NaN).
    return {c * (z - V(0.5) * c), math::clamp(d, -delta, delta)};
  }

  static void sample(core::prng& r, double& x, double& y) {
    y = r.normal();
    x = y + 1.5 * r.normal();  // errors on both sides of δ = 1: both branches are exercised
  }
};

const loss_spec& huber_spec();

}  // namespace lossbench::losses
