// mae.hpp — mean absolute error, torch.nn.functional.l1_loss.
//   ℓ(x, y) = |x − y|        ∂ℓ/∂x = sign(x − y), 0 at x = y
// As torch 1.13: NaN propagates to the loss, but its gradient is 0 (torch's sign(NaN) is
// (0 < d) − (d < 0) = 0), so the gradient is computed the same way.
// Precision: one rounding in d = x − y; |d| and sign(d) are exact.
#pragma once

#include "losses/elementwise/elementwise.hpp"

#include <array>

namespace lossbench::losses {

struct mae_formula {
  static constexpr std::string_view name = "mae";
  static constexpr std::string_view summary = "|x − y|";
  static constexpr std::string_view torch_name = "l1_loss";
  static constexpr std::array inputs = {
      input_desc{"input", input_kind::real, true, "prediction x, any shape"},
      input_desc{"target", input_kind::real, false, "target y, same shape"},
  };
  using parameters = no_params;
  static constexpr std::tuple<> fields{};
  static constexpr std::array reductions = {reduction::mean, reduction::sum, reduction::none};
  // Loss: d = x − y rounds once (u); the reduction (elementwise.hpp) adds 2u → 3u, +1 margin.
  // Gradient: sign(d) is exact (a rounded d keeps its sign); 1/N in T and the product: 2u, +1 margin.
  static constexpr accuracy_bound accuracy = {4, 3, "one rounding in x−y; 1/N and its product"};
  static constexpr std::array<double, 2> flops_per_item = {
      3, 5};  // x−y, |d|, +; gradient sign(d)·scale (loss_spec::flops)
  static constexpr std::int64_t parallel_min_elements = 262144;  // omp's break-even: docs/performance.md

  template <class T>
  struct coeffs {};
  template <class T>
  static coeffs<T> coefficients(const parameters&) {
    return {};
  }

  template <class V, class K>
  static loss_grad<V> eval(V x, V y, V, const K&) {
    const V d = x - y;
    // sign(d) with sign(0) = 0 and, as torch's sgn, sign(NaN) = 0
    return {math::fabs(d), math::select(d > V(0), V(1), math::select(d < V(0), V(-1), V(0)))};
  }

  static void sample(core::prng& r, double& x, double& y) {
    y = r.normal();
    x = y + 0.5 * r.normal();  // a prediction near its target, as late in training
  }
};

const loss_spec& mae_spec();

}  // namespace lossbench::losses
