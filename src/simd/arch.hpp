// arch.hpp — the xsimd architectures lossbench compiles kernels for, and the mapping from the
// registry's `isa` to them. Safe to include from baseline translation units: it names arch tags
// only; a `batch` of an arch is usable only in that arch's src/isa/kernels_<isa>.cpp.
#pragma once

#include "core/kernel_isas.hpp"

#include <lossbench/isa.hpp>
#include <lossbench/loss_spec.hpp>

#include <xsimd/xsimd.hpp>

#include <array>
#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

namespace lossbench::simd {

// AVX-512BW plus AVX512-BF16 (vcvtneps2bf16), an arch of lossbench's own: xsimd runs its batches
// as avx512bw's, and only simd/convert16.hpp's bf16 narrowing differs.
struct avx512bf16 : xsimd::avx512bw {
  static constexpr char const* name() noexcept { return "avx512bf16"; }
};

// The xsimd arch of each ISA of lossbench/isa_list.hpp, in the list's order (AVX2 kernels also
// use FMA and F16C). The only place an xsimd arch is named for an ISA.
using archs = std::tuple<xsimd::sse2, xsimd::sse4_2, xsimd::fma3<xsimd::avx2>, xsimd::avx512bw, avx512bf16>;
static_assert(std::tuple_size_v<archs> == isa_count, "one xsimd arch per ISA of lossbench/isa_list.hpp");

// The arch whose kernels an ISA runs for storage type T: its own, but avx512bf16 runs avx512bw's
// for every type but bf16 (isa_serves says the same to the registry). Its translation unit
// instantiates bf16 alone.
template <class Arch, class T>
using kernel_arch_t =
    std::conditional_t<std::is_same_v<Arch, avx512bf16> && !std::is_same_v<T, bf16>, xsimd::avx512bw, Arch>;

template <isa I>
requires(I != isa::none) using arch_of = std::tuple_element_t<static_cast<std::size_t>(I) - 1, archs>;

// A table of one Fn per ISA, in the list's order: make.template operator()<Arch>() for each arch
// this build compiled kernels for (core/kernel_isas.hpp), nullptr for the others.
template <class Fn, class Make>
constexpr std::array<Fn, isa_count> per_isa(Make make) {
  const auto one = [&]<std::size_t I>() -> Fn {
    if constexpr (core::kernels_compiled(I))
      return make.template operator()<std::tuple_element_t<I, archs>>();
    else
      return nullptr;
  };
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    return std::array<Fn, isa_count>{one.template operator()<I>()...};
  }
  (std::make_index_sequence<isa_count>{});
}

// The entry of a per_isa table for ISA i; nullptr for isa::none.
template <class Fn>
Fn for_isa(const std::array<Fn, isa_count>& table, isa i) {
  return i == isa::none ? nullptr : table[static_cast<std::size_t>(i) - 1];
}

// The block kernel `L::simd_block<Arch, T>` for an ISA. The kernels are defined and explicitly
// instantiated only in the ISA translation units (isa/instantiate.hpp); here we take addresses.
template <class L, class T>
auto block_kernel(isa i) -> double (*)(const typename L::template problem<T>&, std::size_t, std::size_t) {
  using fn = double (*)(const typename L::template problem<T>&, std::size_t, std::size_t);
  static constexpr auto table =
      per_isa<fn>([]<class Arch>() { return &L::template simd_block<kernel_arch_t<Arch, T>, T>; });
  return for_isa(table, i);
}

// Does loss struct L declare SIMD block kernels?
template <class L>
concept has_simd_kernels = requires {
  &L::template simd_block<std::tuple_element_t<0, archs>, float>;
};

}  // namespace lossbench::simd

#if XSIMD_WITH_AVX512BW
// xsimd's registers for the avx512bf16 arch: avx512bw's (only where xsimd declares those, the
// AVX-512 translation units).
namespace xsimd::types {
template <class T>
struct get_bool_simd_register<T, ::lossbench::simd::avx512bf16> {
  using type = simd_avx512_bool_register<T>;
};
XSIMD_DECLARE_SIMD_REGISTER_ALIAS(::lossbench::simd::avx512bf16, avx512bw);
}  // namespace xsimd::types
#endif
