// kernels_avx2.cpp — every SIMD block kernel compiled for avx2 (flags: CMakeLists.txt).
#define LOSSBENCH_SIMD_ARCH xsimd::fma3<xsimd::avx2>
#include "isa/instantiate.hpp"
