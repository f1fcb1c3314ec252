// context.cpp — benchmark::AddCustomContext entries (see context.hpp). The compiler and flags
// come from CMake as definitions on the bench target (LOSSBENCH_COMPILER, LOSSBENCH_CXX_FLAGS,
// LOSSBENCH_BUILD_TYPE); the library is built with the same ones.
#include "context.hpp"

#include <lossbench/registry.hpp>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>
#include <vector>

#ifndef LOSSBENCH_COMPILER
#define LOSSBENCH_COMPILER "unknown"
#endif
#ifndef LOSSBENCH_CXX_FLAGS
#define LOSSBENCH_CXX_FLAGS "unknown"
#endif
#ifndef LOSSBENCH_BUILD_TYPE
#define LOSSBENCH_BUILD_TYPE "unknown"
#endif

namespace lossbench::bench {

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "" : ",") + i;
  return s;
}

std::string variant_list() {
  std::vector<std::string> names;
  for (const entry& e : registry())
    if (const auto n = e.variant.name(); std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
  return join(names);
}

std::string loss_list() {
  std::vector<std::string> names;
  for (const loss_spec* l : catalogue()) names.emplace_back(l->name());
  return join(names);
}

std::string size_list(const options& opt) {
  std::vector<std::string> sizes;
  for (const auto& s : opt.sizes) sizes.push_back(s.label + "=" + std::to_string(s.elements));
  return join(sizes);
}

}  // namespace

nlohmann::json build_info() {
  return {{"version", LOSSBENCH_VERSION}, {"compiler", LOSSBENCH_COMPILER}, {"cxx_flags", LOSSBENCH_CXX_FLAGS},
          {"build_type", LOSSBENCH_BUILD_TYPE}};
}

void add_build_context(const options& opt) {
  benchmark::AddCustomContext("lossbench_version", LOSSBENCH_VERSION);
  benchmark::AddCustomContext("lossbench_compiler", LOSSBENCH_COMPILER);
  benchmark::AddCustomContext("lossbench_cxx_flags", LOSSBENCH_CXX_FLAGS);
  benchmark::AddCustomContext("lossbench_build_type", LOSSBENCH_BUILD_TYPE);
  benchmark::AddCustomContext("lossbench_variants", variant_list());
  benchmark::AddCustomContext("lossbench_losses", loss_list());
  benchmark::AddCustomContext("lossbench_sizes", size_list(opt));
}

}  // namespace lossbench::bench
