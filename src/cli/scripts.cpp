// scripts.cpp — see scripts.hpp.
#include "cli/scripts.hpp"

#include "core/environment.hpp"

#include <spawn.h>
#include <sys/wait.h>

extern char** environ;

namespace lossbench::cli {

std::filesystem::path scripts_dir() {
  return core::environment::text("LOSSBENCH_SCRIPTS_DIR").value_or(LOSSBENCH_SCRIPTS_DIR);
}

std::string python() { return std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3"; }

int run_program(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawnp(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) return 127;
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return 127;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

}  // namespace lossbench::cli
