// options.cpp — parsing of the --lossbench_* flags (see options.hpp for their meaning).
#include "options.hpp"

#include "core/environment.hpp"

#include <lossbench/types.hpp>

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace lossbench::bench {

namespace {

constexpr std::int64_t small_elements = 4096;     // 16–32 KiB per f32/f64 input: stays in L1/L2
constexpr std::int64_t l2_elements = 32768;       // 128–256 KiB per input: L2-resident
constexpr std::int64_t large_elements = 1 << 24;  // 64–128 MiB per input: from DRAM
constexpr std::int64_t quick_large_elements = 1 << 20;

bool parse_bool(std::string_view flag, std::string_view v) {
  if (v == "1" || v == "true" || v == "yes" || v == "on") return true;
  if (v == "0" || v == "false" || v == "no" || v == "off") return false;
  throw error(std::string(flag), "expects true/false or 1/0, got '" + std::string(v) + "'");
}

// "100000", "64k", "2M" → elements.
std::int64_t parse_count(std::string_view token) {
  std::int64_t scale = 1;
  std::string_view digits = token;
  if (!digits.empty() && (digits.back() == 'k' || digits.back() == 'K'))
    scale = 1024, digits.remove_suffix(1);
  else if (!digits.empty() && (digits.back() == 'm' || digits.back() == 'M'))
    scale = 1 << 20, digits.remove_suffix(1);
  std::int64_t n = 0;
  for (char ch : digits) {
    if (ch < '0' || ch > '9' || n > (std::int64_t{1} << 40)) return -1;
    n = n * 10 + (ch - '0');
  }
  if (digits.empty() || n > (std::int64_t{1} << 50) / scale) return -1;  // also keeps n · scale from overflowing
  return n * scale;
}

}  // namespace

std::int64_t parse_element_count(std::string_view token, std::string_view flag) {
  const std::int64_t n = parse_count(token);
  if (n < 0)
    throw error(std::string(flag),
                "expects an element count such as 100000, 64k or 2M (at most 2^50), got '" + std::string(token) + "'");
  return n;
}

namespace {

size_class parse_size(std::string_view token, bool quick, std::string_view flag) {
  if (token == "small") return {"small", small_elements};
  if (token == "l2") return {"l2", l2_elements};
  if (token == "large") return {"large", quick ? quick_large_elements : large_elements};
  const std::int64_t n = parse_count(token);
  if (n <= 0)
    throw error(std::string(flag),
                "expects small, l2, large or a positive element count (e.g. 100000, 64k, 2M), got '" +
                    std::string(token) + "'");
  return {std::string(token), n};
}

}  // namespace

std::vector<size_class> parse_sizes(std::string_view list, bool quick, std::string_view flag) {
  std::vector<size_class> out;
  while (!list.empty()) {
    const auto comma = list.find(',');
    const auto token = list.substr(0, comma);
    if (!token.empty()) out.push_back(parse_size(token, quick, flag));
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
  }
  if (out.empty()) throw error(std::string(flag), "expects at least one size");
  return out;
}

namespace {

// The value of `--name=value` or `--name` (→ "true"), or nothing if `arg` is another flag.
bool match_flag(std::string_view arg, std::string_view name, std::string_view& value) {
  if (arg.substr(0, name.size()) != name) return false;
  const auto rest = arg.substr(name.size());
  if (rest.empty()) return value = "true", true;
  if (rest[0] != '=') return false;
  value = rest.substr(1);
  return true;
}

}  // namespace

options parse_options(int* argc, char** argv) {
  bool quick = core::environment::flag("LOSSBENCH_QUICK").value_or(false);
  std::string_view sizes = "small,l2,large";
  bool roofline = true;
  std::int64_t width = 0;
  int kept = 1;
  for (int i = 1; i < *argc; ++i) {
    std::string_view value;
    if (match_flag(argv[i], "--lossbench_sizes", value))
      sizes = value;
    else if (match_flag(argv[i], "--lossbench_quick", value))
      quick = parse_bool("--lossbench_quick", value);
    else if (match_flag(argv[i], "--lossbench_roofline", value))
      roofline = parse_bool("--lossbench_roofline", value);
    else if (match_flag(argv[i], "--lossbench_width", value)) {
      width = parse_count(value);
      if (width <= 0) throw error("--lossbench_width", "expects a positive count, got '" + std::string(value) + "'");
    } else
      argv[kept++] = argv[i];  // not ours: left for Google Benchmark
  }
  *argc = kept;
  argv[kept] = nullptr;
  options opt;
  opt.sizes = parse_sizes(sizes, quick);
  opt.roofline = roofline;
  opt.width = width;
  return opt;  // after the loop: --lossbench_quick may follow the sizes
}

void print_options_help() {
  std::printf(
      "lossbench_bench: one benchmark per loss/variant/dtype x {value, value_grad} x size,\n"
      "named <loss>/<variant>/<dtype>/<mode>/n:<elements>.\n"
      "  --lossbench_sizes=LIST  small (4096 elements), l2 (32768), large (16M; 1M when quick)\n"
      "                          or element counts (100000, 64k, 2M); default small,l2,large\n"
      "  --lossbench_quick[=B]   large = 1M elements (also LOSSBENCH_QUICK=1)\n"
      "  --lossbench_roofline[=B] measure bandwidth and FLOP ceilings first (default true):\n"
      "                          counters roofline_pct and bandwidth_pct\n"
      "  --lossbench_width=N     the losses' inner size: classes C (cross_entropy, ctc), row\n"
      "                          width D (triplet, contrastive), a second axis (element-wise);\n"
      "                          default: each loss's own (C = 1000, D = 128, ...)\n\n");
}

}  // namespace lossbench::bench
