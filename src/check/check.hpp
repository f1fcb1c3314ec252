// check.hpp — `lossbench check`: every given registry entry against every golden case of its loss
// and dtype. A case passes when the value, the per-sample losses' and each gradient's sum, norm and
// sampled elements are all within the file's tolerances (non-finite reference values must be
// matched exactly: NaN by NaN, ±inf by the same infinity). Each golden dtype (f32, f64, bf16,
// f16) runs the cases that name it, or name no dtypes; a 16-bit entry's outputs are digested as
// stored (every 16-bit value widens exactly).
//
// The entries are a parameter (the CLI passes the registry, filtered), so a test can check an
// entry of its own making, e.g. a wrapped loss_spec with a deliberately wrong kernel.
#pragma once

#include "check/golden_file.hpp"

#include <lossbench/registry.hpp>

#include <span>
#include <string>
#include <vector>

namespace lossbench::check {

struct case_result {
  std::string loss, variant;
  dtype type = dtype::f32;
  std::string case_name;
  double value_ulps = 0;   // |value − reference| in ulps of the dtype at the reference
  double value_rel = 0;    // |value − reference| / |reference|
  double worst_ratio = 0;  // max over everything compared of error / tolerance (≤ 1 passes)
  std::string worst_what;  // what that was ("value", "grad input sum", "losses[17]", ...)
  std::vector<std::string> violations;
  std::string entry_name() const { return loss + "/" + variant + "/" + std::string(to_string(type)); }
};

struct check_report {
  std::vector<case_result> results;
  std::vector<std::string> problems;  // a missing golden file or dtype, a case that cannot be built
  bool passed() const;
};

check_report run_check(std::span<const entry> entries, const std::string& golden_dir);

}  // namespace lossbench::check
