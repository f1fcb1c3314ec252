// triplet.cpp — the triplet spec: validation, binding, the generator and its registration
// (the reference is in triplet_reference.cpp).
#include "losses/triplet/triplet.hpp"

#include "losses/spec_adapter.hpp"
#include "losses/embedding/rows.hpp"

namespace lossbench::losses {

void triplet::validate(const loss_spec& spec, const call& c, dtype dt, const parameters&) {
  core::expect_input_count(spec, c);
  core::expect_reduction(spec, c);
  for (std::size_t i = 0; i < 3; ++i) core::expect_dtype(spec, c, i, dt);
  if (c.inputs[0].shape.rank() == 0)
    throw error("anchor", "expected rows of embeddings [B, D] or one row [D], got a 0-d tensor");
  // torch: "All inputs should have same dimension" is checked before the shapes.
  for (std::size_t i = 1; i < 3; ++i) core::expect_rank(spec, c, i, c.inputs[0].shape.rank());
  for (std::size_t i = 1; i < 3; ++i) core::expect_same_shape(spec, c, 0, i);
  // torch 1.13 accepts every margin, eps and p (p ≤ 0 included), so nothing more is rejected here.
}

lossbench::shape triplet::losses_shape(std::span<const tensor_ref> in) { return embedding::rows_shape(in[0].shape); }

template <class T>
core::plan<triplet::problem<T>> triplet::bind(const call& c, const parameters& prm) {
  const auto rows = embedding::layout_of(c.inputs[0].shape);
  const double divisor = embedding::reduction_divisor(c.reduction, rows.rows);
  core::plan<problem<T>> p;
  auto& pr = p.problem;
  pr.anchor = c.inputs[0].as<T>();
  pr.positive = c.inputs[1].as<T>();
  pr.negative = c.inputs[2].as<T>();
  pr.grad_anchor = static_cast<T*>(c.out.grad[0]);
  pr.grad_positive = static_cast<T*>(c.out.grad[1]);
  pr.grad_negative = static_cast<T*>(c.out.grad[2]);
  pr.losses = core::losses_out<T>(c);
  pr.dim = rows.dim;
  pr.grad_scale = static_cast<T>(1.0 / divisor);
  pr.k = triplet_coefficients<T>(prm);
  p.items = rows.rows;
  p.block = embedding::block_rows(rows.dim);
  p.value_scale = 1.0 / divisor;
  return p;
}

// Embeddings of norm ≈ 1; a positive at distance ≈ σp ∈ [0.2, 0.8] from its anchor, a negative at
// σn ∈ [0.5, 2.5]: with margin 1 about half the triplets are active (σn < 1 + σp), as mid-training.
std::vector<array> triplet::generate(dtype dt, shape_request req, std::uint64_t seed, const parameters&) {
  const std::int64_t dim = embedding::requested_dim(req);
  const lossbench::shape s{req.n, dim};
  array a(dt, s), p(dt, s), n(dt, s);
  core::prng rng(seed);
  for (std::int64_t b = 0; b < req.n; ++b) {
    embedding::sample_row(rng, a, b, dim, 1.0, nullptr);
    embedding::sample_row(rng, p, b, dim, rng.uniform(0.2, 0.8), &a);
    embedding::sample_row(rng, n, b, dim, rng.uniform(0.5, 2.5), &a);
  }
  std::vector<array> out;
  out.push_back(std::move(a));
  out.push_back(std::move(p));
  out.push_back(std::move(n));
  return out;
}

const loss_spec& triplet_spec() {
  static const core::spec_of<triplet> spec;
  return spec;
}

}  // namespace lossbench::losses
