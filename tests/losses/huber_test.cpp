// huber_test.cpp — huber against torch 1.13's huber_loss for several δ, the kink |d| = δ, NaN,
// and the δ ≤ 0 error.
#include "support/torch_parity.hpp"

namespace lossbench::testing {
namespace {

const shape kShape{2, 3};
// d = x − y = 0.5, 1, −1, 2.5, −2.5, 1: inside, on (±δ for δ = 1) and outside the quadratic zone.
const std::vector<double> kX{0.5, 2.0, -1.0, 3.0, -2.5, 1.0}, kY{0.0, 1.0, 0.0, 0.5, 0.0, 0.0};

param_set delta(double d) {
  param_set p;
  p.set("delta", d);
  return p;
}

// Expected values: torch 1.13, float64, F.huber_loss(x, y, reduction=..., delta=...) with
// x.grad from .backward() (of the sum for "none"); scripts/torch_values_elementwise.py.
TEST(Huber, MatchesTorchWithDefaultDelta) {
  expect_torch_parity("huber", kShape, kX, kY, {},
                      {
                          // F.huber_loss(x, y, delta=1.0), reduction="mean"
                          {reduction::mean,
                           0.9375,
                           {0.08333333333333333, 0.16666666666666666, -0.16666666666666666, 0.16666666666666666,
                            -0.16666666666666666, 0.16666666666666666},
                           {}},
                          // F.huber_loss(x, y, delta=1.0), reduction="sum"
                          {reduction::sum, 5.625, {0.5, 1.0, -1.0, 1.0, -1.0, 1.0}, {}},
                          // F.huber_loss(x, y, delta=1.0), reduction="none"
                          {reduction::none, 5.625, {0.5, 1.0, -1.0, 1.0, -1.0, 1.0}, {0.125, 0.5, 0.5, 2.0, 2.0, 0.5}},
                      });
}

TEST(Huber, MatchesTorchWithDeltaHalf) {
  expect_torch_parity(
      "huber", kShape, kX, kY, delta(0.5),
      {
          // F.huber_loss(x, y, delta=0.5), reduction="mean"
          {reduction::mean,
           0.5833333333333334,
           {0.08333333333333333, 0.08333333333333333, -0.08333333333333333, 0.08333333333333333, -0.08333333333333333,
            0.08333333333333333},
           {}},
          // F.huber_loss(x, y, delta=0.5), reduction="sum"
          {reduction::sum, 3.5, {0.5, 0.5, -0.5, 0.5, -0.5, 0.5}, {}},
          // F.huber_loss(x, y, delta=0.5), reduction="none"
          {reduction::none, 3.5, {0.5, 0.5, -0.5, 0.5, -0.5, 0.5}, {0.125, 0.375, 0.375, 1.125, 1.125, 0.375}},
      });
}

TEST(Huber, MatchesTorchWithDeltaTwoAndAHalf) {
  expect_torch_parity(
      "huber", kShape, kX, kY, delta(2.5),
      {
          // F.huber_loss(x, y, delta=2.5), reduction="mean"
          {reduction::mean,
           1.3125,
           {0.08333333333333333, 0.16666666666666666, -0.16666666666666666, 0.41666666666666663, -0.41666666666666663,
            0.16666666666666666},
           {}},
          // F.huber_loss(x, y, delta=2.5), reduction="sum"
          {reduction::sum, 7.875, {0.5, 1.0, -1.0, 2.5, -2.5, 1.0}, {}},
          // F.huber_loss(x, y, delta=2.5), reduction="none"
          {reduction::none, 7.875, {0.5, 1.0, -1.0, 2.5, -2.5, 1.0}, {0.125, 0.5, 0.5, 3.125, 3.125, 0.5}},
      });
}

// At |d| = δ both branches give ½δ² and the gradient is d = ±δ (torch: d < −δ ? −δ : d > δ ? δ : d);
// NaN reaches loss and gradient. Exact: ½·1·1 and 1·(1 − ½) round nowhere.
TEST(Huber, KinkAndNan) {
  for (dtype dt : {dtype::f32, dtype::f64}) {
    const auto ev = evaluate_fixed("huber", dt, {3}, {1.0, -1.0, std::nan("")}, {0.0, 0.0, 0.0});
    EXPECT_EQ(ev.losses.get(0), 0.5);
    EXPECT_EQ(ev.grads[0].get(0), 1.0);
    EXPECT_EQ(ev.losses.get(1), 0.5);
    EXPECT_EQ(ev.grads[0].get(1), -1.0);
    EXPECT_TRUE(std::isnan(ev.losses.get(2)));
    EXPECT_TRUE(std::isnan(ev.grads[0].get(2)));
  }
}

// torch: "huber_loss does not support non-positive values for delta."
TEST(Huber, RejectsNonPositiveDelta) {
  for (double d : {0.0, -1.0, std::nan("")})
    EXPECT_EQ(rejected_argument("huber", dtype::f64, {2}, {1, 2}, {0, 0}, delta(d)), "delta") << d;
}

}  // namespace
}  // namespace lossbench::testing
