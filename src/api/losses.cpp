// losses.cpp — the public span-based entry points. Each typed function builds tensor views and
// its loss's parameter struct on the stack, checks the caller's output spans, and runs the
// registry entry of the variant asked for: the loss and its entries are found once per process,
// so a call looks up no name and allocates nothing (tests/api_alloc_test.cpp).
#include <lossbench/losses.hpp>
#include <lossbench/registry.hpp>
#include <lossbench/threads.hpp>

#include <algorithm>
#include <array>

namespace lossbench {

namespace {

// What every call is checked for before its loss validates it, by name or typed.
void check_call(const loss_spec& spec, std::span<const tensor_ref> inputs, const options& opt) {
  if (inputs.empty()) throw error("inputs", "no inputs given");
  if (opt.variant == "all") throw error("variant", "name one variant (lossbench list shows them), not 'all'");
  if (!is_floating(inputs[0].type))
    throw error(std::string(spec.inputs()[0].name), "must be floating point (f32, f64, bf16 or f16)");
  if (opt.threads < 0 || opt.threads > max_threads)
    throw error("threads", "must be in [0, " + std::to_string(max_threads) + "] (0: the process default), got " +
                               std::to_string(opt.threads));
  for (std::size_t i = 0; i < inputs.size(); ++i)  // a view of nothing that claims elements
    if (!inputs[i].data && inputs[i].numel() > 0)
      throw error(i < spec.inputs().size() ? std::string(spec.inputs()[i].name) : "inputs[" + std::to_string(i) + "]",
                  "a null data pointer for " + std::to_string(inputs[i].numel()) + " elements");
}

double run_call(const loss_spec& spec, const call& c, const options& opt) {
  check_call(spec, c.inputs, opt);
  return find_entry(spec, opt.variant, c.inputs[0].type, "variant").run(c);
}

}  // namespace

double evaluate(std::string_view loss, std::span<const tensor_ref> inputs, const param_set& params, const options& opt,
                outputs out) {
  const loss_spec& spec = find_loss(loss, "loss");
  const param_set resolved = spec.resolve(params);
  return run_call(spec, call{inputs, &resolved, opt.reduction, out, opt.threads}, opt);
}

namespace {

template <class T>
tensor_ref view(std::span<const T> s, shape sh, const char* name) {
  if (static_cast<std::int64_t>(s.size()) != sh.numel())
    throw error(name, "has " + std::to_string(s.size()) + " elements, expected " + sh.str());
  return tensor_ref{dtype_of<T>(), sh, s.data()};
}

// A parameter array given as a span: absent when empty.
template <class T>
std::optional<tensor_ref> optional_view(std::span<const T> s) {
  if (s.empty()) return std::nullopt;
  return tensor_ref{dtype_of<T>(), shape{static_cast<std::int64_t>(s.size())}, s.data()};
}

// Rows of a [rows, width] array given as a flat span.
std::int64_t rows_of(std::size_t size, std::int64_t width, const char* name, const char* width_name) {
  if (width <= 0) throw error(width_name, "must be positive, got " + std::to_string(width));
  if (static_cast<std::int64_t>(size) % width != 0)
    throw error(name, "has " + std::to_string(size) + " elements, not a multiple of " + width_name + " = " +
                          std::to_string(width));
  return static_cast<std::int64_t>(size) / width;
}

// One typed call: the loss's inputs, its parameter struct, and the caller's gradient spans (one
// per differentiable input, in input order, with the names errors use) and per-sample losses.
template <class T, std::size_t N, std::size_t G, class P>
compute_type_t<T> run(const loss_spec& spec, const std::array<tensor_ref, N>& in, const P& params, const options& opt,
                      const std::array<std::span<T>, G>& grads, const std::array<const char*, G>& grad_names,
                      std::span<T> losses) {
  outputs out;
  std::size_t k = 0;
  for (std::size_t slot = 0; slot < G; ++slot, ++k) {
    while (!spec.inputs()[k].differentiable) ++k;
    const std::span<T> g = grads[slot];
    if (!g.empty() && static_cast<std::int64_t>(g.size()) != in[k].numel())
      throw error(grad_names[slot], "has " + std::to_string(g.size()) + " elements, expected " + in[k].shape.str());
    out.grad[slot] = g.empty() ? nullptr : g.data();
  }
  if (!losses.empty()) {
    if (opt.reduction != reduction::none) throw error("losses", "per-sample losses need reduction none");
    const shape s = spec.losses_shape(in);
    if (static_cast<std::int64_t>(losses.size()) != s.numel())
      throw error("losses", "has " + std::to_string(losses.size()) + " elements, expected " + s.str());
    out.losses = losses.data();
  }
  call c{in, nullptr, opt.reduction, out, opt.threads, params_ref(params)};
  return static_cast<compute_type_t<T>>(run_call(spec, c, opt));
}

template <class T, class P>
compute_type_t<T> pairwise(const loss_spec& spec, std::span<const T> x, std::span<const T> y, shape s, const P& params,
                           const options& opt, std::span<T> grad, std::span<T> losses) {
  return run<T>(spec, std::array{view(x, s, "input"), view(y, s, "target")}, params, opt, std::array{grad},
                std::array{"grad_input"}, losses);
}

shape flat(std::size_t n) { return shape{static_cast<std::int64_t>(n)}; }

}  // namespace

template <class T>
compute_type_t<T> mse(std::span<const T> x, std::span<const T> y, const options& o, std::span<T> g, std::span<T> l) {
  static const loss_spec& spec = find_loss("mse", "loss");  // once per process
  return pairwise<T>(spec, x, y, flat(x.size()), no_params{}, o, g, l);
}
template <class T>
compute_type_t<T> mae(std::span<const T> x, std::span<const T> y, const options& o, std::span<T> g, std::span<T> l) {
  static const loss_spec& spec = find_loss("mae", "loss");  // once per process
  return pairwise<T>(spec, x, y, flat(x.size()), no_params{}, o, g, l);
}
template <class T>
compute_type_t<T> huber(std::span<const T> x, std::span<const T> y, const huber_options& o, std::span<T> g,
                        std::span<T> l) {
  static const loss_spec& spec = find_loss("huber", "loss");  // once per process
  return pairwise<T>(spec, x, y, flat(x.size()), static_cast<const huber_params&>(o), o, g, l);
}
template <class T>
compute_type_t<T> bce(std::span<const T> x, std::span<const T> y, const options& o, std::span<T> g, std::span<T> l) {
  static const loss_spec& spec = find_loss("bce", "loss");  // once per process
  return pairwise<T>(spec, x, y, flat(x.size()), no_params{}, o, g, l);
}
template <class T>
compute_type_t<T> bce_logits(std::span<const T> x, std::span<const T> y, std::int64_t classes,
                             const bce_logits_options<T>& o, std::span<T> g, std::span<T> l) {
  static const loss_spec& spec = find_loss("bce_logits", "loss");  // once per process
  const std::int64_t rows = rows_of(x.size(), classes, "input", "classes");
  const bce_logits_params p{real_or_array{o.pos_weight, optional_view(o.pos_weight_per_class)}};
  return pairwise<T>(spec, x, y, shape{rows, classes}, p, o, g, l);
}
template <class T>
compute_type_t<T> hinge(std::span<const T> x, std::span<const T> y, const hinge_options& o, std::span<T> g,
                        std::span<T> l) {
  static const loss_spec& spec = find_loss("hinge", "loss");  // once per process
  return pairwise<T>(spec, x, y, flat(x.size()), static_cast<const hinge_params&>(o), o, g, l);
}
template <class T>
compute_type_t<T> kl_div(std::span<const T> x, std::span<const T> y, std::int64_t rows, const kl_div_options& o,
                         std::span<T> g, std::span<T> l) {
  static const loss_spec& spec = find_loss("kl_div", "loss");  // once per process
  if (rows <= 0) throw error("rows", "must be positive, got " + std::to_string(rows));
  const std::int64_t width = rows_of(x.size(), rows, "input", "rows");
  return pairwise<T>(spec, x, y, shape{rows, width}, static_cast<const kl_div_params&>(o), o, g, l);
}

template <class T, class Target>
compute_type_t<T> cross_entropy(std::span<const T> z, std::int64_t classes, std::span<const Target> t,
                                const cross_entropy_options<T>& o, std::span<T> g, std::span<T> l) {
  static const loss_spec& spec = find_loss("cross_entropy", "loss");  // once per process
  const std::int64_t rows = rows_of(z.size(), classes, "logits", "classes");
  const cross_entropy_params p{optional_view(o.weight), o.ignore_index, o.label_smoothing};
  const shape ts = std::is_integral_v<Target> ? shape{rows} : shape{rows, classes};  // indices or probabilities
  return run<T>(spec, std::array{view(z, shape{rows, classes}, "logits"), view(t, ts, "targets")}, p, o, std::array{g},
                std::array{"grad_logits"}, l);
}

template <class T, class Index>
compute_type_t<T> ctc(std::span<const T> lp, std::int64_t time, std::int64_t batch, std::int64_t classes,
                      std::span<const Index> targets, bool concatenated, std::span<const Index> in_len,
                      std::span<const Index> tgt_len, const ctc_options& o, std::span<T> g, std::span<T> l) {
  static const loss_spec& spec = find_loss("ctc", "loss");  // once per process
  if (time < 0 || batch < 0 || classes <= 0) throw error("log_probs", "time, batch must be ≥ 0 and classes > 0");
  std::int64_t elements = 0;  // time·batch·classes must fit, or a wrapped product could match an empty span
  if (__builtin_mul_overflow(time, batch, &elements) || __builtin_mul_overflow(elements, classes, &elements))
    throw error("log_probs", "time·batch·classes = " + std::to_string(time) + "·" + std::to_string(batch) + "·" +
                                 std::to_string(classes) + " overflows 64 bits");
  const shape ts =
      concatenated ? flat(targets.size()) : shape{batch, batch ? static_cast<std::int64_t>(targets.size()) / batch : 0};
  return run<T>(spec,
                std::array{view(lp, shape{time, batch, classes}, "log_probs"), view(targets, ts, "targets"),
                           view(in_len, shape{batch}, "input_lengths"), view(tgt_len, shape{batch}, "target_lengths")},
                static_cast<const ctc_params&>(o), o, std::array{g}, std::array{"grad_logits"}, l);
}

template <class T>
compute_type_t<T> triplet(std::span<const T> a, std::span<const T> pos, std::span<const T> neg, std::int64_t d,
                          const triplet_options& o, std::span<T> ga, std::span<T> gp, std::span<T> gn, std::span<T> l) {
  static const loss_spec& spec = find_loss("triplet", "loss");  // once per process
  const shape s{rows_of(a.size(), d, "anchor", "features"), d};
  return run<T>(spec, std::array{view(a, s, "anchor"), view(pos, s, "positive"), view(neg, s, "negative")},
                static_cast<const triplet_params&>(o), o, std::array{ga, gp, gn},
                std::array{"grad_anchor", "grad_positive", "grad_negative"}, l);
}

template <class T>
compute_type_t<T> contrastive(std::span<const T> x1, std::span<const T> x2, std::span<const T> y, std::int64_t d,
                              const contrastive_options& o, std::span<T> g1, std::span<T> g2, std::span<T> l) {
  static const loss_spec& spec = find_loss("contrastive", "loss");  // once per process
  const std::int64_t rows = rows_of(x1.size(), d, "x1", "features");
  return run<T>(
      spec, std::array{view(x1, shape{rows, d}, "x1"), view(x2, shape{rows, d}, "x2"), view(y, shape{rows}, "target")},
      static_cast<const contrastive_params&>(o), o, std::array{g1, g2}, std::array{"grad_x1", "grad_x2"}, l);
}

// The library is built for float and double, and bf16/f16 (storage, computed in f32), for every
// loss; index types int32 and int64.
#define LOSSBENCH_INSTANTIATE(T)                                                                                      \
  template compute_type_t<T> mse<T>(std::span<const T>, std::span<const T>, const options&, std::span<T>,             \
                                    std::span<T>);                                                                    \
  template compute_type_t<T> mae<T>(std::span<const T>, std::span<const T>, const options&, std::span<T>,             \
                                    std::span<T>);                                                                    \
  template compute_type_t<T> huber<T>(std::span<const T>, std::span<const T>, const huber_options&, std::span<T>,     \
                                      std::span<T>);                                                                  \
  template compute_type_t<T> bce<T>(std::span<const T>, std::span<const T>, const options&, std::span<T>,             \
                                    std::span<T>);                                                                    \
  template compute_type_t<T> bce_logits<T>(std::span<const T>, std::span<const T>, std::int64_t,                      \
                                           const bce_logits_options<T>&, std::span<T>, std::span<T>);                 \
  template compute_type_t<T> hinge<T>(std::span<const T>, std::span<const T>, const hinge_options&, std::span<T>,     \
                                      std::span<T>);                                                                  \
  template compute_type_t<T> kl_div<T>(std::span<const T>, std::span<const T>, std::int64_t, const kl_div_options&,   \
                                       std::span<T>, std::span<T>);                                                   \
  template compute_type_t<T> cross_entropy<T, std::int32_t>(                                                          \
      std::span<const T>, std::int64_t, std::span<const std::int32_t>, const cross_entropy_options<T>&, std::span<T>, \
      std::span<T>);                                                                                                  \
  template compute_type_t<T> cross_entropy<T, std::int64_t>(                                                          \
      std::span<const T>, std::int64_t, std::span<const std::int64_t>, const cross_entropy_options<T>&, std::span<T>, \
      std::span<T>);                                                                                                  \
  template compute_type_t<T> cross_entropy<T, T>(std::span<const T>, std::int64_t, std::span<const T>,                \
                                                 const cross_entropy_options<T>&, std::span<T>, std::span<T>);        \
  template compute_type_t<T> ctc<T, std::int32_t>(                                                                    \
      std::span<const T>, std::int64_t, std::int64_t, std::int64_t, std::span<const std::int32_t>, bool,              \
      std::span<const std::int32_t>, std::span<const std::int32_t>, const ctc_options&, std::span<T>, std::span<T>);  \
  template compute_type_t<T> ctc<T, std::int64_t>(                                                                    \
      std::span<const T>, std::int64_t, std::int64_t, std::int64_t, std::span<const std::int64_t>, bool,              \
      std::span<const std::int64_t>, std::span<const std::int64_t>, const ctc_options&, std::span<T>, std::span<T>);  \
  template compute_type_t<T> triplet<T>(std::span<const T>, std::span<const T>, std::span<const T>, std::int64_t,     \
                                        const triplet_options&, std::span<T>, std::span<T>, std::span<T>,             \
                                        std::span<T>);                                                                \
  template compute_type_t<T> contrastive<T>(std::span<const T>, std::span<const T>, std::span<const T>, std::int64_t, \
                                            const contrastive_options&, std::span<T>, std::span<T>, std::span<T>);

LOSSBENCH_INSTANTIATE(float)
LOSSBENCH_INSTANTIATE(double)
LOSSBENCH_INSTANTIATE(bf16)
LOSSBENCH_INSTANTIATE(f16)

}  // namespace lossbench
