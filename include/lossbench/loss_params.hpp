// lossbench/loss_params.hpp — each loss's parameters as a typed struct with torch's defaults.
// A loss reads its parameters only from its struct: a call by name (param_set: the CLI, Python,
// evaluate) is decoded into it once, and the typed functions of lossbench/losses.hpp pass theirs
// straight through, with no lookup by name and no allocation.
#pragma once

#include <lossbench/types.hpp>

#include <cstdint>
#include <optional>

namespace lossbench {

// A number that may instead be an array broadcast over the last dimension (bce_logits' pos_weight).
struct real_or_array {
  double number = 1.0;
  std::optional<tensor_ref> array;  // when set, used instead of `number`
};

struct no_params {};

struct huber_params {
  double delta = 1.0;  // where the loss turns from quadratic to linear (> 0)
};

struct hinge_params {
  double margin = 1.0;
};

struct kl_div_params {
  bool log_target = false;  // the target is given as log p
};

struct bce_logits_params {
  real_or_array pos_weight;  // weight of the positive term, or one per class
};

struct cross_entropy_params {
  std::optional<tensor_ref> weight;  // per-class weights [C]
  std::int64_t ignore_index = -100;  // class index whose rows are skipped (index targets)
  double label_smoothing = 0.0;      // ε in [0, 1]
};

struct ctc_params {
  std::int64_t blank = 0;
  bool zero_infinity = false;  // infinite losses (impossible alignments) and their gradients become 0
};

struct triplet_params {
  double margin = 1.0;
  double p = 2.0;     // the norm's degree
  double eps = 1e-6;  // added to the difference, as torch's pairwise_distance
  bool swap = false;  // use min(d(a, n), d(p, n)) as the negative distance
};

struct contrastive_params {
  double margin = 1.0;
};

// One of the structs above without its type, as `call` carries it. The loss that runs the call
// checks the type before it reads (a mismatch is a std::logic_error: a bug, not bad input).
class params_ref {
 public:
  params_ref() = default;
  template <class P>
  explicit params_ref(const P& p) noexcept : data_(&p), type_(&tag<P>) {}

  bool empty() const noexcept { return data_ == nullptr; }
  template <class P>
  const P* get() const noexcept {
    return type_ == &tag<P> ? static_cast<const P*>(data_) : nullptr;
  }

 private:
  template <class P>
  static constexpr char tag = 0;  // one address per struct type: the type's identity without RTTI
  const void* data_ = nullptr;
  const void* type_ = nullptr;
};

}  // namespace lossbench
