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

// The spacing of the 16-bit type `t` at |v|: 2^(e − stored significand bits), subnormals included.
double spacing16(long double v, dtype t) {
  const int digits = t == dtype::bf16 ? 7 : 10, min_exponent = t == dtype::bf16 ? -126 : -14;
  const int e = v == 0 ? min_exponent : std::max(std::ilogb(static_cast<double>(v)), min_exponent);
  return std::ldexp(1.0, e - digits);
}

double rounded16(double v, dtype t) { return t == dtype::bf16 ? float(bf16(v)) : float(f16(v)); }

// |got − want| in spacings of the 16-bit type at want (see eval_report.hpp).
double ulps16(double got, long double want, dtype t) {
  const double w = static_cast<double>(want);
  if (std::isnan(w) || std::isnan(got)) return std::isnan(w) && std::isnan(got) ? 0 : infinite;
  if (std::isinf(w)) return got == w ? 0 : infinite;
  if (std::isinf(got)) return rounded16(w, t) == got ? 0.5 : infinite;
  return static_cast<double>(std::fabs(static_cast<long double>(got) - want) / spacing16(want, t));
}

double max_ulps16(const array& got, const std::vector<long double>& want, dtype t) {
  double worst = 0;
  for (std::size_t i = 0; i < want.size(); ++i)
    worst = std::max(worst, ulps16(got.get(static_cast<std::int64_t>(i)), want[i], t));
  return worst;
}

// The type a run's value is computed and returned in: f32 for the 16-bit storage types.
dtype value_type(dtype t) { return is_16bit(t) ? dtype::f32 : t; }

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
  r.max_grad_ulps = 0;
  for (std::size_t k = 0; k < r.grads.size() && k < ref.grads.size(); ++k)
    if (is_16bit(r.grads[k].type()))
      r.max_grad_ulps = std::max(r.max_grad_ulps, max_ulps16(r.grads[k], ref.grads[k], r.grads[k].type()));
}

std::string report_text(const eval_report& rep) {
  const loaded_inputs& in = *rep.inputs;
  const dtype t = in.type;
  std::string s = fmt::format("loss {}  dtype {}  reduction {}\n", rep.spec->name(), to_string(t), to_string(rep.red));
  for (std::size_t i = 0; i < in.arrays.size(); ++i) {
    const std::string stored =
        in.words[i] ? fmt::format("bf16 as '{}' words", in.descrs[i]) : std::string(to_string(in.file_types[i]));
    const std::string conv = in.file_types[i] == in.arrays[i].type()
                                 ? stored
                                 : fmt::format("{} converted to {}", stored, to_string(in.arrays[i].type()));
    s += fmt::format("  {}{}  {} ({})\n", rep.spec->inputs()[i].name, in.arrays[i].shape().str(), in.files[i], conv);
  }
  s += fmt::format("params: {}\n", params_text(*rep.spec, in.params));
  s += fmt::format("reference (long double): {}\n\n", fmt::format("{:.17g}", static_cast<double>(rep.ref.value)));
  const bool none = rep.red == reduction::none, wide = !is_16bit(t);
  std::vector<std::string> header = {"VARIANT", "VALUE", "|DIFF|", "REL DIFF", "MAX GRAD REL DIFF"};
  if (!wide) header.push_back(fmt::format("MAX GRAD ULPS ({})", to_string(t)));
  if (none) header.push_back("MAX LOSS REL DIFF");
  table tab(header);
  for (const auto& r : rep.variants) {
    std::vector<std::string> row = {r.variant, number_text(r.value, value_type(t)), diff_text(r.abs_diff),
                                    diff_text(r.rel_diff), diff_text(r.max_grad_rel_diff)};
    if (!wide) row.push_back(diff_text(r.max_grad_ulps));
    if (none) row.push_back(diff_text(r.max_loss_rel_diff));
    tab.add(row);
  }
  s += tab.str();
  if (none)
    for (const auto& r : rep.variants)
      s += fmt::format("losses ({}): {}\n", r.variant, truncated_values(r.losses, value_type(t)));
  for (const auto& w : rep.written)
    s += wide ? fmt::format("wrote {}: {}\n", w.what, w.path)
              : fmt::format("wrote {}: {} ('{}')\n", w.what, w.path, w.descr);
  return s;
}

json report_json(const eval_report& rep) {
  const loaded_inputs& in = *rep.inputs;
  json inputs = json::array();
  for (std::size_t i = 0; i < in.arrays.size(); ++i)
    inputs.push_back({{"name", rep.spec->inputs()[i].name},
                      {"file", in.files[i]},
                      {"file_dtype", to_string(in.file_types[i])},
                      {"file_descr", in.descrs[i]},
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
    if (is_16bit(in.type)) v["max_grad_ulps"] = json_number(r.max_grad_ulps);
    if (rep.red == reduction::none) {
      v["max_loss_rel_diff"] = json_number(r.max_loss_rel_diff);
      v["losses"] = json_values(r.losses);
    }
    variants.push_back(std::move(v));
  }
  json written = json::object(), written_descr = json::object();
  for (const auto& w : rep.written) {
    written[w.what] = w.path;
    written_descr[w.what] = w.descr;
  }
  return {{"loss", rep.spec->name()},
          {"dtype", to_string(in.type)},
          {"reduction", to_string(rep.red)},
          {"inputs", inputs},
          {"params", params_json(*rep.spec, in.params)},
          {"reference", reference},
          {"variants", variants},
          {"written", written},
          {"written_descr", written_descr}};
}

}  // namespace lossbench::cli
