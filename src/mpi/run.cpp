// run.cpp — a loss over the shards of one batch: agree, sum the divisor counts, run the local
// blocks, all-gather the block partials, and sum them in global block order on every rank.
#include <lossbench/mpi.hpp>
#include <lossbench/tuning.hpp>

#include "core/neumaier_sum.hpp"
#include "core/omp_threads.hpp"
#include "mpi/agreement.hpp"

#include <algorithm>
#include <exception>
#include <stdexcept>

namespace lossbench::mpi {

namespace {

// MPI's own failures, where the communicator returns them instead of aborting (MPI_ERRORS_RETURN).
void check(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(rc, text, &length);
  throw error("comm", std::string(what) + " failed: " + std::string(text, static_cast<std::size_t>(length)));
}

int size_of(MPI_Comm comm) {
  int size = 0;
  check(MPI_Comm_size(comm, &size), "MPI_Comm_size");
  return size;
}

std::vector<shard_summary> gather(const shard_summary& mine, MPI_Comm comm) {
  std::vector<shard_summary> all(static_cast<std::size_t>(size_of(comm)));
  check(MPI_Allgather(&mine, sizeof mine, MPI_BYTE, all.data(), sizeof mine, MPI_BYTE, comm), "MPI_Allgather");
  return all;
}

// The whole batch's divisor counts. Integer sums, exact in any order: one count comes summed in
// the agreement; cross_entropy's per-class counts take an all-reduce.
std::vector<std::int64_t> batch_counts(const agreement& a, const std::vector<std::int64_t>& mine, MPI_Comm comm) {
  if (a.counts == 0) return {};
  if (a.counts == 1) return {a.count};
  std::vector<std::int64_t> sum(a.counts);
  check(MPI_Allreduce(mine.data(), sum.data(), static_cast<int>(a.counts), MPI_INT64_T, MPI_SUM, comm),
        "MPI_Allreduce");
  return sum;
}

// How this rank computes: `auto` chooses from the whole batch's size, so like nodes choose alike;
// omp's thread count follows this rank's own share (threads never change the bits).
candidate kernel_for(const entry& e, const call& c, std::int64_t batch_items, std::int64_t shard_items) {
  if (e.variant.impl == implementation::automatic)
    return explain_auto(*e.loss, e.type, c.out.wants_grad(), batch_items, c.threads).chosen;
  const int threads = e.variant.drv == driver::omp ? core::omp_threads(*e.loss, shard_items, c.threads) : 1;
  return candidate{e.variant, threads};
}

// This rank's block partials, or the error that stopped its kernel (a value outside the loss's
// domain): a failed rank still sends its agreed number of slots, so no rank waits alone.
struct shard_result {
  double scale = 1;
  std::vector<double> slots;  // [failed, partial of each block]
  shard_summary failure;
};

shard_result run_blocks(const entry& e, const call& c, const candidate& k, std::span<const std::int64_t> counts,
                        std::size_t blocks) {
  shard_result r;
  std::vector<double> partials;
  try {
    r.scale = e.loss->run_shard(k.variant, e.type, c, k.threads, counts, partials);
    if (partials.size() != blocks) throw std::logic_error("mpi::run: a shard ran another number of blocks than agreed");
  } catch (const error& x) {
    r.failure = failure_of(x);
  } catch (const std::exception& x) {
    r.failure = failure_of(error("shard", x.what()));
  }
  r.slots.assign(blocks + 1, 0.0);
  r.slots[0] = r.failure.failed;
  if (!r.failure.failed) std::copy(partials.begin(), partials.end(), r.slots.begin() + 1);
  return r;
}

// Every rank's slots, in rank order.
std::vector<double> gather_slots(const std::vector<double>& mine, const std::vector<int>& blocks, MPI_Comm comm) {
  std::vector<int> counts, offsets;
  int total = 0;
  for (int b : blocks) {
    counts.push_back(b + 1);
    offsets.push_back(total);
    total += b + 1;
  }
  std::vector<double> all(static_cast<std::size_t>(total));
  check(MPI_Allgatherv(mine.data(), static_cast<int>(mine.size()), MPI_DOUBLE, all.data(), counts.data(),
                       offsets.data(), MPI_DOUBLE, comm),
        "MPI_Allgatherv");
  return all;
}

// The value as one process would make it: the partials summed in global block order, compensated
// (core/driver.hpp's ordered_sum), scaled once, rounded to the type the loss computes in.
double ordered_value(const std::vector<double>& slots, const std::vector<int>& blocks, double scale, dtype type) {
  core::neumaier_sum<double> total;
  std::size_t at = 0;
  for (int b : blocks) {
    for (int i = 1; i <= b; ++i) total.add(slots[at + static_cast<std::size_t>(i)]);
    at += static_cast<std::size_t>(b) + 1;
  }
  const double value = total.value() * scale;
  return type == dtype::f64 ? value : static_cast<double>(static_cast<float>(value));
}

}  // namespace

double run(const entry& e, const call& c, MPI_Comm comm) {
  std::vector<std::int64_t> counts;
  const shard_summary mine = summarize(e, c, counts);
  const agreement a = agree(e, gather(mine, comm));
  const std::vector<std::int64_t> batch = batch_counts(a, counts, comm);
  const candidate k = kernel_for(e, c, a.items, mine.items);
  const shard_result r = run_blocks(e, c, k, batch, static_cast<std::size_t>(mine.blocks));
  const std::vector<double> slots = gather_slots(r.slots, a.blocks, comm);
  std::size_t at = 0;
  for (int b : a.blocks) {
    if (slots[at] != 0) {  // every rank saw it: all exchange the messages, then throw the same error
      throw_first_failure(gather(r.failure, comm));
      throw std::logic_error("mpi::run: a rank failed but sent no message");
    }
    at += static_cast<std::size_t>(b) + 1;
  }
  return ordered_value(slots, a.blocks, r.scale, e.type);
}

void throw_if_any(const error* mine, MPI_Comm comm) {
  throw_first_failure(gather(mine ? failure_of(*mine) : shard_summary{}, comm));
}

}  // namespace lossbench::mpi
