// machine_info.cpp — see machine_info.hpp. Linux's /proc/cpuinfo names the model and flags.
#include "machine_info.hpp"

#include <lossbench/isa.hpp>
#include <lossbench/threads.hpp>

#include <fmt/format.h>

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
        return line.substr(line.find_first_not_of(" \t", colon + 1) == std::string::npos ? line.size() : line.find_first_not_of(" \t", colon + 1));
  return "";
}

// The flags that matter to loss kernels, in the kernel's spelling.
nlohmann::json simd_flags() {
  static const std::set<std::string> wanted = {"sse2", "ssse3", "sse4_1", "sse4_2", "avx", "avx2", "fma", "f16c",
                                               "avx512f", "avx512cd", "avx512dq", "avx512bw", "avx512vl",
                                               "avx512_bf16", "avx512_fp16", "avx512vnni", "amx_tile"};
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

nlohmann::json noise_warnings(const nlohmann::json& context) {
  auto out = nlohmann::json::array();
  if (context.value("cpu_scaling_enabled", false))
    out.push_back("CPU frequency scaling is enabled: timings vary with the governor's choice of clock");
  const int cpus = std::max(1, context.value("num_cpus", 1));
  if (context.contains("load_avg") && !context["load_avg"].empty()) {
    const double load = context["load_avg"][0].get<double>();
    if (load > 0.5 * cpus)
      out.push_back(fmt::format("load average {:.2f} on {} CPUs when the sweep started: other work shares the cores, "
                                "timings (and the omp rows most) are unreliable",
                                load, cpus));
  }
  return out;
}

}  // namespace lossbench::bench
