// stream_store.hpp — non-temporal ("streaming") stores of a batch, which xsimd 8.1 does not have.
// A streaming store writes a whole cache line without reading it first (no read-for-ownership)
// and past the caches: for a gradient larger than the last-level cache, which would be evicted
// unread anyway, it saves a third of the memory traffic of a two-input element-wise loss
// (read x, y; write g: 3 streams instead of 4). The address must be aligned to the batch's size.
// Templated on the arch, like every kernel piece, so nothing is shared between ISA objects.
#pragma once

#include "simd/convert16.hpp"

#include <xsimd/xsimd.hpp>

#include <immintrin.h>

#include <cstdint>
#include <type_traits>

namespace lossbench::simd {

// A float batch streamed as 16-bit storage S: half a register (8 bytes with SSE, through a
// general-purpose register: MOVNTI).
template <class Arch, class S>
requires is_16bit_v<S>
inline void store_streaming(S* p, const xsimd::batch<float, Arch>& v) {
  const auto packed = narrowed<S>(v);
  if constexpr (std::is_base_of_v<xsimd::avx512f, Arch>)
    _mm256_stream_si256(reinterpret_cast<__m256i*>(p), packed);
  else if constexpr (std::is_base_of_v<xsimd::avx, Arch>)
    _mm_stream_si128(reinterpret_cast<__m128i*>(p), packed);
  else
    _mm_stream_si64(reinterpret_cast<long long*>(p), _mm_cvtsi128_si64(packed));
}

template <class Arch, class T>
inline void store_streaming(T* p, const xsimd::batch<T, Arch>& v) {
  if constexpr (std::is_base_of_v<xsimd::avx512f, Arch>) {
    if constexpr (std::is_same_v<T, float>)
      _mm512_stream_ps(p, v);
    else
      _mm512_stream_pd(p, v);
  } else if constexpr (std::is_base_of_v<xsimd::avx, Arch>) {
    if constexpr (std::is_same_v<T, float>)
      _mm256_stream_ps(p, v);
    else
      _mm256_stream_pd(p, v);
  } else {
    if constexpr (std::is_same_v<T, float>)
      _mm_stream_ps(p, v);
    else
      _mm_stream_pd(p, v);
  }
}

// Streaming stores are weakly ordered: fence them before the block's result is handed on (to the
// caller, or across the OpenMP join to another thread that reads the gradient).
template <class Arch>
inline void streaming_fence() {
  _mm_sfence();
}

// Elements before `p` reaches the alignment of a batch's worth of storage S (p itself aligned to S).
template <class Arch, class S>
inline std::size_t elements_to_alignment(const S* p) {
  constexpr std::uintptr_t bytes = xsimd::batch<compute_t<S>, Arch>::size * sizeof(S);
  return static_cast<std::size_t>((bytes - reinterpret_cast<std::uintptr_t>(p) % bytes) % bytes) / sizeof(S);
}

}  // namespace lossbench::simd
