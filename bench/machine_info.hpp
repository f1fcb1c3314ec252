// machine_info.hpp — what report.json says about the machine besides Google Benchmark's own
// context: CPU model, its SIMD feature flags, cores, and the ISA lossbench's `simd` runs.
#pragma once

#include <nlohmann/json.hpp>

namespace lossbench::bench {

nlohmann::json machine_info();

// Reasons not to trust the timings, from the context (frequency scaling, load before the sweep).
nlohmann::json noise_warnings(const nlohmann::json& context);

}  // namespace lossbench::bench
