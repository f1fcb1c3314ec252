// kl_div.cpp — registers the Kullback–Leibler divergence spec.
#include "losses/kl_div/kl_div.hpp"

#include "losses/spec_adapter.hpp"

namespace lossbench::losses {

const loss_spec& kl_div_spec() {
  static const core::spec_of<elementwise<kl_div_formula>> spec;
  return spec;
}

}  // namespace lossbench::losses
