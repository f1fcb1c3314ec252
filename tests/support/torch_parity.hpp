// torch_parity.hpp — checks a loss against values computed by PyTorch 1.13 in float64 and pasted
// into a test as constants (tests must not need torch). Inputs are chosen exactly representable in
// f32, so one set of float64 constants serves both dtypes: each dtype is held to its own
// documented bound (loss_spec::accuracy) around torch's value.
#pragma once

#include "support/harness.hpp"

#include <limits>
#include <string>
#include <vector>

namespace lossbench::testing {

// One torch call's results: the reduced value (the sum for `none`), ∂value/∂input, and the
// per-element losses for `none` (empty otherwise).
struct torch_case {
  reduction red;
  double value;
  std::vector<double> grad;
  std::vector<double> losses;
};

inline array array_of(dtype dt, const shape& s, const std::vector<double>& v) {
  array a(dt, s);
  for (std::size_t i = 0; i < v.size(); ++i) a.set(static_cast<std::int64_t>(i), v[i]);
  return a;
}

inline owned_call fixed_call(const entry& e, const shape& s, const std::vector<double>& x, const std::vector<double>& y,
                             const param_set& params, reduction red) {
  std::vector<array> in;
  in.push_back(array_of(e.type, s, x));
  in.push_back(array_of(e.type, s, y));
  return owned_call(*e.loss, std::move(in), params, red);
}

// The params with every array converted to `dt` (a pos_weight array has the loss's dtype).
inline param_set params_as(const param_set& p, dtype dt) {
  param_set out;
  for (const auto& n : p.names()) {
    if (const array* t = p.tensor(n))
      out.set(n, t->astype(dt));
    else
      out.set(n, p.number(n));
  }
  return out;
}

// |got − want| within the loss's bound: ours is within bound·u·scale of the exact value
// (accuracy_bound's contract) and torch's float64 constant within 16·2⁻⁵³·scale (its own few
// roundings and a ≤ 6-term sum); subnormal results round to an absolute 2⁻¹⁴⁹ (f32) / 2⁻¹⁰⁷⁴
// per operation, a few operations: 8 of them.
inline void expect_near_torch(double got, double want, double bound_ulps, dtype dt, double scale,
                              const std::string& what) {
  if (std::isnan(want)) {
    EXPECT_TRUE(std::isnan(got)) << what << " = " << got << ", torch NaN";
    return;
  }
  if (std::isinf(want)) {
    EXPECT_EQ(got, want) << what;
    return;
  }
  const double tiny =
      dt == dtype::f32 ? std::numeric_limits<float>::denorm_min() : std::numeric_limits<double>::denorm_min();
  const double tol = (bound_ulps * unit_roundoff(dt) + 16 * 0x1p-53) * scale + 8 * tiny;
  EXPECT_NEAR(got, want, tol) << what;
}

// Runs `loss` (scalar variant) on x, y of shape `s` in f32 and f64 for each case and compares
// value, per-element losses and the gradient with torch's. The scale each error is measured
// against is the reference's (loss_magnitude / grad_magnitude, else |value|), as in the
// registry suite.
inline void expect_torch_parity(const std::string& loss, const shape& s, const std::vector<double>& x,
                                const std::vector<double>& y, const param_set& params,
                                const std::vector<torch_case>& cases) {
  for (dtype dt : {dtype::f32, dtype::f64}) {
    for (double v : x) ASSERT_EQ(static_cast<double>(static_cast<float>(v)), v) << "inputs must be exact in f32";
    const entry& e = *find_entries(loss, "scalar", dt).front();
    const accuracy_bound b = e.loss->accuracy();
    for (const torch_case& c : cases) {
      const std::string tag = e.name() + " " + std::string(to_string(c.red));
      const owned_call oc = fixed_call(e, s, x, y, params_as(params, dt), c.red);
      const evaluation ev = evaluate(e, oc, true);
      const reference_result ref = e.loss->reference(oc.view());
      auto loss_scale = [&](std::size_t i) {
        const long double m = ref.loss_magnitude.empty() ? ref.losses[i] : ref.loss_magnitude[i];
        return static_cast<double>(std::fabs(m));
      };
      double total = 0;
      for (std::size_t i = 0; i < ref.losses.size(); ++i) total += loss_scale(i);
      // + ½u: the value's final rounding to the dtype (|value| ≤ the summed scale).
      expect_near_torch(ev.value, c.value, b.value_ulps + 0.5, dt, total * static_cast<double>(ref.value_scale),
                        tag + " value");
      for (std::size_t i = 0; i < c.losses.size(); ++i)
        expect_near_torch(ev.losses.get(static_cast<std::int64_t>(i)), c.losses[i], b.value_ulps, dt, loss_scale(i),
                          tag + " loss[" + std::to_string(i) + "]");
      ASSERT_EQ(c.grad.size(), static_cast<std::size_t>(ev.grads[0].numel()));
      for (std::size_t i = 0; i < c.grad.size(); ++i) {
        const long double m = ref.grad_magnitude.empty() ? ref.grads[0][i] : ref.grad_magnitude[0][i];
        expect_near_torch(ev.grads[0].get(static_cast<std::int64_t>(i)), c.grad[i], b.grad_ulps, dt,
                          static_cast<double>(std::fabs(m)), tag + " grad[" + std::to_string(i) + "]");
      }
    }
  }
}

// Value, losses (reduction none) and gradient of `loss` on fixed inputs, for edge-case tests.
inline evaluation evaluate_fixed(const std::string& loss, dtype dt, const shape& s, const std::vector<double>& x,
                                 const std::vector<double>& y, const param_set& params = {},
                                 reduction red = reduction::none) {
  const entry& e = *find_entries(loss, "scalar", dt).front();
  return evaluate(e, fixed_call(e, s, x, y, params_as(params, dt), red), true);
}

// The argument a rejected call names (fails the test if nothing is thrown).
inline std::string rejected_argument(const std::string& loss, dtype dt, const shape& s, const std::vector<double>& x,
                                     const std::vector<double>& y, const param_set& params = {},
                                     reduction red = reduction::mean) {
  const entry& e = *find_entries(loss, "scalar", dt).front();
  try {
    e.run(fixed_call(e, s, x, y, params, red).view());
  } catch (const error& err) {
    return err.argument();
  }
  ADD_FAILURE() << loss << " accepted a bad input";
  return "";
}

}  // namespace lossbench::testing
