// machine_info.cpp — see machine_info.hpp. Linux's /proc/cpuinfo names the model and flags.
#include "machine_info.hpp"

#include <lossbench/isa.hpp>
#include <lossbench/threads.hpp>

#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>

namespace lossbench::bench {

namespace {

std::string cpuinfo_field(const std::string& key) {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind(key, 0) == 0)
      if (const auto colon = line.find(':'); colon != std::string::npos)
        return line.substr(line.find_first_not_of(" \t", colon + 1) == std::string::npos
                               ? line.size()
                               : line.find_first_not_of(" \t", colon + 1));
  return "";
}

// The flags that matter to loss kernels, in the kernel's spelling.
nlohmann::json simd_flags() {
  static const std::set<std::string> wanted = {
      "sse2",     "ssse3",    "sse4_1",   "sse4_2",   "avx",         "avx2",        "fma",        "f16c",    "avx512f",
      "avx512cd", "avx512dq", "avx512bw", "avx512vl", "avx512_bf16", "avx512_fp16", "avx512vnni", "amx_tile"};
  auto out = nlohmann::json::array();
  std::istringstream flags(cpuinfo_field("flags"));
  for (std::string f; flags >> f;)
    if (wanted.count(f)) out.push_back(f);
  return out;
}

}  // namespace

nlohmann::json machine_info() {
  const std::string model = cpuinfo_field("model name");
  return {{"cpu_model", model.empty() ? "unknown" : model},
          {"isa_flags", simd_flags()},
          {"simd_isa", std::string(to_string(best_isa()))},
          {"cores", std::max(1u, std::thread::hardware_concurrency())},
          {"threads", num_threads()}};
}

namespace {

struct cpu_ticks {
  double busy = 0, total = 0;
};

// The machine-wide "cpu" line of /proc/stat: busy = everything but idle and iowait.
cpu_ticks read_cpu_ticks() {
  std::ifstream in("/proc/stat");
  std::string label;
  in >> label;
  cpu_ticks t;
  double v = 0;
  for (int field = 0; field < 8 && in >> v; ++field) {
    t.total += v;
    if (field != 3 && field != 4) t.busy += v;  // fields 3, 4: idle, iowait
  }
  return t;
}

}  // namespace

double other_busy_cpus(double seconds) {
  const cpu_ticks a = read_cpu_ticks();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  const cpu_ticks b = read_cpu_ticks();
  const double total = b.total - a.total;
  const double cpus = std::max(1u, std::thread::hardware_concurrency());
  return total > 0 ? (b.busy - a.busy) / total * cpus : 0;
}

nlohmann::json noise_warnings(const nlohmann::json& context) {
  auto out = nlohmann::json::array();
  if (context.value("cpu_scaling_enabled", false))
    out.push_back("CPU frequency scaling is enabled: timings vary with the governor's choice of clock");
  const int cpus = std::max(1, context.value("num_cpus", 1));
  const auto& lb = context.contains("lossbench") ? context["lossbench"] : nlohmann::json::object();
  for (const char* when : {"start", "end"}) {
    const double busy = lb.value(std::string("busy_cpus_at_") + when, 0.0);
    if (busy > 0.5)
      out.push_back(
          fmt::format("other work kept {:.1f} of {} CPUs busy at the sweep's {}: timings (and the omp rows "
                      "most) are unreliable",
                      busy, cpus, when));
  }
  return out;
}

}  // namespace lossbench::bench
