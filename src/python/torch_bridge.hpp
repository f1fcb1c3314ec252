// torch_bridge.hpp — the one call lossbench._core lends to lossbench._torch, the PyTorch extension
// (src/python/torch/), through a capsule. Both modules then run one copy of the library (one
// registry, one ISA ceiling, one tuning profile), and the extension links none of it: it hands over
// plain descriptions of its tensors and gets the value and gradients back in tensors it allocates.
// The call is C-style — 0, or −1 with a Python error set — because C++ exception types do not match
// across two modules built with hidden visibility.
#pragma once

#include <lossbench/types.hpp>  // dtype, an enum: nothing to link

#include <Python.h>

#include <cstdint>
#include <string_view>

namespace lossbench::python {

// One input as the extension sees it: a CPU tensor the kernel can read as it is, or why not.
struct bridge_input {
  const char* problem = nullptr;  // why it cannot be read as it is; the bridge raises TypeError naming the input
  dtype type = dtype::f32;
  int rank = 0;
  const std::int64_t* dims = nullptr;
  const void* data = nullptr;
  bool requires_grad = false;  // autograd will ask for this input's gradient
};

// Allocates one output of the loss dtype: slot −1 the per-sample losses (reduction "none"), slot
// i ≥ 0 the gradient of input i (its shape). Returns its memory, or nullptr with a Python error set.
using bridge_allocate = void* (*)(void* context, int slot, dtype type, int rank, const std::int64_t* dims);

struct bridge_call {
  // in: the Python arguments as the user gave them (checked as lossbench.run checks them)
  PyObject* loss = nullptr;
  PyObject* params = nullptr;  // dict
  PyObject* reduction = nullptr;
  PyObject* variant = nullptr;
  PyObject* threads = nullptr;
  const bridge_input* inputs = nullptr;
  int input_count = 0;
  bridge_allocate allocate = nullptr;
  void* context = nullptr;
  // out
  std::string_view loss_name;          // the catalogue's name of the loss (lives as long as _core)
  int losses_axis = 0;                 // where the per-sample losses' dimensions start in input 0's
  double value = 0;                    // the value, unless the reduction is "none"
  bool per_sample = false;             // reduction "none": the losses are in slot −1
  bool target_is_minus_input = false;  // input 1's gradient is minus input 0's (slot 1 not allocated)
};

struct bridge {
  const char* version;            // LOSSBENCH_VERSION of the _core lending it
  int (*run)(bridge_call& call);  // 0, or −1 with a Python error set
};

inline constexpr const char* bridge_capsule_name = "lossbench._core.torch_bridge";

// The capsule _core exports as `torch_bridge` (defined in _core only).
PyObject* make_bridge_capsule();

}  // namespace lossbench::python
