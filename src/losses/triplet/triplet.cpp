// triplet.cpp — the triplet spec: its shape checks, the generator's rows and its registration
// (the reference is in triplet_reference.cpp).
#include "losses/triplet/triplet.hpp"

#include "losses/spec_adapter.hpp"
#include "losses/embedding/rows.hpp"

namespace lossbench::losses {

void triplet_formula::check_shapes(const loss_spec& spec, const call& c, dtype) {
  if (c.inputs[anchor].shape.rank() == 0)
    throw error("anchor", "expected rows of embeddings [B, D] or one row [D], got a 0-d tensor");
  // torch: "All inputs should have same dimension" is checked before the shapes.
  for (std::size_t i : {positive, negative}) core::expect_rank(spec, c, i, c.inputs[anchor].shape.rank());
  for (std::size_t i : {positive, negative}) core::expect_same_shape(spec, c, anchor, i);
  // torch 1.13 accepts every margin, eps and p (p ≤ 0 included), so nothing more is rejected here.
}

// Embeddings of norm ≈ 1; a positive at distance ≈ σp ∈ [0.2, 0.8] from its anchor, a negative at
// σn ∈ [0.5, 2.5]: with margin 1 about half the triplets are active (σn < 1 + σp), as mid-training.
void triplet_formula::sample_row(core::prng& rng, std::span<array> in, std::int64_t row, std::int64_t dim) {
  embedding::sample_row(rng, in[anchor], row, dim, 1.0, nullptr);
  embedding::sample_row(rng, in[positive], row, dim, rng.uniform(0.2, 0.8), &in[anchor]);
  embedding::sample_row(rng, in[negative], row, dim, rng.uniform(0.5, 2.5), &in[anchor]);
}

const loss_spec& triplet_spec() {
  static const core::spec_of<rowwise<triplet_formula>> spec;
  return spec;
}

}  // namespace lossbench::losses
