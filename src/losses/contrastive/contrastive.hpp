// contrastive.hpp — contrastive loss (Hadsell, Chopra, LeCun 2006), defined here:
//   ℓ_b = ½[y_b·d_b² + (1 − y_b)·max(0, margin − d_b)²],  d_b = ‖x1_b − x2_b‖₂ (no eps)
// Inputs x1, x2 [B, D] and target y [B] with values exactly 0 (dissimilar) or 1 (similar), in the
// loss dtype or as i32/i64. Formulas: contrastive_row.hpp. Precision: see `accuracy`.
#pragma once

#include "core/param_fields.hpp"
#include "losses/contrastive/contrastive_row.hpp"
#include "losses/rowwise/rowwise.hpp"

#include <lossbench/loss_spec.hpp>

#include <array>
#include <cstdint>
#include <span>

namespace lossbench::losses {

// Whether row i of the target is 1 (similar); values were validated to be exactly 0 or 1.
// `Tag` keeps each SIMD ISA's instantiation a distinct symbol (ODR: isa/instantiate.hpp).
template <class Tag = void>
bool is_similar(const void* target, dtype type, std::size_t i) {
  switch (type) {
    case dtype::f32:
      return static_cast<const float*>(target)[i] != 0;
    case dtype::f64:
      return static_cast<const double*>(target)[i] != 0;
    case dtype::i32:
      return static_cast<const std::int32_t*>(target)[i] != 0;
    case dtype::i64:
      return static_cast<const std::int64_t*>(target)[i] != 0;
    case dtype::bf16:
      return static_cast<float>(static_cast<const bf16*>(target)[i]) != 0;
    case dtype::f16:
      return static_cast<float>(static_cast<const f16*>(target)[i]) != 0;
  }
  return false;
}

// The per-call constants: the target row labels and the margin.
template <class T>
struct contrastive_coeffs {
  const void* target = nullptr;
  dtype target_type = dtype::f32;
  T margin = 1;
};

struct contrastive_formula {
  static constexpr std::string_view name = "contrastive";
  static constexpr std::string_view summary = "½[y·d² + (1 − y)·max(0, margin − d)²], d = ‖x1 − x2‖₂";
  static constexpr std::string_view torch_name = "";
  static constexpr std::array inputs = {
      input_desc{"x1", input_kind::real, true, "first embeddings [B, D]"},
      input_desc{"x2", input_kind::real, true, "second embeddings [B, D]"},
      input_desc{"target", input_kind::real_or_index, false, "y [B]: 1 = similar pair, 0 = dissimilar"},
  };
  enum row_input : std::size_t { x1, x2, row_inputs };
  static constexpr std::size_t target = 2;
  using parameters = contrastive_params;
  static constexpr std::tuple fields = {
      core::param_field{"margin", &contrastive_params::margin, "distance beyond which dissimilar pairs cost nothing"},
  };
  static constexpr std::array reductions = {reduction::mean, reduction::sum, reduction::none};
  // First-order bounds the reference computes per row (contrastive_reference.cpp): S = Σv² has
  // relative error ≤ (D + 2)u (v: 1 rounding, doubled by the square, +1 for the product, D − 1
  // additions), d = √S half of that plus 1; h = m − d adds u|h|; ½h² doubles h's relative error;
  // the gradient adds the division, the 1/B scale (rounded), two products. ×2 covers O(u²) terms.
  static constexpr accuracy_bound accuracy = {2, 2, "first-order per-row bound, contrastive_reference.cpp"};
  static constexpr std::array<double, 2> flops_per_item = {
      3, 6};  // per x1 element: −, ×, +; gradient of x1 and x2 (loss_spec::flops)
  static constexpr std::int64_t parallel_min_elements = 131072;  // omp's break-even: docs/performance.md

  template <class T>
  using coeffs = contrastive_coeffs<T>;
  template <class T>
  static coeffs<T> coefficients(const call& c, const parameters& prm) {
    return {c.inputs[target].data, c.inputs[target].type, static_cast<T>(prm.margin)};
  }
  template <class S>
  using problem = rowwise_problem<S, row_inputs, coeffs<core::compute_t<S>>>;

  static void check_shapes(const loss_spec& spec, const call& c, dtype dt);

  template <class S>
  static core::compute_t<S> scalar_row(const problem<S>& p, std::size_t i) {
    const S *a = p.row(x1, i), *b = p.row(x2, i);
    const auto r = contrastive_forward(a, b, p.dim, is_similar(p.k.target, p.k.target_type, i), p.k.margin);
    S *g1 = p.grad_row(x1, i), *g2 = p.grad_row(x2, i);
    if (g1 || g2) contrastive_backward(a, b, p.dim, r, p.grad_scale, g1, g2);
    return r.loss;
  }

  // The xsimd kernel (contrastive_simd.hpp), instantiated per ISA by isa/instantiate.hpp.
  template <class Arch, class S>
  static double simd_block(const problem<S>& p, std::size_t b, std::size_t e);

  static core::real_ref reference_row(const reference_rows& v, const coeffs<core::real_ref>& k, std::size_t i,
                                      reference_result& res);
  static void sample_row(core::prng& rng, std::span<array> in, std::int64_t row, std::int64_t dim);
};

const loss_spec& contrastive_spec();

}  // namespace lossbench::losses
