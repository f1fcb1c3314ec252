// mse.hpp — mean squared error, torch.nn.functional.mse_loss.
//   ℓ(x, y) = (x − y)²        ∂ℓ/∂x = 2(x − y)
// Precision: one rounding in d = x − y and one in d², so each element is within 1.5 ulp.
#pragma once

#include "losses/elementwise/elementwise.hpp"

#include <array>

namespace lossbench::losses {

struct mse_formula {
  static constexpr std::string_view name = "mse";
  static constexpr std::string_view summary = "(x − y)²";
  static constexpr std::string_view torch_name = "mse_loss";
  static constexpr std::array inputs = {
      input_desc{"input", input_kind::real, true, "prediction x, any shape"},
      input_desc{"target", input_kind::real, false, "target y, same shape"},
  };
  using parameters = no_params;
  static constexpr std::tuple<> fields{};
  static constexpr std::array reductions = {reduction::mean, reduction::sum, reduction::none};
  // Loss: d = x − y is rounded once (≤ u relative), d² once more (≤ 2u + u): 3u; the reduction
  // (elementwise.hpp): 2u → 5u, +1 margin. Gradient: 2d is exact; 1/N in T and its product: 2u,
  // +1 margin.
  static constexpr accuracy_bound accuracy = {6, 3, "one rounding each in x−y, d²; the reduction; 1/N"};
  static constexpr std::array<double, 2> flops_per_item = {3, 5};  // x−y, d², +; gradient 2·d·scale (loss_spec::flops)
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
    return {d * d, V(2) * d};
  }

  static void sample(core::prng& r, double& x, double& y) {
    y = r.normal();
    x = y + 0.5 * r.normal();  // a prediction near its target, as late in training
  }
};

const loss_spec& mse_spec();

}  // namespace lossbench::losses
