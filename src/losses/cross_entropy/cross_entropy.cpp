// cross_entropy.cpp — validation (every failure names its argument, as torch 1.13 refuses the
// same inputs), binding (the mean's divisor, an O(B) pass, so kernels know the gradient scale)
// and registration of the spec.
#include "losses/cross_entropy/cross_entropy.hpp"

#include "core/checks.hpp"
#include "core/streaming.hpp"
#include "losses/spec_adapter.hpp"

#include <cmath>
#include <limits>

namespace lossbench::losses {

namespace {

constexpr std::size_t input_arg = 0, target_arg = 1;

std::int64_t class_count(const tensor_ref& logits) { return logits.shape[logits.shape.rank() - 1]; }
std::int64_t row_count(const tensor_ref& logits) { return logits.shape.rank() == 2 ? logits.shape[0] : 1; }

void check_logits(const loss_spec& spec, const call& c, dtype dt) {
  core::expect_dtype(spec, c, input_arg, dt);
  const auto& s = c.inputs[input_arg].shape;
  if (s.rank() != 1 && s.rank() != 2) throw error("input", "expected logits of shape [B, C] or [C], got " + s.str());
  if (s[s.rank() - 1] == 0) throw error("input", "needs at least one class, got shape " + s.str());
}

// Probability targets: the loss dtype and the input's shape (torch: same sizes = soft targets).
void check_probabilities(const loss_spec& spec, const call& c, dtype dt, const cross_entropy_params& prm) {
  core::expect_dtype(spec, c, target_arg, dt);
  core::expect_same_shape(spec, c, input_arg, target_arg);
  if (prm.ignore_index >= 0)
    throw error("ignore_index", "is not supported with probability targets (torch: only negative values), got " +
                                    std::to_string(prm.ignore_index));
}

// Class indices: shape = input's without the class dimension, each in [0, C) or ignore_index.
void check_indices(const call& c, std::int64_t ignore) {
  const auto& logits = c.inputs[input_arg];
  const auto& t = c.inputs[target_arg];
  const lossbench::shape want = logits.shape.rank() == 2 ? lossbench::shape{logits.shape[0]} : lossbench::shape{};
  if (!(t.shape == want))
    throw error("target", "class indices need shape " + want.str() + " for input " + logits.shape.str() + ", got " +
                              t.shape.str());
  const std::int64_t classes = class_count(logits);
  const std::int64_t n = t.numel();
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t k = core::index_at(t, i);
    if (k != ignore && (k < 0 || k >= classes))
      throw error("target", "row " + std::to_string(i) + " has class index " + std::to_string(k) +
                                ", expected 0 ≤ index < " + std::to_string(classes) + " or ignore_index (" +
                                std::to_string(ignore) + ")");
  }
}

void check_target(const loss_spec& spec, const call& c, dtype dt, const cross_entropy_params& prm) {
  const dtype tt = c.inputs[target_arg].type;
  if (tt == dtype::i32 || tt == dtype::i64) return check_indices(c, prm.ignore_index);
  if (tt != dt)
    throw error("target", "expected class indices (i32/i64) or probabilities of the loss dtype " +
                              std::string(to_string(dt)) + ", got " + std::string(to_string(tt)));
  check_probabilities(spec, c, dt, prm);
}

void check_params(const call& c, dtype dt, const cross_entropy_params& prm) {
  const double eps = prm.label_smoothing;
  if (!(eps >= 0.0 && eps <= 1.0)) throw error("label_smoothing", "must be in [0, 1], got " + std::to_string(eps));
  if (!prm.weight) return;
  const tensor_ref& w = *prm.weight;
  if (w.type != dt)
    throw error("weight", "dtype " + std::string(to_string(w.type)) + " differs from the loss dtype " +
                              std::string(to_string(dt)));
  const std::int64_t classes = class_count(c.inputs[input_arg]);
  if (w.shape.rank() != 1 || w.numel() != classes)
    throw error("weight",
                "expected shape [" + std::to_string(classes) + "] (one weight per class), got " + w.shape.str());
  if (!w.data && classes > 0) throw error("weight", "a null data pointer for " + std::to_string(classes) + " weights");
}

// Rows of index targets not ignored: counted per class into counts[0, C) with a weight, else
// into counts[0]. Typed loops: this O(B) pass runs on every call, and at C = 10 it cost a fifth of
// the SIMD kernel's time through the generic per-element accessor.
template <class Index>
void count_rows(const Index* y, std::int64_t n, std::int64_t ignore, std::span<std::int64_t> counts) {
  if (counts.size() == 1) {  // unweighted (C = 1 with a weight counts the same rows)
    std::int64_t counted = 0;
    for (std::int64_t i = 0; i < n; ++i) counted += y[i] != ignore;
    counts[0] = counted;
    return;
  }
  // Indices outside [0, C) never count: validation rejects them, and a caller that skipped it
  // must not make this write out of bounds.
  const auto classes = static_cast<std::int64_t>(counts.size());
  for (std::int64_t i = 0; i < n; ++i)
    if (y[i] != ignore && y[i] >= 0 && y[i] < classes) ++counts[static_cast<std::size_t>(y[i])];
}

}  // namespace

