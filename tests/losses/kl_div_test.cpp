// kl_div_test.cpp — kl_div against torch 1.13's kl_div for both target forms and all four
// reductions (batchmean included), target zeros, and the negative-target error.
#include "support/torch_parity.hpp"

#include <limits>

namespace lossbench::testing {
namespace {

const shape kShape{2, 3};
const std::vector<double> kLogQ{-1.0, -0.5, -2.0, -0.25, -3.0, -1.5};

param_set log_target(bool v) {
  param_set p;
  p.set("log_target", v ? 1.0 : 0.0);
  return p;
}

// Expected values: torch 1.13, float64, F.kl_div(x, target, reduction=..., log_target=...) with
// x.grad from .backward() (of the sum for "none"); scripts/torch_values_elementwise.py.
// batchmean divides the sum by 2 (the first dimension). Two target zeros.
TEST(KlDiv, MatchesTorch) {
  expect_torch_parity(
      "kl_div", kShape, kLogQ, {0.25, 0.0, 0.5, 0.125, 0.0, 0.75}, {},
      {
          // F.kl_div(x, p), reduction="mean"
          {reduction::mean,
           0.20623517873187325,
           {-0.041666666666666664, -0.0, -0.08333333333333333, -0.020833333333333332, -0.0, -0.125},
           {}},
          // F.kl_div(x, p), reduction="sum"
          {reduction::sum, 1.2374110723912395, {-0.25, -0.0, -0.5, -0.125, -0.0, -0.75}, {}},
          // F.kl_div(x, p), reduction="none"
          {reduction::none,
           1.2374110723912395,
           {-0.25, -0.0, -0.5, -0.125, -0.0, -0.75},
           {-0.09657359027997264, 0.0, 0.6534264097200273, -0.22868019270997947, 0.0, 0.9092384456611643}},
          // F.kl_div(x, p), reduction="batchmean"
          {reduction::batchmean, 0.6187055361956197, {-0.125, -0.0, -0.25, -0.0625, -0.0, -0.375}, {}},
      });
}

TEST(KlDiv, MatchesTorchWithLogTarget) {
  expect_torch_parity("kl_div", kShape, kLogQ, {-1.5, -0.5, -3.0, -0.125, -2.0, -0.75}, log_target(true),
                      {
                          // F.kl_div(x, t, log_target=True), reduction="mean"
                          {reduction::mean,
                           0.07309502702889488,
                           {-0.0371883600247383, -0.1010884432854389, -0.008297844727977323, -0.14708281709743257,
                            -0.022555880539435448, -0.0787277587901691},
                           {}},
                          // F.kl_div(x, t, log_target=True), reduction="sum"
                          {reduction::sum,
                           0.4385701621733693,
                           {-0.22313016014842982, -0.6065306597126334, -0.049787068367863944, -0.8824969025845955,
                            -0.1353352832366127, -0.4723665527410147},
                           {}},
                          // F.kl_div(x, t, log_target=True), reduction="none"
                          {reduction::none,
                           0.4385701621733693,
                           {-0.22313016014842982, -0.6065306597126334, -0.049787068367863944, -0.8824969025845955,
                            -0.1353352832366127, -0.4723665527410147},
                           {-0.11156508007421491, 0.0, -0.049787068367863944, 0.11031211282307443, 0.1353352832366127,
                            0.354274914555761}},
                          // F.kl_div(x, t, log_target=True), reduction="batchmean"
                          {reduction::batchmean,
                           0.21928508108668465,
                           {-0.11156508007421491, -0.3032653298563167, -0.024893534183931972, -0.4412484512922977,
                            -0.06766764161830635, -0.23618327637050734},
                           {}},
                      });
}

// p = 0 contributes 0 to the loss and −0 to the gradient, never NaN (torch's xlogy); with an
// input of −∞ torch's 0·(−∞) is NaN and so is ours. Exact.
TEST(KlDiv, TargetZerosGiveNoNan) {
  const double inf = std::numeric_limits<double>::infinity();
  for (dtype dt : {dtype::f32, dtype::f64}) {
    const auto ev = evaluate_fixed("kl_div", dt, {3}, {-2.0, -0.5, -inf}, {0.0, 0.0, 0.0});
    for (int i : {0, 1}) {
      EXPECT_EQ(ev.losses.get(i), 0.0) << i;
      EXPECT_EQ(ev.grads[0].get(i), 0.0) << i;
    }
    EXPECT_TRUE(std::isnan(ev.losses.get(2)));
    EXPECT_EQ(ev.grads[0].get(2), 0.0);  // the gradient −p stays finite
  }
}

// log_target: t = −∞ (p = 0) gives e^−∞·(−∞ − x) = 0·(−∞) = NaN in torch; the gradient −e^t = 0.
TEST(KlDiv, LogTargetMinusInfinityIsNanAsTorch) {
  const double inf = std::numeric_limits<double>::infinity();
  const auto ev = evaluate_fixed("kl_div", dtype::f64, {1}, {-1.0}, {-inf}, log_target(true));
  EXPECT_TRUE(std::isnan(ev.losses.get(0)));
  EXPECT_EQ(ev.grads[0].get(0), 0.0);
}

TEST(KlDiv, RejectsNegativeProbabilities) {
  for (dtype dt : {dtype::f32, dtype::f64})
    EXPECT_EQ(rejected_argument("kl_div", dt, {2}, {-1.0, -1.0}, {0.5, -0.25}), "target");
}

// With log_target, negative targets are log-probabilities: accepted.
TEST(KlDiv, AcceptsNegativeLogTargets) {
  const auto ev = evaluate_fixed("kl_div", dtype::f64, {1}, {-1.0}, {-0.25}, log_target(true));
  EXPECT_TRUE(std::isfinite(ev.losses.get(0)));
}

TEST(KlDiv, RejectsANonBooleanLogTarget) {
  EXPECT_EQ(rejected_argument("kl_div", dtype::f64, {2}, {-1.0, -1.0}, {0.5, 0.5}, param_set().set("log_target", 0.5)),
            "log_target");
}

}  // namespace
}  // namespace lossbench::testing
