// check.cpp — `lossbench check [--golden DIR] [--loss NAME]... [--variant V]... [--dtype T]... [--json]
// [--update]`: every registry entry (every dtype: f32, f64, and bf16/f16 where the loss has them)
// against the golden files (src/check/check.hpp); a table of
// the worst error per entry (in ULPs of the dtype, relative, and as a fraction of the tolerance),
// then every violation naming loss, variant, dtype and case; exit 1 on any violation or missing
// golden data. `--update` rewrites the files from the reference (src/check/update.hpp) and
// prints what changed. The default DIR is the source tree's tests/golden (LOSSBENCH_GOLDEN_DIR).
#include "cli/commands.hpp"
#include "cli/format.hpp"

#include "check/check.hpp"
#include "check/update.hpp"

#include <lossbench/registry.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <memory>

#ifndef LOSSBENCH_GOLDEN_DIR
#define LOSSBENCH_GOLDEN_DIR "tests/golden"
#endif

namespace lossbench::cli {

namespace {

struct check_options {
  std::string golden = LOSSBENCH_GOLDEN_DIR;
  std::vector<std::string> losses, variants, dtypes;
  bool json = false, update = false;
};

// --dtype's names as dtypes: float types only (f32, f64, bf16, f16; also float32, ...).
std::vector<dtype> dtypes_of(const std::vector<std::string>& names) {
  std::vector<dtype> out;
  for (const auto& name : names) {
    dtype t = dtype::i32;
    try {
      t = parse_dtype(name);
    } catch (const error&) {
    }
    if (!is_floating(t)) throw error("--dtype", fmt::format("expected f32, f64, bf16 or f16, got '{}'", name));
    out.push_back(t);
  }
  return out;
}

// The registry entries the options select; unknown names are errors naming the option.
std::vector<entry> selected_entries(const check_options& o) {
  for (const auto& l : o.losses) find_loss(l);
  std::vector<std::string> known;
  for (const entry& e : registry())
    if (std::find(known.begin(), known.end(), e.variant.name()) == known.end()) known.push_back(e.variant.name());
  for (const auto& v : o.variants)
    if (std::find(known.begin(), known.end(), v) == known.end())
      throw error("--variant", fmt::format("unknown variant '{}' (known: {})", v, fmt::join(known, ", ")));
  auto wanted = [](const std::vector<std::string>& list, std::string_view s) {
    return list.empty() || std::find(list.begin(), list.end(), s) != list.end();
  };
  const std::vector<dtype> types = dtypes_of(o.dtypes);
  std::vector<entry> out;
  for (const entry& e : registry())
    if (wanted(o.losses, e.loss->name()) && wanted(o.variants, e.variant.name()) &&
        (types.empty() || std::find(types.begin(), types.end(), e.type) != types.end()))
      out.push_back(e);
  // An empty selection would check nothing and pass: a loss without 16-bit kernels and --dtype bf16.
  if (out.empty())
    throw error(o.dtypes.empty() ? "--variant" : "--dtype",
                "no registry entry is of the losses, variants and dtypes given (`lossbench list` shows each "
                "loss's dtypes)");
  return out;
}

// Per entry, its worst case.
std::vector<const check::case_result*> worst_per_entry(const check::check_report& r) {
  std::vector<const check::case_result*> out;
  for (const auto& c : r.results) {
    auto it = std::find_if(out.begin(), out.end(), [&](const auto* w) { return w->entry_name() == c.entry_name(); });
    if (it == out.end())
      out.push_back(&c);
    else if (c.worst_ratio > (*it)->worst_ratio)
      *it = &c;
  }
  return out;
}

std::string report_text(const check::check_report& r) {
  table t({"ENTRY", "CASES", "MAX VALUE ULPS", "MAX VALUE REL", "WORST ERR/TOL", "WORST CASE", "WHAT", "STATUS"});
  for (const auto* w : worst_per_entry(r)) {
    double max_ulps = 0, max_rel = 0;
    int cases = 0, failed = 0;
    for (const auto& c : r.results) {
      if (c.entry_name() != w->entry_name()) continue;
      ++cases;
      failed += !c.violations.empty();
      max_ulps = std::max(max_ulps, c.value_ulps);
      max_rel = std::max(max_rel, c.value_rel);
    }
    t.add({w->entry_name(), std::to_string(cases), diff_text(max_ulps), diff_text(max_rel), diff_text(w->worst_ratio),
           w->case_name, w->worst_what, failed ? fmt::format("FAIL ({} cases)", failed) : "ok"});
  }
  std::string s = t.str();
  for (const auto& c : r.results)
    for (const auto& v : c.violations)
      s += fmt::format("FAIL {} (loss {}, variant {}, dtype {}) case '{}': {}\n", c.entry_name(), c.loss, c.variant,
                       to_string(c.type), c.case_name, v);
  for (const auto& p : r.problems) s += "FAIL " + p + "\n";
  s += r.passed() ? fmt::format("check: {} entry × case runs, all within tolerance\n", r.results.size())
                  : "check: FAILED\n";
  return s;
}

json report_json(const check::check_report& r) {
  json results = json::array();
  for (const auto& c : r.results)
    results.push_back({{"entry", c.entry_name()},
                       {"loss", c.loss},
                       {"variant", c.variant},
                       {"dtype", to_string(c.type)},
                       {"case", c.case_name},
                       {"value_ulps", json_number(c.value_ulps)},
                       {"value_rel_err", json_number(c.value_rel)},
                       {"worst_err_over_tol", json_number(c.worst_ratio)},
                       {"worst", c.worst_what},
                       {"violations", c.violations}});
  return {{"passed", r.passed()}, {"problems", r.problems}, {"results", results}};
}

void run(const check_options& o) {
  if (o.update) {
    std::vector<const loss_spec*> losses;
    for (const loss_spec* l : catalogue())
      if (o.losses.empty() || std::find(o.losses.begin(), o.losses.end(), l->name()) != o.losses.end())
        losses.push_back(l);
    for (const auto& l : o.losses) find_loss(l);
    const check::update_report u = check::update_golden(losses, o.golden);
    for (const auto& line : u.diff) fmt::print("{}\n", line);
    fmt::print("check --update: {} files written, {} cases changed, {} added\n", u.files_written, u.cases_changed,
               u.cases_added);
    return;
  }
  std::error_code ec;  // a golden directory that is not there is a bad argument (exit 2), not a failed check
  if (!std::filesystem::is_directory(o.golden, ec))
    throw error("--golden", "'" + o.golden + "' is not a readable directory of golden files");
  const check::check_report r = check::run_check(selected_entries(o), o.golden);
  fmt::print("{}", o.json ? report_json(r).dump(2) + "\n" : report_text(r));
  if (!r.passed()) throw exit_with{1};
}

}  // namespace

void add_check_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("check", "Check every variant against the golden values (tests/golden)");
  auto o = std::make_shared<check_options>();
  cmd->add_option("--golden", o->golden, "Directory of the golden files")->capture_default_str();
  cmd->add_option("--loss", o->losses, "Only these losses (repeatable)");
  cmd->add_option("--variant", o->variants, "Only these variants (repeatable)");
  cmd->add_option("--dtype", o->dtypes,
                  "Only these dtypes: f32, f64, bf16, f16 (repeatable; --update writes every one)");
  cmd->add_flag("--json", o->json, "Write JSON instead of a table");
  cmd->add_flag("--update", o->update, "Regenerate the golden files from the reference and show the changes");
  cmd->callback([o] { run(*o); });
}

}  // namespace lossbench::cli
