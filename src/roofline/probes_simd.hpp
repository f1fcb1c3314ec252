// probes_simd.hpp — the two kernels the roofline is measured with, written once over the xsimd
// arch and instantiated per ISA with the loss kernels (simd/instantiate.hpp):
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
  using batch = xsimd::batch<float, Arch>;
  constexpr std::size_t w = batch::size;
  constexpr std::size_t lanes = 8;  // 8 accumulators: 2 loads/cycle × 4-cycle add latency
  batch acc[lanes];
  for (auto& a : acc) a = batch(0.0f);
  std::size_t i = 0;
  for (; i + lanes * w <= n; i += lanes * w)
    for (std::size_t k = 0; k < lanes; ++k) acc[k] += batch::load_aligned(data + i + k * w);
  for (std::size_t k = 1; k < lanes; ++k) acc[0] += acc[k];
  float s = xsimd::hadd(acc[0]);
  for (; i < n; ++i) s += data[i];
  return s;
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
