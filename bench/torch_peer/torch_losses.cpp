// torch_losses.cpp — see torch_losses.hpp.
#include "torch_losses.hpp"

#include <stdexcept>
#include <string>

namespace lossbench::bench {
namespace {

at::ScalarType scalar_type(dtype t) {
  switch (t) {
    case dtype::f32:
      return at::kFloat;
    case dtype::f64:
      return at::kDouble;
    case dtype::i32:
      return at::kInt;
    case dtype::i64:
      return at::kLong;
    case dtype::bf16:
      return at::kBFloat16;
    case dtype::f16:
      return at::kHalf;
  }
  throw std::logic_error("torch_inputs: unknown dtype");
}

std::int64_t torch_reduction(reduction r) {
  switch (r) {
    case reduction::none:
      return at::Reduction::None;
    case reduction::mean:
      return at::Reduction::Mean;
    case reduction::sum:
      return at::Reduction::Sum;
    case reduction::batchmean:
      break;
  }
  throw std::logic_error("torch_loss: the peer measures mean and sum");
}

at::Tensor reduce(const at::Tensor& losses, reduction r) { return r == reduction::sum ? losses.sum() : losses.mean(); }

at::Tensor optional_tensor(const param_set& p, const char* name, const at::Tensor& like) {
  const array* a = p.tensor(name);
  if (!a) return {};
  const auto d = a->shape().dims();
  return at::from_blob(const_cast<void*>(a->raw()), std::vector<std::int64_t>(d.begin(), d.end()), like.options())
      .set_requires_grad(false);
}

}  // namespace

std::vector<at::Tensor> torch_inputs(const loss_spec& loss, std::span<const tensor_ref> inputs) {
  std::vector<at::Tensor> out;
  const auto descs = loss.inputs();
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const auto d = inputs[i].shape.dims();
    at::Tensor t = at::from_blob(const_cast<void*>(inputs[i].data), std::vector<std::int64_t>(d.begin(), d.end()),
                                 at::TensorOptions().dtype(scalar_type(inputs[i].type)));
    if (t.scalar_type() == at::kInt) t = t.to(at::kLong);
    if (descs[i].differentiable) t.set_requires_grad(true);
    out.push_back(t);
  }
  return out;
}

at::Tensor torch_loss(const loss_spec& loss, const std::vector<at::Tensor>& in, const param_set& p, reduction r) {
  const std::string name(loss.name());
  const std::int64_t red = torch_reduction(r);
  if (name == "mse") return at::mse_loss(in[0], in[1], red);
  if (name == "mae") return at::l1_loss(in[0], in[1], red);
  if (name == "huber") return at::huber_loss(in[0], in[1], red, p.number("delta"));
  if (name == "bce") return at::binary_cross_entropy(in[0], in[1], {}, red);
  if (name == "bce_logits") {
    at::Tensor pos = optional_tensor(p, "pos_weight", in[0]);
    if (!pos.defined() && p.number("pos_weight") != 1.0) pos = at::full({}, p.number("pos_weight"), in[0].options());
    return at::binary_cross_entropy_with_logits(in[0], in[1], {}, pos, red);
  }
  if (name == "hinge") return reduce(at::clamp_min(p.number("margin") - in[1] * in[0], 0), r);
  if (name == "cross_entropy")
    return at::cross_entropy_loss(in[0], in[1], optional_tensor(p, "weight", in[0]), red,
                                  static_cast<std::int64_t>(p.number("ignore_index")), p.number("label_smoothing"));
  if (name == "kl_div") return at::kl_div(in[0], in[1], red, p.number("log_target") != 0);
  if (name == "ctc")
    return at::ctc_loss(in[0], in[1], in[2], in[3], static_cast<std::int64_t>(p.number("blank")), red,
                        p.number("zero_infinity") != 0);
  if (name == "triplet")
    return at::triplet_margin_loss(in[0], in[1], in[2], p.number("margin"), p.number("p"), p.number("eps"),
                                   p.number("swap") != 0, red);
  if (name == "contrastive") {
    const at::Tensor d = (in[0] - in[1]).norm(2, {1});
    const at::Tensor y = in[2].to(in[0].scalar_type());
    const at::Tensor far = at::clamp_min(p.number("margin") - d, 0);
    return reduce(0.5 * (y * d * d + (1 - y) * far * far), r);
  }
  throw std::invalid_argument("torch_loss: no torch form for " + name);
}

}  // namespace lossbench::bench
