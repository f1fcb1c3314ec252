// eval_report.hpp — what `eval` found, compared with the loss's long-double reference, and how
// it is written (text or JSON).
//
// Differences: |value − ref| and |value − ref| / |ref|; for gradients and per-sample losses the
// largest element-wise |got − ref| / magnitude, where magnitude is the reference's own scale for
// that element (reference_result::grad_magnitude / loss_magnitude where the loss provides one,
// else |ref|). Matching NaNs and equal infinities count as no difference; any other disagreement
// where the reference is 0, NaN or infinite counts as an infinite one.
//
// 16-bit runs (bf16, f16) compute in f32: the value is an f32 and printed as one; the gradients
// are stored in the 16-bit type, so besides the relative difference they are compared in units of
// the 16-bit type's spacing at the reference element (MAX GRAD ULPS: ½ is correctly rounded; an
// overflow to ±inf that the exact value rounds to counts as ½). Where a gradient cancels far
// below its magnitude, the f32 arithmetic's own error may show as more.
#pragma once

#include "cli/eval_inputs.hpp"
#include "cli/format.hpp"

#include <string>
#include <utility>
#include <vector>

namespace lossbench::cli {

struct variant_result {
  std::string variant;
  double value = 0;
  array losses;              // per-sample losses (reduction none only)
  std::vector<array> grads;  // one per differentiable input, of the reduced value
  double abs_diff = 0, rel_diff = 0, max_grad_rel_diff = 0, max_loss_rel_diff = 0;
  double max_grad_ulps = 0;  // 16-bit runs only: in the 16-bit type's spacing
};

struct written_file {
  std::string what, path, descr;  // descr: the .npy descriptor it was written with
};

struct eval_report {
  const loss_spec* spec = nullptr;
  reduction red = reduction::mean;
  const loaded_inputs* inputs = nullptr;
  reference_result ref;
  std::vector<variant_result> variants;
  std::vector<written_file> written;
};

// Fills the difference fields of `r` from the reference.
void compare_with_reference(variant_result& r, const reference_result& ref, reduction red);

std::string report_text(const eval_report& rep);
json report_json(const eval_report& rep);

}  // namespace lossbench::cli
