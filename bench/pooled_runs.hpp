// pooled_runs.hpp — one block per benchmark in a sweep's Google Benchmark JSON rows.
//
// A sweep may run a benchmark's repetitions in several passes (`lossbench report` runs one per
// pass over the whole sweep, and measures some benchmarks again in a second pass); Google Benchmark
// then reports each pass's runs, with or without aggregates, under the same name, and tools that
// read the file (compare.py, `lossbench compare`, the renderer) would see several results for one
// benchmark. pooled_runs gathers every repetition of a name into one block, numbered 0..k−1 with
// `repetitions` = k, followed by one set of aggregates recomputed over all k, as Google Benchmark
// computes them (mean, median, sample stddev, cv of the times and of every counter; iterations =
// k). A benchmark already reported as one block keeps its rows untouched.
#pragma once

#include <nlohmann/json.hpp>

namespace lossbench::bench {

nlohmann::json pooled_runs(const nlohmann::json& rows);

}  // namespace lossbench::bench
