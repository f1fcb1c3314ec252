// rescaled_norm.hpp — the rare path of a row's p-norm when the plain sum Σ|v_j|^p left the
// dtype's normal range: |v| = 1e20 in every element of a float row squares past FLT_MAX, so the
// plain √Σv² is +inf although ‖v‖ = 8e20 (D = 64) is finite; |v| = 1e-25 squares to 0, so d = 0
// and the gradient v/d is masked to 0 where it is 1/8. BLAS's nrm2 and hypot meet the same.
//
// The kernels first sum plainly (the common case pays two compares per distance) and, only when
// a sum is outside [D·min_normal, max] (the SIMD kernels check once per group of 8 rows), sum that
// row again with every |v_j| scaled by 2^-e, where 2^e is the smallest power of two above max |v|.
// Scaling by a power of two is exact, the largest scaled term lies in [2^-p, 1), so the rescaled
// sum neither overflows nor loses digits, and the error bound of distance_error.hpp holds as for
// the plain sum. Above the lower limit the plain sum's underflowed terms err by ≤ D·½·2^-149
// (f32) ≤ u·S: within the bound's slack.
// Rows holding ±inf or NaN keep the plain result (it is already the answer), as do p ≤ 1 (no
// spurious overflow or underflow there) and p > 64, where the largest scaled term could itself
// underflow.
//
// Out of line and not a template (rescaled_norm.cpp): the scalar kernel and every ISA's kernel
// call the same compiled code, so no ISA's instruction set leaks into another's (ODR).
#pragma once

#include "losses/embedding/p_norm.hpp"

#include <lossbench/float16.hpp>

#include <cmath>
#include <cstddef>
#include <limits>

namespace lossbench::losses::embedding {

// Σ_j |v_j|^p = scaled·2^(p·exponent), v_j = (x_j − y_j) + eps (pass eps = 0 for x − y).
template <class T>
struct power_sum {
  T scaled = 0;
  int exponent = 0;
};

// The range [lower, upper] outside which a plain sum of `dim` terms |v|^p is taken again:
// [D·min_normal, max] for the norms that can leave it spuriously (p = 2 and 1 < p ≤ 64; p = 1
// sums |v| exactly as given, p < 1 raises small |v| and cannot overflow short of the result
// itself), all of ℝ for the others. Computed once per block; `Tag` keeps each SIMD ISA's
// instantiation a distinct symbol (ODR: isa/instantiate.hpp).
template <class T>
struct plain_range {
  T lower = -std::numeric_limits<T>::infinity();
  T upper = std::numeric_limits<T>::infinity();
};

template <class T, class Tag = void>
plain_range<T> plain_range_of(std::size_t dim, const p_norm<T>& n) {
  if (n.kind != norm_kind::two && !(n.kind == norm_kind::general && n.p > 1 && n.p <= 64)) return {};
  return {std::numeric_limits<T>::min() * static_cast<T>(dim), std::numeric_limits<T>::max()};
}

// lower^(1/p): a norm below it may come from a sum below `lower` (for kernels that judge from
// the norm, once per block; the scalar kernel judges from the sum and never needs it).
template <class T, class Tag = void>
T norm_lower_of(const plain_range<T>& r, const p_norm<T>& n) {
  if (!(r.lower > 0)) return r.lower;
  return n.kind == norm_kind::two ? std::sqrt(r.lower) : std::pow(r.lower, n.inv_p);
}

// Whether the plain sum s needs the second pass (NaN never does: it is the answer).
template <class T, class Tag = void>
bool outside(T s, const plain_range<T>& r) {
  return s > r.upper || s < r.lower;
}

// The same judged from the norm d = s^(1/p) (+inf where s overflowed): near the lower limit
// the root's rounding may decide either way, and either result is within the bound.
template <class T, class Tag = void>
bool norm_outside(T d, const plain_range<T>& r, T norm_lower) {
  return d > r.upper || d < norm_lower;
}

// The smallest and largest plain sums of a group of rows (NaN skipped): the SIMD kernels check
// the range once per group, at two instructions per distance. `Tag` as above.
template <class T, class Tag>
struct sum_extremes {
  T lowest = std::numeric_limits<T>::infinity();
  T highest = -std::numeric_limits<T>::infinity();
  void add(T s) {
    lowest = s < lowest ? s : lowest;
    highest = s > highest ? s : highest;
  }
  bool outside(const plain_range<T>& r) const { return highest > r.upper || lowest < r.lower; }
};

// Cold: the kernels' hot loops keep their registers across a call they almost never make.
[[gnu::cold]] power_sum<float> rescaled_power_sum(const float* x, const float* y, std::size_t dim, float eps,
                                                  const p_norm<float>& n);
[[gnu::cold]] power_sum<double> rescaled_power_sum(const double* x, const double* y, std::size_t dim, double eps,
                                                   const p_norm<double>& n);

// Rows stored in 16 bits: float's pass on the exactly widened elements.
[[gnu::cold]] power_sum<float> rescaled_power_sum(const bf16* x, const bf16* y, std::size_t dim, float eps,
                                                  const p_norm<float>& n);
[[gnu::cold]] power_sum<float> rescaled_power_sum(const f16* x, const f16* y, std::size_t dim, float eps,
                                                  const p_norm<float>& n);

// ‖v‖_p of the row from its rescaled power sum: scaled^(1/p)·2^exponent.
[[gnu::cold]] float rescaled_norm(const float* x, const float* y, std::size_t dim, float eps, const p_norm<float>& n);
[[gnu::cold]] double rescaled_norm(const double* x, const double* y, std::size_t dim, double eps,
                                   const p_norm<double>& n);
[[gnu::cold]] float rescaled_norm(const bf16* x, const bf16* y, std::size_t dim, float eps, const p_norm<float>& n);
[[gnu::cold]] float rescaled_norm(const f16* x, const f16* y, std::size_t dim, float eps, const p_norm<float>& n);

}  // namespace lossbench::losses::embedding
