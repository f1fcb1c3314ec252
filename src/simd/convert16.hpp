// convert16.hpp — loading 16-bit storage (bf16, f16) into float batches and storing float batches
// back, with the bits of lossbench/float16.hpp's scalar conversions on every ISA:
//   bf16 → float   a 16-bit shift (exact) on every ISA;
//   f16 → float    vcvtph2ps (F16C with AVX2, AVX-512F), else an exact integer rebias;
//   float → f16    vcvtps2ph round-to-nearest-even (F16C, AVX-512F), else integer rounding;
//   float → bf16   AVX512-BF16's vcvtneps2bf16 (avx512bf16), except for batches holding a
//                  subnormal float, which it reads as zero whatever MXCSR says; elsewhere (and
//                  for those) an integer round-to-nearest-even: seven operations on AVX-512.
// Kernels templated on a storage type S use load_as / store_as, which are plain loads and stores
// when S is the compute type. Every function depends on Arch (ODR: isa/instantiate.hpp).
// Include only from ISA translation units.
#pragma once

#include "core/storage.hpp"
#include "simd/bulk_convert.hpp"

#include <lossbench/float16.hpp>

#include <xsimd/xsimd.hpp>

#include <immintrin.h>

#include <cstddef>
#include <type_traits>

namespace lossbench::simd {

using core::compute_t;
using core::is_16bit_v;

namespace convert16 {

template <class Arch>
inline constexpr bool avx512 = std::is_base_of_v<xsimd::avx512f, Arch>;
// The avx512bf16 translation unit is built with AVX512-BF16 (-mavx512bf16).
template <class Arch>
inline constexpr bool native_bf16 = std::is_base_of_v<avx512bf16, Arch>;
// The avx2 translation unit is built with F16C (-mf16c), and the avx2 ISA requires it at run time.
template <class Arch>
inline constexpr bool avx2 = std::is_base_of_v<xsimd::avx2, Arch> && !avx512<Arch>;

// W 16-bit lanes in 32-bit lanes (zero-extended) and back (the values fit in 16 bits).
template <class Arch>
inline xsimd::batch<std::int32_t, Arch> load_u16(const std::uint16_t* p) noexcept {
  if constexpr (avx512<Arch>) {
    return _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  } else if constexpr (avx2<Arch>) {
    return _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  } else {
    const __m128i h = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
    return _mm_unpacklo_epi16(h, _mm_setzero_si128());
  }
}

// W values of 32-bit lanes (each < 2^16) packed into W 16-bit lanes: the low half of a register
// (the low 8 bytes with SSE).
template <class Arch>
inline auto pack_u16(const xsimd::batch<std::int32_t, Arch>& v) noexcept {
  if constexpr (avx512<Arch>) {
    return _mm512_cvtepi32_epi16(v);
  } else if constexpr (avx2<Arch>) {
    const __m256i packed = _mm256_packus_epi32(v, v);  // per 128-bit lane: [a0..a3 a0..a3 | a4..a7 a4..a7]
    return _mm256_castsi256_si128(_mm256_permute4x64_epi64(packed, 0x08));
  } else {
    // SSE2 has only a signed 32→16 pack: shift the range to signed and back.
    const __m128i shifted = _mm_sub_epi32(v, _mm_set1_epi32(0x8000));
    return _mm_xor_si128(_mm_packs_epi32(shifted, shifted), _mm_set1_epi16(-0x8000));
  }
}

template <class Arch>
using ints = xsimd::batch<std::int32_t, Arch>;
template <class Arch>
using floats = xsimd::batch<float, Arch>;

// float bits → bf16 bits in 32-bit lanes: float16.hpp's detail::bf16_bits_of, lane-wise. Unsigned
// lanes shift logically, so every result already fits the 16-bit pack.
template <class Arch>
inline ints<Arch> bf16_bits(const floats<Arch>& f) noexcept {
  if constexpr (avx512<Arch>) {
    // The same with AVX-512's masks: the odd lanes' +1 and the NaN lanes' quiet bit are masked
    // operations, 7 instructions instead of 10 (a NaN lane: u | quiet bit, whose top half is
    // (u >> 16) | 0x40).
    const __m512i u = _mm512_castps_si512(f);
    const __mmask16 odd = _mm512_test_epi32_mask(u, _mm512_set1_epi32(0x10000));
    __m512i r = _mm512_add_epi32(u, _mm512_set1_epi32(0x7fff));
    r = _mm512_mask_add_epi32(r, odd, r, _mm512_set1_epi32(1));
    r = _mm512_mask_or_epi32(r, _mm512_cmp_ps_mask(f, f, _CMP_UNORD_Q), u, _mm512_set1_epi32(0x400000));
    return _mm512_srli_epi32(r, 16);
  } else {
    using U = xsimd::batch<std::uint32_t, Arch>;
    const U u = xsimd::bitwise_cast<U>(f);
    const U rounded = (u + U(0x7fff) + ((u >> 16) & U(1))) >> 16;
    const U nan = (u >> 16) | U(0x40);
    // |f| > inf as integers: a NaN (the magnitude's bits are non-negative as signed lanes too)
    const auto is_nan = xsimd::bitwise_cast<ints<Arch>>(u & U(0x7fffffff)) > ints<Arch>(0x7f800000);
    return xsimd::select(is_nan, xsimd::bitwise_cast<ints<Arch>>(nan), xsimd::bitwise_cast<ints<Arch>>(rounded));
  }
}

// float → f16 bits without F16C: float16.hpp's detail::f16_bits_of, lane-wise. The subnormal
// range (|f| < 2^-14) rounds by adding 0.5 (2^-1, so the sum's last place is 2^-24, a subnormal
// half's unit): the FPU's own round-to-nearest-even then does the rounding.
template <class Arch>
inline ints<Arch> f16_bits(const floats<Arch>& f) noexcept {
  using I = ints<Arch>;
  const I u = xsimd::bitwise_cast<I>(f);
  const I sign = (u >> 16) & I(0x8000);
  const I a = u & I(0x7fffffff);
  const I normal_rebiased = a - I(112 << 23);
  const I normal = ((normal_rebiased + I(0xfff) + ((normal_rebiased >> 13) & I(1))) >> 13);
  const floats<Arch> magnitude = xsimd::bitwise_cast<floats<Arch>>(a);
  const I subnormal = xsimd::bitwise_cast<I>(magnitude + floats<Arch>(0.5f)) - I(0x3f000000);
  const I nan = I(0x7e00) | ((a >> 13) & I(0x3ff));
  I bits = xsimd::select(a < I(0x38800000), subnormal, normal);
  bits = xsimd::select(a >= I(0x477ff000), I(0x7c00), bits);
  bits = xsimd::select(a > I(0x7f800000), nan, bits);
  return bits | sign;
}

// f16 bits (zero-extended in 32-bit lanes) → float without F16C: float16.hpp's
// detail::float_of_f16_bits, lane-wise. The magnitude's bits shifted into a float's place are
// the value times 2^-112 (subnormal halves land on float subnormals): one exact multiply by
// 2^112 rescales both; ±inf and NaN get the all-ones exponent, a NaN its quiet bit.
template <class Arch>
inline floats<Arch> float_of_f16(const ints<Arch>& h) noexcept {
  using I = ints<Arch>;
  const I sign = ((h & I(0x8000)) << 16);
  const I shifted = ((h & I(0x7fff)) << 13);
  const floats<Arch> scaled = xsimd::bitwise_cast<floats<Arch>>(shifted) * floats<Arch>(0x1p112f);
  const I nan_quiet = xsimd::select(shifted > I(0x7c00 << 13), I(0x400000), I(0));  // as vcvtph2ps
  const I special = shifted | I(0x7f800000) | nan_quiet;
  const I magnitude = xsimd::select(shifted >= I(0x7c00 << 13), special, xsimd::bitwise_cast<I>(scaled));
  return xsimd::bitwise_cast<floats<Arch>>(magnitude | sign);
}

}  // namespace convert16

template <class Arch>
inline xsimd::batch<float, Arch> load_widened(const bf16* p) noexcept {
  const auto h = convert16::load_u16<Arch>(reinterpret_cast<const std::uint16_t*>(p));
  return xsimd::bitwise_cast<xsimd::batch<float, Arch>>(h << 16);
}

template <class Arch>
inline xsimd::batch<float, Arch> load_widened(const f16* p) noexcept {
  if constexpr (convert16::avx512<Arch>) {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  } else if constexpr (convert16::avx2<Arch>) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  } else {
    return convert16::float_of_f16<Arch>(convert16::load_u16<Arch>(reinterpret_cast<const std::uint16_t*>(p)));
  }
}

