// report_sweep.hpp — the measurement behind `lossbench report`: the roofline first, then one
// Google Benchmark per selected registry entry × mode × size of a ladder from in-cache to
// out-of-cache, in-process, with repetitions; returns report.json's content (Google Benchmark's
// JSON — context and benchmarks — plus the context's "lossbench" block and "lossbench_rows").
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace lossbench::bench {

struct sweep_settings {
  bool full = false;                   // --full: every variant and ISA, 8 sizes, 5 repetitions
  std::vector<std::string> losses;     // empty: all
  std::vector<std::string> variants;   // empty: scalar, simd, omp (quick) or all (full)
  std::vector<std::string> dtypes;     // empty: f32 and f64
  std::vector<int> threads;            // omp thread counts; empty: the default count (quick) or 1 and it (full)
  std::filesystem::path partial_path;  // rewritten after each benchmark; empty: none
  std::string sizes;                   // element counts replacing the ladder ("4k,1M"); empty: the ladder
};

nlohmann::json run_sweep(const sweep_settings& s);

}  // namespace lossbench::bench
