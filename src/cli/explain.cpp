// explain.cpp — `lossbench explain --loss NAME --n N [--dtype f32|f64|bf16|f16] [--mode value|value_grad]
// [--threads T]`: which kernel the `auto` variant runs for such a call and why — the profile's
// entry with every candidate's measured time, or the heuristic rule that applied.
#include "cli/commands.hpp"
#include "cli/format.hpp"
#include "options.hpp"

#include <lossbench/registry.hpp>
#include <lossbench/threads.hpp>
#include <lossbench/tuning.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <optional>

namespace lossbench::cli {

namespace {

struct explain_options {
  std::string loss;
  std::string n_text;  // as every size of the CLI: 100000, 64k, 2M
  std::int64_t n = 0;
  std::string dtype = "f32";
  std::optional<std::string> mode;
  int threads = 0;
};

std::string time_text(double ns) {
  if (ns >= 1e6) return fmt::format("{:.3g} ms", ns / 1e6);
  if (ns >= 1e3) return fmt::format("{:.3g} µs", ns / 1e3);
  return fmt::format("{:.3g} ns", ns);
}

void explain_one(const loss_spec& loss, dtype t, bool with_grad, const explain_options& o) {
  const auto_choice c = explain_auto(loss, t, with_grad, o.n, o.threads);
  std::printf("%s/%s/%s at %lld items: %s\n  why: %s\n", std::string(loss.name()).c_str(),
              std::string(to_string(t)).c_str(), with_grad ? "value_grad" : "value", static_cast<long long>(o.n),
              c.chosen.name().c_str(), c.reason.c_str());
  if (c.candidates.empty()) return;
  table tab({"  candidate", "median", "vs fastest"});
  const double fastest = c.candidates.front().time_ns;
  for (const candidate& k : c.candidates)
    tab.add({"  " + k.name() + (k.name() == c.chosen.name() ? " ←" : ""), time_text(k.time_ns),
             fastest > 0 ? fmt::format("{:.2f}×", k.time_ns / fastest) : "-"});
  std::fputs(tab.str().c_str(), stdout);
}

void run_explain(explain_options o) {
  o.n = bench::parse_element_count(o.n_text, "--n");
  const loss_spec& loss = find_loss(o.loss, "--loss");
  const dtype t = parse_dtype(o.dtype);
  const auto dtypes = loss.dtypes();
  if (std::find(dtypes.begin(), dtypes.end(), t) == dtypes.end()) {
    std::string known;
    for (dtype d : dtypes) known += (known.empty() ? "" : ", ") + std::string(to_string(d));
    throw error("--dtype", std::string(loss.name()) + " computes in " + known + ", not " + o.dtype);
  }
  std::puts(("auto: " + profile_summary()).c_str());
  std::printf("thread limit: %d\n", o.threads > 0 ? o.threads : num_threads());
  for (bool grad : {false, true})
    if (!o.mode || *o.mode == (grad ? "value_grad" : "value")) explain_one(loss, t, grad, o);
}

}  // namespace

std::string profile_summary() {
  const profile_status& s = auto_profile();
  switch (s.status) {
    case profile_status::state::loaded:
      return fmt::format("profile {} (rigor {}, {} entries)", s.path.string(), s.rigor, s.entries);
    case profile_status::state::ignored:
      return fmt::format("profile {} ignored ({}); built-in heuristics", s.path.string(), s.message);
    case profile_status::state::none:
      break;
  }
  return s.path.empty()
             ? "no profile (" + s.message + "); built-in heuristics"
             : "no profile (" + s.path.string() + " does not exist; `lossbench tune` makes it); built-in heuristics";
}

void add_explain_command(CLI::App& app) {
  auto o = std::make_shared<explain_options>();
  auto* cmd = app.add_subcommand("explain", "Show which kernel the `auto` variant runs for a call, and why");
  cmd->add_option("--loss", o->loss, "The loss")->required();
  cmd->add_option("--n", o->n_text, "Elements of the prediction tensor (the size buckets' unit): 100000, 64k, 2M")
      ->required();
  cmd->add_option("--dtype", o->dtype, "f32 (default), f64, or bf16/f16 where the loss has 16-bit kernels");
  cmd->add_option("--mode", o->mode, "value or value_grad (default: both)")
      ->check(CLI::IsMember({"value", "value_grad"}));
  cmd->add_option("--threads", o->threads, "The call's thread limit (default: OMP_NUM_THREADS, else the cores)")
      ->check(CLI::PositiveNumber);
  cmd->callback([o] { run_explain(*o); });
}

}  // namespace lossbench::cli
