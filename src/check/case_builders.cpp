// case_builders.cpp — the named, portable input builders of the golden cases (case_builders.hpp).
#include "check/case_builders.hpp"

#include "check/portable_log.hpp"
#include "core/prng.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>

namespace lossbench::check {

namespace {

// Builders return the inputs; `scaled` alone also changes the parameters.
using builder = std::function<std::vector<array>(const loss_spec&, dtype, const case_desc&, param_set&)>;

[[noreturn]] void fail(const case_desc& c, const std::string& what) {
  throw error("case '" + c.name + "'", "generator '" + c.generator + "': " + what);
}

double number_of(const json& v, const case_desc& c) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) return static_cast<double>(parse_long_double(v.get<std::string>(), "case '" + c.name + "'"));
  fail(c, "expected a number or \"inf\"/\"-inf\"/\"nan\", got " + v.dump());
}

std::int64_t option(const case_desc& c, const char* key, std::int64_t fallback) {
  if (!c.options.contains(key)) return fallback;
  const json& v = c.options.at(key);
  if (!v.is_number_integer()) fail(c, std::string("option '") + key + "' must be an integer, got " + v.dump());
  return v.get<std::int64_t>();
}

// An integer option in [lo, hi] (an index into the inputs, a step).
std::int64_t option_in(const case_desc& c, const char* key, std::int64_t fallback, std::int64_t lo, std::int64_t hi) {
  const std::int64_t v = option(c, key, fallback);
  if (v < lo || v > hi)
    fail(c, std::string("option '") + key + "' must be in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                "], got " + std::to_string(v));
  return v;
}

// A value the case gives for element i of an input. f32 and f64 round it to the dtype (as they
// always have); a 16-bit input must hold it exactly: a hard case's tie or threshold would move
// silently with a rounded input, so the file gives values of the case dtype (or names its dtypes).
void set_given(array& a, std::int64_t i, double v, const case_desc& c) {
  a.set(i, v);
  const double held = a.get(i);
  if (is_16bit(a.type()) && held != v && !(std::isnan(v) && std::isnan(held)))
    fail(c, long_double_text(v) + " is not a " + std::string(to_string(a.type())) + " value (the nearest is " +
                long_double_text(held) + "); give values the dtype holds or restrict the case's \"dtypes\"");
}

// Element counts a case may ask for: far above any golden case, far below what would exhaust memory.
constexpr std::int64_t max_case_elements = std::int64_t{1} << 26;

// A parameter array: {"uniform": [lo, hi], "size": n, "seed": s} in the case dtype.
array param_array(const json& spec, dtype dt, const case_desc& c) {
  if (!spec.contains("uniform") || !spec.contains("size")) fail(c, "array parameters need \"uniform\" and \"size\"");
  const json& size = spec.at("size");
  if (!size.is_number_integer() || size.get<std::int64_t>() < 0 || size.get<std::int64_t>() > max_case_elements)
    fail(c, "an array parameter's size must be an integer in [0, " + std::to_string(max_case_elements) + "]");
  array a(dt, {size.get<std::int64_t>()});
  core::prng rng(spec.contains("seed") ? unsigned_of(spec.at("seed"), "case '" + c.name + "' array seed") : 1);
  const double lo = spec.at("uniform").at(0).get<double>(), hi = spec.at("uniform").at(1).get<double>();
  for (std::int64_t i = 0; i < a.numel(); ++i) a.set(i, rng.uniform(lo, hi));
  return a;
}

std::vector<array> from_generator(const loss_spec& s, dtype dt, const case_desc& c, const param_set& p) {
  return s.generate(dt, c.shape, c.seed, s.resolve(p));
}

