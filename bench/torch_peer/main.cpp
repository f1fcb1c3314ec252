// main.cpp — lossbench_torch_peer: lossbench against PyTorch in C++, where neither side pays
// Python. For each cell (loss, dtype, items, threads), on the same data (lossbench's generated
// problem, which torch reads through from_blob), two Google Benchmarks:
//   torch_peer/<loss>/<dtype>/n:<items>/threads:<t>/torch      ATen's loss + autograd backward
//   torch_peer/<loss>/<dtype>/n:<items>/threads:<t>/lossbench  lossbench::evaluate, value + gradient
// A cell's repetitions are interleaved (Google Benchmark's random interleaving) and compared by
// their medians. A cell torch has no CPU kernel for (some losses in bf16 and f16) is a row with
// "unsupported" (torch's message) instead of times. `lossbench report --peer torch` runs it through
// scripts/torch_peer.py.
//
//   lossbench_torch_peer --cells mse:f32:4096:1,cross_entropy:f32:262144:2 [--repetitions 5]
//                        [--min-time 0.02] [--json FILE]
#include "problem.hpp"
#include "torch_losses.hpp"

#include <lossbench/losses.hpp>
#include <lossbench/registry.hpp>

#include <ATen/Parallel.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/variable.h>
#include <torch/version.h>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace lossbench::bench {
namespace {

struct cell {
  const loss_spec* loss;
  dtype type;
  std::int64_t items;
  int threads;
  std::string prefix() const {
    return "torch_peer/" + std::string(loss->name()) + "/" + std::string(to_string(type)) +
           "/n:" + std::to_string(items) + "/threads:" + std::to_string(threads) + "/";
  }
};

// "loss:dtype:items:threads,..." (items: the prediction tensor's elements, as in report.json).
std::vector<cell> parse_cells(const std::string& text) {
  std::vector<cell> cells;
  std::stringstream all(text);
  for (std::string item; std::getline(all, item, ',');) {
    std::stringstream parts(item);
    std::string loss, type, items, threads;
    if (!std::getline(parts, loss, ':') || !std::getline(parts, type, ':') || !std::getline(parts, items, ':') ||
        !std::getline(parts, threads, ':'))
      throw error("--cells", "'" + item + "' is not loss:dtype:items:threads");
    cell c{&find_loss(loss, "--cells"), parse_dtype(type), 0, 0};
    try {
      c.items = std::stoll(items);
      c.threads = std::stoi(threads);
    } catch (const std::exception&) {
      throw error("--cells", "'" + item + "': items and threads are integers");
    }
    if (!is_floating(c.type) || c.items < 1 || c.threads < 1)
      throw error("--cells", "'" + item + "': a float dtype, items ≥ 1, threads ≥ 1");
    cells.push_back(c);
  }
  if (cells.empty()) throw error("--cells", "no cells given");
  return cells;
}

problem& problem_of(const cell& c) {
  const std::int64_t per_sample = c.loss->items_per_sample(c.type);
  return current_problem(*c.loss, c.type, std::max<std::int64_t>(1, c.items / per_sample));
}

void torch_step(benchmark::State& state, const cell& c) {
  problem& p = problem_of(c);
  const call& k = p.calls(true)[0];
  at::set_num_threads(c.threads);
  const std::vector<at::Tensor> in = torch_inputs(*c.loss, k.inputs);
  const reduction r = benchmark_reduction(*c.loss);
  for (auto _ : state) {
    for (const auto& t : in)
      if (t.requires_grad()) t.mutable_grad().reset();  // as optimizer.zero_grad(set_to_none=True)
    at::Tensor value = torch_loss(*c.loss, in, *k.params, r);
    torch::autograd::backward({value});
    benchmark::DoNotOptimize(value.data_ptr());
  }
  state.SetItemsProcessed(state.iterations() * p.items());
}

void lossbench_step(benchmark::State& state, const cell& c) {
  problem& p = problem_of(c);
  const call& k = p.calls(true)[0];
  const options opt{benchmark_reduction(*c.loss), "auto", c.threads};
  for (auto _ : state) {
    double value = evaluate(c.loss->name(), k.inputs, *k.params, opt, k.out);
    benchmark::DoNotOptimize(value);
    benchmark::ClobberMemory();  // the gradients are the result too
  }
  state.SetItemsProcessed(state.iterations() * p.items());
}

// |torch's value − lossbench's| / |lossbench's| on the cell's data: shows that both sides compute
// the same loss (the formulas differ in order, so not bit for bit).
double value_difference(const cell& c) {
  problem& p = problem_of(c);
  const call& k = p.calls(true)[0];
  const reduction r = benchmark_reduction(*c.loss);
  const double ours = evaluate(c.loss->name(), k.inputs, *k.params, options{r, "auto", c.threads});
  at::NoGradGuard no_grad;
  const double theirs = torch_loss(*c.loss, torch_inputs(*c.loss, k.inputs), *k.params, r).item<double>();
  return std::abs(theirs - ours) / std::max(std::abs(ours), 1e-300);
}

// Why torch cannot run the cell's loss, or "" where it can: one forward + backward on the cell's
// data. torch's CPU kernels lack some losses in 16 bits (torch 1.13: mse and binary_cross_entropy
// in bfloat16; mse's backward, binary_cross_entropy, clamp_min and log_softmax in float16); such
// a cell is reported with torch's message and not timed, never with made-up figures.
std::string torch_unsupported(const cell& c) {
  try {
    problem& p = problem_of(c);
    const call& k = p.calls(true)[0];
    const std::vector<at::Tensor> in = torch_inputs(*c.loss, k.inputs);
    at::Tensor value = torch_loss(*c.loss, in, *k.params, benchmark_reduction(*c.loss));
    torch::autograd::backward({value});
    return "";
  } catch (const std::exception& e) {  // c10::Error: its first line is the message, then a backtrace
    const std::string what = e.what();
    return what.substr(0, what.find('\n'));
  }
}

// Keeps each benchmark's median real time (seconds per step) and prints the console's view.
// Also keeps the coefficient of variation over the repetitions: a median from scattered
// repetitions is flagged in the report rather than trusted.
class median_reporter final : public benchmark::ConsoleReporter {
 public:
  median_reporter() : ConsoleReporter(OO_Tabular) {}  // no colour: the output goes to logs
  std::map<std::string, double> medians, cvs;
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {  // the median of the repetitions, or the one run (--repetitions 1)
      const std::string& name = r.run_name.function_name;
      if (r.run_type == Run::RT_Aggregate ? r.aggregate_name == "median" : r.repetitions <= 1)
        medians[name] = r.GetAdjustedRealTime() / 1e9;  // ns → s (Unit kNanosecond)
      if (r.run_type == Run::RT_Aggregate && r.aggregate_name == "cv") cvs[name] = r.real_accumulated_time;
    }
    ConsoleReporter::ReportRuns(runs);
  }
  double cv(const std::string& name) const {
    const auto it = cvs.find(name);
    return it == cvs.end() ? 0.0 : it->second;
  }
};

