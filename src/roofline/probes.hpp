// probes.hpp — declarations of the roofline probe kernels, defined in probes_simd.hpp and compiled
// only in the per-ISA translation units (roofline.cpp takes their addresses per ISA; doing that
// here would instantiate every ISA's probes in each ISA's unit).
#pragma once

#include <cstddef>

namespace lossbench::roofline {

struct fma_result {
  double value;  // depends on every operation: keeps the work observable
  double flops;  // floating-point operations performed
};

// `ahead`: request the lines ahead as the kernels do when their arrays come from DRAM
// (simd/prefetch.hpp; past core::streaming_min_bytes), so the ceiling is comparable with them.
template <class Arch>
float stream_read_sum(const float* data, std::size_t n, bool ahead);  // data 64-byte aligned

// dst[i] = src[i] · 1.000001f for i < n (both 64-byte aligned): the write ceiling's kernel, with
// ordinary stores or, `Streaming`, non-temporal ones (simd/stream_store.hpp), as the kernels write.
template <class Arch, bool Streaming>
void stream_copy(const float* src, float* dst, std::size_t n, bool ahead);

template <class Arch, class T>
fma_result fma_chains(std::size_t rounds, T seed);

}  // namespace lossbench::roofline
