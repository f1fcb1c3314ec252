// hinge.cpp — registers the hinge loss spec.
#include "losses/hinge/hinge.hpp"

#include "losses/spec_adapter.hpp"

namespace lossbench::losses {

const loss_spec& hinge_spec() {
  static const core::spec_of<elementwise<hinge_formula>> spec;
  return spec;
}

}  // namespace lossbench::losses
