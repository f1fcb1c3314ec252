// extension.cpp — `lossbench._torch`, the compiled half of lossbench.torch: one call, `fused`, that
// runs a catalogue loss on torch tensors and puts the result on autograd's tape behind a
// fused_backward node. The library itself runs in lossbench._core, through the bridge it lends
// (torch_bridge.hpp); this module links torch and no lossbench code.
#include "python/torch/fused_backward.hpp"
#include "python/torch_bridge.hpp"

#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/functions/utils.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/csrc/autograd/python_variable.h>
#include <torch/csrc/utils/pybind.h>

#include <ATen/EmptyTensor.h>

#include <array>
#include <cstring>
#include <string>
#include <vector>

namespace py = pybind11;

namespace lossbench::torch_adapter {
namespace {

using python::bridge_input;

const python::bridge* the_bridge = nullptr;  // lent by lossbench._core when this module loads

constexpr std::size_t max_inputs = 8;

// What the kernel reads, or why it cannot: the bridge raises TypeError naming the input.
bridge_input describe(py::handle obj, const at::Tensor* t, std::string& problem) {
  bridge_input in;
  if (!t) {
    problem = std::string("expected a torch.Tensor, got ") + Py_TYPE(obj.ptr())->tp_name;
  } else if (!t->device().is_cpu()) {
    problem =
        std::string("a ") + t->device().str() + " tensor; lossbench runs on the CPU (no silent copy: call .cpu())";
  } else if (!t->is_contiguous()) {
    problem = "not C-contiguous; pass a contiguous tensor (t.contiguous())";
  } else {
    switch (t->scalar_type()) {
      case at::kFloat:
        in.type = dtype::f32;
        break;
      case at::kDouble:
        in.type = dtype::f64;
        break;
      case at::kInt:
        in.type = dtype::i32;
        break;
      case at::kLong:
        in.type = dtype::i64;
        break;
      case at::kBFloat16:
        in.type = dtype::bf16;
        break;
      case at::kHalf:
        in.type = dtype::f16;
        break;
      default:
        problem = "elements of " + std::string(py::str(obj.attr("dtype"))) +
                  " are not supported; expected float32, float64, float16, bfloat16, int32 or int64 (no silent "
                  "conversion: call .float())";
    }
  }
  if (!problem.empty()) {
    in.problem = problem.c_str();
    return in;
  }
  in.rank = static_cast<int>(t->dim());
  in.dims = t->sizes().data();
  in.data = t->data_ptr();
  in.requires_grad = t->requires_grad() && torch::autograd::GradMode::is_enabled();
  return in;
}

// The outputs the bridge asks for, allocated straight from the CPU allocator (no dispatcher).
struct output_tensors {
  at::Tensor losses;
  std::array<at::Tensor, max_inputs> grads;
};

void* allocate(void* context, int slot, dtype type, int rank, const std::int64_t* dims) {
  auto& out = *static_cast<output_tensors*>(context);
  const at::ScalarType scalar = type == dtype::f32    ? at::kFloat
                                : type == dtype::bf16 ? at::kBFloat16
                                : type == dtype::f16  ? at::kHalf
                                                      : at::kDouble;
  at::Tensor t = at::detail::empty_cpu(at::IntArrayRef(dims, static_cast<std::size_t>(rank)), scalar, false);
  (slot < 0 ? out.losses : out.grads[static_cast<std::size_t>(slot)]) = t;
  return t.data_ptr();
}

at::Tensor value_tensor(double value, at::ScalarType type) {
  at::Tensor v = at::detail::empty_cpu({}, type, false);
  if (type == at::kFloat)
    *v.data_ptr<float>() = static_cast<float>(value);
  else
    *v.data_ptr<double>() = value;
  return v;
}

// fused(loss, params, reduction, variant, threads, *inputs) → the value, or the per-sample losses.
py::object fused(py::args args) {
  if (args.size() < 6) throw py::type_error("fused(loss, params, reduction, variant, threads, *inputs)");
  const std::size_t n = args.size() - 5;
  if (n > max_inputs) throw py::type_error("fused: at most 8 inputs");
  if (!py::isinstance<py::dict>(args[1])) throw py::type_error("params: expected a dict");

  std::array<at::Tensor, max_inputs> tensors;
  std::array<bridge_input, max_inputs> inputs;
  std::array<std::string, max_inputs> problems;
  for (std::size_t i = 0; i < n; ++i) {
    const py::handle obj = args[5 + i];
    const bool is_tensor = THPVariable_Check(obj.ptr());
    if (is_tensor) tensors[i] = THPVariable_Unpack(obj.ptr());
    inputs[i] = describe(obj, is_tensor ? &tensors[i] : nullptr, problems[i]);
  }

  output_tensors out;
  python::bridge_call call;
  call.loss = args[0].ptr();
  call.params = args[1].ptr();
  call.reduction = args[2].ptr();
  call.variant = args[3].ptr();
  call.threads = args[4].ptr();
  call.inputs = inputs.data();
  call.input_count = static_cast<int>(n);
  call.allocate = &allocate;
  call.context = &out;
  if (the_bridge->run(call) != 0) throw py::error_already_set();

  // The value in the loss dtype; 16-bit storage computes in float32 and returns that value unrounded.
  const at::ScalarType value_type = tensors[0].scalar_type() == at::kDouble ? at::kDouble : at::kFloat;
  at::Tensor result = call.per_sample ? out.losses : value_tensor(call.value, value_type);
  bool any_grad = false;
  for (std::size_t i = 0; i < n; ++i) any_grad = any_grad || out.grads[i].defined();
  if (any_grad) {
    std::vector<at::Tensor> grads(out.grads.begin(), out.grads.begin() + static_cast<std::ptrdiff_t>(n));
    auto node = std::shared_ptr<fused_backward>(new fused_backward(call.loss_name, std::move(grads), call.per_sample,
                                                                   call.target_is_minus_input, call.losses_axis),
                                                torch::autograd::deleteNode);
    node->set_next_edges(torch::autograd::collect_next_edges(at::ArrayRef<at::Tensor>(tensors.data(), n)));
    torch::autograd::set_history(result, node);
  }
  return py::reinterpret_steal<py::object>(THPVariable_Wrap(std::move(result)));
}

const python::bridge* borrow_bridge() {
  py::module_::import("lossbench._core");  // the capsule's owner stays loaded for the process
  auto* b = static_cast<const python::bridge*>(PyCapsule_Import(python::bridge_capsule_name, 0));
  if (!b) throw py::error_already_set();
  if (std::strcmp(b->version, LOSSBENCH_VERSION) != 0)
    throw py::import_error(std::string("lossbench._torch ") + LOSSBENCH_VERSION + " does not match lossbench._core " +
                           b->version + "; rebuild the package");
  return b;
}

}  // namespace
}  // namespace lossbench::torch_adapter

PYBIND11_MODULE(_torch, m) {
  m.doc() = "lossbench's PyTorch extension: fused losses on autograd's tape; use lossbench.torch";
  lossbench::torch_adapter::the_bridge = lossbench::torch_adapter::borrow_bridge();
  m.def("fused", &lossbench::torch_adapter::fused,
        "fused(loss, params, reduction, variant, threads, *inputs): a catalogue loss on CPU tensors, with autograd.");
}
