// ctc_simd_test.cpp — what the SIMD CTC kernel (ctc_simd.hpp) could get wrong that the scalar
// one cannot: lane tails of the state row (2S+1 not a multiple of the width) and of the class
// row (C not a multiple of it), and states far below their row's maximum, which a per-row
// exp-shift would flush to zero. Every ctc entry (scalar, simd, simd:<isa>; f32 and f64) runs,
// each checked against the long-double reference within the documented bound (ctc.hpp).
#include "support/harness.hpp"

#include <cmath>

namespace lossbench::testing {
namespace {

class CtcSimd : public ::testing::TestWithParam<const entry*> {};

std::vector<const entry*> ctc_entries() {
  std::vector<const entry*> out;
  for (dtype t : {dtype::f32, dtype::f64})
    for (const entry* e : find_entries("ctc", "all", t)) out.push_back(e);
  return out;
}
INSTANTIATE_TEST_SUITE_P(Variants, CtcSimd, ::testing::ValuesIn(ctc_entries()), entry_test_name);

void expect_reference(const entry& e, std::vector<array> in, double blank, reduction r) {
  param_set params;
  params.set("blank", blank);
  const owned_call oc(*e.loss, std::move(in), params, r);
  const evaluation ev = evaluate(e, oc, true);
  expect_matches_reference(e, oc, ev, true);
}

TEST_P(CtcSimd, GeneratedBatchesWithLaneTailsMatchTheReference) {
  const entry& e = *GetParam();
  // C = 37: a tail at every width; 40: none for f64 (8 | 40), a tail for f32 at 16 lanes; 3: only a tail.
  for (std::int64_t classes : {37, 40, 3})
    for (double blank : {0.0, static_cast<double>(classes - 1)})
      for (reduction r : {reduction::none, reduction::mean}) {
        param_set gen;
        gen.set("blank", blank);
        auto in = e.loss->generate(e.type, shape_request{5, classes}, 7 + static_cast<std::uint64_t>(classes),
                                   e.loss->resolve(gen));
        expect_reference(e, std::move(in), blank, r);
      }
}

// Target [1, 2] in 2 frames has one alignment, "1 2"; at t = 0 the label-1 state is `depth`
// below the blank state (the row maximum), beyond exp's range (f32: e^−120 = 0, f64: e^−800 = 0),
// yet it carries the whole probability: ℓ = depth + log 3, γ_0(1) = 1.
TEST_P(CtcSimd, StatesFarBelowTheRowMaximumKeepTheirValue) {
  const entry& e = *GetParam();
  const double depth = e.type == dtype::f32 ? 120 : 800;
  array lp(e.type, {2, 1, 3});
  // Class 2 at t = 0 keeps a probability f32 can represent (the reference's e^−depth cannot be).
  const double lp0[] = {std::log(0.5), -depth, std::log(0.5)}, lp1[] = {-std::log(3.0), -std::log(3.0), -std::log(3.0)};
  for (int c = 0; c < 3; ++c) lp.set(c, lp0[c]), lp.set(3 + c, lp1[c]);
  array targets(dtype::i64, {1, 2}), il(dtype::i64, {1}), tl(dtype::i64, {1});
  targets.set(0, 1), targets.set(1, 2), il.set(0, 2), tl.set(0, 2);
  std::vector<array> in;
  for (array* a : {&lp, &targets, &il, &tl}) in.push_back(std::move(*a));
  const owned_call oc(*e.loss, std::move(in), {}, reduction::sum);
  const evaluation ev = evaluate(e, oc, true);
  // ℓ within 4u·(M + |ℓ|) (ctc.hpp), M = Σ_t m_t ≤ 2·(2 + log 5 + depth) < 2·(4 + depth).
  const double u = unit_roundoff(e.type), M = 2 * (4 + depth);
  EXPECT_NEAR(ev.value, depth + std::log(3.0), 4 * u * (M + depth + 2));
  // grad[0, 1] = p − γ = e^−depth − 1 (sum: scale 1) within 4u·(p + γ)·(4M + 1) (ctc.hpp).
  EXPECT_NEAR(ev.grads[0].get(1), -1.0, 4 * u * (4 * M + 1));
  expect_matches_reference(e, oc, ev, true);
}

}  // namespace
}  // namespace lossbench::testing
