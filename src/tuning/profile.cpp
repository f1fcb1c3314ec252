// profile.cpp — see profile.hpp. The JSON layout, one object per bucket:
//   {"format": "lossbench-profile", "format_version": 1, "rigor": "measure", "created": "...",
//    "complete": true, "statistic": "median of 3 repetitions",
//    "cpu": {"model": "...", "isas": ["sse2", ...], "logical_cpus": 2},
//    "build": {"version": "0.1.0", "compiler": "GNU 12.2.0", "build_type": "Release", "cxx_flags": "..."},
//    "entries": [{"loss": "mse", "dtype": "f32", "mode": "value", "items": 4096,
//                 "items_min": 2048, "items_max": 8192, "source": "measured",
//                 "chosen": {"variant": "simd:avx512bw", "threads": 1}, "margin": 0.12,
//                 "candidates": [{"variant": "simd:avx512bw", "threads": 1, "time_ns": 95.1}, ...]}]}
#include "tuning/profile.hpp"

#include "io/atomic_file.hpp"

#include <lossbench/isa.hpp>
#include <lossbench/threads.hpp>

#include <nlohmann/json.hpp>

#include <fstream>
#include <limits>
#include <sstream>
#include <system_error>

namespace lossbench::tuning {

using nlohmann::json;

std::string variant_key(const variant& v) {
  const std::string isa_name(to_string(v.isa));
  if (v.drv == driver::omp) return "omp:" + (v.impl == implementation::scalar ? std::string("scalar") : isa_name);
  if (v.impl == implementation::scalar) return "scalar";
  if (v.impl == implementation::automatic) return "auto";
  return v.isa == isa::none ? "simd" : "simd:" + isa_name;
}

variant parse_variant_key(std::string_view key, std::string_view argument) {
  if (key == "scalar") return variant{implementation::scalar, isa::none, driver::serial};
  const auto colon = key.find(':');
  const std::string_view kind = key.substr(0, colon),
                         rest = colon == std::string_view::npos ? "" : key.substr(colon + 1);
  try {
    if (kind == "simd" && !rest.empty())
      return variant{implementation::simd, parse_isa(rest, argument), driver::serial};
    if (kind == "omp" && rest == "scalar") return variant{implementation::scalar, isa::none, driver::omp};
    if (kind == "omp" && !rest.empty()) return variant{implementation::simd, parse_isa(rest, argument), driver::omp};
  } catch (const error&) {
  }
  throw error(std::string(argument), "unknown variant '" + std::string(key) +
                                         "' (expected scalar, simd:<isa> or omp:<isa>, isa one of " + isa_choices() +
                                         ")");
}

namespace {

// Written in this key order (readers do not depend on it).
using ordered = nlohmann::ordered_json;

ordered candidate_json(const candidate& c, bool with_time) {
  ordered j = {{"variant", variant_key(c.variant)}, {"threads", c.threads}};
  if (with_time) j["time_ns"] = c.time_ns;
  return j;
}

ordered entry_json(const profile_entry& e) {
  ordered cands = ordered::array();
  for (const auto& c : e.candidates) cands.push_back(candidate_json(c, true));
  return {{"loss", e.loss},
          {"dtype", std::string(to_string(e.type))},
          {"mode", e.with_grad ? "value_grad" : "value"},
          {"items", e.items},
          {"items_min", e.items_min},
          {"items_max", e.items_max},
          {"source", e.measured ? "measured" : "heuristic"},
          {"chosen", candidate_json(e.chosen, false)},
          {"margin", e.margin},
          {"candidates", cands}};
}

// ---- reading: every field is checked, and an error names it by its JSON path ----------------

[[noreturn]] void bad(const std::string& where, const std::string& what) {
  throw error("profile", where + ": " + what);
}

const json& field(const json& obj, const std::string& where, const char* name, json::value_t type) {
  if (!obj.is_object()) bad(where, "expected an object");
  const auto it = obj.find(name);
  if (it == obj.end()) bad(where, std::string("missing field '") + name + "'");
  const bool number_ok = type == json::value_t::number_float && it->is_number();
  const bool integer_ok = type == json::value_t::number_integer && it->is_number_integer();
  if (it->type() != type && !number_ok && !integer_ok)
    bad(where + "." + name, std::string("expected ") + json(type).type_name());
  return *it;
}

std::string text(const json& o, const std::string& w, const char* n) {
  return field(o, w, n, json::value_t::string).get<std::string>();
}
std::int64_t integer(const json& o, const std::string& w, const char* n) {
  return field(o, w, n, json::value_t::number_integer).get<std::int64_t>();
}
double number(const json& o, const std::string& w, const char* n) {
  return field(o, w, n, json::value_t::number_float).get<double>();
}

candidate parse_candidate(const json& j, const std::string& where, bool with_time) {
  candidate c;
  c.variant = parse_variant_key(text(j, where, "variant"), "profile: " + where + ".variant");
  const std::int64_t threads = integer(j, where, "threads");
  if (threads < 1 || threads > max_threads)
    bad(where + ".threads", "expected 1.." + std::to_string(max_threads) + ", got " + std::to_string(threads));
  if (c.variant.drv != driver::omp && threads != 1) bad(where + ".threads", "a serial variant runs on 1 thread");
  c.threads = static_cast<int>(threads);
  if (with_time) {
    c.time_ns = number(j, where, "time_ns");
    if (!(c.time_ns >= 0) || c.time_ns == std::numeric_limits<double>::infinity())
      bad(where + ".time_ns", "expected a finite time ≥ 0");
  }
  return c;
}

profile_entry parse_entry(const json& j, const std::string& where) {
  profile_entry e;
  e.loss = text(j, where, "loss");
  // f32 and f64, and since 16-bit storage the bf16 and f16 rows (a profile without them is read
  // as before: those calls then use the heuristics).
  constexpr const char* dtypes = "expected f32, f64, bf16 or f16";
  try {
    e.type = parse_dtype(text(j, where, "dtype"));
  } catch (const error&) {
    bad(where + ".dtype", dtypes);
  }
  if (!is_floating(e.type)) bad(where + ".dtype", dtypes);
  const std::string mode = text(j, where, "mode");
  if (mode != "value" && mode != "value_grad") bad(where + ".mode", "expected value or value_grad, got '" + mode + "'");
  e.with_grad = mode == "value_grad";
  e.items = integer(j, where, "items");
  e.items_min = integer(j, where, "items_min");
  e.items_max = integer(j, where, "items_max");
  if (e.items_min < 0 || e.items_min >= e.items_max) bad(where, "expected 0 ≤ items_min < items_max");
  const std::string source = text(j, where, "source");
  if (source != "measured" && source != "heuristic") bad(where + ".source", "expected measured or heuristic");
  e.measured = source == "measured";
  e.chosen = parse_candidate(field(j, where, "chosen", json::value_t::object), where + ".chosen", false);
  e.margin = number(j, where, "margin");
  const json& cands = field(j, where, "candidates", json::value_t::array);
  for (std::size_t i = 0; i < cands.size(); ++i)
    e.candidates.push_back(parse_candidate(cands[i], where + ".candidates[" + std::to_string(i) + "]", true));
  return e;
}

cpu_signature parse_cpu(const json& j) {
  cpu_signature c;
  c.model = text(j, "cpu", "model");
  for (const auto& i : field(j, "cpu", "isas", json::value_t::array)) {
    if (!i.is_string()) bad("cpu.isas", "expected strings");
    c.isas.push_back(i.get<std::string>());
  }
  const std::int64_t cpus = integer(j, "cpu", "logical_cpus");
  if (cpus < 1 || cpus > (std::int64_t{1} << 20))  // 2^32 + 2 must not pass as 2
    bad("cpu.logical_cpus", "expected 1..2^20, got " + std::to_string(cpus));
  c.logical_cpus = static_cast<int>(cpus);
  return c;
}

build_signature parse_build(const json& j) {
  return {text(j, "build", "version"), text(j, "build", "compiler"), text(j, "build", "build_type"),
          text(j, "build", "cxx_flags")};
}

}  // namespace

std::string to_json_text(const profile& p) {
  ordered entries = ordered::array();
  for (const auto& e : p.entries) entries.push_back(entry_json(e));
  const ordered j = {{"format", profile_format},
                     {"format_version", profile_format_version},
                     {"rigor", p.rigor},
                     {"created", p.created},
                     {"complete", p.complete},
                     {"statistic", p.statistic},
                     {"cpu", {{"model", p.cpu.model}, {"isas", p.cpu.isas}, {"logical_cpus", p.cpu.logical_cpus}}},
                     {"build",
                      {{"version", p.build.version},
                       {"compiler", p.build.compiler},
                       {"build_type", p.build.build_type},
                       {"cxx_flags", p.build.cxx_flags}}},
                     {"entries", entries}};
  return j.dump(1) + "\n";
}

profile parse_profile(std::string_view text_in) {
  json j;
  try {
    j = json::parse(text_in);
  } catch (const json::exception& ex) {
    throw error("profile", std::string("not valid JSON (corrupt or truncated?): ") + ex.what());
  }
  if (!j.is_object()) bad("(top)", "expected an object");
  if (text(j, "(top)", "format") != profile_format) bad("format", "expected \"lossbench-profile\"");
  if (const auto v = integer(j, "(top)", "format_version"); v != profile_format_version)
    bad("format_version",
        "version " + std::to_string(v) + ", this library reads version " + std::to_string(profile_format_version));
  profile p;
  p.rigor = text(j, "(top)", "rigor");
  if (p.rigor != "estimate" && p.rigor != "measure" && p.rigor != "patient")
    bad("rigor", "expected estimate, measure or patient");
  p.created = text(j, "(top)", "created");
  p.complete = field(j, "(top)", "complete", json::value_t::boolean).get<bool>();
  p.statistic = text(j, "(top)", "statistic");
  p.cpu = parse_cpu(field(j, "(top)", "cpu", json::value_t::object));
  p.build = parse_build(field(j, "(top)", "build", json::value_t::object));
  const json& entries = field(j, "(top)", "entries", json::value_t::array);
  for (std::size_t i = 0; i < entries.size(); ++i)
    p.entries.push_back(parse_entry(entries[i], "entries[" + std::to_string(i) + "]"));
  return p;
}

// A profile of every loss, dtype and size bucket is tens of KiB; anything past this is not one.
constexpr std::uintmax_t max_profile_bytes = 16u << 20;

profile read_profile(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw error(path.string(), "is a directory, not a profile");
  // Only a regular file is opened: a FIFO would block the first `auto` call, /dev/zero never end.
  const auto st = std::filesystem::status(path, ec);
  if (!ec && st.type() != std::filesystem::file_type::regular)
    throw error(path.string(), "is not a regular file (a FIFO, socket or device), not a profile");
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (!ec && size > max_profile_bytes)
    throw error(path.string(),
                std::to_string(size) + " bytes; a profile is at most " + std::to_string(max_profile_bytes));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw error(path.string(), "cannot be read: " + std::generic_category().message(errno));
  // One byte more than the size found: a file that grew meanwhile is caught, never read unbounded.
  std::string text(ec ? 0 : static_cast<std::size_t>(size) + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) throw error(path.string(), "cannot be read");
  if (static_cast<std::uintmax_t>(in.gcount()) > size) throw error(path.string(), "changed while it was read");
  text.resize(static_cast<std::size_t>(in.gcount()));
  try {
    return parse_profile(text);
  } catch (const error& e) {
    throw error(path.string(), e.what());
  }
}

void write_profile(const std::filesystem::path& path, const profile& p) {
  if (path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) throw error(path.string(), "cannot create its directory: " + ec.message());
  }
  io::write_file_atomically(path, {to_json_text(p)});
}

std::string signature_mismatch(const profile& p) {
  const cpu_signature cpu = this_cpu();
  const auto describe = [](const cpu_signature& c) {
    std::string isas;
    for (const auto& i : c.isas) isas += (isas.empty() ? "" : " ") + i;
    return "'" + c.model + "', " + std::to_string(c.logical_cpus) + " logical CPUs, ISAs " +
           (isas.empty() ? "none" : isas);
  };
  if (!(p.cpu == cpu)) return "it was measured on another CPU (" + describe(p.cpu) + "; this is " + describe(cpu) + ")";
  const build_signature b = this_build();
  if (!(p.build == b))
    return "it was measured with another lossbench build (" + p.build.version + ", " + p.build.compiler + ", " +
           p.build.build_type + "; this is " + b.version + ", " + b.compiler + ", " + b.build_type + ")";
  return "";
}

}  // namespace lossbench::tuning
