// ceilings.cpp — see ceilings.hpp.
#include "ceilings.hpp"

#include <lossbench/threads.hpp>

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <optional>
#include <vector>

namespace lossbench::bench {

namespace {

std::optional<roofline::ceilings> measured;

// Each point streams ≥ 20 ms per trial, best of 5: ~3–4 s for the whole roofline.
constexpr double seconds_per_trial = 0.02;

void add_context(const roofline::ceilings& c) {
  for (const auto& b : c.bandwidth)
    benchmark::AddCustomContext(
        fmt::format("roofline_read_GBps_ws{}KiB_threads{}", b.working_set_bytes >> 10, b.threads),
        fmt::format("{:.2f}", b.bytes_per_second * 1e-9));
  for (const auto& p : c.peak)
    benchmark::AddCustomContext(fmt::format("roofline_peak_GFLOPs_{}_threads{}", to_string(p.type), p.threads),
                                fmt::format("{:.1f}", p.flops_per_second * 1e-9));
}

}  // namespace

const roofline::ceilings& measure_run_ceilings(bool verbose) {
  std::vector<int> threads{1};
  if (num_threads() > 1) threads.push_back(num_threads());
  const auto sets = roofline::default_working_sets();
  measured = roofline::measure(threads, sets, seconds_per_trial, verbose);
  add_context(*measured);
  return *measured;
}

const roofline::ceilings* run_ceilings() { return measured ? &*measured : nullptr; }

nlohmann::json to_json(const roofline::ceilings& c) {
  auto bandwidth = nlohmann::json::array();
  auto dram = nlohmann::json::object();
  for (const auto& b : c.bandwidth) {
    bandwidth.push_back(
        {{"threads", b.threads}, {"working_set_bytes", b.working_set_bytes}, {"bytes_per_second", b.bytes_per_second}});
    dram[std::to_string(b.threads)] = c.dram_bandwidth(b.threads);
  }
  auto peak = nlohmann::json::object();
  for (const auto& p : c.peak) peak[std::string(to_string(p.type))][std::to_string(p.threads)] = p.flops_per_second;
  return {{"bandwidth", bandwidth}, {"dram_bandwidth", dram}, {"peak_flops", peak}};
}

}  // namespace lossbench::bench
