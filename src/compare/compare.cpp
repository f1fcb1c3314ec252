// compare.cpp — speed and accuracy drift between two benchmark runs (compare.hpp).
#include "compare/compare.hpp"

#include "compare/mann_whitney.hpp"

#include <lossbench/registry.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string_view>
#include <utility>

namespace lossbench::compare {

namespace {

double median(std::vector<double> v) {
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

// "loss/variant/dtype/…": the loss's bound and the dtype's u, when this build knows them.
struct accuracy_context {
  const loss_spec* loss = nullptr;
  double u = 0;
};

accuracy_context context_of(const std::string& name) {
  accuracy_context c;
  const auto first = name.find('/');
  for (const loss_spec* l : catalogue())
    if (name.compare(0, first, l->name()) == 0) c.loss = l;
  if (name.find("/f32/") != std::string::npos) c.u = 0x1p-24;
  if (name.find("/f64/") != std::string::npos) c.u = 0x1p-53;
  return c;
}

std::vector<accuracy_change> accuracy_changes(const bench_run& a, const bench_run& b) {
  const accuracy_context ctx = context_of(b.name);
  const bool known = ctx.loss && ctx.u > 0;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  struct counter_rule {
    const char* name;
    bool relative;
    bool of_value;
  };
  static const counter_rule rules[] = {{"value_rel_err", true, true},
                                       {"grad_max_rel_err", true, false},
                                       {"grad_max_ulp", false, false},
                                       {"grad_mean_ulp", false, false}};
  std::vector<accuracy_change> out;
  for (const auto& r : rules) {
    const auto ia = a.counters.find(r.name), ib = b.counters.find(r.name);
    if (ia == a.counters.end() || ib == b.counters.end()) continue;
    accuracy_change c{r.name, ia->second, ib->second, nan, false};
    if (r.relative) {
      c.before = known ? c.before / ctx.u : nan;
      c.after = known ? c.after / ctx.u : nan;
    }
    if (known) {
      const accuracy_bound bound = ctx.loss->accuracy();
      c.allowance = r.of_value ? bound.value_ulps + 1 : bound.grad_ulps;
      c.worse = c.after - c.before > c.allowance || (std::isnan(c.after) && !std::isnan(c.before));
    }
    out.push_back(c);
  }
  return out;
}

// `shift`: the machine's (compare_report::machine_shift); OLD's times are scaled by it.
bench_change compare_one(const bench_run& a, const bench_run& b, const compare_options& opt, double shift) {
  bench_change c;
  c.name = b.name;
  c.old_reps = static_cast<int>(a.times_ns.size());
  c.new_reps = static_cast<int>(b.times_ns.size());
  c.error = b.error;
  if (!b.error.empty() || !a.error.empty() || a.times_ns.empty() || b.times_ns.empty()) {
    if (c.error.empty() && !a.error.empty()) c.error = "old run failed: " + a.error;
    return c;
  }
  c.old_median_ns = median(a.times_ns);
  c.new_median_ns = median(b.times_ns);
  c.ratio = c.new_median_ns / c.old_median_ns;
  c.relative_ratio = c.ratio / shift;
  std::vector<double> old_on_new_machine = a.times_ns;
  for (double& t : old_on_new_machine) t *= shift;
  const mann_whitney_result mw = mann_whitney(old_on_new_machine, b.times_ns);
  c.p_value = mw.p_value;
  c.exact = mw.exact;
  c.judged = smallest_p_value(c.old_reps, c.new_reps) < opt.alpha;
  c.significant = c.judged && mw.p_value < opt.alpha;
  c.regression = c.significant && c.relative_ratio > 1 + opt.threshold;
  c.improvement = c.significant && c.relative_ratio < 1 - opt.threshold;
  c.accuracy = accuracy_changes(a, b);
  c.accuracy_regression = std::any_of(c.accuracy.begin(), c.accuracy.end(), [](const auto& x) { return x.worse; });
  return c;
}

}  // namespace

bool compare_report::failed() const {
  return !only_old.empty() || std::any_of(changes.begin(), changes.end(), [](const bench_change& c) {
    return c.regression || c.accuracy_regression || (!c.error.empty() && c.error.rfind("old run failed", 0) != 0);
  });
}

namespace {

// A name without Google Benchmark's "/real_time" suffix: serial loss benchmarks were timed by CPU
// time, without the suffix, before every loss benchmark was timed by wall time; the two names are
// one benchmark.
std::string_view without_real_time(std::string_view name) {
  constexpr std::string_view suffix = "/real_time";
  return name.ends_with(suffix) ? name.substr(0, name.size() - suffix.size()) : name;
}

}  // namespace

compare_report compare_runs(const std::vector<bench_run>& before, const std::vector<bench_run>& after,
                            const compare_options& opt) {
  compare_report r;
  auto find = [](const std::vector<bench_run>& runs, const std::string& name) {
    const auto exact = std::find_if(runs.begin(), runs.end(), [&](const bench_run& x) { return x.name == name; });
    if (exact != runs.end()) return exact;
    return std::find_if(runs.begin(), runs.end(),
                        [&](const bench_run& x) { return without_real_time(x.name) == without_real_time(name); });
  };
  std::vector<std::pair<const bench_run*, const bench_run*>> pairs;
  std::vector<double> ratios;
  for (const bench_run& b : after) {
    const auto a = find(before, b.name);
    if (a == before.end()) {
      r.only_new.push_back(b.name);
      continue;
    }
    pairs.emplace_back(&*a, &b);
    if (a->error.empty() && b.error.empty() && !a->times_ns.empty() && !b.times_ns.empty())
      ratios.push_back(median(b.times_ns) / median(a->times_ns));
  }
  if (!opt.absolute && static_cast<int>(ratios.size()) >= machine_shift_min_benchmarks) {
    r.machine_shift = median(ratios);
    r.shift_benchmarks = static_cast<int>(ratios.size());
  }
  for (const auto& [a, b] : pairs) r.changes.push_back(compare_one(*a, *b, opt, r.machine_shift));
  for (const bench_run& a : before)
    if (find(after, a.name) == after.end()) r.only_old.push_back(a.name);
  return r;
}

}  // namespace lossbench::compare
