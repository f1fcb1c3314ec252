// signature.cpp — the CPU and build a tuning profile belongs to. The CPU is named by CPUID's
// brand string (no /proc needed), its usable SIMD ISAs and the logical CPUs this process may use
// (its affinity); the build by
// the library's version, compiler, build type and flags, which CMake defines for this file alone.
#include <lossbench/isa.hpp>
#include <lossbench/tuning.hpp>

#include <cpuid.h>
#include <sched.h>

#include <algorithm>
#include <cstring>
#include <thread>

#ifndef LOSSBENCH_COMPILER
#define LOSSBENCH_COMPILER "unknown"
#endif
#ifndef LOSSBENCH_CXX_FLAGS
#define LOSSBENCH_CXX_FLAGS "unknown"
#endif
#ifndef LOSSBENCH_BUILD_TYPE
#define LOSSBENCH_BUILD_TYPE "unknown"
#endif

namespace lossbench {

namespace {

std::string brand_string() {
  unsigned max_leaf = __get_cpuid_max(0x80000000u, nullptr);
  if (max_leaf < 0x80000004u) return "unknown";
  char brand[49] = {};
  for (unsigned leaf = 0; leaf < 3; ++leaf) {
    unsigned regs[4] = {};
    __get_cpuid(0x80000002u + leaf, &regs[0], &regs[1], &regs[2], &regs[3]);
    std::memcpy(brand + 16 * leaf, regs, sizeof regs);
  }
  std::string s(brand);
  s.erase(0, s.find_first_not_of(' '));
  s.erase(s.find_last_not_of(' ') + 1);
  return s.empty() ? "unknown" : s;
}

// The CPUs this process may run on: its affinity mask (a cpuset, taskset, a batch scheduler's
// binding), not the machine's count; a profile's thread counts are measured against it.
int usable_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));  // more than 1024 CPUs
}

}  // namespace

cpu_signature this_cpu() {
  static const cpu_signature sig = [] {
    cpu_signature s;
    s.model = brand_string();
    // What the CPU supports, not what LOSSBENCH_MAX_ISA allows: the ceiling is a choice of the
    // run, not a property of the machine (auto applies it when choosing).
    const auto all = compiled_isas();  // best first; the signature lists them narrowest first
    for (auto i = all.rbegin(); i != all.rend(); ++i)
      if (cpu_supports(*i)) s.isas.emplace_back(to_string(*i));
    s.logical_cpus = usable_cpus();
    return s;
  }();
  return sig;
}

build_signature this_build() {
  return {LOSSBENCH_VERSION, LOSSBENCH_COMPILER, LOSSBENCH_BUILD_TYPE, LOSSBENCH_CXX_FLAGS};
}

}  // namespace lossbench
