// kernels_avx2.cpp — every SIMD block kernel compiled for avx2 (flags: CMakeLists.txt).
#define LOSSBENCH_SIMD_ISA avx2
#include "isa/instantiate.hpp"
