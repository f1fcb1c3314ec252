// expected.hpp — what a golden case expects of a dtype, from loss_spec::reference only (never a
// kernel): the long-double value with the loss's accuracy bound as tolerance, and digests of the
// per-sample losses (reduction none) and of every gradient.
//
// bf16 and f16 compute in float32 and store each per-sample loss and gradient element rounded once
// to 16 bits (docs/numerics.md): their value is held to the f32 bound (it is the f32 path's, never
// rounded to 16 bits), their stored elements to the f32 bound plus that one rounding.
#pragma once

#include "check/case_builders.hpp"

namespace lossbench::check {

// The unit roundoff and smallest denormal of the arithmetic a dtype's kernels use: float's for
// the 16-bit storage types, which compute in float.
inline double unit_roundoff(dtype t) { return t == dtype::f64 ? 0x1p-53 : 0x1p-24; }
inline double smallest_denormal(dtype t) { return t == dtype::f64 ? 0x1p-1074 : 0x1p-149; }

// The one rounding of a stored 16-bit result (none for f32/f64): half an ulp, at most 2^-8
// (bf16's 8-bit significand) or 2^-11 (f16's 11) of the value, and never less than half the
// smallest subnormal (2^-134 bf16, 2^-25 f16), the absolute error of a rounding below the normal
// range.
inline double storage_roundoff(dtype t) { return t == dtype::bf16 ? 0x1p-8 : t == dtype::f16 ? 0x1p-11 : 0.0; }
inline double storage_half_denormal(dtype t) { return t == dtype::bf16 ? 0x1p-134 : t == dtype::f16 ? 0x1p-25 : 0.0; }
// Where a 16-bit type's rounding goes to ±inf: results of at least this magnitude (the midpoint
// between the largest finite value and the next power of two; a tie there rounds to the even
// neighbour, ±inf). Infinity for f32/f64.
double storage_overflow(dtype t);
// Half an ulp of the 16-bit type at magnitude m ≥ 0 (its binade's 2^e times storage_roundoff,
// the top binade's past the range), at least storage_half_denormal: what rounding a value of
// magnitude up to m to the type may err by. 0 for f32/f64.
long double storage_half_ulp(dtype t, long double m);

expectation expectation_of(const loss_spec& spec, dtype dt, const built_case& input, reduction red);

}  // namespace lossbench::check
