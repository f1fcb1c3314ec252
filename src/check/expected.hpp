// expected.hpp — what a golden case expects of a dtype, from loss_spec::reference only (never a
// kernel): the long-double value with the loss's accuracy bound as tolerance, and digests of the
// per-sample losses (reduction none) and of every gradient.
#pragma once

#include "check/case_builders.hpp"

namespace lossbench::check {

inline double unit_roundoff(dtype t) { return t == dtype::f32 ? 0x1p-24 : 0x1p-53; }
inline double smallest_denormal(dtype t) { return t == dtype::f32 ? 0x1p-149 : 0x1p-1074; }

expectation expectation_of(const loss_spec& spec, dtype dt, const built_case& input, reduction red);

}  // namespace lossbench::check
