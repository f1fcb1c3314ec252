// hinge.hpp — hinge loss, torch's clamp(margin − y·x, min=0) (torch has no functional of its own).
//   t = margin − y·x,   ℓ = max(0, t)        ∂ℓ/∂x = −y where t ≥ 0, else 0
// As torch 1.13: clamp_min propagates NaN to the loss, and its backward passes the gradient where
// t ≥ min, so the kink t = 0 *is* active (gradient −y); the gradient is −(mask·y), so a NaN score
// (t ≥ 0 false) gets 0 and a NaN label gets NaN, as torch's autograd gives them.
// y must be −1 or +1 (an error naming `target` otherwise; NaN propagates instead).
// Precision: y·x is exact (y = ±1), so t rounds once; errors are measured against |margin| + |x|
// because t may cancel. A margin that T cannot represent is rounded once, as torch does.
#pragma once

#include "losses/elementwise/elementwise.hpp"

#include <array>

namespace lossbench::losses {

struct hinge_formula {
  static constexpr std::string_view name = "hinge";
  static constexpr std::string_view summary = "max(0, margin − y·x), y ∈ {−1, +1}";
  static constexpr std::string_view torch_name = "clamp(margin - y*x, min=0)";
  static constexpr std::array inputs = {
      input_desc{"input", input_kind::real, true, "score x, any shape"},
      input_desc{"target", input_kind::real, false, "label y in {−1, +1}, same shape"},
  };
  using parameters = hinge_params;
  static constexpr std::tuple fields = {
      core::param_field{"margin", &hinge_params::margin, "the margin y·x must reach for zero loss"},
  };
  static constexpr std::array reductions = {reduction::mean, reduction::sum, reduction::none};
  // Loss, relative to |margin| + |x|: margin in T (u/2·|margin|), t = margin − y·x one rounding
  // (u·|t|); the reduction (elementwise.hpp): 2u more → 3.5u, +½ margin.
  // Gradient: −y is exact; 1/N in T and its product: 2u, +1 margin. (With margin exact in T the
  // rounded t has the exact t's sign, so kernel and reference agree on which elements are active.)
  static constexpr accuracy_bound accuracy = {4, 3, "one rounding in margin − y·x, margin in T, 1/N"};
  static constexpr std::array<double, 2> flops_per_item = {
      4, 6};  // margin − y·x, max, +; gradient select and scale (loss_spec::flops)
  static constexpr std::int64_t parallel_min_elements = 131072;  // omp's break-even: docs/performance.md

  template <class T>
  struct coeffs {
    T margin;
  };
  template <class T>
  static coeffs<T> coefficients(const parameters& p) {
    return {static_cast<T>(p.margin)};
  }

  static constexpr std::string_view target_expected = "labels −1 or +1";
  template <class V, class K>
  static auto bad_target(V y, const K&) {
    return (y != V(1)) & (y != V(-1)) & (y == y);  // y == y: NaN is not rejected, it propagates
  }

  template <class V, class K>
  static loss_grad<V> eval(V x, V y, V, const K& k) {
    const V t = V(k.margin) - y * x;
    // torch's backward is −(mask·y), a product: a NaN label gives a NaN gradient, a NaN score
    // (mask 0) gives 0, and an inactive element's zero carries torch's sign.
    return {math::max(V(0), t), -(math::select(t >= V(0), V(1), V(0)) * y)};
  }

  template <class T>
  static loss_grad<T> error_scale(T x, T y, T w, const coeffs<T>& k) {
    return {std::fabs(k.margin) + std::fabs(x), std::fabs(eval(x, y, w, k).grad)};
  }

  // Labels ±1 and scores that mostly have the label's sign; about half fall inside the margin.
  static void sample(core::prng& r, double& x, double& y) {
    y = r.below(2) ? 1.0 : -1.0;
    x = 0.8 * y + r.normal();
  }
};

const loss_spec& hinge_spec();

}  // namespace lossbench::losses
