// embedding_range_test.cpp — triplet and contrastive where the plain sum of squares leaves the
// dtype's range although the distance does not: |v| = 2^66 in every element of a float row
// squares past FLT_MAX (‖v‖ = 2^69 is finite), |v| = 2^-70 squares into the subnormals (‖v‖ =
// 2^-67, and its gradient v/‖v‖ = 1/8 is not 0). Every variant and dtype; the old plain sums
// gave +inf/NaN, or 0 for the gradient. Powers of two make the exact answer known without the
// library's reference: every rescaled sum, root, quotient and 1/B scale below is exact, so p = 2
// is compared for equality; p = 3 (pow rounds) is held to the documented bound.
#include "row_loss_support.hpp"

#include <cmath>
#include <limits>

namespace lossbench::testing {
namespace {

constexpr std::int64_t rows = 4, dim = 64;  // √64 = 8: exact distances; 1/4: an exact mean scale

class TripletRange : public ::testing::TestWithParam<const entry*> {};
class ContrastiveRange : public ::testing::TestWithParam<const entry*> {};

// 2^k for the exponent that overflows (squares past the dtype's max) or underflows.
struct range_case {
  const char* what;
  int f32, f64;
};
constexpr range_case overflow{"overflow", 66, 520}, underflow{"underflow", -70, -540};

array filled(double value, dtype t, std::int64_t n = rows) {
  return literal(std::vector<double>(static_cast<std::size_t>(n * dim), value), {n, dim}, t);
}

void expect_all(const array& a, double want, const std::string& what) {
  for (std::int64_t i = 0; i < a.numel(); ++i) ASSERT_EQ(a.get(i), want) << what << " [" << i << "]";
}

// a − p = c and a − n = c/2 in every element, margin 0, eps 0: d(a,p) = 8c, d(a,n) = 4c, the loss
// 4c; ∂/∂a = (1/8 − 1/8)/B = 0, ∂/∂p = −1/(8B), ∂/∂n = 1/(8B).
TEST_P(TripletRange, DistancesNeitherOverflowNorUnderflow) {
  const entry& e = *GetParam();
  for (const range_case& rc : {overflow, underflow}) {
    const double c = std::ldexp(1.0, e.type == dtype::f32 ? rc.f32 : rc.f64);
    for (double p : {2.0, 3.0}) {
      SCOPED_TRACE(std::string(rc.what) + " p = " + std::to_string(p));
      std::vector<array> in;
      in.push_back(filled(c, e.type));
      in.push_back(filled(0, e.type));
      in.push_back(filled(c / 2, e.type));
      owned_call oc(*e.loss, std::move(in), param_set().set("p", p).set("eps", 0).set("margin", 0), reduction::mean);
      const evaluation ev = evaluate(e, oc, true);
      expect_matches_reference(e, oc, ev, true);
      if (p != 2) continue;
      EXPECT_EQ(ev.value, 4 * c);
      expect_all(ev.grads[0], 0.0, "anchor");
      expect_all(ev.grads[1], -1.0 / 32, "positive");
      expect_all(ev.grads[2], 1.0 / 32, "negative");
    }
  }
}

evaluation contrastive(const entry& e, double c, double y, double margin, std::int64_t n = rows) {
  std::vector<array> in;
  in.push_back(filled(c, e.type, n));
  in.push_back(filled(0, e.type, n));
  in.push_back(literal(std::vector<double>(static_cast<std::size_t>(n), y), {n}, e.type));
  owned_call oc(*e.loss, std::move(in), param_set().set("margin", margin), reduction::mean);
  evaluation ev = evaluate(e, oc, true);
  expect_matches_reference(e, oc, ev, true);
  return ev;
}

// Dissimilar rows: S = 64c² overflows, d = 8c does not; margin 9c leaves the hinge c, the loss
// ½c², the gradient −(c/d)·(x1 − x2)/B = −c/32.
TEST_P(ContrastiveRange, DissimilarRowsBeyondTheSquaresRange) {
  const entry& e = *GetParam();
  const double c = std::ldexp(1.0, e.type == dtype::f32 ? 62 : 510);
  const evaluation ev = contrastive(e, c, 0, 9 * c);
  EXPECT_EQ(ev.value, c * c / 2);
  expect_all(ev.grads[0], -c / 32, "x1");
  expect_all(ev.grads[1], c / 32, "x2");
}

// Similar rows with S = 2^128 (f32) / 2^1024 (f64): S itself overflows, the loss ½S does not.
// One row: the sum of several such losses would itself overflow.
TEST_P(ContrastiveRange, SimilarLossIsHalfOfAnOverflowingSquare) {
  const entry& e = *GetParam();
  const int k = e.type == dtype::f32 ? 61 : 509;
  const double c = std::ldexp(1.0, k);
  const evaluation ev = contrastive(e, c, 1, 1, 1);
  EXPECT_EQ(ev.value, std::ldexp(1.0, 2 * k + 5));  // ½·64·c²
  expect_all(ev.grads[0], c, "x1");
}

// Dissimilar rows with squares below the normal range: d = 8c, not 0, so the gradient is
// −(hinge/d)·c/B = −1/32 (hinge = 1 − 8c rounds to 1), where the plain sum gave d = 0 and 0.
TEST_P(ContrastiveRange, TinyDistancesKeepTheirGradient) {
  const entry& e = *GetParam();
  const double c = std::ldexp(1.0, e.type == dtype::f32 ? underflow.f32 : underflow.f64);
  const evaluation ev = contrastive(e, c, 0, 1);
  EXPECT_EQ(ev.value, 0.5);
  expect_all(ev.grads[0], -1.0 / 32, "x1");
}

INSTANTIATE_TEST_SUITE_P(Variants, TripletRange, ::testing::ValuesIn(entries_of({"triplet"})), entry_test_name);
INSTANTIATE_TEST_SUITE_P(Variants, ContrastiveRange, ::testing::ValuesIn(entries_of({"contrastive"})), entry_test_name);

}  // namespace
}  // namespace lossbench::testing
