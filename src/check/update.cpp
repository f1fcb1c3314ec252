// update.cpp — regenerating golden files from the reference (update.hpp).
#include "check/update.hpp"

#include "check/case_builders.hpp"
#include "check/case_plan.hpp"
#include "check/expected.hpp"

#include <algorithm>
#include <filesystem>
#include <utility>

namespace lossbench::check {

namespace {

using field_list = std::vector<std::pair<std::string, std::string>>;

void flatten(field_list& out, const std::string& prefix, const digest& d) {
  out.emplace_back(prefix + " sum", long_double_text(d.sum) + " ± " + long_double_text(d.sum_tol));
  out.emplace_back(prefix + " norm", long_double_text(d.norm) + " ± " + long_double_text(d.norm_tol));
  for (const auto& s : d.samples)
    out.emplace_back(prefix + "[" + std::to_string(s.index) + "]",
                     long_double_text(s.value) + " ± " + long_double_text(s.tol));
}

// An expectation as (label, text) pairs: what the diff compares.
field_list flatten(const std::optional<expectation>& e) {
  field_list out;
  if (!e) return out;
  out.emplace_back("value", long_double_text(e->value) + " ± " + long_double_text(e->value_tol));
  if (e->losses) flatten(out, "losses", *e->losses);
  for (const auto& g : e->grads) flatten(out, "grad " + g.of, g);
  return out;
}

bool diff_case(std::vector<std::string>& diff, const std::string& header, const field_list& before,
               const field_list& after) {
  bool changed = false;
  auto note = [&](const std::string& line) {
    if (!changed) diff.push_back(header);
    changed = true;
    diff.push_back(line);
  };
  for (const auto& field : before) {  // not a structured binding: clang 14 cannot capture one
    const std::string &label = field.first, &text = field.second;
    auto it = std::find_if(after.begin(), after.end(), [&](const auto& f) { return f.first == label; });
    if (it == after.end())
      note("- " + label + " " + text);
    else if (it->second != text) {
      note("- " + label + " " + text);
      note("+ " + label + " " + it->second);
    }
  }
  for (const auto& field : after)
    if (std::none_of(before.begin(), before.end(), [&](const auto& f) { return f.first == field.first; }))
      note("+ " + field.first + " " + field.second);
  return changed;
}

void update_loss(const loss_spec& loss, const std::string& dir, update_report& report) {
  const std::string path = golden_path(dir, loss.name());
  golden_file file;
  const bool existed = std::filesystem::exists(path);
  if (existed) {
    file = read_golden(path);
  } else {
    file.loss = std::string(loss.name());
    file.cases = default_cases(loss);
  }
  std::vector<std::string> diff = {"--- " + (existed ? path : "/dev/null"), "+++ " + path};
  const std::size_t header_lines = diff.size();
  const auto loss_dtypes = loss.dtypes();  // f32 and f64, and bf16/f16 where the loss stores in 16 bits
  const auto takes = [&](dtype t) { return std::find(loss_dtypes.begin(), loss_dtypes.end(), t) != loss_dtypes.end(); };
  for (golden_case& c : file.cases) {
    bool changed = false, added = false;
    for (dtype t : c.desc.dtypes)
      if (!takes(t))
        throw error(path, "case '" + c.desc.name + "' names dtype " + std::string(to_string(t)) + ", which " +
                              std::string(loss.name()) + " does not take");
    for (dtype t : golden_dtypes) {
      if (!takes(t) || !c.desc.runs_in(t)) {
        if (c.at(t)) {  // the case no longer runs in t: its expectation goes
          diff.push_back("@@ case '" + c.desc.name + "' " + std::string(to_string(t)) + " (removed)");
          c.at(t).reset();
          changed = true;
        }
        continue;
      }
      const bool is_new = !c.at(t);
      const field_list before = flatten(c.at(t));
      added = added || is_new;
      try {
        c.at(t) = expectation_of(loss, t, build_case(loss, t, c.desc), c.desc.reduction);
      } catch (const error& ex) {
        throw error(path, "case '" + c.desc.name + "' (" + std::string(to_string(t)) + "): " + ex.what());
      }
      const std::string header = "@@ case '" + c.desc.name + "' " + std::string(to_string(t));
      if (is_new)
        diff.push_back(header + " (new)\n+ value " + flatten(c.at(t)).front().second);
      else
        changed |= diff_case(diff, header, before, flatten(c.at(t)));
    }
    report.cases_added += added;
    report.cases_changed += changed && !added;
  }
  if (diff.size() > header_lines || !existed) report.diff.insert(report.diff.end(), diff.begin(), diff.end());
  std::filesystem::create_directories(dir);
  write_golden(path, file, loss);
  ++report.files_written;
}

}  // namespace

update_report update_golden(const std::vector<const loss_spec*>& losses, const std::string& golden_dir) {
  update_report report;
  for (const loss_spec* l : losses) update_loss(*l, golden_dir, report);
  return report;
}

}  // namespace lossbench::check
