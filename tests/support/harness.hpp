// harness.hpp — what every test needs to run a registry entry: owned inputs, output buffers,
// the reference, and the error bounds each loss documents (loss_spec::accuracy()).
#pragma once

#include <lossbench/isa.hpp>
#include <lossbench/registry.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace lossbench::testing {

// A call with everything it points to owned here.
struct owned_call {
  std::vector<array> inputs;
  param_set params;  // resolved
  reduction red = reduction::mean;
  std::vector<tensor_ref> refs;

  owned_call(const loss_spec& spec, std::vector<array> in, const param_set& given = {}, reduction r = reduction::mean)
      : inputs(std::move(in)), params(spec.resolve(given)), red(r), refs(refs_of(inputs)) {}
  call view(outputs out = {}) const { return call{refs, &params, red, out}; }
};

// What one entry returned.
struct evaluation {
  double value = 0;
  array losses;              // with reduction none
  std::vector<array> grads;  // one per differentiable input (empty when value-only)
};

// The buffers one call of e writes into ev: per-sample losses with reduction none, and a gradient
// per differentiable input when asked for.
inline outputs outputs_into(evaluation& ev, const entry& e, const owned_call& oc, bool with_grad) {
  outputs out;
  if (oc.red == reduction::none) {
    ev.losses = array(e.type, e.loss->losses_shape(oc.refs));
    out.losses = ev.losses.raw();
  }
  if (with_grad) {
    std::size_t k = 0;
    const auto desc = e.loss->inputs();
    for (std::size_t i = 0; i < desc.size(); ++i) {
      if (!desc[i].differentiable) continue;
      ev.grads.emplace_back(e.type, oc.inputs[i].shape());
      out.grad[k++] = ev.grads.back().raw();
    }
  }
  return out;
}

// `threads`: the omp variant's team for this call (0: the process default).
inline evaluation evaluate(const entry& e, const owned_call& oc, bool with_grad, int threads = 0) {
  evaluation ev;
  call c = oc.view(outputs_into(ev, e, oc, with_grad));
  c.threads = threads;
  ev.value = e.run(c);
  return ev;
}

// The entry of e's loss in dtype t that runs e's kernels: e's variant, or for a `simd:<isa>` whose
// ISA has no kernels of its own for t (isa_serves: avx512bf16 outside bf16), the nearest
// narrower ISA's, which it runs.
inline const entry& twin_in(const entry& e, dtype t) {
  variant v = e.variant;
  while (v.isa != isa::none && !isa_serves(v.isa, t)) v.isa = static_cast<isa>(static_cast<int>(v.isa) - 1);
  return *find_entries(e.loss->name(), v.name(), t).front();
}

// Two evaluations of one call carry the same bits: value, every gradient, per-sample losses.
inline void expect_same_bits(const evaluation& a, const evaluation& b, const std::string& what) {
  EXPECT_EQ(std::memcmp(&a.value, &b.value, sizeof(double)), 0) << what << ": " << a.value << " vs " << b.value;
  ASSERT_EQ(a.grads.size(), b.grads.size());
  for (std::size_t k = 0; k < a.grads.size(); ++k)
    EXPECT_EQ(std::memcmp(a.grads[k].raw(), b.grads[k].raw(), a.grads[k].bytes()), 0) << what << " gradient " << k;
  if (a.losses.raw() && b.losses.raw()) {
    EXPECT_EQ(std::memcmp(a.losses.raw(), b.losses.raw(), a.losses.bytes()), 0) << what << " losses";
  }
}

// The unit roundoff of the type a dtype computes in (f32 for the 16-bit storage types).
inline double unit_roundoff(dtype t) { return t == dtype::f64 ? 0x1p-53 : 0x1p-24; }
// Half the compute type's smallest denormal: what a rounding that underflows may err by
// absolutely, whatever the relative bound says (the golden files count it the same way). f64's
// half is not a double: rounded up to the smallest one.
inline double half_denormal(dtype t) { return t == dtype::f64 ? 0x1p-1074 : 0x1p-150; }
// The one rounding of a result stored in 16 bits (none for f32/f64): relative (half an ulp,
// 2^-8 for bf16's 8-bit significand, 2^-11 for f16's 11) and absolute (half the smallest
// subnormal: 2^-134 bf16, 2^-25 f16).
inline double storage_roundoff(dtype t) { return t == dtype::bf16 ? 0x1p-8 : t == dtype::f16 ? 0x1p-11 : 0.0; }
inline double storage_half_denormal(dtype t) { return t == dtype::bf16 ? 0x1p-134 : t == dtype::f16 ? 0x1p-25 : 0.0; }
// Where a 16-bit storage type's rounding overflows: a result at or beyond it in magnitude (before
// rounding) is stored as ±inf. It is halfway from the largest finite value to the next power of
// two: bf16 0x1.fep127 → 0x1.ffp127, f16 65504 → 65520. Infinity for f32/f64 (no storage rounding).
inline double storage_overflow(dtype t) {
  return t == dtype::bf16 ? 0x1.ffp127 : t == dtype::f16 ? 65520.0 : std::numeric_limits<double>::infinity();
}