std::string torch_version() {
  return std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
         std::to_string(TORCH_VERSION_PATCH);
}

struct settings {
  std::vector<cell> cells;
  int repetitions = 5;
  double min_time = 0.02;
  std::string json;
};

settings parse_args(int argc, char** argv) {
  settings s;
  std::string cells;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw error(a, "needs a value");
      return argv[++i];
    };
    if (a == "--cells")
      cells = value();
    else if (a == "--repetitions")
      s.repetitions = std::stoi(value());
    else if (a == "--min-time")
      s.min_time = std::stod(value());
    else if (a == "--json")
      s.json = value();
    else
      throw error(a, "unknown argument (--cells, --repetitions, --min-time, --json)");
  }
  if (s.repetitions < 1) throw error("--repetitions", "must be ≥ 1");
  if (!(s.min_time > 0)) throw error("--min-time", "must be > 0");
  s.cells = parse_cells(cells);
  return s;
}

int run(const settings& s) {
  std::vector<std::string> flags = {"lossbench_torch_peer", "--benchmark_repetitions=" + std::to_string(s.repetitions),
                                    "--benchmark_min_time=" + std::to_string(s.min_time),
                                    "--benchmark_enable_random_interleaving=true",
                                    "--benchmark_report_aggregates_only=true"};
  std::vector<char*> argv;
  for (auto& f : flags) argv.push_back(f.data());
  int argc = static_cast<int>(argv.size());
  benchmark::Initialize(&argc, argv.data());
  std::vector<std::string> unsupported;
  for (const cell& c : s.cells) {
    unsupported.push_back(torch_unsupported(c));
    if (!unsupported.back().empty()) continue;
    benchmark::RegisterBenchmark((c.prefix() + "torch").c_str(), [c](benchmark::State& st) { torch_step(st, c); })
        ->UseRealTime()
        ->Unit(benchmark::kNanosecond);
    benchmark::RegisterBenchmark((c.prefix() + "lossbench").c_str(),
                                 [c](benchmark::State& st) { lossbench_step(st, c); })
        ->UseRealTime()
        ->Unit(benchmark::kNanosecond);
  }
  median_reporter reporter;
  nlohmann::json rows = nlohmann::json::array();
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < s.cells.size(); ++i) {
    const cell& c = s.cells[i];
    if (!unsupported[i].empty()) {
      rows.push_back({{"loss", c.loss->name()},
                      {"dtype", to_string(c.type)},
                      {"n", c.items},
                      {"items", problem_of(c).items()},
                      {"threads", c.threads},
                      {"unsupported", "torch: " + unsupported[i]}});
      std::fprintf(stderr, "[%zu/%zu] C++: %s not measured: torch: %s\n", i + 1, s.cells.size(), c.prefix().c_str(),
                   unsupported[i].c_str());
      continue;
    }
    benchmark::RunSpecifiedBenchmarks(&reporter, "^" + c.prefix());
    const double t_torch = reporter.medians.at(c.prefix() + "torch");
    const double t_ours = reporter.medians.at(c.prefix() + "lossbench");
    rows.push_back({{"loss", c.loss->name()},
                    {"dtype", to_string(c.type)},
                    {"n", c.items},
                    {"items", problem_of(c).items()},
                    {"threads", c.threads},
                    {"torch_s", t_torch},
                    {"lossbench_s", t_ours},
                    {"speedup", t_torch / t_ours},
                    {"torch_cv", reporter.cv(c.prefix() + "torch")},
                    {"lossbench_cv", reporter.cv(c.prefix() + "lossbench")},
                    {"value_rel_difference", value_difference(c)}});
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "[%zu/%zu, %.0f s] C++: %s torch %.1f µs (cv %.0f%%), lossbench %.1f µs (cv %.0f%%), %.2f×\n",
                 i + 1, s.cells.size(), elapsed, c.prefix().c_str(), t_torch * 1e6,
                 100 * reporter.cv(c.prefix() + "torch"), t_ours * 1e6, 100 * reporter.cv(c.prefix() + "lossbench"),
                 t_torch / t_ours);
  }
  benchmark::Shutdown();
  if (!s.json.empty()) {
    const nlohmann::json out = {
        {"context",
         {{"timer", "Google Benchmark in C++, median of " + std::to_string(s.repetitions) + " interleaved repetitions"},
          {"torch", "ATen ops + torch::autograd::backward (libtorch " + torch_version() + ")"},
          {"lossbench", "lossbench::evaluate, variant auto, value + gradient"}}},
        {"rows", rows}};
    const std::string tmp = s.json + ".tmp";
    {
      std::ofstream f(tmp);
      f << out.dump(1);
      if (!f) throw error("--json", "cannot write " + tmp);
    }
    if (std::rename(tmp.c_str(), s.json.c_str()) != 0) throw error("--json", "cannot write " + s.json);
  }
  return 0;
}

}  // namespace
}  // namespace lossbench::bench

int main(int argc, char** argv) {
  try {
    return lossbench::bench::run(lossbench::bench::parse_args(argc, argv));
  } catch (const lossbench::error& e) {
    std::fprintf(stderr, "lossbench_torch_peer: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {  // torch's own (c10::Error), a file that cannot be written
    std::fprintf(stderr, "lossbench_torch_peer: %s\n", e.what());
    return 1;
  }
}
