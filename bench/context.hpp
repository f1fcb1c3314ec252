// context.hpp — what a benchmark result needs next to it to be comparable: the library version,
// the compiler and flags it was built with, the variants and losses registered, the sizes.
#pragma once

#include "options.hpp"

#include <nlohmann/json_fwd.hpp>

namespace lossbench::bench {

// Adds the keys to Google Benchmark's context (console header and the JSON "context" object).
void add_build_context(const options& opt);

// {"version", "compiler", "cxx_flags", "build_type"}: the build, for report.json.
nlohmann::json build_info();

}  // namespace lossbench::bench
