// mae_test.cpp — mae against torch 1.13's l1_loss, its edge cases (x = y, NaN) and its errors.
#include "support/torch_parity.hpp"

namespace lossbench::testing {
namespace {

const shape kShape{2, 3};

// Expected values: torch 1.13, float64, F.l1_loss(x, y, reduction=...) on these inputs with
// x.grad from .backward() (of the sum for "none"); scripts/torch_values_elementwise.py.
TEST(Mae, MatchesTorch) {
  const std::vector<double> x{0.5, -1.25, 2.0, 0.75, 3.0, -0.5}, y{0.25, -1.25, 1.0, 1.5, -2.0, 0.0};
  expect_torch_parity("mae", kShape, x, y, {},
                      {
                          // F.l1_loss(x, y), reduction="mean"
                          {reduction::mean,
                           1.25,
                           {0.16666666666666666, 0.0, 0.16666666666666666, -0.16666666666666666, 0.16666666666666666,
                            -0.16666666666666666},
                           {}},
                          // F.l1_loss(x, y), reduction="sum"
                          {reduction::sum, 7.5, {1.0, 0.0, 1.0, -1.0, 1.0, -1.0}, {}},
                          // F.l1_loss(x, y), reduction="none"
                          {reduction::none, 7.5, {1.0, 0.0, 1.0, -1.0, 1.0, -1.0}, {0.25, 0.0, 1.0, 0.75, 5.0, 0.5}},
                      });
}

// At x = y the gradient is 0 (torch's sign(0)); NaN propagates to the loss with gradient 0
// (torch 1.13: sign(NaN) = 0). All exact: no rounding is involved.
TEST(Mae, ZeroDifferenceAndNan) {
  for (dtype dt : {dtype::f32, dtype::f64}) {
    const auto ev = evaluate_fixed("mae", dt, {3}, {1.5, std::nan(""), -2.0}, {1.5, 0.0, -1.0});
    EXPECT_EQ(ev.losses.get(0), 0.0);
    EXPECT_EQ(ev.grads[0].get(0), 0.0);
    EXPECT_TRUE(std::isnan(ev.losses.get(1)));
    EXPECT_EQ(ev.grads[0].get(1), 0.0);
    EXPECT_EQ(ev.losses.get(2), 1.0);
    EXPECT_EQ(ev.grads[0].get(2), -1.0);
  }
}

TEST(Mae, RejectsMismatchedShapes) {
  const entry& e = *find_entries("mae", "scalar", dtype::f64).front();
  std::vector<array> in;
  in.push_back(array_of(dtype::f64, {3}, {1, 2, 3}));
  in.push_back(array_of(dtype::f64, {2}, {1, 2}));
  owned_call oc(*e.loss, std::move(in));
  try {
    e.run(oc.view());
    FAIL() << "accepted shapes [3] and [2]";
  } catch (const error& err) {
    EXPECT_EQ(err.argument(), "target");
  }
}

}  // namespace
}  // namespace lossbench::testing
