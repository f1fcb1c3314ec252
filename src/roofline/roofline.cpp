// roofline.cpp — measuring the ceilings (see roofline.hpp).
#include "roofline/roofline.hpp"

#include "core/parallel.hpp"
#include "core/streaming.hpp"
#include "roofline/probes.hpp"
#include "simd/arch.hpp"

#include <lossbench/isa.hpp>

#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <thread>

namespace lossbench::roofline {

namespace {

using clock_type = std::chrono::steady_clock;

using stream_read_fn = float (*)(const float*, std::size_t, bool);
using stream_copy_fn = void (*)(const float*, float*, std::size_t, bool);
template <class T>
using fma_fn = fma_result (*)(std::size_t, T);

stream_read_fn stream_read_kernel(isa i) {
  static constexpr auto table = simd::per_isa<stream_read_fn>([]<class Arch>() { return &stream_read_sum<Arch>; });
  return simd::for_isa(table, i);
}

stream_copy_fn stream_copy_kernel(isa i, store_kind stores) {
  static constexpr auto cached = simd::per_isa<stream_copy_fn>([]<class Arch>() { return &stream_copy<Arch, false>; });
  static constexpr auto streaming =
      simd::per_isa<stream_copy_fn>([]<class Arch>() { return &stream_copy<Arch, true>; });
  return simd::for_isa(stores == store_kind::streaming ? streaming : cached, i);
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

// The time a team spends on its shares, from a common start: the threads meet at a barrier first,
// and the time runs from the first thread leaving it to the last one finishing. The team's
// fork/join stays outside: on a loaded VM waking a sleeping OpenMP thread takes milliseconds, more
// than a pass over a small share (timing the whole team gave 0.0 GB/s at 16 KiB on 16 threads,
// and at 16–256 KiB on 2 threads of a busy 2-core VM). The barrier yields while it waits, so a
// team larger than the cores still meets.
class team_timer {
 public:
  void reset() {
    arrived_ = 0;
    start_ = std::numeric_limits<std::int64_t>::max();
    end_ = std::numeric_limits<std::int64_t>::min();
  }
  void begin(int team) {
    arrived_.fetch_add(1);
    while (arrived_.load() < team) std::this_thread::yield();
    const std::int64_t t = now();
    for (std::int64_t s = start_.load(); t < s && !start_.compare_exchange_weak(s, t);) {
    }
  }
  void end() {
    const std::int64_t t = now();
    for (std::int64_t e = end_.load(); t > e && !end_.compare_exchange_weak(e, t);) {
    }
  }
  double seconds() const { return static_cast<double>(end_.load() - start_.load()) * 1e-9; }

 private:
  static std::int64_t now() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now().time_since_epoch()).count();
  }
  std::atomic<int> arrived_{0};
  std::atomic<std::int64_t> start_{0}, end_{0};
};

// One probe over the team: each thread passes over its own share `passes` times. Read: sums
// data's share (dst null); copy: copies src's share to dst's.
struct stream_job {
  const float* src;
  float* dst;              // null for the read probe
  std::size_t per_thread;  // floats, a multiple of 16 (64 bytes)
  std::size_t passes = 1;
  bool ahead = false;  // requests lines ahead where a kernel's arrays would (core::from_memory)
  stream_read_fn read = nullptr;
  stream_copy_fn copy = nullptr;
  std::atomic<float>* sink;
  team_timer timer{};
};

void stream_share(void* ctx, int thread, int team) {
  auto& job = *static_cast<stream_job*>(ctx);
  const std::size_t at = static_cast<std::size_t>(thread) * job.per_thread;
  float s = 0;
  job.timer.begin(team);
  if (job.dst) {
    for (std::size_t p = 0; p < job.passes; ++p) job.copy(job.src + at, job.dst + at, job.per_thread, job.ahead);
    s = job.dst[at];
  } else {
    for (std::size_t p = 0; p < job.passes; ++p) s += job.read(job.src + at, job.per_thread, job.ahead);
  }
  job.timer.end();
  job.sink->store(s, std::memory_order_relaxed);  // keeps the results observable
}

double seconds_of(stream_job& job, int threads) {
  job.timer.reset();
  core::run_team(threads, stream_share, &job);
  return job.timer.seconds();
}

// Best of `trials` of job's bytes per pass over the team: the passes per trial grow until one
// trial lasts `seconds` (team_timer's time), however small each thread's share. not_measured
// where no trial could be timed.
double best_rate(stream_job& job, int threads, double bytes_per_pass, double seconds, int trials) {
  seconds_of(job, threads);  // warm-up: caches filled, threads spun up
  // Calibration on the fastest of three trials: one trial slowed by another process (a thread
  // descheduled for a few milliseconds) would otherwise stop the growth at a share of a few
  // microseconds, which every later trial then times with the same disturbance.
  const auto fastest = [&](int n) {
    double best = std::numeric_limits<double>::infinity();
    for (int k = 0; k < n; ++k) best = std::min(best, seconds_of(job, threads));
    return best;
  };
  constexpr std::size_t max_passes = std::size_t{1} << 40;
  double elapsed = fastest(3);
  for (; elapsed < seconds && job.passes < max_passes; elapsed = fastest(3)) {
    // Straight to the estimate once a trial is long enough to time, doubling before that.
    const double grow = elapsed > seconds / 16 ? seconds / elapsed * 1.1 : 2.0;
    job.passes = std::max(job.passes + 1, static_cast<std::size_t>(static_cast<double>(job.passes) * grow));
  }
  // The last calibration round's three trials count among the `trials`.
  const double bytes = bytes_per_pass * static_cast<double>(job.passes);
  double best = elapsed > 0 && std::isfinite(elapsed) ? bytes / elapsed : 0;
  for (int t = 3; t < trials; ++t) {
    const double s = seconds_of(job, threads);
    if (s > 0 && std::isfinite(s)) best = std::max(best, bytes / s);
  }
  return best > 0 && std::isfinite(best) ? best : not_measured;
}

// The ceilings as the best attainable: a point is raised to any measured point of a larger working
// set at the same or fewer threads (with the same stores) — a machine that streamed that fast from
// further out, or with threads to spare, can do it here — so one disturbed point (a copy at 0.7 of
// its neighbours' 100+ GB/s on a busy VM) cannot price a row's writes absurdly. Not measured stays.
template <class Points, class Same>
void envelope(Points& points, Same same) {
  const auto measured = points;
  for (auto& p : points) {
    if (!(p.bytes_per_second > 0)) continue;
    for (const auto& q : measured)
      if (same(p, q) && q.threads <= p.threads && q.working_set_bytes >= p.working_set_bytes &&
          q.bytes_per_second > p.bytes_per_second)
        p.bytes_per_second = q.bytes_per_second;
  }
}

// Floats per thread for a working set of `floats` in all: whole 64-byte lines, at least 4 KiB
// (the probes' unrolled loops, not their scalar tails, must run on it).
std::size_t share_of(std::size_t floats, int threads) {
  return std::max<std::size_t>(1024, floats / static_cast<std::size_t>(threads) / 16 * 16);
}

template <class T>
struct fma_job {
  std::size_t rounds;
  fma_fn<T> kernel;
  std::atomic<double>* flops;
  std::atomic<double>* sink;
  team_timer timer{};
};

template <class T>
void fma_share(void* ctx, int thread, int team) {
  auto& job = *static_cast<fma_job<T>*>(ctx);
  job.timer.begin(team);
  const fma_result r = job.kernel(job.rounds, static_cast<T>(1 + thread));
  job.timer.end();
  job.sink->store(r.value, std::memory_order_relaxed);
  double f = job.flops->load();
  while (!job.flops->compare_exchange_weak(f, f + r.flops)) {
  }
}

template <class T>
double peak_flops_of(int threads, double seconds, int trials) {
  std::atomic<double> flops{0}, sink{0};
  fma_job<T> job{1024, fma_kernel<T>(probe_isa()), &flops, &sink, {}};
  double best = 0;
  for (int t = 0; t < trials; ++t) {
    double elapsed = 0;
    do {  // grow the round count until one trial lasts `seconds` (team_timer's time)
      flops = 0;
      job.timer.reset();
      core::run_team(threads, fma_share<T>, &job);
      elapsed = job.timer.seconds();
      if (elapsed < seconds) job.rounds *= 2;
    } while (elapsed < seconds && t == 0);
    if (elapsed > 0) best = std::max(best, flops.load() / elapsed);
  }
  return best;
}

}  // namespace

