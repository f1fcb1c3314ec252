// kernels_avx512bf16.cpp — the SIMD block kernels that differ for avx512bf16 (flags:
// CMakeLists.txt): bf16 storage alone, narrowed by vcvtneps2bf16; every other type runs avx512bw's.
#define LOSSBENCH_SIMD_ISA avx512bf16
#define LOSSBENCH_SIMD_BF16_ONLY
#include "isa/instantiate.hpp"
