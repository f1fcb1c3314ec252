// report.cpp — `lossbench report [-o DIR] [--quick|--full] [--loss ...] [--variant ...] [--dtype ...]
// [--threads ...]`: the performance and accuracy report (bench/report_sweep.hpp measures it).
// Writes DIR/report.json (Google Benchmark's JSON plus the project's fields), then runs
// scripts/report_render.py for DIR/report.md and DIR/index.html (charts by matplotlib). Every
// file is written whole or not at all; while the sweep runs, DIR/report.partial.json holds what is
// measured so far and is removed once report.json is in place.
// With --peer torch (the default where Debian's python3-torch and the Python package are there),
// scripts/torch_peer.py then measures torch.nn.functional against lossbench.torch on the sweep's
// value+grad cells; its figures go into report.json as "lossbench_peer".
// Exit 0; 2 on bad input; 1 when benchmarks failed or the rendering did.
#include "cli/commands.hpp"
#include "cli/scripts.hpp"

#include "core/environment.hpp"
#include "io/atomic_file.hpp"
#include "report_sweep.hpp"

#include <lossbench/types.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#ifndef LOSSBENCH_PYTHON_DIR
#define LOSSBENCH_PYTHON_DIR ""  // the Python package is not built
#endif
#ifndef LOSSBENCH_TORCH_PEER
#define LOSSBENCH_TORCH_PEER ""  // lossbench_torch_peer is not built (no libtorch-dev)
#endif

