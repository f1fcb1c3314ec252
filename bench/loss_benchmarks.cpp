// loss_benchmarks.cpp — registration and the timed loop (see loss_benchmarks.hpp).
#include "loss_benchmarks.hpp"

#include "accuracy.hpp"
#include "ceilings.hpp"
#include "core/streaming.hpp"
#include "problem.hpp"

#include <lossbench/registry.hpp>
#include <lossbench/threads.hpp>
#include <lossbench/tuning.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
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
  std::int64_t width = 0;  // the generator's inner size (0: the loss's default)
  std::int64_t items = 0;  // what the name promises
  mode m = mode::value;
  int threads = 1;  // the omp variant's thread count (1 for serial variants)
  bool accuracy = true;
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
  const accuracy_bound bound = bc.e->loss->accuracy();
  return cache.emplace(bc.name, measure_accuracy(p.reference(), value, grads, bc.e->type, &bound)).first->second;
}

void set_counters(benchmark::State& state, const bench_case& bc, std::int64_t bytes) {
  state.SetItemsProcessed(state.iterations() * bc.items);
  state.SetBytesProcessed(state.iterations() * bytes);
  state.SetLabel(bc.size_label);
}

void set_accuracy_counters(benchmark::State& state, const bench_case& bc, const accuracy_figures& acc) {
  state.counters["value_rel_err"] = acc.value_rel_err;
  if (bc.m == mode::value) return;
  state.counters["grad_max_rel_err"] = acc.grad_max_rel_err;
  state.counters["grad_max_ulp"] = acc.grad_max_ulp;
  state.counters["grad_mean_ulp"] = acc.grad_mean_ulp;
  if (std::isnan(acc.grad_ulp_goal)) return;  // f32, f64: no storage rounding to add
  state.counters["grad_ulp_goal"] = acc.grad_ulp_goal;
  state.counters["grad_goal_met"] = acc.grad_goal_met ? 1 : 0;
}

// Where the run's ceilings were measured: roofline_pct (achieved FLOP/s over the roofline bound
// of this kernel's intensity and working set) and bandwidth_pct (the memory time the roofline
// allows its reads and writes over the call's time), from the wall time of the timed loop.
struct roofline_inputs {
  double flops = 0;
  roofline::traffic bytes;
  std::size_t footprint = 0;
};

// Whether the row's kernel writes its gradient with streaming stores. The element-wise losses'
// SIMD kernels do where core::stream_gradient says so for x, y and the gradient (their bind in
// losses/elementwise/elementwise.hpp; not while also writing per-sample losses); scalar kernels
// and the other losses always store through the caches. `auto` as the kernel it chose.
roofline::store_kind gradient_stores(const bench_case& bc, const problem& p) {
  if (bc.m != mode::value_grad || !p.elementwise() || p.grads().empty()) return roofline::store_kind::cached;
  variant v = bc.e->variant;
  if (v.impl == implementation::automatic)
    v = explain_auto(*bc.e->loss, bc.e->type, true, bc.items, bc.threads).chosen.variant;
  const std::size_t footprint = 3 * static_cast<std::size_t>(bc.items) * size_of(bc.e->type);
  const bool streams = v.impl == implementation::simd && benchmark_reduction(*bc.e->loss) != reduction::none &&
                       core::stream_gradient(p.grads()[0].raw(), size_of(bc.e->type), footprint);
  return streams ? roofline::store_kind::streaming : roofline::store_kind::cached;
}

void set_roofline_counters(benchmark::State& state, const bench_case& bc, const roofline_inputs& r, double seconds) {
  const roofline::ceilings* c = run_ceilings();
  if (!c || r.bytes.total() <= 0 || seconds <= 0 || state.iterations() == 0) return;
  const double per_call = seconds / static_cast<double>(state.iterations());
  const auto roof = roofline::bound_of(*c, r.flops, r.bytes, r.footprint, bc.e->type, bc.threads);
  if (roof.bound_flops_per_second > 0)
    state.counters["roofline_pct"] = 100 * r.flops / per_call / roof.bound_flops_per_second;
  if (roof.memory_seconds > 0) state.counters["bandwidth_pct"] = 100 * roof.memory_seconds / per_call;
}

