// update.hpp — `lossbench check --update`: refill every golden file's expectations from
// loss_spec::reference (never from a kernel), keeping its cases (a loss without a file gets
// case_plan.hpp's cases), and say what changed as unified-diff-style lines. Each case gets an
// expectation for every dtype of the loss (loss_spec::dtypes(): bf16 and f16 where it stores in
// 16 bits) that the case runs in (case_desc::dtypes), and loses those for any other.
#pragma once

#include "check/golden_file.hpp"

#include <string>
#include <vector>

namespace lossbench::check {

struct update_report {
  std::vector<std::string> diff;  // "--- file", "+++ file", "@@ case f32", "- value …", "+ value …"
  int files_written = 0, cases_changed = 0, cases_added = 0;
};

update_report update_golden(const std::vector<const loss_spec*>& losses, const std::string& golden_dir);

}  // namespace lossbench::check
