// lossbench/threads.hpp — how many threads the `omp` variant uses. The default is OpenMP's
// (OMP_NUM_THREADS, else one per core); set_num_threads overrides it for the process, and a
// call's `threads` field (options::threads in the span API, --threads in the CLI) for one call.
#pragma once

namespace lossbench {

int num_threads();            // the process default for the omp variant (≥ 1)
void set_num_threads(int n);  // n ≥ 1; 0 restores OpenMP's default

}  // namespace lossbench
