// sweep_reporter.cpp — see sweep_reporter.hpp.
#include "sweep_reporter.hpp"

#include "io/atomic_file.hpp"
#include "pooled_runs.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace lossbench::bench {

namespace {

std::string duration_text(double seconds) {
  const auto s = static_cast<long>(seconds + 0.5);
  return s >= 60 ? fmt::format("{}m{:02}s", s / 60, s % 60) : fmt::format("{}s", s);
}

// Google Benchmark's context keys, as its JSONReporter names them.
nlohmann::json google_benchmark_context(const benchmark::BenchmarkReporter::Context& c) {
  auto caches = nlohmann::json::array();
  for (const auto& cache : c.cpu_info.caches)
    caches.push_back(
        {{"type", cache.type}, {"level", cache.level}, {"size", cache.size}, {"num_sharing", cache.num_sharing}});
  return {{"host_name", c.sys_info.name},
          {"executable", benchmark::BenchmarkReporter::Context::executable_name
                             ? benchmark::BenchmarkReporter::Context::executable_name
                             : ""},
          {"num_cpus", c.cpu_info.num_cpus},
          {"mhz_per_cpu", static_cast<long>(c.cpu_info.cycles_per_second / 1e6 + 0.5)},
          {"cpu_scaling_enabled", c.cpu_info.scaling == benchmark::CPUInfo::ENABLED},
          {"caches", caches},
          {"load_avg", c.cpu_info.load_avg}};
}

}  // namespace

nlohmann::json run_to_json(const benchmark::BenchmarkReporter::Run& run) {
  using Run = benchmark::BenchmarkReporter::Run;
  nlohmann::json j = {{"name", run.benchmark_name()},
                      {"family_index", run.family_index},
                      {"per_family_instance_index", run.per_family_instance_index},
                      {"run_name", run.run_name.str()},
                      {"run_type", run.run_type == Run::RT_Iteration ? "iteration" : "aggregate"},
                      {"repetitions", run.repetitions},
                      {"threads", run.threads}};
  if (run.run_type == Run::RT_Iteration) j["repetition_index"] = run.repetition_index;
  if (run.run_type == Run::RT_Aggregate) {
    j["aggregate_name"] = run.aggregate_name;
    j["aggregate_unit"] = run.aggregate_unit == benchmark::kPercentage ? "percentage" : "time";
  }
  if (run.error_occurred) {
    j["error_occurred"] = true;
    j["error_message"] = run.error_message;
  }
  j["iterations"] = run.iterations;
  const bool percentage = run.run_type == Run::RT_Aggregate && run.aggregate_unit == benchmark::kPercentage;
  j["real_time"] = percentage ? run.real_accumulated_time : run.GetAdjustedRealTime();
  j["cpu_time"] = percentage ? run.cpu_accumulated_time : run.GetAdjustedCPUTime();
  j["time_unit"] = benchmark::GetTimeUnitString(run.time_unit);
  for (const auto& [name, counter] : run.counters) j[name] = counter.value;
  if (!run.report_label.empty()) j["label"] = run.report_label;
  return j;
}

sweep_reporter::sweep_reporter(int total, std::filesystem::path partial, nlohmann::json context, std::string label)
    : total_(total), label_(std::move(label)), partial_(std::move(partial)), context_(std::move(context)) {}

bool sweep_reporter::ReportContext(const Context& context) {
  nlohmann::json merged = google_benchmark_context(context);
  for (auto& [k, v] : context_.items()) merged[k] = v;  // ours first in meaning, theirs in shape
  context_ = std::move(merged);
  return true;
}

void sweep_reporter::ReportRuns(const std::vector<Run>& runs) {
  for (const Run& run : runs) {
    rows_.push_back(run_to_json(run));
    if (run.error_occurred) {
      ++failures_;
      std::fprintf(stderr, "\n%s: %s failed: %s\n", label_.c_str(), run.benchmark_name().c_str(),
                   run.error_message.c_str());
    }
  }
  // Google Benchmark reports a benchmark's repetitions, then its aggregates: count it once.
  if (runs.empty() || runs.front().run_name.str() == last_name_) return;
  last_name_ = runs.front().run_name.str();
  ++done_;
  show_progress(last_name_);
  // At most once a second: the whole result is rewritten each time, and a sweep runs thousands of
  // benchmarks (an interruption loses at most the last second).
  const auto now = std::chrono::steady_clock::now();
  if (!partial_.empty() && (!written_ || now - *written_ >= std::chrono::seconds(1))) {
    io::write_file_atomically(partial_, {result().dump(1)});
    written_ = now;
  }
}

// On a terminal one line rewritten in place; in a log (CI) a line every 5% of the sweep.
void sweep_reporter::show_progress(const std::string& name) {
  static const bool tty = ::isatty(STDERR_FILENO) != 0;
  if (!tty && done_ != total_ && done_ % std::max(1, total_ / 20) != 0) return;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double left = done_ > 0 ? elapsed / done_ * (total_ - done_) : 0;
  std::fprintf(stderr, "%s%s: [%d/%d] %s  %s elapsed, ~%s left%s", tty ? "\r\033[K" : "", label_.c_str(), done_, total_,
               name.c_str(), duration_text(elapsed).c_str(), duration_text(left).c_str(), tty ? "" : "\n");
  std::fflush(stderr);
}

void sweep_reporter::finish() {
  if (::isatty(STDERR_FILENO)) std::fputs("\n", stderr);
}

nlohmann::json sweep_reporter::result() const { return {{"context", context_}, {"benchmarks", pooled_runs(rows_)}}; }

}  // namespace lossbench::bench