// Whether `got` is within `bound` of `want` once stored in e.type: the stored result may differ
// by the storage rounding on top, and round to ±inf past the type's range.
inline bool within_stored(double got, double want, double bound, dtype t) {
  if (!is_16bit(t)) return std::fabs(got - want) <= bound;
  if (std::isinf(got) && !std::isinf(want))
    return std::signbit(got) == std::signbit(want) && std::fabs(want) + bound >= storage_overflow(t);
  return std::fabs(got - want) <= bound + storage_roundoff(t) * (std::fabs(want) + bound) + storage_half_denormal(t);
}

// Checks value, per-sample losses and gradients against the reference within the loss's
// documented bound (accuracy_bound); `slack` multiplies it for callers that add their own
// rounding (documented where used).
// `ref` may be passed in when several entries are checked against the same call's reference.
inline void expect_matches_reference(const entry& e, const owned_call& oc, const evaluation& ev, bool with_grad,
                                     double slack = 1.0, const reference_result* known = nullptr) {
  const reference_result ref = known ? *known : e.loss->reference(oc.view());
  const accuracy_bound b = e.loss->accuracy();
  const double u = unit_roundoff(e.type), half_tiny = half_denormal(e.type);
  auto mag = [](const std::vector<long double>& m, const std::vector<long double>& v, std::size_t i) {
    return static_cast<double>(std::fabs(m.empty() ? v[i] : m[i]));
  };
  // The reduced value: each per-sample error ≤ value_ulps·(u·magnitude + ½tiny), times the
  // reduction scale, plus the final rounding of the value to the dtype (½(u·|value| + tiny)).
  double total_mag = 0;
  for (std::size_t i = 0; i < ref.losses.size(); ++i) total_mag += mag(ref.loss_magnitude, ref.losses, i);
  const double rv = static_cast<double>(ref.value);
  const double samples = static_cast<double>(ref.losses.size());
  const double tol =
      b.value_ulps * (u * total_mag + samples * half_tiny) * static_cast<double>(std::fabs(ref.value_scale)) * slack +
      0.5 * u * std::fabs(rv) + half_tiny + std::numeric_limits<double>::denorm_min();
  if (std::isnan(rv))
    EXPECT_TRUE(std::isnan(ev.value)) << e.name();
  else if (std::isinf(rv))
    EXPECT_EQ(ev.value, rv) << e.name();
  else
    EXPECT_NEAR(ev.value, rv, tol) << e.name() << " value (bound: " << b.reason << ")";

  if (oc.red == reduction::none) {
    ASSERT_EQ(static_cast<std::size_t>(ev.losses.numel()), ref.losses.size());
    int reported = 0;
    for (std::size_t i = 0; i < ref.losses.size() && reported < 5; ++i) {
      const double r = static_cast<double>(ref.losses[i]);
      const double got = ev.losses.get(static_cast<std::int64_t>(i));
      if (std::isnan(r) || std::isinf(r)) {
        if (!(std::isnan(r) ? std::isnan(got) : got == r)) {
          ADD_FAILURE() << e.name() << " loss[" << i << "]";
          ++reported;
        }
        continue;
      }
      const double t = b.value_ulps * (u * mag(ref.loss_magnitude, ref.losses, i) + half_tiny) * slack +
                       std::numeric_limits<double>::denorm_min();
      if (!within_stored(got, r, t, e.type)) {
        ADD_FAILURE() << e.name() << " loss[" << i << "] = " << got << ", reference " << r << ", bound " << t << " ("
                      << b.reason << ")";
        ++reported;
      }
    }
  }
  if (!with_grad) return;
  ASSERT_EQ(ev.grads.size(), ref.grads.size());
  for (std::size_t k = 0; k < ref.grads.size(); ++k) {
    const auto& g = ev.grads[k];
    const auto& r = ref.grads[k];
    const std::vector<long double> none;
    const auto& m = k < ref.grad_magnitude.size() ? ref.grad_magnitude[k] : none;
    int reported = 0;
    for (std::size_t i = 0; i < r.size() && reported < 5; ++i) {
      const double want = static_cast<double>(r[i]);
      const double got = g.get(static_cast<std::int64_t>(i));
      if (std::isnan(want)) {
        if (!std::isnan(got)) {
          ADD_FAILURE() << e.name() << " grad" << k << "[" << i << "] not NaN";
          ++reported;
        }
        continue;
      }
      if (std::isinf(want)) {  // exactly the same infinity (∞ − ∞ would fail any bound)
        if (got != want) {
          ADD_FAILURE() << e.name() << " grad" << k << "[" << i << "] = " << got << ", reference " << want;
          ++reported;
        }
        continue;
      }
      // A NaN magnitude (the scale of a row holding ±∞) bounds nothing: the value must then be exact.
      const double scale = mag(m, r, i);
      const double t = std::isnan(scale)
                           ? 0
                           : b.grad_ulps * (u * scale + half_tiny) * slack + std::numeric_limits<double>::denorm_min();
      if (!within_stored(got, want, t, e.type)) {
        ADD_FAILURE() << e.name() << " grad" << k << "[" << i << "] = " << got << ", reference " << want << ", bound "
                      << t << " (" << b.reason << ")";
        ++reported;
      }
    }
  }
}

// Every registry entry, for INSTANTIATE_TEST_SUITE_P; names like "mse_scalar_f32".
inline std::vector<const entry*> all_entries() {
  std::vector<const entry*> out;
  for (const auto& e : registry()) out.push_back(&e);
  return out;
}
inline std::string entry_test_name(const ::testing::TestParamInfo<const entry*>& info) {
  std::string s = info.param->name();
  for (char& ch : s)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return s;
}

}  // namespace lossbench::testing