double measure_read_bandwidth(std::size_t working_set_bytes, int threads, double seconds, int trials) {
  threads = std::max(1, threads);
  const std::size_t per_thread = share_of(working_set_bytes / sizeof(float), threads);
  const auto buffer = touched_buffer(per_thread * threads);
  std::atomic<float> sink{0};
  const double bytes = static_cast<double>(per_thread) * sizeof(float) * threads;
  const bool ahead = core::from_memory(static_cast<std::size_t>(bytes));
  stream_job job{buffer.get(), nullptr, per_thread, 1, ahead, stream_read_kernel(probe_isa()), nullptr, &sink, {}};
  return best_rate(job, threads, bytes, seconds, trials);
}

double measure_copy_bandwidth(std::size_t working_set_bytes, int threads, store_kind stores, double seconds,
                              int trials) {
  threads = std::max(1, threads);
  const std::size_t per_thread = share_of(working_set_bytes / sizeof(float) / 2, threads);
  const auto src = touched_buffer(per_thread * threads), dst = touched_buffer(per_thread * threads);
  std::atomic<float> sink{0};
  const double bytes = 2.0 * static_cast<double>(per_thread) * sizeof(float) * threads;  // read + written
  const bool ahead = core::from_memory(static_cast<std::size_t>(bytes));
  stream_job job{src.get(), dst.get(), per_thread, 1, ahead, nullptr, stream_copy_kernel(probe_isa(), stores),
                 &sink,     {}};
  return best_rate(job, threads, bytes, seconds, trials);
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
                 std::size_t streaming_from_bytes, bool verbose) {
  ceilings c;
  const std::size_t largest = working_sets.empty() ? 0 : *std::max_element(working_sets.begin(), working_sets.end());
  const auto say = [&](const char* what, std::size_t ws, int threads, double bps) {
    if (!verbose) return;
    if (std::isnan(bps))
      std::fprintf(stderr, "roofline: %s %zu KiB on %d thread(s): not measured\n", what, ws >> 10, threads);
    else
      std::fprintf(stderr, "roofline: %s %zu KiB on %d thread(s): %.1f GB/s\n", what, ws >> 10, threads, bps * 1e-9);
  };
  for (int threads : thread_counts) {
    for (std::size_t ws : working_sets) {
      c.bandwidth.push_back({threads, ws, measure_read_bandwidth(ws, threads, seconds)});
      say("read", ws, threads, c.bandwidth.back().bytes_per_second);
      c.copy.push_back(
          {threads, ws, store_kind::cached, measure_copy_bandwidth(ws, threads, store_kind::cached, seconds)});
      say("copy", ws, threads, c.copy.back().bytes_per_second);
      if (ws >= streaming_from_bytes || ws == largest) {
        c.copy.push_back(
            {threads, ws, store_kind::streaming, measure_copy_bandwidth(ws, threads, store_kind::streaming, seconds)});
        say("copy (streaming stores)", ws, threads, c.copy.back().bytes_per_second);
      }
    }
    for (dtype t : {dtype::f32, dtype::f64}) {
      c.peak.push_back({t, threads, measure_peak_flops(t, threads, seconds)});
      if (verbose)
        std::fprintf(stderr, "roofline: %s multiply-add peak on %d thread(s): %.1f GFLOP/s\n",
                     std::string(to_string(t)).c_str(), threads, c.peak.back().flops_per_second * 1e-9);
    }
  }
  const auto order = [](const auto& a, const auto& b) {
    return a.threads != b.threads ? a.threads < b.threads : a.working_set_bytes < b.working_set_bytes;
  };
  std::stable_sort(c.bandwidth.begin(), c.bandwidth.end(), order);
  std::stable_sort(c.copy.begin(), c.copy.end(), order);
  envelope(c.bandwidth, [](const auto&, const auto&) { return true; });
  envelope(c.copy, [](const copy_point& a, const copy_point& b) { return a.stores == b.stores; });
  return c;
}

