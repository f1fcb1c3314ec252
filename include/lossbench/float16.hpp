// lossbench/float16.hpp — the two 16-bit storage types, bfloat16 and IEEE binary16. They hold
// bits only: losses compute in float32 and convert on load and store. Widening to float is exact;
// narrowing rounds once to nearest, ties to even, keeps NaN a (quiet) NaN and overflows to ±inf,
// as IEEE 754 says — the same bits as the SIMD conversions (simd/convert16.hpp) on every ISA.
#pragma once

#include <bit>
#include <cstdint>

namespace lossbench {

namespace detail {

// The conversions are forced inline: SIMD translation units compiled for different ISAs call them
// too, and an out-of-line copy would be one weak symbol for the whole program, compiled with
// whichever ISA's flags the linker happened to keep.
#define LOSSBENCH_CONVERT_INLINE [[gnu::always_inline]] inline

// float → bfloat16 bits, round to nearest even; a NaN stays NaN with its quiet bit set (as
// AVX512-BF16's vcvtneps2bf16 does), subnormals are rounded, not flushed.
LOSSBENCH_CONVERT_INLINE constexpr std::uint16_t bf16_bits_of(float f) noexcept {
  const std::uint32_t u = std::bit_cast<std::uint32_t>(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((u >> 16) | 0x40u);
  return static_cast<std::uint16_t>((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

// float → binary16 bits, round to nearest even (subnormal halves included); a NaN keeps its sign
// and top payload bits with the quiet bit set (as F16C's vcvtps2ph does).
LOSSBENCH_CONVERT_INLINE constexpr std::uint16_t f16_bits_of(float f) noexcept {
  const std::uint32_t u = std::bit_cast<std::uint32_t>(f);
  const std::uint32_t sign = (u >> 16) & 0x8000u;
  const std::uint32_t a = u & 0x7fffffffu;
  if (a > 0x7f800000u) return static_cast<std::uint16_t>(sign | 0x7e00u | ((a >> 13) & 0x3ffu));
  if (a >= 0x477ff000u) return static_cast<std::uint16_t>(sign | 0x7c00u);  // ≥ 65520 rounds to ±inf
  if (a < 0x38800000u) {                                                    // below 2^-14: a subnormal half
    // The float's significand (implicit bit made explicit) shifted to units of 2^-24, rounded.
    if (a < 0x33000000u) return static_cast<std::uint16_t>(sign);  // below 2^-25: rounds to ±0
    const std::uint32_t shift = 126u - (a >> 23);                  // 14 … 24 for 2^-25 ≤ |f| < 2^-14
    const std::uint32_t m = (a & 0x7fffffu) | 0x800000u;
    const std::uint32_t kept = m >> shift;
    const std::uint32_t rest = m & ((1u << shift) - 1u);
    const std::uint32_t half = 1u << (shift - 1u);
    const std::uint32_t up = rest > half || (rest == half && (kept & 1u));
    return static_cast<std::uint16_t>(sign | (kept + up));
  }
  // Normal: rebias the exponent (127 → 15) and round the 23-bit significand to 10 bits; a carry
  // out of the significand steps the exponent, up to ±inf at the top.
  const std::uint32_t rebiased = a - (112u << 23);
  return static_cast<std::uint16_t>(sign | ((rebiased + 0xfffu + ((rebiased >> 13) & 1u)) >> 13));
}

LOSSBENCH_CONVERT_INLINE constexpr float float_of_bf16_bits(std::uint16_t h) noexcept {
  return std::bit_cast<float>(static_cast<std::uint32_t>(h) << 16);
}

// binary16 → float, exact for every half (subnormals, ±inf); a NaN keeps its payload and comes
// out quiet (as F16C's vcvtph2ps makes it).
LOSSBENCH_CONVERT_INLINE constexpr float float_of_f16_bits(std::uint16_t h) noexcept {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t e = (h >> 10) & 0x1fu;
  std::uint32_t m = h & 0x3ffu;
  if (e == 0x1fu) return std::bit_cast<float>(sign | 0x7f800000u | (m << 13) | (m ? 0x400000u : 0u));
  if (e != 0) return std::bit_cast<float>(sign | ((e + 112u) << 23) | (m << 13));
  if (m == 0) return std::bit_cast<float>(sign);
  std::uint32_t exponent = 113;  // a subnormal half m·2^-24: normalise the significand
  while (!(m & 0x400u)) m <<= 1, --exponent;
  return std::bit_cast<float>(sign | (exponent << 23) | ((m & 0x3ffu) << 13));
}

// double → float rounded to odd (an inexact result gets an odd last bit): a double rounded this
// way to float and then to nearest-even 16 bits is the double correctly rounded to 16 bits,
// since float keeps more than two bits beyond a 16-bit significand.
LOSSBENCH_CONVERT_INLINE float float_round_to_odd(double d) noexcept {
  const float f = static_cast<float>(d);
  const std::uint32_t u = std::bit_cast<std::uint32_t>(f);
  if (static_cast<double>(f) == d || d != d || (u & 1u)) return f;
  // f is d's even neighbour: step to the odd one on d's side (±inf steps back to ±FLT_MAX).
  const bool d_larger = (d < 0 ? -d : d) > (f < 0 ? -static_cast<double>(f) : static_cast<double>(f));
  return std::bit_cast<float>(d_larger ? u + 1u : u - 1u);
}

}  // namespace detail

// bfloat16: float32's sign and exponent with an 8-bit significand (7 stored bits).
struct bf16 {
  std::uint16_t bits = 0;

  constexpr bf16() noexcept = default;
  LOSSBENCH_CONVERT_INLINE constexpr explicit bf16(float f) noexcept : bits(detail::bf16_bits_of(f)) {}
  LOSSBENCH_CONVERT_INLINE explicit bf16(double d) noexcept
      : bits(detail::bf16_bits_of(detail::float_round_to_odd(d))) {}
  static constexpr bf16 from_bits(std::uint16_t b) noexcept {
    bf16 h;
    h.bits = b;
    return h;
  }
  LOSSBENCH_CONVERT_INLINE constexpr operator float() const noexcept { return detail::float_of_bf16_bits(bits); }
};

// IEEE 754 binary16: 5 exponent bits, an 11-bit significand (10 stored), max 65504.
struct f16 {
  std::uint16_t bits = 0;

  constexpr f16() noexcept = default;
  LOSSBENCH_CONVERT_INLINE constexpr explicit f16(float f) noexcept : bits(detail::f16_bits_of(f)) {}
  LOSSBENCH_CONVERT_INLINE explicit f16(double d) noexcept : bits(detail::f16_bits_of(detail::float_round_to_odd(d))) {}
  static constexpr f16 from_bits(std::uint16_t b) noexcept {
    f16 h;
    h.bits = b;
    return h;
  }
  LOSSBENCH_CONVERT_INLINE constexpr operator float() const noexcept { return detail::float_of_f16_bits(bits); }
};

static_assert(sizeof(bf16) == 2 && sizeof(f16) == 2, "16-bit storage types are their bits");

#undef LOSSBENCH_CONVERT_INLINE

// The type arrays of T are computed in, and a loss on them returns: float for the 16-bit storage
// types, T itself otherwise.
template <class T>
struct compute_type {
  using type = T;
};
template <>
struct compute_type<bf16> {
  using type = float;
};
template <>
struct compute_type<f16> {
  using type = float;
};
template <class T>
using compute_type_t = typename compute_type<T>::type;

}  // namespace lossbench
