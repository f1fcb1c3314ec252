// sixteen_bit_sweep_test.cpp — what `lossbench report` and `lossbench tune` measure for bf16 and
// f16 (16-bit storage, computed in f32): which (loss, dtype) pairs a selection takes, the errors
// naming the option, and the accuracy figures of a 16-bit row (the value as f32, the gradient in
// 16-bit ULPs against the f32 bound plus half a 16-bit ULP).
#include "accuracy.hpp"
#include "dtype_plan.hpp"
#include "problem.hpp"
#include "report_sweep.hpp"

#include <lossbench/float16.hpp>
#include <lossbench/registry.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace lossbench::testing {
namespace {

std::string error_of(const std::function<void()>& f, std::string* argument = nullptr) {
  try {
    f();
  } catch (const error& e) {
    if (argument) *argument = e.argument();
    return e.what();
  }
  return "";
}

bool takes(const loss_spec& l, dtype t) {
  const auto ts = l.dtypes();
  return std::find(ts.begin(), ts.end(), t) != ts.end();
}

// The catalogue's losses with and without kernels in `t` (which losses have 16-bit kernels grows).
std::vector<std::string> losses_with(dtype t, bool with) {
  std::vector<std::string> out;
  for (const loss_spec* l : catalogue())
    if (takes(*l, t) == with) out.emplace_back(l->name());
  return out;
}

TEST(SixteenBitPlan, DefaultsAndNotes) {
  const bench::dtype_plan report = bench::plan_dtypes({}, {}, {"f32", "f64"}, "--dtype");
  EXPECT_EQ(report.dtypes, (std::vector<dtype>{dtype::f32, dtype::f64}));
  EXPECT_TRUE(report.notes.empty()) << "every loss takes f32 and f64";

  const bench::dtype_plan p = bench::plan_dtypes({}, {"f32", "bf16"}, {"f32", "f64"}, "--dtype");
  for (const loss_spec* l : catalogue()) {
    EXPECT_EQ(p.takes(*l, dtype::bf16), takes(*l, dtype::bf16)) << l->name();
    EXPECT_TRUE(p.takes(*l, dtype::f32)) << l->name();
    EXPECT_FALSE(p.takes(*l, dtype::f16)) << l->name() << ": not asked for";
  }
  EXPECT_TRUE(p.takes(find_loss("mse"), dtype::bf16));
  const auto lacking = losses_with(dtype::bf16, false);
  ASSERT_EQ(p.notes.size(), lacking.empty() ? 0u : 1u);
  for (const auto& name : lacking) EXPECT_NE(p.notes[0].find(name), std::string::npos) << p.notes[0];
  if (!lacking.empty()) {
    EXPECT_EQ(p.notes[0].rfind("bf16: " + lacking[0], 0), 0u) << p.notes[0];
  }
}

TEST(SixteenBitPlan, BadCombinationsNameTheOption) {
  std::string arg;
  std::string what = error_of([] { bench::plan_dtypes({}, {"f8"}, {}, "--dtype"); }, &arg);
  EXPECT_EQ(arg, "--dtype");
  EXPECT_NE(what.find("unknown 'f8' (expected one of: f32, f64, bf16, f16)"), std::string::npos) << what;
  what = error_of([] { bench::plan_dtypes({"focal"}, {"bf16"}, {}, "--dtype"); }, &arg);
  EXPECT_EQ(arg, "--loss");
  // A loss without bf16 kernels (none in the catalogue today) must have some dtype named with
  // --dtype when named alone, and is left out with a note when named with one that has bf16.
  for (const std::string& none : losses_with(dtype::bf16, false)) {
    what = error_of([&] { bench::plan_dtypes({none}, {"bf16"}, {}, "--dtype"); }, &arg);
    EXPECT_EQ(arg, "--dtype");
    EXPECT_NE(what.find(none + " has no kernels in bf16 (" + none + "'s dtypes: f32, f64"), std::string::npos) << what;
    const bench::dtype_plan p = bench::plan_dtypes({none, "mse"}, {"f32", "bf16"}, {}, "--dtype");
    ASSERT_EQ(p.notes.size(), 1u);
    EXPECT_NE(p.notes[0].find("bf16: " + none + " has no bf16 kernels"), std::string::npos) << p.notes[0];
  }
}

TEST(SixteenBitPlan, ReportSelectsSixteenBitOnlyWhenAsked) {
  const auto count = [](const bench::sweep_settings& s, dtype t) {
    const auto sel = bench::select_entries(s);
    int n = 0;
    for (const entry& e : registry()) n += e.type == t && sel.select(e);
    return n;
  };
  bench::sweep_settings s;
  EXPECT_EQ(count(s, dtype::bf16), 0) << "16-bit rows are opt-in: the default report keeps its rows";
  EXPECT_EQ(count(s, dtype::f16), 0);
  EXPECT_GT(count(s, dtype::f64), 0);
  s.dtypes = {"bf16"};
  s.variants = {"simd"};
  const auto sel = bench::select_entries(s);
  EXPECT_TRUE(sel.select(*find_entries("mse", "simd", dtype::bf16).front()));
  EXPECT_TRUE(sel.select(*find_entries("cross_entropy", "simd", dtype::bf16).front()));
  EXPECT_FALSE(sel.select(*find_entries("mse", "simd", dtype::f32).front()));
  EXPECT_EQ(count(s, dtype::bf16), static_cast<int>(losses_with(dtype::bf16, true).size()))
      << "one simd entry per loss with bf16 kernels";
  const auto lacking = losses_with(dtype::bf16, false);
  EXPECT_EQ(sel.notes.size(), lacking.empty() ? 0u : 1u);
  if (lacking.empty()) return;
  std::string arg;
  s.losses = {lacking.front()};
  error_of([&] { bench::select_entries(s); }, &arg);
  EXPECT_EQ(arg, "--dtype");
}

TEST(SixteenBitAccuracy, UlpsOfTheStorageType) {
  EXPECT_EQ(bench::ulp_of(1.0L, dtype::bf16), 0x1p-7L);
  EXPECT_EQ(bench::ulp_of(1.0L, dtype::f16), 0x1p-10L);
  EXPECT_EQ(bench::ulp_of(1.5L, dtype::f32), 0x1p-23L);
  EXPECT_EQ(bench::ulp_of(0x1p-140L, dtype::bf16), 0x1p-133L);  // bf16's subnormal spacing
  EXPECT_EQ(bench::ulp_of(0x1p-20L, dtype::f16), 0x1p-24L);     // f16's subnormal spacing
  EXPECT_EQ(bench::ulp_of(60000.0L, dtype::f16), 32.0L);
}

// A gradient one 16-bit ULP off misses the goal; one correctly rounded meets it; f16's overflow to
// inf of a value past its range is correctly rounded.
TEST(SixteenBitAccuracy, GoalPerElement) {
  reference_result ref;
  ref.value = 1;
  ref.grads = {{1.0L + 0x1p-11L, -3.0L, 65530.0L, 0.0L}};
  array g(dtype::f16, shape{4});
  g.set(0, 1.0);  // 1 + 2^-11 is a tie between 1 and 1 + 2^-10 (f16's spacing at 1): to even, 0.5 ULP
  g.set(1, -3.0);
  g.set(2, INFINITY);  // 65530 rounds to inf in f16 (past 65520): 0.5 ULP by convention
  g.set(3, 0.0);
  const accuracy_bound bound{4, 4, "test"};
  auto f = bench::measure_accuracy(ref, 1.0, {&g, 1}, dtype::f16, &bound);
  EXPECT_TRUE(f.grad_goal_met);
  EXPECT_EQ(f.grad_max_ulp, 0.5);
  // The goal: half a ULP plus the f32 bound (4 · 2^-24 relative) in ULPs of f16, largest at 65530
  // (spacing 32 there): 0.5 + 4.9e-4; 1e-12 only absorbs the double rounding of the sum.
  EXPECT_NEAR(f.grad_ulp_goal, 0.5 + 4 * 0x1p-24 * 65530 / 32, 1e-12);
  EXPECT_EQ(f.value_rel_err, 0);

  g.set(1, -3.0 - 0x1p-9);  // -3 is exact: one f16 ULP (2^-9 at 3) off
  f = bench::measure_accuracy(ref, 1.0, {&g, 1}, dtype::f16, &bound);
  EXPECT_FALSE(f.grad_goal_met);
  EXPECT_EQ(f.grad_max_ulp, 1.0);

  // No bound or f32: no goal (NaN), as for every f32/f64 row.
  EXPECT_TRUE(std::isnan(bench::measure_accuracy(ref, 1.0, {&g, 1}, dtype::f16).grad_ulp_goal));
  array g32(dtype::f32, shape{4});
  EXPECT_TRUE(std::isnan(bench::measure_accuracy(ref, 1.0, {&g32, 1}, dtype::f32, &bound).grad_ulp_goal));
}

// A real 16-bit problem as the report measures it: each variant's gradient within its goal, the
// value (the f32 kernel's on the widened inputs) within the f32 bound.
TEST(SixteenBitAccuracy, ReportRowsMeetTheirGoal) {
  for (const char* loss : {"mse", "bce_logits", "kl_div", "cross_entropy"})
    for (dtype t : {dtype::bf16, dtype::f16})
      for (const entry* e : find_entries(loss, "simd", t)) {
        const loss_spec& spec = *e->loss;
        bench::problem p(spec, t, spec.name() == std::string("cross_entropy") ? 8 : 4096);
        const double value = e->run(p.calls(true)[0]);
        const accuracy_bound bound = spec.accuracy();
        const auto f = bench::measure_accuracy(p.reference(), value, p.grads(), t, &bound);
        EXPECT_TRUE(f.grad_goal_met) << e->name() << ": " << f.grad_max_ulp << " ULPs, goal " << f.grad_ulp_goal;
        EXPECT_GE(f.grad_ulp_goal, 0.5) << e->name();
        EXPECT_LE(f.grad_max_ulp, f.grad_ulp_goal) << e->name();
        // 1e-4: the value is the f32 kernel's (its bound is a few 2^-24 relative to the terms, which
        // these inputs keep near |value|), where a value rounded to 16 bits would be off by ~2^-9.
        EXPECT_LT(f.value_rel_err, 1e-4) << e->name();
      }
}

}  // namespace
}  // namespace lossbench::testing
