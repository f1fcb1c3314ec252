// parallel.hpp — the OpenMP side of the drivers, behind a plain function so that OpenMP
// constructs live in parallel.cpp alone: run body(ctx, b) for every block b in [0, blocks) on
// `threads` threads. Which thread runs which block varies; each block's result goes to its own
// slot, so callers that combine slots in block order get the same bits whatever the threads.
#pragma once

#include <cstddef>
#include <cstdint>

namespace lossbench::core {

void parallel_for_blocks(std::size_t blocks, int threads, void (*body)(void* ctx, std::size_t block), void* ctx);

// Runs body(ctx, thread, team) once on each of `threads` threads (a team of that size): for
// measurements that give every thread its own share of work, such as the roofline's probes.
void run_team(int threads, void (*body)(void* ctx, int thread, int team), void* ctx);

// LOSSBENCH_PARALLEL_MIN=N replaces every loss's break-even size (loss_spec::parallel_min_elements)
// — for measuring the break-even itself (0: always parallel); -1 when unset. Read once; a value
// that is not a non-negative integer throws error("LOSSBENCH_PARALLEL_MIN", ...).
std::int64_t parallel_min_override();

// A per-thread scratch array of at least n doubles for block partials (grown on demand, reused).
double* block_partials(std::size_t n);

}  // namespace lossbench::core
