// format.hpp — how the CLI writes things: names of input and parameter kinds, numbers in text
// (shortest round-trip form in the run dtype) and in JSON (full precision; NaN and infinities,
// which JSON cannot spell, as the strings "nan", "inf", "-inf"), and aligned text tables.
#pragma once

#include <lossbench/loss_spec.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace lossbench::cli {

using json = nlohmann::ordered_json;

std::string_view to_string(input_kind k);
std::string_view to_string(param_kind k);
std::string default_text(const param_desc& p);  // "1", "true", "none" (an absent array)
json default_json(const param_desc& p);

// A number as the dtype holds it: the shortest text that reads back to the same float/double.
std::string number_text(double v, dtype t);
// A difference or error: three significant digits.
std::string diff_text(double v);
json json_number(double v);
json json_values(const array& a);                       // every element, full precision
std::string truncated_values(const array& a, dtype t);  // "[a, b, c, …, y, z] (N values)"

// Columns padded to their widest cell (counted in characters, not bytes: formulas hold UTF-8).
class table {
 public:
  explicit table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  std::string str() const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace lossbench::cli
