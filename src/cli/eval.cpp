// eval.cpp — `lossbench eval`: evaluate a loss on the user's .npy arrays with every requested
// variant, compare each with the long-double reference, and optionally write the gradients
// (`--grad-out PREFIX` → PREFIX.<input>.npy per differentiable input, from the first variant) and
// the per-sample losses (`--losses-out FILE.npy`), in the run dtype: a bf16 gradient in the 2-byte
// words its input came in (loaded_inputs::output_words). Input rules: eval_inputs.hpp; report:
// eval_report.hpp.
#include "cli/commands.hpp"
#include "cli/eval_distributed.hpp"
#include "cli/eval_inputs.hpp"
#include "cli/eval_report.hpp"

#include "io/npy.hpp"

#include <lossbench/registry.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <optional>

namespace lossbench::cli {

namespace {

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
      const io::bf16_words words = in.output_words(i);
      io::write_npy(path, rep.variants.front().grads[k++], words);
      rep.written.push_back({fmt::format("gradient of {}", desc[i].name), path, io::npy_descr(in.type, words)});
    }
  }
  if (!o.losses_out.empty()) {
    // With another reduction the losses come from one more run of the first variant with `none`.
    const array losses = rep.red == reduction::none ? array() : run_entry(first, in, refs, reduction::none).losses;
    const array& out = rep.red == reduction::none ? rep.variants.front().losses : losses;
    io::write_npy(o.losses_out, out, in.output_words());
    rep.written.push_back({"per-sample losses", o.losses_out, io::npy_descr(out.type(), in.output_words())});
  }
}

// The loss must compute in the run dtype: its own check first (a loss without 16-bit kernels says
// so, naming --dtype), then the registry's entries. A dtype taken from the first file says so.
void expect_kernels_for(const loss_spec& spec, const call& plain, const loaded_inputs& in, bool dtype_given) {
  try {
    spec.validate(plain, in.type);  // the reference expects a validated call
    for (const entry& e : registry())
      if (e.loss == &spec && e.type == in.type) return;
    std::vector<dtype> seen;
    std::string known;
    for (const entry& e : registry())
      if (e.loss == &spec && std::find(seen.begin(), seen.end(), e.type) == seen.end()) {
        seen.push_back(e.type);
        known += (known.empty() ? "" : ", ") + std::string(to_string(e.type));
      }
    throw error("--dtype",
                fmt::format("{} has no {} kernels (its dtypes: {})", spec.name(), to_string(in.type), known));
  } catch (const error& e) {
    if (e.argument() != "--dtype" || dtype_given) throw;
    throw error("--dtype", fmt::format("{} (the dtype {} is the first input's, {}; pass --dtype to convert)",
                                       std::string_view(e.what()).substr(e.argument().size() + 2), to_string(in.type),
                                       in.files.front()));
  }
}

void run_eval(const eval_options& o) {
  const loss_spec& spec = find_loss(o.loss, "--loss");
  const reduction red = parse_reduction(o.reduction);
  const loaded_inputs in = load_inputs(spec, o.files, o.dtype, o.params);
  const std::vector<tensor_ref> refs = in.refs();
  const call plain{refs, &in.params, red, {}};
  expect_kernels_for(spec, plain, in, o.dtype.has_value());
  const auto entries = find_entries(o.loss, o.variant, in.type, "--variant");

  eval_report rep;
  rep.spec = &spec;
  rep.red = red;
  rep.inputs = &in;
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
  cmd->add_option("--dtype", o->dtype,
                  "f32, f64, bf16 or f16 (default: the first input's dtype); bf16 reads 2-byte words "
                  "('<i2', '<u2', '<V2') as bfloat16 bits");
  cmd->add_option("--reduction", o->reduction, "mean, sum, none (batchmean where supported)")->capture_default_str();
  // One NAME=VALUE per --param, so that the positional files after it are not taken as values.
  cmd->add_option("--param", o->params,
                  "NAME=VALUE: a number, true/false, or FILE.npy for array parameters (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--grad-out", o->grad_out,
                  "Write PREFIX.<input>.npy for each differentiable input (first variant, in the run dtype; "
                  "bf16 in the words its input came in)");
  cmd->add_option("--losses-out", o->losses_out, "Write the per-sample losses (first variant) to this .npy file");
  cmd->add_flag("--json", o->json, "Write JSON (full precision) instead of text");
  cmd->add_flag("--distributed", o->distributed,
                "Under mpirun: one batch split between the ranks (lossbench::mpi). Files naming {rank} are "
                "each rank's shard, others are cut on block boundaries; one variant (`all`: auto); "
                "--grad-out/--losses-out need {rank}");
  cmd->add_option("files", o->files, "The loss's inputs as .npy files, in its input order (see `lossbench list`)");
  cmd->callback([o] { o->distributed ? run_eval_distributed(*o) : run_eval(*o); });
}

}  // namespace lossbench::cli
