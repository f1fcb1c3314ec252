// digest.cpp — digests of reference vectors and statistics of kernel outputs (digest.hpp).
#include "check/digest.hpp"

#include "check/expected.hpp"
#include "core/reference_math.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace lossbench::check {

namespace {
constexpr long double check_rounding = 0x1p-60L;  // the check's own long-double sums: ≤ 2·2^-64 relative, with room
}

vector_stats stats_of(std::span<const long double> v) {
  core::reference_sum sum, squares, abs_sum;
  for (long double x : v) {
    sum.add(x);
    squares.add(x * x);
    abs_sum.add(std::fabs(x));
  }
  return {sum.value(), std::sqrt(squares.value()), abs_sum.value()};
}

vector_stats stats_of(const array& a) {
  std::vector<long double> v(static_cast<std::size_t>(a.numel()));
  for (std::size_t i = 0; i < v.size(); ++i)
    v[i] = a.get(static_cast<std::int64_t>(i));  // every float dtype → double: exact
  return stats_of(v);
}

std::vector<std::int64_t> sample_indices(std::span<const long double> v) {
  const auto n = static_cast<std::int64_t>(v.size());
  if (n == 0) return {};
  std::vector<std::int64_t> idx = {0, n - 1};
  std::int64_t largest = -1, non_finite = -1;
  for (std::int64_t i = 0; i < n; ++i) {
    const long double x = v[static_cast<std::size_t>(i)];
    if (!std::isfinite(x)) {
      if (non_finite < 0) non_finite = i;
    } else if (largest < 0 || std::fabs(x) > std::fabs(v[static_cast<std::size_t>(largest)])) {
      largest = i;
    }
  }
  if (largest >= 0) idx.push_back(largest);
  if (non_finite >= 0) idx.push_back(non_finite);
  for (std::int64_t k = 1; k <= 5; ++k) idx.push_back(k * (n - 1) / 6);
  std::sort(idx.begin(), idx.end());
  idx.erase(std::unique(idx.begin(), idx.end()), idx.end());
  return idx;
}

double round_up(long double tol) {
  const double d = static_cast<double>(tol) + std::numeric_limits<double>::denorm_min();
  return std::nextafter(d, std::numeric_limits<double>::infinity());
}

digest make_digest(std::string of, std::span<const long double> v_in, std::span<const long double> magnitude,
                   double ulps, double u, double tiny, dtype stored) {
  digest d;
  d.of = std::move(of);
  d.count = static_cast<std::int64_t>(v_in.size());
  std::vector<long double> v(v_in.begin(), v_in.end());  // as stored: 16-bit overflows become ±inf
  std::vector<long double> bound(v.size());
  core::reference_sum bound_sum, bound_squares;
  std::vector<long double> finite;  // non-finite elements make the sum and norm non-finite: matched exactly
  const long double overflow = storage_overflow(stored);
  for (std::size_t i = 0; i < v.size(); ++i) {
    const long double m = std::fabs(magnitude.empty() ? v[i] : magnitude[i]);
    bound[i] = std::isfinite(v[i]) && std::isfinite(m) ? ulps * (u * m + 0.5L * tiny) : 0;
    if (is_16bit(stored) && std::isfinite(v[i])) {
      const long double a = std::fabs(v[i]);
      if (a - bound[i] >= overflow) {
        v[i] = std::copysign(std::numeric_limits<long double>::infinity(), v[i]);
        bound[i] = 0;
      } else if (a + bound[i] >= overflow) {
        throw error(d.of + "[" + std::to_string(i) + "]",
                    long_double_text(v[i]) + " is within its bound " + long_double_text(bound[i]) + " of " +
                        std::string(to_string(stored)) + "'s overflow threshold " + long_double_text(overflow) +
                        ": it may be stored finite or infinite, so no golden value can say which");
      } else {
        bound[i] += storage_half_ulp(stored, a + bound[i]);
      }
    }
    bound_sum.add(bound[i]);
    bound_squares.add(bound[i] * bound[i]);
    if (std::isfinite(v[i])) finite.push_back(v[i]);
  }
  const vector_stats s = stats_of(v), f = stats_of(finite);
  d.sum = s.sum;
  d.norm = s.norm;
  d.sum_tol = round_up(bound_sum.value() + check_rounding * f.abs_sum);
  d.norm_tol = round_up(std::sqrt(bound_squares.value()) + check_rounding * f.norm);
  for (std::int64_t i : sample_indices(v))
    d.samples.push_back({i, v[static_cast<std::size_t>(i)], round_up(bound[static_cast<std::size_t>(i)])});
  return d;
}

}  // namespace lossbench::check
