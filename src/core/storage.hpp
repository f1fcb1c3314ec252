// storage.hpp — a kernel's storage type S (what its arrays hold: float, double, bf16, f16) and the
// type it computes in: float for the 16-bit types (lossbench/float16.hpp), else S itself. Kernels
// templated on S read an element as compute_t<S>(p[i]) and write S(value): a plain copy when S is
// the compute type, an exact widening or one round-to-nearest-even narrowing for 16 bits.
#pragma once

#include <lossbench/float16.hpp>

#include <type_traits>

namespace lossbench::core {

template <class S>
inline constexpr bool is_16bit_v = std::is_same_v<S, bf16> || std::is_same_v<S, f16>;

template <class S>
using compute_t = compute_type_t<S>;

}  // namespace lossbench::core
