// crossovers.hpp — where the fastest variant changes with size, placed within a factor of 2.
//
// A quick sweep measures a few sizes (L1, L2, DRAM); where the fastest fixed variant of one loss,
// dtype and mode differs between two neighbouring sizes, the change lies somewhere in between,
// up to a factor of 128 wide. refine_crossovers bisects each such interval in log2(n): it measures
// only the two variants that won at its ends, at the power of two nearest the geometric mean,
// keeps the half where the winner changes, and stops when the ends are at most 2× apart.
// That costs two benchmarks per halving (≈ log2 of the interval's ratio halvings) instead of every
// variant at every size of a 2× ladder. The rows are timings only (no accuracy: the kernels'
// accuracy is measured at the ladder's sizes) and are kept apart from the ladder's benchmarks, so
// two reports keep the same benchmark names however their crossovers fell.
#pragma once

#include "options.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace lossbench::bench {

// "Fastest" as the report's tables name it: the highest items/s, except that a simpler variant
// (scalar < simd < simd:<isa> < omp; fewer threads first) within `tie` of it wins, and an omp row
// that ran serially (below its break-even: the simd kernel on one thread) never beats simd.
// `rows`: report_rows summary rows of one (loss, dtype, mode, n), `auto` excluded. Returns the
// winner's label ("simd", "omp/threads:2"); empty when nothing was measured.
std::string fastest_label(const std::vector<const nlohmann::json*>& rows, double tie);

struct crossover_settings {
  options base;  // sizes ignored; select, width and omp_threads as the ladder used them
  int repetitions = 3;
  double min_time = 0.01;
};

// `ladder_rows`: the ladder's summary rows (report_rows.hpp); `context`: the sweep reporter's.
// Returns the Google Benchmark rows of the bisection's benchmarks (empty when no winner changes).
nlohmann::json refine_crossovers(const nlohmann::json& ladder_rows, const crossover_settings& s,
                                 const nlohmann::json& context);

}  // namespace lossbench::bench
