// isa.cpp — CPU feature detection (CPUID + XGETBV) and the ISA ceiling.
//
// xsimd 8.1's own detection reads CPUID bits only and does not ask the OS (XGETBV) whether the
// AVX / AVX-512 register state is enabled, so a VM that masks it would SIGILL; we check both.
#include "core/environment.hpp"
#include "core/kernel_isas.hpp"

#include <lossbench/isa.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cpuid.h>
#include <cstdlib>
#include <string>

namespace lossbench {

namespace {

std::uint64_t xgetbv0() {
  std::uint32_t lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<std::uint64_t>(hi) << 32) | lo;
}

// What this CPU and OS support, per ISA of the list (index: the enum's value; none is always true).
using cpu_features = std::array<bool, isa_count + 1>;

cpu_features detect() {
  cpu_features f{};
  f[static_cast<std::size_t>(isa::none)] = true;
  auto set = [&](isa i, bool supported) { f[static_cast<std::size_t>(i)] = supported; };
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  set(isa::sse2, d & (1u << 26));
  set(isa::sse4_2, c & (1u << 20));
  const bool osxsave = c & (1u << 27), avx = c & (1u << 28), fma = c & (1u << 12), f16c = c & (1u << 29);
  const std::uint64_t xcr0 = osxsave ? xgetbv0() : 0;
  const bool os_avx = (xcr0 & 0x6) == 0x6;       // XMM and YMM state
  const bool os_avx512 = (xcr0 & 0xe6) == 0xe6;  // + opmask, ZMM_Hi256, Hi16_ZMM
  unsigned a7 = 0, b7 = 0, c7 = 0, d7 = 0;
  if (__get_cpuid_max(0, nullptr) >= 7) __cpuid_count(7, 0, a7, b7, c7, d7);
  // The avx2 kernels also use FMA and F16C (16-bit float conversions): every AVX2 CPU has both.
  const bool avx2_fma = os_avx && avx && fma && f16c && (b7 & (1u << 5));
  set(isa::avx2, avx2_fma);
  const bool avx512f = b7 & (1u << 16), avx512dq = b7 & (1u << 17), avx512cd = b7 & (1u << 28),
             avx512bw = b7 & (1u << 30);
  const bool avx512 = avx2_fma && os_avx512 && avx512f && avx512dq && avx512cd && avx512bw;
  set(isa::avx512bw, avx512);
  unsigned a71 = 0, b71 = 0, c71 = 0, d71 = 0;
  if (a7 >= 1) __cpuid_count(7, 1, a71, b71, c71, d71);  // leaf 7's subleaf count is its EAX
  set(isa::avx512bf16, avx512 && (a71 & (1u << 5)));
  return f;
}

const cpu_features& features() {
  static const cpu_features f = detect();
  return f;
}

// The list's names and other spellings (lossbench/isa_list.hpp).
struct isa_spelling {
  isa id;
  std::string_view name;
  std::array<std::string_view, 3> others;
};
#define LOSSBENCH_ISA_SPELLING(name, ...) isa_spelling{isa::name, #name, {__VA_ARGS__}},
constexpr std::array<isa_spelling, isa_count> spellings = {LOSSBENCH_ISA_LIST(LOSSBENCH_ISA_SPELLING)};
#undef LOSSBENCH_ISA_SPELLING

// The ISAs this build compiled kernels for (core/kernel_isas.hpp), best first: the list reversed.
struct compiled_list {
  std::array<isa, isa_count> ids{};
  std::size_t count = 0;
};
constexpr compiled_list all_compiled = [] {
  compiled_list out;
  for (std::size_t k = isa_count; k-- > 0;)
    if (core::kernels_compiled(k)) out.ids[out.count++] = spellings[k].id;
  return out;
}();
static_assert(all_compiled.count > 0 && all_compiled.ids[all_compiled.count - 1] == isa::sse2,
              "every build compiles the sse2 kernels: the baseline of x86-64");

// The ceiling: set_max_isa's, else LOSSBENCH_MAX_ISA's, else the widest; -1 until known.
// Atomic, as set_max_isa may run beside kernels that read it.
std::atomic<int> ceiling{-1};

}  // namespace

std::string_view to_string(isa i) {
  for (const auto& s : spellings)
    if (s.id == i) return s.name;
  return i == isa::none ? "none" : "?";
}

std::string isa_choices() {
  std::string out;
  for (const auto& s : spellings) out += (out.empty() ? "" : ", ") + std::string(s.name);
  return out;
}

isa parse_isa(std::string_view s, std::string_view argument) {
  for (const auto& sp : spellings)
    if (!s.empty() && (s == sp.name || std::find(sp.others.begin(), sp.others.end(), s) != sp.others.end()))
      return sp.id;
  if (s == "none" || s == "scalar") return isa::none;
  throw error(std::string(argument), "unknown ISA '" + std::string(s) + "' (expected none, " + isa_choices() + ")");
}

std::span<const isa> compiled_isas() { return {all_compiled.ids.data(), all_compiled.count}; }

bool cpu_supports(isa i) {
  const auto& f = features();
  const auto k = static_cast<std::size_t>(i);
  return k < f.size() && f[k];
}

// The environment is read once: `simd`, `omp` and `auto` ask on every call, getenv scans the
// environment, and even a std::call_once cost `auto` 2 ns of a 400 ns call (perf). A bad value
// throws (naming LOSSBENCH_MAX_ISA) on every call, as nothing is stored.
isa max_isa() {
  if (const int known = ceiling.load(std::memory_order_relaxed); known >= 0) return static_cast<isa>(known);
  isa from_env = all_compiled.ids.front();
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

bool isa_serves(isa i, dtype t) { return i != isa::avx512bf16 || t == dtype::bf16; }

isa best_isa(dtype t) {
  const isa ceiling = max_isa();
  for (isa i : compiled_isas())
    if (i <= ceiling && cpu_supports(i) && isa_serves(i, t)) return i;
  return isa::none;
}

isa best_isa() {  // usable_isas().front() without its allocation: asked on every `simd` call
  const isa ceiling = max_isa();
  for (isa i : compiled_isas())
    if (i <= ceiling && cpu_supports(i)) return i;
  return isa::none;
}

}  // namespace lossbench
