// report_rows.hpp — report.json's "lossbench_rows": one summary row per measured (loss, variant,
// dtype, mode, n, threads) from Google Benchmark's per-repetition rows: the median time (a robust
// statistic; never the minimum or the mean), its coefficient of variation, the accuracy, and the
// position under the roofline measured in the same run.
#pragma once

#include "roofline/roofline.hpp"

#include <nlohmann/json.hpp>

namespace lossbench::bench {

// A row whose time varies more than this over its repetitions is marked "noisy": too wide to trust.
inline constexpr double noisy_cv = 0.10;

// `benchmarks`: Google Benchmark's rows (iteration and aggregate); aggregates are ignored, the
// statistics are recomputed from the repetitions. Rows that failed are left out.
nlohmann::json summary_rows(const nlohmann::json& benchmarks, const roofline::ceilings* ceilings);

}  // namespace lossbench::bench
