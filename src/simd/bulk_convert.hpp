// bulk_convert.hpp — whole arrays converted between float and the 16-bit storage types with one
// ISA's batch conversions (simd/convert16.hpp): the same bits as lossbench/float16.hpp's scalar
// conversions, at memory speed. Declared here for any translation unit; the templates are
// defined in convert16.hpp and instantiated per ISA by isa/instantiate.hpp.
#pragma once

#include "simd/arch.hpp"

#include <lossbench/float16.hpp>

#include <cstddef>

namespace lossbench::simd {

template <class Arch, class S>
void widen_array(const S* in, float* out, std::size_t n) noexcept;
template <class Arch, class S>
void narrow_array(const float* in, S* out, std::size_t n) noexcept;

// The conversions of one storage type S for ISA i (nullptr for isa::none).
template <class S>
struct bulk_converter {
  void (*widen)(const S*, float*, std::size_t) noexcept;
  void (*narrow)(const float*, S*, std::size_t) noexcept;
};

template <class S>
bulk_converter<S> bulk_convert(isa i) {
  using widen_fn = void (*)(const S*, float*, std::size_t) noexcept;
  using narrow_fn = void (*)(const float*, S*, std::size_t) noexcept;
  static constexpr auto widen = per_isa<widen_fn>([]<class Arch>() { return &widen_array<kernel_arch_t<Arch, S>, S>; });
  static constexpr auto narrow =
      per_isa<narrow_fn>([]<class Arch>() { return &narrow_array<kernel_arch_t<Arch, S>, S>; });
  return {for_isa(widen, i), for_isa(narrow, i)};
}

}  // namespace lossbench::simd
