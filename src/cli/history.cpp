// history.cpp — `lossbench history add REPORT_DIR [--history DIR]` and `lossbench history render
// [--history DIR] [-o OUT_DIR] [--fail-on-regression] [--csv FILE]`: reports kept across commits.
// `add` copies REPORT_DIR/report.json into the history under a name that sorts by time and shows
// the commit (history_entry.hpp), written whole or not at all. `render` runs
// scripts/history_render.py, which compares consecutive reports with this same binary's
// `compare --json` (one statistical test for both commands) and writes OUT_DIR/history.html.
// The history directory: --history, else LOSSBENCH_HISTORY_DIR, else ./history.
// Exit 0; 2 on bad input (naming the argument or file); 1 with --fail-on-regression when the
// newest report regressed against the one before it, or when rendering failed.
#include "cli/commands.hpp"
#include "cli/history_entry.hpp"
#include "cli/scripts.hpp"

#include "core/environment.hpp"
#include "io/atomic_file.hpp"

#include <lossbench/types.hpp>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>

namespace lossbench::cli {

namespace {

namespace fs = std::filesystem;

struct history_options {
  std::string history;  // empty: LOSSBENCH_HISTORY_DIR, else "history"
  std::string report_dir;
  std::string out_dir;  // empty: the history directory
  std::string csv;
  bool fail_on_regression = false;
};

fs::path history_dir(const history_options& o) {
  if (!o.history.empty()) return o.history;
  return core::environment::text("LOSSBENCH_HISTORY_DIR").value_or("history");
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw error(path.string(), "cannot be read");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The file already in `dir` holding the same report (same start time and commit), or empty.
fs::path already_added(const fs::path& dir, const history_entry& e) {
  std::error_code ec;
  for (const auto& f : fs::directory_iterator(dir, ec)) {
    const std::string name = f.path().filename().string();
    if (name == e.key() + ".json" || name == e.key() + "-dirty.json") return f.path();
  }
  return {};
}

void add(const history_options& o) {
  const fs::path json_path = fs::path(o.report_dir) / "report.json";
  if (!fs::is_directory(o.report_dir)) throw error("REPORT_DIR", "'" + o.report_dir + "' is not a directory");
  if (!fs::exists(json_path))
    throw error("REPORT_DIR", "'" + o.report_dir + "' has no report.json (`lossbench report -o DIR` writes one)");
  const std::string text = read_text(json_path);
  const nlohmann::json report = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (report.is_discarded()) throw error(json_path.string(), "not valid JSON");
  const history_entry e = entry_of(report, json_path.string());
  const fs::path dir = history_dir(o);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    throw error("--history", "cannot create the directory " + dir.string() + (ec ? ": " + ec.message() : ""));
  if (const fs::path twin = already_added(dir, e); !twin.empty())
    throw error("REPORT_DIR", json_path.string() + " is already in the history as " + twin.string() +
                                  " (same start time and commit)");
  // The bytes as `lossbench report` wrote them: the history keeps the report, not a re-serialisation.
  io::write_file_atomically(dir / e.file_name(), {text});
  std::printf("history: %s\n", (dir / e.file_name()).c_str());
}

// This binary, for the script's `compare --json` calls: the history is judged by the same build
// that reads it.
std::string this_executable() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? "lossbench" : self.string();
}

void render(const history_options& o) {
  const fs::path dir = history_dir(o);
  if (!fs::is_directory(dir))
    throw error("--history", "'" + dir.string() + "' is not a directory (`lossbench history add` creates it)");
  const fs::path script = scripts_dir() / "history_render.py";
  if (!fs::exists(script)) throw error("LOSSBENCH_SCRIPTS_DIR", script.string() + " not found");
  std::vector<std::string> args{
      python(), script.string(),  dir.string(), "-o", o.out_dir.empty() ? dir.string() : o.out_dir,
      "--cli",  this_executable()};
  if (o.fail_on_regression) args.push_back("--fail-on-regression");
  if (!o.csv.empty()) args.insert(args.end(), {"--csv", o.csv});
  std::fflush(stdout);  // before the script writes to the same stream
  // The script's own exit codes: 0 written, 1 a regression (--fail-on-regression), 2 bad input.
  if (const int rc = run_program(args); rc != 0) throw exit_with{rc == 2 ? 2 : 1};
}

}  // namespace

void add_history_command(CLI::App& app) {
  auto o = std::make_shared<history_options>();
  auto* cmd = app.add_subcommand("history", "Keep reports across commits and chart them: add, render");
  cmd->require_subcommand(1);
  const std::string history_help =
      "Directory of saved reports (default: LOSSBENCH_HISTORY_DIR, else history/ in the current directory)";

  auto* a = cmd->add_subcommand("add", "Copy REPORT_DIR/report.json into the history, named <started>_<commit>.json");
  a->add_option("REPORT_DIR", o->report_dir, "A directory `lossbench report -o` wrote")->required();
  a->add_option("--history", o->history, history_help);
  a->callback([o] { add(*o); });

  auto* r = cmd->add_subcommand("render",
                                "Write history.html: throughput and accuracy per loss across the saved reports, "
                                "step changes flagged by `lossbench compare`'s test");
  r->add_option("--history", o->history, history_help);
  r->add_option("-o,--output", o->out_dir, "Directory for history.html (default: the history directory)");
  r->add_flag("--fail-on-regression", o->fail_on_regression,
              "Exit 1 when the newest report regressed against the one before it (speed or accuracy)");
  r->add_option("--csv", o->csv, "Also write every report's rows to this CSV file");
  r->callback([o] { render(*o); });
}

}  // namespace lossbench::cli
