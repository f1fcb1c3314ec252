// bce.hpp — binary cross-entropy on probabilities, torch.nn.functional.binary_cross_entropy.
//   ℓ(p, y) = (y − 1)·max(log(1 − p), −100) − y·max(log p, −100)
//   ∂ℓ/∂p   = (p − y) / max((1 − p)·p, ε),   ε = 1e-12 as a *float* constant (torch's EPSILON)
// Exactly torch 1.13's CPU kernel: it computes log(1 − p), not log1p(−p) (checked: p = 1e-10,
// y = 0 gives 1.000000082790371e-10 in f64, which is −log(1 − p)), and the clamps keep p = 0 and
// p = 1 finite (loss 100, gradient ±1/ε). The clamps are written `v < −100 ? −100 : v`, like
// std::max(v, −100), so NaN propagates.
// Validation: p and y must lie in [0, 1]. Unlike torch, a NaN p is not rejected (it propagates,
// as every NaN input does), and a target outside [0, 1] is rejected (torch silently extrapolates).
// Precision: rounding 1 − p perturbs log(1 − p) by up to u *absolutely*, so errors are measured
// against y·|log p| + (1 − y)·(|log(1 − p)| + 1) (error_scale).
#pragma once

#include "losses/elementwise/elementwise.hpp"

#include <array>

namespace lossbench::losses {

struct bce_formula {
  static constexpr std::string_view name = "bce";
  static constexpr std::string_view summary = "−(y·log p + (1−y)·log(1−p)), each log clamped at −100";
  static constexpr std::string_view torch_name = "binary_cross_entropy";
  static constexpr std::array inputs = {
      input_desc{"input", input_kind::real, true, "probability p in [0, 1], any shape"},
      input_desc{"target", input_kind::real, false, "target probability y in [0, 1], same shape"},
  };
  using parameters = no_params;
  static constexpr std::tuple<> fields{};
  static constexpr std::array reductions = {reduction::mean, reduction::sum, reduction::none};
  // Loss, relative to m = y|L₁| + (1−y)(|L₂| + 1), L₁ = log p, L₂ = log(1 − p): log ≤ 1 ulp (2u);
  // y·L₁ one more rounding: ≤ 3u·y|L₁|. fl(1 − p) = (1 − p)(1 + δ) shifts L₂ by ≤ u absolutely,
  // then log (2u), y − 1 (u) and the product (u): ≤ 4u·(1−y)(|L₂| + 1). The final subtraction
  // adds both non-negative terms: u·m. So 5u·m; the reduction (elementwise.hpp): 7u, +1 margin.
  // Gradient: p − y, 1 − p, (1 − p)·p and the division round once each (4u; the clamp at ε is
  // continuous), 1/N in T and its product: 6u, +1 margin.
  static constexpr accuracy_bound accuracy = {8, 7, "log ≤ 1 ulp (glibc, xsimd); 1−p rounded as torch; 1/N"};
  static constexpr std::array<double, 2> flops_per_item = {
      26, 31};  // two logs, clamps and the weighted sum; gradient p(1−p), max, ÷ (loss_spec::flops)
  static constexpr std::int64_t parallel_min_elements = 16384;  // omp's break-even: docs/performance.md

  template <class T>
  struct coeffs {};
  template <class T>
  static coeffs<T> coefficients(const parameters&) {
    return {};
  }

  // p and y are probabilities; NaN compares false and so propagates.
  static constexpr std::string_view input_expected = "probabilities in [0, 1]";
  static constexpr std::string_view target_expected = "probabilities in [0, 1]";
  template <class V, class K>
  static auto bad_input(V p, const K&) {
    return (p < V(0)) | (p > V(1));
  }
  template <class V, class K>
  static auto bad_target(V y, const K&) {
    return (y < V(0)) | (y > V(1));
  }

  template <class V, class K>
  static loss_grad<V> eval(V p, V y, V, const K&) {
    const V log_p = clamp_log(math::log(p));
    const V log_1mp = clamp_log(math::log(V(1) - p));
    const V den = (V(1) - p) * p;
    const V eps(1e-12f);
    return {(y - V(1)) * log_1mp - y * log_p, (p - y) / math::select(den < eps, eps, den)};
  }

  template <class T>
  static loss_grad<T> error_scale(T p, T y, T w, const coeffs<T>& k) {
    const T log_p = clamp_log(std::log(p));
    const T log_1mp = clamp_log(std::log(T(1) - p));
    return {y * std::fabs(log_p) + (T(1) - y) * (std::fabs(log_1mp) + T(1)), std::fabs(eval(p, y, w, k).grad)};
  }

  // A classifier's outputs: labels 0/1, predictions mostly right (distance a from the label
  // skewed towards 0 by a fourth power), about 16% on the wrong side. a ∈ [1e-4, 0.99] keeps
  // finite-difference steps (1e-5) inside [0, 1]; the exact edges 0 and 1 are tested apart.
  static void sample(core::prng& r, double& p, double& y) {
    y = static_cast<double>(r.below(2));
    const double u = r.uniform();
    const double a = 1e-4 + (0.99 - 1e-4) * (u * u) * (u * u);
    p = y == 1 ? 1 - a : a;
  }

 private:
  template <class V>
  static V clamp_log(V v) {
    return math::select(v < V(-100), V(-100), v);
  }  // std::max(v, −100): NaN stays
};

const loss_spec& bce_spec();

}  // namespace lossbench::losses
