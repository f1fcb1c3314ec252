// loss_benchmarks.hpp — registers, at run time, one Google Benchmark per registry entry × mode
// (value, value_grad) × size, named <loss>/<variant>/<dtype>/<mode>/n:<elements>, where
// <elements> is the prediction tensor's element count actually generated (loss_spec::items).
//
// Each reports items/s (loss_spec::items), bytes/s (loss_spec::compulsory_bytes) and, computed
// once outside the timed loop against loss_spec::reference, value_rel_err and (value_grad)
// grad_max_rel_err, grad_max_ulp, grad_mean_ulp (unless options::accuracy is off). The label is the
// size class (small, l2, large). The `auto` entries run at the default thread count, as a library call would.
#pragma once

#include "options.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace lossbench::bench {

// What was registered, in registration order: the benchmarks of one (loss, dtype, items) group
// share one problem, so a caller may run them group by group (`lossbench tune`, `report`).
struct registered_benchmark {
  std::string name;
  const loss_spec* loss;
  dtype type;
  std::int64_t items;
};

std::vector<registered_benchmark> register_loss_benchmarks(const options& opt);

// The regular expression (Google Benchmark's filter) that selects one group's benchmarks.
std::string group_filter(const registered_benchmark& b);

// The groups of `registered`, in order: each one's filter and number of benchmarks.
struct benchmark_group {
  std::string filter;
  int benchmarks = 0;
};
std::vector<benchmark_group> groups_of(const std::vector<registered_benchmark>& registered);

// Appends to `out`, unless it is there already, the group of `all` that measures `loss` in `type`
// at `items` (a second pass: `tune`'s disputed sizes, the report's trailing `auto` rows).
void add_group(std::vector<benchmark_group>& out, const std::vector<benchmark_group>& all, const loss_spec& loss,
               dtype type, std::int64_t items);

}  // namespace lossbench::bench