const char* to_string(store_kind s) { return s == store_kind::streaming ? "streaming" : "cached"; }

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

namespace {

// The point of `points` (ascending working set) for a footprint, as read_bandwidth describes;
// `keep` selects the points considered. Null when none is measured.
template <class Points, class Keep>
const typename Points::value_type* lookup(const Points& points, std::size_t footprint_bytes, int threads, Keep keep) {
  const typename Points::value_type* fallback = nullptr;
  for (const auto& b : points) {
    if (b.threads != threads || !keep(b) || !(b.bytes_per_second > 0)) continue;  // NaN: not measured
    fallback = &b;  // ascending: ends at the largest measured working set
    if (b.working_set_bytes >= footprint_bytes) return &b;
  }
  return fallback;
}

template <class Point>
double rate(const Point* p) {
  return p ? p->bytes_per_second : 0;
}

}  // namespace

double ceilings::read_bandwidth(std::size_t footprint_bytes, int threads) const {
  return rate(lookup(bandwidth, footprint_bytes, measured_threads(*this, threads), [](const auto&) { return true; }));
}

double ceilings::dram_bandwidth(int threads) const { return read_bandwidth(~std::size_t{0}, threads); }

double ceilings::copy_bandwidth(std::size_t footprint_bytes, int threads, store_kind stores) const {
  const int t = measured_threads(*this, threads);
  const copy_point* ordinary =
      lookup(copy, footprint_bytes, t, [](const copy_point& b) { return b.stores == store_kind::cached; });
  if (ordinary && stores == store_kind::streaming) {
    const std::size_t ws = ordinary->working_set_bytes;  // the streaming point of the same working set
    for (const auto& b : copy)
      if (b.threads == t && b.stores == stores && b.working_set_bytes == ws && b.bytes_per_second > 0)
        return b.bytes_per_second;
  }
  return rate(ordinary);
}

