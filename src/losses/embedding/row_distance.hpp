// row_distance.hpp — the p-norm row distance of torch's pairwise_distance and its derivative,
// written once as templates: the kernels instantiate them with float/double, the reference with
// long double, so the formulas of kernel and reference cannot drift apart.
//
//   v_j = (x_j − y_j) + eps                (torch: norm(x1 − x2 + eps, p, dim=-1), same order)
//   d   = (Σ_j |v_j|^p)^(1/p)              p = 1: Σ|v|; p = 2: √Σv²; p = ±inf: max/min |v|;
//                                          p = 0: number of non-zero v (torch's 0-"norm")
//   ∂d/∂v_j as torch 1.13's norm backward: 0 where d = 0 or v_j = 0; sgn(v) for p = 1;
//   for p = ±inf the gradient is shared equally among the elements with |v_j| = d; 0 for p = 0.
//
// Precision: one accumulator in T per row (D − 1 roundings); distance_error.hpp derives the bound.
// A sum that overflows or underflows is taken again, rescaled (rescaled_norm.hpp).
// The rows may be stored as S (bf16, f16) while T computes (float): each element is read as
// T(x[j]), an exact widening, so the result is T's on the widened rows.
#pragma once

#include "losses/embedding/p_norm.hpp"
#include "losses/embedding/rescaled_norm.hpp"

#include <cmath>
#include <cstddef>
#include <limits>
#include <type_traits>

namespace lossbench::losses::embedding {

// A row's distance, plus each arg-max element's share of the gradient for p = ±inf.
template <class T>
struct row_norm {
  T d = 0;
  T tie_share = 1;
};

// ±inf-norm: the extreme |v| and how many elements attain it. NaN wins and sticks, as torch's amax.
template <class T, bool Largest, class S>
row_norm<T> extreme_abs(const S* x, const S* y, std::size_t dim, T eps) {
  T m = Largest ? T(0) : std::numeric_limits<T>::infinity();
  std::size_t ties = 0;
  for (std::size_t j = 0; j < dim; ++j) {
    const T a = std::fabs((T(x[j]) - T(y[j])) + eps);
    const bool better = Largest ? a > m : a < m;
    if (better || a != a) {
      m = a;
      ties = 1;
    } else if (a == m)
      ++ties;
  }
  return {m, ties ? T(1) / static_cast<T>(ties) : T(0)};
}

// Whether a plain sum in T may need rescaled_norm.hpp's second pass. The long-double reference
// never does: its range holds the square of every float and double.
template <class T>
constexpr bool rescues = !std::is_same_v<T, long double>;

template <class S, class T>
row_norm<T> row_distance(const S* x, const S* y, std::size_t dim, T eps, const p_norm<T>& n) {
  switch (n.kind) {
    case norm_kind::max_abs:
      return extreme_abs<T, true>(x, y, dim, eps);
    case norm_kind::min_abs:
      return extreme_abs<T, false>(x, y, dim, eps);
    default:
      break;
  }
  T s = 0;
  switch (n.kind) {
    case norm_kind::two:
      for (std::size_t j = 0; j < dim; ++j) {
        const T v = (T(x[j]) - T(y[j])) + eps;
        s += v * v;
      }
      break;
    case norm_kind::one:
      for (std::size_t j = 0; j < dim; ++j) s += std::fabs((T(x[j]) - T(y[j])) + eps);
      break;
    case norm_kind::count_nonzero:
      for (std::size_t j = 0; j < dim; ++j) s += ((T(x[j]) - T(y[j])) + eps) != T(0) ? T(1) : T(0);
      return {s, 1};
    default:
      for (std::size_t j = 0; j < dim; ++j) s += std::pow(std::fabs((T(x[j]) - T(y[j])) + eps), n.p);
      break;
  }
  if constexpr (rescues<T>)
    if (__builtin_expect(outside(s, plain_range_of(dim, n)), 0)) return {rescaled_norm(x, y, dim, eps, n), 1};
  if (n.kind == norm_kind::two) return {std::sqrt(s), 1};
  if (n.kind == norm_kind::one) return {s, 1};
  return {std::pow(s, n.inv_p), 1};
}

// ∂d/∂v_j for v_j = (x_j − y_j) + eps (∂d/∂x_j; ∂d/∂y_j is its negative).
template <class T>
T distance_derivative(T v, const row_norm<T>& r, const p_norm<T>& n) {
  switch (n.kind) {
    case norm_kind::count_nonzero:
      return 0;
    case norm_kind::one:
      return v > 0 ? T(1) : v < 0 ? T(-1) : v;  // sgn; 0 at 0, NaN stays NaN
    case norm_kind::two:
      return r.d == 0 ? T(0) : v / r.d;
    case norm_kind::max_abs:
    case norm_kind::min_abs:
      if (std::fabs(v) == r.d || v != v) return v > 0 ? r.tie_share : v < 0 ? -r.tie_share : v;
      return 0;
    case norm_kind::general:
      break;
  }
  // sgn(v)·(|v|/d)^(p−1): the ratio form of torch's |v|^(p−1)·d^(1−p) that cannot overflow.
  if (v == 0 || r.d == 0) return 0;
  return std::copysign(std::pow(std::fabs(v) / r.d, n.p_minus_1), v);
}

// Σ_j (x_j − y_j)²: contrastive's squared Euclidean distance (no eps, no square root), as
// scaled·4^exponent (exponent ≠ 0 only where the plain sum left the normal range).
template <class T, class S>
power_sum<T> squared_distance(const S* x, const S* y, std::size_t dim) {
  T s = 0;
  for (std::size_t j = 0; j < dim; ++j) {
    const T v = T(x[j]) - T(y[j]);
    s += v * v;
  }
  if constexpr (rescues<T>)
    if (__builtin_expect(outside(s, plain_range_of(dim, p_norm<T>{})), 0))
      return rescaled_power_sum(x, y, dim, T(0), p_norm<T>{});
  return {s, 0};
}

}  // namespace lossbench::losses::embedding
