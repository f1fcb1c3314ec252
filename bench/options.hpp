// options.hpp — the benchmark's own flags (--lossbench_*), read and removed from argv before
// Google Benchmark sees it, so every standard --benchmark_* flag keeps working unchanged.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lossbench::bench {

// A problem size, as a target element count of the prediction tensor. Each loss turns it into
// whole samples with its own items-per-sample, so the generated count is close to, not equal to,
// the target.
struct size_class {
  std::string label;       // "small", "l2", "large", or the number as given
  std::int64_t elements;   // target element count
};

struct options {
  std::vector<size_class> sizes;
};

// Flags (also in --help):
//   --lossbench_sizes=LIST   comma-separated size classes: small (4096 elements, L1/L2),
//                            l2 (32768), large (16M, memory-bound; 1M with --lossbench_quick),
//                            or element counts (e.g. 100000, 64k, 2M). Default: small,l2,large.
//   --lossbench_quick[=B]    large = 1M instead of 16M (B: 1/0/true/false). Environment:
//                            LOSSBENCH_QUICK=1 sets the default.
// Removes the flags it reads from argv; throws lossbench::error naming the flag on a bad value.
options parse_options(int* argc, char** argv);

void print_options_help();

}  // namespace lossbench::bench
