// arch.hpp — the xsimd architectures lossbench compiles kernels for, and the mapping from the
// registry's `isa` to them. Safe to include from baseline translation units: it names arch tags
// only; a `batch` of an arch is usable only in that arch's src/isa/kernels_<isa>.cpp.
#pragma once

#include <lossbench/loss_spec.hpp>

#include <xsimd/xsimd.hpp>

namespace lossbench::simd {

// One tag per compiled ISA (src/isa/kernels_<isa>.cpp): SSE2 is every x86-64; AVX2 kernels also use FMA.
using sse2 = xsimd::sse2;
using sse4_2 = xsimd::sse4_2;
using avx2 = xsimd::fma3<xsimd::avx2>;
using avx512bw = xsimd::avx512bw;

// The block kernel `L::simd_block<Arch, T>` for an ISA. The kernels are defined and explicitly
// instantiated only in the ISA translation units (isa/instantiate.hpp); here we take addresses.
template <class L, class T>
auto block_kernel(isa i) -> double (*)(const typename L::template problem<T>&, std::size_t, std::size_t) {
  switch (i) {
    case isa::sse2:
      return &L::template simd_block<sse2, T>;
    case isa::sse4_2:
      return &L::template simd_block<sse4_2, T>;
    case isa::avx2:
      return &L::template simd_block<avx2, T>;
    case isa::avx512bw:
      return &L::template simd_block<avx512bw, T>;
    case isa::none:
      break;
  }
  return nullptr;
}

// Does loss struct L declare SIMD block kernels?
template <class L>
concept has_simd_kernels = requires {
  &L::template simd_block<sse2, float>;
};

}  // namespace lossbench::simd
