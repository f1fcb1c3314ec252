// ctc_generate.cpp — realistic CTC batches from the project's PRNG: an acoustic-model-like
// output (log_softmax of 2·normal logits, so the distribution per frame is peaked but not
// one-hot), inputs of 70–100 % of T frames, targets of S/2..S labels that can always be aligned.
#include "losses/ctc/ctc.hpp"

#include "core/prng.hpp"

#include <algorithm>
#include <cmath>

namespace lossbench::losses {

namespace {
constexpr std::int64_t default_time = 150, default_classes = 40, default_target = 30;

// Adjacent repeats need a blank between them, so a target needs length + repeats frames.
std::int64_t frames_needed(const std::vector<std::int64_t>& labels, std::int64_t length) {
  std::int64_t n = length;
  for (std::int64_t s = 1; s < length; ++s)
    n += labels[static_cast<std::size_t>(s)] == labels[static_cast<std::size_t>(s - 1)];
  return n;
}

// log_softmax of one frame's logits, in double (then rounded once to the dtype by `set`).
void log_softmax_frame(std::vector<double>& z) {
  const double top = *std::max_element(z.begin(), z.end());
  double sum = 0;
  for (double v : z) sum += std::exp(v - top);
  const double lse = top + std::log(sum);
  for (double& v : z) v -= lse;
}
}  // namespace

std::vector<array> ctc::generate(dtype dt, shape_request req, std::uint64_t seed, const parameters& prm) {
  const std::int64_t time = default_time, target = default_target, batch = req.n;
  const std::int64_t classes = req.inner > 0 ? req.inner : default_classes;
  const std::int64_t blank = prm.blank;
  if (blank < 0 || blank >= classes) throw error("blank", "must be in [0, " + std::to_string(classes) + ")");
  array log_probs(dt, {time, batch, classes}), targets(dtype::i64, {batch, target});
  array input_lengths(dtype::i64, {batch}), target_lengths(dtype::i64, {batch});
  core::prng rng(seed);

  std::vector<double> z(static_cast<std::size_t>(classes));
  for (std::int64_t row = 0; row < time * batch; ++row) {
    for (double& v : z) v = 2.0 * rng.normal();
    log_softmax_frame(z);
    for (std::int64_t c = 0; c < classes; ++c) log_probs.set(row * classes + c, z[static_cast<std::size_t>(c)]);
  }

  const std::int64_t min_input = (7 * time + 9) / 10;  // ⌈0.7·T⌉
  std::vector<std::int64_t> labels(static_cast<std::size_t>(target));
  for (std::int64_t b = 0; b < batch; ++b) {
    const std::int64_t il =
        min_input + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(time - min_input + 1)));
    // With only the blank class no label exists: the target must be empty.
    std::int64_t tl =
        classes < 2
            ? 0
            : target / 2 + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(target - target / 2 + 1)));
    for (std::int64_t s = 0; s < tl; ++s) {
      const auto k = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(classes - 1)));
      labels[static_cast<std::size_t>(s)] = k >= blank ? k + 1 : k;  // any class but blank
    }
    while (frames_needed(labels, tl) > il) --tl;  // keep every generated sample feasible
    for (std::int64_t s = 0; s < tl; ++s)
      targets.set(b * target + s, static_cast<double>(labels[static_cast<std::size_t>(s)]));
    input_lengths.set(b, static_cast<double>(il));
    target_lengths.set(b, static_cast<double>(tl));
  }
  std::vector<array> out;
  out.push_back(std::move(log_probs));
  out.push_back(std::move(targets));
  out.push_back(std::move(input_lengths));
  out.push_back(std::move(target_lengths));
  return out;
}

}  // namespace lossbench::losses
