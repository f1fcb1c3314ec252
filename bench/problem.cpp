// problem.cpp — generation and buffers for one benchmark size (see problem.hpp).
#include "problem.hpp"

#include <algorithm>
#include <memory>

namespace lossbench::bench {

namespace {

constexpr std::uint64_t base_seed = 0x10554B3E7C4ULL;
// Two input sets, cycled, stop the branch predictor and prefetchers from learning one fixed
// data set; only while both still fit in L2 with their gradients (the "in cache" sizes), so the
// pool never changes which cache level a size measures.
constexpr std::size_t pool_budget_bytes = 512 * 1024;

std::size_t bytes_of(const std::vector<array>& set) {
  std::size_t b = 0;
  for (const auto& a : set) b += a.bytes();
  return b;
}

}  // namespace

reduction benchmark_reduction(const loss_spec& loss) {
  const auto rs = loss.reductions();
  if (std::find(rs.begin(), rs.end(), reduction::mean) != rs.end()) return reduction::mean;
  return rs.empty() ? reduction::mean : rs.front();
}

problem::problem(const loss_spec& loss, dtype t, std::int64_t samples, std::int64_t width)
    : loss_(&loss),
      type_(t),
      samples_(samples),
      width_(width),
      params_(loss.resolve({})),
      reduction_(benchmark_reduction(loss)) {
  pool_.push_back(loss.generate(t, shape_request{samples, width}, base_seed, params_));
  if (2 * bytes_of(pool_[0]) <= pool_budget_bytes)
    pool_.push_back(loss.generate(t, shape_request{samples, width}, base_seed + 1, params_));

  const auto desc = loss.inputs();
  for (std::size_t i = 0; i < desc.size() && i < pool_[0].size(); ++i)
    if (desc[i].differentiable) grads_.emplace_back(t, pool_[0][i].shape());  // zero-filled: pages touched

  outputs with_grad;
  for (std::size_t k = 0; k < grads_.size() && k < with_grad.grad.size(); ++k) with_grad.grad[k] = grads_[k].raw();
  refs_.reserve(pool_.size());  // calls point into refs_: no reallocation after this
  for (const auto& set : pool_) {
    auto& r = refs_.emplace_back(refs_of(set));
    value_calls_.push_back(call{r, &params_, reduction_, outputs{}});
    grad_calls_.push_back(call{r, &params_, reduction_, with_grad});
  }
}

std::int64_t problem::items() const { return loss_->items(refs_[0]); }

std::int64_t problem::compulsory_bytes(bool with_grad) const { return traffic(with_grad).total(); }

core::compulsory_traffic problem::traffic(bool with_grad) const {
  return core::traffic_of(*loss_, refs_[0], with_grad, reduction_);
}

bool problem::elementwise() const {
  const auto& in = refs_[0];
  if (in.empty() || loss_->losses_shape(in) != in[0].shape) return false;
  return std::all_of(in.begin(), in.end(), [&](const tensor_ref& r) { return r.shape == in[0].shape; });
}

double problem::flops(bool with_grad) const { return loss_->flops(refs_[0], with_grad); }

std::size_t problem::footprint_bytes(bool with_grad) const {
  std::size_t b = 0;
  for (const auto& set : pool_) b += bytes_of(set);
  if (with_grad)
    for (const auto& g : grads_) b += g.bytes();
  return b;
}

const reference_result& problem::reference() {
  if (!reference_) {
    reference_ = loss_->reference(value_calls_[0]);
    // Only the value and gradients are compared; the per-sample losses can be as large as the inputs.
    std::vector<long double>().swap(reference_->losses);
    std::vector<long double>().swap(reference_->loss_magnitude);
  }
  return *reference_;
}

problem& current_problem(const loss_spec& loss, dtype t, std::int64_t samples, std::int64_t width) {
  static std::unique_ptr<problem> current;
  if (!current || &current->loss() != &loss || current->type() != t || current->samples() != samples ||
      current->width() != width) {
    current.reset();  // free the previous size before allocating the next
    current = std::make_unique<problem>(loss, t, samples, width);
  }
  return *current;
}

}  // namespace lossbench::bench
