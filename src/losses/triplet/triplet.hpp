// triplet.hpp — triplet margin loss, torch.nn.functional.triplet_margin_loss (1.13).
//   ℓ_b = max(0, margin + d(a_b, p_b) − d(a_b, n_b)),  d(x, y) = ‖x − y + eps‖_p
// (with swap, d(a, n) → min(d(a, n), d(p, n))); the formulas are in triplet_row.hpp.
// Inputs anchor, positive, negative of one shape [..., D] (rows = the last dimension; [D] is one
// row); like torch, any margin, eps and p are accepted (p = 0 counts non-zeros, p = ±inf is max/min).
// Differences from torch: no broadcasting between the three inputs (same shape required) and no
// 0-d inputs. Precision: distances accumulate in T, one accumulator per row; see `accuracy`.
#pragma once

#include "core/param_fields.hpp"
#include "losses/rowwise/rowwise.hpp"
#include "losses/triplet/triplet_row.hpp"

#include <array>
#include <span>

namespace lossbench::losses {

struct triplet_formula {
  static constexpr std::string_view name = "triplet";
  static constexpr std::string_view summary = "max(0, margin + ‖a − p + eps‖_p − ‖a − n + eps‖_p)";
  static constexpr std::string_view torch_name = "triplet_margin_loss";
  static constexpr std::array inputs = {
      input_desc{"anchor", input_kind::real, true, "anchor embeddings a [B, D] (or [D])"},
      input_desc{"positive", input_kind::real, true, "positive embeddings p, same shape"},
      input_desc{"negative", input_kind::real, true, "negative embeddings n, same shape"},
  };
  enum row_input : std::size_t { anchor, positive, negative, row_inputs };
  using parameters = triplet_params;
  static constexpr std::tuple fields = {
      core::param_field{"margin", &triplet_params::margin, "margin between the positive and negative distances"},
      core::param_field{"p", &triplet_params::p, "norm degree of the pairwise distance"},
      core::param_field{"eps", &triplet_params::eps, "added to x − y before the norm (torch's pairwise_distance)"},
      core::param_field{"swap", &triplet_params::swap, "use min(d(a, n), d(p, n)) as the negative distance"},
  };
  static constexpr std::array reductions = {reduction::mean, reduction::sum, reduction::none};
  // Both bounds are first-order error bounds the reference computes row by row from the actual
  // data (embedding/distance_error.hpp: v's two roundings weighted by ∂d/∂v, the D − 1 additions
  // of the row sum, pow/sqrt; then margin + d_ap − d_neg's two additions; for the gradient the
  // derivative's relative error, the subtraction, the 1/B scale and its product). The factor 2
  // covers the neglected O(u²) terms. Rows within that bound of the clamp, or of a swap tie, may
  // take either branch: their gradient magnitude covers both.
  static constexpr accuracy_bound accuracy = {2, 2, "first-order per-row bound, distance_error.hpp"};
  static constexpr std::array<double, 2> flops_per_item = {
      8, 17};  // per anchor element (p = 2): two distances of −, +eps, ×, +; gradient of a, p, n (loss_spec::flops)
  static constexpr std::int64_t parallel_min_elements = 131072;  // omp's break-even: docs/performance.md

  template <class T>
  using coeffs = triplet_coeffs<T>;
  template <class T>
  static coeffs<T> coefficients(const call&, const parameters& prm) {
    return triplet_coefficients<T>(prm);
  }
  template <class S>
  using problem = rowwise_problem<S, row_inputs, coeffs<core::compute_t<S>>>;

  static void check_shapes(const loss_spec& spec, const call& c, dtype dt);

  template <class S>
  static core::compute_t<S> scalar_row(const problem<S>& p, std::size_t i) {
    const auto r = triplet_forward(p.row(anchor, i), p.row(positive, i), p.row(negative, i), p.dim, p.k);
    if (p.wants_grad())
      triplet_backward(p.row(anchor, i), p.row(positive, i), p.row(negative, i), p.dim, p.k, r, p.grad_scale,
                       p.grad_row(anchor, i), p.grad_row(positive, i), p.grad_row(negative, i));
    return r.loss;
  }

  // The xsimd kernel (triplet_simd.hpp), instantiated per ISA by isa/instantiate.hpp.
  template <class Arch, class S>
  static double simd_block(const problem<S>& p, std::size_t b, std::size_t e);

  static core::real_ref reference_row(const reference_rows& v, const coeffs<core::real_ref>& k, std::size_t i,
                                      reference_result& res);
  static void sample_row(core::prng& rng, std::span<array> in, std::int64_t row, std::int64_t dim);
};

const loss_spec& triplet_spec();

}  // namespace lossbench::losses