// A float batch narrowed to W 16-bit values of storage S, packed as convert16::pack_u16 packs.
template <class S, class Arch>
inline auto narrowed(const xsimd::batch<float, Arch>& v) noexcept {
  if constexpr (std::is_same_v<S, f16> && convert16::avx512<Arch>)
    return _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT);
  else if constexpr (std::is_same_v<S, f16> && convert16::avx2<Arch>)
    return _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT);
  else if constexpr (std::is_same_v<S, f16>)
    return convert16::pack_u16<Arch>(convert16::f16_bits<Arch>(v));
  else if constexpr (convert16::native_bf16<Arch>)
    // vcvtneps2bf16 rounds to nearest even and quiets NaNs as the integer rounding does, but
    // reads subnormal floats as zero: a batch holding one (rare: |x| < 2^-126) takes the integer path.
    return _mm512_fpclass_ps_mask(v, 0x20) == 0 ? reinterpret_cast<__m256i>(_mm512_cvtneps_pbh(v))
                                                : convert16::pack_u16<Arch>(convert16::bf16_bits<Arch>(v));
  else
    return convert16::pack_u16<Arch>(convert16::bf16_bits<Arch>(v));
}

template <class Arch, class S>
inline void store_narrowed(S* p, const xsimd::batch<float, Arch>& v) noexcept {
  const auto packed = narrowed<S>(v);
  if constexpr (convert16::avx512<Arch>)
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), packed);
  else if constexpr (convert16::avx2<Arch>)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), packed);
  else
    _mm_storel_epi64(reinterpret_cast<__m128i*>(p), packed);
}

