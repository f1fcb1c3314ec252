// kernels_avx512bw.cpp — every SIMD block kernel compiled for avx512bw (flags: CMakeLists.txt).
#define LOSSBENCH_SIMD_ISA avx512bw
#include "isa/instantiate.hpp"
