// loss_benchmarks.cpp — registration and the timed loop (see loss_benchmarks.hpp).
#include "loss_benchmarks.hpp"

#include "accuracy.hpp"
#include "problem.hpp"

#include <lossbench/registry.hpp>
#include <lossbench/threads.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <utility>

namespace lossbench::bench {

namespace {

enum class mode { value, value_grad };

std::string mode_name(mode m) { return m == mode::value ? "value" : "value_grad"; }

struct bench_case {
  const entry* e = nullptr;
  std::string size_label;
  std::int64_t samples = 0;
  std::int64_t items = 0;  // what the name promises
  mode m = mode::value;
  int threads = 1;  // the omp variant's thread count (1 for serial variants)
  std::string name;
};

// Accuracy of one benchmark, computed on its first run and remembered: Google Benchmark calls a
// benchmark function several times (iteration search, repetitions).
accuracy_figures accuracy_of(const bench_case& bc, problem& p) {
  static std::map<std::string, accuracy_figures> cache;
  if (const auto it = cache.find(bc.name); it != cache.end()) return it->second;
  const bool with_grad = bc.m == mode::value_grad;
  const double value = bc.e->run(p.calls(with_grad)[0]);
  const auto grads = with_grad ? p.grads() : std::span<const array>{};
  return cache.emplace(bc.name, measure_accuracy(p.reference(), value, grads, bc.e->type)).first->second;
}

void set_counters(benchmark::State& state, const bench_case& bc, const accuracy_figures& acc, std::int64_t bytes) {
  state.SetItemsProcessed(state.iterations() * bc.items);
  state.SetBytesProcessed(state.iterations() * bytes);
  state.SetLabel(bc.size_label);
  state.counters["value_rel_err"] = acc.value_rel_err;
  if (bc.m == mode::value) return;
  state.counters["grad_max_rel_err"] = acc.grad_max_rel_err;
  state.counters["grad_max_ulp"] = acc.grad_max_ulp;
  state.counters["grad_mean_ulp"] = acc.grad_mean_ulp;
}

void run_case(benchmark::State& state, const bench_case& bc) {
  std::span<const call> calls;
  accuracy_figures acc;
  std::int64_t bytes = 0;
  try {
    problem& p = current_problem(*bc.e->loss, bc.e->type, bc.samples);
    if (p.items() != bc.items)
      throw error("--lossbench_sizes", "generated " + std::to_string(p.items()) + " items, the benchmark name says " +
                                           std::to_string(bc.items) + " (items not proportional to samples)");
    calls = p.calls(bc.m == mode::value_grad);
    acc = accuracy_of(bc, p);
    bytes = p.compulsory_bytes(bc.m == mode::value_grad);
  } catch (const std::exception& ex) {
    state.SkipWithError(ex.what());
    return;
  }
  const entry& e = *bc.e;
  set_num_threads(bc.threads);  // read by the omp variant only
  // Untimed warm-up over the pool: the first pass after generating data or freeing the
  // reference's gigabyte (at 16M) runs up to 8x slower on this VM (page-table and TLB work).
  for (const call& c : calls) benchmark::DoNotOptimize(e.run(c));
  std::size_t k = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(e.run(calls[k]));
    benchmark::ClobberMemory();
    k = k + 1 == calls.size() ? 0 : k + 1;
  }
  set_counters(state, bc, acc, bytes);
  state.counters["threads"] = bc.threads;
  set_num_threads(0);
}

// The omp variant runs at 1 thread and at the default count (OMP_NUM_THREADS, else the cores),
// next to the serial variants; those run once.
std::vector<int> thread_counts(const entry& e) {
  if (e.variant.drv != driver::omp) return {1};
  const int all = num_threads();
  return all > 1 ? std::vector<int>{1, all} : std::vector<int>{1};
}

// A loss whose 1-sample problem cannot be generated still shows up, as a failed benchmark.
void register_failure(const std::string& name, std::string message) {
  benchmark::RegisterBenchmark(name.c_str(), [message](benchmark::State& state) { state.SkipWithError(message.c_str()); });
}

// The registry's (loss, dtype) pairs in registry order: one problem (data + reference) per
// pair and size serves all of that pair's variants and modes, registered next to each other.
std::vector<std::pair<const loss_spec*, dtype>> loss_dtype_groups() {
  std::vector<std::pair<const loss_spec*, dtype>> out;
  for (const entry& e : registry()) {
    const std::pair<const loss_spec*, dtype> g{e.loss, e.type};
    if (std::find(out.begin(), out.end(), g) == out.end()) out.push_back(g);
  }
  return out;
}

int register_group(const loss_spec& loss, dtype t, const options& opt) {
  std::int64_t per_sample = 0;
  try {
    per_sample = std::max<std::int64_t>(1, items_per_sample(loss, t));
  } catch (const std::exception& ex) {
    register_failure(std::string(loss.name()) + "/" + std::string(to_string(t)) + "/generate", ex.what());
    return 1;
  }
  int count = 0;
  std::vector<std::int64_t> seen;  // sizes that round to the same sample count are run once
  for (const size_class& size : opt.sizes) {
    const auto samples = std::max<std::int64_t>(1, std::llround(static_cast<double>(size.elements) / static_cast<double>(per_sample)));
    if (std::find(seen.begin(), seen.end(), samples) != seen.end()) continue;
    seen.push_back(samples);
    for (const entry& e : registry()) {
      if (e.loss != &loss || e.type != t) continue;
      for (mode m : {mode::value, mode::value_grad})
        for (int threads : thread_counts(e)) {
          bench_case bc{&e, size.label, samples, samples * per_sample, m, threads, {}};
          bc.name = e.name() + "/" + mode_name(m) + "/n:" + std::to_string(bc.items);
          if (e.variant.drv == driver::omp) bc.name += "/threads:" + std::to_string(threads);
          auto* b = benchmark::RegisterBenchmark(bc.name.c_str(), [bc](benchmark::State& state) { run_case(state, bc); })
                        ->Unit(benchmark::kMicrosecond);
          // The calling thread's CPU time would hide the other threads' work (Google Benchmark
          // then appends /real_time to the name).
          if (e.variant.drv == driver::omp) b->UseRealTime();
          ++count;
        }
    }
  }
  return count;
}

}  // namespace

int register_loss_benchmarks(const options& opt) {
  int count = 0;
  for (const auto& [loss, t] : loss_dtype_groups()) count += register_group(*loss, t, opt);
  return count;
}

}  // namespace lossbench::bench
