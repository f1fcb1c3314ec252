// lossbench/threads.hpp — how many threads the `omp` variant uses. The default is OpenMP's
// (OMP_NUM_THREADS, else one per core); set_num_threads overrides it for the process, and a
// call's `threads` field (options::threads in the span API, --threads in the CLI) for one call.
#pragma once

namespace lossbench {

// The most threads a call may ask for: far above any machine's cores, far below the count at
// which creating the team exhausts memory (100,000 threads crashed). Beyond it: lossbench::error.
inline constexpr int max_threads = 4096;

int num_threads();  // the process default for the omp variant (≥ 1); OMP_NUM_THREADS > max_threads is an error
void set_num_threads(int n);  // 1 ≤ n ≤ max_threads; 0 restores OpenMP's default

}  // namespace lossbench
