// report_sweep.cpp — see report_sweep.hpp.
#include "report_sweep.hpp"

#include "ceilings.hpp"
#include "context.hpp"
#include "crossovers.hpp"
#include "dtype_plan.hpp"
#include "loss_benchmarks.hpp"
#include "machine_info.hpp"
#include "report_rows.hpp"
#include "sweep_reporter.hpp"
#include "tune_sweep.hpp"

#include <lossbench/registry.hpp>
#include <lossbench/threads.hpp>
#include <lossbench/tuning.hpp>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <limits>
#include <map>

namespace lossbench::bench {

namespace {

// Quick: in L1 (4K elements), L2 (64K) and DRAM (8M: 64–192 MiB of f32 inputs and gradients,
// past the 32 MiB L3 of current server parts; 16M would double the sweep's time for generating
// inputs and the long-double reference, not its information; f64 at 4M, see register_sweep) —
// 5 repetitions of ≥ 8 ms. Full: 4× steps from 1K to 16M, 5 repetitions of ≥ 50 ms.
// Between these sizes, crossovers.hpp places each change of the fastest variant within 2×.
//
// The repetitions are passes over the whole sweep, not consecutive runs: on a shared machine a
// kernel's speed drifts by tens of percent over minutes (bench/results/report-comparability-*.md),
// so consecutive repetitions agree with each other and not with the next report.
// Repetitions spread over the sweep sample that drift, and `lossbench compare`'s U test over them
// judges a change against it. Five, as 4 + 4 is the fewest with which that test can reach
// p < 0.05. Each pass regenerates each group's inputs (the reference and accuracy are computed once).
struct ladder {
  std::vector<size_class> sizes;
  int repetitions;
  double min_time;
};

ladder ladder_for(bool full) {
  if (!full) return {{{"L1", 4096}, {"L2", 65536}, {"DRAM", 8 << 20}}, 5, 0.008};
  std::vector<size_class> sizes;
  for (std::int64_t n = 1024; n <= (16 << 20); n *= 4)
    sizes.push_back({n >= (1 << 20) ? fmt::format("{}M", n >> 20) : fmt::format("{}K", n >> 10), n});
  return {sizes, 5, 0.05};
}

bool listed(const std::vector<std::string>& list, const std::string& name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

// Unknown names are bad input, named by their option.
void check_names(const std::vector<std::string>& given, const std::vector<std::string>& known, const char* option) {
  for (const auto& g : given)
    if (!listed(known, g)) {
      std::string all;
      for (const auto& k : known) all += (all.empty() ? "" : ", ") + k;
      throw error(option, "unknown '" + g + "' (expected one of: " + all + ")");
    }
}

}  // namespace

sweep_selection select_entries(const sweep_settings& s) {
  std::vector<std::string> losses, variants;
  for (const loss_spec* l : catalogue()) losses.emplace_back(l->name());
  for (const entry& e : registry())
    if (!listed(variants, e.variant.name())) variants.push_back(e.variant.name());
  check_names(s.losses, losses, "--loss");
  check_names(s.variants, variants, "--variant");
  // f32 and f64 unless asked: 16-bit rows are opt-in (--dtype bf16,f16), so the default report
  // keeps its time and its rows.
  const dtype_plan plan = plan_dtypes(s.losses, s.dtypes, {"f32", "f64"}, "--dtype");
  const std::vector<std::string> chosen = !s.variants.empty() ? s.variants
                                          : s.full            ? variants
                                                   : std::vector<std::string>{"scalar", "simd", "omp", "auto"};
  return {[s, chosen, plan](const entry& e) {
            return (s.losses.empty() || listed(s.losses, std::string(e.loss->name()))) &&
                   listed(chosen, e.variant.name()) && plan.takes(*e.loss, e.type);
          },
          plan.notes};
}

namespace {

// The quick ladder measures f64 in DRAM at half the elements of f32 (4M: the same 32 MiB per
// array, still past the L3): its inputs and long-double reference at 8M were a third of the
// sweep's time, and a DRAM row is about bandwidth, which the bytes decide. bf16 and f16 keep f32's
// 8M (16 MiB per array, 32–48 MiB with the gradient): the same n as f32's row, so the two compare
// element for element. --full and sizes given with --sizes run every size for every dtype.
std::vector<registered_benchmark> register_sweep(const options& opt, bool quick_ladder) {
  if (!quick_ladder) return register_loss_benchmarks(opt);
  options f32 = opt, f64 = opt;
  f32.select = [all = opt.select](const entry& e) { return e.type != dtype::f64 && all(e); };
  f64.select = [all = opt.select](const entry& e) { return e.type == dtype::f64 && all(e); };
  f64.sizes.back().elements /= 2;
  auto out = register_loss_benchmarks(f32);
  const auto more = register_loss_benchmarks(f64);
  out.insert(out.end(), more.begin(), more.end());
  return out;
}

// Which profile the `auto` rows used: the report compares them with the fixed variants.
nlohmann::json auto_profile_json() {
  const profile_status& st = auto_profile();
  const char* state = st.status == profile_status::state::loaded    ? "loaded"
                      : st.status == profile_status::state::ignored ? "ignored"
                                                                    : "none";
  return {{"state", state},
          {"path", st.path.string()},
          {"message", st.message},
          {"rigor", st.rigor},
          {"entries", st.entries}};
}

// The benchmarks to measure again: at each size (loss, dtype, mode, n) where `auto` trails the
// fastest fixed variant by more than a tie, its `auto` row and every fixed row within 2× of the
// fastest (the rows noise could make the fastest; a SIMD loss's scalar row, 2–50× slower, had
// taken most of a whole-group second pass at 8M). One pass of 3 repetitions can time the very
// same kernel 10–25% apart at 4K on a shared VM, and "the fastest" of 3–4 rows running one kernel
// picks the luckiest of them; a second interleaved pass of 3× the repetitions, pooled with the
// first, narrows each median until a wrong choice stands out from a burst of noise, so that the
// report's verdict on `auto` is about its choice. (With 3 more, pooled medians of one kernel still
// differed by up to 14%.)
std::vector<benchmark_group> disputed_auto_groups(const nlohmann::json& rows) {
  const auto size_of = [](const nlohmann::json& r) {
    return fmt::format("{}/{}/{}/{}", r["loss"].get<std::string>(), r["dtype"].get<std::string>(),
                       r["mode"].get<std::string>(), r["n"].get<std::int64_t>());
  };
  std::map<std::string, double> fastest;  // by size: the fastest fixed variant's median time
  for (const auto& r : rows)
    if (r["variant"] != "auto") {
      const double t = r["time_ns"].get<double>();
      auto [it, fresh] = fastest.try_emplace(size_of(r), t);
      if (!fresh) it->second = std::min(it->second, t);
    }
  std::vector<benchmark_group> out;
  for (const auto& a : rows) {
    const auto best = fastest.find(size_of(a));
    if (a["variant"] != "auto" || best == fastest.end() ||
        a["time_ns"].get<double>() <= (1 + tie_fraction) * best->second)
      continue;
    // Row names are [a-z0-9_:/] only: literal in Google Benchmark's filter regex.
    benchmark_group g{"^(" + a["name"].get<std::string>(), 1};
    for (const auto& r : rows)
      if (r["variant"] != "auto" && size_of(r) == best->first && r["time_ns"].get<double>() <= 2 * best->second)
        g.filter += "|" + r["name"].get<std::string>(), ++g.benchmarks;
    g.filter += ")(/real_time)?$";
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace

// Each pass regenerates every group's inputs, and a DRAM group allocates hundreds of MiB: glibc
// would map each such block afresh and unmap it when freed, and every pass would pay the page
// faults again (slow on a VM). Kept in the heap,
// freed blocks are reused by the next group's arrays.
void keep_freed_memory_mapped() {
  mallopt(M_MMAP_MAX, 0);                                      // large blocks from the heap, not from mmap
  mallopt(M_TRIM_THRESHOLD, std::numeric_limits<int>::max());  // and never given back
}

nlohmann::json run_sweep(const sweep_settings& s) {
  const auto start = std::chrono::steady_clock::now();
  keep_freed_memory_mapped();
  ladder l = ladder_for(s.full);
  if (!s.sizes.empty()) l.sizes = parse_sizes(s.sizes, false, "--sizes");
  options opt;
  opt.sizes = l.sizes;
  const sweep_selection chosen = select_entries(s);
  opt.select = chosen.select;
  for (const std::string& note : chosen.notes) std::fprintf(stderr, "report: %s\n", note.c_str());
  opt.omp_threads = !s.threads.empty() ? s.threads : s.full ? std::vector<int>{} : std::vector<int>{num_threads()};

  nlohmann::json info = build_info();
  info.update(machine_info());
  info["auto_profile"] = auto_profile_json();
  info["notes"] = chosen.notes;  // what the selection left out, and why
  info.update({{"sweep", s.full ? "full" : "quick"},
               {"repetitions", l.repetitions},
               {"min_time_s", l.min_time},
               {"started", now_iso8601()},
               {"busy_cpus_at_start", other_busy_cpus()}});
  const roofline::ceilings& ceilings = measure_run_ceilings(/*verbose=*/true);
  info["roofline"] = to_json(ceilings);

  initialize_google_benchmark("lossbench report", 1, l.min_time);
  add_build_context(opt);
  const auto registered = register_sweep(opt, !s.full && s.sizes.empty());
  const int total = static_cast<int>(registered.size());
  if (total == 0) throw error("--loss", "the selection matches no registry entry");
  sweep_reporter reporter(total * l.repetitions, s.partial_path, {{"date", info["started"]}, {"lossbench", info}});
  // One (loss, dtype, size) group at a time, in random order within it: its benchmarks share one
  // problem's data. One repetition of each benchmark per pass (see ladder).
  const auto groups = groups_of(registered);
  for (int pass = 0; pass < l.repetitions; ++pass)
    for (const benchmark_group& g : groups) benchmark::RunSpecifiedBenchmarks(&reporter, g.filter);
  const nlohmann::json ladder_rows = summary_rows(reporter.result()["benchmarks"], nullptr);
  const nlohmann::json crossover_runs = refine_crossovers(ladder_rows, {opt, 3, 0.01}, reporter.result()["context"]);
  const auto again = disputed_auto_groups(ladder_rows);
  const int again_repetitions = 3 * l.repetitions;
  if (!again.empty()) {
    std::fprintf(stderr,
                 "\nreport: measuring %zu sizes again (%d repetitions), where `auto` trails a fixed variant by more "
                 "than %.0f%%\n",
                 again.size(), again_repetitions, 100 * tie_fraction);
    initialize_google_benchmark("lossbench report", again_repetitions, l.min_time);
    for (const benchmark_group& g : again) reporter.extend(g.benchmarks);
    for (const benchmark_group& g : again) benchmark::RunSpecifiedBenchmarks(&reporter, g.filter);
  }
  reporter.finish();
  benchmark::Shutdown();

  nlohmann::json result = reporter.result();
  auto& lb = result["context"]["lossbench"];
  lb["busy_cpus_at_end"] = other_busy_cpus();
  lb["sizes_measured_again"] = again.size();  // their rows pool both passes' repetitions
  lb["repetitions_again"] = again_repetitions;
  lb["warnings"] = noise_warnings(result["context"]);
  lb["duration_s"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result["lossbench_rows"] = summary_rows(result["benchmarks"], &ceilings);
  // The bisection's rows: timings of two variants at sizes between the ladder's, for the size
  // bands only (crossovers.hpp); apart from "benchmarks", whose names two reports share.
  result["crossover_benchmarks"] = crossover_runs;
  for (nlohmann::json& r : summary_rows(crossover_runs, &ceilings)) {
    r["crossover"] = true;
    result["lossbench_rows"].push_back(std::move(r));
  }
  const auto rows = result["lossbench_rows"];
  const auto noisy =
      std::count_if(rows.begin(), rows.end(), [](const nlohmann::json& r) { return r.value("noisy", false); });
  if (noisy > 0)
    lb["warnings"].push_back(
        fmt::format("{} of {} rows vary by more than {:.0f}% over their repetitions (marked noisy)", noisy, rows.size(),
                    100 * noisy_cv));
  if (reporter.failures() > 0)
    lb["warnings"].push_back(fmt::format("{} benchmarks failed (error_message in their rows)", reporter.failures()));
  return result;
}

}  // namespace lossbench::bench
