// mae.cpp — registers the mean absolute error spec.
#include "losses/mae/mae.hpp"

#include "losses/spec_adapter.hpp"

namespace lossbench::losses {

const loss_spec& mae_spec() {
  static const core::spec_of<elementwise<mae_formula>> spec;
  return spec;
}

}  // namespace lossbench::losses
