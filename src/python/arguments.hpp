// arguments.hpp — how the Python arguments of a loss call become the library's: dtype rules per
// input, parameters from a dict, the reduction and variant by name, the thread count. Shared by the
// array call (loss_call.cpp) and the PyTorch extension's call (torch_bridge.cpp), so both accept and
// reject exactly the same things with the same messages.
#pragma once

#include <lossbench/loss_spec.hpp>

#include <pybind11/pybind11.h>

#include <span>
#include <string>
#include <string_view>

namespace lossbench::python {

std::string numpy_name(dtype t);

// The catalogue's dtype rules over a call's inputs: as many as the loss takes, the first one real
// (it sets the loss dtype, one of the loss's dtypes(): bf16/f16 only where it has 16-bit kernels),
// real inputs in that dtype, indices int32/int64. TypeError naming the input.
void check_input_dtypes(const loss_spec& spec, std::span<const tensor_ref> inputs);

// name → number, bool, array or None (None: torch's default). Arrays are copied into the param_set
// (they are [C]: small).
param_set to_params(const loss_spec& spec, const pybind11::dict& params, dtype loss_dtype);

// The str's UTF-8 form, held by the str itself (valid while `h` lives): no copy per call.
std::string_view string_arg(const pybind11::handle& h, const char* name);
int threads_arg(const pybind11::handle& h);

// The reduction by torch's name, one the loss has.
lossbench::reduction reduction_of(const loss_spec& spec, std::string_view name);

// mse, l1 and huber depend on input − target alone, so ∂/∂target = −∂/∂input exactly: the
// PyTorch adapters give the target that gradient without a kernel of its own.
bool target_gradient_is_minus_input(const loss_spec& spec);

}  // namespace lossbench::python
