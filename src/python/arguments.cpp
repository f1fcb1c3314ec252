// arguments.cpp — see arguments.hpp.
#include "python/arguments.hpp"

#include "python/array_view.hpp"

#include <lossbench/registry.hpp>
#include <lossbench/threads.hpp>

#include <algorithm>
#include <cstring>

namespace py = pybind11;

namespace lossbench::python {

std::string numpy_name(dtype t) {
  switch (t) {
    case dtype::f32:
      return "float32";
    case dtype::f64:
      return "float64";
    case dtype::i32:
      return "int32";
    case dtype::i64:
      return "int64";
    case dtype::bf16:
      return "bfloat16";
    case dtype::f16:
      return "float16";
  }
  return "?";
}

namespace {

// The dtype rules of the catalogue's input kinds: real inputs share the loss dtype (the first
// input's), indices are int32/int64, cross_entropy's target may be either.
void check_kind(const input_desc& in, dtype got, dtype loss_dtype) {
  const std::string name(in.name);
  const bool real_ok = got == loss_dtype;
  const bool index_ok = !is_floating(got);
  const bool ok = in.kind == input_kind::real ? real_ok : in.kind == input_kind::index ? index_ok : real_ok || index_ok;
  if (ok) return;
  if (in.kind == input_kind::index) type_error(name, "expected int32 or int64 indices, got " + numpy_name(got));
  type_error(name, "is " + numpy_name(got) + " but the loss computes in " + numpy_name(loss_dtype) +
                       " (the first input's dtype)" +
                       (in.kind == input_kind::real_or_index ? ", or int32/int64 class indices" : ""));
}

const param_desc* find_param(const loss_spec& spec, std::string_view name) {
  for (const auto& d : spec.params())
    if (d.name == name) return &d;
  return nullptr;  // the library's resolve() rejects it, listing the known ones
}

}  // namespace

void check_input_dtypes(const loss_spec& spec, std::span<const tensor_ref> inputs) {
  const auto descs = spec.inputs();
  if (inputs.size() != descs.size())
    throw py::type_error(std::string(spec.name()) + " takes " + std::to_string(descs.size()) + " inputs, got " +
                         std::to_string(inputs.size()));
  const dtype loss_dtype = inputs[0].type;
  if (!is_floating(loss_dtype))
    type_error(std::string(descs[0].name), "expected float32 or float64, got " + numpy_name(loss_dtype));
  // 16-bit storage only where the loss has kernels for it: never a silent widening.
  const auto takes = spec.dtypes();
  if (std::find(takes.begin(), takes.end(), loss_dtype) == takes.end()) {
    std::string known;
    for (dtype t : takes) known += (known.empty() ? "" : ", ") + numpy_name(t);
    type_error(std::string(descs[0].name), "elements of " + numpy_name(loss_dtype) + " are not supported by " +
                                               std::string(spec.name()) + " (it takes " + known +
                                               "); convert explicitly, e.g. x.astype(numpy.float32), t.float()");
  }
  for (std::size_t i = 1; i < descs.size(); ++i) check_kind(descs[i], inputs[i].type, loss_dtype);
}

// Numbers and booleans as they are; arrays (weight, pos_weight) copied into the param_set, which
// owns its arrays ([C]: small). Absent (None) keeps torch's default.
param_set to_params(const loss_spec& spec, const py::dict& params, dtype loss_dtype) {
  param_set out;
  for (const auto& [key, value] : params) {
    const std::string name = py::str(key);
    if (value.is_none()) continue;
    const param_desc* desc = find_param(spec, name);
    const bool takes_array = desc && (desc->kind == param_kind::tensor || desc->kind == param_kind::real_or_tensor);
    if (py::isinstance<py::bool_>(value)) {
      out.set(name, value.cast<bool>() ? 1.0 : 0.0);
    } else if (py::isinstance<py::int_>(value) || py::isinstance<py::float_>(value)) {
      out.set(name, value.cast<double>());
    } else if (!takes_array && desc) {
      type_error(name, std::string("expected a ") + (desc->kind == param_kind::boolean ? "bool" : "number") + ", got " +
                           Py_TYPE(value.ptr())->tp_name);
    } else {
      const array_view v(value, name, access::read);
      if (v.ref().type != loss_dtype)
        type_error(name, "is " + numpy_name(v.ref().type) + " but the loss computes in " + numpy_name(loss_dtype));
      array copy(v.ref().type, v.ref().shape);  // [C]: small, and the param_set owns its arrays
      std::memcpy(copy.raw(), v.ref().data, copy.bytes());
      out.set(name, std::move(copy));
    }
  }
  return out;
}

std::string_view string_arg(const py::handle& h, const char* name) {
  if (!py::isinstance<py::str>(h)) type_error(name, std::string("expected a str, got ") + Py_TYPE(h.ptr())->tp_name);
  Py_ssize_t size = 0;
  const char* utf8 = PyUnicode_AsUTF8AndSize(h.ptr(), &size);
  if (!utf8) throw py::error_already_set();  // a lone surrogate: not encodable
  return {utf8, static_cast<std::size_t>(size)};
}

int threads_arg(const py::handle& h) {
  if (!py::isinstance<py::int_>(h) || py::isinstance<py::bool_>(h))
    type_error("threads", std::string("expected an int, got ") + Py_TYPE(h.ptr())->tp_name);
  int overflow = 0;
  const long long n = PyLong_AsLongLongAndOverflow(h.ptr(), &overflow);
  if (overflow || n < 0 || n > max_threads)
    throw error("threads", "must be in [0, " + std::to_string(max_threads) + "] (0: the process default), got " +
                               std::string(py::str(h)));
  return static_cast<int>(n);
}

// The reduction by torch's name, one the loss has (the library's message names the CLI's flag).
lossbench::reduction reduction_of(const loss_spec& spec, std::string_view name) {
  std::string known;
  for (auto r : spec.reductions()) {
    if (to_string(r) == name) return r;
    known += (known.empty() ? "'" : ", '") + std::string(to_string(r)) + "'";
  }
  throw error("reduction", "'" + std::string(name) + "' is not a reduction of " + std::string(spec.name()) +
                               " (expected " + known + ")");
}

bool target_gradient_is_minus_input(const loss_spec& spec) {
  const std::string_view n = spec.name();
  return n == "mse" || n == "mae" || n == "huber";
}

}  // namespace lossbench::python
