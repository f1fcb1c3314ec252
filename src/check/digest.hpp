// digest.hpp — a vector summarised for a golden file (sum, Euclidean norm, a few sampled
// elements) and the same statistics of a kernel's output, both in long double.
#pragma once

#include "check/golden_file.hpp"

#include <span>

namespace lossbench::check {

struct vector_stats {
  long double sum = 0;
  long double norm = 0;
  long double abs_sum = 0;
};

vector_stats stats_of(std::span<const long double> v);
vector_stats stats_of(const array& a);  // a kernel's output, every element widened exactly

// Indices worth sampling: first, last, the largest |v_i|, the first non-finite one, and five
// spread evenly between (sorted, no repeats).
std::vector<std::int64_t> sample_indices(std::span<const long double> v);

// The digest of a reference vector whose element i is accurate to ulps·(u·magnitude_i + ½·tiny)
// (magnitude empty: |v_i|; tiny = the dtype's smallest denormal: each rounding that underflows
// errs by up to ½·tiny absolutely, not u relatively — gradual underflow, Higham §2.1); the
// tolerances as golden_file.hpp's "derivation" says.
//
// `stored` bf16 or f16: the elements are computed in float (u, tiny: float's) and stored rounded
// once to 16 bits, and the digest is of them as stored. A finite element's tolerance gains half a
// 16-bit ulp at |v_i| + bound_i (expected.hpp's storage_half_ulp: the one rounding's error); an
// element whose every admissible float result rounds past the range (|v_i| − bound_i at or above
// storage_overflow) is expected as the ±inf it is stored as, and enters sum and norm as that; an
// element within its bound of that threshold could be stored either way, and is refused
// (lossbench::error naming it): no golden case may hold one.
digest make_digest(std::string of, std::span<const long double> v, std::span<const long double> magnitude, double ulps,
                   double u, double tiny, dtype stored = dtype::f64);

double round_up(long double tol);  // a tolerance as the double just above it (+ the smallest denormal)

}  // namespace lossbench::check