void cross_entropy::validate(const loss_spec& spec, const call& c, dtype dt, const parameters& prm) {
  core::expect_input_count(spec, c);
  core::expect_reduction(spec, c);
  check_logits(spec, c, dt);
  check_params(c, dt, prm);
  check_target(spec, c, dt, prm);
}

lossbench::shape cross_entropy::losses_shape(std::span<const tensor_ref> in) {
  return in[input_arg].shape.rank() == 2 ? lossbench::shape{in[input_arg].shape[0]} : lossbench::shape{};
}

void cross_entropy::count_divisor(const call& c, const parameters& prm, std::vector<std::int64_t>& counts) {
  counts.clear();
  if (c.reduction != reduction::mean) return;
  const auto& t = c.inputs[target_arg];
  if (is_floating(t.type)) return counts.push_back(row_count(c.inputs[input_arg]));
  counts.assign(prm.weight ? static_cast<std::size_t>(class_count(c.inputs[input_arg])) : 1, 0);
  if (t.type == dtype::i32)
    count_rows(t.as<std::int32_t>(), t.numel(), prm.ignore_index, counts);
  else
    count_rows(t.as<std::int64_t>(), t.numel(), prm.ignore_index, counts);
}

// D = Σ_c count_c·w_c in class order, compensated: the same bits however the rows were split.
double cross_entropy::divisor(const call& c, const parameters& prm, std::span<const std::int64_t> counts) {
  if (counts.empty()) return 1.0;
  if (!prm.weight || is_floating(c.inputs[target_arg].type)) return static_cast<double>(counts[0]);
  core::ordered_sum d;
  for (std::size_t k = 0; k < counts.size(); ++k)
    if (counts[k] != 0) d.add(static_cast<double>(counts[k]) * prm.weight->get(static_cast<std::int64_t>(k)));
  return d.value();
}

std::size_t cross_entropy::block_items(std::span<const tensor_ref> in) {
  return rows_per_block(static_cast<std::size_t>(class_count(in[input_arg])));
}

template <class S>
core::plan<cross_entropy_problem<S>> cross_entropy::bind(const call& c, const parameters& prm, double divisor) {
  core::plan<problem<S>> plan;
  auto& p = plan.problem;
  const auto& logits = c.inputs[input_arg];
  const auto& t = c.inputs[target_arg];
  p.logits = logits.as<S>();
  p.classes = static_cast<std::size_t>(class_count(logits));
  if (t.type == dtype::i32)
    p.index32 = t.as<std::int32_t>();
  else if (t.type == dtype::i64)
    p.index64 = t.as<std::int64_t>();
  else
    p.probs = t.as<S>();
  if (prm.weight) p.weight = prm.weight->as<S>();
  // Σ w (label smoothing's spread mass): O(C) once, skipped for an empty batch, whose C may be
  // anything a header claims (2^62 would loop for ever).
  if (row_count(logits) > 0) {
    core::ordered_sum total_weight;
    for (std::size_t k = 0; k < p.classes; ++k) total_weight.add(p.weight_of(k));
    p.weight_total = total_weight.value();
  }
  p.ignore_index = prm.ignore_index;
  p.smoothing = prm.label_smoothing;
  p.grad = static_cast<S*>(c.out.grad[0]);
  p.losses = core::losses_out<S>(c);
  const std::size_t elements = static_cast<std::size_t>(row_count(logits)) * p.classes;
  p.from_memory = core::from_memory(elements * sizeof(S) * (p.grad ? 2 : 1));
  // torch divides 0 by 0 here: NaN value, NaN gradient on every non-ignored row.
  if (c.reduction == reduction::mean)
    p.grad_scale = divisor == 0 ? std::numeric_limits<double>::quiet_NaN() : 1.0 / divisor;
  plan.items = static_cast<std::size_t>(row_count(logits));
  plan.block = block_items(c.inputs);
  plan.value_scale = p.grad_scale;
  return plan;
}

template core::plan<cross_entropy_problem<float>> cross_entropy::bind<float>(const call&, const parameters&, double);
template core::plan<cross_entropy_problem<double>> cross_entropy::bind<double>(const call&, const parameters&, double);
template core::plan<cross_entropy_problem<bf16>> cross_entropy::bind<bf16>(const call&, const parameters&, double);
template core::plan<cross_entropy_problem<f16>> cross_entropy::bind<f16>(const call&, const parameters&, double);

const loss_spec& cross_entropy_spec() {
  static const core::spec_of<cross_entropy> spec;
  return spec;
}

}  // namespace lossbench::losses
