// kernels_sse4_2.cpp — every SIMD block kernel compiled for sse4_2 (flags: CMakeLists.txt).
#define LOSSBENCH_SIMD_ISA sse4_2
#include "isa/instantiate.hpp"
