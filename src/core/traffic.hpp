// traffic.hpp — the compulsory memory traffic of one call, split into the bytes it must read and
// the bytes it must write: the roofline prices the two at their own bandwidths.
#pragma once

#include <lossbench/loss_spec.hpp>

#include <cstdint>
#include <span>

namespace lossbench::core {

struct compulsory_traffic {
  std::int64_t read = 0;     // every input, once
  std::int64_t written = 0;  // the gradients (with_grad) and the per-sample losses (reduction none), once
  std::int64_t total() const noexcept { return read + written; }
};

// The one place a loss's bytes are counted, from its input descriptions alone: each input is
// read, each differentiable input's gradient (its size) written when `with_grad`, and with
// reduction none the per-sample losses (losses_shape, in the first input's dtype) written.
compulsory_traffic traffic_of(const loss_spec& loss, std::span<const tensor_ref> in, bool with_grad, reduction r);

}  // namespace lossbench::core