void run_case(benchmark::State& state, const bench_case& bc) {
  std::span<const call> calls;
  accuracy_figures acc;
  std::int64_t bytes = 0;
  roofline_inputs roof;
  try {
    problem& p = current_problem(*bc.e->loss, bc.e->type, bc.samples, bc.width);
    if (p.items() != bc.items)
      throw error("--lossbench_sizes", "generated " + std::to_string(p.items()) + " items, the benchmark name says " +
                                           std::to_string(bc.items) + " (items not proportional to samples)");
    calls = p.calls(bc.m == mode::value_grad);
    if (bc.accuracy) acc = accuracy_of(bc, p);
    const auto traffic = p.traffic(bc.m == mode::value_grad);
    bytes = traffic.total();
    roof = {p.flops(bc.m == mode::value_grad),
            {static_cast<double>(traffic.read), static_cast<double>(traffic.written), gradient_stores(bc, p)},
            p.footprint_bytes(bc.m == mode::value_grad)};
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
  const auto start = std::chrono::steady_clock::now();  // Google Benchmark does not expose its time
  for (auto _ : state) {
    benchmark::DoNotOptimize(e.run(calls[k]));
    benchmark::ClobberMemory();
    k = k + 1 == calls.size() ? 0 : k + 1;
  }
  const std::chrono::duration<double> wall = std::chrono::steady_clock::now() - start;
  set_counters(state, bc, bytes);
  if (bc.accuracy) set_accuracy_counters(state, bc, acc);
  set_roofline_counters(state, bc, roof, wall.count());
  // Per-call constants, so a result file alone gives every row's roofline position.
  state.counters["flops"] = roof.flops;
  state.counters["compulsory_bytes"] = roof.bytes.total();
  state.counters["read_bytes"] = roof.bytes.read_bytes;
  state.counters["written_bytes"] = roof.bytes.written_bytes;
  state.counters["streaming_stores"] = roof.bytes.stores == roofline::store_kind::streaming ? 1 : 0;
  state.counters["footprint_bytes"] = static_cast<double>(roof.footprint);
  state.counters["threads"] = bc.threads;
  set_num_threads(0);
}

// The omp variant runs at 1 thread and at the default count (OMP_NUM_THREADS, else the cores),
// next to the serial variants; those run once. `auto` may choose omp: it gets the default count.
std::vector<int> thread_counts(const entry& e, const options& opt) {
  if (e.variant.impl == implementation::automatic) return {num_threads()};
  if (e.variant.drv != driver::omp) return {1};
  if (!opt.omp_threads.empty()) return opt.omp_threads;
  const int all = num_threads();
  return all > 1 ? std::vector<int>{1, all} : std::vector<int>{1};
}

// A loss whose 1-sample problem cannot be generated still shows up, as a failed benchmark.
void register_failure(const std::string& name, std::string message) {
  benchmark::RegisterBenchmark(name.c_str(),
                               [message](benchmark::State& state) { state.SkipWithError(message.c_str()); });
}

// The registry's (loss, dtype) pairs in registry order: one problem (data + reference) per
// pair and size serves all of that pair's variants and modes, registered next to each other.
std::vector<std::pair<const loss_spec*, dtype>> loss_dtype_groups(const options& opt) {
  std::vector<std::pair<const loss_spec*, dtype>> out;
  for (const entry& e : registry()) {
    if (opt.select && !opt.select(e)) continue;
    const std::pair<const loss_spec*, dtype> g{e.loss, e.type};
    if (std::find(out.begin(), out.end(), g) == out.end()) out.push_back(g);
  }
  return out;
}

// Benchmarks that may run on several threads: a thread count in their name.
bool multithreaded(const entry& e) {
  return e.variant.drv == driver::omp || e.variant.impl == implementation::automatic;
}

void register_group(const loss_spec& loss, dtype t, const options& opt, std::vector<registered_benchmark>& out) {
  std::int64_t per_sample = 0;
  try {
    per_sample = loss.items_per_sample(t, opt.width);
  } catch (const std::exception& ex) {
    const std::string name = std::string(loss.name()) + "/" + std::string(to_string(t)) + "/generate";
    register_failure(name, ex.what());
    out.push_back({name, &loss, t, 0});
    return;
  }
  std::vector<std::int64_t> seen;  // sizes that round to the same sample count are run once
  for (const size_class& size : opt.sizes) {
    const auto samples =
        std::max<std::int64_t>(1, std::llround(static_cast<double>(size.elements) / static_cast<double>(per_sample)));
    if (std::find(seen.begin(), seen.end(), samples) != seen.end()) continue;
    seen.push_back(samples);
    for (const entry& e : registry()) {
      if (e.loss != &loss || e.type != t || (opt.select && !opt.select(e))) continue;
      for (mode m : {mode::value, mode::value_grad})
        for (int threads : thread_counts(e, opt)) {
          bench_case bc{&e, size.label, samples, opt.width, samples * per_sample, m, threads, opt.accuracy, {}};
          bc.name = e.name() + "/" + mode_name(m) + "/n:" + std::to_string(bc.items);
          if (multithreaded(e)) bc.name += "/threads:" + std::to_string(threads);
          auto* b = benchmark::RegisterBenchmark(bc.name.c_str(), [bc](benchmark::State& state) {
                      run_case(state, bc);
                    })->Unit(benchmark::kMicrosecond);
          // Wall time for every variant, so items/s and the roofline's percentage (report_rows,
          // from real_time) come from the same time; for the omp variant the calling thread's
          // CPU time would also hide the other threads' work. Google Benchmark appends
          // /real_time to the names.
          b->UseRealTime();
          out.push_back({bc.name, &loss, t, bc.items});
        }
    }
  }
}

}  // namespace

std::vector<registered_benchmark> register_loss_benchmarks(const options& opt) {
  std::vector<registered_benchmark> out;
  for (const auto& [loss, t] : loss_dtype_groups(opt)) register_group(*loss, t, opt, out);
  return out;
}

std::string group_filter(const registered_benchmark& b) {
  if (b.items == 0) return "^" + b.name + "$";  // a loss that failed to generate: its one failure row
  return "^" + std::string(b.loss->name()) + "/[^/]+/" + std::string(to_string(b.type)) +
         "/[a-z_]+/n:" + std::to_string(b.items) + "(/|$)";
}

std::vector<benchmark_group> groups_of(const std::vector<registered_benchmark>& registered) {
  std::vector<benchmark_group> out;
  for (const auto& b : registered) {
    const std::string f = group_filter(b);
    if (out.empty() || out.back().filter != f) out.push_back({f, 0});
    ++out.back().benchmarks;
  }
  return out;
}

void add_group(std::vector<benchmark_group>& out, const std::vector<benchmark_group>& all, const loss_spec& loss,
               dtype type, std::int64_t items) {
  const std::string want = group_filter({"", &loss, type, items});
  if (std::any_of(out.begin(), out.end(), [&](const benchmark_group& g) { return g.filter == want; })) return;
  for (const benchmark_group& g : all)
    if (g.filter == want) out.push_back(g);
}

}  // namespace lossbench::bench
