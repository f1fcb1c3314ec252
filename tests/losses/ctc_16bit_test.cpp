// ctc_16bit_test.cpp — ctc with log_probs (and so its gradient and per-sequence losses) in bf16
// and f16. A 16-bit entry computes what the same variant computes in f32 on the exactly widened
// log-probabilities: its value bit for bit, each gradient element the f32 one rounded once. Each
// per-sequence loss is its double rounded once, as the f32 loss is: so the f32 loss narrowed, save
// where that f32 loss is exactly a 16-bit midpoint, which the double may lie on either side of
// (f32_results::from_double; the gradients are checked without that allowance under `sum`, whose
// gradients are `none`'s). Also: omp = simd bit for bit on several thread counts, −inf
// log-probabilities (a class never emitted, an impossible alignment), NaN, gradients rounded to
// subnormal halves, the span API. The reference within the f32 bound plus the storage rounding is
// registry_test's (it runs every entry).
#include "support/harness.hpp"
#include "support/sixteen_bit.hpp"

#include <lossbench/float16.hpp>
#include <lossbench/losses.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace lossbench::testing {
namespace {

constexpr double inf = std::numeric_limits<double>::infinity();
constexpr dtype halves[] = {dtype::bf16, dtype::f16};

const loss_spec& ctc_loss() { return *find_entries("ctc", "scalar", dtype::f32).front()->loss; }

// Every entry but `auto` (it may choose another kernel than its f32 twin's, by the tuned profile
// of another dtype).
std::vector<const entry*> entries_16(dtype dt) {
  std::vector<const entry*> out;
  for (const entry* e : find_entries("ctc", "all", dt))
    if (e->variant.impl != implementation::automatic) out.push_back(e);
  return out;
}

// Generated log-probabilities in the 16-bit dtype (each rounded once to it by the generator).
owned_call generated(dtype dt, std::int64_t batch, std::int64_t classes, const param_set& p, reduction red,
                     std::uint64_t seed) {
  return owned_call(ctc_loss(), ctc_loss().generate(dt, {batch, classes}, seed, ctc_loss().resolve(p)), p, red);
}

// Per-sequence losses are rounded from doubles; without them every stored result is an f32 one.
f32_results how(reduction red) { return red == reduction::none ? f32_results::from_double : f32_results::once; }

void expect_all_narrowed(dtype dt, const owned_call& oc) {
  for (const entry* e : entries_16(dt)) {
    SCOPED_TRACE(e->name());
    expect_f32_narrowed(*e, oc, how(oc.red));
  }
}

TEST(Ctc16, HasBf16AndF16EntriesForEveryVariant) {
  for (dtype dt : halves) {
    const auto dts = ctc_loss().dtypes();
    EXPECT_NE(std::find(dts.begin(), dts.end(), dt), dts.end()) << to_string(dt);
    // Every f32 variant has its 16-bit entry (an ISA may serve 16-bit storage alone: isa_serves).
    for (const entry* f : find_entries("ctc", "all", dtype::f32)) {
      bool found = false;
      for (const entry* e : find_entries("ctc", "all", dt)) found = found || e->variant.name() == f->variant.name();
      EXPECT_TRUE(found) << f->name() << " has no " << to_string(dt) << " entry";
    }
  }
}

// C around the vector widths (the gradient row's full batches and its tail), both blank
// positions, every reduction; the generator's 150 frames.
TEST(Ctc16, IsTheF32ResultRoundedOnce) {
  for (dtype dt : halves)
    for (std::int64_t classes : {2, 5, 16, 17, 40})
      for (double blank : {0.0, 1.0})
        for (reduction red : ctc_loss().reductions()) {
          SCOPED_TRACE(std::string(to_string(dt)) + " C=" + std::to_string(classes) +
                       " blank=" + std::to_string(blank) + " " + std::string(to_string(red)));
          expect_all_narrowed(dt, generated(dt, 3, classes, param_set().set("blank", blank), red, 50));
        }
}

// One sequence a block: a batch of 9 splits over every team size.
TEST(Ctc16, OmpEqualsSimdBitForBitOnAnyThreadCount) {
  for (dtype dt : halves)
    for (reduction red : {reduction::mean, reduction::none}) {
      SCOPED_TRACE(std::string(to_string(dt)) + " " + std::string(to_string(red)));
      const owned_call oc = generated(dt, 9, 20, {}, red, 8);
      const auto simd = find_entries("ctc", "simd", dt);
      const auto omp = find_entries("ctc", "omp", dt);
      if (simd.empty() || omp.empty()) GTEST_SKIP() << "no simd/omp entries on this CPU";
      const evaluation base = evaluate(*simd.front(), oc, true);
      for (int threads : {1, 2, 3, 7}) expect_same_bits(base, evaluate(*omp.front(), oc, true, threads), "omp");
    }
}

// −inf log-probabilities in the second sequence: a class no target label uses (its gradient is
// exp(−inf) − 0 = 0) or one its target uses, which makes the alignment impossible (loss +inf, or 0
// with zero_infinity; gradient 0), as in f32.
TEST(Ctc16, InfiniteLogProbabilitiesAsInF32) {
  for (dtype dt : halves)
    for (double zero_infinity : {0.0, 1.0})
      for (std::int64_t impossible : {3, 2})  // 3: no label of the second target; 2: one of its labels
        for (reduction red : {reduction::sum, reduction::none}) {
          SCOPED_TRACE(std::string(to_string(dt)) + " zero_infinity=" + std::to_string(zero_infinity) +
                       " class=" + std::to_string(impossible) + " " + std::string(to_string(red)));
          owned_call oc = generated(dt, 2, 4, param_set().set("zero_infinity", zero_infinity), red, 9);
          const std::int64_t time = oc.inputs[0].shape()[0], batch = 2, classes = 4;
          for (std::int64_t t = 0; t < time; ++t) oc.inputs[0].set((t * batch + 1) * classes + impossible, -inf);
          const std::int64_t columns = oc.inputs[1].shape()[1];
          ASSERT_GE(columns, 4);
          for (std::int64_t s = 0; s < columns; ++s) oc.inputs[1].set(columns + s, static_cast<double>(1 + s % 2));
          oc.inputs[3].set(1, 4);  // the second target: 1 2 1 2 (4 frames; every input is longer)
          expect_all_narrowed(dt, oc);
          if (impossible == 2 && red == reduction::none) {
            const evaluation ev = evaluate(*find_entries("ctc", "scalar", dt).front(), oc, true);
            EXPECT_EQ(ev.losses.get(1), zero_infinity != 0 ? 0.0 : inf);  // the case is the impossible one
          }
        }
}

// A NaN log-probability propagates to its sequence's loss and gradient as in f32 (a NaN stays a
// NaN once stored).
TEST(Ctc16, NaNAsInF32) {
  for (dtype dt : halves)
    for (reduction red : {reduction::sum, reduction::none}) {
      SCOPED_TRACE(std::string(to_string(dt)) + " " + std::string(to_string(red)));
      owned_call oc = generated(dt, 3, 6, {}, red, 12);
      oc.inputs[0].set((5 * 3 + 1) * 6 + 2, std::numeric_limits<double>::quiet_NaN());  // t = 5, sequence 1
      expect_all_narrowed(dt, oc);
    }
}

// Classes 3–5 at log-probabilities far below the others leave their gradients exp(lp) − γ tiny:
// −12 (f16: e^-12 ≈ 6e-6 < 2^-14) and −90 (bf16: e^-90 ≈ 8e-40 < 2^-126) make gradients in the
// subnormal range, which are rounded, not flushed.
TEST(Ctc16, GradientsRoundToSubnormalHalves) {
  for (dtype dt : halves) {
    SCOPED_TRACE(std::string(to_string(dt)));
    owned_call oc = generated(dt, 2, 6, {}, reduction::sum, 4);
    const double low = dt == dtype::f16 ? -12.0 : -90.0;
    for (std::int64_t i = 0; i < oc.inputs[0].numel(); ++i)
      if (i % 6 >= 3) oc.inputs[0].set(i, low - 0.25 * static_cast<double>(i % 7));
    const double smallest_normal = dt == dtype::f16 ? 0x1p-14 : 0x1p-126;
    for (const entry* e : entries_16(dt)) {
      SCOPED_TRACE(e->name());
      expect_f32_narrowed(*e, oc, f32_results::once);
      const evaluation ev = evaluate(*e, oc, true);
      const array& g = ev.grads[0];
      std::int64_t subnormal = 0;
      for (std::int64_t j = 0; j < g.numel(); ++j) {
        const double x = std::fabs(g.get(j));
        subnormal += x > 0 && x < smallest_normal;
      }
      EXPECT_GT(subnormal, 0) << "no subnormal gradient: the case tests nothing";
    }
  }
}

// The typed span API takes 16-bit log-probabilities and returns the f32 value: the same bits as
// the registry entry of the variant it names.
template <class S>
void expect_span_api_as_registry(dtype dt) {
  SCOPED_TRACE(std::string(to_string(dt)));
  const owned_call oc = generated(dt, 3, 7, {}, reduction::none, 5);
  const evaluation want = evaluate(*find_entries("ctc", "scalar", dt).front(), oc, true);
  const auto& s = oc.inputs[0].shape();
  array g(dt, s), losses(dt, {s[1]});
  ctc_options o;
  o.variant = "scalar";
  o.reduction = reduction::none;
  const float got = ctc<S, std::int64_t>(oc.inputs[0].span<S>(), s[0], s[1], s[2], oc.inputs[1].span<std::int64_t>(),
                                         false, oc.inputs[2].span<std::int64_t>(), oc.inputs[3].span<std::int64_t>(), o,
                                         g.span<S>(), losses.span<S>());
  EXPECT_EQ(got, want.value);
  EXPECT_EQ(std::memcmp(g.raw(), want.grads[0].raw(), g.bytes()), 0);
  EXPECT_EQ(std::memcmp(losses.raw(), want.losses.raw(), losses.bytes()), 0);
}

TEST(Ctc16, SpanApiTakes16BitLogProbabilities) {
  expect_span_api_as_registry<bf16>(dtype::bf16);
  expect_span_api_as_registry<f16>(dtype::f16);
}

}  // namespace
}  // namespace lossbench::testing