double ceilings::write_bandwidth(std::size_t footprint_bytes, int threads, store_kind stores) const {
  const double copy_bw = copy_bandwidth(footprint_bytes, threads, stores);
  const double read_bw = read_bandwidth(footprint_bytes, threads);
  if (!(copy_bw > 0) || !(read_bw > 0)) return 0;
  const double seconds_per_byte = 2 / copy_bw - 1 / read_bw;
  return seconds_per_byte > 0 ? 1 / seconds_per_byte : std::numeric_limits<double>::infinity();
}

double ceilings::peak_flops(dtype t, int threads) const {
  const int want = measured_threads(*this, threads);
  for (const auto& p : peak)
    if (p.type == t && p.threads == want) return p.flops_per_second;
  return 0;
}

roof bound_of(const ceilings& c, double flops, const traffic& bytes, std::size_t footprint_bytes, dtype t,
              int threads) {
  const double read_bw = c.read_bandwidth(footprint_bytes, threads);
  double seconds = 0;
  if (read_bw > 0 && bytes.total() > 0) {
    const double write_bw = bytes.written_bytes > 0 ? c.write_bandwidth(footprint_bytes, threads, bytes.stores) : 0;
    seconds = write_bw > 0 ? bytes.read_bytes / read_bw + bytes.written_bytes / write_bw  // 1/inf = 0
                           : bytes.total() / read_bw;  // writes not measured: priced as reads
  }
  const double memory_roof = seconds > 0 ? flops / seconds : 0;  // FLOP/s the data can feed
  const double compute_roof = c.peak_flops(t, threads);
  if (memory_roof > 0 && (compute_roof <= 0 || memory_roof <= compute_roof)) return {memory_roof, true, seconds};
  return {compute_roof, false, seconds};
}

roof bound_of(const ceilings& c, double flops, double bytes, std::size_t footprint_bytes, dtype t, int threads) {
  return bound_of(c, flops, traffic{bytes, 0, store_kind::cached}, footprint_bytes, t, threads);
}

}  // namespace lossbench::roofline
