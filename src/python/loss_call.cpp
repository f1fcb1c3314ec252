// loss_call.cpp — see loss_call.hpp. Everything here is checking and plumbing: the loss itself runs
// in the library's public `evaluate`, the same call the C++ span API makes.
#include "python/loss_call.hpp"

#include "python/arguments.hpp"
#include "python/array_view.hpp"

#include <lossbench/losses.hpp>
#include <lossbench/registry.hpp>

#include <pybind11/numpy.h>

// numpy's C API for one call, PyArray_Scalar: a numpy scalar in ~50 ns where calling numpy.float32
// from C++ takes ~200 (a fifth of what Python adds to a call). Imported by init_numpy_api().
#define PY_ARRAY_UNIQUE_SYMBOL lossbench_numpy_api
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

namespace py = pybind11;

namespace lossbench::python {
namespace {

std::vector<array_view> view_inputs(const loss_spec& spec, const py::tuple& inputs) {
  const auto descs = spec.inputs();
  if (inputs.size() != descs.size())
    throw py::type_error(std::string(spec.name()) + " takes " + std::to_string(descs.size()) + " inputs, got " +
                         std::to_string(inputs.size()));
  std::vector<array_view> views;
  views.reserve(descs.size());
  for (std::size_t i = 0; i < descs.size(); ++i)
    views.emplace_back(inputs[i], std::string(descs[i].name), access::read);
  std::vector<tensor_ref> refs;
  for (const auto& v : views) refs.push_back(v.ref());
  check_input_dtypes(spec, refs);
  return views;
}

// Which differentiable inputs get a gradient: `grad` is a bool or one bool per such input.
std::array<bool, 3> wanted_grads(const py::object& grad, std::size_t count) {
  std::array<bool, 3> want{};
  const std::string expected =
      "expected True/False or a list of " + std::to_string(count) + " booleans (one per differentiable input)";
  if (py::isinstance<py::bool_>(grad)) {
    for (std::size_t k = 0; k < count; ++k) want[k] = grad.cast<bool>();
    return want;
  }
  if (!(py::isinstance<py::list>(grad) || py::isinstance<py::tuple>(grad)) || py::len(grad) != count)
    type_error("grad", expected);
  const auto seq = py::reinterpret_borrow<py::sequence>(grad);
  for (std::size_t k = 0; k < count; ++k) {
    if (!py::isinstance<py::bool_>(seq[k])) type_error("grad", expected);
    want[k] = seq[k].cast<bool>();
  }
  return want;
}

bool overlaps(const tensor_ref& a, const tensor_ref& b) {
  const auto* a0 = static_cast<const std::byte*>(a.data);
  const auto* b0 = static_cast<const std::byte*>(b.data);
  const auto an = static_cast<std::size_t>(a.numel()) * size_of(a.type);
  const auto bn = static_cast<std::size_t>(b.numel()) * size_of(b.type);
  return an && bn && a0 < b0 + bn && b0 < a0 + an;
}

// A caller's `out=` array and its view.
struct out_slot {
  py::object array = py::none();
  std::optional<array_view> view;
};

// The caller's `out=` arrays, one per differentiable input (empty where not given).
std::vector<out_slot> view_outs(const py::object& out, std::size_t count) {
  std::vector<out_slot> slots(count);
  if (out.is_none()) return slots;
  if (count == 1 && !py::isinstance<py::tuple>(out) && !py::isinstance<py::list>(out)) {
    slots[0].array = out;
    slots[0].view.emplace(out, "out", access::write);
    return slots;
  }
  if (!py::isinstance<py::tuple>(out) && !py::isinstance<py::list>(out))
    type_error("out",
               "expected a tuple of " + std::to_string(count) + " arrays (or None), one per differentiable input");
  const auto seq = py::reinterpret_borrow<py::sequence>(out);
  for (const auto& item : seq)
    if (!item.is_none() && !PyObject_CheckBuffer(item.ptr()) && !py::hasattr(item, "__dlpack__"))
      type_error("out",
                 std::string("expected arrays (or None), one per differentiable input; got a sequence holding ") +
                     Py_TYPE(item.ptr())->tp_name);
  if (seq.size() != count)
    throw error("out", "expected " + std::to_string(count) + " arrays (or None), one per differentiable input; got " +
                           std::to_string(seq.size()));
  for (std::size_t k = 0; k < count; ++k) {
    if (seq[k].is_none()) continue;
    slots[k].array = seq[k];
    slots[k].view.emplace(seq[k], "out[" + std::to_string(k) + "]", access::write);
  }
  return slots;
}

void check_out(const array_view& o, const tensor_ref& input, std::string_view input_name,
               const std::vector<array_view>& inputs) {
  if (o.ref().type != input.type)
    type_error(o.argument(), "is " + numpy_name(o.ref().type) + ", the gradient of '" + std::string(input_name) +
                                 "' is " + numpy_name(input.type));
  if (!(o.ref().shape == input.shape))
    throw error(o.argument(), "shape " + o.ref().shape.str() + ", the gradient of '" + std::string(input_name) +
                                  "' has shape " + input.shape.str());
  for (const auto& in : inputs)
    if (overlaps(o.ref(), in.ref()))
      throw error(o.argument(),
                  "overlaps the memory of input '" + in.argument() + "'; gradients go to separate arrays");
}

// An output array of the loss's storage dtype and its memory: a numpy array (float32, float64,
// float16), or for bfloat16, which numpy lacks, a torch tensor (bf16 inputs come from torch).
struct new_output {
  py::object array;
  void* data = nullptr;
};

new_output new_array(dtype t, const shape& s, const std::string& argument) {
  const auto d = s.dims();
  std::vector<py::ssize_t> dims(d.begin(), d.end());
  if (t == dtype::bf16) {
    py::object torch;
    try {
      torch = py::module_::import("torch");
    } catch (py::error_already_set&) {
      type_error(argument, "bfloat16 results are returned as torch tensors, and torch cannot be imported");
    }
    py::tuple size(dims.size());
    for (std::size_t i = 0; i < dims.size(); ++i) size[i] = py::int_(dims[i]);
    py::object a = torch.attr("empty")(size, py::arg("dtype") = torch.attr("bfloat16"));
    void* data = reinterpret_cast<void*>(a.attr("data_ptr")().cast<std::uintptr_t>());
    return {std::move(a), data};
  }
  py::array a(t == dtype::f32   ? py::dtype::of<float>()
              : t == dtype::f16 ? py::dtype("float16")
                                : py::dtype::of<double>(),
              dims);
  void* data = a.mutable_data();
  return {std::move(a), data};
}

// The value as a numpy scalar: numpy.float64 for float64, else numpy.float32 (16-bit storage
// computes in float32, and its value is returned unrounded).
py::object scalar(dtype t, double v) {
  const bool f64 = t == dtype::f64;
  const float f = static_cast<float>(v);
  PyArray_Descr* descr = PyArray_DescrFromType(f64 ? NPY_FLOAT64 : NPY_FLOAT32);
  PyObject* s =
      PyArray_Scalar(f64 ? static_cast<void*>(&v) : static_cast<void*>(const_cast<float*>(&f)), descr, nullptr);
  Py_DECREF(descr);
  if (!s) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(s);
}

}  // namespace

prepared_call prepare(std::string_view loss, const py::tuple& inputs, const py::dict& params,
                      const py::handle& reduction, const py::handle& variant, const py::handle& threads,
                      const py::object& grad, const py::object& out) {
  const loss_spec& spec = find_loss(loss, "loss");
  prepared_call c;
  c.opt.reduction = reduction_of(spec, string_arg(reduction, "reduction"));
  c.opt.variant = string_arg(variant, "variant");  // a view of the caller's str, alive for the call
  c.opt.threads = threads_arg(threads);
  c.views = view_inputs(spec, inputs);
  for (const auto& v : c.views) c.refs.push_back(v.ref());
  const dtype dt = c.refs[0].type;
  c.params = to_params(spec, params, dt);

  // Gradient buffers: the caller's (checked) or new arrays, one per wanted differentiable input.
  const std::size_t count = spec.differentiable_count();
  const std::array<bool, 3> want = wanted_grads(grad, count);
  const auto outs = view_outs(out, count);
  c.grads.assign(count, py::none());
  for (std::size_t i = 0, k = 0; i < c.refs.size(); ++i) {
    if (!spec.inputs()[i].differentiable) continue;
    const auto& given = outs[k].view;
    if (given && !want[k]) throw error(given->argument(), "given, but that gradient is not asked for (grad=)");
    if (given) {
      check_out(*given, c.refs[i], spec.inputs()[i].name, c.views);
      for (std::size_t j = 0; j < k; ++j)
        if (outs[j].view && overlaps(given->ref(), outs[j].view->ref()))
          throw error(given->argument(), "overlaps " + outs[j].view->argument());
      c.out.grad[k] = given->data();
      c.grads[k] = outs[k].array;
    } else if (want[k]) {
      new_output g = new_array(dt, c.refs[i].shape, c.views[0].argument());
      c.out.grad[k] = g.data;
      c.grads[k] = std::move(g.array);
    }
    ++k;
  }
  if (c.opt.reduction == lossbench::reduction::none) {
    new_output l = new_array(dt, spec.losses_shape(c.refs), c.views[0].argument());
    c.out.losses = l.data;
    c.losses = std::move(l.array);
  }
  return c;
}

py::object result_of(const prepared_call& c, double value) {
  py::object result = c.opt.reduction == lossbench::reduction::none ? c.losses : scalar(c.refs[0].type, value);
  if (!c.out.wants_grad()) return result;
  py::tuple t(1 + c.grads.size());
  t[0] = result;
  for (std::size_t k = 0; k < c.grads.size(); ++k) t[1 + k] = c.grads[k];
  return t;
}

py::object run_loss(std::string_view loss, const py::tuple& inputs, const py::dict& params, const py::handle& reduction,
                    const py::handle& variant, const py::handle& threads, const py::object& grad,
                    const py::object& out) {
  prepared_call c = prepare(loss, inputs, params, reduction, variant, threads, grad, out);
  double value;
  {
    py::gil_scoped_release release;
    value = evaluate(loss, c.refs, c.params, c.opt, c.out);
  }
  return result_of(c, value);
}

double native_call_ns(std::string_view loss, const py::tuple& inputs, const py::dict& params,
                      const py::handle& reduction, const py::handle& variant, const py::handle& threads,
                      const py::object& grad, std::int64_t calls) {
  if (calls < 1) throw error("calls", "must be ≥ 1, got " + std::to_string(calls));
  prepared_call c = prepare(loss, inputs, params, reduction, variant, threads, grad, py::none());
  py::gil_scoped_release release;
  volatile double sink = 0;  // keeps the calls from being optimised away
  const auto start = std::chrono::steady_clock::now();
  for (std::int64_t i = 0; i < calls; ++i) sink = sink + evaluate(loss, c.refs, c.params, c.opt, c.out);
  const auto stop = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::nano>(stop - start).count() / static_cast<double>(calls);
}

namespace {
py::array float64_array(const std::vector<long double>& v, const shape& s) {
  py::array_t<double> a(std::vector<py::ssize_t>(s.dims().begin(), s.dims().end()));
  if (static_cast<std::size_t>(a.size()) != v.size()) a = py::array_t<double>(static_cast<py::ssize_t>(v.size()));
  std::copy(v.begin(), v.end(), a.mutable_data());
  return a;
}
}  // namespace

py::dict reference(const std::string& loss, const py::tuple& inputs, const py::dict& params,
                   const py::handle& reduction) {
  prepared_call c =
      prepare(loss, inputs, params, reduction, py::str("scalar"), py::int_(0), py::bool_(false), py::none());
  const loss_spec& spec = find_loss(loss, "loss");
  const param_set resolved = spec.resolve(c.params);
  const call k{c.refs, &resolved, c.opt.reduction, {}, 0};
  spec.validate(k, c.refs[0].type);
  const reference_result r = spec.reference(k);
  const shape ls = spec.losses_shape(c.refs);
  py::list grads, grad_magnitude;
  for (std::size_t i = 0, g = 0; i < c.refs.size(); ++i) {
    if (!spec.inputs()[i].differentiable) continue;
    grads.append(float64_array(r.grads[g], c.refs[i].shape));
    grad_magnitude.append(r.grad_magnitude.empty() ? py::object(py::none())
                                                   : py::object(float64_array(r.grad_magnitude[g], c.refs[i].shape)));
    ++g;
  }
  return py::dict(
      py::arg("value") = static_cast<double>(r.value), py::arg("losses") = float64_array(r.losses, ls),
      py::arg("grads") = grads,
      py::arg("loss_magnitude") =
          r.loss_magnitude.empty() ? py::object(py::none()) : py::object(float64_array(r.loss_magnitude, ls)),
      py::arg("grad_magnitude") = grad_magnitude, py::arg("value_scale") = static_cast<double>(r.value_scale));
}

void init_numpy_api() {
  if (_import_array() < 0) throw py::error_already_set();
}

}  // namespace lossbench::python
