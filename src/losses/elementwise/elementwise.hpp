// elementwise.hpp — the shared shape of every element-wise loss (mse, mae, huber, bce,
// bce_logits, hinge, kl_div): two same-shape inputs x and y, a per-element loss ℓ(x, y) and its
// derivative ∂ℓ/∂x, reduced over all elements. A loss supplies only its *formula* F; this file
// supplies validation, binding, the scalar block kernel, the generator and the reference, so
// the math of each loss lives in exactly one place (F::eval), shared by kernel and reference.
//
// Formula contract (F):
//   name, summary, torch_name, inputs (2), parameters, fields, reductions, accuracy   as in spec_adapter.hpp
//       accuracy's value bound counts 2u of Σ|ℓ| for the reduction: f64's 1/N and its product;
//       f32 (and 16-bit) sums and scales in double, but the SIMD kernel first adds four losses
//       pairwise in float (simd/block_sum.hpp), two more roundings per term
//   template <class T> struct coeffs; template <class T> static coeffs<T> coefficients(const parameters&)
//       the scalar parameters (delta, margin, log_target, ...) in the compute type T
//   template <class V, class K> static loss_grad<V> eval(V x, V y, V w, const K& coeffs)
//       per-element loss and ∂loss/∂x, written once in lossbench::math operations so that V is
//       a scalar (scalar kernel, long-double reference) or an xsimd batch (SIMD kernel);
//       `w` is the broadcast weight (pos_weight), 1 when absent
//   static void sample(core::prng&, double& x, double& y)   one realistic element pair
//   optional: template <class V, class K> static auto bad_input(V x, const K&)  (bad_target: y)
//       true (a mask, for batches) where a value is outside the loss's domain, with
//       static constexpr std::string_view input_expected (target_expected) saying what is
//       expected. NaN must pass: it propagates to the value instead. The kernels test
//       values as they compute (no extra pass over the data); when one flags a bad value the
//       adapter calls report_invalid, which finds the first and throws an error naming it.
//   optional: static void check_params(const parameters&)
//       rejects parameter values the formula cannot take (huber's delta ≤ 0), naming the parameter
//   optional: template <class T> static loss_grad<T> error_scale(T x, T y, T w, const coeffs<T>&)
//       the magnitudes the loss's and gradient's rounding errors are relative to, where a formula
//       subtracts terms (kl_div's p·log p − p·x): the reference reports them as loss_magnitude /
//       grad_magnitude. Absent: |loss| and |grad| themselves.
//   optional: static constexpr std::string_view weight_param = "pos_weight" and
//             static constexpr auto weight = &parameters::pos_weight
//       a real_or_array parameter broadcast over the last dimension
#pragma once

#include "core/checks.hpp"
#include "core/driver.hpp"
#include "core/param_fields.hpp"
#include "core/prng.hpp"
#include "core/reference_math.hpp"
#include "core/storage.hpp"
#include "core/streaming.hpp"
#include "simd/math.hpp"

#include <cmath>
#include <cstdio>
#include <type_traits>
#include <vector>

namespace lossbench::losses {

template <class T>
struct loss_grad {
  T loss;
  T grad;
};

// The arrays hold storage type S (f32, f64, bf16, f16); the formula runs in T = compute_t<S>.
template <class S, class K>
struct elementwise_problem {
  using T = core::compute_t<S>;
  const S* x = nullptr;
  const S* y = nullptr;
  S* grad = nullptr;     // null: value only
  S* losses = nullptr;   // per-element losses (reduction none), may be null
  T grad_scale = 1;      // 1/N for mean, 1/B for batchmean, else 1
  const S* w = nullptr;  // broadcast weight over the last dimension, or null
  std::size_t w_len = 0;
  T w_scalar = 1;  // the weight when `w` is null
  K k;
  bool* invalid = nullptr;   // set by a kernel that meets a value outside the domain (adapter-owned)
  bool stream_grad = false;  // write the gradient with streaming stores (core/streaming.hpp)
};

template <class F>
struct elementwise {
  static constexpr auto name = F::name;
  static constexpr auto summary = F::summary;
  static constexpr auto torch_name = F::torch_name;
  static constexpr auto inputs = F::inputs;
  using parameters = typename F::parameters;
  static constexpr auto fields = F::fields;
  static constexpr auto reductions = F::reductions;
  static constexpr auto accuracy = F::accuracy;
  static constexpr auto flops_per_item = F::flops_per_item;
  static constexpr std::int64_t parallel_min_elements = F::parallel_min_elements;

  template <class S>
  using problem = elementwise_problem<S, typename F::template coeffs<core::compute_t<S>>>;
  // Arrays may be stored in bf16 or f16 (computed in f32; core/storage.hpp).
  static constexpr bool has_16bit_storage = true;

  static constexpr bool has_weight = requires { F::weight_param; };

