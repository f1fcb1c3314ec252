// contrastive.cpp — the contrastive spec: its shape and target checks, the generator's rows and
// its registration (the reference is in contrastive_reference.cpp).
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
    const double v = y.get(b);
    if (v != 0 && v != 1)
      throw error("target",
                  "expected 0 (dissimilar) or 1 (similar), element " + std::to_string(b) + " is " + std::to_string(v));
  }
}

}  // namespace

void contrastive_formula::check_shapes(const loss_spec& spec, const call& c, dtype dt) {
  core::expect_rank(spec, c, x1, 2);
  core::expect_same_shape(spec, c, x1, x2);
  check_target(spec, c, dt);
}

// Embeddings of norm ≈ 1; about half the pairs similar (x2 at distance ≈ σ ∈ [0.1, 0.6] from x1),
// the rest dissimilar at σ ∈ [0.5, 1.5], so with margin 1 about half of those are still inside it.
void contrastive_formula::sample_row(core::prng& rng, std::span<array> in, std::int64_t row, std::int64_t dim) {
  const bool similar = rng.below(2) == 1;
  in[target].set(row, similar ? 1.0 : 0.0);
  embedding::sample_row(rng, in[x1], row, dim, 1.0, nullptr);
  embedding::sample_row(rng, in[x2], row, dim, similar ? rng.uniform(0.1, 0.6) : rng.uniform(0.5, 1.5), &in[x1]);
}

const loss_spec& contrastive_spec() {
  static const core::spec_of<rowwise<contrastive_formula>> spec;
  return spec;
}

}  // namespace lossbench::losses
