// expected.cpp — golden expectations from the reference (expected.hpp).
#include "check/expected.hpp"

#include "check/digest.hpp"

#include <cmath>

namespace lossbench::check {

expectation expectation_of(const loss_spec& spec, dtype dt, const built_case& input, reduction red) {
  const param_set params = spec.resolve(input.params);
  const std::vector<tensor_ref> refs = refs_of(input.inputs);
  const call c{refs, &params, red, {}};
  spec.validate(c, dt);
  const reference_result ref = spec.reference(c);
  const accuracy_bound b = spec.accuracy();
  const double u = unit_roundoff(dt), tiny = smallest_denormal(dt);

  expectation e;
  e.value = ref.value;
  // As tests/support/harness.hpp: each per-sample error ≤ value_ulps·u·magnitude_i, times the
  // reduction's scale, plus the rounding of the value to the dtype; each rounding that underflows
  // adds up to ½·tiny absolutely (digest.hpp).
  long double total = 0;
  for (std::size_t i = 0; i < ref.losses.size(); ++i) {
    const long double m = std::fabs(ref.loss_magnitude.empty() ? ref.losses[i] : ref.loss_magnitude[i]);
    if (std::isfinite(m)) total += m;
  }
  e.value_tol = std::isfinite(ref.value)
                    ? round_up(b.value_ulps * (u * total + 0.5L * tiny * static_cast<long double>(ref.losses.size())) *
                                   std::fabs(ref.value_scale) +
                               0.5L * (u * std::fabs(ref.value) + tiny))
                    : 0;
  if (red == reduction::none) e.losses = make_digest("losses", ref.losses, ref.loss_magnitude, b.value_ulps, u, tiny);
  std::size_t k = 0;
  for (const auto& in : spec.inputs()) {
    if (!in.differentiable) continue;
    const std::vector<long double> none;
    const auto& mag = k < ref.grad_magnitude.size() ? ref.grad_magnitude[k] : none;
    e.grads.push_back(make_digest(std::string(in.name), ref.grads.at(k), mag, b.grad_ulps, u, tiny));
    ++k;
  }
  return e;
}

}  // namespace lossbench::check
