// roofline.cpp — measuring the ceilings (see roofline.hpp).
#include "roofline/roofline.hpp"

#include "core/parallel.hpp"
#include "roofline/probes.hpp"
#include "simd/arch.hpp"

#include <lossbench/isa.hpp>

#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>

namespace lossbench::roofline {

namespace {

using clock_type = std::chrono::steady_clock;

using stream_read_fn = float (*)(const float*, std::size_t);
template <class T>
using fma_fn = fma_result (*)(std::size_t, T);

stream_read_fn stream_read_kernel(isa i) {
  static constexpr auto table = simd::per_isa<stream_read_fn>([]<class Arch>() { return &stream_read_sum<Arch>; });
  return simd::for_isa(table, i);
}

template <class T>
fma_fn<T> fma_kernel(isa i) {
  static constexpr auto table = simd::per_isa<fma_fn<T>>([]<class Arch>() { return &fma_chains<Arch, T>; });
  return simd::for_isa(table, i);
}

// The machine's ceiling, not the user's: the best ISA the CPU runs, whatever LOSSBENCH_MAX_ISA says.
isa probe_isa() {
  for (isa i : compiled_isas())
    if (cpu_supports(i)) return i;
  return isa::sse2;  // every x86-64 has it
}

struct free_deleter {
  void operator()(float* p) const noexcept { std::free(p); }
};

// A buffer of `count` floats, 2 MiB-aligned (huge pages where the kernel offers them: fewer page
// faults and TLB misses, so the probe sees the memory, not the page tables), touched once.
std::unique_ptr<float[], free_deleter> touched_buffer(std::size_t count) {
  constexpr std::size_t align = 2u << 20;
  const std::size_t bytes = (count * sizeof(float) + align - 1) / align * align;
  auto* p = static_cast<float*>(std::aligned_alloc(align, bytes));
  if (!p) throw std::bad_alloc();
  madvise(p, bytes, MADV_HUGEPAGE);
  std::fill(p, p + bytes / sizeof(float), 1.0f);
  return std::unique_ptr<float[], free_deleter>(p);
}

struct read_job {
  const float* data;
  std::size_t per_thread;  // floats, a multiple of 16 (64 bytes)
  std::size_t passes;
  stream_read_fn kernel;
  std::atomic<float>* sink;
};

void read_share(void* ctx, int thread, int /*team*/) {
  auto& job = *static_cast<read_job*>(ctx);
  const float* mine = job.data + static_cast<std::size_t>(thread) * job.per_thread;
  float s = 0;
  for (std::size_t p = 0; p < job.passes; ++p) s += job.kernel(mine, job.per_thread);
  job.sink->store(s, std::memory_order_relaxed);  // keeps the sums observable
}

double seconds_of(read_job& job, int threads) {
  const auto t0 = clock_type::now();
  core::run_team(threads, read_share, &job);
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

template <class T>
struct fma_job {
  std::size_t rounds;
  fma_fn<T> kernel;
  std::atomic<double>* flops;
  std::atomic<double>* sink;
};

template <class T>
void fma_share(void* ctx, int thread, int /*team*/) {
  auto& job = *static_cast<fma_job<T>*>(ctx);
  const fma_result r = job.kernel(job.rounds, static_cast<T>(1 + thread));
  job.sink->store(r.value, std::memory_order_relaxed);
  double f = job.flops->load();
  while (!job.flops->compare_exchange_weak(f, f + r.flops)) {
  }
}

template <class T>
double peak_flops_of(int threads, double seconds, int trials) {
  std::atomic<double> flops{0}, sink{0};
  fma_job<T> job{1024, fma_kernel<T>(probe_isa()), &flops, &sink};
  double best = 0;
  for (int t = 0; t < trials; ++t) {
    double elapsed = 0;
    do {  // grow the round count until one trial lasts `seconds`
      flops = 0;
      const auto t0 = clock_type::now();
      core::run_team(threads, fma_share<T>, &job);
      elapsed = std::chrono::duration<double>(clock_type::now() - t0).count();
      if (elapsed < seconds) job.rounds *= 2;
    } while (elapsed < seconds && t == 0);
    best = std::max(best, flops.load() / elapsed);
  }
  return best;
}

}  // namespace

double measure_read_bandwidth(std::size_t working_set_bytes, int threads, double seconds, int trials) {
  threads = std::max(1, threads);
  const std::size_t per_thread = std::max<std::size_t>(16, working_set_bytes / sizeof(float) / threads / 16 * 16);
  const auto buffer = touched_buffer(per_thread * threads);
  std::atomic<float> sink{0};
  read_job job{buffer.get(), per_thread, 1, stream_read_kernel(probe_isa()), &sink};
  seconds_of(job, threads);  // warm-up: caches filled, threads spun up
  // Passes per trial such that one trial lasts `seconds`.
  const double one = std::max(1e-9, seconds_of(job, threads));
  job.passes = std::max<std::size_t>(1, static_cast<std::size_t>(seconds / one));
  double best = 0;
  const double bytes = static_cast<double>(per_thread) * sizeof(float) * threads * static_cast<double>(job.passes);
  for (int t = 0; t < trials; ++t) best = std::max(best, bytes / seconds_of(job, threads));
  return best;
}

double measure_peak_flops(dtype t, int threads, double seconds, int trials) {
  threads = std::max(1, threads);
  return t == dtype::f32 ? peak_flops_of<float>(threads, seconds, trials)
                         : peak_flops_of<double>(threads, seconds, trials);
}

std::vector<std::size_t> default_working_sets() {
  std::vector<std::size_t> sets;
  for (std::size_t ws = 16u << 10; ws <= (256u << 20); ws *= 4) sets.push_back(ws);
  return sets;
}

ceilings measure(std::span<const int> thread_counts, std::span<const std::size_t> working_sets, double seconds,
                 bool verbose) {
  ceilings c;
  for (int threads : thread_counts) {
    for (std::size_t ws : working_sets) {
      c.bandwidth.push_back({threads, ws, measure_read_bandwidth(ws, threads, seconds)});
      if (verbose)
        std::fprintf(stderr, "roofline: read %zu KiB on %d thread(s): %.1f GB/s\n", ws >> 10, threads,
                     c.bandwidth.back().bytes_per_second * 1e-9);
    }
    for (dtype t : {dtype::f32, dtype::f64}) {
      c.peak.push_back({t, threads, measure_peak_flops(t, threads, seconds)});
      if (verbose)
        std::fprintf(stderr, "roofline: %s multiply-add peak on %d thread(s): %.1f GFLOP/s\n",
                     std::string(to_string(t)).c_str(), threads, c.peak.back().flops_per_second * 1e-9);
    }
  }
  std::sort(c.bandwidth.begin(), c.bandwidth.end(), [](const auto& a, const auto& b) {
    return a.threads != b.threads ? a.threads < b.threads : a.working_set_bytes < b.working_set_bytes;
  });
  return c;
}

namespace {

// The largest measured thread count not above `threads` (else the smallest measured).
int measured_threads(const ceilings& c, int threads) {
  int best = 0, smallest = 0;
  for (const auto& b : c.bandwidth) {
    if (smallest == 0 || b.threads < smallest) smallest = b.threads;
    if (b.threads <= threads && b.threads > best) best = b.threads;
  }
  return best > 0 ? best : smallest;
}

}  // namespace

double ceilings::read_bandwidth(std::size_t footprint_bytes, int threads) const {
  const int t = measured_threads(*this, threads);
  double fallback = 0;
  for (const auto& b : bandwidth) {
    if (b.threads != t) continue;
    fallback = b.bytes_per_second;  // ascending: ends at the largest working set
    if (b.working_set_bytes >= footprint_bytes) return b.bytes_per_second;
  }
  return fallback;
}

double ceilings::dram_bandwidth(int threads) const { return read_bandwidth(~std::size_t{0}, threads); }

double ceilings::peak_flops(dtype t, int threads) const {
  const int want = measured_threads(*this, threads);
  for (const auto& p : peak)
    if (p.type == t && p.threads == want) return p.flops_per_second;
  return 0;
}

roof bound_of(const ceilings& c, double flops, double bytes, std::size_t footprint_bytes, dtype t, int threads) {
  const double bw = c.read_bandwidth(footprint_bytes, threads);
  const double memory_roof = bytes > 0 ? flops / bytes * bw : 0;  // FLOP/s the data can feed
  const double compute_roof = c.peak_flops(t, threads);
  if (memory_roof > 0 && (compute_roof <= 0 || memory_roof <= compute_roof)) return {memory_roof, true};
  return {compute_roof, false};
}

}  // namespace lossbench::roofline
