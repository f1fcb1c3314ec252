// loss_list.hpp — the one list of losses, in catalogue order: X(name, loss struct, kernels), where
// name_spec() is the loss's registered spec (defined in its folder) and kernels is `simd` when the
// struct declares SIMD block kernels, `simd16` when they also take bf16/f16 storage
// (has_16bit_storage), `scalar` otherwise. The catalogue (src/catalogue/) and the
// per-ISA instantiations (src/isa/instantiate.hpp) are made from it: adding a loss is its folder
// and one line here (docs/architecture.md).
#pragma once

#define LOSSBENCH_LOSS_LIST(X)                           \
  X(mse, elementwise<mse_formula>, simd16)               \
  X(mae, elementwise<mae_formula>, simd16)               \
  X(huber, elementwise<huber_formula>, simd16)           \
  X(bce, elementwise<bce_formula>, simd16)               \
  X(bce_logits, elementwise<bce_logits_formula>, simd16) \
  X(hinge, elementwise<hinge_formula>, simd16)           \
  X(cross_entropy, cross_entropy, simd16)                \
  X(kl_div, elementwise<kl_div_formula>, simd16)         \
  X(ctc, ctc, simd16)                                    \
  X(triplet, rowwise<triplet_formula>, simd16)           \
  X(contrastive, rowwise<contrastive_formula>, simd16)
