// mann_whitney_test.cpp — the U test against exact p-values found by enumerating every
// assignment of ranks (scipy is not installed here, so the reference is brute force), against
// textbook constants, and the normal approximation with ties against a hand-computed value.
#include "compare/mann_whitney.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

namespace lossbench::compare {
namespace {

// Two-sided exact p by enumeration: every way to choose which n1 of the pooled (distinct) values
// form the first sample is equally likely under the null.
double enumerated_p(const std::vector<double>& x, const std::vector<double>& y) {
  std::vector<double> pooled(x);
  pooled.insert(pooled.end(), y.begin(), y.end());
  auto u_of = [](const std::vector<double>& a, const std::vector<double>& b) {
    double u = 0;
    for (double p : a)
      for (double q : b) u += p > q ? 1.0 : (p == q ? 0.5 : 0.0);
    return u;
  };
  const double observed = u_of(x, y);
  const std::size_t n = pooled.size(), n1 = x.size();
  double total = 0, below = 0, above = 0;
  for (unsigned mask = 0; mask < (1u << n); ++mask) {
    if (static_cast<std::size_t>(__builtin_popcount(mask)) != n1) continue;
    std::vector<double> a, b;
    for (std::size_t i = 0; i < n; ++i) (mask >> i & 1 ? a : b).push_back(pooled[i]);
    const double u = u_of(a, b);
    total += 1;
    below += u <= observed;
    above += u >= observed;
  }
  return std::min(1.0, 2 * std::min(below, above) / total);
}

TEST(MannWhitney, ExactMatchesEnumeration) {
  const std::vector<std::pair<std::vector<double>, std::vector<double>>> samples = {
      {{1, 2, 3, 4}, {5, 6, 7, 8}},
      {{1.5, 7, 3, 9, 4}, {2, 8, 10, 11, 12}},
      {{10, 20, 30}, {15, 25, 35, 45, 55, 65}},
      {{3.1, 2.7, 4.4, 5.0, 1.2, 9.9}, {6.1, 7.3, 0.4, 8.8, 5.5, 10.1}},
      {{1, 9, 2, 8, 3, 7, 4}, {6, 5, 10, 11, 0}},
  };
  for (const auto& [x, y] : samples) {
    const mann_whitney_result r = mann_whitney(x, y);
    EXPECT_TRUE(r.exact);
    // The exact distribution is counted in doubles (integers < 2^53, exact), then one division.
    EXPECT_NEAR(r.p_value, enumerated_p(x, y), 1e-14);
  }
}

TEST(MannWhitney, TextbookValues) {
  // Complete separation of 4 + 4: U = 0, p = 2/C(8, 4) = 2/70.
  EXPECT_DOUBLE_EQ(mann_whitney(std::vector<double>{1, 2, 3, 4}, std::vector<double>{5, 6, 7, 8}).p_value, 2.0 / 70);
  EXPECT_DOUBLE_EQ(mann_whitney(std::vector<double>{5, 6, 7, 8}, std::vector<double>{1, 2, 3, 4}).u, 16);
  // The smallest reachable p: 3 + 3 cannot reach 0.05, 4 + 4 can.
  EXPECT_DOUBLE_EQ(smallest_p_value(3, 3), 0.1);
  EXPECT_DOUBLE_EQ(smallest_p_value(4, 4), 2.0 / 70);
  EXPECT_DOUBLE_EQ(smallest_p_value(1, 1), 1.0);
  // Identical samples: no evidence.
  EXPECT_DOUBLE_EQ(mann_whitney(std::vector<double>{1, 1, 1}, std::vector<double>{1, 1, 1}).p_value, 1.0);
}

TEST(MannWhitney, NormalApproximationWithTies) {
  // U = 4.5, Σ(t³−t) = 30, σ² = 48.326923…, z = (|4.5 − 21| − ½)/σ, p = erfc(z/√2) = 0.0213590679803161,
  // computed with Python's math.erfc from the textbook formula (that of R's
  // wilcox.test(x, y, exact = FALSE, correct = TRUE)); scipy is not installed here.
  const mann_whitney_result r =
      mann_whitney(std::vector<double>{1, 2, 2, 3, 4, 5}, std::vector<double>{3, 4, 5, 6, 6, 7, 8});
  EXPECT_FALSE(r.exact);
  EXPECT_DOUBLE_EQ(r.u, 4.5);
  EXPECT_NEAR(r.p_value, 0.0213590679803161, 1e-14);  // a few roundings in sqrt/erfc
}

TEST(MannWhitney, LargeSamplesUseTheNormalApproximation) {
  std::vector<double> x, y;
  for (int i = 0; i < 60; ++i) {
    x.push_back(i);
    y.push_back(i + 0.5);
  }
  const mann_whitney_result r = mann_whitney(x, y);
  EXPECT_FALSE(r.exact);
  EXPECT_GT(r.p_value, 0.5);  // interleaved samples: no difference
}

TEST(MannWhitney, UFromRanksIsThePairwiseCountWithTiesAsHalves) {
  // Values on a coarse grid so that ties are frequent, sizes on both sides of the exact limit.
  std::uint64_t state = 12345;
  auto next = [&] {
    return static_cast<double>((state = state * 6364136223846793005ull + 1442695040888963407ull) >> 60);
  };
  for (const auto& [n1, n2] : std::vector<std::pair<int, int>>{{1, 1}, {3, 7}, {20, 20}, {64, 51}, {300, 1}}) {
    std::vector<double> x(static_cast<std::size_t>(n1)), y(static_cast<std::size_t>(n2));
    for (double& v : x) v = next();
    for (double& v : y) v = next();
    double pairwise = 0;
    for (double a : x)
      for (double b : y) pairwise += a > b ? 1.0 : (a == b ? 0.5 : 0.0);
    EXPECT_EQ(mann_whitney(x, y).u, pairwise) << n1 << " + " << n2;  // both exact: sums of halves
  }
}

}  // namespace
}  // namespace lossbench::compare
