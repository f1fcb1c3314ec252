// array_view.hpp — a Python object seen as a lossbench::tensor_ref, without copying: anything with
// the buffer protocol (numpy arrays, memoryviews, array.array) or DLPack (`__dlpack__`: torch CPU
// tensors). The view borrows the object's memory for as long as it lives and gives it back (buffer
// release, DLPack deleter) when it dies, with the GIL held.
//
// Only what a kernel can read as it is gets through: C-contiguous, native byte order, float32/float64,
// float16 (numpy's 'e', DLPack float16), bfloat16 (DLPack: torch) or int32/int64 elements, in CPU
// memory. Whether a loss takes 16-bit storage is the catalogue's question (check_input_dtypes). Anything else raises
// TypeError naming the argument; a copy that changed the data's dtype or layout behind the caller's back would make the
// result lie about what was computed.
#pragma once

#include <lossbench/types.hpp>

#include <pybind11/pybind11.h>

#include <string>

struct DLManagedTensor;

namespace lossbench::python {

enum class access : bool { read, write };

class array_view {
 public:
  array_view(pybind11::handle obj, std::string argument, access mode);
  ~array_view();
  array_view(array_view&& other) noexcept;
  array_view(const array_view&) = delete;
  array_view& operator=(const array_view&) = delete;
  array_view& operator=(array_view&&) = delete;

  const tensor_ref& ref() const noexcept { return ref_; }
  void* data() const noexcept { return const_cast<void*>(ref_.data); }
  const std::string& argument() const noexcept { return argument_; }

 private:
  void from_buffer(pybind11::handle obj, access mode);
  void from_dlpack(pybind11::handle obj);

  std::string argument_;
  tensor_ref ref_;
  Py_buffer buffer_{};
  bool has_buffer_ = false;
  DLManagedTensor* managed_ = nullptr;
};

// The error for a type-level mismatch (dtype, layout, device): TypeError "argument: message".
[[noreturn]] void type_error(const std::string& argument, const std::string& message);

}  // namespace lossbench::python
