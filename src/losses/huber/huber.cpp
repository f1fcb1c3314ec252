// huber.cpp — registers the Huber loss spec.
#include "losses/huber/huber.hpp"

#include "losses/spec_adapter.hpp"

namespace lossbench::losses {

const loss_spec& huber_spec() {
  static const core::spec_of<elementwise<huber_formula>> spec;
  return spec;
}

}  // namespace lossbench::losses