  static void validate(const loss_spec& spec, const call& c, dtype dt, const parameters& prm) {
    core::expect_input_count(spec, c);
    core::expect_reduction(spec, c);
    core::expect_dtype(spec, c, 0, dt);
    core::expect_dtype(spec, c, 1, dt);
    core::expect_same_shape(spec, c, 0, 1);
    if constexpr (requires { F::check_params(prm); }) F::check_params(prm);
    if constexpr (has_weight) check_weight(c, dt, prm);
  }

  // A kernel saw a value outside the domain: find the first and say what was expected.
  static void report_invalid(const loss_spec& spec, const call& c, dtype, const parameters& prm) {
    const auto k = F::template coefficients<double>(prm);
    if constexpr (has_bad_input)
      check_values(spec, c, 0, F::input_expected, [&](double v) { return bool(F::bad_input(v, k)); });
    if constexpr (has_bad_target)
      check_values(spec, c, 1, F::target_expected, [&](double v) { return bool(F::bad_target(v, k)); });
  }

  // Whether x, y hold a value outside the domain (false when the formula has no domain checks).
  template <class V, class K>
  static auto bad_values(const V& x, const V& y, const K& k) {
    if constexpr (has_bad_input && has_bad_target)
      return F::bad_input(x, k) | F::bad_target(y, k);
    else if constexpr (has_bad_input)
      return F::bad_input(x, k);
    else if constexpr (has_bad_target)
      return F::bad_target(y, k);
    else
      return false;  // unused: callers test checks_values first
  }
  static constexpr bool has_bad_input = requires { F::input_expected; };
  static constexpr bool has_bad_target = requires { F::target_expected; };
  static constexpr bool checks_values = has_bad_input || has_bad_target;

  static lossbench::shape losses_shape(std::span<const tensor_ref> in) { return in[0].shape; }

  // mean: all elements; batchmean: the first dimension (torch's kl_div); sum/none: none.
  static void count_divisor(const call& c, const parameters&, std::vector<std::int64_t>& counts) {
    counts.clear();
    if (c.reduction == reduction::mean || c.reduction == reduction::batchmean)
      counts.push_back(static_cast<std::int64_t>(reduction_divisor(c)));
  }
  static constexpr std::size_t block_items(std::span<const tensor_ref>) { return 4096; }

  template <class S>
  static core::plan<problem<S>> bind(const call& c, const parameters& prm, double divisor) {
    using T = core::compute_t<S>;
    core::plan<problem<S>> p;
    const std::int64_t n = c.inputs[0].numel();
    auto& pr = p.problem;
    pr.x = c.inputs[0].as<S>();
    pr.y = c.inputs[1].as<S>();
    pr.grad = static_cast<S*>(c.out.grad[0]);
    pr.losses = core::losses_out<S>(c);
    pr.k = F::template coefficients<T>(prm);
    if constexpr (has_weight) bind_weight(prm, pr.w, pr.w_len, pr.w_scalar);
    pr.grad_scale = static_cast<T>(1.0 / divisor);
    pr.stream_grad = core::stream_gradient(pr.grad, sizeof(S), 3 * static_cast<std::size_t>(n) * sizeof(S));
    p.items = static_cast<std::size_t>(n);
    p.block = block_items(c.inputs);
    p.value_scale = 1.0 / divisor;
    return p;
  }

  // The block's losses in double: plainly for f32 (4096 terms err by ≤ 4096·u_d, nothing next to
  // f32's u), compensated for f64, where a plain chain of 4096 terms could add thousands of ulps
  // of Σ|ℓ| to the documented bound (measured: 15u for huber at n = 20003).
  template <class T>
  using block_accumulator = std::conditional_t<std::is_same_v<T, double>, core::ordered_sum, core::plain_sum>;

  // Value-only and value+gradient loops are separate so neither tests a pointer per element.
  // Elements are read in the compute type T and results written back as S (core/storage.hpp).
  template <class S>
  static double scalar_block(const problem<S>& p, std::size_t b, std::size_t e) {
    using T = core::compute_t<S>;
    block_accumulator<T> acc;
    bool bad = false;
    if (p.grad) {
      for (std::size_t i = b; i < e; ++i) {
        const T x = T(p.x[i]), y = T(p.y[i]);
        const auto r = F::eval(x, y, weight_at<T>(p, i), p.k);
        if (p.losses) p.losses[i] = S(r.loss);
        p.grad[i] = S(r.grad * p.grad_scale);
        acc.add(r.loss);
        if constexpr (checks_values) bad |= bool(bad_values(x, y, p.k));
      }
    } else {
      for (std::size_t i = b; i < e; ++i) {
        const T x = T(p.x[i]), y = T(p.y[i]);
        const auto r = F::eval(x, y, weight_at<T>(p, i), p.k);
        if (p.losses) p.losses[i] = S(r.loss);
        acc.add(r.loss);
        if constexpr (checks_values) bad |= bool(bad_values(x, y, p.k));
      }
    }
    if (bad) core::flag_invalid(p.invalid);
    return acc.value();
  }

  // The xsimd kernel, defined in elementwise_simd.hpp and instantiated per ISA.
  template <class Arch, class S>
  static double simd_block(const problem<S>& p, std::size_t b, std::size_t e);

