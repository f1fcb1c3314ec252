// commands.hpp — the subcommands of `lossbench`. Each adds itself to the application with its
// options and installs the callback that runs it. A callback reports bad input by throwing
// lossbench::error (main turns it into exit code 2 and a one-line message); it writes its results
// to stdout.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace lossbench::cli {

void add_list_command(CLI::App& app);  // list.cpp
void add_eval_command(CLI::App& app);  // eval.cpp

// "SIMD: avx512bw (usable: avx512bw, avx2, sse4_2, sse2; ceiling avx512bw)" — list.cpp
std::string isa_summary();

}  // namespace lossbench::cli
