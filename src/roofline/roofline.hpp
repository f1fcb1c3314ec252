// roofline.hpp — the machine's ceilings, measured on the spot (never taken from a data sheet):
// streaming-read bandwidth and copy bandwidth (read one array, write another; ordinary and
// streaming stores) at a ladder of working sets (in-cache levels to DRAM) for each thread count,
// and the in-register multiply-add peak per dtype. A kernel that reads R and writes W compulsory
// bytes in a working set of F bytes on t threads is bounded by
//   memory time  = R / read_bw(F, t) + W / write_bw(F, t, stores),
//   bound        = min(peak FLOP/s, FLOPs / memory time),
// and "% of roofline" is its achieved rate over that bound. write_bw is the copy's cost beyond
// its reads: a copy of B bytes moves 2B in 2B / copy_bw, of which B / read_bw is reading, so
//   1 / write_bw = 2 / copy_bw − 1 / read_bw   (0 where the copy's writes cost nothing more).
// A kernel that writes nothing (W = 0) gets the read-only bound R / read_bw.
//
// Ceilings take the best of several trials: a ceiling is what the machine can attain, and on a
// shared machine every disturbance only makes a trial slower. A point whose trials could not be
// timed holds NaN ("not measured"; null in JSON) and lookups skip it.
#pragma once

#include <lossbench/types.hpp>

#include <cstddef>
#include <limits>
#include <span>
#include <vector>

namespace lossbench::roofline {

inline constexpr double not_measured = std::numeric_limits<double>::quiet_NaN();

// How a kernel writes: ordinary stores (through the caches, a read-for-ownership first) or
// streaming ones (simd/stream_store.hpp; element-wise gradients above core::streaming_min_bytes).
enum class store_kind { cached, streaming };
const char* to_string(store_kind s);

struct bandwidth_point {
  int threads = 1;
  std::size_t working_set_bytes = 0;  // in total, split evenly between the threads
  double bytes_per_second = 0;        // not_measured (NaN) where no trial could be timed
};

// The copy probe's figure: bytes read plus bytes written, per second.
struct copy_point {
  int threads = 1;
  std::size_t working_set_bytes = 0;  // source and destination together
  store_kind stores = store_kind::cached;
  double bytes_per_second = 0;  // not_measured (NaN) where no trial could be timed
};

struct flops_point {
  dtype type = dtype::f32;
  int threads = 1;
  double flops_per_second = 0;
};

struct ceilings {
  std::vector<bandwidth_point> bandwidth;  // read: ladder × thread counts, ascending working set
  std::vector<copy_point> copy;            // the same order; streaming stores only where kernels use them
  std::vector<flops_point> peak;

  // Read bandwidth for a kernel touching `footprint_bytes` on `threads` threads: the measured
  // point of the smallest working set that holds the footprint (the cache level it streams from),
  // else the largest measured, at the largest measured thread count not above `threads`. 0 when
  // nothing was measured.
  double read_bandwidth(std::size_t footprint_bytes, int threads) const;
  double dram_bandwidth(int threads) const;  // the largest working set
  // The copy probe's bandwidth, chosen as read_bandwidth chooses; for streaming stores, the
  // streaming point of that working set, the ordinary stores' one where streaming was not
  // measured there (the kernels stream only from core::streaming_min_bytes, where it is). 0 when
  // nothing was measured.
  double copy_bandwidth(std::size_t footprint_bytes, int threads, store_kind stores) const;
  // Bytes written per second of the time writes add to reads (see above): +infinity where the
  // copy took no longer than its reads alone; 0 when copy or read bandwidth was not measured.
  double write_bandwidth(std::size_t footprint_bytes, int threads, store_kind stores) const;
  double peak_flops(dtype t, int threads) const;
};

// The compulsory memory traffic of one call: every input read once, every output (gradients,
// per-sample losses) written once, and how the kernel stores them.
struct traffic {
  double read_bytes = 0;
  double written_bytes = 0;
  store_kind stores = store_kind::cached;
  double total() const { return read_bytes + written_bytes; }
};

struct roof {
  double bound_flops_per_second = 0;
  bool memory_bound = true;
  double memory_seconds = 0;  // the memory time of one call (0: the bandwidth was not measured)
};
// The roofline bound of a kernel doing `flops` with traffic `bytes`, its data in a working set of
// `footprint_bytes`. Where writes cannot be priced (no copy measurement: an older report), the
// written bytes are priced as reads, the model before writes were measured.
roof bound_of(const ceilings& c, double flops, const traffic& bytes, std::size_t footprint_bytes, dtype t, int threads);
// All `bytes` read: bound_of(c, flops, {bytes, 0}, ...).
roof bound_of(const ceilings& c, double flops, double bytes, std::size_t footprint_bytes, dtype t, int threads);

// Working sets of the bandwidth ladder: 16 KiB to 256 MiB in steps of 4×, so every cache level
// of current x86 parts has a point inside it, and the last is beyond any one socket's L3 (DRAM).
std::vector<std::size_t> default_working_sets();

// One figure each, best of `trials`, each trial streaming for at least `seconds`: the passes over
// each thread's share grow until a trial lasts that long, so a share too small to time alone (a
// 16 KiB working set on 16 threads) is timed over many passes rather than over one fork/join.
// not_measured (NaN) where even that fails (a clock that does not advance).
double measure_read_bandwidth(std::size_t working_set_bytes, int threads, double seconds, int trials = 5);
double measure_copy_bandwidth(std::size_t working_set_bytes, int threads, store_kind stores, double seconds,
                              int trials = 5);
double measure_peak_flops(dtype t, int threads, double seconds, int trials = 5);

// The whole ladder for each thread count: read and copy with ordinary stores at every working
// set, copy with streaming stores at the working sets from `streaming_from_bytes` on (where the
// kernels use them; the last working set at least). Each point is then raised to the best figure
// measured at a larger working set on the same or fewer threads (the best attainable; one
// disturbed trial set must not price a row's writes at a fraction of its neighbours). Progress:
// one line per point as measured on stderr when `verbose`.
ceilings measure(std::span<const int> thread_counts, std::span<const std::size_t> working_sets, double seconds,
                 std::size_t streaming_from_bytes, bool verbose = false);

}  // namespace lossbench::roofline