  // Element-wise losses take any shape; the request's n is the element count (inner unused
  // except as a last dimension, so broadcast weights have something to broadcast over).
  static std::vector<array> generate(dtype dt, shape_request req, std::uint64_t seed, const parameters&) {
    const std::int64_t inner = req.inner > 0 ? req.inner : 0;
    const lossbench::shape s =
        (inner > 0 && req.n % inner == 0) ? lossbench::shape{req.n / inner, inner} : lossbench::shape{req.n};
    array x(dt, s), y(dt, s);
    core::prng rng(seed);
    for (std::int64_t i = 0; i < req.n; ++i) {
      double xv = 0, yv = 0;
      F::sample(rng, xv, yv);
      x.set(i, xv);
      y.set(i, yv);
    }
    std::vector<array> out;
    out.push_back(std::move(x));
    out.push_back(std::move(y));
    return out;
  }

  static reference_result reference(const call& c, const parameters& prm) {
    using R = core::real_ref;
    const auto x = core::to_reference(c.inputs[0]);
    const auto y = core::to_reference(c.inputs[1]);
    const auto k = F::template coefficients<R>(prm);
    std::vector<R> w;
    R w_scalar = 1;
    if constexpr (has_weight) {
      const real_or_array& weight = prm.*F::weight;
      if (weight.array)
        w = core::to_reference(*weight.array);
      else
        w_scalar = weight.number;
    }
    const R scale = 1.0L / static_cast<R>(reduction_divisor(c));
    constexpr bool has_error_scale = requires { F::error_scale(R(), R(), R(), k); };
    reference_result r;
    r.losses.resize(x.size());
    r.grads.assign(1, std::vector<R>(x.size()));
    if constexpr (has_error_scale) {
      r.loss_magnitude.resize(x.size());
      r.grad_magnitude.assign(1, std::vector<R>(x.size()));
    }
    core::reference_sum sum;
    for (std::size_t i = 0; i < x.size(); ++i) {
      const R wi = w.empty() ? w_scalar : w[i % w.size()];
      const auto lg = F::eval(x[i], y[i], wi, k);
      r.losses[i] = lg.loss;
      r.grads[0][i] = lg.grad * scale;
      if constexpr (has_error_scale) {
        const auto m = F::error_scale(x[i], y[i], wi, k);
        r.loss_magnitude[i] = m.loss;
        r.grad_magnitude[0][i] = m.grad * scale;
      }
      sum.add(lg.loss);
    }
    r.value = sum.value() * scale;
    r.value_scale = scale;
    return r;
  }

 private:
  template <class T, class P>
  static T weight_at(const P& p, std::size_t i) {
    if constexpr (has_weight)
      return p.w ? T(p.w[i % p.w_len]) : p.w_scalar;
    else
      return T(1);
  }

  // mean: all elements; batchmean: the first dimension (torch's kl_div); sum/none: 1.
  static double reduction_divisor(const call& c) {
    const auto& s = c.inputs[0].shape;
    if (c.reduction == reduction::mean) return static_cast<double>(s.numel());
    if (c.reduction == reduction::batchmean) return s.rank() == 0 ? 1.0 : static_cast<double>(s[0]);
    return 1.0;
  }

  template <class Bad>
  static void check_values(const loss_spec& spec, const call& c, std::size_t i, std::string_view expected, Bad bad) {
    const auto& t = c.inputs[i];
    for (std::int64_t k = 0; k < t.numel(); ++k) {
      const double v = t.get(k);
      if (!bad(v)) continue;
      char shown[32];  // %g, not std::to_string: a rejected 1e-9 must not print as 0.000000
      std::snprintf(shown, sizeof shown, "%.9g", v);
      throw error(core::input_name(spec, i),
                  "expected " + std::string(expected) + ", element " + std::to_string(k) + " is " + shown);
    }
  }

  static void check_weight(const call& c, dtype dt, const parameters& prm) {
    const auto& w = (prm.*F::weight).array;
    if (!w) return;
    const std::string name(F::weight_param);
    if (w->type != dt)
      throw error(name, "array dtype " + std::string(to_string(w->type)) + " differs from the loss dtype " +
                            std::string(to_string(dt)));
    const auto& s = c.inputs[0].shape;
    const std::int64_t last = s.rank() ? s[s.rank() - 1] : 1;
    if (w->numel() != last)
      throw error(name, "has " + std::to_string(w->numel()) + " elements; it broadcasts over the last dimension of " +
                            std::string(F::inputs[0].name) + " (" + s.str() + "), so it needs " + std::to_string(last));
  }

  template <class S, class T>
  static void bind_weight(const parameters& prm, const S*& w, std::size_t& len, T& scalar) {
    const real_or_array& weight = prm.*F::weight;
    if (weight.array) {
      w = weight.array->template as<S>();
      len = static_cast<std::size_t>(weight.array->numel());
    } else {
      scalar = static_cast<T>(weight.number);
    }
  }
};

}  // namespace lossbench::losses
