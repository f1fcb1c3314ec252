// cross_entropy.hpp — softmax cross-entropy over classes, torch.nn.functional.cross_entropy (1.13).
//
// Input logits z[B, C] (or one row z[C]); target either class indices t[B] (i32/i64) or
// probabilities P[B, C] of the loss dtype. Parameters: weight w[C] (absent = all 1),
// ignore_index (−100, index targets only), label_smoothing ε ∈ [0, 1].
//
// Every case is one formula over a per-row "weighted target" vector v:
//   class index t:  v_c = (1−ε)·w_t·[c = t] + (ε/C)·w_c          (v = 0 for an ignored row)
//   probabilities:  v_c = w_c·((1−ε)·P_c + ε/C)
//   ℓ_row = Σ_c v_c·(lse − z_c) = Σ_c v_c·(m − z_c) + M·log s,   M = Σ_c v_c,
//   m = max_c z_c, s = Σ_c exp(z_c − m)  (max-subtracted log-sum-exp; softmax never formed naively)
//   ∂ℓ_row/∂z_j = softmax_j·M − v_j
// Reductions as torch 1.13: `none` returns ℓ_row (0 for ignored rows), `sum` their sum, `mean`
// divides by D = Σ w[t_i] over non-ignored rows for index targets (the label-smoothing term too:
// checked against torch 1.13, which divides both by the same D), by B for probability targets;
// D = 0 (every row ignored, an empty batch) gives NaN as torch does. The smoothing term is only
// formed when ε > 0, so a −inf logit off the target gives a finite loss exactly where torch's is.
//
// Files: this header (the spec and the bound problem), cross_entropy.cpp (validation, binding,
// registration), scalar_kernel.cpp, cross_entropy_simd.hpp + simd_row.hpp (the xsimd kernel),
// reference.cpp, generate.cpp.
#pragma once

#include "core/driver.hpp"
#include "core/param_fields.hpp"
#include "core/storage.hpp"

