// loss_call.hpp — one call of a catalogue loss from Python: arrays in (zero-copy views), the kernel
// run with the GIL released, the value, per-sample losses and gradients out.
#pragma once

#include "python/array_view.hpp"

#include <lossbench/losses.hpp>

#include <pybind11/pybind11.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lossbench::python {

// Everything one call needs, checked, with the arrays it returns allocated.
struct prepared_call {
  std::vector<array_view> views;
  std::vector<tensor_ref> refs;
  param_set params;
  options opt;
  outputs out;
  std::vector<pybind11::object> grads;  // per differentiable input: the array written, or None
  pybind11::object losses = pybind11::none();
};
// The arguments as run_loss takes them, checked and viewed; the outputs allocated or the caller's.
prepared_call prepare(std::string_view loss, const pybind11::tuple& inputs, const pybind11::dict& params,
                      const pybind11::handle& reduction, const pybind11::handle& variant,
                      const pybind11::handle& threads, const pybind11::object& grad, const pybind11::object& out);
// What run_loss returns for a call that computed `value`.
pybind11::object result_of(const prepared_call& c, double value);

// `inputs`: the loss's inputs in catalogue order; `params`: name → number, bool, array or None
// (None = torch's default); `grad`: bool, or one bool per differentiable input; `out`: None, one
// array, or one array (or None) per differentiable input, receiving those gradients.
// Returns the value (a numpy scalar of the loss dtype; numpy.float32 for 16-bit storage), or the
// per-sample losses with reduction "none"; with gradients, a tuple (value or losses, gradient per
// differentiable input or None). Losses and gradients have the inputs' dtype (bfloat16 ones are
// torch tensors: numpy has no bfloat16).
pybind11::object run_loss(std::string_view loss, const pybind11::tuple& inputs, const pybind11::dict& params,
                          const pybind11::handle& reduction, const pybind11::handle& variant,
                          const pybind11::handle& threads, const pybind11::object& grad, const pybind11::object& out);

// The C++ side of the same call, for measuring what Python adds: the call is prepared once (views,
// outputs), then `evaluate` runs `calls` times back to back with the GIL released. Mean ns a call.
double native_call_ns(std::string_view loss, const pybind11::tuple& inputs, const pybind11::dict& params,
                      const pybind11::handle& reduction, const pybind11::handle& variant,
                      const pybind11::handle& threads, const pybind11::object& grad, std::int64_t calls);

// The library's long-double reference for the same call (tests and accuracy checks): value,
// per-sample losses, gradients, and the magnitudes each error bound is relative to (None = the
// result itself), as float64 arrays.
pybind11::dict reference(const std::string& loss, const pybind11::tuple& inputs, const pybind11::dict& params,
                         const pybind11::handle& reduction);

// Imports numpy's C API (once, when the module loads).
void init_numpy_api();

}  // namespace lossbench::python
