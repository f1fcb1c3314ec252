// contrastive.cpp — the contrastive spec: validation, binding, the generator and its registration
// (the reference is in contrastive_reference.cpp).
#include "losses/contrastive/contrastive.hpp"

#include "core/checks.hpp"
#include "losses/spec_adapter.hpp"
#include "losses/embedding/rows.hpp"

#include <cmath>

namespace lossbench::losses {
namespace {

// The target is the loss dtype (float labels) or an index dtype, with values exactly 0 or 1.
void check_target(const loss_spec& spec, const call& c, dtype dt) {
  const tensor_ref& y = c.inputs[2];
  if (is_floating(y.type) && y.type != dt)
    throw error("target", "expected dtype " + std::string(to_string(dt)) + " (the loss dtype) or i32/i64, got " +
                              std::string(to_string(y.type)));
  core::expect_rank(spec, c, 2, 1);
  const std::int64_t rows = c.inputs[0].shape[0];
  if (y.shape[0] != rows)
    throw error("target",
                "expected one label per row of x1 (" + std::to_string(rows) + "), got shape " + y.shape.str());
  for (std::int64_t b = 0; b < rows; ++b) {
    const double v = y.type == dtype::f32   ? y.as<float>()[b]
                     : y.type == dtype::f64 ? y.as<double>()[b]
                                            : static_cast<double>(core::index_at(y, b));
    if (v != 0 && v != 1)
      throw error("target",
                  "expected 0 (dissimilar) or 1 (similar), element " + std::to_string(b) + " is " + std::to_string(v));
  }
}

}  // namespace

void contrastive::validate(const loss_spec& spec, const call& c, dtype dt, const parameters&) {
  core::expect_input_count(spec, c);
  core::expect_reduction(spec, c);
  core::expect_dtype(spec, c, 0, dt);
  core::expect_dtype(spec, c, 1, dt);
  core::expect_rank(spec, c, 0, 2);
  core::expect_same_shape(spec, c, 0, 1);
  check_target(spec, c, dt);
}

lossbench::shape contrastive::losses_shape(std::span<const tensor_ref> in) {
  return embedding::rows_shape(in[0].shape);
}

template <class T>
core::plan<contrastive::problem<T>> contrastive::bind(const call& c, const parameters& prm) {
  const auto rows = embedding::layout_of(c.inputs[0].shape);
  const double divisor = embedding::reduction_divisor(c.reduction, rows.rows);
  core::plan<problem<T>> p;
  auto& pr = p.problem;
  pr.x1 = c.inputs[0].as<T>();
  pr.x2 = c.inputs[1].as<T>();
  pr.target = c.inputs[2].data;
  pr.target_type = c.inputs[2].type;
  pr.grad_x1 = static_cast<T*>(c.out.grad[0]);
  pr.grad_x2 = static_cast<T*>(c.out.grad[1]);
  pr.losses = core::losses_out<T>(c);
  pr.dim = rows.dim;
  pr.grad_scale = static_cast<T>(1.0 / divisor);
  pr.margin = static_cast<T>(prm.margin);
  p.items = rows.rows;
  p.block = embedding::block_rows(rows.dim);
  p.value_scale = 1.0 / divisor;
  return p;
}

// Embeddings of norm ≈ 1; about half the pairs similar (x2 at distance ≈ σ ∈ [0.1, 0.6] from x1),
// the rest dissimilar at σ ∈ [0.5, 1.5], so with margin 1 about half of those are still inside it.
std::vector<array> contrastive::generate(dtype dt, shape_request req, std::uint64_t seed, const parameters&) {
  const std::int64_t dim = embedding::requested_dim(req);
  array x1(dt, {req.n, dim}), x2(dt, {req.n, dim}), y(dt, {req.n});
  core::prng rng(seed);
  for (std::int64_t b = 0; b < req.n; ++b) {
    const bool similar = rng.below(2) == 1;
    y.set(b, similar ? 1.0 : 0.0);
    embedding::sample_row(rng, x1, b, dim, 1.0, nullptr);
    embedding::sample_row(rng, x2, b, dim, similar ? rng.uniform(0.1, 0.6) : rng.uniform(0.5, 1.5), &x1);
  }
  std::vector<array> out;
  out.push_back(std::move(x1));
  out.push_back(std::move(x2));
  out.push_back(std::move(y));
  return out;
}

const loss_spec& contrastive_spec() {
  static const core::spec_of<contrastive> spec;
  return spec;
}

}  // namespace lossbench::losses
