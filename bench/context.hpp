// context.hpp — what a benchmark result needs next to it to be comparable: the library version,
// the compiler and flags it was built with, the variants and losses registered, the sizes.
#pragma once

#include "options.hpp"

#include <nlohmann/json_fwd.hpp>

#include <string>

namespace lossbench::bench {

// Adds the keys to Google Benchmark's context (console header and the JSON "context" object).
void add_build_context(const options& opt);

// {"version", "compiler", "cxx_flags", "build_type", "git_commit", "git_dirty", "git_commit_date"}:
// the build, for report.json.
nlohmann::json build_info();

// "2026-11-29T12:00:00Z": when a run started.
std::string now_iso8601();

// Google Benchmark for an in-process sweep (`lossbench report`, `tune`): `program` stands for
// argv[0] in its context, then `repetitions` of at least `min_time` seconds each, interleaved at
// random among the benchmarks of one RunSpecifiedBenchmarks call (a sweep runs one size's group
// per call), so that the drift of a shared machine hits the variants compared alike instead of
// whichever ran during a slow spell.
void initialize_google_benchmark(const char* program, int repetitions, double min_time);

}  // namespace lossbench::bench
