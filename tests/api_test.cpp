// api_test.cpp — the span-based public API: same numbers as the registry, clear errors for
// wrong output spans, unknown variants and per-sample output without reduction none.
#include <lossbench/lossbench.hpp>

#include <gtest/gtest.h>

#include <vector>

namespace {

TEST(PublicApi, MseValueAndGradient) {
  const std::vector<float> x = {1.f, 2.f, 4.f}, y = {0.f, 2.f, 1.f};
  std::vector<float> g(3);
  const float v = lossbench::mse<float>(x, y, {}, g);
  // (1 + 0 + 9) / 3 and 2(x − y)/3: all exactly representable up to one rounding of /3.
  EXPECT_FLOAT_EQ(v, 10.f / 3.f);
  EXPECT_FLOAT_EQ(g[0], 2.f / 3.f);
  EXPECT_FLOAT_EQ(g[1], 0.f);
  EXPECT_FLOAT_EQ(g[2], 2.f);
}

TEST(PublicApi, PerSampleLossesWithReductionNone) {
  const std::vector<double> x = {1, 2, 4}, y = {0, 2, 1};
  std::vector<double> l(3);
  lossbench::options o;
  o.reduction = lossbench::reduction::none;
  EXPECT_EQ(lossbench::mse<double>(x, y, o, {}, l), 10.0);  // the sum of the per-sample losses
  EXPECT_EQ(l, (std::vector<double>{1, 0, 9}));
}

TEST(PublicApi, ErrorsNameTheArgument) {
  const std::vector<float> x = {1.f, 2.f}, y = {0.f, 2.f};
  std::vector<float> g(3), l(2);
  try { lossbench::mse<float>(x, y, {}, g); FAIL(); } catch (const lossbench::error& e) { EXPECT_EQ(e.argument(), "grad_input"); }
  try { lossbench::mse<float>(x, y, {}, {}, l); FAIL(); } catch (const lossbench::error& e) { EXPECT_EQ(e.argument(), "losses"); }
  lossbench::options o;
  o.variant = "no_such_variant";
  try { lossbench::mse<float>(x, y, o); FAIL(); } catch (const lossbench::error& e) { EXPECT_EQ(e.argument(), "variant"); }
  const std::vector<float> short_y = {0.f};
  try { lossbench::mse<float>(x, short_y); FAIL(); } catch (const lossbench::error& e) { EXPECT_EQ(e.argument(), "target"); }
}

}  // namespace
