// sweep_reporter.hpp — the Google Benchmark reporter of `lossbench report`: keeps every run as a
// row of Google Benchmark's JSON format (the fields its JSONReporter writes, so tools/compare.py
// reads the result), shows one progress line on stderr (what runs, how many of how many, time
// left), and after a benchmark rewrites the partial result file whole (at most once a second), so
// an interrupted sweep keeps what it measured.
#pragma once

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

namespace lossbench::bench {

class sweep_reporter final : public benchmark::BenchmarkReporter {
 public:
  // `total`: benchmarks that will run; `partial`: rewritten after each one (empty: none);
  // `label`: the progress line's prefix (the command).
  sweep_reporter(int total, std::filesystem::path partial, nlohmann::json context, std::string label = "report");

  // Called once per RunSpecifiedBenchmarks: a sweep may run its benchmarks in several batches.
  bool ReportContext(const Context& context) override;
  void ReportRuns(const std::vector<Run>& runs) override;
  void Finalize() override {}
  // Ends the progress line (after the last batch).
  void finish();
  // `more` benchmarks will run than announced (a second pass).
  void extend(int more) { total_ += more; }

  // {"context": ..., "benchmarks": [...]} with what has run so far, one block per benchmark name
  // (pooled_runs.hpp: a second pass's repetitions join the first's).
  nlohmann::json result() const;
  int failures() const noexcept { return failures_; }

 private:
  void show_progress(const std::string& name);

  int total_;
  int done_ = 0;
  int failures_ = 0;
  std::string last_name_;
  std::string label_;
  std::filesystem::path partial_;
  nlohmann::json context_;
  nlohmann::json rows_ = nlohmann::json::array();
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::optional<std::chrono::steady_clock::time_point> written_;  // the partial file's last rewrite
};

// One run as Google Benchmark's JSONReporter writes it.
nlohmann::json run_to_json(const benchmark::BenchmarkReporter::Run& run);

}  // namespace lossbench::bench
