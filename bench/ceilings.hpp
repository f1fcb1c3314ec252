// ceilings.hpp — the roofline of this run (src/roofline/): measured once, before any benchmark,
// recorded in the results' context, and used by every loss benchmark for its roofline_pct and
// bandwidth_pct counters.
#pragma once

#include "roofline/roofline.hpp"

#include <nlohmann/json_fwd.hpp>

namespace lossbench::bench {

// Measures at 1 thread and at the omp variant's default count (progress on stderr if `verbose`),
// keeps the result for run_ceilings() and adds it to Google Benchmark's context.
const roofline::ceilings& measure_run_ceilings(bool verbose);
// Null until measure_run_ceilings ran (then the counters are left out).
const roofline::ceilings* run_ceilings();

// {"bandwidth": [...], "copy": [...], "dram_bandwidth": {...}, "peak_flops": {...}} (report.json's
// roofline block); a figure that was not measured is null.
nlohmann::json to_json(const roofline::ceilings& c);

}  // namespace lossbench::bench
