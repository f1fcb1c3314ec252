// bench_json_fuzz.cpp — the Google Benchmark JSON reader behind `lossbench compare`, and the
// comparison itself: the fuzzed file against itself and against a fixed one, both ways.
#include "compare/bench_json.hpp"
#include "compare/compare.hpp"
#include "fuzz_input.hpp"

namespace {
const char* const fixed_run = R"({"benchmarks": [
  {"name": "mse/simd/f32/4096", "run_type": "iteration", "real_time": 100, "cpu_time": 100, "time_unit": "ns"},
  {"name": "mse/simd/f32/4096", "run_type": "iteration", "real_time": 110, "cpu_time": 110, "time_unit": "ns"},
  {"name": "mse/simd/f32/4096", "run_type": "iteration", "real_time": 105, "cpu_time": 105, "time_unit": "ns"}]})";
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lossbench;
  return fuzz::run([&] {
    static const auto fixed = compare::read_bench_json(fuzz::as_file(fixed_run, "fixed.json"));
    const auto runs = compare::read_bench_json(fuzz::as_file(fuzz::bytes_of(data, size), "input.json"));
    const compare::compare_options opt;
    compare::compare_runs(runs, runs, opt).failed();
    compare::compare_runs(runs, fixed, opt).failed();
    compare::compare_runs(fixed, runs, opt).failed();
  });
}
