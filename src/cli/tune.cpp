// tune.cpp — `lossbench tune [-o FILE] [--rigor estimate|measure|patient] [--time-limit S]
// [--loss ...] [--dtype ...] [--sizes ...]`: measure every candidate way to run each loss × dtype ×
// mode × size bucket on this machine (bench/tune_sweep.hpp) and write the profile the `auto`
// variant reads (lossbench/tuning.hpp). The file is written whole or not at all; progress goes to
// stderr, the choices to stdout.
#include "cli/commands.hpp"
#include "cli/format.hpp"

#include "tune_sweep.hpp"

#include <lossbench/tuning.hpp>

#include <fmt/format.h>

#include <chrono>
#include <map>

namespace lossbench::cli {

namespace {

struct tune_cli_options {
  std::string output;
  std::string rigor = "measure";
  double time_limit = 0;
  std::vector<std::string> losses, dtypes;
  std::string sizes;
};

std::string size_text(std::int64_t n) {
  if (n >= (1 << 20) && n % (1 << 20) == 0) return fmt::format("{}M", n >> 20);
  if (n >= 1024 && n % 1024 == 0) return fmt::format("{}K", n >> 10);
  return std::to_string(n);
}

// One line per loss × dtype × mode: the choice at each measured size, and its margin.
std::string choices_table(const tuning::profile& p) {
  std::map<std::tuple<std::string, std::string, std::string>, std::vector<const tuning::profile_entry*>> rows;
  std::vector<std::tuple<std::string, std::string, std::string>> order;
  for (const auto& e : p.entries) {
    const auto key =
        std::make_tuple(e.loss, std::string(to_string(e.type)), std::string(e.with_grad ? "value_grad" : "value"));
    if (!rows.count(key)) order.push_back(key);
    rows[key].push_back(&e);
  }
  table t({"loss", "dtype", "mode", "size: choice (margin over the runner-up)"});
  for (const auto& key : order) {
    std::string cells;
    for (const auto* e : rows[key])
      cells += fmt::format("{}{}: {}{}", cells.empty() ? "" : ", ", size_text(e->items), e->chosen.name(),
                           e->measured ? fmt::format(" ({:+.0f}%)", 100 * e->margin) : "");
    t.add({std::get<0>(key), std::get<1>(key), std::get<2>(key), cells});
  }
  return t.str();
}

void run_tune(const tune_cli_options& o) {
  const std::filesystem::path out = o.output.empty() ? default_profile_path() : std::filesystem::path(o.output);
  if (out.empty())
    throw error("-o",
                "no default profile path (none of LOSSBENCH_PROFILE, LOSSBENCH_PROFILE_DIR, XDG_CACHE_HOME and HOME "
                "is set): name a file");
  const auto start = std::chrono::steady_clock::now();
  const tuning::profile p = bench::run_tune({o.rigor, o.time_limit, o.losses, o.dtypes, o.sizes});
  tuning::write_profile(out, p);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fputs(choices_table(p).c_str(), stdout);
  std::printf("tune: wrote %s (%zu buckets, rigor %s%s, %.0f s)\n", out.c_str(), p.entries.size(), p.rigor.c_str(),
              p.complete ? "" : ", stopped by --time-limit: sizes not measured use the heuristics", seconds);
  if (o.output.empty() || std::filesystem::path(o.output) == default_profile_path())
    std::printf("tune: `auto` reads it from now on (lossbench explain shows its choices)\n");
  else
    std::printf("tune: to use it, set LOSSBENCH_PROFILE=%s (or write it to %s)\n", out.c_str(),
                default_profile_path().empty() ? "the cache path" : default_profile_path().c_str());
}

}  // namespace

void add_tune_command(CLI::App& app) {
  auto o = std::make_shared<tune_cli_options>();
  auto* cmd =
      app.add_subcommand("tune",
                         "Measure every candidate kernel per loss, dtype, mode and size on this machine and write "
                         "the profile that the `auto` variant reads");
  cmd->add_option(
      "-o,--output", o->output,
      "Profile file (default: LOSSBENCH_PROFILE, else this CPU's and build's file in the profile directory, "
      "LOSSBENCH_PROFILE_DIR or $XDG_CACHE_HOME/lossbench/profiles or ~/.cache/lossbench/profiles)");
  cmd->add_option(
         "--rigor", o->rigor,
         "estimate: no measurement, the built-in heuristics; measure (default): 7 sizes 1K–4M, omp at 1, 2, 4, … "
         "threads, 3 repetitions; patient: 15 sizes 1K–16M, omp at every thread count, 5 longer repetitions")
      ->check(CLI::IsMember({"estimate", "measure", "patient"}));
  cmd->add_option("--time-limit", o->time_limit,
                  "Stop starting new sizes once the run would pass this many seconds (0: no limit); the sizes left use "
                  "the heuristics")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--loss", o->losses, "Losses to tune (default: all)")->delimiter(',');
  cmd->add_option("--dtype", o->dtypes,
                  "f32, f64, bf16, f16 (default: every dtype each loss has; bf16 and f16 where a loss has 16-bit "
                  "kernels)")
      ->delimiter(',');
  cmd->add_option("--sizes", o->sizes, "Element counts replacing the rigor's sizes, e.g. 4k,256k,4M");
  cmd->callback([o] { run_tune(*o); });
}

}  // namespace lossbench::cli
