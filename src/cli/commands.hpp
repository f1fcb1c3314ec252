// commands.hpp — the subcommands of `lossbench`. Each adds itself to the application with its
// options and installs the callback that runs it. A callback reports bad input by throwing
// lossbench::error (main turns it into exit code 2 and a one-line message); it writes its results
// to stdout, and throws exit_with for a verdict of failure.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace lossbench::cli {

void add_list_command(CLI::App& app);     // list.cpp
void add_eval_command(CLI::App& app);     // eval.cpp
void add_check_command(CLI::App& app);    // check.cpp
void add_compare_command(CLI::App& app);  // compare.cpp
void add_report_command(CLI::App& app);   // report.cpp
void add_tune_command(CLI::App& app);     // tune.cpp
void add_explain_command(CLI::App& app);  // explain.cpp
void add_history_command(CLI::App& app);  // history.cpp

// Thrown by a callback whose verdict is a non-zero exit that is not bad input (a check that
// found violations, a compare that found a regression): main returns `code`.
struct exit_with {
  int code;
};

// "SIMD: avx512bw (usable: avx512bw, avx2, sse4_2, sse2; ceiling avx512bw)" — list.cpp
std::string isa_summary();
// "profile PATH (rigor measure, 304 entries)" or why there is none — explain.cpp
std::string profile_summary();

}  // namespace lossbench::cli
