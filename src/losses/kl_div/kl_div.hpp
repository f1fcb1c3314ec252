// kl_div.hpp — pointwise Kullback–Leibler divergence, torch.nn.functional.kl_div.
//   input x = log q (log-probabilities), target p:
//   log_target = false:  ℓ = xlogy(p, p) − p·x   (xlogy(0, ·) = 0, so p = 0 contributes 0)   ∂ℓ/∂x = −p
//   log_target = true:   ℓ = e^t·(t − x), t = log p                                         ∂ℓ/∂x = −e^t
// torch 1.13's exact formulas (xlogy(p, p) − p·x, not p·(log p − x)): so p = 0 with x = −∞ gives
// NaN as in torch, and the gradient −p is never NaN for p = 0. xlogy(NaN, ·) is NaN.
// A negative p (log_target = false) is an error naming `target` (torch returns NaN).
// Reductions: mean (torch's default, per element; kept for parity), sum, none, and batchmean
// (sum / first dimension — the mathematically correct KL per sample).
// Precision: p·log p − p·x may cancel, so errors are measured against p·(|log p| + |x|).
#pragma once

#include "losses/elementwise/elementwise.hpp"

#include <array>
#include <limits>

namespace lossbench::losses {

struct kl_div_formula {
  static constexpr std::string_view name = "kl_div";
  static constexpr std::string_view summary = "p·(log p − x), 0 where p = 0; x = log q";
  static constexpr std::string_view torch_name = "kl_div";
  static constexpr std::array inputs = {
      input_desc{"input", input_kind::real, true, "log-probabilities x = log q, any shape"},
      input_desc{"target", input_kind::real, false, "probabilities p (log p with log_target), same shape"},
  };
  using parameters = kl_div_params;
  static constexpr std::tuple fields = {
      core::param_field{"log_target", &kl_div_params::log_target, "the target is given as log-probabilities"},
  };
  static constexpr std::array reductions = {reduction::mean, reduction::sum, reduction::none, reduction::batchmean};
  // log ≤ 1 ulp (2u; glibc and xsimd), exp ≤ 1.5 ulp (3u: xsimd's float exp in the SIMD kernels).
  // Loss, log_target = false, relative to p(|log p| + |x|): p·log p 3u, p·x u, the difference u:
  // 4u. log_target = true, relative to e^t·|t − x|: e^t 3u, t − x u, the product u: 5u. The
  // reduction (elementwise.hpp): 2u → 7u.
  // Gradient: −p exact or −e^t (3u); the scale and its product: 5u.
  static constexpr accuracy_bound accuracy = {8, 6, "log ≤ 1 ulp, exp ≤ 1.5 ulp; p·log p − p·x; 1/N"};
  static constexpr std::array<double, 2> flops_per_item = {
      13, 14};  // log p, p·(log p − x), +; gradient −p·scale (loss_spec::flops)
  static constexpr std::int64_t parallel_min_elements = 32768;  // omp's break-even: docs/performance.md

  template <class T>
  struct coeffs {
    bool log_target;
  };
  template <class T>
  static coeffs<T> coefficients(const parameters& p) {
    return {p.log_target};
  }

  static constexpr std::string_view target_expected = "probabilities ≥ 0 (log_target is false)";
  template <class V, class K>
  static auto bad_target(V p, const K& k) {  // with log_target any value (log p) is valid
    return p < V(k.log_target ? -std::numeric_limits<double>::infinity() : 0.0);
  }

  template <class V, class K>
  static loss_grad<V> eval(V x, V p, V, const K& k) {
    if (k.log_target) {
      const V e = math::exp(p);
      return {e * (p - x), -e};
    }
    return {math::xlogx(p) - p * x, -p};
  }

  template <class T>
  static loss_grad<T> error_scale(T x, T p, T, const coeffs<T>& k) {
    if (k.log_target) {
      const T e = std::exp(p);
      return {e * std::fabs(p - x), e};
    }
    return {std::fabs(math::xlogx(p)) + std::fabs(p * x), std::fabs(p)};
  }

  // x = log q for q uniform on (0, 1]: −log q ~ Exp(1) = χ²₂/2, formed from two of the PRNG's
  // normals with + and × only, so the data stay bit-portable (no libm). p uniform on [0, 1) with
  // one element in eight exactly 0 (classes absent from the target distribution).
  static void sample(core::prng& r, double& x, double& p) {
    const double a = r.normal(), b = r.normal();
    x = -0.5 * (a * a + b * b);
    p = r.below(8) == 0 ? 0.0 : r.uniform();
  }
};

const loss_spec& kl_div_spec();

}  // namespace lossbench::losses
