// crossovers.cpp — see crossovers.hpp.
#include "crossovers.hpp"

#include "context.hpp"
#include "loss_benchmarks.hpp"
#include "report_rows.hpp"
#include "sweep_reporter.hpp"
#include "tune_sweep.hpp"

#include <lossbench/registry.hpp>
#include <lossbench/threads.hpp>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

namespace lossbench::bench {

namespace {

using json = nlohmann::json;

int simplicity(const std::string& variant) {
  if (variant == "scalar") return 0;
  if (variant == "simd") return 1;
  if (variant.rfind("simd:", 0) == 0) return 2;
  if (variant.rfind("omp", 0) == 0) return 3;
  return 4;
}

std::string label_of(const json& row) {
  const std::string v = row["variant"].get<std::string>();
  return v.rfind("omp", 0) == 0 ? fmt::format("{}/threads:{}", v, row["threads"].get<int>()) : v;
}

// One interval of sizes whose ends have different winners: (lo, hi] holds the change.
struct interval {
  std::string loss, dtype, mode;
  std::int64_t lo = 0, hi = 0;  // items measured at the ends
  json lo_winner, hi_winner;    // a summary row of each end's winner (variant, threads)
};

using cell_key = std::tuple<std::string, std::string, std::string>;  // loss, dtype, mode

cell_key key_of(const json& r) {
  return {r["loss"].get<std::string>(), r["dtype"].get<std::string>(), r["mode"].get<std::string>()};
}

// The ladder's fixed rows by (loss, dtype, mode), then by n.
std::map<cell_key, std::map<std::int64_t, std::vector<const json*>>> cells_of(const json& rows) {
  std::map<cell_key, std::map<std::int64_t, std::vector<const json*>>> out;
  for (const json& r : rows)
    if (r["variant"] != "auto") out[key_of(r)][r["n"].get<std::int64_t>()].push_back(&r);
  return out;
}

const json* row_labelled(const std::vector<const json*>& rows, const std::string& label) {
  for (const json* r : rows)
    if (label_of(*r) == label) return r;
  return nullptr;
}

// Neighbouring ladder sizes more than 2× apart whose winners differ.
std::vector<interval> first_intervals(const json& ladder_rows) {
  std::vector<interval> out;
  for (const auto& [key, by_n] : cells_of(ladder_rows)) {
    const std::vector<const json*>* prev = nullptr;
    std::int64_t prev_n = 0;
    for (const auto& [n, rows] : by_n) {
      if (prev && n > 2 * prev_n) {
        const std::string a = fastest_label(*prev, tie_fraction), b = fastest_label(rows, tie_fraction);
        if (!a.empty() && !b.empty() && a != b)
          out.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), prev_n, n, *row_labelled(*prev, a),
                         *row_labelled(rows, b)});
      }
      prev = &rows;
      prev_n = n;
    }
  }
  return out;
}

// The power of two nearest the geometric mean of the ends (in elements: the generator rounds it
// to whole samples).
std::int64_t midpoint(const interval& i) {
  const double log_mid = 0.5 * (std::log2(static_cast<double>(i.lo)) + std::log2(static_cast<double>(i.hi)));
  return std::int64_t{1} << static_cast<int>(std::lround(log_mid));
}

// Registers, once, the benchmarks of one winner at `elements` (both modes: the registration
// unit); returns the name of the one of interval `i`'s mode.
class registrar {
 public:
  explicit registrar(const options& base) : base_(base) {}

  std::string benchmark(const interval& i, const json& winner, std::int64_t elements) {
    const std::string variant = winner["variant"].get<std::string>();
    const int threads = winner["threads"].get<int>();
    const auto key = std::make_tuple(i.loss, i.dtype, variant, threads, elements);
    auto it = names_.find(key);
    if (it == names_.end()) {
      options o = base_;
      o.sizes = {{fmt::format("{}", elements), elements}};
      o.accuracy = false;
      o.omp_threads = {threads};
      o.select = [loss = i.loss, dtype = i.dtype, variant](const entry& e) {
        return e.loss->name() == loss && to_string(e.type) == dtype && e.variant.name() == variant;
      };
      it = names_.emplace(key, register_loss_benchmarks(o)).first;
    }
    for (const registered_benchmark& b : it->second)
      if (b.name.find("/" + i.mode + "/") != std::string::npos) return b.name;
    return {};
  }

