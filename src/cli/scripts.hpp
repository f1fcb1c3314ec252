// scripts.hpp — running the Python half of a command (scripts/report_render.py,
// scripts/history_render.py, scripts/torch_peer.py): where the scripts are, which interpreter,
// and a child process started without a shell.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace lossbench::cli {

// LOSSBENCH_SCRIPTS_DIR (an installed or moved tree), else the source tree's scripts/.
std::filesystem::path scripts_dir();

// Debian's python3 (where python3-matplotlib installs), else whatever python3 is on PATH.
std::string python();

// Runs a program without a shell, with this process's environment; returns its exit status
// (127 when it cannot start, 128 + the signal when one killed it).
int run_program(std::vector<std::string> args);

}  // namespace lossbench::cli
