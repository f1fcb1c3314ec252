// agreement.hpp — what each rank says about its shard before any data moves. The summaries are
// all-gathered, so every rank reads the same table and reaches the same decision: run, or throw
// the same error. No rank is ever left waiting in a collective that another rank skipped.
#pragma once

#include <lossbench/registry.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace lossbench::mpi {

// Plain bytes (it travels as MPI_BYTE): fixed-size text, no pointers.
struct shard_summary {
  std::int32_t failed = 0;  // this rank's shard did not validate: argument and message say why
  char argument[64] = {};
  char message[384] = {};
  char entry[64] = {};  // loss/variant/dtype
  std::int32_t reduction = 0;
  std::uint32_t grads = 0;   // bit k: the gradient of differentiable input k is wanted
  std::uint64_t params = 0;  // loss_spec::params_digest
  std::int32_t batch_axis = 0;
  std::int32_t rank = 0;      // of the first input
  std::int64_t dims[8] = {};  // the first input's shape (shape::max_rank)
  std::int64_t items = 0;     // loss_spec::items: elements of the prediction tensor (auto's size)
  std::int64_t samples = 0;   // per-sample losses: the work items its blocks cut
  std::int64_t blocks = 0;    // block partials this rank will send
  std::int64_t counts = 0;    // length of its divisor counts
  std::int64_t count = 0;     // their first (when there is one)
};

// This rank's summary: the call validated (a failure is recorded, not thrown) and described.
shard_summary summarize(const entry& e, const call& c, std::vector<std::int64_t>& counts);

// The summary of a rank that failed: the error's argument and message.
shard_summary failure_of(const error& x);

// Throws the lowest failing rank's error, naming the rank; returns when no rank failed.
void throw_first_failure(std::span<const shard_summary> all);

// What all ranks agreed on, or lossbench::error (the same on every rank) when they did not.
struct agreement {
  std::int64_t items = 0;   // of the whole batch
  std::int64_t count = 0;   // the summed first count (when every rank has exactly one)
  std::size_t counts = 0;   // the counts' length, the same on every rank
  std::vector<int> blocks;  // per rank
};
agreement agree(const entry& e, std::span<const shard_summary> all);

// A string copied into a fixed field, cut to fit.
template <std::size_t N>
void copy_text(char (&field)[N], const std::string& s) {
  const std::size_t n = s.size() < N - 1 ? s.size() : N - 1;
  s.copy(field, n);
  field[n] = '\0';
}

}  // namespace lossbench::mpi
