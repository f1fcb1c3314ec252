// eval.cpp — `lossbench eval`: evaluate a loss on the user's .npy arrays with every requested
// variant, compare each with the long-double reference, and optionally write the gradients
// (`--grad-out PREFIX` → PREFIX.<input>.npy per differentiable input, from the first variant) and
// the per-sample losses (`--losses-out FILE.npy`). Input rules: eval_inputs.hpp; report: eval_report.hpp.
#include "cli/commands.hpp"
#include "cli/eval_inputs.hpp"
#include "cli/eval_report.hpp"

#include "io/npy.hpp"

#include <lossbench/registry.hpp>

#include <fmt/format.h>

#include <memory>
#include <optional>

namespace lossbench::cli {

namespace {

struct eval_options {
  std::string loss;
  std::string variant = "all";
  std::optional<std::string> dtype;
  std::string reduction = "mean";
  std::vector<std::string> params;
  std::vector<std::string> files;
  std::string grad_out;
  std::string losses_out;
  bool json = false;
};

// One variant's run with every output: gradients always (they are compared), losses for `none`.
variant_result run_entry(const entry& e, const loaded_inputs& in, const std::vector<tensor_ref>& refs, reduction red) {
  variant_result r;
  r.variant = e.variant.name();
  outputs out;
  if (red == reduction::none) {
    r.losses = array(in.type, e.loss->losses_shape(refs));
    out.losses = r.losses.raw();
  }
  const auto desc = e.loss->inputs();
  for (std::size_t i = 0, k = 0; i < desc.size(); ++i) {
    if (!desc[i].differentiable) continue;
    r.grads.emplace_back(in.type, in.arrays[i].shape());
    out.grad[k++] = r.grads.back().raw();
  }
  r.value = e.run(call{refs, &in.params, red, out});
  return r;
}

void write_outputs(const eval_options& o, const entry& first, const loaded_inputs& in,
                   const std::vector<tensor_ref>& refs, eval_report& rep) {
  if (!o.grad_out.empty()) {
    const auto desc = rep.spec->inputs();
    for (std::size_t i = 0, k = 0; i < desc.size(); ++i) {
      if (!desc[i].differentiable) continue;
      const std::string path = fmt::format("{}.{}.npy", o.grad_out, desc[i].name);
      io::write_npy(path, rep.variants.front().grads[k++]);
      rep.written.emplace_back(fmt::format("gradient of {}", desc[i].name), path);
    }
  }
  if (!o.losses_out.empty()) {
    // With another reduction the losses come from one more run of the first variant with `none`.
    if (rep.red == reduction::none)
      io::write_npy(o.losses_out, rep.variants.front().losses);
    else
      io::write_npy(o.losses_out, run_entry(first, in, refs, reduction::none).losses);
    rep.written.emplace_back("per-sample losses", o.losses_out);
  }
}

void run_eval(const eval_options& o) {
  const loss_spec& spec = find_loss(o.loss, "--loss");
  const reduction red = parse_reduction(o.reduction);
  const loaded_inputs in = load_inputs(spec, o.files, o.dtype, o.params);
  const auto entries = find_entries(o.loss, o.variant, in.type, "--variant");
  const std::vector<tensor_ref> refs = in.refs();

  eval_report rep;
  rep.spec = &spec;
  rep.red = red;
  rep.inputs = &in;
  const call plain{refs, &in.params, red, {}};
  spec.validate(plain, in.type);  // the reference expects a validated call
  rep.ref = spec.reference(plain);
  for (const entry* e : entries) {
    rep.variants.push_back(run_entry(*e, in, refs, red));
    compare_with_reference(rep.variants.back(), rep.ref, red);
  }
  write_outputs(o, *entries.front(), in, refs, rep);
  fmt::print("{}", o.json ? report_json(rep).dump(2) + "\n" : report_text(rep));
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("eval",
                                 "Evaluate a loss and its gradient on .npy arrays and compare every variant "
                                 "with the high-precision reference");
  auto o = std::make_shared<eval_options>();
  cmd->add_option("--loss", o->loss, "Loss name (see `lossbench list`)")->required();
  cmd->add_option("--variant", o->variant, "Variant name, or `all`")->capture_default_str();
  cmd->add_option("--dtype", o->dtype, "f32 or f64 (default: the first input's dtype)");
  cmd->add_option("--reduction", o->reduction, "mean, sum, none (batchmean where supported)")->capture_default_str();
  // One NAME=VALUE per --param, so that the positional files after it are not taken as values.
  cmd->add_option("--param", o->params,
                  "NAME=VALUE: a number, true/false, or FILE.npy for array parameters (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--grad-out", o->grad_out, "Write PREFIX.<input>.npy for each differentiable input (first variant)");
  cmd->add_option("--losses-out", o->losses_out, "Write the per-sample losses (first variant) to this .npy file");
  cmd->add_flag("--json", o->json, "Write JSON (full precision) instead of text");
  cmd->add_option("files", o->files, "The loss's inputs as .npy files, in its input order (see `lossbench list`)");
  cmd->callback([o] { run_eval(*o); });
}

}  // namespace lossbench::cli
