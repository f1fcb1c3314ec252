// kernels_sse2.cpp — every SIMD block kernel compiled for sse2 (flags: CMakeLists.txt).
#define LOSSBENCH_SIMD_ISA sse2
#include "isa/instantiate.hpp"
