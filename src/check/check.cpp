// check.cpp — running registry entries against the golden files (check.hpp).
#include "check/check.hpp"

#include "check/case_builders.hpp"
#include "check/digest.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

namespace lossbench::check {

namespace {

std::string text(long double v) {
  std::ostringstream s;
  s.precision(17);
  s << static_cast<double>(v);
  return s.str();
}

// One compared quantity: updates the worst ratio and records a violation.
void compare(case_result& r, const std::string& what, long double got, long double want, double tol) {
  double ratio = 0;
  if (std::isnan(want))
    ratio = std::isnan(got) ? 0 : std::numeric_limits<double>::infinity();
  else if (std::isinf(want))
    ratio = got == want ? 0 : std::numeric_limits<double>::infinity();
  else if (std::isnan(got))
    ratio = std::numeric_limits<double>::infinity();
  else
    ratio = static_cast<double>(std::fabs(got - want) / tol);
  if (ratio > r.worst_ratio || r.worst_what.empty()) {
    r.worst_ratio = ratio;
    r.worst_what = what;
  }
  if (ratio > 1)
    r.violations.push_back(what + " = " + text(got) + ", golden " + text(want) + ", |error| " +
                           text(std::fabs(got - want)) + " > tolerance " + text(tol));
}

void compare_digest(case_result& r, const std::string& what, const array& got, const digest& want) {
  if (got.numel() != want.count) {
    r.violations.push_back(what + ": " + std::to_string(got.numel()) + " elements, golden " +
                           std::to_string(want.count));
    r.worst_ratio = std::numeric_limits<double>::infinity();
    return;
  }
  const vector_stats s = stats_of(got);
  compare(r, what + " sum", s.sum, want.sum, want.sum_tol);
  compare(r, what + " norm", s.norm, want.norm, want.norm_tol);
  for (const auto& e : want.samples)
    compare(r, what + "[" + std::to_string(e.index) + "]", got.get(e.index), e.value, e.tol);
}

// In ulps of the type the value is returned in: float for f32 and the 16-bit dtypes.
double ulp_at(long double ref, dtype t) {
  if (t != dtype::f64) {
    const float r = std::fabs(static_cast<float>(ref));
    return std::nextafter(r, std::numeric_limits<float>::infinity()) - r;
  }
  const double r = std::fabs(static_cast<double>(ref));
  return std::nextafter(r, std::numeric_limits<double>::infinity()) - r;
}

case_result run_case(const entry& e, const golden_case& gc, const built_case& input, const expectation& want) {
  case_result r{std::string(e.loss->name()), e.variant.name(), e.type, gc.desc.name, 0, 0, 0, {}, {}};
  const param_set params = e.loss->resolve(input.params);
  const std::vector<tensor_ref> refs = refs_of(input.inputs);
  outputs out;
  array losses;
  if (gc.desc.reduction == reduction::none) {
    losses = array(e.type, e.loss->losses_shape(refs));
    out.losses = losses.raw();
  }
  std::vector<array> grads;
  const auto desc = e.loss->inputs();
  for (std::size_t i = 0; i < desc.size(); ++i)
    if (desc[i].differentiable) grads.emplace_back(e.type, input.inputs.at(i).shape());
  for (std::size_t k = 0; k < grads.size(); ++k) out.grad[k] = grads[k].raw();
  double value = 0;
  try {
    value = e.run(call{refs, &params, gc.desc.reduction, out});
  } catch (const std::exception& ex) {
    r.violations.push_back(std::string("threw: ") + ex.what());
    r.worst_ratio = std::numeric_limits<double>::infinity();
    return r;
  }
  if (std::isfinite(want.value)) {
    const long double err = std::fabs(value - want.value);
    r.value_ulps = static_cast<double>(err / ulp_at(want.value, e.type));
    r.value_rel = want.value == 0 ? static_cast<double>(err) : static_cast<double>(err / std::fabs(want.value));
  }
  compare(r, "value", value, want.value, want.value_tol);
  if (want.losses) compare_digest(r, "losses", losses, *want.losses);
  if (want.grads.size() != grads.size()) {
    r.violations.push_back("golden file has " + std::to_string(want.grads.size()) + " gradients, the loss " +
                           std::to_string(grads.size()));
    return r;
  }
  for (std::size_t k = 0; k < grads.size(); ++k) compare_digest(r, "grad " + want.grads[k].of, grads[k], want.grads[k]);
  return r;
}

void check_loss(const loss_spec& loss, const std::vector<const entry*>& entries, const std::string& dir,
                check_report& report) {
  const std::string path = golden_path(dir, loss.name());
  golden_file file;
  try {
    file = read_golden(path);
  } catch (const error& ex) {
    report.problems.push_back(std::string(loss.name()) + ": " + ex.what() + " (run `lossbench check --update`)");
    return;
  }
  for (const golden_case& gc : file.cases) {
    for (dtype t : golden_dtypes) {
      std::vector<const entry*> of_type;
      for (const entry* e : entries)
        if (e->type == t) of_type.push_back(e);
      if (of_type.empty() || !gc.desc.runs_in(t)) continue;
      if (!gc.at(t)) {
        report.problems.push_back(path + ": case '" + gc.desc.name + "' has no " + std::string(to_string(t)) +
                                  " values");
        continue;
      }
      built_case input;
      try {
        input = build_case(loss, t, gc.desc);
      } catch (const error& ex) {
        report.problems.push_back(path + ": " + ex.what());
        continue;
      }
      for (const entry* e : of_type) report.results.push_back(run_case(*e, gc, input, *gc.at(t)));
    }
  }
}

}  // namespace

bool check_report::passed() const {
  if (!problems.empty()) return false;
  for (const auto& r : results)
    if (!r.violations.empty()) return false;
  return true;
}

check_report run_check(std::span<const entry> entries, const std::string& golden_dir) {
  check_report report;
  std::vector<std::string_view> seen;  // losses in the order their entries come
  for (const entry& e : entries) {
    if (std::find(seen.begin(), seen.end(), e.loss->name()) != seen.end()) continue;
    seen.push_back(e.loss->name());
    std::vector<const entry*> mine;
    for (const entry& f : entries)
      if (f.loss->name() == e.loss->name()) mine.push_back(&f);
    check_loss(*e.loss, mine, golden_dir, report);
  }
  return report;
}

}  // namespace lossbench::check
