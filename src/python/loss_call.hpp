// loss_call.hpp — one call of a catalogue loss from Python: arrays in (zero-copy views), the kernel
// run with the GIL released, the value, per-sample losses and gradients out.
#pragma once

#include <pybind11/pybind11.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace lossbench::python {

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
