// machine_info.hpp — what report.json says about the machine besides Google Benchmark's own
// context: CPU model, its SIMD feature flags, cores, and the ISA lossbench's `simd` runs.
#pragma once

#include <nlohmann/json.hpp>

namespace lossbench::bench {

nlohmann::json machine_info();

// CPUs kept busy by other processes: /proc/stat sampled over `seconds` while this process sleeps
// (so, unlike the load average, which lags by a minute, it does not count a build that just ended).
double other_busy_cpus(double seconds = 0.25);

// Reasons not to trust the timings, from the context: frequency scaling, and other work at the
// sweep's start and end (lossbench.busy_cpus_at_start / _end).
nlohmann::json noise_warnings(const nlohmann::json& context);

}  // namespace lossbench::bench
