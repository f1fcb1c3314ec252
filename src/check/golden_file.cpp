// golden_file.cpp — reading and writing the golden files (see golden_file.hpp).
#include "check/golden_file.hpp"

#include "check/expected.hpp"
#include "io/atomic_file.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace lossbench::check {

namespace {

json number_or_string(long double v) { return long_double_text(v); }

json digest_json(const digest& d) {
  json samples = json::array();
  for (const auto& s : d.samples) samples.push_back({s.index, long_double_text(s.value), s.tol});
  return {{"of", d.of},
          {"count", d.count},
          {"sum", number_or_string(d.sum)},
          {"sum_tol", d.sum_tol},
          {"norm", number_or_string(d.norm)},
          {"norm_tol", d.norm_tol},
          {"samples", samples}};
}

json expectation_json(const expectation& e) {
  json j = {{"value", long_double_text(e.value)}, {"value_tol", e.value_tol}};
  if (e.losses) j["losses"] = digest_json(*e.losses);
  j["grads"] = json::array();
  for (const auto& g : e.grads) j["grads"].push_back(digest_json(g));
  return j;
}

json case_json(const golden_case& c) {
  const case_desc& d = c.desc;
  json j = {{"name", d.name},
            {"generator", d.generator},
            {"seed", d.seed},
            {"shape", {{"n", d.shape.n}, {"inner", d.shape.inner}}},
            {"params", d.params}};
  if (!d.options.empty()) j["options"] = d.options;
  j["reduction"] = to_string(d.reduction);
  if (!d.dtypes.empty()) {
    j["dtypes"] = json::array();
    for (dtype t : d.dtypes) j["dtypes"].push_back(to_string(t));
  }
  json expected = json::object();
  for (dtype t : golden_dtypes)
    if (c.at(t)) expected[std::string(to_string(t))] = expectation_json(*c.at(t));
  j["expected"] = expected;
  return j;
}

// Reading: every field checked, errors name the file and the case.
struct reader {
  std::string where;
  const json& field(const json& j, const char* key) const {
    if (!j.is_object() || !j.contains(key)) throw error(where, std::string("missing field '") + key + "'");
    return j.at(key);
  }
  long double real(const json& j, const char* key) const {
    const json& v = field(j, key);
    if (v.is_string()) return parse_long_double(v.get<std::string>(), where + " " + key);
    if (v.is_number()) return v.get<double>();
    throw error(where, std::string("field '") + key + "' must be a number or a decimal string");
  }
  double number(const json& j, const char* key) const {
    const json& v = field(j, key);
    if (!v.is_number()) throw error(where, std::string("field '") + key + "' must be a number");
    return v.get<double>();
  }
  // A tolerance: a negative or NaN one would turn every comparison into a pass (or a failure).
  double tolerance(const json& j, const char* key) const {
    const double t = number(j, key);
    if (!(t >= 0))
      throw error(where, std::string("field '") + key + "' must be a tolerance ≥ 0, got " + field(j, key).dump());
    return t;
  }
  digest read_digest(const json& j) const {
    digest d;
    d.of = field(j, "of").get<std::string>();
    d.count = integer_of(field(j, "count"), where + " count");
    if (d.count < 0) throw error(where, "field 'count' must be ≥ 0");
    d.sum = real(j, "sum");
    d.sum_tol = tolerance(j, "sum_tol");
    d.norm = real(j, "norm");
    d.norm_tol = tolerance(j, "norm_tol");
    for (const json& s : field(j, "samples")) {
      if (!s.is_array() || s.size() != 3 || !s[0].is_number_integer() || !s[1].is_string() || !s[2].is_number())
        throw error(where, "a sample must be [index, \"value\", tol], got " + s.dump());
      const std::int64_t index = s[0].get<std::int64_t>();
      const double tol = s[2].get<double>();
      if (index < 0 || index >= d.count)  // checked against the array before it is read
        throw error(where, "sample index " + std::to_string(index) + " outside the " + std::to_string(d.count) +
                               " elements of " + d.of);
      if (!(tol >= 0)) throw error(where, "sample " + std::to_string(index) + ": tolerance must be ≥ 0");
      d.samples.push_back({index, parse_long_double(s[1].get<std::string>(), where), tol});
    }
    return d;
  }
  expectation read_expectation(const json& j) const {
    expectation e;
    e.value = real(j, "value");
    e.value_tol = tolerance(j, "value_tol");
    if (j.contains("losses")) e.losses = read_digest(j.at("losses"));
    for (const json& g : field(j, "grads")) e.grads.push_back(read_digest(g));
    return e;
  }
  golden_case read_case(const json& j) const {
    golden_case c;
    case_desc& d = c.desc;
    d.name = field(j, "name").get<std::string>();
    const reader r{where + " case '" + d.name + "'"};
    d.generator = r.field(j, "generator").get<std::string>();
    d.seed = unsigned_of(r.field(j, "seed"), r.where + " seed");
    d.shape.n = integer_of(r.field(r.field(j, "shape"), "n"), r.where + " shape n");
    d.shape.inner = integer_of(r.field(r.field(j, "shape"), "inner"), r.where + " shape inner");
    // Golden cases are small (the largest has 100003 samples); a file asking for more is not one.
    constexpr std::int64_t max_n = std::int64_t{1} << 24, max_inner = std::int64_t{1} << 16;
    if (d.shape.n < 0 || d.shape.n > max_n || d.shape.inner < 0 || d.shape.inner > max_inner)
      throw error(r.where, "shape n must be in [0, 2^24] and inner in [0, 2^16], got n = " + std::to_string(d.shape.n) +
                               ", inner = " + std::to_string(d.shape.inner));
    if (j.contains("params")) d.params = j.at("params");
    if (j.contains("options")) d.options = j.at("options");
    d.reduction = parse_reduction(r.field(j, "reduction").get<std::string>());
    if (j.contains("dtypes")) {
      const json& list = j.at("dtypes");
      if (!list.is_array() || list.empty())
        throw error(r.where, "'dtypes' must be a non-empty array of dtype names, got " + list.dump());
      for (const json& name : list) {
        const auto known = [&](dtype t) { return name.is_string() && name.get<std::string>() == to_string(t); };
        const auto it = std::find_if(golden_dtypes.begin(), golden_dtypes.end(), known);
        if (it == golden_dtypes.end()) throw error(r.where, "'dtypes' names f32, f64, bf16 or f16, got " + name.dump());
        if (std::find(d.dtypes.begin(), d.dtypes.end(), *it) != d.dtypes.end())
          throw error(r.where, "'dtypes' lists " + name.dump() + " twice");
        d.dtypes.push_back(*it);
      }
    }
    if (j.contains("expected"))
      for (dtype t : golden_dtypes)
        if (j.at("expected").contains(std::string(to_string(t))))
          c.at(t) = r.read_expectation(j.at("expected").at(std::string(to_string(t))));
    return c;
  }
};

}  // namespace

