// array_view.cpp — buffer protocol and DLPack to tensor_ref (see array_view.hpp).
#include "python/array_view.hpp"

#include <dlpack/dlpack.h>

#include <array>
#include <cstring>
#include <utility>

namespace py = pybind11;

namespace lossbench::python {

void type_error(const std::string& argument, const std::string& message) {
  throw py::type_error(argument + ": " + message);
}

namespace {

constexpr const char* supported = "float32, float64, float16, bfloat16 (torch), int32 or int64";

// struct-module format of one element → dtype. Native or little-endian only ('=', '<', '@').
dtype dtype_of_format(const char* format, Py_ssize_t itemsize, const std::string& argument) {
  std::string_view f = format ? format : "B";
  if (!f.empty() && (f[0] == '@' || f[0] == '=' || f[0] == '<'))
    f.remove_prefix(1);
  else if (!f.empty() && (f[0] == '>' || f[0] == '!'))
    type_error(argument, "big-endian data; lossbench reads native byte order");
  if (f == "f" && itemsize == 4) return dtype::f32;
  if (f == "d" && itemsize == 8) return dtype::f64;
  if (f == "e" && itemsize == 2) return dtype::f16;
  if ((f == "i" || f == "l" || f == "q") && itemsize == 4) return dtype::i32;
  if ((f == "i" || f == "l" || f == "q") && itemsize == 8) return dtype::i64;
  const char* what = f == "?" ? "bool" : nullptr;
  type_error(argument, std::string("elements of ") + (what ? what : "format '" + std::string(f) + "'") +
                           " are not supported; expected " + supported +
                           " (convert explicitly, e.g. "
                           "x.astype(numpy.float32))");
}

shape shape_of(int ndim, const auto* dims, const std::string& argument) {
  if (ndim > shape::max_rank)
    throw error(argument,
                std::to_string(ndim) + " dimensions; at most " + std::to_string(shape::max_rank) + " are supported");
  std::array<std::int64_t, shape::max_rank> d{};
  for (int i = 0; i < ndim; ++i) d[static_cast<std::size_t>(i)] = static_cast<std::int64_t>(dims[i]);
  return shape(std::span<const std::int64_t>(d.data(), static_cast<std::size_t>(ndim)));
}

dtype dtype_of_dlpack(DLDataType t, const std::string& argument) {
  if (t.lanes == 1 && t.code == kDLFloat && t.bits == 32) return dtype::f32;
  if (t.lanes == 1 && t.code == kDLFloat && t.bits == 64) return dtype::f64;
  if (t.lanes == 1 && t.code == kDLFloat && t.bits == 16) return dtype::f16;
  if (t.lanes == 1 && t.code == kDLBfloat && t.bits == 16) return dtype::bf16;
  if (t.lanes == 1 && t.code == kDLInt && t.bits == 32) return dtype::i32;
  if (t.lanes == 1 && t.code == kDLInt && t.bits == 64) return dtype::i64;
  const std::string what = t.code == kDLBfloat  ? "bfloat" + std::to_string(t.bits)
                           : t.code == kDLFloat ? "float" + std::to_string(t.bits)
                           : t.code == kDLInt   ? "int" + std::to_string(t.bits)
                           : t.code == kDLUInt  ? "uint" + std::to_string(t.bits)
                                                : "DLPack type code " + std::to_string(t.code);
  type_error(argument, "elements of " + what + " are not supported; expected " + supported +
                           " (convert explicitly, e.g. t.float())");
}

// C order: each stride (in elements) is the product of the later dimensions; size-1 dimensions
// may carry any stride (torch gives them one), and a tensor with no elements is contiguous.
bool c_contiguous(const DLTensor& t) {
  if (!t.strides) return true;
  std::int64_t expected = 1;
  for (int i = t.ndim - 1; i >= 0; --i) {
    if (t.shape[i] == 0) return true;
    if (t.shape[i] != 1 && t.strides[i] != expected) return false;
    expected *= t.shape[i];
  }
  return true;
}

}  // namespace

array_view::array_view(py::handle obj, std::string argument, access mode) : argument_(std::move(argument)) {
  if (PyObject_CheckBuffer(obj.ptr()))
    from_buffer(obj, mode);
  else if (py::hasattr(obj, "__dlpack__"))
    from_dlpack(obj);
  else
    type_error(argument_,
               "expected an array (a numpy array or a torch CPU tensor: the buffer protocol or "
               "DLPack), got " +
                   std::string(Py_TYPE(obj.ptr())->tp_name));
}

void array_view::from_buffer(py::handle obj, access mode) {
  const int flags = mode == access::write ? PyBUF_RECORDS : PyBUF_RECORDS_RO;
  if (PyObject_GetBuffer(obj.ptr(), &buffer_, flags) != 0) {
    py::error_already_set e;  // the exporter's reason, e.g. "buffer source array is read-only"
    type_error(argument_, std::string(mode == access::write ? "not a writable buffer: " : "not a readable buffer: ") +
                              std::string(py::str(e.value())));
  }
  has_buffer_ = true;
  const dtype t = dtype_of_format(buffer_.format, buffer_.itemsize, argument_);
  if (!PyBuffer_IsContiguous(&buffer_, 'C'))
    type_error(argument_, "not C-contiguous; pass a contiguous array (numpy.ascontiguousarray(x), t.contiguous())");
  ref_ = tensor_ref{t, shape_of(buffer_.ndim, buffer_.shape, argument_), buffer_.buf};
}

void array_view::from_dlpack(py::handle obj) {
  py::object capsule;
  try {
    capsule = obj.attr("__dlpack__")();
  } catch (py::error_already_set& e) {
    const bool requires_grad = py::hasattr(obj, "requires_grad") && py::bool_(obj.attr("requires_grad"));
    type_error(
        argument_,
        "its __dlpack__ failed (" + std::string(py::str(e.value())) + ")" +
            (requires_grad ? "; a torch tensor that requires grad needs .detach(), or use lossbench.torch" : ""));
  }
  auto* managed = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(capsule.ptr(), "dltensor"));
  if (!managed) {
    PyErr_Clear();
    type_error(argument_, "__dlpack__ did not return a 'dltensor' capsule");
  }
  // The capsule is ours now: renaming it tells its destructor not to free it (DLPack's protocol);
  // the deleter runs when this view dies.
  PyCapsule_SetName(capsule.ptr(), "used_dltensor");
  managed_ = managed;
  const DLTensor& t = managed->dl_tensor;
  if (t.device.device_type != kDLCPU)
    type_error(argument_, "lives on a device (DLPack device type " + std::to_string(t.device.device_type) +
                              "), not in CPU memory; lossbench runs on the CPU (move it with .cpu())");
  const dtype type = dtype_of_dlpack(t.dtype, argument_);
  if (!c_contiguous(t)) type_error(argument_, "not C-contiguous; pass a contiguous tensor (t.contiguous())");
  ref_ = tensor_ref{type, shape_of(t.ndim, t.shape, argument_), static_cast<const char*>(t.data) + t.byte_offset};
}

array_view::array_view(array_view&& o) noexcept
    : argument_(std::move(o.argument_)),
      ref_(o.ref_),
      buffer_(o.buffer_),
      has_buffer_(std::exchange(o.has_buffer_, false)),
      managed_(std::exchange(o.managed_, nullptr)) {}

array_view::~array_view() {
  if (has_buffer_) PyBuffer_Release(&buffer_);
  if (managed_ && managed_->deleter) managed_->deleter(managed_);
}

}  // namespace lossbench::python
