// triplet.hpp — triplet margin loss, torch.nn.functional.triplet_margin_loss (1.13).
//   ℓ_b = max(0, margin + d(a_b, p_b) − d(a_b, n_b)),  d(x, y) = ‖x − y + eps‖_p
// (with swap, d(a, n) → min(d(a, n), d(p, n))); the formulas are in triplet_row.hpp.
// Inputs anchor, positive, negative of one shape [..., D] (rows = the last dimension; [D] is one
// row); like torch, any margin, eps and p are accepted (p = 0 counts non-zeros, p = ±inf is max/min).
// Differences from torch: no broadcasting between the three inputs (same shape required) and no
// 0-d inputs. Precision: distances accumulate in T, one accumulator per row; see `accuracy`.
#pragma once

#include "core/driver.hpp"
#include "core/param_fields.hpp"
#include "losses/triplet/triplet_row.hpp"

#include <array>
#include <limits>
#include <vector>

namespace lossbench::losses {

template <class T>
struct triplet_problem {
  const T* anchor = nullptr;
  const T* positive = nullptr;
  const T* negative = nullptr;
  T* grad_anchor = nullptr;  // each may be null (not wanted)
  T* grad_positive = nullptr;
  T* grad_negative = nullptr;
  T* losses = nullptr;  // per-row losses (reduction none), may be null
  std::size_t dim = 0;
  T grad_scale = 1;  // 1/B for mean, else 1
  triplet_coeffs<T> k;
};

struct triplet {
  static constexpr std::string_view name = "triplet";
  static constexpr std::string_view summary = "max(0, margin + ‖a − p + eps‖_p − ‖a − n + eps‖_p)";
  static constexpr std::string_view torch_name = "triplet_margin_loss";
  static constexpr std::array inputs = {
      input_desc{"anchor", input_kind::real, true, "anchor embeddings a [B, D] (or [D])"},
      input_desc{"positive", input_kind::real, true, "positive embeddings p, same shape"},
      input_desc{"negative", input_kind::real, true, "negative embeddings n, same shape"},
  };
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
  using problem = triplet_problem<T>;

  static void validate(const loss_spec& spec, const call& c, dtype dt, const parameters& prm);
  static lossbench::shape losses_shape(std::span<const tensor_ref> in);

  template <class T>
  static core::plan<problem<T>> bind(const call& c, const parameters& prm);

  template <class T>
  static double scalar_block(const problem<T>& p, std::size_t b, std::size_t e) {
    core::ordered_sum acc;  // compensated: one large row loss must not absorb the small ones
    const bool grad = p.grad_anchor || p.grad_positive || p.grad_negative;
    for (std::size_t i = b; i < e; ++i) {
      const std::size_t o = i * p.dim;
      const auto r = triplet_forward(p.anchor + o, p.positive + o, p.negative + o, p.dim, p.k);
      if (grad)
        triplet_backward(p.anchor + o, p.positive + o, p.negative + o, p.dim, p.k, r, p.grad_scale,
                         p.grad_anchor ? p.grad_anchor + o : nullptr, p.grad_positive ? p.grad_positive + o : nullptr,
                         p.grad_negative ? p.grad_negative + o : nullptr);
      if (p.losses) p.losses[i] = r.loss;
      acc.add(r.loss);
    }
    return acc.value();
  }

  // The xsimd kernel (triplet_simd.hpp), instantiated per ISA by isa/instantiate.hpp.
  template <class Arch, class T>
  static double simd_block(const problem<T>& p, std::size_t b, std::size_t e);

  static std::vector<array> generate(dtype dt, shape_request req, std::uint64_t seed, const parameters& prm);
  static reference_result reference(const call& c, const parameters& prm);
};

const loss_spec& triplet_spec();

}  // namespace lossbench::losses
