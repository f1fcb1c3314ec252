// context.cpp — benchmark::AddCustomContext entries (see context.hpp). The compiler and flags
// are the library's (lossbench::this_build, also a tuning profile's build signature).
#include "context.hpp"
#include "git_state.hpp"

#include <lossbench/registry.hpp>
#include <lossbench/tuning.hpp>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <deque>
#include <string>
#include <vector>

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
  const build_signature b = this_build();
  const git_state g = this_git_state();
  // git_dirty is a JSON boolean where git answered, else the string "unknown" like the others.
  const nlohmann::json dirty = g.dirty == "unknown" ? nlohmann::json("unknown") : nlohmann::json(g.dirty == "true");
  return {{"version", b.version},
          {"compiler", b.compiler},
          {"cxx_flags", b.cxx_flags},
          {"build_type", b.build_type},
          {"git_commit", g.commit},
          {"git_dirty", dirty},
          {"git_commit_date", g.commit_date}};
}

void add_build_context(const options& opt) {
  const build_signature b = this_build();
  benchmark::AddCustomContext("lossbench_version", b.version);
  benchmark::AddCustomContext("lossbench_compiler", b.compiler);
  benchmark::AddCustomContext("lossbench_cxx_flags", b.cxx_flags);
  benchmark::AddCustomContext("lossbench_build_type", b.build_type);
  benchmark::AddCustomContext("lossbench_git_commit", std::string(this_git_state().commit));
  benchmark::AddCustomContext("lossbench_git_dirty", std::string(this_git_state().dirty));
  benchmark::AddCustomContext("lossbench_variants", variant_list());
  benchmark::AddCustomContext("lossbench_losses", loss_list());
  benchmark::AddCustomContext("lossbench_sizes", size_list(opt));
  if (opt.width > 0) benchmark::AddCustomContext("lossbench_width", std::to_string(opt.width));
}

std::string now_iso8601() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void initialize_google_benchmark(const char* program, int repetitions, double min_time) {
  // Google Benchmark keeps argv[0] (the executable's name in its context): every call's strings
  // live as long as the process (a sweep calls again to change its repetitions), and a deque
  // never moves them.
  static std::deque<std::string> kept;
  std::vector<char*> argv;
  for (std::string a :
       {std::string(program), fmt::format("--benchmark_repetitions={}", repetitions),
        fmt::format("--benchmark_min_time={}", min_time), std::string("--benchmark_enable_random_interleaving=true")})
    argv.push_back(kept.emplace_back(std::move(a)).data());
  argv.push_back(nullptr);
  int argc = static_cast<int>(argv.size()) - 1;
  benchmark::Initialize(&argc, argv.data());
}

}  // namespace lossbench::bench
