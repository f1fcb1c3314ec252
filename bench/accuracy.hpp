// accuracy.hpp — how far a kernel's answer is from the long-double reference:
// relative error of the value, and max / mean error of the gradient, relative and in ULPs of
// the dtype. Computed once per benchmark, outside the timed loop.
#pragma once

#include <lossbench/loss_spec.hpp>

#include <span>

namespace lossbench::bench {

struct accuracy_figures {
  double value_rel_err = 0;     // |v − ref| / |ref|
  double grad_max_rel_err = 0;  // max_i |g_i − r_i| / magnitude_i (reference_result::grad_magnitude, else |r_i|)
  double grad_max_ulp = 0;      // max_i |g_i − r_i| / ulp(r_i) in the dtype
  double grad_mean_ulp = 0;     // mean of the same
};

// `value` is what the kernel returned; `grads` its gradients (one per differentiable input,
// empty for a value-only run), in dtype `t`.
accuracy_figures measure_accuracy(const reference_result& ref, double value, std::span<const array> grads, dtype t);

}  // namespace lossbench::bench
