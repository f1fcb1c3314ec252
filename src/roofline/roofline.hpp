// roofline.hpp — the machine's ceilings, measured on the spot (never taken from a data sheet):
// streaming-read bandwidth at a ladder of working sets (in-cache levels to DRAM) for each thread
// count, and the in-register multiply-add peak per dtype. A kernel's bound is then
//   min(peak FLOP/s, intensity × bandwidth of its working set),   intensity = FLOPs / compulsory bytes,
// and "% of roofline" is its achieved rate over that bound.
//
// Ceilings take the best of several trials: a ceiling is what the machine can attain, and on a
// shared machine every disturbance only makes a trial slower.
#pragma once

#include <lossbench/types.hpp>

#include <cstddef>
#include <span>
#include <vector>

namespace lossbench::roofline {

struct bandwidth_point {
  int threads = 1;
  std::size_t working_set_bytes = 0;  // in total, split evenly between the threads
  double bytes_per_second = 0;
};

struct flops_point {
  dtype type = dtype::f32;
  int threads = 1;
  double flops_per_second = 0;
};

struct ceilings {
  std::vector<bandwidth_point> bandwidth;  // ladder × thread counts, ascending working set
  std::vector<flops_point> peak;

  // Read bandwidth for a kernel touching `footprint_bytes` on `threads` threads: the point of the
  // smallest measured working set that holds the footprint (the cache level it streams from),
  // at the largest measured thread count not above `threads`. 0 when nothing was measured.
  double read_bandwidth(std::size_t footprint_bytes, int threads) const;
  double dram_bandwidth(int threads) const;  // the largest working set
  double peak_flops(dtype t, int threads) const;
};

struct roof {
  double bound_flops_per_second = 0;
  bool memory_bound = true;
};
// The roofline bound of a kernel doing `flops` over `bytes` compulsory bytes, its data in a
// working set of `footprint_bytes`.
roof bound_of(const ceilings& c, double flops, double bytes, std::size_t footprint_bytes, dtype t, int threads);

// Working sets of the bandwidth ladder: 16 KiB to 256 MiB in steps of 4×, so every cache level
// of current x86 parts has a point inside it, and the last is beyond any one socket's L3 (DRAM).
std::vector<std::size_t> default_working_sets();

// One figure each, best of `trials`, each trial streaming for at least `seconds`.
double measure_read_bandwidth(std::size_t working_set_bytes, int threads, double seconds, int trials = 5);
double measure_peak_flops(dtype t, int threads, double seconds, int trials = 5);

// The whole ladder for each thread count (progress: one line per point on stderr when `verbose`).
ceilings measure(std::span<const int> thread_counts, std::span<const std::size_t> working_sets, double seconds,
                 bool verbose = false);

}  // namespace lossbench::roofline
