// mse.cpp — registers the mean squared error spec.
#include "losses/mse/mse.hpp"

#include "losses/spec_adapter.hpp"

namespace lossbench::losses {

const loss_spec& mse_spec() {
  static const core::spec_of<elementwise<mse_formula>> spec;
  return spec;
}

}  // namespace lossbench::losses
