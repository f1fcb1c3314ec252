// expected.cpp — golden expectations from the reference (expected.hpp).
#include "check/expected.hpp"

#include "check/digest.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace lossbench::check {

double storage_overflow(dtype t) {
  // bf16: between 0x1.fep127 and 2^128; f16: between 65504 and 65536.
  return t == dtype::bf16 ? 0x1.ffp127 : t == dtype::f16 ? 65520.0 : std::numeric_limits<double>::infinity();
}

long double storage_half_ulp(dtype t, long double m) {
  if (!is_16bit(t)) return 0;
  const int top = t == dtype::bf16 ? 127 : 15;  // the largest finite value's binade, 2^top
  int e = 0;
  std::frexp(m, &e);  // m = f·2^e, f in [0.5, 1): m's binade is 2^(e−1)
  const long double half = m > 0 ? std::ldexp(static_cast<long double>(storage_roundoff(t)), std::min(e - 1, top)) : 0;
  return std::max(half, static_cast<long double>(storage_half_denormal(t)));
}

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
  // adds up to ½·tiny absolutely (digest.hpp). A 16-bit dtype's value is the f32 path's, rounded to
  // float and never to 16 bits: u and tiny are float's (unit_roundoff), the formula f32's.
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
  if (red == reduction::none)
    e.losses = make_digest("losses", ref.losses, ref.loss_magnitude, b.value_ulps, u, tiny, dt);
  std::size_t k = 0;
  for (const auto& in : spec.inputs()) {
    if (!in.differentiable) continue;
    const std::vector<long double> none;
    const auto& mag = k < ref.grad_magnitude.size() ? ref.grad_magnitude[k] : none;
    e.grads.push_back(make_digest(std::string(in.name), ref.grads.at(k), mag, b.grad_ulps, u, tiny, dt));
    ++k;
  }
  return e;
}

}  // namespace lossbench::check
