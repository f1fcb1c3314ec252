// problem.hpp — the data one benchmark runs on: a small seeded pool of generated input sets,
// caller-owned gradient buffers, the prebuilt calls the timed loop cycles over, and (lazily) the
// long-double reference. Everything is allocated and touched here, before any timing.
//
// A problem depends on the loss, the dtype and the sample count only — not on the variant or the
// mode — so every variant and mode of one size shares one problem and one reference.
#pragma once

#include "core/traffic.hpp"

#include <lossbench/registry.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace lossbench::bench {

class problem {
 public:
  problem(const loss_spec& loss, dtype t, std::int64_t samples, std::int64_t width = 0);

  const loss_spec& loss() const noexcept { return *loss_; }
  dtype type() const noexcept { return type_; }
  std::int64_t samples() const noexcept { return samples_; }
  std::int64_t width() const noexcept { return width_; }

  // One call per pool entry, value-only or writing the gradients into this problem's buffers.
  std::span<const call> calls(bool with_grad) const { return with_grad ? grad_calls_ : value_calls_; }
  std::span<const array> grads() const { return grads_; }
  std::int64_t items() const;
  std::int64_t compulsory_bytes(bool with_grad) const;  // traffic(with_grad).total()
  // The compulsory bytes split into read and written (core::traffic_of, at this problem's reduction).
  core::compulsory_traffic traffic(bool with_grad) const;
  // Whether every input and the per-sample losses have the first input's shape: an element-wise
  // loss, whose SIMD kernels may write the gradient with streaming stores (core/streaming.hpp).
  bool elementwise() const;
  double flops(bool with_grad) const;  // nominal, per call (loss_spec::flops)
  // Bytes the timed loop cycles over (every pool entry's inputs, and the gradients): which cache
  // level the benchmark streams from.
  std::size_t footprint_bytes(bool with_grad) const;

  // The reference for pool entry 0 (computed on first use; per-sample losses dropped to save memory).
  const reference_result& reference();

  problem(const problem&) = delete;
  problem& operator=(const problem&) = delete;

 private:
  const loss_spec* loss_;
  dtype type_;
  std::int64_t samples_;
  std::int64_t width_;  // the generator's inner size (0: the loss's default)
  param_set params_;    // resolved once: the timed loop must not resolve or allocate
  reduction reduction_;
  std::vector<std::vector<array>> pool_;
  std::vector<std::vector<tensor_ref>> refs_;
  std::vector<array> grads_;
  std::vector<call> value_calls_, grad_calls_;
  std::optional<reference_result> reference_;
};

// The reduction benchmarks use: torch's default `mean` where the loss has it.
reduction benchmark_reduction(const loss_spec& loss);

// The one problem alive at a time: returns the cached problem if it matches, else frees it and
// builds the new one, so memory holds one size's data however many benchmarks are registered.
problem& current_problem(const loss_spec& loss, dtype t, std::int64_t samples, std::int64_t width = 0);

}  // namespace lossbench::bench
