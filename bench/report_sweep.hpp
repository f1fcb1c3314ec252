// report_sweep.hpp — the measurement behind `lossbench report`: the roofline first, then one
// Google Benchmark per selected registry entry × mode × size of a ladder from in-cache to
// out-of-cache, in-process, with repetitions; returns report.json's content (Google Benchmark's
// JSON — context and benchmarks — plus the context's "lossbench" block and "lossbench_rows").
#pragma once

#include <lossbench/registry.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace lossbench::bench {

struct sweep_settings {
  bool full = false;                   // --full: every variant and ISA, 8 sizes, 5 repetitions
  std::vector<std::string> losses;     // empty: all
  std::vector<std::string> variants;   // empty: scalar, simd, omp (quick) or all (full)
  std::vector<std::string> dtypes;     // empty: f32 and f64; bf16, f16 where a loss has them
  std::vector<int> threads;            // omp thread counts; empty: the default count (quick) or 1 and it (full)
  std::filesystem::path partial_path;  // rewritten after each benchmark; empty: none
  std::string sizes;                   // element counts replacing the ladder ("4k,1M"); empty: the ladder
};

// The registry entries a sweep measures, and notes on what the selection left out (a loss without
// kernels in a dtype asked for: context.lossbench.notes). Unknown names, and a loss named with
// --loss that has none of the --dtype dtypes, are errors naming the option.
struct sweep_selection {
  std::function<bool(const entry&)> select;
  std::vector<std::string> notes;
};
sweep_selection select_entries(const sweep_settings& s);

nlohmann::json run_sweep(const sweep_settings& s);

}  // namespace lossbench::bench
