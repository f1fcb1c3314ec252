// rows.hpp — what the row-wise embedding losses (triplet, contrastive) share apart from the
// distance itself: how a [..., D] tensor is cut into rows, the fixed block of rows a work item
// covers, the reduction's divisor and the generator's row sampling.
#pragma once

#include "core/prng.hpp"

#include <lossbench/loss_spec.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace lossbench::losses::embedding {

// Rows are the last dimension; every leading dimension counts rows (torch's pairwise_distance
// reduces dim −1). A rank-1 [D] tensor is one row.
struct row_layout {
  std::size_t rows = 0;
  std::size_t dim = 0;
};

inline row_layout layout_of(const lossbench::shape& s) {
  row_layout l{1, 0};
  if (s.rank() == 0) return l;
  l.dim = static_cast<std::size_t>(s[s.rank() - 1]);
  for (int i = 0; i + 1 < s.rank(); ++i) l.rows *= static_cast<std::size_t>(s[i]);
  return l;
}

// The shape of the per-row losses: the input shape without its last dimension.
inline lossbench::shape rows_shape(const lossbench::shape& s) {
  return lossbench::shape(s.dims().first(s.rank() > 0 ? static_cast<std::size_t>(s.rank() - 1) : 0));
}

// A work item is a row; a block is as many rows as make ~4096 elements (fixed by D alone).
inline std::size_t block_rows(std::size_t dim) {
  return std::max<std::size_t>(1, 4096 / std::max<std::size_t>(1, dim));
}

// mean divides by the number of rows (B), sum and none by 1. With B = 0 the mean is 0/0 = NaN,
// as torch's mean of an empty tensor.
inline double reduction_divisor(reduction r, std::size_t rows) {
  return r == reduction::mean ? static_cast<double>(rows) : 1.0;
}

constexpr std::int64_t default_dim = 128;
inline std::int64_t requested_dim(shape_request req) { return req.inner > 0 ? req.inner : default_dim; }

// One embedding row of D normals scaled by 1/√D, so its norm is ≈ 1 whatever D (as for the
// L2-normalised embeddings these losses are trained on). `centre` (may be null) is added.
inline void sample_row(core::prng& rng, array& out, std::int64_t row, std::int64_t dim, double spread,
                       const array* centre) {
  const double scale = spread / std::sqrt(static_cast<double>(std::max<std::int64_t>(1, dim)));
  for (std::int64_t j = 0; j < dim; ++j) {
    const std::int64_t k = row * dim + j;
    out.set(k, (centre ? centre->get(k) : 0.0) + scale * rng.normal());
  }
}

}  // namespace lossbench::losses::embedding
