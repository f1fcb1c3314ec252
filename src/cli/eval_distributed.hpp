// eval_distributed.hpp — `mpirun -np K lossbench eval --distributed ...`: one batch split between
// the ranks, computed by lossbench::mpi::run (docs/distributed.md).
//
//   - files whose names hold `{rank}` are each rank's own shard (`{rank}` becomes 0, 1, ...);
//     otherwise every rank reads the same files and takes its block-aligned cut of the batch, so
//     the value is one process's, bit for bit;
//   - one variant (`all`, eval's default, runs `auto`);
//   - --grad-out and --losses-out must hold `{rank}`: each rank writes its own shard's;
//   - rank 0 prints the value, the ranks' shard sizes and whether they fall on block boundaries;
//   - a failure on any rank (a missing file, a bad shape) is the same error on every rank, printed
//     once by rank 0; built without MPI, --distributed is an error naming it.
#pragma once

#include "cli/eval_inputs.hpp"

namespace lossbench::cli {

void run_eval_distributed(const eval_options& o);

}  // namespace lossbench::cli
