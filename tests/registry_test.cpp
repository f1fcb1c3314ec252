// registry_test.cpp — the suite every registry entry (loss × variant × dtype) runs, so a new
// variant or loss is covered with no new test code: value and gradient against the reference for
// every reduction and for sizes around vector widths up to ~1M elements, gradients against
// central finite differences, NaN propagation and the generic bad-input errors.
#include "support/harness.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <vector>

namespace lossbench::testing {
namespace {

class EveryEntry : public ::testing::TestWithParam<const entry*> {};

// Samples (elements / rows / sequences) around the vector widths 4, 8, 16 and a large odd size:
// ~1M elements for the scalar, simd (best ISA) and omp entries; ~100K (still 25 blocks) for the
// forced simd:<isa> entries, whose kernels are the best ISA's code for another arch, and `auto`. The sanitizer
// run (scripts/test.sh --sanitize) sets LOSSBENCH_TEST_LARGE_ELEMENTS: it hunts memory errors.
std::vector<std::int64_t> sample_counts(const entry& e) {
  const loss_spec& spec = *e.loss;
  const std::int64_t per_sample = spec.items_per_sample();
  // `auto` runs one of the other entries' kernels: what it adds is the dispatch, not the kernel.
  const bool other_kernels = (e.variant.impl == implementation::simd && e.variant.isa != isa::none) ||
                             e.variant.impl == implementation::automatic;
  const char* env = std::getenv("LOSSBENCH_TEST_LARGE_ELEMENTS");
  const std::int64_t elements = env ? std::max(1L, std::atol(env)) : other_kernels ? 100003 : 1000003;
  const std::int64_t large = (elements / per_sample) | 1;  // odd, so nothing divides evenly
  // ~20K elements: whole 4096-element blocks, where an f64 kernel summing a block's losses in a
  // plain chain strays past the documented bound (huber's scalar kernel: 15u).
  const std::int64_t blocks = (20003 / per_sample) | 1;
  return {0, 1, 3, 7, 8, 9, 15, 16, 17, 33, blocks, large};
}

TEST_P(EveryEntry, MatchesReferenceAtEverySize) {
  const entry& e = *GetParam();
  for (std::int64_t n : sample_counts(e)) {
    SCOPED_TRACE("n = " + std::to_string(n));
    owned_call oc(*e.loss, e.loss->generate(e.type, {n, 0}, 42 + static_cast<std::uint64_t>(n), e.loss->resolve({})));
    const reference_result ref = e.loss->reference(oc.view());  // once for both modes
    for (bool grad : {false, true}) expect_matches_reference(e, oc, evaluate(e, oc, grad), grad, 1.0, &ref);
  }
}

TEST_P(EveryEntry, MatchesReferenceForEveryReduction) {
  const entry& e = *GetParam();
  for (reduction r : e.loss->reductions()) {
    SCOPED_TRACE(std::string(to_string(r)));
    owned_call oc(*e.loss, e.loss->generate(e.type, {37, 0}, 7, e.loss->resolve({})), {}, r);
    expect_matches_reference(e, oc, evaluate(e, oc, true), true);
  }
}

// Central differences, always in double (an f32 entry's gradient is compared with differences of
// the same loss's f64 entry on the same, f32-representable inputs). Error of the difference:
// h²|f‴|/6 + u|f|/h ≈ 1e-10 relative with h = 1e-5·max(1,|x|), so 1e-6 of the gradient's scale
// bounds it; an f32 gradient adds its documented bound, grad_ulps·2⁻²⁴ of that scale, and a
// 16-bit one (computed in f32) the rounding to its storage, half an ulp (storage_roundoff).
// The elements differenced: all of a small gradient; of a large one (cross_entropy's 5 × 1000
// classes: each difference is two f64 runs, so all 5000 would take most of the suite's time under
// the sanitizers) every k-th element, spread over rows and classes, plus the 16 of largest
// magnitude (cross_entropy's target classes, where p − 1 lives).
std::vector<std::int64_t> differenced_elements(const array& grad) {
  constexpr std::int64_t all_below = 512, spread = 256, largest = 16;
  const std::int64_t n = grad.numel();
  std::vector<std::int64_t> out;
  const std::int64_t step = n <= all_below ? 1 : n / spread;
  for (std::int64_t j = 0; j < n; j += step) out.push_back(j);
  if (step == 1) return out;
  std::vector<std::int64_t> by_size(static_cast<std::size_t>(n));
  for (std::int64_t j = 0; j < n; ++j) by_size[static_cast<std::size_t>(j)] = j;
  std::partial_sort(by_size.begin(), by_size.begin() + largest, by_size.end(),
                    [&](std::int64_t a, std::int64_t b) { return std::fabs(grad.get(a)) > std::fabs(grad.get(b)); });
  out.insert(out.end(), by_size.begin(), by_size.begin() + largest);
  return out;
}

TEST_P(EveryEntry, GradientMatchesFiniteDifferences) {
  const entry& e = *GetParam();
  if (!e.loss->gradient_is_of_inputs()) GTEST_SKIP() << "gradient is not ∂value/∂input (the loss tests its own)";
  const entry& f64 = twin_in(e, dtype::f64);
  const double tol = 1e-6 + (e.type == dtype::f64 ? 0.0 : e.loss->accuracy().grad_ulps * unit_roundoff(e.type)) +
                     storage_roundoff(e.type);
  for (reduction r : e.loss->reductions()) {
    if (r == reduction::none) continue;  // a scalar is differentiated; none's gradient is of the sum
    owned_call oc(*e.loss, e.loss->generate(e.type, {5, 0}, 11, e.loss->resolve({})), {}, r);
    const evaluation ev = evaluate(e, oc, true);
    std::vector<array> wide;
    for (const auto& a : oc.inputs) wide.push_back(a.astype(is_floating(a.type()) ? dtype::f64 : a.type()));
    owned_call od(*e.loss, std::move(wide), {}, r);
    const auto desc = e.loss->inputs();
    std::size_t k = 0;
    for (std::size_t i = 0; i < desc.size(); ++i) {
      if (!desc[i].differentiable) continue;
      array& x = od.inputs[i];
      double scale = 0;
      for (std::int64_t j = 0; j < ev.grads[k].numel(); ++j) scale = std::max(scale, std::fabs(ev.grads[k].get(j)));
      ASSERT_EQ(ev.grads[k].numel(), x.numel());
      for (std::int64_t j : differenced_elements(ev.grads[k])) {
        const double x0 = x.get(j), h = 1e-5 * std::max(1.0, std::fabs(x0));
        x.set(j, x0 + h);
        const double fp = f64.run(od.view());
        x.set(j, x0 - h);
        const double fm = f64.run(od.view());
        x.set(j, x0);
        EXPECT_NEAR(ev.grads[k].get(j), (fp - fm) / (2 * h), tol * std::max(1.0, scale))
            << e.name() << " " << to_string(r) << " d/d" << desc[i].name << "[" << j << "]";
      }
      ++k;
    }
  }
}

TEST_P(EveryEntry, NanInTheFirstInputPropagates) {
  const entry& e = *GetParam();
  owned_call oc(*e.loss, e.loss->generate(e.type, {9, 0}, 3, e.loss->resolve({})));
  oc.inputs[0].set(0, std::nan(""));
  EXPECT_TRUE(std::isnan(evaluate(e, oc, true).value)) << e.name();
}

TEST_P(EveryEntry, RejectsAWrongNumberOfInputs) {
  const entry& e = *GetParam();
  owned_call oc(*e.loss, e.loss->generate(e.type, {4, 0}, 3, e.loss->resolve({})));
  oc.refs.pop_back();
  EXPECT_THROW(e.run(oc.view()), error);
}

TEST_P(EveryEntry, RejectsTheOtherFloatingDtype) {
  const entry& e = *GetParam();
  const dtype other = e.type == dtype::f32 ? dtype::f64 : dtype::f32;
  owned_call oc(*e.loss, e.loss->generate(other, {4, 0}, 3, e.loss->resolve({})));
  try {
    e.run(oc.view());
    ADD_FAILURE() << e.name() << " accepted " << to_string(other) << " inputs";
  } catch (const error& err) {
    EXPECT_EQ(err.argument(), std::string(e.loss->inputs()[0].name)) << err.what();
  }
}

TEST_P(EveryEntry, RejectsAnUnknownParameter) {
  const entry& e = *GetParam();
  param_set p;
  p.set("no_such_parameter", 1.0);
  try {
    e.loss->resolve(p);
    ADD_FAILURE() << "accepted an unknown parameter";
  } catch (const error& err) {
    EXPECT_EQ(err.argument(), "no_such_parameter");
  }
}

TEST_P(EveryEntry, RejectsAnUnsupportedReduction) {
  const entry& e = *GetParam();
  const auto rs = e.loss->reductions();
  if (std::find(rs.begin(), rs.end(), reduction::batchmean) != rs.end()) GTEST_SKIP() << "supports all four";
  owned_call oc(*e.loss, e.loss->generate(e.type, {4, 0}, 3, e.loss->resolve({})), {}, reduction::batchmean);
  EXPECT_THROW(e.run(oc.view()), error);
}

INSTANTIATE_TEST_SUITE_P(Registry, EveryEntry, ::testing::ValuesIn(all_entries()), entry_test_name);

TEST(Registry, EveryLossHasScalarF32AndF64) {
  for (const loss_spec* l : catalogue())
    for (dtype t : {dtype::f32, dtype::f64}) EXPECT_EQ(find_entries(l->name(), "scalar", t).size(), 1u) << l->name();
}

TEST(Registry, UnknownNamesAreErrorsNamingTheArgument) {
  try {
    find_loss("nope");
    FAIL();
  } catch (const error& e) {
    EXPECT_EQ(e.argument(), "--loss");
  }
  try {
    find_entries("mse", "nope", dtype::f32);
    FAIL();
  } catch (const error& e) {
    EXPECT_EQ(e.argument(), "--variant");
  }
}

}  // namespace
}  // namespace lossbench::testing
