// compensated_sum.hpp — the two error-free summation steps the SIMD kernels share for f64 sums:
// TwoSum in every lane of a double batch, and Neumaier's sum over a few scalar lane values.
// Used by block_sum.hpp (the element-wise kernels) and cross_entropy's simd_row.hpp. Templated
// on Arch so that every ISA keeps its own copy (ODR: tests/odr_check.sh). Include
// only from ISA translation units.
#pragma once

#include <xsimd/xsimd.hpp>

namespace lossbench::simd {

// s + x into s, its rounding error into c (Knuth's TwoSum, lane by lane: 6 flops, any order of
// magnitudes).
template <class Arch>
void two_sum_add(xsimd::batch<double, Arch>& s, xsimd::batch<double, Arch>& c,
                 const xsimd::batch<double, Arch>& x) noexcept {
  const xsimd::batch<double, Arch> t = s + x, bp = t - s;
  c += (s - (t - bp)) + (x - bp);
  s = t;
}

// Neumaier's compensated sum over a few scalar values (a batch's lanes).
template <class Arch>
struct lane_total {
  double sum = 0, comp = 0;
  void add(double x) noexcept {
    const double t = sum + x;
    const double as = sum < 0 ? -sum : sum, ax = x < 0 ? -x : x;
    comp += as >= ax ? (sum - t) + x : (x - t) + sum;
    sum = t;
  }
};

}  // namespace lossbench::simd