#include <lossbench/loss_spec.hpp>

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace lossbench::losses {

// The bound, typed call the kernels read: one row = one work item. The arrays hold storage type S
// (f32, f64, bf16, f16); kernels compute in T = compute_t<S> (core/storage.hpp).
template <class S>
struct cross_entropy_problem {
  using T = core::compute_t<S>;
  const S* logits = nullptr;
  std::size_t classes = 0;
  // The target: exactly one of these is set.
  const std::int32_t* index32 = nullptr;
  const std::int64_t* index64 = nullptr;
  const S* probs = nullptr;
  const S* weight = nullptr;  // null: every class weighs 1
  double weight_total = 0;    // Σ_c w_c (C when unweighted): M of an index row is a + b·Σw
  std::int64_t ignore_index = -100;
  double smoothing = 0;      // ε
  double grad_scale = 1;     // 1/D for mean (NaN when D = 0), else 1
  S* grad = nullptr;         // null: value only
  S* losses = nullptr;       // per-row losses (reduction none), else null
  bool from_memory = false;  // arrays past the last-level cache (core/streaming.hpp): rows requested ahead

  std::int64_t index_at(std::size_t row) const { return index32 ? index32[row] : index64[row]; }
  double weight_of(std::size_t c) const { return weight ? static_cast<double>(T(weight[c])) : 1.0; }
};

struct cross_entropy {
  static constexpr std::string_view name = "cross_entropy";
  static constexpr std::string_view summary = "logsumexp(z_b) − z_b[t_b] (soft: −Σ P·log_softmax(z))";
  static constexpr std::string_view torch_name = "cross_entropy";
  static constexpr std::array inputs = {
      input_desc{"input", input_kind::real, true, "logits z, [B, C] or [C]"},
      input_desc{"target", input_kind::real_or_index, false,
                 "class indices [B] (i32/i64; [] for one row) or probabilities, same shape as input"},
  };
  using parameters = cross_entropy_params;
  static constexpr std::tuple fields = {
      core::param_field{"weight", &cross_entropy_params::weight, "per-class weight [C], loss dtype; absent = all 1"},
      core::param_field{"ignore_index", &cross_entropy_params::ignore_index, "class index whose rows are skipped"},
      core::param_field{"label_smoothing", &cross_entropy_params::label_smoothing,
                        "ε in [0, 1]: target mixed with uniform ε/C"},
  };
  static constexpr std::array reductions = {reduction::mean, reduction::sum, reduction::none};

  // Error bound (first order). u = unit roundoff of the dtype, u_d = that of double (where sums
  // and the per-row finish run; u_d = u for f64, which is the worst case), δ_c = m − z_c ≥ 0,
  // p = softmax, L = log C, H = Σ p_c·δ_c ≤ entropy(p) ≤ L, V = Σ|v_c| (|·| taken termwise).
  //  · d_c = fl(z_c − m) errs by u·δ_c, so e_c = fl(exp d_c) (libm ≤ 1 ulp = 2u) by (δ_c + 2)u
  //    relatively; s = Σ e_c (compensated, double) by (H + 2)u + 2u_d; log s (≤ L) absolutely by
  //    that plus u_d·L.
  //  · v_c takes ≤ 4 roundings in double (4u_d). Σ v_c·(−d_c), compensated: V-weighted δ_c·(u + 7u_d).
  //    M = Σ v_c (6u_d·V) times log s (+u_d): V·((L + 2)u + (8L + 2)u_d). Adding both (u_d) and
  //    rounding the row loss to the dtype (½u) cost 1.5u·V·(δ_c + L).
  //    f64: ≤ u·Σ|v_c|·(9.5δ_c + 10.5L + 4) ≤ 11u·Σ|v_c|·(δ_c + L + 1), the per-row magnitude the
  //    reference reports (loss_magnitude); so value_ulps = 11 (f32: ≤ 2, the same bound holds).
  //  · g_j = scale·(e_j·(M/s) − v_j): e_j·M/s errs by p_j·V·((δ_j + 2)u + (H + 2)u + 9u_d) with
  //    p_j·δ_j ≤ δ_j·e^(−δ_j) ≤ 1/e (s ≥ 1); v_j by 4u_d; the subtraction, 1/D (3u_d), the product
  //    and the rounding to the dtype (½u) by (5u_d + ½u)·(p_j·V + |v_j|).
  //    f64: ≤ u·|scale|·(V·(0.37 + p_j(L + 18.5)) + 9.5|v_j|) ≤ 10u·|scale|·(V·(1 + p_j(L + 1)) + |v_j|)
  //    (for p_j ≤ 1 and L ≥ 0), the per-element magnitude the reference reports (grad_magnitude:
  //    softmax − onehot has an absolute error, not one relative to each element); grad_ulps = 10.
  // The SIMD kernel (cross_entropy_simd.hpp) keeps both numbers. f64: xsimd exp ≤ 0.92 ulp and
  //    log ≤ 0.75 ulp (measured over their domains) are within the 1 ulp assumed above; its sums
  //    are compensated (TwoSum lanes + Neumaier, simd_row.hpp) to the same 2u_d; its gradient
  //    takes as many roundings as the scalar formula (e·(scale·ratio) − (scale·b)·w for
  //    scale·(e·ratio − b·w)), the target class the scalar formula itself.
  //    f32: exp ≤ 1.51 ulp = 3u (not 2u) and u_d-terms vanish (sums in double lanes, simd_row.hpp),
  //    but four e_c at a time are added in f32 before they enter the lanes (s: 2u more):
  //    value ≤ u·Σ|v_c|·(1.5δ_c + 1.5L + 6); gradient formed in f32 (k = scale·ratio rounded, e·k,
  //    and ≤ 4 roundings on scale·v): ≤ u·|scale|·(V·(0.37 + p_j(L + 11)) + 3|v_j|) — both inside
  //    the f64 bounds above (11 and 10).
  // bf16/f16 storage: the f32 computation above on the exactly widened inputs, each result then
  //    rounded once to the storage type (row losses and target-class gradients straight from
  //    double, the other gradient elements from their f32 value; e_c stays in f32 between the
  //    passes): the f32 bound plus half a storage ulp of the result (and half its smallest
  //    subnormal), which the bound's numbers leave to the caller (tests: harness within_stored).
  static constexpr accuracy_bound accuracy = {
      11, 10, "max-subtracted log-sum-exp: z−m, exp (≤1 ulp), compensated sums; per-row scale Σ|v|(δ+logC+1)"};
  static constexpr std::array<double, 2> flops_per_item = {
      13, 16};  // per logit: max, z−m, exp, +; gradient softmax·mass − target (loss_spec::flops)
  static constexpr std::int64_t parallel_min_elements = 32768;  // omp's break-even: docs/performance.md

  template <class S>
  using problem = cross_entropy_problem<S>;
  // Logits, probability targets, weight, gradient and per-row losses may be stored in bf16 or f16:
  // computed in f32 exactly as the f32 kernels, each gradient element and row loss rounded once
  // to the storage type (the accuracy bound above, plus that rounding).
  static constexpr bool has_16bit_storage = true;

  static void validate(const loss_spec& spec, const call& c, dtype dt, const parameters& prm);
  static lossbench::shape losses_shape(std::span<const tensor_ref> in);

  // mean: the non-ignored rows, per class when weighted (so D = Σ_c count_c·w_c); B for
  // probability targets; sum/none: none.
  static void count_divisor(const call& c, const parameters& prm, std::vector<std::int64_t>& counts);
  static double divisor(const call& c, const parameters& prm, std::span<const std::int64_t> counts);
  static std::size_t block_items(std::span<const tensor_ref> in);

  template <class S>
  static core::plan<problem<S>> bind(const call& c, const parameters& prm, double divisor);
  template <class S>
  static double scalar_block(const problem<S>& p, std::size_t begin, std::size_t end);
  template <class Arch, class S>
  static double simd_block(const problem<S>& p, std::size_t begin, std::size_t end);  // cross_entropy_simd.hpp

  static std::vector<array> generate(dtype dt, shape_request req, std::uint64_t seed, const parameters& prm);
  static reference_result reference(const call& c, const parameters& prm);

  // Rows per block: ~4096 logits a block whatever C, fixed by the shape alone.
  static std::size_t rows_per_block(std::size_t classes) { return classes >= 4096 ? 1 : 4096 / classes; }
  static constexpr std::int64_t default_classes = 1000;  // the benchmark's standard width
};

const loss_spec& cross_entropy_spec();

}  // namespace lossbench::losses
