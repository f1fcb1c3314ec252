// compare.hpp — `lossbench compare OLD.json NEW.json`: speed and accuracy drift between two
// benchmark runs (Google Benchmark JSON from lossbench_bench).
//
// Speed, per benchmark in both files: the ratio of median times (new/old) and a two-sided
// Mann–Whitney U test over the repetitions (mann_whitney.hpp). A regression = significant
// (p < alpha) and slower by more than the threshold; with too few repetitions for any p to reach
// alpha (fewer than 4 + 4 at alpha 0.05) the change is shown but not judged.
//
// Accuracy, per counter present in both (bench/accuracy.hpp): value_rel_err and grad_max_rel_err
// in units of the dtype's unit roundoff u, grad_max_ulp and grad_mean_ulp in ULPs. A counter is
// worse beyond tolerance when it grew by more than the loss's accuracy bound (accuracy_bound:
// value_ulps + 1 for the value — the bound plus the final rounding —, grad_ulps for the gradient):
// two kernels that both meet the bound can differ by no more than that, so a larger growth
// means the new kernel broke it (for the *_rel_err counters, which are measured in the bound's
// own terms, exactly so; for the ULP counters approximately, as ulp(r) and u·|r| differ by < 2×).
// Losses not in this build's catalogue get no accuracy verdict.
#pragma once

#include "compare/bench_json.hpp"

#include <string>
#include <vector>

namespace lossbench::compare {

struct compare_options {
  double alpha = 0.05;
  double threshold = 0.05;  // fraction: 0.05 = 5 % slower
  // Judge raw times. By default, where at least machine_shift_min_benchmarks are in both files,
  // each benchmark is judged against the machine's overall shift (see compare_report).
  bool absolute = false;
};

// The fewest benchmarks whose median ratio is taken as the machine's shift: with fewer, one
// changed kernel would move the median itself.
inline constexpr int machine_shift_min_benchmarks = 8;

struct accuracy_change {
  std::string counter;
  double before = 0, after = 0;  // in u (rel_err counters) or ULPs
  double allowance = 0;          // NaN: no verdict (unknown loss or dtype)
  bool worse = false;
};

struct bench_change {
  std::string name;
  double old_median_ns = 0, new_median_ns = 0, ratio = 1;  // new / old median
  double relative_ratio = 1;                               // ratio / the machine's shift: what is judged
  int old_reps = 0, new_reps = 0;
  double p_value = 1;
  bool exact = false;
  bool judged = false;  // enough repetitions for p to reach alpha
  bool significant = false, regression = false, improvement = false;
  std::vector<accuracy_change> accuracy;
  bool accuracy_regression = false;
  std::string error;  // the new run of this benchmark failed (or both did)
};

struct compare_report {
  std::vector<bench_change> changes;  // benchmarks in both files, in the new file's order
  // The machine's shift: the median new/old ratio over every benchmark in both files. A shared
  // machine runs minutes apart at different speeds (bench/results/report-comparability-*.md: a
  // whole report 16% slower than the one before it), which would make every benchmark a
  // "regression". Each benchmark is judged against it instead (its old times scaled by it in the
  // U test, its relative_ratio against the threshold): a kernel that changed stands out from
  // the machine; a change that slows every kernel alike shows here, not per benchmark. 1 where
  // options::absolute or fewer than machine_shift_min_benchmarks were compared.
  double machine_shift = 1;
  int shift_benchmarks = 0;  // how many ratios its median was taken over (0: not estimated)
  std::vector<std::string> only_old, only_new;
  // Any speed or accuracy regression, a benchmark that newly fails, or one of OLD missing from
  // NEW (a gate that passed on rows it never saw would pass silently).
  bool failed() const;
};

compare_report compare_runs(const std::vector<bench_run>& before, const std::vector<bench_run>& after,
                            const compare_options& opt);

}  // namespace lossbench::compare