bool case_desc::runs_in(dtype t) const {
  return dtypes.empty() || std::find(dtypes.begin(), dtypes.end(), t) != dtypes.end();
}

std::size_t golden_case::slot(dtype t) {
  const auto it = std::find(golden_dtypes.begin(), golden_dtypes.end(), t);
  if (it == golden_dtypes.end()) throw std::logic_error("golden expectations are for float dtypes only");
  return static_cast<std::size_t>(it - golden_dtypes.begin());
}

std::string golden_path(const std::string& dir, std::string_view loss) {
  return dir + "/" + std::string(loss) + ".json";
}

std::string long_double_text(long double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.20Le", v);  // 21 significant digits: round-trips a 64-bit mantissa
  return buf;
}

long double parse_long_double(const std::string& s, const std::string& where) {
  char* end = nullptr;
  const long double v = std::strtold(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size()) throw error(where, "expected a decimal number, got '" + s + "'");
  return v;
}

std::int64_t integer_of(const json& v, const std::string& what) {
  if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<std::uint64_t>() > INT64_MAX))
    throw error(what, "expected an integer in [-2^63, 2^63), got " + v.dump());
  return v.get<std::int64_t>();
}

std::uint64_t unsigned_of(const json& v, const std::string& what) {
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<std::int64_t>() >= 0))
    throw error(what, "expected an integer in [0, 2^64), got " + v.dump());
  return v.get<std::uint64_t>();
}