namespace lossbench::cli {

namespace {

namespace fs = std::filesystem;

struct report_cli_options {
  std::string dir = "report";
  bool full = false, quick = false;  // quick is the default: the flag only documents it
  std::vector<std::string> losses, variants, dtypes;
  std::vector<int> threads;
  std::string sizes;
  std::string peer = "auto";  // torch, none, or auto: torch where it imports
};

// The renderer: scripts_dir()'s report_render.py.
fs::path renderer_path() { return scripts_dir() / "report_render.py"; }

// The Python package's directory: LOSSBENCH_PYTHON_DIR, else the build tree's (empty: not built).
std::string python_package_dir() {
  return core::environment::text("LOSSBENCH_PYTHON_DIR").value_or(LOSSBENCH_PYTHON_DIR);
}

// PyTorch measured beside lossbench on the sweep's cells ({"reason": ...} where it is not).
nlohmann::json measure_peer(const std::string& peer, const fs::path& partial, const fs::path& dir) {
  if (peer == "none") return {{"reason", "--peer none"}};
  const std::string package = python_package_dir();
  if (package.empty() || !fs::exists(fs::path(package) / "lossbench"))
    return {{"reason", "the Python package is not built (pybind11-dev, python3-dev)"}};
  const auto old = core::environment::text("PYTHONPATH");
  ::setenv("PYTHONPATH", (package + (old ? ":" + *old : "")).c_str(), 1);
  if (run_program({python(), "-c", "import torch, lossbench.torch"}) != 0) {
    if (peer == "torch")
      throw error("--peer", "torch or lossbench.torch does not import (scripts/setup.sh installs python3-torch)");
    return {{"reason", "torch does not import here (Debian's python3-torch; scripts/setup.sh installs it)"}};
  }
  const fs::path script = renderer_path().parent_path() / "torch_peer.py", out = dir / "peer.partial.json";
  std::fprintf(stderr, "report: measuring PyTorch beside lossbench (%s)\n", script.c_str());
  const int rc =
      run_program({python(), script.string(), "--cells-from", partial.string(), "--json", out.string(), "--cpp-peer",
                   core::environment::text("LOSSBENCH_TORCH_PEER").value_or(LOSSBENCH_TORCH_PEER)});
  std::ifstream in(out);
  if (rc != 0 || !in) return {{"reason", "scripts/torch_peer.py failed (exit " + std::to_string(rc) + ")"}};
  nlohmann::json result = nlohmann::json::parse(in, nullptr, false);
  std::error_code ec;
  fs::remove(out, ec);
  if (result.is_discarded()) return {{"reason", "scripts/torch_peer.py wrote no valid JSON"}};
  return result;
}

int render(const fs::path& json, const fs::path& dir) {
  const fs::path script = renderer_path();
  if (!fs::exists(script)) {
    std::fprintf(stderr, "lossbench: %s not found (set LOSSBENCH_SCRIPTS_DIR): report.md and index.html not written\n",
                 script.c_str());
    return 1;
  }
  const int rc = run_program({python(), script.string(), json.string(), "-o", dir.string()});
  if (rc != 0)
    std::fprintf(stderr,
                 "lossbench: rendering report.md and index.html failed (exit %d); report.json is complete. "
                 "The charts need Debian's python3-matplotlib (scripts/setup.sh installs it)\n",
                 rc);
  return rc == 0 ? 0 : 1;
}

void run_report(const report_cli_options& o) {
  const fs::path dir = o.dir;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    throw error("-o", "cannot create the directory " + o.dir + (ec ? ": " + ec.message() : ""));
  bench::sweep_settings s{o.full, o.losses, o.variants, o.dtypes, o.threads, dir / "report.partial.json", o.sizes};
  nlohmann::json result = bench::run_sweep(s);
  io::write_file_atomically(s.partial_path, {result.dump(1)});
  result["lossbench_peer"] = measure_peer(o.peer, s.partial_path, dir);
  io::write_file_atomically(dir / "report.json", {result.dump(1)});
  fs::remove(s.partial_path, ec);
  std::printf("report: %s (%zu rows, %.0f s)\n", (dir / "report.json").c_str(), result["lossbench_rows"].size(),
              result["context"]["lossbench"]["duration_s"].get<double>());
  for (const auto& w : result["context"]["lossbench"]["warnings"])
    std::printf("warning: %s\n", w.get<std::string>().c_str());
  std::fflush(stdout);  // before the renderer writes to the same stream
  int rc = render(dir / "report.json", dir);
  if (rc == 0) std::printf("report: %s, %s\n", (dir / "report.md").c_str(), (dir / "index.html").c_str());
  const bool failed = std::any_of(result["benchmarks"].begin(), result["benchmarks"].end(),
                                  [](const nlohmann::json& r) { return r.value("error_occurred", false); });
  if (failed || rc != 0) throw exit_with{1};
}

}  // namespace

void add_report_command(CLI::App& app) {
  auto o = std::make_shared<report_cli_options>();
  auto* cmd = app.add_subcommand("report",
                                 "Measure every loss × variant × dtype × mode over a size ladder and write "
                                 "report.json, report.md and index.html (charts) into a directory");
  cmd->add_option("-o,--output", o->dir, "Directory for the report (created; default: report)");
  auto* quick =
      cmd->add_flag("--quick", o->quick,
                    "Sizes in L1, L2 and DRAM (f64: L1, L2), scalar/simd/omp, 3 repetitions: ≤ 3 minutes (default)");
  cmd->add_flag("--full", o->full, "Eight sizes 1K–16M, every variant and ISA, omp at 1 and N threads, 5 repetitions")
      ->excludes(quick);
  cmd->add_option("--loss", o->losses, "Losses to measure (default: all)")->delimiter(',');
  cmd->add_option("--variant", o->variants,
                  "Variants: scalar, simd, simd:<isa>, omp (default: scalar, simd, omp; --full: all)")
      ->delimiter(',');
  cmd->add_option("--sizes", o->sizes, "Element counts replacing the size ladder, e.g. 4k,64k,16M");
  cmd->add_option("--dtype", o->dtypes,
                  "f32, f64, bf16, f16 (default: f32,f64); bf16 and f16 (16-bit storage) for the losses that have "
                  "them, the others left out with a note")
      ->delimiter(',');
  cmd->add_option("--threads", o->threads,
                  "Thread counts of the omp rows, e.g. 1,2 (default: OMP_NUM_THREADS, else the cores)")
      ->delimiter(',')
      ->check(CLI::PositiveNumber);
  cmd->add_option("--peer", o->peer,
                  "torch: also measure torch.nn.functional forward+backward against lossbench.torch "
                  "on the same cells (needs python3-torch); none; auto (default): torch where it imports")
      ->check(CLI::IsMember({"auto", "torch", "none"}));
  cmd->callback([o] { run_report(*o); });
}

}  // namespace lossbench::cli
