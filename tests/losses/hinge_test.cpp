// hinge_test.cpp — hinge against torch 1.13's clamp(margin − y*x, min=0) for several margins,
// the kink (gradient passes at exactly 0, as clamp_min's backward), NaN, and the label error.
#include "support/torch_parity.hpp"

namespace lossbench::testing {
namespace {

const shape kShape{2, 3};
// With margin 1, elements 2 and 4 sit exactly on the kink (y·x = 1).
const std::vector<double> kX{0.5, -2.0, 1.0, 0.25, -1.0, 3.0}, kY{1.0, 1.0, 1.0, -1.0, -1.0, -1.0};

param_set margin(double m) {
  param_set p;
  p.set("margin", m);
  return p;
}

// Expected values: torch 1.13, float64, t = torch.clamp(margin - y*x, min=0) then t.mean() /
// t.sum() / t, with x.grad from .backward() (of the sum for "none");
// scripts/torch_values_elementwise.py.
TEST(Hinge, MatchesTorchWithDefaultMargin) {
  expect_torch_parity("hinge", kShape, kX, kY, {},
                      {
                          // torch.clamp(1.0 - y*x, min=0), reduction="mean"
                          {reduction::mean,
                           1.4583333333333333,
                           {-0.16666666666666666, -0.16666666666666666, -0.16666666666666666, 0.16666666666666666,
                            0.16666666666666666, 0.16666666666666666},
                           {}},
                          // torch.clamp(1.0 - y*x, min=0), reduction="sum"
                          {reduction::sum, 8.75, {-1.0, -1.0, -1.0, 1.0, 1.0, 1.0}, {}},
                          // torch.clamp(1.0 - y*x, min=0), reduction="none"
                          {reduction::none, 8.75, {-1.0, -1.0, -1.0, 1.0, 1.0, 1.0}, {0.5, 3.0, 0.0, 1.25, 0.0, 4.0}},
                      });
}

TEST(Hinge, MatchesTorchWithMarginHalf) {
  expect_torch_parity(
      "hinge", kShape, kX, kY, margin(0.5),
      {
          // torch.clamp(0.5 - y*x, min=0), reduction="mean"
          {reduction::mean,
           1.125,
           {-0.16666666666666666, -0.16666666666666666, -0.0, 0.16666666666666666, 0.0, 0.16666666666666666},
           {}},
          // torch.clamp(0.5 - y*x, min=0), reduction="sum"
          {reduction::sum, 6.75, {-1.0, -1.0, -0.0, 1.0, 0.0, 1.0}, {}},
          // torch.clamp(0.5 - y*x, min=0), reduction="none"
          {reduction::none, 6.75, {-1.0, -1.0, -0.0, 1.0, 0.0, 1.0}, {0.0, 2.5, 0.0, 0.75, 0.0, 3.5}},
      });
}

TEST(Hinge, MatchesTorchWithMarginTwo) {
  expect_torch_parity("hinge", kShape, kX, kY, margin(2.0),
                      {
                          // torch.clamp(2.0 - y*x, min=0), reduction="mean"
                          {reduction::mean,
                           2.4583333333333335,
                           {-0.16666666666666666, -0.16666666666666666, -0.16666666666666666, 0.16666666666666666,
                            0.16666666666666666, 0.16666666666666666},
                           {}},
                          // torch.clamp(2.0 - y*x, min=0), reduction="sum"
                          {reduction::sum, 14.75, {-1.0, -1.0, -1.0, 1.0, 1.0, 1.0}, {}},
                          // torch.clamp(2.0 - y*x, min=0), reduction="none"
                          {reduction::none, 14.75, {-1.0, -1.0, -1.0, 1.0, 1.0, 1.0}, {1.5, 4.0, 1.0, 2.25, 1.0, 5.0}},
                      });
}

// At the kink (t = 0) the loss is 0 and the gradient is −y (clamp_min backward: t ≥ 0 passes).
// torch's gradient is −(mask·y): a NaN score gives loss NaN and gradient 0 (NaN ≥ 0 is false), a
// NaN label loss NaN and gradient NaN (0·NaN); checked in torch 1.13. Exact, every variant.
TEST(Hinge, KinkIsActiveAndNanPropagatesLikeTorch) {
  const double nan = std::nan("");
  for (dtype dt : {dtype::f32, dtype::f64})
    for (const entry* e : find_entries("hinge", "all", dt)) {
      const auto ev = evaluate(*e,
                               fixed_call(*e, {5}, {1.0, -1.0, nan, 1.5, 0.25}, {1.0, -1.0, 1.0, 1.0, nan},
                                          params_as({}, dt), reduction::none),
                               true);
      EXPECT_EQ(ev.losses.get(0), 0.0) << e->name();
      EXPECT_EQ(ev.grads[0].get(0), -1.0) << e->name();
      EXPECT_EQ(ev.losses.get(1), 0.0) << e->name();
      EXPECT_EQ(ev.grads[0].get(1), 1.0) << e->name();
      EXPECT_TRUE(std::isnan(ev.losses.get(2))) << e->name();
      EXPECT_EQ(ev.grads[0].get(2), 0.0) << e->name();
      EXPECT_EQ(ev.losses.get(3), 0.0) << e->name();  // beyond the margin: inactive
      EXPECT_EQ(ev.grads[0].get(3), 0.0) << e->name();
      EXPECT_TRUE(std::isnan(ev.losses.get(4))) << e->name();
      EXPECT_TRUE(std::isnan(ev.grads[0].get(4))) << e->name();
    }
}

TEST(Hinge, RejectsLabelsOtherThanPlusMinusOne) {
  for (dtype dt : {dtype::f32, dtype::f64})
    for (double bad : {0.0, 0.5, 2.0, -1.5})
      EXPECT_EQ(rejected_argument("hinge", dt, {2}, {0.5, 0.5}, {1.0, bad}), "target") << bad;
}

}  // namespace
}  // namespace lossbench::testing
