// bce.cpp — registers the binary cross-entropy spec.
#include "losses/bce/bce.hpp"

#include "losses/spec_adapter.hpp"

namespace lossbench::losses {

const loss_spec& bce_spec() {
  static const core::spec_of<elementwise<bce_formula>> spec;
  return spec;
}

}  // namespace lossbench::losses
