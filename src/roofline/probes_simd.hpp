// probes_simd.hpp — the kernels the roofline is measured with, written once over the xsimd
// arch and instantiated per ISA (roofline/instantiate_probes.hpp):
//   stream_read_sum  the streaming-read ceiling: sums an array with independent vector
//                    accumulators, so loads (not the add latency) limit it;
//   stream_copy      the write ceiling: reads one array and writes another of the same size, with
//                    ordinary or streaming stores;
//   fma_chains       the in-register compute ceiling: independent multiply-add chains, enough of
//                    them to cover the FMA latency × its issue width on current x86 cores.
#pragma once

#include "roofline/probes.hpp"
#include "simd/prefetch.hpp"
#include "simd/stream_store.hpp"

#include <xsimd/xsimd.hpp>

#include <cstddef>

namespace lossbench::roofline {

template <class Arch>
float stream_read_sum(const float* data, std::size_t n, bool ahead) {
  // Four streams (the array's quarters) read side by side, two accumulators each: one stream
  // leaves the prefetchers idle part of the time, and a loss reads two to four arrays at once
  // (x, y, their gradients), which the ceiling must be comparable with. The eight accumulators
  // are named variables, not an array: GCC kept an array of batches in memory, and the
  // store-to-load latency of its read-modify-writes held the probe to one load per cycle, half
  // what the cores sustain in cache (the copy probe read faster than the read probe).
  using batch = xsimd::batch<float, Arch>;
  constexpr std::size_t w = batch::size;
  const std::size_t quarter = n / 4 / (2 * w) * (2 * w);
  const float *p0 = data, *p1 = data + quarter, *p2 = data + 2 * quarter, *p3 = data + 3 * quarter;
  batch a0(0.0f), a1(0.0f), a2(0.0f), a3(0.0f), a4(0.0f), a5(0.0f), a6(0.0f), a7(0.0f);
  for (std::size_t i = 0; i < quarter; i += 2 * w) {
    if (ahead) {  // as the kernels request theirs from DRAM (simd/prefetch.hpp)
      simd::prefetch_ahead<Arch>(p0 + i, 2 * w * sizeof(float));
      simd::prefetch_ahead<Arch>(p1 + i, 2 * w * sizeof(float));
      simd::prefetch_ahead<Arch>(p2 + i, 2 * w * sizeof(float));
      simd::prefetch_ahead<Arch>(p3 + i, 2 * w * sizeof(float));
    }
    a0 += batch::load_aligned(p0 + i);
    a1 += batch::load_aligned(p0 + i + w);
    a2 += batch::load_aligned(p1 + i);
    a3 += batch::load_aligned(p1 + i + w);
    a4 += batch::load_aligned(p2 + i);
    a5 += batch::load_aligned(p2 + i + w);
    a6 += batch::load_aligned(p3 + i);
    a7 += batch::load_aligned(p3 + i + w);
  }
  float sum = xsimd::hadd(((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)));
  for (std::size_t i = 4 * quarter; i < n; ++i) sum += data[i];
  return sum;
}

// A copy rather than a pure write: a loss's gradient pass writes each gradient element where it
// reads the input element it belongs to, so its writes share the memory system with as many
// bytes of reads (read-for-ownership, write-back and read streams interleaved, as in the kernel);
// the write's own cost is what the copy takes beyond its reads (roofline.hpp). The scale keeps
// the store's value dependent on the load, so the compiler cannot turn the loop into memcpy.
template <class Arch, bool Streaming>
void stream_copy(const float* src, float* dst, std::size_t n, bool ahead) {
  using batch = xsimd::batch<float, Arch>;
  constexpr std::size_t w = batch::size, unroll = 4;
  const batch scale(1.000001f);
  std::size_t i = 0;
  for (; i + unroll * w <= n; i += unroll * w) {
    if (ahead) simd::prefetch_ahead<Arch>(src + i, unroll * w * sizeof(float));  // as the kernels
    for (std::size_t k = 0; k < unroll; ++k) {
      const batch v = batch::load_aligned(src + i + k * w) * scale;
      if constexpr (Streaming)
        simd::store_streaming(dst + i + k * w, v);
      else
        v.store_aligned(dst + i + k * w);
    }
  }
  for (; i < n; ++i) dst[i] = src[i] * 1.000001f;
  if constexpr (Streaming) simd::streaming_fence<Arch>();
}

// Runs `rounds` × chains × lanes multiply-adds (2 FLOPs each); the result depends on all of them,
// so the compiler cannot drop any. Without FMA hardware (SSE) xsimd::fma is a multiply and an
// add: still 2 FLOPs, at the speed the ISA really has.
template <class Arch, class T>
fma_result fma_chains(std::size_t rounds, T seed) {
  using batch = xsimd::batch<T, Arch>;
  constexpr std::size_t chains = 16;  // ≥ latency (4) × FMA ports (2) with room for Zen's 2×
  batch x[chains];
  for (std::size_t k = 0; k < chains; ++k) x[k] = batch(seed + static_cast<T>(k) * T(1e-3));
  const batch a(T(0.999999)), b(T(1e-7));  // x ← a·x + b stays bounded (fixed point b/(1−a))
  for (std::size_t r = 0; r < rounds; ++r) {
    // Unrolled, so the chains live in registers: at -O2 GCC kept the array in memory and the
    // store-to-load latency held the probe to a third of the peak that -O3 measured.
#pragma GCC unroll 16
    for (std::size_t k = 0; k < chains; ++k) x[k] = xsimd::fma(a, x[k], b);
  }
  for (std::size_t k = 1; k < chains; ++k) x[0] += x[k];
  const double flops = 2.0 * chains * batch::size * static_cast<double>(rounds);
  return {static_cast<double>(xsimd::hadd(x[0])), flops};
}

}  // namespace lossbench::roofline