// A batch of the compute type from storage S (S = the compute type: a plain unaligned load).
template <class V, class S>
inline V load_as(const S* p) noexcept {
  if constexpr (is_16bit_v<S>)
    return load_widened<typename V::arch_type>(p);
  else
    return V::load_unaligned(p);
}

template <class S, class V>
inline void store_as(S* p, const V& v) noexcept {
  if constexpr (is_16bit_v<S>)
    store_narrowed<typename V::arch_type>(p, v);
  else
    v.store_unaligned(p);
}

// bf16 on AVX-512, two batches at a time without a shuffle on the load: 2W values in one 512-bit
// load, the even elements by a shift into the high half of each 32-bit lane, the odd ones by a
// mask. The lanes are then in even/odd order, so element-wise kernels using these must treat
// every array of the pair alike (store_bf16_pair puts each lane back in its place).
template <class Arch>
inline constexpr bool bf16_pairs = convert16::avx512<Arch>;

template <class Arch>
struct float_pair {
  xsimd::batch<float, Arch> even, odd;
};

template <class Arch>
inline float_pair<Arch> load_bf16_pair(const bf16* p) noexcept {
  const __m512i u = _mm512_loadu_si512(p);
  return {_mm512_castsi512_ps(_mm512_slli_epi32(u, 16)),
          _mm512_castsi512_ps(_mm512_and_si512(u, _mm512_set1_epi32(static_cast<int>(0xffff0000u))))};
}

// The word order that interleaves vcvtne2ps2bf16's halves (even values low, odd high) back
// into element order. On Arch (ODR: one copy per ISA).
template <class Arch>
inline __m512i pair_interleave_words() noexcept {
  return _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8, 23, 7, 22, 6, 21, 5, 20, 4, 19,
                          3, 18, 2, 17, 1, 16, 0);
}

// A pair of batches narrowed to 2W bf16 values in element order (even, odd as load_bf16_pair).
template <class Arch>
inline __m512i bf16_pair_bits(const xsimd::batch<float, Arch>& even, const xsimd::batch<float, Arch>& odd) noexcept {
  if constexpr (convert16::native_bf16<Arch>) {
    // vcvtne2ps2bf16 puts the even values in the low 16 words and the odd ones in the high 16;
    // vpermw interleaves them. A batch holding a subnormal float takes the integer path (see narrowed).
    if (_kortestz_mask16_u8(_mm512_fpclass_ps_mask(even, 0x20), _mm512_fpclass_ps_mask(odd, 0x20))) {
      const __m512i halves = reinterpret_cast<__m512i>(_mm512_cvtne2ps_pbh(odd, even));
      return _mm512_permutexvar_epi16(pair_interleave_words<Arch>(), halves);
    }
  }
  const __m512i odd_high = _mm512_slli_epi32(convert16::bf16_bits<Arch>(odd), 16);
  return _mm512_or_si512(convert16::bf16_bits<Arch>(even), odd_high);
}

template <class Arch>
inline void store_bf16_pair(bf16* p, const xsimd::batch<float, Arch>& even,
                            const xsimd::batch<float, Arch>& odd) noexcept {
  _mm512_storeu_si512(p, bf16_pair_bits<Arch>(even, odd));
}

