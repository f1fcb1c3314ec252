// lossbench/mpi.hpp — one loss over a batch split between the processes of an MPI communicator
// (data-parallel training, a validation set larger than one machine). Built when Open MPI is found
// (the `lossbench::mpi` library); the core library does not depend on it.
//
// Each rank passes its shard of the batch — the inputs cut along the dimension of the per-sample
// losses (rows; element-wise losses' first dimension; ctc's batch dimension 1), concatenated in
// rank order — and gets:
//   - the reduced value of the whole batch, the same on every rank;
//   - the gradient of that value with respect to its own shard (the mean's divisor is the whole
//     batch's: its elements, non-ignored (weighted) rows of cross_entropy, sequences of ctc, rows
//     of batchmean); with reduction `none`, its own per-sample losses.
//
// Determinism. Kernels cut their work into blocks of loss_spec::block_items() items whose partial
// sums are combined in block order. Every rank computes its blocks' partials; one all-gather
// brings them all, in rank order, to every rank, which sums them in that order exactly as one
// process would. So:
//   - when every rank but the last holds a multiple of block_items() items, the value is bitwise
//     the single-process value of the concatenated batch, for any number of ranks;
//   - otherwise a rank's last block is shorter than one process's, the value is bitwise the same
//     across runs and across rank counts that make the same cut, and within the loss's accuracy
//     bound of the single-process value;
//   - the gradients and per-sample losses are bitwise the single-process ones for any cut (they
//     depend on the batch's divisor alone, which is made of integer counts summed exactly).
// All ranks must run the same variant kind on the same ISA for this (one build on one kind of
// CPU); `auto` is resolved on every rank from the whole batch's size, so like nodes choose alike.
//
// Cost per call: one all-gather of a fixed ~0.6 KiB summary per rank (the agreement: every rank
// checks that all agree on loss, dtype, variant, reduction, wanted gradients, parameters and the
// shape outside the batch dimension before any kernel runs, so a bad shard is a lossbench::error
// on every rank, never a hang), one all-gather of 8 bytes per block per rank (4096 elements of
// an element-wise loss: 16 KiB per rank at 8M elements), and for weighted cross_entropy means one
// all-reduce of C counts.
#pragma once

#include <lossbench/registry.hpp>

#include <mpi.h>

namespace lossbench::mpi {

// Collective over `comm`: every rank calls it with its shard. Returns the whole batch's reduced
// value (rounded to the entry's dtype; the sum of all per-sample losses for `none`). Bad or
// inconsistent shards throw lossbench::error on every rank, naming the argument and the rank.
double run(const entry& e, const call& c, MPI_Comm comm);

// Collective over `comm`, for the steps before run (reading a shard): every rank passes the error
// its own step raised, or nullptr. If any rank failed, every rank throws the lowest failing rank's
// error (its argument, the message naming the rank); else all return. One rank's failure never
// leaves the others waiting in a later collective.
void throw_if_any(const error* mine, MPI_Comm comm);

// For a process that holds the whole batch: `rank`'s shard out of `ranks` as the indices
// [begin, end) along the batch dimension (the first of the per-sample losses' shape), cut on block
// boundaries (every shard but the last a whole number of blocks, as even as the blocks allow), so
// run gives one process's bits.
struct shard_range {
  std::int64_t begin = 0, end = 0;
};
shard_range aligned_shard(const loss_spec& loss, std::span<const tensor_ref> whole, int rank, int ranks);

// The shard's inputs copied out of the whole batch's, each cut along its batch dimension (the
// prediction's per-sample axis, the first of every other input). ctc's targets must be padded
// [B, S] (concatenated targets do not cut by sequence): an error naming `targets` otherwise.
std::vector<array> cut_inputs(const loss_spec& loss, std::span<const tensor_ref> whole, shard_range r);

}  // namespace lossbench::mpi
