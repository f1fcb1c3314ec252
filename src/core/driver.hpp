// driver.hpp — generic drivers: how a loss's block kernel is walked over the work.
//
// A block kernel takes the half-open range [begin, end) of work items (elements, rows or
// sequences), writes that range's gradient / per-sample losses and returns its partial loss as a
// double. The block size is fixed by the shape alone (never by the thread count), and the
// partials are combined in block order with compensated summation, so the value's error does not
// grow with n and any driver that honours the block order gives bit-identical results.
#pragma once

#include "core/neumaier_sum.hpp"
#include "core/parallel.hpp"

#include <lossbench/loss_spec.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>

namespace lossbench::core {

template <class Problem>
using block_fn = double (*)(const Problem&, std::size_t begin, std::size_t end);

// A bound call: the typed problem plus how to cut it into blocks and scale the sum.
template <class Problem>
struct plan {
  Problem problem;
  std::size_t items = 0;     // work items
  std::size_t block = 4096;  // items per block (fixed by the shape)
  double value_scale = 1.0;  // mean: 1/N, sum and none: 1
};

// Where a kernel writes the per-sample losses: the caller's buffer with reduction none, else nowhere.
template <class T>
T* losses_out(const call& c) {
  return c.reduction == reduction::none ? static_cast<T*>(c.out.losses) : nullptr;
}

// Block partials combined in block order, compensated: the same bits on any thread count.
using ordered_sum = neumaier_sum<double>;

// ordered_sum's interface over a plain double sum: for f32 terms, where double's own rounding
// is already far below the terms' (a kernel picks one or the other by dtype).
class plain_sum {
 public:
  void add(double x) noexcept { sum_ += x; }
  double value() const noexcept { return sum_; }

 private:
  double sum_ = 0;
};

// A kernel that meets an input value outside the loss's domain raises the call's flag (any
// thread may: hence atomic); the adapter then asks the loss to name the value and throws.
inline void flag_invalid(bool* flag) noexcept {
  if (flag) std::atomic_ref<bool>(*flag).store(true, std::memory_order_relaxed);
}

template <class Problem>
double run_serial(block_fn<Problem> kernel, const plan<Problem>& p) {
  ordered_sum total;
  for (std::size_t b = 0; b < p.items; b += p.block) total.add(kernel(p.problem, b, std::min(p.items, b + p.block)));
  return total.value();
}

template <class Problem>
std::size_t block_count(const plan<Problem>& p) {
  return (p.items + p.block - 1) / p.block;
}

// Each block's partial into partial[b] (block_count(p) slots): on the calling thread with one
// thread or one block, else handed to `threads` OpenMP threads. Which thread runs which block
// varies; each partial depends on its block alone.
template <class Problem>
void block_partials_into(block_fn<Problem> kernel, const plan<Problem>& p, int threads, double* partial) {
  const std::size_t blocks = block_count(p);
  if (threads <= 1 || blocks < 2) {
    for (std::size_t b = 0; b < blocks; ++b)
      partial[b] = kernel(p.problem, b * p.block, std::min(p.items, (b + 1) * p.block));
    return;
  }
  struct context {
    block_fn<Problem> kernel;
    const plan<Problem>* p;
    double* partial;
  } ctx{kernel, &p, partial};
  parallel_for_blocks(
      blocks, threads,
      [](void* c, std::size_t b) {
        const auto& x = *static_cast<context*>(c);
        x.partial[b] = x.kernel(x.p->problem, b * x.p->block, std::min(x.p->items, (b + 1) * x.p->block));
      },
      &ctx);
}

// The OpenMP driver: the same blocks as run_serial, handed to threads; each block's partial goes
// to its own slot and the slots are combined in block order, so the result is bit-identical to
// run_serial's (and so to the serial `simd` variant's) for every thread count. One thread (the
// adapter asks for one below a loss's measured break-even size) or one block: run_serial on the
// calling thread, with no OpenMP region at all.
template <class Problem>
double run_parallel(block_fn<Problem> kernel, const plan<Problem>& p, int threads) {
  const std::size_t blocks = block_count(p);
  if (threads <= 1 || blocks < 2) return run_serial(kernel, p);
  double* partial = block_partials(blocks);
  block_partials_into(kernel, p, threads, partial);
  ordered_sum total;
  for (std::size_t b = 0; b < blocks; ++b) total.add(partial[b]);
  return total.value();
}

template <class Problem>
double run_driver(driver d, block_fn<Problem> kernel, const plan<Problem>& p, int threads) {
  return d == driver::omp ? run_parallel(kernel, p, threads) : run_serial(kernel, p);
}

}  // namespace lossbench::core
