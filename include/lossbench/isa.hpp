// isa.hpp — which instruction sets this process may use: what the CPU (and OS) supports, what
// this build compiled kernels for, and the user's ceiling (LOSSBENCH_MAX_ISA or the CLI's
// --max-isa, like PyTorch's ATEN_CPU_CAPABILITY). Detected once.
#pragma once

#include <lossbench/loss_spec.hpp>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lossbench {

// How many ISAs lossbench/isa_list.hpp lists (isa::none not counted).
#define LOSSBENCH_ISA_ONE(name, ...) +1
inline constexpr std::size_t isa_count = 0 LOSSBENCH_ISA_LIST(LOSSBENCH_ISA_ONE);
#undef LOSSBENCH_ISA_ONE

std::string_view to_string(isa i);  // the list's name: "sse2", "sse4_2", "avx2", "avx512bw", ...; "none"
// A name of the list or one of its other spellings ("sse4.2", "avx512"), or "none"/"scalar";
// throws error(argument) naming the choices.
isa parse_isa(std::string_view s, std::string_view argument = "--max-isa");
// The names, for messages and help: "sse2, sse4_2, avx2, avx512bw, avx512bf16".
std::string isa_choices();

// The SIMD instruction sets with compiled kernels, best first: every ISA of the list, unless the
// build named fewer (CMake LOSSBENCH_KERNEL_ISAS; sse2 always).
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
// Whether ISA i has kernels of its own for storage type t, or runs the next narrower ISA's
// (avx512bf16 differs from avx512bw only for bf16): the registry lists `simd:<isa>` only where
// it has. isa::none serves every type.
bool isa_serves(isa i, dtype t);
// The best usable ISA that serves t: the one `simd` and `omp` run for dtype t.
isa best_isa(dtype t);

}  // namespace lossbench
