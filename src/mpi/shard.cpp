// shard.cpp — cutting a whole batch into block-aligned shards, for a process that holds it all
// (each rank reading the same files, a test against one process).
#include <lossbench/mpi.hpp>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <string>

namespace lossbench::mpi {

namespace {

// The batch dimension's length and the per-sample losses under one of its indices.
struct batch_layout {
  std::int64_t length = 0, samples_per_index = 1;
};

batch_layout layout_of(const loss_spec& loss, std::span<const tensor_ref> whole) {
  const lossbench::shape s = loss.losses_shape(whole);
  if (s.rank() == 0)
    throw error(std::string(loss.inputs()[0].name),
                "one sample (shape " + whole[0].shape.str() + ") has no batch dimension to cut along");
  batch_layout b;
  b.length = s[0];
  for (int d = 1; d < s.rank(); ++d) b.samples_per_index *= s[d];
  return b;
}

// Input i's batch dimension: the per-sample axis of the prediction, the first of every other input.
int axis_of(const loss_spec& loss, std::size_t input) { return input == 0 ? loss.losses_axis() : 0; }

array cut(const tensor_ref& t, int axis, shard_range r) {
  std::vector<std::int64_t> dims(t.shape.dims().begin(), t.shape.dims().end());
  std::int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= dims[static_cast<std::size_t>(d)];
  for (std::size_t d = static_cast<std::size_t>(axis) + 1; d < dims.size(); ++d) inner *= dims[d];
  const std::int64_t whole = dims[static_cast<std::size_t>(axis)];
  dims[static_cast<std::size_t>(axis)] = r.end - r.begin;
  array out(t.type, lossbench::shape(std::span<const std::int64_t>(dims)));
  const std::size_t item = size_of(t.type);
  const std::size_t run = static_cast<std::size_t>((r.end - r.begin) * inner) * item;
  if (run == 0) return out;
  const auto* from = static_cast<const unsigned char*>(t.data);
  auto* to = static_cast<unsigned char*>(out.raw());
  for (std::int64_t o = 0; o < outer; ++o)
    std::memcpy(to + static_cast<std::size_t>(o) * run,
                from + static_cast<std::size_t>((o * whole + r.begin) * inner) * item, run);
  return out;
}

}  // namespace

shard_range aligned_shard(const loss_spec& loss, std::span<const tensor_ref> whole, int rank, int ranks) {
  if (ranks < 1 || rank < 0 || rank >= ranks)
    throw error("rank", "rank " + std::to_string(rank) + " is not one of " + std::to_string(ranks) + " ranks");
  const batch_layout b = layout_of(loss, whole);
  const std::int64_t block = loss.block_items(whole);
  // The fewest batch indices whose samples fill whole blocks: the unit the cuts move by.
  const std::int64_t unit = std::lcm(b.samples_per_index, block) / b.samples_per_index;
  const std::int64_t units = (b.length + unit - 1) / unit;
  auto cut_at = [&](int r) { return r == ranks ? b.length : std::min(b.length, units * r / ranks * unit); };
  return {cut_at(rank), cut_at(rank + 1)};
}

std::vector<array> cut_inputs(const loss_spec& loss, std::span<const tensor_ref> whole, shard_range r) {
  const batch_layout b = layout_of(loss, whole);
  if (r.begin < 0 || r.begin > r.end || r.end > b.length)
    throw error("shard", "indices [" + std::to_string(r.begin) + ", " + std::to_string(r.end) +
                             ") are not a part of a batch of " + std::to_string(b.length));
  std::vector<array> out;
  for (std::size_t i = 0; i < whole.size(); ++i) {
    const int axis = axis_of(loss, i);
    const tensor_ref& t = whole[i];
    if (t.shape.rank() <= axis || t.shape[axis] != b.length)
      throw error(std::string(loss.inputs()[i].name),
                  "dimension " + std::to_string(axis) + " of shape " + t.shape.str() + " is not the batch's " +
                      std::to_string(b.length) + " samples, so it cannot be cut by sample" +
                      (t.shape.rank() == 1 && !is_floating(t.type) ? " (concatenated targets: pass them padded)" : ""));
    out.push_back(cut(t, axis, r));
  }
  return out;
}

}  // namespace lossbench::mpi
