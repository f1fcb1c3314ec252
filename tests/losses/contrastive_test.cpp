// contrastive_test.cpp — contrastive (no torch counterpart) against the composed torch 1.13
// expression it is defined by, in f64:
//   x1, x2 = (torch.tensor(X, dtype=torch.float64, requires_grad=True) for X in (X1, X2))
//   d = (x1 - x2).norm(dim=1); l = 0.5*(y*d**2 + (1-y)*torch.clamp(margin - d, min=0)**2)
//   l = l.mean() / l.sum() / l (none); l.sum().backward()
// with expected values = l, x1.grad, x2.grad. Rows: similar; dissimilar inside the margin;
// dissimilar beyond it; identical dissimilar (d = 0: loss ½m², gradient 0, not NaN); identical similar.
#include "row_loss_support.hpp"

#include <cmath>

namespace lossbench::testing {
namespace {

const std::vector<double> X1 = {0.5,  -1.25, 0.75, 2.0, -0.3, 0.8, 1.1, -0.6, 1.5, 0.25,
                                -0.5, 0.1,   0.4,  0.4, -0.2, 0.1, 1.0, -2.0, 0.5, 0.25};
const std::vector<double> X2 = {0.7, -1.0, 0.5, 1.5, 0.2,  0.4, 1.3, -0.9, -0.5, 0.25,
                                1.0, 0.5,  0.4, 0.4, -0.2, 0.1, 1.0, -2.0, 0.5,  0.25};
const std::vector<double> Y = {1, 0, 0, 0, 1};

struct torch_case {
  double margin;
  reduction red;
  std::vector<double> loss, g1, g2;
};

// Every torch-parity test runs on every variant (scalar, simd:<isa>): the parameter.
class ContrastiveVariant : public ::testing::TestWithParam<std::string> {
 protected:
  evaluation run_contrastive(const std::vector<double>& x1, const std::vector<double>& x2, array y, shape s,
                             double margin, reduction red, dtype t = dtype::f64) const {
    const entry& e = *find_entries("contrastive", GetParam(), t).front();
    std::vector<array> in;
    in.push_back(literal(x1, s, t));
    in.push_back(literal(x2, s, t));
    in.push_back(std::move(y));
    owned_call oc(*e.loss, std::move(in), param_set().set("margin", margin), red);
    return evaluate(e, oc, true);
  }
};

TEST_P(ContrastiveVariant, MatchesTheComposedTorchExpressionForEveryReduction) {
  const std::vector<torch_case> cases = {
      {1.0,
       reduction::mean,
       {0.14853061543300933},
       {-0.039999999999999994,
        -0.050000000000000003,
        0.050000000000000003,
        0.10000000000000001,
        0.03608276348795434,
        -0.028866210790363469,
        0.014433105395181733,
        -0.021649658092772604,
        0,
        0,
        -0,
        -0,
        -0,
        -0,
        -0,
        -0,
        0,
        0,
        0,
        0},
       {0.039999999999999994,
        0.050000000000000003,
        -0.050000000000000003,
        -0.10000000000000001,
        -0.03608276348795434,
        0.028866210790363469,
        -0.014433105395181733,
        0.021649658092772604,
        -0,
        -0,
        0,
        0,
        0,
        0,
        0,
        0,
        -0,
        -0,
        -0,
        -0}},
      {1.0,
       reduction::sum,
       {0.74265307716504658},
       {-0.19999999999999996,
        -0.25,
        0.25,
        0.5,
        0.18041381743977167,
        -0.14433105395181733,
        0.072165526975908653,
        -0.10824829046386303,
        0,
        0,
        -0,
        -0,
        -0,
        -0,
        -0,
        -0,
        0,
        0,
        0,
        0},
       {0.19999999999999996,
        0.25,
        -0.25,
        -0.5,
        -0.18041381743977167,
        0.14433105395181733,
        -0.072165526975908653,
        0.10824829046386303,
        -0,
        -0,
        0,
        0,
        0,
        0,
        0,
        0,
        -0,
        -0,
        -0,
        -0}},
      {1.0,
       reduction::none,
       {0.20750000000000002, 0.035153077165046565, 0, 0.5, 0},
       {-0.19999999999999996,
        -0.25,
        0.25,
        0.5,
        0.18041381743977167,
        -0.14433105395181733,
        0.072165526975908653,
        -0.10824829046386303,
        0,
        0,
        -0,
        -0,
        -0,
        -0,
        -0,
        -0,
        0,
        0,
        0,
        0},
       {0.19999999999999996,
        0.25,
        -0.25,
        -0.5,
        -0.18041381743977167,
        0.14433105395181733,
        -0.072165526975908653,
        0.10824829046386303,
        -0,
        -0,
        0,
        0,
        0,
        0,
        0,
        0,
        -0,
        -0,
        -0,
        -0}},
      {2.5,
       reduction::none,
       {0.20750000000000002, 1.5578826929126164, 0, 3.125, 0},
       {-0.19999999999999996,
        -0.25,
        0.25,
        0.5,
        1.2010345435994292,
        -0.96082763487954337,
        0.48041381743977157,
        -0.72062072615965767,
        0,
        0,
        -0,
        -0,
        -0,
        -0,
        -0,
        -0,
        0,
        0,
        0,
        0},
       {0.19999999999999996,
        0.25,
        -0.25,
        -0.5,
        -1.2010345435994292,
        0.96082763487954337,
        -0.48041381743977157,
        0.72062072615965767,
        -0,
        -0,
        0,
        0,
        0,
        0,
        0,
        0,
        -0,
        -0,
        -0,
        -0}},
      {0.0,
       reduction::sum,
       {0.20750000000000002},
       {-0.19999999999999996, -0.25, 0.25, 0.5, -0, 0, -0, 0, 0, 0, -0, -0, 0, 0, 0, 0, 0, 0, 0, 0},
       {0.19999999999999996, 0.25, -0.25, -0.5, 0, -0, 0, -0, -0, -0, 0, 0, -0, -0, -0, -0, -0, -0, -0, -0}},
  };
  // The target as the loss dtype and as both index dtypes gives the same result.
  for (dtype yt : {dtype::f64, dtype::i32, dtype::i64}) {
    for (const auto& c : cases) {
      const std::string what = "margin " + std::to_string(c.margin) + " " + std::string(to_string(c.red)) + " y " +
                               std::string(to_string(yt));
      const auto ev = run_contrastive(X1, X2, literal(Y, {5}, yt), {5, 4}, c.margin, c.red);
      if (c.red == reduction::none)
        expect_all_near_torch(ev.losses, c.loss, what + " losses");
      else
        EXPECT_NEAR(ev.value, c.loss[0], torch_tolerance(c.loss[0])) << what;
      expect_all_near_torch(ev.grads[0], c.g1, what + " grad x1");
      expect_all_near_torch(ev.grads[1], c.g2, what + " grad x2");
    }
  }
}

// Identical rows: d = 0. Similar: loss 0, gradient 0. Dissimilar: loss ½m² = 0.5 (m = 1) and
// gradient 0 (torch masks the norm's backward at 0), never NaN. In f32 too (exact either way).
TEST_P(ContrastiveVariant, IdenticalRowsGiveStatedValuesAndNoNan) {
  for (dtype t : {dtype::f32, dtype::f64}) {
    const std::vector<double> row = {0.25, -1.5, 3.0};
    const auto ev = run_contrastive({0.25, -1.5, 3.0, 0.25, -1.5, 3.0}, {0.25, -1.5, 3.0, 0.25, -1.5, 3.0},
                                    literal({0, 1}, {2}, t), {2, 3}, 1.0, reduction::none, t);
    EXPECT_EQ(ev.losses.get(0), 0.5);
    EXPECT_EQ(ev.losses.get(1), 0.0);
    for (const auto& g : ev.grads)
      for (std::int64_t i = 0; i < g.numel(); ++i) EXPECT_EQ(g.get(i), 0.0) << i;
  }
}

TEST_P(ContrastiveVariant, NanPropagatesOnBothBranches) {
  const double nan = std::nan("");
  for (double y : {0.0, 1.0}) {
    const auto ev = run_contrastive({nan, 0}, {5, 0}, literal({y}, {1}), {1, 2}, 1.0, reduction::sum);
    EXPECT_TRUE(std::isnan(ev.value)) << "y = " << y;  // y = 0, d = NaN: max(0, 1 − NaN) stays NaN
  }
}

// One block of 4096 similar pairs, D = 1: row 0's loss is ½(2^10)² = 2^19, the others
// ½(2^-17)² = 2^-35 each (all exact). The exact sum 2^19 + 4095·2^-35 spans 55 bits: long double
// holds it, independently of the library's reference. A plain in-block chain absorbs every small
// loss (~1000 ulps off); compensated, the value is the exact sum rounded once, within ½ ulp.
TEST_P(ContrastiveVariant, OneLargeRowLossDoesNotAbsorbTheSmallOnes) {
  constexpr int rows = 4096;
  std::vector<double> x1(rows, 0x1p-17), x2(rows, 0.0), y(rows, 1.0);
  x1[0] = 0x1p10;
  const auto ev = run_contrastive(x1, x2, literal(y, {rows}, dtype::f64), {rows, 1}, 1.0, reduction::sum);
  const long double exact = 0x1p19L + (rows - 1) * 0x1p-35L;
  EXPECT_LE(std::fabs(static_cast<long double>(ev.value) - exact), 0.5L * 0x1p-33L) << ev.value;  // ulp(2^19) = 2^-33
}

INSTANTIATE_TEST_SUITE_P(Contrastive, ContrastiveVariant, ::testing::ValuesIn(variant_names("contrastive")),
                         variant_test_name);

// ---- bad input: each names the argument ------------------------------------------------------
std::string contrastive_error(shape s1, shape s2, array y, const param_set& params = {}) {
  const entry& e = scalar_entry("contrastive");
  return error_argument([&] {
    std::vector<array> in;
    in.emplace_back(dtype::f64, s1);
    in.emplace_back(dtype::f64, s2);
    in.push_back(std::move(y));
    owned_call oc(*e.loss, std::move(in), params);
    e.run(oc.view());
  });
}

TEST(Contrastive, RejectsEveryBadInputNamingIt) {
  const auto y3 = [] { return literal({0, 1, 1}, {3}); };
  EXPECT_EQ(contrastive_error({3, 4}, {3, 4}, y3()), "(no error)");
  EXPECT_EQ(contrastive_error({3, 4}, {2, 4}, y3()), "x2");                                     // batch mismatch
  EXPECT_EQ(contrastive_error({3, 4}, {3, 5}, y3()), "x2");                                     // D mismatch
  EXPECT_EQ(contrastive_error({4}, {4}, y3()), "x1");                                           // rank 1
  EXPECT_EQ(contrastive_error({1, 3, 4}, {1, 3, 4}, y3()), "x1");                               // rank 3
  EXPECT_EQ(contrastive_error({3, 4}, {3, 4}, literal({0, 1}, {2})), "target");                 // length
  EXPECT_EQ(contrastive_error({3, 4}, {3, 4}, literal({0, 1, 1}, {3, 1})), "target");           // rank
  EXPECT_EQ(contrastive_error({3, 4}, {3, 4}, literal({0, 1, 1}, {3}, dtype::f32)), "target");  // dtype
  EXPECT_EQ(contrastive_error({3, 4}, {3, 4}, literal({0, 0.5, 1}, {3})), "target");            // not 0/1
  EXPECT_EQ(contrastive_error({3, 4}, {3, 4}, literal({0, -1, 1}, {3})), "target");
  EXPECT_EQ(contrastive_error({3, 4}, {3, 4}, literal({0, 2, 1}, {3}, dtype::i64)), "target");
  EXPECT_EQ(contrastive_error({3, 4}, {3, 4}, literal({0, std::nan(""), 1}, {3})), "target");
  EXPECT_EQ(contrastive_error({3, 4}, {3, 4}, y3(), param_set().set("swap", 1)), "swap");  // unknown param
}

}  // namespace
}  // namespace lossbench::testing