 private:
  options base_;
  std::map<std::tuple<std::string, std::string, std::string, int, std::int64_t>, std::vector<registered_benchmark>>
      names_;
};

// Runs the two winners at each interval's midpoint (one filter per interval: the problem is
// generated once for both) and narrows the intervals; drops those placed within 2×.
std::vector<interval> halve(const std::vector<interval>& intervals, registrar& reg, sweep_reporter& reporter) {
  struct probe {
    interval i;
    std::int64_t elements;
    std::string lo_name, hi_name;
  };
  std::vector<probe> probes;
  for (const interval& i : intervals) {
    const std::int64_t mid = midpoint(i);
    probe p{i, mid, reg.benchmark(i, i.lo_winner, mid), reg.benchmark(i, i.hi_winner, mid)};
    if (!p.lo_name.empty() && !p.hi_name.empty()) probes.push_back(std::move(p));
  }
  reporter.extend(2 * static_cast<int>(probes.size()));
  for (const probe& p : probes)
    // Names are [a-z0-9_:/] only: literal in Google Benchmark's filter regex.
    benchmark::RunSpecifiedBenchmarks(&reporter, "^(" + p.lo_name + "|" + p.hi_name + ")(/real_time)?$");
  const json rows = summary_rows(reporter.result()["benchmarks"], nullptr);
  std::vector<interval> out;
  for (const probe& p : probes) {
    std::vector<const json*> at_mid;
    std::int64_t n = 0;
    for (const json& r : rows) {
      const std::string name = r["name"].get<std::string>();
      if (name == p.lo_name || name == p.hi_name) at_mid.push_back(&r), n = r["n"];
    }
    const std::string winner = fastest_label(at_mid, tie_fraction);
    if (winner.empty() || n <= p.i.lo || n >= p.i.hi) continue;  // failed, or rounded onto an end
    interval next = p.i;
    if (winner == label_of(p.i.lo_winner))
      next.lo = n;
    else
      next.hi = n;
    if (next.hi > 2 * next.lo) out.push_back(next);
  }
  return out;
}

}  // namespace

std::string fastest_label(const std::vector<const json*>& rows, double tie) {
  const bool has_simd = std::any_of(rows.begin(), rows.end(), [](const json* r) { return (*r)["variant"] == "simd"; });
  std::vector<const json*> candidates;
  for (const json* r : rows)
    if (!(has_simd && (*r)["variant"].get<std::string>().rfind("omp", 0) == 0 && !r->value("parallel", true)))
      candidates.push_back(r);
  double top = 0;
  for (const json* r : candidates) top = std::max(top, (*r)["items_per_second"].get<double>());
  const json* best = nullptr;
  for (const json* r : candidates) {
    if ((*r)["items_per_second"].get<double>() < (1 - tie) * top) continue;
    const auto rank = [](const json* x) {
      return std::make_pair(simplicity((*x)["variant"].get<std::string>()), (*x)["threads"].get<int>());
    };
    if (!best || rank(r) < rank(best)) best = r;
  }
  return best ? label_of(*best) : std::string();
}

json refine_crossovers(const json& ladder_rows, const crossover_settings& s, const json& context) {
  std::vector<interval> open = first_intervals(ladder_rows);
  if (open.empty()) return json::array();
  std::fprintf(stderr, "\nreport: placing %zu changes of the fastest variant within 2x (bisection, %d repetitions)\n",
               open.size(), s.repetitions);
  initialize_google_benchmark("lossbench report", s.repetitions, s.min_time);
  sweep_reporter reporter(0, {}, context, "report: crossovers");
  registrar reg(s.base);
  while (!open.empty()) open = halve(open, reg, reporter);
  reporter.finish();
  return reporter.result()["benchmarks"];
}

}  // namespace lossbench::bench
