// ceilings.cpp — see ceilings.hpp.
#include "ceilings.hpp"

#include "core/streaming.hpp"

#include <lossbench/threads.hpp>

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <optional>
#include <vector>

namespace lossbench::bench {

namespace {

std::optional<roofline::ceilings> measured;

// Each point streams ≥ 10 ms per trial, best of 5: read and copy at 8 working sets, streaming
// copy at 2, on 1 and all threads, and the peaks: ~3–5 s for the whole roofline.
constexpr double seconds_per_trial = 0.01;

std::string gbps(double bytes_per_second) {
  return std::isnan(bytes_per_second) ? "not measured" : fmt::format("{:.2f}", bytes_per_second * 1e-9);
}

// A figure, or null where it was not measured (never 0).
nlohmann::json number_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

void add_context(const roofline::ceilings& c) {
  for (const auto& b : c.bandwidth)
    benchmark::AddCustomContext(
        fmt::format("roofline_read_GBps_ws{}KiB_threads{}", b.working_set_bytes >> 10, b.threads),
        gbps(b.bytes_per_second));
  for (const auto& b : c.copy)
    benchmark::AddCustomContext(fmt::format("roofline_copy_{}_GBps_ws{}KiB_threads{}", roofline::to_string(b.stores),
                                            b.working_set_bytes >> 10, b.threads),
                                gbps(b.bytes_per_second));
  for (const auto& p : c.peak)
    benchmark::AddCustomContext(fmt::format("roofline_peak_GFLOPs_{}_threads{}", to_string(p.type), p.threads),
                                fmt::format("{:.1f}", p.flops_per_second * 1e-9));
}

}  // namespace

const roofline::ceilings& measure_run_ceilings(bool verbose) {
  std::vector<int> threads{1};
  if (num_threads() > 1) threads.push_back(num_threads());
  const auto sets = roofline::default_working_sets();
  // Streaming stores only where the kernels use them (core/streaming.hpp).
  measured = roofline::measure(threads, sets, seconds_per_trial, core::streaming_min_bytes(), verbose);
  add_context(*measured);
  return *measured;
}

const roofline::ceilings* run_ceilings() { return measured ? &*measured : nullptr; }

nlohmann::json to_json(const roofline::ceilings& c) {
  auto bandwidth = nlohmann::json::array();
  auto dram = nlohmann::json::object();
  for (const auto& b : c.bandwidth) {
    bandwidth.push_back({{"threads", b.threads},
                         {"working_set_bytes", b.working_set_bytes},
                         {"bytes_per_second", number_or_null(b.bytes_per_second)}});
    dram[std::to_string(b.threads)] = number_or_null(c.dram_bandwidth(b.threads));
  }
  auto copy = nlohmann::json::array();
  for (const auto& b : c.copy)  // bytes read + written per second; the write bandwidth derives from it
    copy.push_back({{"threads", b.threads},
                    {"working_set_bytes", b.working_set_bytes},
                    {"stores", roofline::to_string(b.stores)},
                    {"bytes_per_second", number_or_null(b.bytes_per_second)}});
  auto peak = nlohmann::json::object();
  for (const auto& p : c.peak) peak[std::string(to_string(p.type))][std::to_string(p.threads)] = p.flops_per_second;
  return {{"bandwidth", bandwidth}, {"copy", copy}, {"dram_bandwidth", dram}, {"peak_flops", peak}};
}

}  // namespace lossbench::bench
