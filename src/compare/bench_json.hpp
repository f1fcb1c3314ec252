// bench_json.hpp — a Google Benchmark JSON file (`--benchmark_out=x.json`) read into runs: per
// benchmark, the times of its per-repetition rows (run_type "iteration"; aggregate rows — mean,
// median, stddev, cv — are skipped: the test needs the repetitions themselves) and its counters.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace lossbench::compare {

struct bench_run {
  std::string name;                        // run_name ("loss/variant/dtype/mode/n:N"), else name
  std::vector<double> times_ns;            // real_time of each repetition, in nanoseconds
  std::map<std::string, double> counters;  // of the first repetition (accuracy counters are per benchmark)
  std::string error;                       // error_message of a failed benchmark
};

// In file order. Throws lossbench::error naming `path` when it cannot be read or is not a
// Google Benchmark JSON file.
std::vector<bench_run> read_bench_json(const std::string& path);

}  // namespace lossbench::compare
