// format.cpp — text and JSON formatting for the CLI (see format.hpp).
#include "cli/format.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace lossbench::cli {

std::string_view to_string(input_kind k) {
  switch (k) {
    case input_kind::real:
      return "real";
    case input_kind::index:
      return "index";
    case input_kind::real_or_index:
      return "real_or_index";
  }
  return "?";
}

std::string_view to_string(param_kind k) {
  switch (k) {
    case param_kind::real:
      return "real";
    case param_kind::integer:
      return "integer";
    case param_kind::boolean:
      return "boolean";
    case param_kind::real_or_tensor:
      return "real_or_tensor";
    case param_kind::tensor:
      return "tensor";
  }
  return "?";
}

std::string default_text(const param_desc& p) {
  switch (p.kind) {
    case param_kind::tensor:
      return "none";
    case param_kind::boolean:
      return p.default_value != 0 ? "true" : "false";
    default:
      return fmt::format("{}", p.default_value);
  }
}

json default_json(const param_desc& p) {
  switch (p.kind) {
    case param_kind::tensor:
      return nullptr;
    case param_kind::boolean:
      return p.default_value != 0;
    case param_kind::integer:
      return static_cast<std::int64_t>(p.default_value);
    default:
      return json_number(p.default_value);
  }
}

std::string number_text(double v, dtype t) {
  return t == dtype::f32 ? fmt::format("{}", static_cast<float>(v)) : fmt::format("{}", v);
}

std::string diff_text(double v) { return fmt::format("{:.3g}", v); }

json json_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return v;  // nlohmann writes the shortest text that reads back to the same double
}

json json_values(const array& a) {
  json out = json::array();
  for (std::int64_t i = 0; i < a.numel(); ++i) out.push_back(json_number(a.get(i)));
  return out;
}

std::string truncated_values(const array& a, dtype t) {
  constexpr std::int64_t head = 6, tail = 3;
  const std::int64_t n = a.numel();
  std::string s = "[";
  for (std::int64_t i = 0; i < n; ++i) {
    if (n > head + tail && i == head) {
      s += ", …";
      i = n - tail - 1;
      continue;
    }
    s += (i ? ", " : "") + number_text(a.get(i), t);
  }
  return s + fmt::format("] ({} value{})", n, n == 1 ? "" : "s");
}

namespace {
// Characters, not bytes: skip UTF-8 continuation bytes (10xxxxxx).
std::size_t display_width(const std::string& s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}
}  // namespace

std::string table::str() const {
  std::vector<std::size_t> width;
  for (const auto& row : rows_)
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (width.size() <= c) width.push_back(0);
      width[c] = std::max(width[c], display_width(row[c]));
    }
  std::string out;
  for (const auto& row : rows_) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line.append(width[c] - display_width(row[c]) + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace lossbench::cli
