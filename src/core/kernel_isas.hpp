// kernel_isas.hpp — which ISAs of lossbench/isa_list.hpp this build compiled kernels for. Every
// one by default; CMake's LOSSBENCH_KERNEL_ISAS may name fewer (a build that checks rather than
// measures: the fuzz and ThreadSanitizer builds compile sse2 alone, the ISA units being most of
// their compile time). An ISA left out is one the CPU lacks, as far as the library can tell:
// compiled_isas() omits it, and the per-ISA kernel tables hold nullptr for it, so nothing refers
// to an instantiation no unit made.
#pragma once

#include <cstddef>
#include <cstdint>

// Bit k: the list's k-th ISA (0 = sse2). CMakeLists.txt defines it for every unit, or no unit.
#ifndef LOSSBENCH_KERNEL_ISA_MASK
#define LOSSBENCH_KERNEL_ISA_MASK 0xffffffffu
#endif

namespace lossbench::core {

constexpr bool kernels_compiled(std::size_t list_index) {
  return ((std::uint32_t{LOSSBENCH_KERNEL_ISA_MASK} >> list_index) & 1u) != 0;
}

}  // namespace lossbench::core