golden_file read_golden(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw error(path, "cannot open the golden file");
  const reader r{path};
  try {
    const json j = json::parse(in);
    if (r.field(j, "format").get<std::string>() != "lossbench-golden")
      throw error(path, "not a lossbench golden file (format field)");
    if (const std::int64_t v = integer_of(r.field(j, "version"), path + " version"); v != golden_format_version)
      throw error(path, "golden format version " + std::to_string(v) + ", this build reads " +
                            std::to_string(golden_format_version));
    golden_file f;
    f.loss = r.field(j, "loss").get<std::string>();
    const json& cases = r.field(j, "cases");
    if (!cases.is_array() || cases.empty())  // a file of no cases would check nothing and pass
      throw error(path, "'cases' must be a non-empty array of cases");
    for (const json& c : cases) f.cases.push_back(r.read_case(c));
    return f;
  } catch (const json::exception& e) {
    throw error(path, std::string("malformed golden file: ") + e.what());
  }
}

void write_golden(const std::string& path, const golden_file& file, const loss_spec& spec) {
  const accuracy_bound b = spec.accuracy();
  json tolerance = {
      {"value_ulps", b.value_ulps},
      {"grad_ulps", b.grad_ulps},
      {"accuracy_reason", b.reason},
      {"u", {{"f32", 0x1p-24}, {"f64", 0x1p-53}}},
      {"derivation",
       "value_tol = value_ulps·(u·Σ_i magnitude_i + n·½tiny)·|scale| + ½(u·|value| + tiny) (the loss's accuracy "
       "bound, then the rounding of the value to the dtype; tiny = the dtype's smallest denormal, the absolute "
       "error of a rounding that underflows); each sampled element: ulps·(u·magnitude_i + ½tiny); sum_tol = Σ_i of "
       "those "
       "+ 2^-60·Σ|ref_i| (the check's long-double sum); norm_tol = √(Σ_i bound_i²) + 2^-60·‖ref‖ (triangle "
       "inequality); every tolerance + the smallest denormal, rounded up to a double"}};
  // Losses with 16-bit storage say how their bf16/f16 expectations differ (f32/f64-only files keep
  // the header they had).
  const auto dtypes = spec.dtypes();
  std::vector<dtype> wide_16;
  for (dtype t : dtypes)
    if (is_16bit(t)) wide_16.push_back(t);
  if (!wide_16.empty()) {
    json storage = json::object();
    for (dtype t : wide_16) {
      const std::string name(to_string(t));
      tolerance["u"][name] = unit_roundoff(t);
      storage[name] = {{"half_ulp", storage_roundoff(t)},
                       {"half_subnormal", storage_half_denormal(t)},
                       {"overflow", storage_overflow(t)}};
    }
    tolerance["storage"] = storage;
    tolerance["derivation_16bit"] =
        "bf16 and f16 compute in float32 (u and tiny: float's) and store each per-sample loss and gradient "
        "element rounded once to 16 bits. value, value_tol: as f32 (the value is the f32 path's, returned as a "
        "float). Digests are of the elements as stored: an element whose every result within its bound rounds "
        "past the range (|ref_i| - bound_i >= overflow, the midpoint beyond the largest finite value) is +-inf; "
        "each finite element's bound is the f32 bound plus half a 16-bit ulp at |ref_i| + bound_i (half_ulp times "
        "its binade's power of two, at most half_ulp·|ref_i|; at least half_subnormal), the error of the one "
        "rounding to storage; sum_tol and norm_tol are made of those bounds as above";
  }
  const json header = {
      {"format", "lossbench-golden"},
      {"version", golden_format_version},
      {"loss", file.loss},
      {"generated_by", "lossbench check --update: loss_spec::reference in long double, never a kernel"},
      {"tolerance", tolerance}};
  // The header indented, then one case per line: small files whose diffs show which cases changed.
  std::string text = header.dump(1);
  text.resize(text.rfind('\n'));  // drop the closing brace
  text += ",\n \"cases\": [\n";
  for (std::size_t i = 0; i < file.cases.size(); ++i)
    text += "  " + case_json(file.cases[i]).dump() + (i + 1 < file.cases.size() ? ",\n" : "\n");
  text += " ]\n}\n";
  io::write_file_atomically(path, {text});  // an interrupted --update never leaves half a file
}

}  // namespace lossbench::check