std::vector<array> explicit_inputs(const loss_spec&, dtype dt, const case_desc& c, const param_set&) {
  std::vector<array> out;
  for (const json& in : c.options.at("inputs")) {
    const std::string kind = in.at("dtype").get<std::string>();
    std::vector<std::int64_t> dims;
    for (const json& d : in.at("shape")) dims.push_back(integer_of(d, "case '" + c.name + "' input shape"));
    const json& values = in.at("values");
    // The values fix the size: compared before anything is allocated (a huge shape is no allocation).
    std::int64_t numel = 1;
    for (std::int64_t d : dims) {
      if (d < 0 || (d > 0 && numel > max_case_elements / d)) fail(c, "explicit inputs have at most 2^26 elements");
      numel *= d;
    }
    if (!values.is_array() || static_cast<std::int64_t>(values.size()) != numel)
      fail(c, "values do not fill shape " + shape(std::span<const std::int64_t>(dims)).str());
    array a(kind == "real" ? dt : parse_dtype(kind), shape(std::span<const std::int64_t>(dims)));
    for (std::int64_t i = 0; i < a.numel(); ++i) set_given(a, i, number_of(values[static_cast<std::size_t>(i)], c), c);
    out.push_back(std::move(a));
  }
  return out;
}

std::vector<array> sprinkle(const loss_spec& s, dtype dt, const case_desc& c, const param_set& p) {
  auto in = from_generator(s, dt, c, p);
  array& a = in[static_cast<std::size_t>(option_in(c, "input", 0, 0, static_cast<std::int64_t>(in.size()) - 1))];
  if (!c.options.contains("values") || !c.options.at("values").is_array() || c.options.at("values").empty())
    fail(c, "sprinkle needs a non-empty array of \"values\"");
  const json& values = c.options.at("values");
  const auto every = static_cast<std::uint64_t>(option_in(c, "every", 4, 1, std::numeric_limits<std::int64_t>::max()));
  core::prng rng(c.seed ^ 0x5bd1e995ULL);
  std::size_t k = 0;
  for (std::int64_t i = 0; i < a.numel(); ++i)
    if (rng.below(every) == 0) set_given(a, i, number_of(values[k++ % values.size()], c), c);
  return in;
}

std::vector<array> copy_rows(const loss_spec& s, dtype dt, const case_desc& c, const param_set& p) {
  auto in = from_generator(s, dt, c, p);
  const std::int64_t every = option_in(c, "every", 1, 1, std::numeric_limits<std::int64_t>::max());
  const auto input_at = [&](const json& v) -> array& {
    if (!v.is_number_integer() || v.get<std::int64_t>() < 0 ||
        v.get<std::int64_t>() >= static_cast<std::int64_t>(in.size()))
      fail(c, "copy_rows: " + v.dump() + " is not an input index (0 to " + std::to_string(in.size() - 1) + ")");
    return in[v.get<std::size_t>()];
  };
  if (!c.options.contains("copies") || !c.options.at("copies").is_array())
    fail(c, "copy_rows needs \"copies\": [[from, to], ...]");
  for (const json& pair : c.options.at("copies")) {
    if (!pair.is_array() || pair.size() != 2) fail(c, "copy_rows: each copy is [from, to], got " + pair.dump());
    const array& from = input_at(pair[0]);
    array& to = input_at(pair[1]);
    if (!(from.shape() == to.shape()) || from.shape().rank() < 1) fail(c, "copy_rows needs inputs of one shape");
    const std::int64_t rows = from.shape()[0], width = rows ? from.numel() / rows : 0;
    for (std::int64_t r = 0; r < rows; r += every)
      for (std::int64_t j = 0; j < width; ++j) to.set(r * width + j, from.get(r * width + j));
  }
  return in;
}

const std::map<std::string, builder, std::less<>>& builders();

