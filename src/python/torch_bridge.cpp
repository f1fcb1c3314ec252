// torch_bridge.cpp — _core's side of the PyTorch extension's call (see torch_bridge.hpp): the same
// checks as lossbench.run (arguments.hpp), then the library's public `evaluate` with the GIL
// released, writing into the extension's tensors.
#include "python/torch_bridge.hpp"

#include "python/arguments.hpp"
#include "python/array_view.hpp"

#include <lossbench/losses.hpp>
#include <lossbench/registry.hpp>

#include <array>
#include <exception>
#include <span>
#include <stdexcept>
#include <string>

namespace py = pybind11;

namespace lossbench::python {
namespace {

tensor_ref to_ref(const bridge_input& in, const input_desc& desc) {
  const std::string name(desc.name);
  if (in.problem) type_error(name, in.problem);
  if (in.rank > shape::max_rank)
    throw error(name,
                std::to_string(in.rank) + " dimensions; at most " + std::to_string(shape::max_rank) + " are supported");
  return {in.type, shape(std::span<const std::int64_t>(in.dims, static_cast<std::size_t>(in.rank))), in.data};
}

void* allocate(bridge_call& c, int slot, dtype type, const shape& s) {
  void* p = c.allocate(c.context, slot, type, s.rank(), s.dims().data());
  if (!p) throw py::error_already_set();
  return p;
}

void run_checked(bridge_call& c) {
  const std::string_view loss = string_arg(c.loss, "loss");
  const loss_spec& spec = find_loss(loss, "loss");
  const auto descs = spec.inputs();
  if (c.input_count < 0 || static_cast<std::size_t>(c.input_count) != descs.size())
    throw py::type_error(std::string(loss) + " takes " + std::to_string(descs.size()) + " inputs, got " +
                         std::to_string(c.input_count));
  const std::span<const bridge_input> in(c.inputs, descs.size());
  std::array<tensor_ref, 8> ref_storage;  // a loss has at most 4 inputs
  if (descs.size() > ref_storage.size()) throw std::logic_error("torch_bridge: more inputs than it holds");
  const std::span<tensor_ref> refs(ref_storage.data(), descs.size());
  for (std::size_t i = 0; i < descs.size(); ++i) refs[i] = to_ref(in[i], descs[i]);
  check_input_dtypes(spec, refs);

  options opt;
  opt.reduction = reduction_of(spec, string_arg(c.reduction, "reduction"));
  opt.variant = string_arg(c.variant, "variant");
  opt.threads = threads_arg(c.threads);
  const dtype dt = refs[0].type;
  const param_set params = to_params(spec, py::reinterpret_borrow<py::dict>(c.params), dt);

  // A gradient for each differentiable input autograd asks for; for mse/l1/huber the target's is
  // minus the input's, so asking for it computes the input's. Any other gradient is not computed.
  const bool minus = target_gradient_is_minus_input(spec) && in[1].requires_grad;
  for (std::size_t i = 0; i < descs.size(); ++i)
    if (in[i].requires_grad && !descs[i].differentiable && !(i == 1 && minus))
      throw error(std::string(descs[i].name), "lossbench computes no gradient for " + std::string(descs[i].name) +
                                                  " of " + std::string(loss) + "; pass " + std::string(descs[i].name) +
                                                  ".detach()");
  outputs out;
  for (std::size_t i = 0, k = 0; i < descs.size(); ++i) {
    if (!descs[i].differentiable) continue;
    if (in[i].requires_grad || (i == 0 && minus)) out.grad[k] = allocate(c, static_cast<int>(i), dt, refs[i].shape);
    ++k;
  }
  c.per_sample = opt.reduction == lossbench::reduction::none;
  if (c.per_sample) out.losses = allocate(c, -1, dt, spec.losses_shape(refs));
  {
    py::gil_scoped_release release;
    c.value = evaluate(loss, refs, params, opt, out);
  }
  c.target_is_minus_input = minus;
  c.loss_name = spec.name();
  c.losses_axis = spec.losses_axis();
}

// Sets the Python error for the exception in flight, through the translators the modules registered
// (lossbench::error → lossbench.Error) and then pybind11's own, as a pybind11 function call would.
void set_python_error() {
  std::exception_ptr p = std::current_exception();
  for (auto& translate : py::detail::get_internals().registered_exception_translators) {
    try {
      translate(p);
      return;
    } catch (...) {
      p = std::current_exception();
    }
  }
  PyErr_SetString(PyExc_SystemError, "lossbench: an exception no translator knows");
}

int run(bridge_call& c) {
  try {
    run_checked(c);
    return 0;
  } catch (py::error_already_set& e) {
    e.restore();
  } catch (...) {
    set_python_error();
  }
  return -1;
}

const bridge the_bridge{LOSSBENCH_VERSION, &run};

}  // namespace

PyObject* make_bridge_capsule() {
  return PyCapsule_New(const_cast<bridge*>(&the_bridge), bridge_capsule_name, nullptr);
}

}  // namespace lossbench::python
