// compare.cpp — `lossbench compare OLD.json NEW.json [--alpha 0.05] [--threshold 5%] [--absolute] [--json]`:
// speed and accuracy drift between two Google Benchmark JSON files (src/compare/compare.hpp).
// Summary first (counts, then every regression), the per-benchmark table after. Exit 1 when a
// change is significant and slower than the threshold, an accuracy counter got worse beyond the
// loss's bound, a benchmark newly fails, or a benchmark of OLD is missing from NEW; exit 2
// (lossbench::error naming the file or argument) when a file cannot be read or nothing in the two
// files can be compared.
#include "cli/commands.hpp"
#include "cli/format.hpp"

#include "compare/compare.hpp"

#include <fmt/format.h>

#include <cmath>
#include <memory>

namespace lossbench::cli {

namespace {

struct compare_cli_options {
  std::string before, after;
  double alpha = 0.05;
  std::string threshold = "5%";
  bool json = false;
  bool absolute = false;
};

// "5%" or "0.05" → 0.05. A bare number ≥ 1 ("5") is refused: 5 % and 500 % are both plausible.
double parse_threshold(const std::string& s) {
  const bool percent = !s.empty() && s.back() == '%';
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(s.substr(0, s.size() - percent), &used);
  } catch (const std::exception&) {
    used = std::string::npos;
  }
  if (used != s.size() - percent || !(v >= 0) || !std::isfinite(v))
    throw error("--threshold", "expected a fraction or a percentage such as 5%, got '" + s + "'");
  if (!percent && v >= 1)
    throw error("--threshold",
                "'" + s + "' is ambiguous: write a percentage (" + s + "%) or a fraction below 1 (0.05)");
  return percent ? v / 100 : v;
}

std::string percent(double ratio) { return fmt::format("{:+.1f}%", (ratio - 1) * 100); }

// "+20.0%", and where the machine's shift was estimated, "+20.0% (+3.4% against the machine)".
std::string change_text(const compare::bench_change& c, const compare::compare_report& r) {
  if (r.shift_benchmarks == 0) return percent(c.ratio);
  return fmt::format("{} ({} against the machine)", percent(c.ratio), percent(c.relative_ratio));
}

// The machine's shift, said once in the summary.
std::string shift_text(const compare::compare_report& r) {
  if (r.shift_benchmarks == 0)
    return fmt::format(
        "  times judged as measured (--absolute, or fewer than {} benchmarks to estimate the "
        "machine's shift)\n",
        compare::machine_shift_min_benchmarks);
  return fmt::format(
      "  machine: NEW ran {} against OLD overall (median ratio over {} benchmarks); each benchmark is judged "
      "against that (--absolute: against the raw times)\n",
      percent(r.machine_shift), r.shift_benchmarks);
}

std::string verdict(const compare::bench_change& c) {
  if (!c.error.empty()) return "FAILED: " + c.error;
  std::string v = c.regression    ? "SLOWER"
                  : c.improvement ? "faster"
                  : !c.judged     ? "too few repetitions to judge"
                  : c.significant ? "changed (within threshold)"
                                  : "same";
  if (c.accuracy_regression) v += ", ACCURACY WORSE";
  return v;
}

std::string accuracy_text(const compare::bench_change& c) {
  std::string s;
  for (const auto& a : c.accuracy)
    s += fmt::format("{}{} {}→{}{}", s.empty() ? "" : "; ", a.counter, diff_text(a.before), diff_text(a.after),
                     a.worse ? fmt::format(" (> +{})", diff_text(a.allowance)) : "");
  return s.empty() ? "-" : s;
}

std::string report_text(const compare::compare_report& r, const compare_cli_options& o, double threshold) {
  int regressions = 0, accuracy = 0, improvements = 0, unjudged = 0, failed = 0;
  std::string list;
  for (const auto& c : r.changes) {
    regressions += c.regression;
    accuracy += c.accuracy_regression;
    improvements += c.improvement;
    unjudged += !c.judged && c.error.empty();
    failed += !c.error.empty();
    if (c.regression || c.accuracy_regression || !c.error.empty())
      list += fmt::format("  {}: {} (p = {:.3g}); {}\n", c.name, c.error.empty() ? change_text(c, r) : "-", c.p_value,
                          verdict(c));
  }
  for (const auto& n : r.only_old) list += fmt::format("  {}: MISSING from NEW\n", n);
  std::string s = fmt::format(
      "compare {} → {}: {} benchmarks in both, {} only in OLD (missing: a failure), {} only in NEW\n"
      "  slower (p < {} and > {:.3g}% slower): {}; accuracy worse beyond the loss's bound: {}; failed: {}\n"
      "  faster: {}; too few repetitions to judge: {}\n{}{}verdict: {}\n\n",
      o.before, o.after, r.changes.size(), r.only_old.size(), r.only_new.size(), o.alpha, threshold * 100, regressions,
      accuracy, failed, improvements, unjudged, shift_text(r), list, r.failed() ? "REGRESSION" : "ok");
  table t({"BENCHMARK", "OLD MEDIAN", "NEW MEDIAN", "CHANGE", "VS MACHINE", "REPS", "P", "VERDICT",
           "ACCURACY (u or ULPs, old→new)"});
  for (const auto& c : r.changes)
    t.add({c.name, fmt::format("{:.4g} ns", c.old_median_ns), fmt::format("{:.4g} ns", c.new_median_ns),
           percent(c.ratio), r.shift_benchmarks ? percent(c.relative_ratio) : "-",
           fmt::format("{}+{}", c.old_reps, c.new_reps), fmt::format("{:.3g}{}", c.p_value, c.exact ? "" : " (normal)"),
           verdict(c), accuracy_text(c)});
  s += t.str();
  for (const auto& n : r.only_old) s += "only in OLD: " + n + "\n";
  for (const auto& n : r.only_new) s += "only in NEW: " + n + "\n";
  return s;
}

json report_json(const compare::compare_report& r) {
  json changes = json::array();
  for (const auto& c : r.changes) {
    json acc = json::array();
    for (const auto& a : c.accuracy)
      acc.push_back({{"counter", a.counter},
                     {"old", json_number(a.before)},
                     {"new", json_number(a.after)},
                     {"allowance", json_number(a.allowance)},
                     {"worse", a.worse}});
    changes.push_back({{"name", c.name},
                       {"old_median_ns", json_number(c.old_median_ns)},
                       {"new_median_ns", json_number(c.new_median_ns)},
                       {"ratio", json_number(c.ratio)},
                       {"relative_ratio", json_number(c.relative_ratio)},
                       {"old_repetitions", c.old_reps},
                       {"new_repetitions", c.new_reps},
                       {"p_value", json_number(c.p_value)},
                       {"exact", c.exact},
                       {"judged", c.judged},
                       {"significant", c.significant},
                       {"regression", c.regression},
                       {"improvement", c.improvement},
                       {"accuracy", acc},
                       {"accuracy_regression", c.accuracy_regression},
                       {"error", c.error}});
  }
  return {{"regression", r.failed()},
          {"machine_shift", json_number(r.machine_shift)},
          {"shift_benchmarks", r.shift_benchmarks},
          {"only_old", r.only_old},
          {"only_new", r.only_new},
          {"changes", changes}};
}

void run(const compare_cli_options& o) {
  const compare::compare_options opt{o.alpha, parse_threshold(o.threshold), o.absolute};
  if (!(opt.alpha > 0 && opt.alpha < 1))
    throw error("--alpha", "expected a level in (0, 1), got " + std::to_string(o.alpha));
  const auto before = compare::read_bench_json(o.before);
  const auto after = compare::read_bench_json(o.after);
  const compare::compare_report r = compare::compare_runs(before, after, opt);
  if (r.changes.empty())  // nothing judged would read as "ok"
    throw error(o.after, "no benchmark has repetitions in both files (OLD: " + std::to_string(before.size()) +
                             ", NEW: " + std::to_string(after.size()) +
                             " with repetitions; aggregate rows alone cannot be compared): nothing to compare");
  fmt::print("{}", o.json ? report_json(r).dump(2) + "\n" : report_text(r, o, opt.threshold));
  if (r.failed()) throw exit_with{1};
}

}  // namespace

void add_compare_command(CLI::App& app) {
  auto* cmd =
      app.add_subcommand("compare", "Compare two benchmark runs (Google Benchmark JSON): speed and accuracy drift");
  auto o = std::make_shared<compare_cli_options>();
  cmd->add_option("OLD", o->before, "The baseline run (lossbench_bench --benchmark_out=old.json)")->required();
  cmd->add_option("NEW", o->after, "The run to judge")->required();
  cmd->add_option("--alpha", o->alpha, "Significance level of the Mann-Whitney U test")->capture_default_str();
  cmd->add_option("--threshold", o->threshold, "Slowdown that counts as a regression (5% or 0.05)")
      ->capture_default_str();
  cmd->add_flag("--json", o->json, "Write JSON instead of text");
  cmd->add_flag("--absolute", o->absolute,
                "Judge raw times, not each benchmark against the machine's overall shift (the median ratio)");
  cmd->callback([o] { run(*o); });
}

}  // namespace lossbench::cli
