// probes_simd.hpp — the two kernels the roofline is measured with, written once over the xsimd
// arch and instantiated per ISA (roofline/instantiate_probes.hpp):
//   stream_read_sum  the streaming-read ceiling: sums an array with independent vector
//                    accumulators, so loads (not the add latency) limit it;
//   fma_chains       the in-register compute ceiling: independent multiply-add chains, enough of
//                    them to cover the FMA latency × its issue width on current x86 cores.
#pragma once

#include "roofline/probes.hpp"

#include <xsimd/xsimd.hpp>

#include <cstddef>

namespace lossbench::roofline {

template <class Arch>
float stream_read_sum(const float* data, std::size_t n) {
  // Four streams (the array's quarters) read side by side, two accumulators each: one stream
  // leaves the prefetchers idle part of the time, and a loss reads two to four arrays at once
  // (x, y, their gradients), which the ceiling must be comparable with.
  using batch = xsimd::batch<float, Arch>;
  constexpr std::size_t w = batch::size;
  constexpr std::size_t streams = 4, per_stream = 2;
  const std::size_t quarter = n / streams / (per_stream * w) * (per_stream * w);
  batch acc[streams * per_stream];
  for (auto& a : acc) a = batch(0.0f);
  for (std::size_t i = 0; i < quarter; i += per_stream * w)
    for (std::size_t s = 0; s < streams; ++s)
      for (std::size_t k = 0; k < per_stream; ++k)
        acc[s * per_stream + k] += batch::load_aligned(data + s * quarter + i + k * w);
  for (std::size_t k = 1; k < streams * per_stream; ++k) acc[0] += acc[k];
  float sum = xsimd::hadd(acc[0]);
  for (std::size_t i = streams * quarter; i < n; ++i) sum += data[i];
  return sum;
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
  for (std::size_t r = 0; r < rounds; ++r)
    for (std::size_t k = 0; k < chains; ++k) x[k] = xsimd::fma(a, x[k], b);
  for (std::size_t k = 1; k < chains; ++k) x[0] += x[k];
  const double flops = 2.0 * chains * batch::size * static_cast<double>(rounds);
  return {static_cast<double>(xsimd::hadd(x[0])), flops};
}

}  // namespace lossbench::roofline