// scaled: options.base's inputs (default: the default generator's), then the inputs
// options.scale_inputs (default: every input of the case dtype) and the parameters
// options.scale_params (default: none) multiplied by options.factor, a number or one per dtype
// ({"f32": 1e19, "f64": 1e154}): the same case at the edges of each dtype's range. A product
// rounds once, correctly, on every machine.
std::vector<array> scaled(const loss_spec& s, dtype dt, const case_desc& c, param_set& p) {
  const json base = c.options.value("base", json("default"));
  if (!base.is_string() || base == "scaled" || !builders().contains(base.get<std::string>()))
    fail(c, "scaled: \"base\" must name another generator, got " + base.dump());
  auto in = builders().at(base.get<std::string>())(s, dt, c, p);
  if (!c.options.contains("factor")) fail(c, "scaled needs a \"factor\": a number or {\"f32\": x, \"f64\": y}");
  const json& f = c.options.at("factor");
  const std::string key(to_string(dt));
  if (f.is_object() && !f.contains(key)) fail(c, "scaled: \"factor\" has no entry for " + key);
  const double factor = number_of(f.is_object() ? f.at(key) : f, c);
  auto index_list = [&](const char* key_name) {
    std::vector<std::int64_t> out;
    if (!c.options.contains(key_name)) return out;
    const json& list = c.options.at(key_name);
    if (!list.is_array()) fail(c, std::string("scaled: \"") + key_name + "\" must be an array");
    for (const json& v : list) {
      if (!v.is_number_integer() || v.get<std::int64_t>() < 0 ||
          v.get<std::int64_t>() >= static_cast<std::int64_t>(in.size()))
        fail(c, "scaled: " + v.dump() + " is not an input index (0 to " + std::to_string(in.size() - 1) + ")");
      out.push_back(v.get<std::int64_t>());
    }
    return out;
  };
  std::vector<std::int64_t> inputs = index_list("scale_inputs");
  if (!c.options.contains("scale_inputs"))
    for (std::size_t k = 0; k < in.size(); ++k)
      if (in[k].type() == dt) inputs.push_back(static_cast<std::int64_t>(k));
  for (std::int64_t k : inputs) {
    array& a = in[static_cast<std::size_t>(k)];
    if (a.type() != dt) fail(c, "scaled: input " + std::to_string(k) + " is not of the case dtype");
    for (std::int64_t i = 0; i < a.numel(); ++i) a.set(i, a.get(i) * factor);
  }
  if (c.options.contains("scale_params")) {
    const json& names = c.options.at("scale_params");
    if (!names.is_array()) fail(c, "scaled: \"scale_params\" must be an array of parameter names");
    const param_set resolved = s.resolve(p);
    for (const json& name : names) {
      if (!name.is_string() || !resolved.has(name.get<std::string>()))
        fail(c, "scaled: " + name.dump() + " is not a parameter");
      p.set(name.get<std::string>(), resolved.number(name.get<std::string>()) * factor);
    }
  }
  return in;
}

std::vector<array> probabilities(const loss_spec& s, dtype dt, const case_desc& c, const param_set& p) {
  auto in = from_generator(s, dt, c, p);
  const shape& sh = in.at(0).shape();
  array probs(dt, sh);
  const std::int64_t width = sh.rank() ? sh[sh.rank() - 1] : 1, rows = width ? probs.numel() / width : 0;
  core::prng rng(c.seed ^ 0x9e3779b9ULL);
  std::vector<double> w(static_cast<std::size_t>(width));
  for (std::int64_t r = 0; r < rows; ++r) {
    double total = 0;
    for (double& v : w) total += v = rng.below(4) == 0 ? 0.0 : rng.uniform();
    if (total == 0) w[0] = total = 1;
    for (std::int64_t j = 0; j < width; ++j) probs.set(r * width + j, w[static_cast<std::size_t>(j)] / total);
  }
  in[static_cast<std::size_t>(option_in(c, "input", 1, 0, static_cast<std::int64_t>(in.size()) - 1))] =
      std::move(probs);
  return in;
}

// ---- CTC ----------------------------------------------------------------------------------
enum class ctc_mode { random, empty_target, exact_length, impossible };

std::int64_t frames_needed(const std::vector<std::int64_t>& labels) {
  std::int64_t n = static_cast<std::int64_t>(labels.size());
  for (std::size_t s = 1; s < labels.size(); ++s) n += labels[s] == labels[s - 1];
  return n;
}

// Frames of a peaked distribution: p_c = w_c/Σw with w = u⁴, log p by the portable logarithm.
array ctc_log_probs(dtype dt, std::int64_t time, std::int64_t batch, std::int64_t classes, core::prng& rng) {
  array lp(dt, {time, batch, classes});
  std::vector<double> w(static_cast<std::size_t>(classes));
  for (std::int64_t row = 0; row < time * batch; ++row) {
    double total = 0;
    for (double& v : w) {
      const double u = 0.01 + rng.uniform();
      total += v = (u * u) * (u * u);
    }
    for (std::int64_t k = 0; k < classes; ++k)
      lp.set(row * classes + k, portable_log(w[static_cast<std::size_t>(k)] / total));
  }
  return lp;
}

