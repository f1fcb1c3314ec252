// rowwise.hpp — the shared shape of the row-wise embedding losses (triplet, contrastive): K input
// tensors of one shape [..., D] whose rows are the samples, a loss per row, the gradient of each
// of those K inputs, reduced over the rows (mean divides by the row count). A loss supplies its
// *formula* R; this file supplies the problem, binding, the scalar row loop, the per-row outputs,
// the reference's loop and the generator's arrays, as elementwise.hpp does for element-wise losses.
//
// Formula contract (R):
//   name, summary, torch_name, inputs, parameters, fields, reductions, accuracy, flops_per_item,
//   parallel_min_elements                                         as in spec_adapter.hpp
//   row_inputs                      K: the leading inputs that are [..., D] rows with gradients
//   (a later input, such as contrastive's target, is one value per row)
//   template <class T> struct coeffs; template <class T> static coeffs<T> coefficients(const call&,
//       const parameters&)          the per-call constants in T (float/double, or long double for
//                                   the reference), including any per-row input after the rows
//   static void check_shapes(const loss_spec&, const call&, dtype)   ranks, shapes, target values
//   template <class S> static compute_t<S> scalar_row(const problem<S>&, std::size_t i)
//       row i's loss, writing its gradients where p.grad[k] is set (the scalar kernel)
//   template <class Arch, class S> static double simd_block(const problem<S>&, std::size_t b, std::size_t e)
//       the xsimd block kernel (its own row loop: it groups rows), instantiated per ISA
// S is the arrays' storage type (f32, f64, bf16, f16; core/storage.hpp); kernels compute in
// T = compute_t<S> (float for 16 bits) on the exactly widened rows and round each gradient
// element and row loss once to S as they store it: a 16-bit entry returns what the f32 entry
// returns on the widened inputs, its stored results that f32 result rounded once.
//   static core::real_ref reference_row(const reference_rows&, const coeffs<real_ref>&, std::size_t i,
//       reference_result&)          row i in long double: its loss (returned), and into res its
//                                   loss magnitude, gradients and their magnitudes
//   static void sample_row(core::prng&, std::span<array> inputs, std::int64_t row, std::int64_t dim)
//       one realistic sample: the row of every input
//
// Why cross_entropy and ctc are not rowwise: their rows are not K inputs of one shape with a
// gradient each. cross_entropy's row is C logits against a class index (or C probabilities, no
// gradient) with per-class weights, and its mean divides by the rows' summed weights; ctc's row is
// a T × C sequence of its own length with a target sequence, and its mean divides by target lengths.
#pragma once

#include "core/checks.hpp"
#include "core/driver.hpp"
#include "core/param_fields.hpp"
#include "core/prng.hpp"
#include "core/reference_math.hpp"
#include "core/storage.hpp"
#include "losses/embedding/rows.hpp"

#include <array>
#include <span>
#include <vector>

namespace lossbench::losses {

// The arrays hold storage type S; the scale and the coefficients are in the compute type.
template <class S, std::size_t K, class Coeffs>
struct rowwise_problem {
  using T = core::compute_t<S>;
  std::array<const S*, K> in{};  // the row inputs, [rows, dim] each
  std::array<S*, K> grad{};      // their gradients, each may be null (not wanted)
  S* losses = nullptr;           // per-row losses (reduction none), may be null
  std::size_t dim = 0;
  T grad_scale = 1;  // 1/B for mean, else 1
  Coeffs k;

  bool wants_grad() const {
    for (S* g : grad)
      if (g) return true;
    return false;
  }
  // Row i of input k, and of its gradient (null when not wanted).
  const S* row(std::size_t k, std::size_t i) const { return in[k] + i * dim; }
  S* grad_row(std::size_t k, std::size_t i) const { return grad[k] ? grad[k] + i * dim : nullptr; }
};

// The reference's view of the row inputs, converted to long double.
struct reference_rows {
  std::span<const std::vector<core::real_ref>> in;
  std::size_t dim = 0;
  core::real_ref scale = 1;  // the gradient's: 1/B for mean, else 1
  core::real_ref u = 0;      // the dtype's unit roundoff: magnitudes are in units of u

  const core::real_ref* row(std::size_t k, std::size_t i) const { return in[k].data() + i * dim; }
};

template <class R>
struct rowwise {
  static constexpr auto name = R::name;
  static constexpr auto summary = R::summary;
  static constexpr auto torch_name = R::torch_name;
  static constexpr auto inputs = R::inputs;
  using parameters = typename R::parameters;
  static constexpr auto fields = R::fields;
  static constexpr auto reductions = R::reductions;
  static constexpr auto accuracy = R::accuracy;
  static constexpr auto flops_per_item = R::flops_per_item;
  static constexpr std::int64_t parallel_min_elements = R::parallel_min_elements;
  static constexpr std::size_t row_inputs = R::row_inputs;

