// bce_logits.cpp — registers the binary cross-entropy with logits spec.
#include "losses/bce_logits/bce_logits.hpp"

#include "losses/spec_adapter.hpp"

namespace lossbench::losses {

const loss_spec& bce_logits_spec() {
  static const core::spec_of<elementwise<bce_logits_formula>> spec;
  return spec;
}

}  // namespace lossbench::losses
