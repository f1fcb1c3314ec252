// golden_file.hpp — the golden files of tests/golden/: one versioned JSON file per loss, holding
// cases (how to build the inputs: generator name + seed + shape request + parameters + builder
// options, never raw arrays) and, per dtype, what the long-double reference says about them: the
// value, digests of the per-sample losses (reduction none) and of each gradient (sum, norm and a
// few sampled elements with their indices), each with the tolerance a correct kernel stays within.
//
// Long-double numbers are written as decimal strings of 21 significant digits ("inf", "-inf",
// "nan" where not finite), which read back to the same long double; tolerances as JSON doubles,
// rounded up.
#pragma once

#include <lossbench/loss_spec.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lossbench::check {

using json = nlohmann::ordered_json;

inline constexpr int golden_format_version = 1;

// How to build one case's inputs (see case_builders.hpp for the generators).
struct case_desc {
  std::string name;
  std::string generator = "default";
  std::uint64_t seed = 0;
  shape_request shape;
  json params = json::object();   // name → number, or {"uniform": [lo, hi], "size": n, "seed": s}
  json options = json::object();  // builder-specific
  lossbench::reduction reduction = lossbench::reduction::mean;
};

struct sampled_element {
  std::int64_t index = 0;
  long double value = 0;
  double tol = 0;
};

// A vector summarised: what a kernel's output must reproduce within the tolerances.
struct digest {
  std::string of;  // "losses" or the differentiable input's name
  std::int64_t count = 0;
  long double sum = 0;
  double sum_tol = 0;
  long double norm = 0;
  double norm_tol = 0;
  std::vector<sampled_element> samples;
};

struct expectation {
  long double value = 0;
  double value_tol = 0;
  std::optional<digest> losses;  // reduction none only
  std::vector<digest> grads;     // one per differentiable input
};

struct golden_case {
  case_desc desc;
  std::array<std::optional<expectation>, 2> expected;  // [0] f32, [1] f64
  std::optional<expectation>& at(dtype t) { return expected[t == dtype::f32 ? 0 : 1]; }
  const std::optional<expectation>& at(dtype t) const { return expected[t == dtype::f32 ? 0 : 1]; }
};

struct golden_file {
  std::string loss;
  std::vector<golden_case> cases;
};

std::string golden_path(const std::string& dir, std::string_view loss);  // DIR/<loss>.json
// Throws lossbench::error naming the file on unreadable or malformed content.
golden_file read_golden(const std::string& path);
// `spec` supplies the tolerance section (the accuracy bound and how tolerances derive from it).
void write_golden(const std::string& path, const golden_file& file, const loss_spec& spec);

std::string long_double_text(long double v);  // 21 significant digits, or inf/-inf/nan
long double parse_long_double(const std::string& s, const std::string& where);

}  // namespace lossbench::check