  template <class S>
  using problem = rowwise_problem<S, row_inputs, typename R::template coeffs<core::compute_t<S>>>;
  // The row inputs, their gradients and the per-row losses may be stored in bf16 or f16 (the
  // header comment): the f32 kernels' arithmetic on the widened rows, each result rounded once.
  static constexpr bool has_16bit_storage = true;

  static void validate(const loss_spec& spec, const call& c, dtype dt, const parameters&) {
    core::expect_input_count(spec, c);
    core::expect_reduction(spec, c);
    for (std::size_t k = 0; k < row_inputs; ++k) core::expect_dtype(spec, c, k, dt);
    R::check_shapes(spec, c, dt);
  }

  static lossbench::shape losses_shape(std::span<const tensor_ref> in) { return embedding::rows_shape(in[0].shape); }

  // mean: the rows; sum/none: none.
  static void count_divisor(const call& c, const parameters&, std::vector<std::int64_t>& counts) {
    counts.clear();
    if (c.reduction == reduction::mean)
      counts.push_back(static_cast<std::int64_t>(embedding::layout_of(c.inputs[0].shape).rows));
  }
  static std::size_t block_items(std::span<const tensor_ref> in) {
    return embedding::block_rows(embedding::layout_of(in[0].shape).dim);
  }

  template <class S>
  static core::plan<problem<S>> bind(const call& c, const parameters& prm, double divisor) {
    using T = core::compute_t<S>;
    const auto rows = embedding::layout_of(c.inputs[0].shape);
    core::plan<problem<S>> p;
    auto& pr = p.problem;
    for (std::size_t k = 0; k < row_inputs; ++k) {
      pr.in[k] = c.inputs[k].as<S>();
      pr.grad[k] = static_cast<S*>(c.out.grad[k]);
    }
    pr.losses = core::losses_out<S>(c);
    pr.dim = rows.dim;
    pr.grad_scale = static_cast<T>(1.0 / divisor);
    pr.k = R::template coefficients<T>(c, prm);
    p.items = rows.rows;
    p.block = block_items(c.inputs);
    p.value_scale = 1.0 / divisor;
    return p;
  }

  template <class S>
  static double scalar_block(const problem<S>& p, std::size_t b, std::size_t e) {
    core::ordered_sum acc;  // compensated: one large row loss must not absorb the small ones
    for (std::size_t i = b; i < e; ++i) {
      const core::compute_t<S> loss = R::scalar_row(p, i);
      if (p.losses) p.losses[i] = S(loss);  // 16 bits: rounded once; the sum takes the f32 loss
      acc.add(loss);
    }
    return acc.value();
  }

  // The formula's own block kernel (rowwise_simd.hpp), instantiated per ISA by isa/instantiate.hpp.
  template <class Arch, class S>
  static double simd_block(const problem<S>& p, std::size_t b, std::size_t e);

  static reference_result reference(const call& c, const parameters& prm) {
    using real_ref = core::real_ref;
    std::array<std::vector<real_ref>, row_inputs> in;
    for (std::size_t k = 0; k < row_inputs; ++k) in[k] = core::to_reference(c.inputs[k]);
    const auto rows = embedding::layout_of(c.inputs[0].shape);
    const real_ref scale = 1.0L / static_cast<real_ref>(embedding::reduction_divisor(c.reduction, rows.rows));
    // u of the type the kernels compute in: f32 for the 16-bit storage types too.
    const reference_rows view{in, rows.dim, scale, c.inputs[0].type == dtype::f64 ? 0x1p-53L : 0x1p-24L};
    const auto k = R::template coefficients<real_ref>(c, prm);

    reference_result res;
    res.losses.resize(rows.rows);
    res.loss_magnitude.resize(rows.rows);
    res.grads.assign(row_inputs, std::vector<real_ref>(in[0].size()));
    res.grad_magnitude.assign(row_inputs, std::vector<real_ref>(in[0].size()));
    core::reference_sum sum;
    for (std::size_t i = 0; i < rows.rows; ++i) {
      res.losses[i] = R::reference_row(view, k, i, res);
      sum.add(res.losses[i]);
    }
    res.value = sum.value() * scale;
    res.value_scale = scale;
    return res;
  }

  // The row inputs are [n, D] in the loss dtype, any later input one value per row.
  static std::vector<array> generate(dtype dt, shape_request req, std::uint64_t seed, const parameters&) {
    const std::int64_t dim = embedding::requested_dim(req);
    std::vector<array> out;
    for (std::size_t k = 0; k < inputs.size(); ++k)
      out.emplace_back(dt, k < row_inputs ? lossbench::shape{req.n, dim} : lossbench::shape{req.n});
    core::prng rng(seed);
    for (std::int64_t b = 0; b < req.n; ++b) R::sample_row(rng, out, b, dim);
    return out;
  }
};

}  // namespace lossbench::losses
