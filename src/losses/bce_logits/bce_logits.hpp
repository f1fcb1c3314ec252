// bce_logits.hpp — binary cross-entropy on logits, torch.nn.functional.binary_cross_entropy_with_logits.
//   lw = 1 + (pw − 1)·y                                  (pw = pos_weight, 1 by default)
//   ℓ(z, y) = ((1 − y)·z + lw·max(−z, 0)) + lw·log1p(e^−|z|)
//   ∂ℓ/∂z  = (1 − y)·σ(z) − pw·y·σ(−z)
// The loss is torch 1.13's (1 − y)·z + lw·(log(e^−m + e^−z−m) + m), m = max(−z, 0), with its
// log(…) = log1p(e^−|z|) computed without losing e^−|z| < u to 1 + e^−|z|, and its sum regrouped
// so that a tiny log1p is added last: z = −100, y = 0 gives −100 + 100 + 3.7e-44, not
// −100 + (100 + 3.7e-44) = 0. Keeping torch's terms rather than max(z, 0) − z·y + … matters at
// infinite logits: z = +∞, y = 0 gives +∞ (not ∞ − ∞·0 = NaN), and z = +∞, y = 1 and z = −∞
// give NaN exactly where torch does.
// The gradient is torch's σ(z)(1 + (pw − 1)y) − pw·y regrouped so that nothing cancels for a
// confident logit: σ(z) and σ(−z) are both formed from e = e^−|z| (σ(|z|) = 1/(1+e),
// σ(−|z|) = e·σ(|z|)), so e.g. z = −100, y = 0 gives σ(−100) ≈ 3.7e-44 instead of 0, and ±∞ gives
// 1 − y or −pw·y as torch.
// pos_weight is a number or an array broadcast over the last dimension (torch's broadcasting).
#pragma once

#include "losses/elementwise/elementwise.hpp"

#include <array>

namespace lossbench::losses {

struct bce_logits_formula {
  static constexpr std::string_view name = "bce_logits";
  static constexpr std::string_view summary = "(1−y)·z + (1+(pw−1)y)·(max(−z, 0) + log1p(e^−|z|))";
  static constexpr std::string_view torch_name = "binary_cross_entropy_with_logits";
  static constexpr std::array inputs = {
      input_desc{"input", input_kind::real, true, "logit z, any shape"},
      input_desc{"target", input_kind::real, false, "target probability y, same shape"},
  };
  using parameters = bce_logits_params;
  static constexpr std::tuple fields = {
      core::param_field{"pos_weight", &bce_logits_params::pos_weight,
                        "weight of positive examples: a number, or an array over the last dimension"},
  };
  static constexpr std::string_view weight_param = "pos_weight";
  static constexpr auto weight = &bce_logits_params::pos_weight;
  static constexpr std::array reductions = {reduction::mean, reduction::sum, reduction::none};
  // Errors relative to error_scale (the sums of the terms' absolute values). exp ≤ 1.5 ulp (3u:
  // xsimd's float exp in the SIMD kernels; glibc's is ≤ 1 ulp), log1p ≤ 1 ulp (2u).
  // Loss: lw = 1 + (pw − 1)·y: pw in T, −1, ·y, +1: 4u of 1 + (|pw| + 1)|y|. (1 − y)·z: 2u;
  // lw·max(−z, 0): 5u; their sum: 6u. e = e^−|z| 3u; log1p passes e's relative error on with a
  // factor ≤ 1 and adds 2u: 5u; ·lw: 10u. The final sum: 11u; the reduction (elementwise.hpp): 13u, +1 margin.
  // Gradient: e 3u, 1 + e, the division and e·σ(|z|): 6u for each σ; (1 − y)·σ(z): 8u;
  // pw·y·σ(−z) with pw in T: 9u; the difference: 10u; 1/N and its product: 12u, +1.
  static constexpr accuracy_bound accuracy = {14, 13, "exp ≤ 1.5 ulp, log1p ≤ 1 ulp; sums of terms; 1/N"};
  static constexpr std::array<double, 2> flops_per_item = {
      26, 31};  // exp and log1p of the softplus, the weighted sum; gradient σ from the same exp (loss_spec::flops)
  static constexpr std::int64_t parallel_min_elements = 8192;  // omp's break-even: docs/performance.md

  template <class T>
  struct coeffs {};
  template <class T>
  static coeffs<T> coefficients(const parameters&) {
    return {};
  }

  template <class V, class K>
  static loss_grad<V> eval(V z, V y, V pw, const K&) {
    const V e = math::exp(-math::fabs(z));
    const V softplus_neg_abs = math::log1p(e);             // log(1 + e^−|z|)
    const V neg_part = math::select(-z < V(0), V(0), -z);  // max(−z, 0), NaN stays NaN (torch's clamp_min)
    const V log_weight = V(1) + (pw - V(1)) * y;
    const V sigma_abs = V(1) / (V(1) + e);  // σ(|z|)
    const V sigma_neg_abs = e * sigma_abs;  // σ(−|z|), never 1 − σ(|z|)
    const auto nonneg = z >= V(0);
    const V sigma_z = math::select(nonneg, sigma_abs, sigma_neg_abs);
    const V sigma_minus_z = math::select(nonneg, sigma_neg_abs, sigma_abs);
    // lw·max(−z, 0) is 0 where max(−z, 0) is, even for lw = ∞ (pos_weight = ∞): torch multiplies lw
    // by the sum max(−z, 0) + log1p(…) > 0, so its loss is ∞ there, not ∞·0 = NaN.
    const V weighted_neg_part = math::select(neg_part == V(0), V(0), log_weight * neg_part);
    return {((V(1) - y) * z + weighted_neg_part) + log_weight * softplus_neg_abs,
            (V(1) - y) * sigma_z - pw * y * sigma_minus_z};
  }

  template <class T>
  static loss_grad<T> error_scale(T z, T y, T pw, const coeffs<T>&) {
    const T e = std::exp(-std::fabs(z));
    const T neg_part = z < T(0) ? -z : T(0);
    const T weight_scale = T(1) + (std::fabs(pw) + T(1)) * std::fabs(y);
    const T sigma_abs = T(1) / (T(1) + e);
    const bool nonneg = z >= T(0);
    const T sigma_z = nonneg ? sigma_abs : e * sigma_abs;
    const T sigma_minus_z = nonneg ? e * sigma_abs : sigma_abs;
    return {std::fabs(T(1) - y) * std::fabs(z) + weight_scale * (std::log1p(e) + neg_part),
            std::fabs(T(1) - y) * sigma_z + std::fabs(pw * y) * sigma_minus_z};
  }

  // Logits of a model that is mostly right: z ~ 3·N(0,1), label = [z + 2·N(0,1) > 0].
  static void sample(core::prng& r, double& z, double& y) {
    z = 3 * r.normal();
    y = z + 2 * r.normal() > 0 ? 1 : 0;
  }
};

const loss_spec& bce_logits_spec();

}  // namespace lossbench::losses
