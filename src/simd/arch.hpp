// arch.hpp — the xsimd architectures lossbench compiles kernels for, and the mapping from the
// registry's `isa` to them. Safe to include from baseline translation units: it names arch tags
// only; a `batch` of an arch is usable only in that arch's src/isa/kernels_<isa>.cpp.
#pragma once

#include <lossbench/isa.hpp>
#include <lossbench/loss_spec.hpp>

#include <xsimd/xsimd.hpp>

#include <array>
#include <cstddef>
#include <tuple>
#include <utility>

namespace lossbench::simd {

// The xsimd arch of each ISA of lossbench/isa_list.hpp, in the list's order (AVX2 kernels also
// use FMA and F16C). The only place an xsimd arch is named for an ISA.
using archs = std::tuple<xsimd::sse2, xsimd::sse4_2, xsimd::fma3<xsimd::avx2>, xsimd::avx512bw>;
static_assert(std::tuple_size_v<archs> == isa_count, "one xsimd arch per ISA of lossbench/isa_list.hpp");

template <isa I>
requires(I != isa::none) using arch_of = std::tuple_element_t<static_cast<std::size_t>(I) - 1, archs>;

// A table of one Fn per ISA, in the list's order: make.template operator()<Arch>() for each arch.
template <class Fn, class Make>
constexpr std::array<Fn, isa_count> per_isa(Make make) {
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    return std::array<Fn, isa_count>{make.template operator()<std::tuple_element_t<I, archs>>()...};
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
  static constexpr auto table = per_isa<fn>([]<class Arch>() { return &L::template simd_block<Arch, T>; });
  return for_isa(table, i);
}

// Does loss struct L declare SIMD block kernels?
template <class L>
concept has_simd_kernels = requires {
  &L::template simd_block<std::tuple_element_t<0, archs>, float>;
};

}  // namespace lossbench::simd
