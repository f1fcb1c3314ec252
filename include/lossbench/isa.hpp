// isa.hpp — which instruction sets this process may use: what the CPU (and OS) supports, what
// this build compiled kernels for, and the user's ceiling (LOSSBENCH_MAX_ISA or the CLI's
// --max-isa, like PyTorch's ATEN_CPU_CAPABILITY). Detected once.
#pragma once

#include <lossbench/loss_spec.hpp>

#include <string_view>
#include <vector>

namespace lossbench {

std::string_view to_string(isa i);
// "sse2", "sse4_2" (or "sse4.2"), "avx2", "avx512bw" (or "avx512"); throws error(argument).
isa parse_isa(std::string_view s, std::string_view argument = "--max-isa");

// The SIMD instruction sets with compiled kernels, best first.
std::span<const isa> compiled_isas();
// What this CPU and OS can run (CPUID feature bits and, for AVX, the OS-enabled register state).
bool cpu_supports(isa i);
// Ceiling for the SIMD variants. Initialised from LOSSBENCH_MAX_ISA on first use; an unknown
// value there throws error("LOSSBENCH_MAX_ISA", ...). set_max_isa must precede registry().
isa max_isa();
void set_max_isa(isa i);
// compiled ∩ supported ∩ ≤ max_isa(), best first; `simd` runs the first.
std::vector<isa> usable_isas();
isa best_isa();  // isa::none when no SIMD ISA is usable

}  // namespace lossbench
