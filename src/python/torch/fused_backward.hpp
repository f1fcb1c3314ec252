// fused_backward.hpp — the autograd node behind lossbench._torch's losses. lossbench's kernels
// compute the value and d value / d input in one fused pass, so the forward saves the gradient and
// the backward only scales it by grad_output (per sample with reduction "none"). Written as a plain
// torch::autograd::Node, as torch's own generated ops are: a Python autograd.Function costs about
// as much per call as torch's whole mse step at 4K elements.
#pragma once

#include <torch/csrc/autograd/function.h>

#include <string>
#include <string_view>
#include <vector>

namespace lossbench::torch_adapter {

class fused_backward : public torch::autograd::Node {
 public:
  // `loss`: the catalogue's name, which outlives the node (lossbench._core stays loaded). `grads`:
  // one per forward input, undefined where none was computed. `losses_axis`: where the per-sample
  // losses' dimensions start in a gradient's (the loss spec's losses_axis).
  fused_backward(std::string_view loss, std::vector<at::Tensor> grads, bool per_sample, bool target_is_minus_input,
                 int losses_axis);

  torch::autograd::variable_list apply(torch::autograd::variable_list&& grad_outputs) override;
  std::string name() const override { return "LossbenchBackward<" + std::string(loss_) + ">"; }
  void will_release_variables() override { releasing_ = true; }
  void release_variables() override;

 private:
  at::Tensor scaled(std::size_t input, const at::Tensor& grad_output);

  std::string_view loss_;
  std::vector<at::Tensor> grads_;
  bool per_sample_;
  bool target_is_minus_input_;
  int losses_axis_;
  bool releasing_ = false;  // the engine frees this node's state after apply: the gradient may be handed over
  bool released_ = false;
};

}  // namespace lossbench::torch_adapter
