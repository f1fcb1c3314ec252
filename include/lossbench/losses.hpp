// lossbench/losses.hpp — the library's public entry points: each loss callable with spans and an
// options struct, no registry needed. Every function validates its arguments and throws
// lossbench::error (naming the argument) on bad input; it never crashes or returns a wrong number.
//
// Conventions (as torch.nn.functional):
//   * the return value is the reduced loss (with reduction::none: the sum of the per-sample
//     losses, which are written to `losses` when it is non-empty);
//   * a non-empty gradient span receives d(returned value)/d(input) (with none: of the sum);
//     an empty span means "not wanted", and all-empty computes the value only;
//   * arrays are dense, C order; row-wise inputs take their row length (classes C, features D);
//   * a loss's options are the common ones plus its parameters (lossbench/loss_params.hpp), which
//     reach the kernel as they are: no lookup by name, no allocation per call;
//   * T is float, double, bf16 or f16 (bf16/f16 are storage: computed in f32, the value returned as
//     float).
#pragma once

#include <lossbench/loss_params.hpp>
#include <lossbench/loss_spec.hpp>
#include <lossbench/types.hpp>

#include <cstdint>
#include <span>
#include <string_view>

namespace lossbench {

struct options {
  lossbench::reduction reduction = lossbench::reduction::mean;
  // A registry variant name (lossbench list). `auto` runs the fastest kernel for this CPU and call
  // size, from the tuning profile if there is one (lossbench/tuning.hpp).
  std::string_view variant = "auto";
  int threads = 0;  // the omp variant's threads; 0 = lossbench::num_threads()
};

// Any catalogue loss by name, on tensor views; `params` by name, absent ones take torch's defaults.
double evaluate(std::string_view loss, std::span<const tensor_ref> inputs, const param_set& params = {},
                const options& opt = {}, outputs out = {});

template <class T>
compute_type_t<T> mse(std::span<const T> input, std::span<const T> target, const options& opt = {},
                      std::span<T> grad_input = {}, std::span<T> losses = {});
template <class T>
compute_type_t<T> mae(std::span<const T> input, std::span<const T> target, const options& opt = {},
                      std::span<T> grad_input = {}, std::span<T> losses = {});

struct huber_options : options, huber_params {};
template <class T>
compute_type_t<T> huber(std::span<const T> input, std::span<const T> target, const huber_options& opt = {},
                        std::span<T> grad_input = {}, std::span<T> losses = {});

template <class T>
compute_type_t<T> bce(std::span<const T> input, std::span<const T> target, const options& opt = {},
                      std::span<T> grad_input = {}, std::span<T> losses = {});

template <class T>
struct bce_logits_options : options {
  double pos_weight = 1.0;                  // used when pos_weight_per_class is empty
  std::span<const T> pos_weight_per_class;  // broadcast over the last dimension (length = classes)
};
template <class T>
compute_type_t<T> bce_logits(std::span<const T> input, std::span<const T> target, std::int64_t classes,
                             const bce_logits_options<T>& opt = {}, std::span<T> grad_input = {},
                             std::span<T> losses = {});

struct hinge_options : options, hinge_params {};
template <class T>
compute_type_t<T> hinge(std::span<const T> input, std::span<const T> target, const hinge_options& opt = {},
                        std::span<T> grad_input = {}, std::span<T> losses = {});

struct kl_div_options : options, kl_div_params {};
// input = log q and target are [rows, size/rows]; batchmean divides by rows.
template <class T>
compute_type_t<T> kl_div(std::span<const T> input, std::span<const T> target, std::int64_t rows,
                         const kl_div_options& opt = {}, std::span<T> grad_input = {}, std::span<T> losses = {});

template <class T>
struct cross_entropy_options : options {
  std::span<const T> weight;  // per-class weights [C], empty = none
  std::int64_t ignore_index = -100;
  double label_smoothing = 0.0;
};
// logits [B, C]; targets: class indices [B] (int32 or int64) or probabilities [B, C].
template <class T, class Target>
compute_type_t<T> cross_entropy(std::span<const T> logits, std::int64_t classes, std::span<const Target> targets,
                                const cross_entropy_options<T>& opt = {}, std::span<T> grad_logits = {},
                                std::span<T> losses = {});

struct ctc_options : options, ctc_params {};
// log_probs [T, B, C]; targets padded [B, S] (S = targets.size() / B) or concatenated (concatenated = true).
template <class T, class Index>
compute_type_t<T> ctc(std::span<const T> log_probs, std::int64_t time, std::int64_t batch, std::int64_t classes,
                      std::span<const Index> targets, bool concatenated, std::span<const Index> input_lengths,
                      std::span<const Index> target_lengths, const ctc_options& opt = {}, std::span<T> grad_logits = {},
                      std::span<T> losses = {});

struct triplet_options : options, triplet_params {};
template <class T>
compute_type_t<T> triplet(std::span<const T> anchor, std::span<const T> positive, std::span<const T> negative,
                          std::int64_t features, const triplet_options& opt = {}, std::span<T> grad_anchor = {},
                          std::span<T> grad_positive = {}, std::span<T> grad_negative = {}, std::span<T> losses = {});

struct contrastive_options : options, contrastive_params {};
template <class T>
compute_type_t<T> contrastive(std::span<const T> x1, std::span<const T> x2, std::span<const T> target,
                              std::int64_t features, const contrastive_options& opt = {}, std::span<T> grad_x1 = {},
                              std::span<T> grad_x2 = {}, std::span<T> losses = {});

}  // namespace lossbench
