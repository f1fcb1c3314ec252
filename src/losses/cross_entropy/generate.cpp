// generate.cpp — realistic cross_entropy inputs from the project's PRNG: logits 2·N(0, 1) (a
// classifier part-way through training: softmax neither uniform nor saturated) and class
// indices uniform in [0, C) as int64, torch's target dtype. Rows = req.n, classes = req.inner
// or 1000, the benchmark's standard width.
#include "losses/cross_entropy/cross_entropy.hpp"

#include "core/prng.hpp"

namespace lossbench::losses {

std::vector<array> cross_entropy::generate(dtype dt, shape_request req, std::uint64_t seed, const parameters&) {
  const std::int64_t classes = req.inner > 0 ? req.inner : default_classes;
  array logits(dt, {req.n, classes});
  array target(dtype::i64, {req.n});
  core::prng rng(seed);
  for (std::int64_t i = 0; i < logits.numel(); ++i) logits.set(i, 2.0 * rng.normal());
  auto* t = target.data<std::int64_t>();
  for (std::int64_t i = 0; i < req.n; ++i)
    t[i] = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(classes)));
  std::vector<array> out;
  out.push_back(std::move(logits));
  out.push_back(std::move(target));
  return out;
}

}  // namespace lossbench::losses