builder ctc_builder(ctc_mode mode) {
  return [mode](const loss_spec&, dtype dt, const case_desc& c, const param_set& p) {
    const std::int64_t batch = c.shape.n, classes = c.shape.inner > 0 ? c.shape.inner : 6;
    const std::int64_t time = option_in(c, "time", 20, 0, 1 << 16),
                       max_target = option_in(c, "max_target", 6, 0, 1 << 15);
    if (time * batch * classes > max_case_elements) fail(c, "time × batch × classes above 2^26 elements");
    const std::int64_t blank = p.has("blank") ? static_cast<std::int64_t>(p.number("blank")) : 0;
    if (classes < 2 || time < 2 * max_target || max_target < 2 || blank < 0 || blank >= classes)
      fail(c, "needs classes ≥ 2, max_target ≥ 2, time ≥ 2·max_target and blank in [0, classes)");
    core::prng rng(c.seed);
    std::vector<array> out;
    out.push_back(ctc_log_probs(dt, time, batch, classes, rng));
    array targets(dtype::i64, {batch, max_target}), il(dtype::i64, {batch}), tl(dtype::i64, {batch});
    for (std::int64_t b = 0; b < batch; ++b) {
      std::vector<std::int64_t> labels(static_cast<std::size_t>(
          mode == ctc_mode::empty_target
              ? 0
              : 1 + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(max_target)))));
      for (auto& l : labels) {
        const auto k = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(classes - 1)));
        l = k >= blank ? k + 1 : k;  // any class but blank
      }
      std::int64_t length =
          time / 2 + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(time - time / 2 + 1)));
      if (mode == ctc_mode::random)
        while (frames_needed(labels) > length) labels.pop_back();  // keep it feasible
      if (mode == ctc_mode::exact_length) length = frames_needed(labels);
      if (mode == ctc_mode::impossible && b % 2 == 0) {  // even sequences: one repeat too many
        if (labels.size() < 2) labels.resize(2);
        labels[1] = labels[0];
        length = frames_needed(labels) - 1;  // ≥ the target length, so the call is valid
      }
      if (mode == ctc_mode::empty_target && b == 0) length = 0;  // an empty input too
      for (std::size_t s = 0; s < labels.size(); ++s)
        targets.set(b * max_target + static_cast<std::int64_t>(s), static_cast<double>(labels[s]));
      il.set(b, static_cast<double>(length));
      tl.set(b, static_cast<double>(labels.size()));
    }
    out.push_back(std::move(targets));
    out.push_back(std::move(il));
    out.push_back(std::move(tl));
    return out;
  };
}

const std::map<std::string, builder, std::less<>>& builders() {
  static const std::map<std::string, builder, std::less<>> all = {
      {"default", from_generator},
      {"explicit", explicit_inputs},
      {"sprinkle", sprinkle},
      {"copy_rows", copy_rows},
      {"scaled", scaled},
      {"probabilities", probabilities},
      {"ctc_random", ctc_builder(ctc_mode::random)},
      {"ctc_empty_target", ctc_builder(ctc_mode::empty_target)},
      {"ctc_exact_length", ctc_builder(ctc_mode::exact_length)},
      {"ctc_impossible", ctc_builder(ctc_mode::impossible)},
  };
  return all;
}

}  // namespace

built_case build_case(const loss_spec& spec, dtype dt, const case_desc& c) {
  const auto it = builders().find(c.generator);
  if (it == builders().end()) fail(c, "unknown generator");
  built_case out;
  for (const auto& [name, v] : c.params.items()) {
    if (v.is_object())
      out.params.set(name, param_array(v, dt, c));
    else
      out.params.set(name, number_of(v, c));
  }
  try {
    // The loss checks its parameters (names, kinds, integer ranges) before a builder reads one:
    // ctc's blank becomes an index.
    (void)spec.resolve(out.params);
  } catch (const error& e) {
    fail(c, e.what());
  }
  try {
    out.inputs = it->second(spec, dt, c, out.params);
  } catch (const json::exception& e) {
    fail(c, std::string("bad options: ") + e.what());
  }
  return out;
}

std::vector<std::string_view> builder_names() {
  std::vector<std::string_view> out;
  for (const auto& [name, b] : builders()) out.push_back(name);
  return out;
}

}  // namespace lossbench::check
