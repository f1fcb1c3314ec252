// eval_report.cpp — differences from the reference and the text / JSON reports (see eval_report.hpp).
#include "cli/eval_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace lossbench::cli {

namespace {

constexpr double infinite = std::numeric_limits<double>::infinity();

// |got − want| / scale, with the conventions of the header comment.
double relative_difference(double got, long double want, long double scale) {
  const double w = static_cast<double>(want);
  if (std::isnan(w) || std::isnan(got)) return std::isnan(w) && std::isnan(got) ? 0 : infinite;
  if (std::isinf(w) || std::isinf(got)) return got == w ? 0 : infinite;
  const long double diff = std::fabs(static_cast<long double>(got) - want);
  if (diff == 0) return 0;
  const long double s = std::fabs(scale);
  return s == 0 ? infinite : static_cast<double>(diff / s);
}

double max_relative_difference(const array& got, const std::vector<long double>& want,
                               const std::vector<long double>& magnitude) {
  double worst = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    const long double scale = magnitude.empty() ? want[i] : magnitude[i];
    worst = std::max(worst, relative_difference(got.get(static_cast<std::int64_t>(i)), want[i], scale));
  }
  return worst;
}

double absolute_difference(double got, long double want) {
  const double w = static_cast<double>(want);
  if (std::isnan(w) || std::isnan(got)) return std::isnan(w) && std::isnan(got) ? 0 : infinite;
  if (std::isinf(w) || std::isinf(got)) return got == w ? 0 : infinite;
  return static_cast<double>(std::fabs(static_cast<long double>(got) - want));
}

std::string params_text(const loss_spec& spec, const param_set& p) {
  std::string s;
  for (const auto& d : spec.params()) {
    std::string v;
    if (const array* t = p.tensor(d.name))
      v = "array" + t->shape().str();
    else if (!p.has(d.name))
      v = "none";
    else if (d.kind == param_kind::boolean)
      v = p.number(d.name) != 0 ? "true" : "false";
    else
      v = fmt::format("{}", p.number(d.name));
    s += fmt::format("{}{}={}", s.empty() ? "" : ", ", d.name, v);
  }
  return s.empty() ? "(none)" : s;
}

json params_json(const loss_spec& spec, const param_set& p) {
  json out = json::object();
  for (const auto& d : spec.params()) {
    const std::string name(d.name);
    if (const array* t = p.tensor(d.name))
      out[name] = {{"shape", t->shape().dims()}, {"values", json_values(*t)}};
    else if (!p.has(d.name))
      out[name] = nullptr;
    else if (d.kind == param_kind::boolean)
      out[name] = p.number(d.name) != 0;
    else
      out[name] = json_number(p.number(d.name));
  }
  return out;
}

json reference_losses_json(const reference_result& ref) {
  json out = json::array();
  for (long double v : ref.losses) out.push_back(json_number(static_cast<double>(v)));
  return out;
}

}  // namespace

void compare_with_reference(variant_result& r, const reference_result& ref, reduction red) {
  r.abs_diff = absolute_difference(r.value, ref.value);
  r.rel_diff = relative_difference(r.value, ref.value, ref.value);
  r.max_grad_rel_diff = 0;
  for (std::size_t k = 0; k < r.grads.size() && k < ref.grads.size(); ++k) {
    const std::vector<long double> none;
    const auto& mag = k < ref.grad_magnitude.size() ? ref.grad_magnitude[k] : none;
    r.max_grad_rel_diff = std::max(r.max_grad_rel_diff, max_relative_difference(r.grads[k], ref.grads[k], mag));
  }
  r.max_loss_rel_diff = red == reduction::none ? max_relative_difference(r.losses, ref.losses, ref.loss_magnitude) : 0;
}

std::string report_text(const eval_report& rep) {
  const loaded_inputs& in = *rep.inputs;
  const dtype t = in.type;
  std::string s = fmt::format("loss {}  dtype {}  reduction {}\n", rep.spec->name(), to_string(t), to_string(rep.red));
  for (std::size_t i = 0; i < in.arrays.size(); ++i) {
    const std::string conv =
        in.file_types[i] == in.arrays[i].type()
            ? std::string(to_string(in.file_types[i]))
            : fmt::format("{} converted to {}", to_string(in.file_types[i]), to_string(in.arrays[i].type()));
    s += fmt::format("  {}{}  {} ({})\n", rep.spec->inputs()[i].name, in.arrays[i].shape().str(), in.files[i], conv);
  }
  s += fmt::format("params: {}\n", params_text(*rep.spec, in.params));
  s += fmt::format("reference (long double): {}\n\n", fmt::format("{:.17g}", static_cast<double>(rep.ref.value)));
  const bool none = rep.red == reduction::none;
  std::vector<std::string> header = {"VARIANT", "VALUE", "|DIFF|", "REL DIFF", "MAX GRAD REL DIFF"};
  if (none) header.push_back("MAX LOSS REL DIFF");
  table tab(header);
  for (const auto& r : rep.variants) {
    std::vector<std::string> row = {r.variant, number_text(r.value, t), diff_text(r.abs_diff), diff_text(r.rel_diff),
                                    diff_text(r.max_grad_rel_diff)};
    if (none) row.push_back(diff_text(r.max_loss_rel_diff));
    tab.add(row);
  }
  s += tab.str();
  if (none)
    for (const auto& r : rep.variants) s += fmt::format("losses ({}): {}\n", r.variant, truncated_values(r.losses, t));
  for (const auto& [what, path] : rep.written) s += fmt::format("wrote {}: {}\n", what, path);
  return s;
}

json report_json(const eval_report& rep) {
  const loaded_inputs& in = *rep.inputs;
  json inputs = json::array();
  for (std::size_t i = 0; i < in.arrays.size(); ++i)
    inputs.push_back({{"name", rep.spec->inputs()[i].name},
                      {"file", in.files[i]},
                      {"file_dtype", to_string(in.file_types[i])},
                      {"dtype", to_string(in.arrays[i].type())},
                      {"shape", in.arrays[i].shape().dims()}});
  json reference = {{"value", json_number(static_cast<double>(rep.ref.value))}};
  if (rep.red == reduction::none) reference["losses"] = reference_losses_json(rep.ref);
  json variants = json::array();
  for (const auto& r : rep.variants) {
    json v = {{"variant", r.variant},
              {"value", json_number(r.value)},
              {"abs_diff", json_number(r.abs_diff)},
              {"rel_diff", json_number(r.rel_diff)},
              {"max_grad_rel_diff", json_number(r.max_grad_rel_diff)}};
    if (rep.red == reduction::none) {
      v["max_loss_rel_diff"] = json_number(r.max_loss_rel_diff);
      v["losses"] = json_values(r.losses);
    }
    variants.push_back(std::move(v));
  }
  json written = json::object();
  for (const auto& [what, path] : rep.written) written[what] = path;
  return {{"loss", rep.spec->name()},
          {"dtype", to_string(in.type)},
          {"reduction", to_string(rep.red)},
          {"inputs", inputs},
          {"params", params_json(*rep.spec, in.params)},
          {"reference", reference},
          {"variants", variants},
          {"written", written}};
}

}  // namespace lossbench::cli
