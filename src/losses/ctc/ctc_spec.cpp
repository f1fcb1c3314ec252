// ctc_spec.cpp — ctc's validation (every failure names the argument), binding of a call to a
// typed problem, and its registration. The math is in ctc_kernel.cpp.
#include "losses/ctc/ctc.hpp"

#include "core/checks.hpp"
#include "losses/spec_adapter.hpp"

#include <algorithm>
#include <string>

namespace lossbench::losses {

namespace {
enum : std::size_t { log_probs_i, targets_i, input_lengths_i, target_lengths_i };

std::string at(std::string_view what, std::int64_t b, std::int64_t v) {
  return std::string(what) + "[" + std::to_string(b) + "] = " + std::to_string(v);
}

void check_lengths_array(const loss_spec& spec, const call& c, std::size_t i, std::int64_t batch) {
  core::expect_index(spec, c, i);
  core::expect_rank(spec, c, i, 1);
  if (c.inputs[i].numel() != batch)
    throw error(core::input_name(spec, i), "expected " + std::to_string(batch) +
                                               " lengths (the batch of log_probs), got " +
                                               std::to_string(c.inputs[i].numel()));
}

// Lengths of sequence b: 0 ≤ input_length ≤ T, 0 ≤ target_length ≤ input_length.
void check_lengths(const call& c, std::int64_t b, std::int64_t max_time) {
  const std::int64_t il = core::index_at(c.inputs[input_lengths_i], b);
  const std::int64_t tl = core::index_at(c.inputs[target_lengths_i], b);
  if (il < 0 || il > max_time)
    throw error("input_lengths",
                "expected values in [0, " + std::to_string(max_time) + "] (T), got " + at("input_lengths", b, il));
  if (tl < 0) throw error("target_lengths", "expected non-negative lengths, got " + at("target_lengths", b, tl));
  if (tl > il)
    throw error("target_lengths", "a target cannot be longer than its input: " + at("target_lengths", b, tl) + " > " +
                                      at("input_lengths", b, il));
}

// The labels of sequence b (those within its target length; padding is ignored, as in torch).
void check_labels(const tensor_ref& targets, std::int64_t offset, std::int64_t length, std::int64_t classes,
                  std::int64_t blank, std::int64_t b) {
  for (std::int64_t s = 0; s < length; ++s) {
    const std::int64_t label = core::index_at(targets, offset + s);
    if (label < 0 || label >= classes || label == blank)
      throw error("targets", "labels must be in [0, " + std::to_string(classes) + ") and differ from blank (" +
                                 std::to_string(blank) + "); label " + std::to_string(s) + " of sequence " +
                                 std::to_string(b) + " is " + std::to_string(label));
  }
}
}  // namespace

void ctc::validate(const loss_spec& spec, const call& c, dtype dt, const parameters& prm) {
  core::expect_input_count(spec, c);
  core::expect_reduction(spec, c);
  core::expect_dtype(spec, c, log_probs_i, dt);
  core::expect_rank(spec, c, log_probs_i, 3);
  const auto& lp = c.inputs[log_probs_i].shape;
  const std::int64_t max_time = lp[0], batch = lp[1], classes = lp[2];
  const tensor_ref& targets = c.inputs[targets_i];
  core::expect_index(spec, c, targets_i);
  if (targets.shape.rank() != 1 && targets.shape.rank() != 2)
    throw error("targets", "expected padded [B, S] or concatenated 1-D targets, got shape " + targets.shape.str());
  const bool padded = targets.shape.rank() == 2;
  if (padded && targets.shape[0] != batch)
    throw error("targets",
                "padded targets need B = " + std::to_string(batch) + " rows, got shape " + targets.shape.str());
  check_lengths_array(spec, c, input_lengths_i, batch);
  check_lengths_array(spec, c, target_lengths_i, batch);
  const std::int64_t blank = prm.blank;
  if (!(blank >= 0 && blank < classes))
    throw error("blank",
                "expected a class index in [0, " + std::to_string(classes) + "), got " + std::to_string(blank));

  const std::int64_t columns = padded ? targets.shape[1] : targets.numel();
  std::int64_t offset = 0;
  for (std::int64_t b = 0; b < batch; ++b) {
    check_lengths(c, b, max_time);
    const std::int64_t tl = core::index_at(c.inputs[target_lengths_i], b);
    if (padded ? tl > columns : offset + tl > columns)
      throw error("target_lengths", padded ? at("target_lengths", b, tl) + " exceeds the " + std::to_string(columns) +
                                                 " columns of targets " + targets.shape.str()
                                           : "the lengths add up to more than the " + std::to_string(columns) +
                                                 " concatenated targets (at sequence " + std::to_string(b) + ")");
    const std::int64_t start = padded ? b * columns : offset;
    check_labels(targets, start, tl, classes, blank, b);
    offset += tl;
  }
  // Concatenated targets are exactly the labels, as torch checks: a mismatch means the lengths and
  // the labels disagree, and every sequence after the first wrong length would read another's labels.
  if (!padded && offset != columns)
    throw error("targets", "concatenated targets hold " + std::to_string(columns) +
                               " labels but target_lengths add up to " + std::to_string(offset));
}

lossbench::shape ctc::losses_shape(std::span<const tensor_ref> in) { return {in[log_probs_i].shape[1]}; }

std::int64_t ctc::items(std::span<const tensor_ref> in) { return in.empty() ? 0 : in[log_probs_i].numel(); }

double ctc::flops(std::span<const tensor_ref> in, bool with_grad) {
  if (in.size() <= targets_i || in[log_probs_i].shape.rank() != 3) return 0;
  const auto& lp = in[log_probs_i].shape;
  const auto& tg = in[targets_i].shape;
  const double t = static_cast<double>(lp[0]), b = static_cast<double>(lp[1]);
  const double s = tg.rank() == 2 ? static_cast<double>(tg[1]) : static_cast<double>(tg.numel()) / std::max(1.0, b);
  const double state_steps = t * b * (2 * s + 1);
  return with_grad ? state_steps * 110 + 12 * static_cast<double>(items(in)) : state_steps * 48;
}

void ctc::count_divisor(const call& c, const parameters&, std::vector<std::int64_t>& counts) {
  counts.clear();
  if (c.reduction == reduction::mean) counts.push_back(c.inputs[log_probs_i].shape[1]);
}

template <class S>
core::plan<ctc_problem<S>> ctc::bind(const call& c, const parameters& prm, double divisor) {
  core::plan<ctc_problem<S>> p;
  auto& pr = p.problem;
  const auto& shape = c.inputs[log_probs_i].shape;
  pr.log_probs = c.inputs[log_probs_i].as<S>();
  pr.grad = static_cast<S*>(c.out.grad[0]);
  pr.losses = core::losses_out<S>(c);
  pr.targets = c.inputs[targets_i];
  pr.input_lengths = c.inputs[input_lengths_i];
  pr.target_lengths = c.inputs[target_lengths_i];
  pr.max_time = shape[0];
  pr.batch = shape[1];
  pr.classes = shape[2];
  pr.blank = prm.blank;
  pr.mean = c.reduction == reduction::mean;
  pr.mean_batch = static_cast<std::int64_t>(divisor);
  pr.zero_infinity = prm.zero_infinity;

  // Where each sequence's labels start: grown on demand, so no allocation after the first call.
  thread_local std::vector<std::int64_t> offsets;
  if (offsets.size() < static_cast<std::size_t>(pr.batch)) offsets.resize(static_cast<std::size_t>(pr.batch));
  const bool padded = pr.targets.shape.rank() == 2;
  std::int64_t next = 0;
  for (std::int64_t b = 0; b < pr.batch; ++b) {
    offsets[static_cast<std::size_t>(b)] = padded ? b * pr.targets.shape[1] : next;
    next += core::index_at(pr.target_lengths, b);
    pr.longest_input = std::max(pr.longest_input, core::index_at(pr.input_lengths, b));
    pr.longest_target = std::max(pr.longest_target, core::index_at(pr.target_lengths, b));
  }
  pr.target_offset = offsets.data();

  p.items = static_cast<std::size_t>(pr.batch);
  p.block = block_items(c.inputs);  // one sequence per block: already T·(2S+1) states of work
  // mean over an empty batch is 0/0 = NaN, as torch's .mean() of an empty tensor.
  p.value_scale = pr.mean ? 1.0 / divisor : 1.0;
  return p;
}

template core::plan<ctc_problem<float>> ctc::bind<float>(const call&, const parameters&, double);
template core::plan<ctc_problem<double>> ctc::bind<double>(const call&, const parameters&, double);
template core::plan<ctc_problem<bf16>> ctc::bind<bf16>(const call&, const parameters&, double);
template core::plan<ctc_problem<f16>> ctc::bind<f16>(const call&, const parameters&, double);

const loss_spec& ctc_spec() {
  static const core::spec_of<ctc> spec;
  return spec;
}

}  // namespace lossbench::losses
