// tune_sweep.cpp — see tune_sweep.hpp.
#include "tune_sweep.hpp"

#include "context.hpp"
#include "dtype_plan.hpp"
#include "loss_benchmarks.hpp"
#include "machine_info.hpp"
#include "report_rows.hpp"
#include "sweep_reporter.hpp"
#include "core/omp_threads.hpp"
#include "tuning/heuristics.hpp"

#include <lossbench/isa.hpp>
#include <lossbench/registry.hpp>
#include <lossbench/threads.hpp>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <tuple>

namespace lossbench::bench {

namespace {

// measure: 4× steps 1K–4M (in L1 to DRAM), omp at 1, 2, 4, … and all threads, 3 repetitions
// of ≥ 10 ms; patient: 2× steps 1K–16M, omp at every count 1..N, 5 repetitions of ≥ 50 ms.
struct rigor_plan {
  std::vector<size_class> sizes;
  std::vector<int> threads;
  int repetitions = 3;
  double min_time = 0.01;
};

rigor_plan plan_for(const std::string& rigor, int max_threads) {
  rigor_plan p;
  const bool patient = rigor == "patient";
  for (std::int64_t n = 1024; n <= (patient ? 16 << 20 : 4 << 20); n *= patient ? 2 : 4)
    p.sizes.push_back({std::to_string(n), n});
  for (int t = 1; t <= max_threads; t = patient ? t + 1 : t * 2) p.threads.push_back(t);
  if (p.threads.back() != max_threads) p.threads.push_back(max_threads);
  if (patient) p.repetitions = 5, p.min_time = 0.05;
  return p;
}

bool listed(const std::vector<std::string>& list, std::string_view name) {
  return list.empty() || std::find(list.begin(), list.end(), name) != list.end();
}

// Every dtype each loss has by default (16-bit ones included: `auto` picks per dtype, and bf16's
// or f16's best kernel and break-even need not be f32's).
dtype_plan check_selection(const tune_settings& s) {
  dtype_plan plan = plan_dtypes(s.losses, s.dtypes, {"f32", "f64", "bf16", "f16"}, "--dtype");
  if (s.rigor != "estimate" && s.rigor != "measure" && s.rigor != "patient")
    throw error("--rigor", "expected estimate, measure or patient, got '" + s.rigor + "'");
  if (!(s.time_limit_s >= 0)) throw error("--time-limit", "expected seconds ≥ 0");
  return plan;
}

// Candidates are concrete: scalar, each simd:<isa> and omp; not the `simd` alias (it is one of the
// simd:<isa>) nor `auto` (what is being tuned).
bool is_candidate(const entry& e) {
  return e.variant.impl != implementation::automatic &&
         !(e.variant.impl == implementation::simd && e.variant.isa == isa::none && e.variant.drv == driver::serial);
}

// A summary row of report_rows.hpp → the candidate it measured.
candidate candidate_of(const nlohmann::json& row) {
  const std::string v = row["variant"], isa_name = row["isa"];
  candidate c;
  if (v == "omp")
    c.variant = tuning::parse_variant_key(isa_name == "none" ? "omp:scalar" : "omp:" + isa_name, "tune");
  else
    c.variant = tuning::parse_variant_key(v, "tune");
  c.threads = row["threads"].get<int>();
  c.time_ns = row["time_ns"].get<double>();
  return c;
}

using bucket_key = std::tuple<std::string, std::string, bool>;  // loss, dtype, with_grad

// Buckets around the measured sizes: boundaries at the geometric means of neighbours, the first
// from 0 and the last without end.
void set_bucket_bounds(std::vector<tuning::profile_entry>& entries) {
  std::map<bucket_key, std::vector<tuning::profile_entry*>> groups;
  for (auto& e : entries) groups[{e.loss, std::string(to_string(e.type)), e.with_grad}].push_back(&e);
  for (auto& [key, list] : groups) {
    std::sort(list.begin(), list.end(), [](auto* a, auto* b) { return a->items < b->items; });
    for (std::size_t i = 0; i < list.size(); ++i) {
      list[i]->items_min = i == 0 ? 0 : list[i - 1]->items_max;
      list[i]->items_max =
          i + 1 == list.size()
              ? std::numeric_limits<std::int64_t>::max()
              : std::llround(std::sqrt(static_cast<double>(list[i]->items) * static_cast<double>(list[i + 1]->items)));
    }
  }
}

// Two candidates run the same code at this size: omp on one thread, or below its break-even, is
// the simd kernel on the calling thread.
bool same_kernel(const loss_spec& loss, std::int64_t items, const candidate& a, const candidate& b) {
  const auto effective = [&](const candidate& c) {
    const bool parallel = c.variant.drv == driver::omp && c.threads > 1 && items >= core::parallel_break_even(loss);
    return std::make_tuple(c.variant.impl, c.variant.isa, parallel ? c.threads : 1);
  };
  return effective(a) == effective(b);
}

// The fastest candidate, except within tie_fraction of it: there the heuristics' kernel keeps its
// place if it is among the tied (a difference below the noise is no reason to leave the rule),
// else the simplest tied one wins (fewer threads, then serial before omp). Of candidates running
// the same code the simplest is named (omp at 1 thread is simd). `candidates` are sorted fastest
// first; `margin` = how much slower the fastest candidate running other code is.
candidate choose_candidate(const loss_spec& loss, dtype type, std::int64_t items, std::vector<candidate>& candidates,
                           double* margin) {
  std::sort(candidates.begin(), candidates.end(),
            [](const candidate& a, const candidate& b) { return a.time_ns < b.time_ns; });
  const auto simpler = [](const candidate& a, const candidate& b) {
    return std::make_tuple(a.threads, a.variant.drv == driver::omp) <
           std::make_tuple(b.threads, b.variant.drv == driver::omp);
  };
  const auto same = [&](const candidate& a, const candidate& b) { return same_kernel(loss, items, a, b); };
  const auto tied = [&](const candidate& c) { return c.time_ns <= candidates.front().time_ns * (1 + tie_fraction); };
  const candidate prior = tuning::heuristic_choice(loss, type, items, num_threads());
  candidate best = candidates.front();
  if (const auto p = std::find_if(candidates.begin(), candidates.end(),
                                  [&](const candidate& c) { return same(c, prior) && tied(c); });
      p != candidates.end()) {
    best = *p;
  } else {
    for (const candidate& c : candidates)
      if (tied(c) && simpler(c, best)) best = c;
  }
  for (const candidate& c : candidates)
    if (same(c, best) && simpler(c, best)) best = c;
  const auto own =
      std::find_if(candidates.begin(), candidates.end(), [&](const candidate& c) { return same(c, best); });
  const auto other =
      std::find_if(candidates.begin(), candidates.end(), [&](const candidate& c) { return !same(c, best); });
  *margin = other != candidates.end() && own->time_ns > 0 ? other->time_ns / own->time_ns - 1 : 0;
  return best;
}

std::vector<tuning::profile_entry> measured_entries(const nlohmann::json& rows) {
  std::map<std::tuple<std::string, std::string, bool, std::int64_t>, std::vector<candidate>> by_bucket;
  for (const auto& r : rows)
    by_bucket[{r["loss"], r["dtype"], r["mode"] == "value_grad", r["n"].get<std::int64_t>()}].push_back(
        candidate_of(r));
  std::vector<tuning::profile_entry> out;
  for (auto& [key, cands] : by_bucket) {
    tuning::profile_entry e;
    std::tie(e.loss, std::ignore, e.with_grad, e.items) = key;
    e.type = parse_dtype(std::get<1>(key));
    e.chosen = choose_candidate(find_loss(e.loss), e.type, e.items, cands, &e.margin);
    e.candidates = std::move(cands);
    out.push_back(std::move(e));
  }
  return out;
}

// rigor estimate: the heuristics' choice at each size of the measure ladder, nothing timed.
std::vector<tuning::profile_entry> estimated_entries(const tune_settings& s, const dtype_plan& dtypes,
                                                     const rigor_plan& p) {
  std::vector<tuning::profile_entry> out;
  for (const loss_spec* l : catalogue()) {
    if (!listed(s.losses, l->name())) continue;
    for (dtype t : dtypes.dtypes) {
      if (!dtypes.takes(*l, t)) continue;
      for (bool grad : {false, true})
        for (const size_class& size : p.sizes) {
          tuning::profile_entry e;
          e.loss = l->name(), e.type = t, e.with_grad = grad, e.items = size.elements, e.measured = false;
          e.chosen = tuning::heuristic_choice(*l, t, size.elements, num_threads());
          out.push_back(std::move(e));
        }
    }
  }
  return out;
}

// Runs the groups one at a time, so that interleaving stays within one problem's data; stops
// before a group that would pass the time limit (`deadline_s` after `start`; 0: none). Returns
// whether every group ran.
bool run_groups(const std::vector<benchmark_group>& groups, sweep_reporter& reporter, double deadline_s,
                std::chrono::steady_clock::time_point start) {
  std::map<std::string, double> seconds_per_size;  // the last group's time at each size: the next one's estimate
  for (const benchmark_group& g : groups) {
    const std::string size_key = g.filter.substr(g.filter.find("/n:"));
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double expected = seconds_per_size.count(size_key) ? seconds_per_size[size_key] : 0;
    if (deadline_s > 0 && elapsed + expected > deadline_s) {
      std::fprintf(stderr, "\ntune: --time-limit %.0f s reached after %.0f s: the sizes left use the heuristics\n",
                   deadline_s, elapsed);
      return false;
    }
    const auto group_start = std::chrono::steady_clock::now();
    benchmark::RunSpecifiedBenchmarks(&reporter, g.filter);
    seconds_per_size[size_key] = std::chrono::duration<double>(std::chrono::steady_clock::now() - group_start).count();
  }
  return true;
}

// The groups to measure again: where a measured choice runs other code than the heuristics would.
// The heuristics rest on break-evens measured with care, so a disagreement is either what tuning
// is for or a burst of noise on a shared machine; a second, interleaved pass tells them apart.
std::vector<benchmark_group> disputed_groups(const std::vector<tuning::profile_entry>& entries,
                                             const std::vector<benchmark_group>& all) {
  std::vector<benchmark_group> out;
  for (const auto& e : entries) {
    const loss_spec& loss = find_loss(e.loss);
    if (same_kernel(loss, e.items, e.chosen, tuning::heuristic_choice(loss, e.type, e.items, num_threads()))) continue;
    add_group(out, all, loss, e.type, e.items);
  }
  return out;
}

std::vector<tuning::profile_entry> measure(const std::vector<registered_benchmark>& registered, double time_limit_s,
                                           bool* complete) {
  const auto start = std::chrono::steady_clock::now();
  const std::vector<benchmark_group> groups = groups_of(registered);
  sweep_reporter reporter(static_cast<int>(registered.size()), {}, {{"lossbench_tune", true}}, "tune");
  *complete = run_groups(groups, reporter, time_limit_s, start);
  auto entries = measured_entries(summary_rows(reporter.result()["benchmarks"], nullptr));
  if (const auto again = disputed_groups(entries, groups); !again.empty() && *complete) {
    int more = 0;
    for (const benchmark_group& g : again) more += g.benchmarks;
    std::fprintf(stderr, "\ntune: measuring %zu sizes again, where a choice differs from the heuristics'\n",
                 again.size());
    reporter.extend(more);
    *complete = run_groups(again, reporter, time_limit_s, start);
    entries = measured_entries(summary_rows(reporter.result()["benchmarks"], nullptr));
  }
  reporter.finish();
  if (reporter.failures() > 0)
    throw error("tune", fmt::format("{} benchmarks failed (see above): no profile written", reporter.failures()));
  return entries;
}

}  // namespace

tuning::profile run_tune(const tune_settings& s) {
  const dtype_plan dtypes = check_selection(s);
  for (const std::string& note : dtypes.notes) std::fprintf(stderr, "tune: %s\n", note.c_str());
  rigor_plan plan = plan_for(s.rigor == "estimate" ? "measure" : s.rigor, num_threads());
  if (!s.sizes.empty()) plan.sizes = parse_sizes(s.sizes, false, "--sizes");
  tuning::profile p;
  p.rigor = s.rigor;
  p.created = now_iso8601();
  p.cpu = this_cpu();
  p.build = this_build();
  if (s.rigor == "estimate") {
    p.statistic = "none: the built-in heuristics (rigor estimate)";
    p.entries = estimated_entries(s, dtypes, plan);
  } else {
    p.statistic = fmt::format("median of {} repetitions of ≥ {} s, interleaved at random within each size",
                              plan.repetitions, plan.min_time);
    options opt;
    opt.sizes = plan.sizes;
    opt.omp_threads = plan.threads;
    opt.roofline = false;
    opt.accuracy = false;
    opt.select = [&s, &dtypes](const entry& e) {
      return is_candidate(e) && listed(s.losses, e.loss->name()) && dtypes.takes(*e.loss, e.type);
    };
    initialize_google_benchmark("lossbench tune", plan.repetitions, plan.min_time);
    const auto registered = register_loss_benchmarks(opt);
    const double busy_before = other_busy_cpus();
    p.entries = measure(registered, s.time_limit_s, &p.complete);
    benchmark::ClearRegisteredBenchmarks();
    // Another process's work slows the multithreaded candidates most, and the profile would keep
    // that as a fact about this machine: say so (the report warns the same way).
    for (const auto& [when, busy] : {std::pair{"start", busy_before}, std::pair{"end", other_busy_cpus()}})
      if (busy > 0.5)
        std::fprintf(stderr,
                     "tune: warning: other work kept %.1f CPUs busy at the %s: the choices (omp's most) may be "
                     "wrong; run `lossbench tune` again on a quiet machine\n",
                     busy, when);
  }
  set_bucket_bounds(p.entries);
  return p;
}

}  // namespace lossbench::bench
