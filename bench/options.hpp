// options.hpp — the benchmark's own flags (--lossbench_*), read and removed from argv before
// Google Benchmark sees it, so every standard --benchmark_* flag keeps working unchanged.
#pragma once

#include <lossbench/registry.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace lossbench::bench {

// A problem size, as a target element count of the prediction tensor. Each loss turns it into
// whole samples with its own items-per-sample, so the generated count is close to, not equal to,
// the target.
struct size_class {
  std::string label;      // "small", "l2", "large", or the number as given
  std::int64_t elements;  // target element count
};

struct options {
  std::vector<size_class> sizes;
  bool roofline = true;  // measure the machine's ceilings first (roofline_pct, bandwidth_pct)
  // The generators' inner size: classes C of cross_entropy and ctc, row width D of triplet and
  // contrastive, a second axis of the element-wise losses; 0 = each loss's default.
  std::int64_t width = 0;
  // Which registry entries get benchmarks (null: all) and the omp variant's thread counts
  // (empty: 1 and the default count): `lossbench report` narrows both; lossbench_bench filters by name.
  std::function<bool(const entry&)> select;
  std::vector<int> omp_threads;
  // Measure each benchmark's accuracy against the long-double reference (counters value_rel_err,
  // grad_*): `lossbench tune` times only, and skips the reference's cost.
  bool accuracy = true;
};

// Flags (also in --help):
//   --lossbench_sizes=LIST   comma-separated size classes: small (4096 elements, L1/L2),
//                            l2 (32768), large (16M, memory-bound; 1M with --lossbench_quick),
//                            or element counts (e.g. 100000, 64k, 2M). Default: small,l2,large.
//   --lossbench_quick[=B]    large = 1M instead of 16M (B: 1/0/true/false). Environment:
//                            LOSSBENCH_QUICK=1 sets the default.
//   --lossbench_roofline[=B] measure streaming-read bandwidth and multiply-add peak before the
//                            benchmarks (~3 s; default true): the roofline_pct/bandwidth_pct counters.
//   --lossbench_width=N      the generators' inner size (options::width); default each loss's own.
// Removes the flags it reads from argv; throws lossbench::error naming the flag on a bad value.
options parse_options(int* argc, char** argv);

void print_options_help();

// "100000", "64k", "2M" → elements (k = 2^10, M = 2^20), at most 2^50; errors name `flag`.
std::int64_t parse_element_count(std::string_view token, std::string_view flag);

// "small,l2,64k,2M" → size classes (errors name `flag`).
std::vector<size_class> parse_sizes(std::string_view list, bool quick, std::string_view flag = "--lossbench_sizes");

}  // namespace lossbench::bench
