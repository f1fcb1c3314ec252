// accuracy.hpp — how far a kernel's answer is from the long-double reference:
// relative error of the value, and max / mean error of the gradient, relative and in ULPs of
// the dtype. Computed once per benchmark, outside the timed loop.
//
// 16-bit storage (bf16, f16): the reference is computed on the exactly widened inputs; the value
// is the f32 kernel's, so its relative error is measured as an f32 value; the gradient is stored
// in 16 bits, so its ULPs are the storage type's, and its goal (docs/numerics.md, "16-bit
// storage") is the loss's f32 bound plus half a 16-bit ULP, per element.
#pragma once

#include <lossbench/loss_spec.hpp>

#include <limits>
#include <span>

namespace lossbench::bench {

struct accuracy_figures {
  double value_rel_err = 0;     // |v − ref| / |ref|
  double grad_max_rel_err = 0;  // max_i |g_i − r_i| / magnitude_i (reference_result::grad_magnitude, else |r_i|)
  double grad_max_ulp = 0;      // max_i |g_i − r_i| / ulp(r_i) in the dtype (the storage type for bf16/f16)
  double grad_mean_ulp = 0;     // mean of the same
  // 16-bit storage only (NaN / true otherwise): the largest per-element goal in 16-bit ULPs at
  // r_i — the f32 bound (grad_ulps·(u·magnitude_i + ½ smallest f32 subnormal)) plus half a
  // 16-bit ULP — and whether every element is within its own goal.
  double grad_ulp_goal = std::numeric_limits<double>::quiet_NaN();
  bool grad_goal_met = true;
};

// `value` is what the kernel returned; `grads` its gradients (one per differentiable input,
// empty for a value-only run), in dtype `t`; `bound` the loss's documented bound (needed for the
// 16-bit goal; null: no goal).
accuracy_figures measure_accuracy(const reference_result& ref, double value, std::span<const array> grads, dtype t,
                                  const accuracy_bound* bound = nullptr);

// The spacing of `t`'s numbers at |r| (subnormal spacing below the normal range): one ULP.
long double ulp_of(long double r, dtype t);

}  // namespace lossbench::bench
