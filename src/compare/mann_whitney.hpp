// mann_whitney.hpp — the two-sided Mann–Whitney U test (Wilcoxon rank-sum): do two samples of
// timings come from the same distribution? No normality assumed, which suits timings (skewed,
// with outliers on a shared machine).
//
// U = number of pairs (x_i, y_j) with x_i > y_j, ties counting ½. p-value:
//  · exact: with no ties and n1, n2 ≤ 50, from the exact null distribution of U (every
//    assignment of ranks equally likely, counted by the recursion N(m, n, u) = N(m−1, n, u−n) +
//    N(m, n−1, u)); p = min(1, 2·min(P(U ≤ u), P(U ≥ u)));
//  · otherwise the normal approximation with tie correction and continuity correction:
//    σ² = n1·n2/12·((N + 1) − Σ(t³ − t)/(N(N − 1))), z = (|U − n1·n2/2| − ½)/σ, p = erfc(|z|/√2).
// The smallest p any outcome can give is 2/C(n1 + n2, n1) (complete separation, no ties): when
// that exceeds alpha, no difference can be significant (3 + 3 repetitions: 0.1) and callers say
// "too few repetitions to judge".
#pragma once

#include <span>

namespace lossbench::compare {

struct mann_whitney_result {
  double u = 0;        // U of the first sample
  double p_value = 1;  // two-sided
  bool exact = false;  // exact distribution (else normal approximation)
};

mann_whitney_result mann_whitney(std::span<const double> x, std::span<const double> y);
double smallest_p_value(int n1, int n2);  // 2/C(n1 + n2, n1), at most 1

}  // namespace lossbench::compare
