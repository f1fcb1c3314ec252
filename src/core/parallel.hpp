// parallel.hpp — the OpenMP side of the drivers, behind a plain function so that OpenMP
// constructs live in parallel.cpp alone: run body(ctx, b) for every block b in [0, blocks) on
// `threads` threads. Which thread runs which block varies; each block's result goes to its own
// slot, so callers that combine slots in block order get the same bits whatever the threads.
#pragma once

#include <cstddef>

namespace lossbench::core {

void parallel_for_blocks(std::size_t blocks, int threads, void (*body)(void* ctx, std::size_t block), void* ctx);

// Runs body(ctx, thread, team) once on each of `threads` threads (a team of that size): for
// measurements that give every thread its own share of work, such as the roofline's probes.
void run_team(int threads, void (*body)(void* ctx, int thread, int team), void* ctx);

// A per-thread scratch array of at least n doubles for block partials (grown on demand, reused).
double* block_partials(std::size_t n);

}  // namespace lossbench::core
