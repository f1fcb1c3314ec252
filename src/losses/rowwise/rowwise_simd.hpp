// rowwise_simd.hpp — the row-wise scaffold's SIMD block kernel is the formula's own (it groups
// rows: triplet_simd.hpp, contrastive_simd.hpp). Defined here, not in rowwise.hpp, so that only
// the ISA translation units see its body: a baseline object instantiating it would share its
// per-arch symbol with them (tests/odr_check.sh). Include only from isa/instantiate.hpp.
#pragma once

#include "losses/rowwise/rowwise.hpp"

namespace lossbench::losses {

template <class R>
template <class Arch, class S>
double rowwise<R>::simd_block(const problem<S>& p, std::size_t b, std::size_t e) {
  return R::template simd_block<Arch, S>(p, b, e);
}

}  // namespace lossbench::losses
