// bce_logits_test.cpp — bce_logits against torch 1.13's binary_cross_entropy_with_logits with and
// without pos_weight (number and per-column array), infinite and ±100 logits, and its errors.
#include "support/torch_parity.hpp"

namespace lossbench::testing {
namespace {

const shape kShape{2, 3};
// Logits of both signs, one confidently wrong (z = 4, y = 0), a soft target (0.5). Inputs where
// torch's own log(1 + e^−|z|) is accurate (no loss ≪ 1), so its float64 values can be the reference.
const std::vector<double> kZ{-2.5, 0.5, 4.0, -0.25, 10.0, -7.0}, kY{0.0, 1.0, 0.0, 0.5, 0.0, 1.0};

param_set pos_weight_array(const std::vector<double>& w) {
  param_set p;
  p.set("pos_weight", array_of(dtype::f64, {static_cast<std::int64_t>(w.size())}, w));
  return p;
}

// Expected values: torch 1.13, float64, F.binary_cross_entropy_with_logits(z, y, reduction=...,
// pos_weight=...) with z.grad from .backward() (of the sum for "none");
// scripts/torch_values_elementwise.py.
TEST(BceLogits, MatchesTorch) {
  expect_torch_parity("bce_logits", kShape, kZ, kY, {},
                      {
                          // F.binary_cross_entropy_with_logits(z, y), reduction="mean"
                          {reduction::mean,
                           3.7121688219370506,
                           {0.012643030003540591, -0.0629234447996909, 0.16366896500631808, -0.010362750147633012,
                            0.16665910035521628, -0.16651482480093324},
                           {}},
                          // F.binary_cross_entropy_with_logits(z, y), reduction="sum"
                          {reduction::sum,
                           22.273012931622304,
                           {0.07585818002124355, -0.3775406687981454, 0.9820137900379085, -0.06217650088579807,
                            0.9999546021312976, -0.9990889488055994},
                           {}},
                          // F.binary_cross_entropy_with_logits(z, y), reduction="none"
                          {reduction::none,
                           22.273012931622304,
                           {0.07585818002124355, -0.3775406687981454, 0.9820137900379085, -0.06217650088579807,
                            0.9999546021312976, -0.9990889488055994},
                           {0.07888973429254957, 0.4740769841801067, 4.0181499279178094, 0.7009394198788437,
                            10.000045398899218, 7.000911466453775}},
                      });
}

TEST(BceLogits, MatchesTorchWithAScalarPosWeight) {
  expect_torch_parity("bce_logits", kShape, kZ, kY, param_set().set("pos_weight", 2.5),
                      {
                          // pos_weight=torch.tensor(2.5), reduction="mean"
                          {reduction::mean,
                           5.6841583620803755,
                           {0.012643030003540591, -0.15730861199922727, 0.16366896500631808, -0.08063481275835777,
                            0.16665910035521628, -0.41628706200233306},
                           {}},
                          // pos_weight=torch.tensor(2.5), reduction="sum"
                          {reduction::sum,
                           34.104950172482255,
                           {0.07585818002124355, -0.9438516719953636, 0.9820137900379085, -0.4838088765501466,
                            0.9999546021312976, -2.4977223720139983},
                           {}},
                          // pos_weight=torch.tensor(2.5), reduction="none"
                          {reduction::none,
                           34.104950172482255,
                           {0.07585818002124355, -0.9438516719953636, 0.9820137900379085, -0.4838088765501466,
                            0.9999546021312976, -2.4977223720139983},
                           {0.07888973429254964, 1.1851924604502666, 4.0181499279178094, 1.3203939847879764,
                            10.000045398899218, 17.502278666134437}},
                      });
}

// pos_weight=torch.tensor([0.5, 1.0, 3.0]) broadcasts over the last dimension (3 columns).
TEST(BceLogits, MatchesTorchWithAPosWeightArray) {
  expect_torch_parity("bce_logits", kShape, kZ, kY, pos_weight_array({0.5, 1.0, 3.0}),
                      {
                          // pos_weight=torch.tensor([0.5, 1.0, 3.0]), reduction="mean"
                          {reduction::mean,
                           6.01139183492669,
                           {0.012643030003540591, -0.0629234447996909, 0.16366896500631808, 0.013061270722608579,
                            0.16665910035521628, -0.4995444744027997},
                           {}},
                          // pos_weight=torch.tensor([0.5, 1.0, 3.0]), reduction="sum"
                          {reduction::sum,
                           36.06835100956014,
                           {0.07585818002124355, -0.3775406687981454, 0.9820137900379085, 0.07836762433565148,
                            0.9999546021312976, -2.997266846416798},
                           {}},
                          // pos_weight=torch.tensor([0.5, 1.0, 3.0]), reduction="none"
                          {reduction::none,
                           36.06835100956014,
                           {0.07585818002124355, -0.3775406687981454, 0.9820137900379085, 0.07836762433565148,
                            0.9999546021312976, -2.997266846416798},
                           {0.07888973429254964, 0.4740769841801067, 4.0181499279178094, 0.49445456490913275,
                            10.000045398899218, 21.002734399361323}},
                      });
}

// torch 1.13 (both dtypes), reduction="none": z = ±∞ gives loss ∞ (z = +∞, y = 0) or NaN (the
// other three: 0·∞ and −∞ + ∞ in its formula) and gradient 1 − y or −y, all finite. Exact.
TEST(BceLogits, InfiniteLogitsGiveWhatTorchGives) {
  const double inf = std::numeric_limits<double>::infinity();
  for (dtype dt : {dtype::f32, dtype::f64}) {
    const auto ev = evaluate_fixed("bce_logits", dt, {4}, {inf, inf, -inf, -inf}, {0.0, 1.0, 0.0, 1.0});
    EXPECT_EQ(ev.losses.get(0), inf);
    for (int i : {1, 2, 3}) EXPECT_TRUE(std::isnan(ev.losses.get(i))) << i;
    const std::vector<double> grad{1.0, 0.0, 0.0, -1.0};
    for (int i = 0; i < 4; ++i) EXPECT_EQ(ev.grads[0].get(i), grad[static_cast<std::size_t>(i)]) << i;
  }
}

// pos_weight = ∞ (torch 1.13, reduction="none", z = 0.3, −0.5, 2, y = 1, 0, 0.5): torch's loss is
// ∞, NaN (lw = 1 + ∞·0), ∞; so is ours in every variant. Its autograd gradient is NaN everywhere
// (it differentiates through ∞ − ∞); ours is the limit −∞ where y > 0 and NaN where lw is.
TEST(BceLogits, InfinitePosWeightGivesTorchsLossAndTheLimitGradient) {
  const double inf = std::numeric_limits<double>::infinity();
  param_set pw;
  pw.set("pos_weight", inf);
  for (dtype dt : {dtype::f32, dtype::f64})
    for (const entry* e : find_entries("bce_logits", "all", dt)) {
      const auto ev = evaluate(
          *e, fixed_call(*e, {3}, {0.3, -0.5, 2.0}, {1.0, 0.0, 0.5}, params_as(pw, dt), reduction::none), true);
      EXPECT_EQ(ev.losses.get(0), inf) << e->name();
      EXPECT_TRUE(std::isnan(ev.losses.get(1))) << e->name();
      EXPECT_EQ(ev.losses.get(2), inf) << e->name();
      EXPECT_EQ(ev.grads[0].get(0), -inf) << e->name();
      EXPECT_TRUE(std::isnan(ev.grads[0].get(1))) << e->name();
      EXPECT_EQ(ev.grads[0].get(2), -inf) << e->name();
    }
}

// z = ±100, reduction="none". torch 1.13 gives losses 100, 0, 0, 100 and gradients 1, 0, σ(−100)
// (f64; 0 in f32), −1. Ours: the same where the answer is ≥ 1; where torch rounds to 0 we return
// the exact log1p(e^−100) = σ(−100) = 3.7200759760208e-44 (an f32 subnormal there), within two
// subnormal roundings (2·2⁻¹⁴⁹ < 3e-45) — finite everywhere, as torch.
TEST(BceLogits, ConfidentLogitsStayFiniteAndAccurate) {
  const double tiny = 3.7200759760208356e-44;
  for (dtype dt : {dtype::f32, dtype::f64}) {
    const auto ev = evaluate_fixed("bce_logits", dt, {4}, {100.0, 100.0, -100.0, -100.0}, {0.0, 1.0, 0.0, 1.0});
    EXPECT_EQ(ev.losses.get(0), 100.0);
    EXPECT_NEAR(ev.losses.get(1), tiny, 3e-45);
    EXPECT_NEAR(ev.losses.get(2), tiny, 3e-45);
    EXPECT_EQ(ev.losses.get(3), 100.0);
    EXPECT_EQ(ev.grads[0].get(0), 1.0);
    EXPECT_NEAR(ev.grads[0].get(1), -tiny, 3e-45);
    EXPECT_NEAR(ev.grads[0].get(2), tiny, 3e-45);
    EXPECT_EQ(ev.grads[0].get(3), -1.0);
  }
}

TEST(BceLogits, RejectsAPosWeightOfTheWrongLength) {
  EXPECT_EQ(rejected_argument("bce_logits", dtype::f64, kShape, kZ, kY, pos_weight_array({1.0, 2.0})), "pos_weight");
}

TEST(BceLogits, RejectsAPosWeightOfTheOtherDtype) {
  param_set p;
  p.set("pos_weight", array_of(dtype::f32, {3}, {1.0, 2.0, 3.0}));
  EXPECT_EQ(rejected_argument("bce_logits", dtype::f64, kShape, kZ, kY, p), "pos_weight");
}

}  // namespace
}  // namespace lossbench::testing
