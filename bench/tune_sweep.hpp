// tune_sweep.hpp — the measurement behind `lossbench tune`: for each loss × dtype × mode × size,
// every candidate way to run it (scalar, each simd:<isa>, omp at several thread counts), timed by
// Google Benchmark in-process with repetitions interleaved at random within each size (so that
// drift of a shared machine hits every candidate alike), summarised by the median; then the
// profile (src/tuning/profile.hpp) with each bucket's choice.
#pragma once

#include "tuning/profile.hpp"

#include <string>
#include <vector>

namespace lossbench::bench {

struct tune_settings {
  std::string rigor = "measure";    // estimate (no measurement), measure, patient
  double time_limit_s = 0;          // > 0: stop starting new sizes once the next would pass it
  std::vector<std::string> losses;  // empty: all
  std::vector<std::string> dtypes;  // empty: every dtype each loss has (f32, f64; bf16, f16 where it has them)
  std::string sizes;                // element counts replacing the rigor's ladder ("4k,1M"); empty: the ladder
};

// Candidates whose medians lie within this fraction of the fastest are tied, the difference being
// noise on a shared machine (the report's tie too): the heuristics' kernel, if tied, else the
// simplest (fewest threads, then serial before omp) wins.
inline constexpr double tie_fraction = 0.03;

tuning::profile run_tune(const tune_settings& s);

}  // namespace lossbench::bench
