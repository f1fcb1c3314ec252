// fused_backward.hpp — the autograd node behind lossbench._torch's losses. lossbench's kernels
// compute the value and d value / d input in one fused pass, so the forward saves the gradient and
// the backward only scales it by grad_output (per sample with reduction "none"). Written as a plain
// torch::autograd::Node, as torch's own generated ops are: a Python autograd.Function costs about
// as much per call as torch's whole mse step at 4K elements.
#pragma once

#include <torch/csrc/autograd/function.h>

#include <string>
#include <vector>

namespace lossbench::torch_adapter {

class fused_backward : public torch::autograd::Node {
public:
  // `grads`: one per forward input, undefined where none was computed. `batch_dim`: where the
  // per-sample losses' dimensions sit in a gradient's (0; 1 for ctc's [T, B, C]).
  fused_backward(std::string loss, std::vector<at::Tensor> grads, bool per_sample, bool target_is_minus_input,
                 int batch_dim);

  torch::autograd::variable_list apply(torch::autograd::variable_list&& grad_outputs) override;
  std::string name() const override { return "LossbenchBackward<" + loss_ + ">"; }
  void will_release_variables() override { releasing_ = true; }
  void release_variables() override;

private:
  at::Tensor scaled(std::size_t input, const at::Tensor& grad_output);

  std::string loss_;
  std::vector<at::Tensor> grads_;
  bool per_sample_;
  bool target_is_minus_input_;
  int batch_dim_;
  bool releasing_ = false;  // the engine frees this node's state after apply: the gradient may be handed over
  bool released_ = false;
};

}  // namespace lossbench::torch_adapter
