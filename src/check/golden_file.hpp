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
  // The dtypes the case runs in; empty: every dtype of the loss. Hard cases made for one dtype's
  // range ("dtypes": ["f16"]: results past 65504) name theirs.
  std::vector<dtype> dtypes;
  bool runs_in(dtype t) const;
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

// The dtypes a golden case can hold expectations for, in the order files list them.
inline constexpr std::array<dtype, 4> golden_dtypes = {dtype::f32, dtype::f64, dtype::bf16, dtype::f16};

struct golden_case {
  case_desc desc;
  std::array<std::optional<expectation>, golden_dtypes.size()> expected;  // f32, f64, bf16, f16
  std::optional<expectation>& at(dtype t) { return expected[slot(t)]; }
  const std::optional<expectation>& at(dtype t) const { return expected[slot(t)]; }
  static std::size_t slot(dtype t);  // t's index in golden_dtypes; std::logic_error for i32/i64
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
// A JSON integer field of untrusted input. A float (1e300) or any other kind is an error naming
// `what`: converting an out-of-range float to an integer would be undefined behaviour.
std::int64_t integer_of(const json& v, const std::string& what);
std::uint64_t unsigned_of(const json& v, const std::string& what);  // also refuses negatives

}  // namespace lossbench::check
