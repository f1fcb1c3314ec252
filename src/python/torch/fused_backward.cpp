// fused_backward.cpp — see fused_backward.hpp.
#include "python/torch/fused_backward.hpp"

#include <torch/csrc/autograd/functions/basic_ops.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <stdexcept>
#include <utility>

namespace lossbench::torch_adapter {

fused_backward::fused_backward(std::string_view loss, std::vector<at::Tensor> grads, bool per_sample,
                               bool target_is_minus_input, int losses_axis)
    : loss_(loss),
      grads_(std::move(grads)),
      per_sample_(per_sample),
      target_is_minus_input_(target_is_minus_input),
      losses_axis_(losses_axis) {}

void fused_backward::release_variables() {
  grads_.clear();
  released_ = true;
}

namespace {

bool is_one(const at::Tensor& t) {
  if (t.dim() != 0 || !t.device().is_cpu()) return false;
  if (t.scalar_type() == at::kFloat) return *t.data_ptr<float>() == 1.0f;
  if (t.scalar_type() == at::kDouble) return *t.data_ptr<double>() == 1.0;
  return false;
}

}  // namespace

// The saved gradient of `input` times grad_output. loss.backward() passes 1: the saved gradient is
// then the answer, and handed over when the engine is about to free it, autograd adopts it as
// .grad without a copy (a pass over the array saved: a quarter of the step at 16M elements).
at::Tensor fused_backward::scaled(std::size_t input, const at::Tensor& grad_output) {
  at::Tensor g = releasing_ ? std::move(grads_[input]) : grads_[input];
  if (!per_sample_) {
    if (is_one(grad_output)) return g;
    return releasing_ ? g.mul_(grad_output) : g.mul(grad_output);
  }
  // Per-sample losses: grad_output has their shape, broadcast over the gradient's other dimensions.
  std::vector<std::int64_t> dims(static_cast<std::size_t>(g.dim()), 1);
  for (std::int64_t d = 0; d < grad_output.dim(); ++d)
    dims[static_cast<std::size_t>(losses_axis_ + d)] = grad_output.size(d);
  const at::Tensor w = grad_output.reshape(dims);
  return releasing_ ? g.mul_(w) : g.mul(w);
}

torch::autograd::variable_list fused_backward::apply(torch::autograd::variable_list&& grad_outputs) {
  if (released_)
    throw std::runtime_error(
        "Trying to backward through a lossbench loss a second time: its saved gradient was "
        "freed by the first backward. Pass retain_graph=True to the first.");
  const at::Tensor& go = grad_outputs[0];
  torch::autograd::variable_list out(num_outputs());
  if (!go.defined()) return out;
  const bool want_target = target_is_minus_input_ && num_outputs() > 1 && should_compute_output(1);
  {
    // The first derivative only: computing it with grad mode on would record a graph whose second
    // derivative misses the Hessian term, a silently wrong answer.
    at::NoGradGuard no_grad;
    for (std::size_t i = 0; i < grads_.size(); ++i)
      if (grads_[i].defined() && should_compute_output(i)) out[i] = scaled(i, go);
    if (want_target) {
      at::Tensor gx = out[0].defined() ? out[0] : scaled(0, go);
      out[1] = should_compute_output(0) ? -gx : gx.neg_();
    }
  }
  if (!torch::autograd::GradMode::is_enabled() || !go.requires_grad()) return out;
  // backward(create_graph=True) with a grad_output that has a graph: as torch's once_differentiable,
  // the results carry an error that fires if anything differentiates through them (the node only
  // attaches to outputs that require grad, hence the detached aliases).
  for (auto& t : out)
    if (t.defined()) t = t.detach().requires_grad_(true);
  auto error = std::make_shared<torch::autograd::DelayedError>(
      "lossbench computes first derivatives only: differentiating its gradient again is not supported",
      static_cast<int>(out.size()));
  return (*error)(std::move(out));
}

}  // namespace lossbench::torch_adapter
