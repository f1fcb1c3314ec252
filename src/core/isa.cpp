// isa.cpp — CPU feature detection (CPUID + XGETBV) and the ISA ceiling.
//
// xsimd 8.1's own detection reads CPUID bits only and does not ask the OS (XGETBV) whether the
// AVX / AVX-512 register state is enabled, so a VM that masks it would SIGILL; we check both.
#include "core/environment.hpp"

#include <lossbench/isa.hpp>

#include <array>
#include <cpuid.h>
#include <cstdlib>
#include <atomic>

namespace lossbench {

namespace {

struct cpu_features {
  bool sse2 = false, sse4_2 = false, avx2_fma = false, avx512bw = false;
};

std::uint64_t xgetbv0() {
  std::uint32_t lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<std::uint64_t>(hi) << 32) | lo;
}

cpu_features detect() {
  cpu_features f;
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  f.sse2 = d & (1u << 26);
  f.sse4_2 = c & (1u << 20);
  const bool osxsave = c & (1u << 27), avx = c & (1u << 28), fma = c & (1u << 12);
  const std::uint64_t xcr0 = osxsave ? xgetbv0() : 0;
  const bool os_avx = (xcr0 & 0x6) == 0x6;       // XMM and YMM state
  const bool os_avx512 = (xcr0 & 0xe6) == 0xe6;  // + opmask, ZMM_Hi256, Hi16_ZMM
  unsigned a7 = 0, b7 = 0, c7 = 0, d7 = 0;
  if (__get_cpuid_max(0, nullptr) >= 7) __cpuid_count(7, 0, a7, b7, c7, d7);
  const bool avx2 = b7 & (1u << 5);
  f.avx2_fma = os_avx && avx && fma && avx2;
  const bool avx512f = b7 & (1u << 16), avx512dq = b7 & (1u << 17), avx512cd = b7 & (1u << 28),
             avx512bw = b7 & (1u << 30);
  f.avx512bw = f.avx2_fma && os_avx512 && avx512f && avx512dq && avx512cd && avx512bw;
  return f;
}

const cpu_features& features() {
  static const cpu_features f = detect();
  return f;
}

constexpr std::array<isa, 4> all_compiled = {isa::avx512bw, isa::avx2, isa::sse4_2, isa::sse2};

// The ceiling: set_max_isa's, else LOSSBENCH_MAX_ISA's, else the widest; -1 until known.
// Atomic, as set_max_isa may run beside kernels that read it.
std::atomic<int> ceiling{-1};

}  // namespace

std::string_view to_string(isa i) {
  switch (i) {
    case isa::none:
      return "none";
    case isa::sse2:
      return "sse2";
    case isa::sse4_2:
      return "sse4_2";
    case isa::avx2:
      return "avx2";
    case isa::avx512bw:
      return "avx512bw";
  }
  return "?";
}

isa parse_isa(std::string_view s, std::string_view argument) {
  if (s == "sse2") return isa::sse2;
  if (s == "sse4_2" || s == "sse4.2" || s == "sse42") return isa::sse4_2;
  if (s == "avx2") return isa::avx2;
  if (s == "avx512bw" || s == "avx512") return isa::avx512bw;
  if (s == "none" || s == "scalar") return isa::none;
  throw error(std::string(argument),
              "unknown ISA '" + std::string(s) + "' (expected none, sse2, sse4_2, avx2 or avx512bw)");
}

std::span<const isa> compiled_isas() { return all_compiled; }

bool cpu_supports(isa i) {
  const auto& f = features();
  switch (i) {
    case isa::none:
      return true;
    case isa::sse2:
      return f.sse2;
    case isa::sse4_2:
      return f.sse4_2;
    case isa::avx2:
      return f.avx2_fma;
    case isa::avx512bw:
      return f.avx512bw;
  }
  return false;
}

// The environment is read once: `simd`, `omp` and `auto` ask on every call, getenv scans the
// environment, and even a std::call_once cost `auto` 2 ns of a 400 ns call (perf). A bad value
// throws (naming LOSSBENCH_MAX_ISA) on every call, as nothing is stored.
isa max_isa() {
  if (const int known = ceiling.load(std::memory_order_relaxed); known >= 0) return static_cast<isa>(known);
  isa from_env = isa::avx512bw;
  if (const auto env = core::environment::text("LOSSBENCH_MAX_ISA")) from_env = parse_isa(*env, "LOSSBENCH_MAX_ISA");
  int unknown = -1;  // a set_max_isa meanwhile wins
  ceiling.compare_exchange_strong(unknown, static_cast<int>(from_env), std::memory_order_relaxed);
  return static_cast<isa>(ceiling.load(std::memory_order_relaxed));
}

void set_max_isa(isa i) { ceiling.store(static_cast<int>(i), std::memory_order_relaxed); }

std::vector<isa> usable_isas() {
  std::vector<isa> out;
  const isa ceiling = max_isa();
  for (isa i : compiled_isas())
    if (i <= ceiling && cpu_supports(i)) out.push_back(i);
  return out;
}

isa best_isa() {  // usable_isas().front() without its allocation: asked on every `simd` call
  const isa ceiling = max_isa();
  for (isa i : compiled_isas())
    if (i <= ceiling && cpu_supports(i)) return i;
  return isa::none;
}

}  // namespace lossbench