// store_bf16_pair without the subnormal test's branch, for loops that can redo their stores:
// the native conversion always, and a subnormal (written as ±0) only noted in `subnormal`; the
// caller then rewrites the same elements with store_bf16_pair. Around the branch GCC spills the
// loop's values: the branch-free loop is 13–22% faster (mse, huber, hinge in L1/L2). Where the
// CPU lacks AVX512-BF16 there is no branch to remove: store_bf16_pair, never noting anything.
template <class Arch>
inline void store_bf16_pair_unchecked(bf16* p, const xsimd::batch<float, Arch>& even,
                                      const xsimd::batch<float, Arch>& odd, std::uint32_t& subnormal) noexcept {
  if constexpr (convert16::native_bf16<Arch>) {
    subnormal |= _mm512_fpclass_ps_mask(even, 0x20) | _mm512_fpclass_ps_mask(odd, 0x20);
    const __m512i halves = reinterpret_cast<__m512i>(_mm512_cvtne2ps_pbh(odd, even));
    _mm512_storeu_si512(p, _mm512_permutexvar_epi16(pair_interleave_words<Arch>(), halves));
  } else {
    store_bf16_pair<Arch>(p, even, odd);
  }
}

// The lane orders that turn two batches in element order into a load_bf16_pair's even and odd
// batches (deinterleave) and back (interleave), for vpermt2ps. On Arch (ODR: one copy per ISA).
template <class Arch>
struct pair_order {
  static __m512i deinterleave(int parity) noexcept {
    return _mm512_add_epi32(_mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0),
                            _mm512_set1_epi32(parity));
  }
  static __m512i interleave(int half) noexcept {
    return _mm512_add_epi32(_mm512_set_epi32(23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0),
                            _mm512_set1_epi32(8 * half));
  }
};

template <class Arch, class S>
void widen_array(const S* in, float* out, std::size_t n) noexcept {
  using V = xsimd::batch<float, Arch>;
  std::size_t i = 0;
  if constexpr (std::is_same_v<S, bf16> && bf16_pairs<Arch>) {  // the pair load, put back in order
    const __m512i low = pair_order<Arch>::interleave(0), high = pair_order<Arch>::interleave(1);
    for (; i + 2 * V::size <= n; i += 2 * V::size) {
      const float_pair<Arch> h = load_bf16_pair<Arch>(in + i);
      _mm512_storeu_ps(out + i, _mm512_permutex2var_ps(h.even, low, h.odd));
      _mm512_storeu_ps(out + i + V::size, _mm512_permutex2var_ps(h.even, high, h.odd));
    }
  }
  for (; i + V::size <= n; i += V::size) load_widened<Arch>(in + i).store_unaligned(out + i);
  if (i == n) return;
  alignas(64) S lanes[V::size] = {};
  alignas(64) float wide[V::size];
  for (std::size_t l = 0; l < n - i; ++l) lanes[l] = in[i + l];
  load_widened<Arch>(lanes).store_aligned(wide);
  for (std::size_t l = 0; l < n - i; ++l) out[i + l] = wide[l];
}

template <class Arch, class S>
void narrow_array(const float* in, S* out, std::size_t n) noexcept {
  using V = xsimd::batch<float, Arch>;
  std::size_t i = 0;
  if constexpr (std::is_same_v<S, bf16> && bf16_pairs<Arch>) {  // split into even/odd for the pair store
    const __m512i even = pair_order<Arch>::deinterleave(0), odd = pair_order<Arch>::deinterleave(1);
    for (; i + 2 * V::size <= n; i += 2 * V::size) {
      const __m512 a = _mm512_loadu_ps(in + i), b = _mm512_loadu_ps(in + i + V::size);
      store_bf16_pair<Arch>(out + i, V(_mm512_permutex2var_ps(a, even, b)), V(_mm512_permutex2var_ps(a, odd, b)));
    }
  }
  for (; i + V::size <= n; i += V::size) store_narrowed<Arch>(out + i, V::load_unaligned(in + i));
  if (i == n) return;
  alignas(64) float wide[V::size] = {};
  alignas(64) S lanes[V::size];
  for (std::size_t l = 0; l < n - i; ++l) wide[l] = in[i + l];
  store_narrowed<Arch>(lanes, V::load_aligned(wide));
  for (std::size_t l = 0; l < n - i; ++l) out[i + l] = lanes[l];
}

}  // namespace lossbench::simd
