// bce_test.cpp — bce against torch 1.13's binary_cross_entropy, its clamps at p = 0 and 1, NaN,
// and its range errors.
#include "support/torch_parity.hpp"

#include <limits>

namespace lossbench::testing {
namespace {

const shape kShape{2, 3};

// Expected values: torch 1.13, float64, F.binary_cross_entropy(p, y, reduction=...) with p.grad
// from .backward() (of the sum for "none"); scripts/torch_values_elementwise.py. Soft target 0.25
// included.
TEST(Bce, MatchesTorch) {
  const std::vector<double> p{0.25, 0.875, 0.015625, 0.5, 0.75, 0.96875}, y{0.0, 1.0, 1.0, 0.25, 1.0, 0.0};
  expect_torch_parity("bce", kShape, p, y, {},
                      {
                          // F.binary_cross_entropy(p, y), reduction="mean"
                          {reduction::mean,
                           1.5044436173745714,
                           {0.2222222222222222, -0.19047619047619047, -10.666666666666666, 0.16666666666666666,
                            -0.2222222222222222, 5.333333333333333},
                           {}},
                          // F.binary_cross_entropy(p, y), reduction="sum"
                          {reduction::sum,
                           9.026661704247429,
                           {1.3333333333333333, -1.1428571428571428, -64.0, 1.0, -1.3333333333333333, 32.0},
                           {}},
                          // F.binary_cross_entropy(p, y), reduction="none"
                          {reduction::none,
                           9.026661704247429,
                           {1.3333333333333333, -1.1428571428571428, -64.0, 1.0, -1.3333333333333333, 32.0},
                           {0.2876820724517809, 0.13353139262452263, 4.1588830833596715, 0.6931471805599453,
                            0.2876820724517809, 3.4657359027997265}},
                      });
}

// p = 0 and p = 1, right and wrong, and p = 2⁻¹⁰⁰ (p(1 − p) < ε): the logs clamp at −100 and the
// denominator at ε = 1e-12f, so the loss is 100 and the gradient ∓1/ε — finite, as torch.
// Same source as above.
TEST(Bce, MatchesTorchAtTheEdges) {
  const std::vector<double> p{0.0, 1.0, 0.0, 1.0, 0x1p-100, 0.5}, y{1.0, 0.0, 0.0, 1.0, 1.0, 0.5};
  expect_torch_parity("bce", kShape, p, y, {},
                      {
                          // F.binary_cross_entropy(p, y), reduction="sum"
                          {reduction::sum,
                           270.0078652365545,
                           {-1000000003995.8029, 1000000003995.8029, 0.0, 0.0, -1000000003995.8029, 0.0},
                           {}},
                          // F.binary_cross_entropy(p, y), reduction="none"
                          {reduction::none,
                           270.0078652365545,
                           {-1000000003995.8029, 1000000003995.8029, 0.0, 0.0, -1000000003995.8029, 0.0},
                           {100.0, 100.0, 0.0, -0.0, 69.31471805599453, 0.6931471805599453}},
                      });
}

// The same edges stated: exact, since −(−100) and ±1/ε (one division by a representable ε) do
// not round beyond the division, and 1/ε is what torch returns.
TEST(Bce, ClampsKeepZeroAndOneFinite) {
  for (dtype dt : {dtype::f32, dtype::f64}) {
    const auto ev = evaluate_fixed("bce", dt, {4}, {0.0, 1.0, 0.0, 1.0}, {1.0, 0.0, 0.0, 1.0});
    const double inv_eps = dt == dtype::f32 ? static_cast<double>(1.0f / 1e-12f) : 1.0 / static_cast<double>(1e-12f);
    EXPECT_EQ(ev.losses.get(0), 100.0);
    EXPECT_EQ(ev.grads[0].get(0), -inv_eps);
    EXPECT_EQ(ev.losses.get(1), 100.0);
    EXPECT_EQ(ev.grads[0].get(1), inv_eps);
    EXPECT_EQ(ev.losses.get(2), 0.0);
    EXPECT_EQ(ev.grads[0].get(2), 0.0);
    EXPECT_EQ(ev.losses.get(3), 0.0);
    EXPECT_EQ(ev.grads[0].get(3), 0.0);
  }
}

// NaN is not rejected (torch 1.13 does reject a NaN p; lossbench propagates every NaN input).
TEST(Bce, NanPropagates) {
  for (dtype dt : {dtype::f32, dtype::f64}) {
    const auto ev = evaluate_fixed("bce", dt, {2}, {std::nan(""), 0.5}, {1.0, std::nan("")});
    EXPECT_TRUE(std::isnan(ev.losses.get(0)));
    EXPECT_TRUE(std::isnan(ev.grads[0].get(0)));
    EXPECT_TRUE(std::isnan(ev.losses.get(1)));
  }
}

TEST(Bce, RejectsProbabilitiesOutsideZeroOne) {
  for (dtype dt : {dtype::f32, dtype::f64}) {
    EXPECT_EQ(rejected_argument("bce", dt, {2}, {0.5, 1.5}, {0, 1}), "input");
    EXPECT_EQ(rejected_argument("bce", dt, {2}, {-1e-9, 0.5}, {0, 1}), "input");
    EXPECT_EQ(rejected_argument("bce", dt, {2}, {0.5, 0.5}, {0, 1.25}), "target");
    EXPECT_EQ(rejected_argument("bce", dt, {2}, {0.5, 0.5}, {-0.5, 1}), "target");
  }
}

}  // namespace
}  // namespace lossbench::testing
