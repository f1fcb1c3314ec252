// main.cpp — lossbench_bench: the Google Benchmark suite over the whole registry. The
// --lossbench_* flags are read (and removed) first; everything else is Google Benchmark's.
#include "ceilings.hpp"
#include "context.hpp"
#include "loss_benchmarks.hpp"
#include "options.hpp"

#include <lossbench/types.hpp>

#include <benchmark/benchmark.h>

#include <cstdio>

int main(int argc, char** argv) {
  using namespace lossbench::bench;
  options opt;
  try {
    opt = parse_options(&argc, argv);
  } catch (const lossbench::error& e) {
    std::fprintf(stderr, "lossbench_bench: %s\n", e.what());
    return 2;
  }
  benchmark::Initialize(&argc, argv, [] {
    print_options_help();
    benchmark::PrintDefaultHelp();
  });
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  add_build_context(opt);
  register_loss_benchmarks(opt);
  if (opt.roofline) measure_run_ceilings(/*verbose=*/true);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
