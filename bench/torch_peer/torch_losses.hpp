// torch_losses.hpp — each catalogue loss as PyTorch computes it, in C++ (ATen ops, autograd): the
// peer lossbench_torch_peer times against lossbench::evaluate. The same functions a
// torch.nn.functional call reaches, minus Python; hinge and contrastive, which torch has no
// function for, as the elementwise expressions a PyTorch user writes.
#pragma once

#include <lossbench/loss_spec.hpp>

#include <ATen/ATen.h>

#include <vector>

namespace lossbench::bench {

// A loss's inputs as torch tensors over lossbench's memory (no copy), the differentiable ones
// requiring grad; index inputs as int64 (torch's index type; a copy where lossbench's are int32).
std::vector<at::Tensor> torch_inputs(const loss_spec& loss, std::span<const tensor_ref> inputs);

// The loss's value (a 0-dim tensor, `r` mean or sum) from torch's ops, with the resolved parameters.
at::Tensor torch_loss(const loss_spec& loss, const std::vector<at::Tensor>& in, const param_set& params, reduction r);

}  // namespace lossbench::bench
