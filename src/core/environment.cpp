// environment.cpp — see environment.hpp.
#include "core/environment.hpp"

#include <lossbench/types.hpp>

#include <array>
#include <cerrno>
#include <cstdlib>

namespace lossbench::core::environment {
namespace {

constexpr std::array<knob, 14> table{{
    {"LOSSBENCH_MAX_ISA", "the highest ISA `simd`, `omp` and `auto` may use (the choices of --max-isa)",
     "the best the CPU and OS support"},
    {"LOSSBENCH_PARALLEL_MIN", "elements below which `omp` runs serially, for every loss (0: always parallel)",
     "each loss's measured break-even"},
    {"LOSSBENCH_STREAMING_MIN_BYTES",
     "bytes of gradient from which element-wise kernels write it with streaming (non-temporal) stores",
     "33554432 (32 MiB)"},
    {"LOSSBENCH_PROFILE", "the tuning profile `auto` reads (a path), or `none` for the built-in heuristics",
     "this CPU's and build's file in the profile directory"},
    {"LOSSBENCH_PROFILE_DIR", "the profile directory: one profile per CPU and build, side by side",
     "$XDG_CACHE_HOME/lossbench/profiles"},
    {"XDG_CACHE_HOME", "where the default profile directory lives (an absolute path)", "$HOME/.cache"},
    {"HOME", "where the default profile directory lives without XDG_CACHE_HOME", "no default profile"},
    {"OMP_NUM_THREADS", "threads of `omp` and `auto` (read by OpenMP)", "one per CPU"},
    {"LOSSBENCH_QUICK", "lossbench_bench: the quick size set (true/false)", "false"},
    {"LOSSBENCH_SCRIPTS_DIR", "`lossbench report`: the directory of report_render.py and torch_peer.py",
     "the source tree's scripts/"},
    {"LOSSBENCH_PYTHON_DIR", "`lossbench report`: the directory holding the Python package `lossbench`",
     "the build tree's python/"},
    {"LOSSBENCH_TORCH_PEER", "`lossbench report`: the lossbench_torch_peer binary (C++ PyTorch figures)",
     "the build tree's, where libtorch-dev was found"},
    {"PYTHONPATH", "`lossbench report` runs its Python steps with the package's directory put first", "as Python's"},
    {"LOSSBENCH_HISTORY_DIR", "`lossbench history`: the directory of saved reports (--history overrides)",
     "history/ in the current directory"},
}};

}  // namespace

std::span<const knob> knobs() { return table; }

std::optional<std::string> text(std::string_view name) {
  const char* v = std::getenv(std::string(name).c_str());
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

std::optional<std::int64_t> count(std::string_view name, std::string_view what) {
  const auto v = text(name);
  if (!v) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const long long n = std::strtoll(v->c_str(), &end, 10);
  if (*end != '\0' || n < 0 || errno == ERANGE || (*v)[0] == '-' || (*v)[0] == '+' || (*v)[0] == ' ')
    throw error(std::string(name), "expected " + std::string(what) + " ≥ 0, got '" + *v + "'");
  return static_cast<std::int64_t>(n);
}

std::optional<bool> flag(std::string_view name) {
  const auto v = text(name);
  if (!v) return std::nullopt;
  if (*v == "1" || *v == "true" || *v == "yes" || *v == "on") return true;
  if (*v == "0" || *v == "false" || *v == "no" || *v == "off") return false;
  throw error(std::string(name), "expects true/false or 1/0, got '" + *v + "'");
}

}  // namespace lossbench::core::environment
