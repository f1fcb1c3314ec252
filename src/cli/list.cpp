// list.cpp — `lossbench list [--json]`: every registry entry (loss × variant × dtype), then per
// loss its inputs, parameters with their defaults, reductions and torch counterpart. Everything
// comes from the registry and the loss specs, so new losses and variants appear with no change here.
#include "cli/commands.hpp"
#include "cli/format.hpp"

#include <lossbench/isa.hpp>
#include <lossbench/threads.hpp>
#include <lossbench/registry.hpp>

#include <fmt/format.h>

#include <memory>

namespace lossbench::cli {

namespace {

json inputs_json(const loss_spec& l) {
  json out = json::array();
  for (const auto& in : l.inputs())
    out.push_back(
        {{"name", in.name}, {"kind", to_string(in.kind)}, {"differentiable", in.differentiable}, {"doc", in.doc}});
  return out;
}

json params_json(const loss_spec& l) {
  json out = json::array();
  for (const auto& p : l.params())
    out.push_back({{"name", p.name}, {"kind", to_string(p.kind)}, {"default", default_json(p)}, {"doc", p.doc}});
  return out;
}

// The ISA an entry runs on: none for scalar, the best usable one for `simd`.
std::string entry_isa(const entry& e) {
  if (e.variant.impl == implementation::scalar) return "none";     // (omp over scalar kernels too)
  if (e.variant.impl == implementation::automatic) return "auto";  // chosen per call (lossbench explain)
  return std::string(to_string(e.variant.isa == isa::none ? best_isa(e.type) : e.variant.isa));
}

json list_json() {
  json entries = json::array();
  for (const entry& e : registry())
    entries.push_back({{"name", e.name()},
                       {"loss", e.loss->name()},
                       {"variant", e.variant.name()},
                       {"dtype", to_string(e.type)},
                       {"isa", entry_isa(e)}});
  json losses = json::array();
  for (const loss_spec* l : catalogue()) {
    json reductions = json::array();
    for (reduction r : l->reductions()) reductions.push_back(to_string(r));
    const accuracy_bound acc = l->accuracy();
    losses.push_back(
        {{"name", l->name()},
         {"summary", l->summary()},
         {"torch", l->torch_name()},
         {"inputs", inputs_json(*l)},
         {"params", params_json(*l)},
         {"reductions", reductions},
         {"accuracy", {{"value_ulps", acc.value_ulps}, {"grad_ulps", acc.grad_ulps}, {"reason", acc.reason}}}});
  }
  json usable = json::array();
  for (isa i : usable_isas()) usable.push_back(to_string(i));
  return {{"version", LOSSBENCH_VERSION},
          {"isa", {{"simd", to_string(best_isa())}, {"usable", usable}, {"max", to_string(max_isa())}}},
          {"threads", num_threads()},
          {"entries", entries},
          {"losses", losses}};
}

// "input[real]*, target[real]" — * marks a differentiable input.
std::string inputs_text(const loss_spec& l) {
  std::string s;
  for (const auto& in : l.inputs())
    s += fmt::format("{}{}[{}]{}", s.empty() ? "" : ", ", in.name, to_string(in.kind), in.differentiable ? "*" : "");
  return s;
}

// "delta=1, weight=none[tensor]" — the kind is shown where the value is not a plain number.
std::string params_text(const loss_spec& l) {
  std::string s;
  for (const auto& p : l.params()) {
    const bool show_kind = p.kind == param_kind::tensor || p.kind == param_kind::real_or_tensor;
    s += fmt::format("{}{}={}{}", s.empty() ? "" : ", ", p.name, default_text(p),
                     show_kind ? fmt::format("[{}]", to_string(p.kind)) : "");
  }
  return s.empty() ? "-" : s;
}

std::string list_text() {
  table entries({"ENTRY", "LOSS", "VARIANT", "DTYPE", "ISA"});
  for (const entry& e : registry())
    entries.add(
        {e.name(), std::string(e.loss->name()), e.variant.name(), std::string(to_string(e.type)), entry_isa(e)});
  table losses({"LOSS", "INPUTS", "PARAMS (defaults)", "REDUCTIONS", "TORCH", "FORMULA"});
  for (const loss_spec* l : catalogue()) {
    std::string reductions;
    for (reduction r : l->reductions()) reductions += (reductions.empty() ? "" : ",") + std::string(to_string(r));
    const std::string torch = l->torch_name().empty() ? "-" : std::string(l->torch_name());
    losses.add(
        {std::string(l->name()), inputs_text(*l), params_text(*l), reductions, torch, std::string(l->summary())});
  }
  return isa_summary() + "\n\n" + entries.str() + "\n" + losses.str() +
         "* differentiable input (eval reports its gradient)\n";
}

}  // namespace

std::string isa_summary() {
  std::string usable;
  for (isa i : usable_isas()) usable += (usable.empty() ? "" : ", ") + std::string(to_string(i));
  return fmt::format(
      "SIMD: {} (usable here: {}; ceiling {}, set by LOSSBENCH_MAX_ISA or --max-isa)\n"
      "omp: {} threads (OMP_NUM_THREADS or --threads)\n"
      "auto: {}",
      to_string(best_isa()), usable.empty() ? "none" : usable, to_string(max_isa()), num_threads(), profile_summary());
}

void add_list_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("list", "List every loss, variant and dtype, with each loss's inputs and parameters");
  auto as_json = std::make_shared<bool>(false);
  cmd->add_flag("--json", *as_json, "Write JSON instead of tables");
  cmd->callback([as_json] { fmt::print("{}", *as_json ? list_json().dump(2) + "\n" : list_text()); });
}

}  // namespace lossbench::cli
