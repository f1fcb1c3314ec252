// eval_inputs.cpp — files and --param strings to a call (rules in eval_inputs.hpp).
#include "cli/eval_inputs.hpp"

#include "io/npy.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

namespace lossbench::cli {

namespace {

std::string names_of(const loss_spec& spec, std::size_t from, std::size_t to) {
  std::string s;
  for (std::size_t i = from; i < to; ++i) s += (i > from ? ", " : "") + std::string(spec.inputs()[i].name);
  return s;
}

void expect_file_count(const loss_spec& spec, const std::vector<std::string>& files) {
  const std::size_t want = spec.inputs().size();
  if (files.size() == want) return;
  const std::string head = std::string(spec.name()) + " takes " + std::to_string(want) + " input files (" +
                           names_of(spec, 0, want) + "), got " + std::to_string(files.size());
  if (files.size() < want) throw error("inputs", head + ": missing " + names_of(spec, files.size(), want));
  std::string extra;
  for (std::size_t i = want; i < files.size(); ++i) extra += (i > want ? ", " : "") + files[i];
  throw error("inputs", head + ": extra " + extra);
}

std::optional<dtype> given_dtype(const std::optional<std::string>& dtype_arg) {
  if (!dtype_arg) return std::nullopt;
  const dtype t = parse_dtype(*dtype_arg);
  if (!is_floating(t)) throw error("--dtype", "expected f32, f64, bf16 or f16, got " + *dtype_arg);
  return t;
}

dtype run_dtype(std::optional<dtype> given, const loss_spec& spec, const array& first, const std::string& first_file) {
  if (given) return *given;
  if (!is_floating(first.type()))
    throw error("--dtype", "cannot take the dtype from the first input '" + std::string(spec.inputs()[0].name) + "' (" +
                               first_file + " is " + std::string(to_string(first.type())) +
                               "); pass --dtype f32, f64, bf16 or f16");
  return first.type();
}

// One input as the loss wants it, or an error naming the input.
array convert_input(const input_desc& d, io::npy_file f, const std::string& file, dtype run) {
  array a = std::move(f.data);
  const std::string got =
      (f.words ? "2-byte words" : std::string(to_string(a.type()))) + " ('" + f.descr + "') in " + file;
  switch (d.kind) {
    case input_kind::real:
      if (!is_floating(a.type()))
        throw error(std::string(d.name),
                    "expected a floating-point array (f32, f64, f16, or bf16 words with --dtype bf16), got " + got);
      break;
    case input_kind::index:
      if (is_floating(a.type())) throw error(std::string(d.name), "expected an integer array (i32 or i64), got " + got);
      return a;
    case input_kind::real_or_index:
      if (!is_floating(a.type())) return a;
      break;
  }
  return a.type() == run ? std::move(a) : a.astype(run);
}

std::optional<double> parse_number(const std::string& s) {
  double v = 0;
  const char* end = s.data() + s.size();
  const auto [ptr, ec] = std::from_chars(s.data(), end, v);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return v;
}

std::optional<bool> parse_bool(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (s == "true" || s == "1") return true;
  if (s == "false" || s == "0") return false;
  return std::nullopt;
}

const param_desc& find_param(const loss_spec& spec, const std::string& key) {
  for (const auto& p : spec.params())
    if (p.name == key) return p;
  std::string known;
  for (const auto& p : spec.params()) known += (known.empty() ? "" : ", ") + std::string(p.name);
  throw error("--param " + key, "unknown parameter for loss " + std::string(spec.name()) +
                                    (known.empty() ? " (it takes none)" : " (known: " + known + ")"));
}

array load_param_array(const std::string& argument, const std::string& file, dtype run) {
  array a;
  try {
    a = io::read_npy(file, {.words_are_bf16 = run == dtype::bf16});
  } catch (const error& e) {  // name the parameter, not only the file: "--param weight: w.npy: no such file"
    throw error(argument, e.what());
  }
  if (is_floating(a.type()) && a.type() != run) return a.astype(run);
  return a;  // run dtype already, or integer: resolve() rejects integer arrays with its own message
}

void add_param(const loss_spec& spec, const std::string& arg, dtype run, param_set& given) {
  const auto eq = arg.find('=');
  if (eq == std::string::npos || eq == 0) throw error("--param", "expected NAME=VALUE, got '" + arg + "'");
  const std::string key = arg.substr(0, eq), value = arg.substr(eq + 1);
  const param_desc& d = find_param(spec, key);
  const std::string argument = "--param " + key;
  if (given.has(key)) throw error(argument, "given more than once");
  switch (d.kind) {
    case param_kind::boolean: {
      const auto b = parse_bool(value);
      if (!b) throw error(argument, "expected true or false, got '" + value + "'");
      given.set(key, *b ? 1.0 : 0.0);
      return;
    }
    case param_kind::real:
    case param_kind::integer: {
      const auto v = parse_number(value);
      if (!v) throw error(argument, "expected a number, got '" + value + "'");
      if (d.kind == param_kind::integer && (!std::isfinite(*v) || *v != std::floor(*v)))
        throw error(argument, "expected an integer, got '" + value + "'");
      // Held as a double: beyond ±2^53 the digits given may already have been rounded away
      // (2^53 + 1 would silently become 2^53).
      if (d.kind == param_kind::integer && std::fabs(*v) >= 0x1p53)
        throw error(argument, "an integer beyond ±2^53 cannot be held exactly, got '" + value + "'");
      given.set(key, *v);
      return;
    }
    case param_kind::real_or_tensor:
      if (const auto v = parse_number(value)) {
        given.set(key, *v);
        return;
      }
      [[fallthrough]];
    case param_kind::tensor:
      given.set(key, load_param_array(argument, value, run));
      return;
  }
}

}  // namespace

std::vector<tensor_ref> loaded_inputs::refs() const {
  std::vector<tensor_ref> out;
  for (const auto& a : arrays) out.push_back(a.ref());
  return out;
}

io::bf16_words loaded_inputs::output_words(std::optional<std::size_t> input) const {
  if (input && *input < words.size() && words[*input]) return *words[*input];
  for (const auto& w : words)
    if (w) return *w;
  return io::bf16_words::i2;
}

loaded_inputs load_inputs(const loss_spec& spec, const std::vector<std::string>& files,
                          const std::optional<std::string>& dtype_arg, const std::vector<std::string>& param_args) {
  expect_file_count(spec, files);
  const std::optional<dtype> asked = given_dtype(dtype_arg);
  loaded_inputs out;
  out.files = files;
  std::vector<io::npy_file> raw;
  for (std::size_t i = 0; i < files.size(); ++i) {
    // Index inputs read words too, so that they are refused by name below rather than with --dtype advice.
    const bool words = asked == dtype::bf16 || spec.inputs()[i].kind == input_kind::index;
    raw.push_back(io::read_npy_file(files[i], {.words_are_bf16 = words}));
  }
  out.type = run_dtype(asked, spec, raw.at(0).data, files.at(0));
  for (std::size_t i = 0; i < raw.size(); ++i) {
    out.file_types.push_back(raw[i].data.type());
    out.descrs.push_back(raw[i].descr);
    out.words.push_back(raw[i].words);
    out.arrays.push_back(convert_input(spec.inputs()[i], std::move(raw[i]), files[i], out.type));
  }
  param_set given;
  for (const auto& arg : param_args) add_param(spec, arg, out.type, given);
  out.params = spec.resolve(given);
  return out;
}

}  // namespace lossbench::cli
