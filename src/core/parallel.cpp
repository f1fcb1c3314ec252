// parallel.cpp — the only translation unit with OpenMP constructs (see parallel.hpp).
#include "core/parallel.hpp"

#include "core/environment.hpp"

#include <lossbench/threads.hpp>

#include <omp.h>

#include <lossbench/types.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <string>
#include <atomic>
#include <vector>

namespace lossbench {

namespace {
std::atomic<int> requested_threads{0};  // 0: OpenMP's default
}

int num_threads() {
  if (const int n = requested_threads.load(std::memory_order_relaxed); n > 0) return n;
  const int omp = omp_get_max_threads();
  if (omp > max_threads)
    throw error("OMP_NUM_THREADS",
                std::to_string(omp) + " threads; lossbench runs at most " + std::to_string(max_threads));
  return std::max(1, omp);
}

void set_num_threads(int n) {
  if (n > max_threads) throw error("threads", "at most " + std::to_string(max_threads) + ", got " + std::to_string(n));
  requested_threads.store(n < 0 ? 0 : n, std::memory_order_relaxed);
}

namespace core {

void parallel_for_blocks(std::size_t blocks, int threads, void (*body)(void*, std::size_t), void* ctx) {
  // Dynamic scheduling in chunks of ~1/8 of a thread's share: balances rows or sequences of
  // uneven cost (ctc) at one atomic increment per chunk.
  const auto n = static_cast<long long>(blocks);
  const long long chunk = std::max(1LL, n / (8LL * threads));
#pragma omp parallel for num_threads(threads) schedule(dynamic, chunk)
  for (long long b = 0; b < n; ++b) body(ctx, static_cast<std::size_t>(b));
}

void run_team(int threads, void (*body)(void*, int, int), void* ctx) {
#pragma omp parallel num_threads(threads)
  body(ctx, omp_get_thread_num(), omp_get_num_threads());
}

std::int64_t parallel_min_override() {
  static const std::int64_t value = environment::count("LOSSBENCH_PARALLEL_MIN", "an element count").value_or(-1);
  return value;
}

double* block_partials(std::size_t n) {
  thread_local std::vector<double> partials;
  if (partials.size() < n) partials.resize(n);
  return partials.data();
}

}  // namespace core
}  // namespace lossbench
