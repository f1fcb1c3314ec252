// mann_whitney.cpp — the Mann–Whitney U test (mann_whitney.hpp).
#include "compare/mann_whitney.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace lossbench::compare {

namespace {

constexpr std::size_t exact_limit = 50;

// Number of rank assignments giving each U, for samples of m and n without ties (sums to C(m+n, m)).
std::vector<double> u_counts(std::size_t m, std::size_t n) {
  // f[j][u] over the current m (rolled), initialised for m = 0: one way, U = 0.
  std::vector<std::vector<double>> f(n + 1, std::vector<double>(m * n + 1, 0.0));
  for (std::size_t j = 0; j <= n; ++j) f[j][0] = 1;
  for (std::size_t i = 1; i <= m; ++i) {
    std::vector<std::vector<double>> g(n + 1, std::vector<double>(m * n + 1, 0.0));
    for (std::size_t j = 0; j <= n; ++j)
      for (std::size_t u = 0; u <= i * j; ++u)  // the largest value is an x (adds j to U) or a y
        g[j][u] = (u >= j ? f[j][u - j] : 0.0) + (j > 0 ? g[j - 1][u] : 0.0);
    f = std::move(g);
  }
  return f[n];
}

}  // namespace

double smallest_p_value(int n1, int n2) {
  if (n1 <= 0 || n2 <= 0) return 1;
  double combos = 1;  // C(n1 + n2, n1)
  for (int k = 1; k <= n1; ++k) combos = combos * (n2 + k) / k;
  return std::min(1.0, 2.0 / combos);
}

mann_whitney_result mann_whitney(std::span<const double> x, std::span<const double> y) {
  mann_whitney_result r;
  const std::size_t n1 = x.size(), n2 = y.size(), n = n1 + n2;
  if (n1 == 0 || n2 == 0) return r;
  // U from ranks, O(n log n): U = R_x − n1(n1 + 1)/2 with tied values at their mid-rank, which
  // counts a tie as half a win, as the pairwise definition (Σ [x > y] + ½[x = y]) does.
  std::vector<std::pair<double, bool>> all;  // value, from x
  all.reserve(n);
  for (double a : x) all.emplace_back(a, true);
  for (double b : y) all.emplace_back(b, false);
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  double rank_sum_x = 0, tie_term = 0;  // tie_term: Σ(t³ − t) over groups of equal values
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j < n && all[j].first == all[i].first) ++j;
    const double mid_rank = static_cast<double>(i + 1 + j) / 2;  // ranks i + 1 … j
    for (std::size_t k = i; k < j; ++k) rank_sum_x += all[k].second ? mid_rank : 0.0;
    const double t = static_cast<double>(j - i);
    tie_term += t * t * t - t;
    i = j;
  }
  r.u = rank_sum_x - static_cast<double>(n1) * static_cast<double>(n1 + 1) / 2;

  const double mean = static_cast<double>(n1 * n2) / 2;
  if (tie_term == 0 && n1 <= exact_limit && n2 <= exact_limit) {
    const std::vector<double> counts = u_counts(n1, n2);
    double total = 0, below = 0, above = 0;
    const auto u = static_cast<std::size_t>(r.u);
    for (std::size_t k = 0; k < counts.size(); ++k) {
      total += counts[k];
      if (k <= u) below += counts[k];
      if (k >= u) above += counts[k];
    }
    r.exact = true;
    r.p_value = std::min(1.0, 2 * std::min(below, above) / total);
    return r;
  }
  const double nn = static_cast<double>(n);
  const double variance = static_cast<double>(n1 * n2) / 12 * ((nn + 1) - tie_term / (nn * (nn - 1)));
  if (variance <= 0) return r;  // every value equal: no evidence of a difference
  const double z = std::max(0.0, std::fabs(r.u - mean) - 0.5) / std::sqrt(variance);
  r.p_value = std::min(1.0, std::erfc(z / std::sqrt(2.0)));
  return r;
}

}  // namespace lossbench::compare
