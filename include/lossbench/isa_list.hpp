// lossbench/isa_list.hpp — the one list of the SIMD instruction sets lossbench compiles kernels
// for, narrowest first (the enum's order, so a ceiling compares with <=). Each entry is
// X(name, other spellings accepted on input...). The enum, the names, the parser, the ISA order
// `simd` tries, the tuning signature and the command line's choices all come from it; adding an
// ISA is one line here plus what only it can say (docs/architecture.md, "Adding an ISA").
//
// avx512bf16 is avx512bw plus AVX512-BF16's float → bf16 conversion (vcvtneps2bf16): its kernels
// are avx512bw's for every storage type but bf16 (simd/arch.hpp: kernel_arch_t), so the
// registry lists `simd:avx512bf16` for bf16 alone (isa_serves).
#pragma once

#define LOSSBENCH_ISA_LIST(X)  \
  X(sse2)                      \
  X(sse4_2, "sse4.2", "sse42") \
  X(avx2)                      \
  X(avx512bw, "avx512")        \
  X(avx512bf16, "avx512_bf16")
