// spec_adapter.hpp — turns a loss written as a plain struct of static members into a registry
// `loss_spec`. This is the one place where variants meet losses: a loss provides its math and
// block kernels; the adapter picks the kernel for a variant and hands it to a driver. Adding a
// variant changes this file and the drivers, never a loss.
//
// A loss struct `L` provides:
//   name, summary, torch_name                         constexpr std::string_view
//   inputs, reductions                                constexpr std::array<...>
//   parameters                                        its struct in lossbench/loss_params.hpp
//   fields                                            constexpr std::tuple of core::param_field, one
//                                                     per member of `parameters` (core/param_fields.hpp)
//   validate(spec, call, dtype, parameters)           throws lossbench::error naming the argument
//   losses_shape(inputs)                              shape of per-sample losses for `none`
//   template <class T> problem                        the typed, bound call
//   count_divisor(call, parameters, counts)           the reduction's divisor as integer counts
//                                                     (loss_spec::divisor_counts), into a vector
//   optionally divisor(call, parameters, counts)      the divisor from (summed) counts; default:
//                                                     the one count, or 1 when there is none
//   block_items(inputs)                               work items per block (fixed by inner sizes)
//   template <class T> bind(call, parameters, divisor) -> plan<problem<T>>
//                                                     after validate; the scales from `divisor`, blocks
//   template <class T> scalar_block(problem, b, e)    the scalar block kernel
//   generate(dtype, shape_request, seed, parameters)  realistic inputs, portable PRNG
//   reference(call, parameters)                       long-double reference
//   accuracy                                          constexpr accuracy_bound, derived in a comment
//   flops_per_item                                    constexpr std::array<double, 2>: nominal FLOPs per
//                                                     item, value and value+gradient (loss_spec::flops)
//     or flops(inputs, with_grad)                     where the count depends on more than items
//   optionally items(inputs)                          elements of the prediction tensor
//   optionally gradient_is_of_inputs                  constexpr bool (ctc: false)
//   optionally losses_axis                            constexpr int: where the per-sample losses'
//                                                     dimensions start in the first input's (ctc: 1)
//   optionally parallel_min_elements                 constexpr int64: below it (elements of the
//                                                     prediction tensor) omp runs serially; measured
//   optionally problem::invalid (bool*) + report_invalid(spec, call, dtype, parameters)
//                                                     kernels check input values as they compute
//                                                     (core::flag_invalid); report_invalid throws
//                                                     the error naming the first bad value
//   optionally has_16bit_storage                     constexpr bool: problem, bind and the kernels
//                                                     also take storage bf16/f16 (core/storage.hpp)
//   optionally template <class Arch, class T> simd_block(problem, b, e)
//                                                     the xsimd block kernel, declared here and
//                                                     defined in <loss>_simd.hpp, instantiated per
//                                                     ISA by isa/instantiate.hpp
#pragma once

#include "core/driver.hpp"
#include "core/param_fields.hpp"
#include "core/storage.hpp"
#include "simd/arch.hpp"

#include <lossbench/isa.hpp>
#include <lossbench/loss_spec.hpp>

#include <stdexcept>
#include <vector>

namespace lossbench::core {

template <class L>
class spec_of final : public loss_spec {
 public:
  std::string_view name() const override { return L::name; }
  std::string_view summary() const override { return L::summary; }
  std::string_view torch_name() const override { return L::torch_name; }
  std::span<const input_desc> inputs() const override { return L::inputs; }
  std::span<const param_desc> params() const override { return param_table; }
  std::span<const lossbench::reduction> reductions() const override { return L::reductions; }
  std::span<const dtype> dtypes() const override {
    static constexpr dtype all[] = {dtype::f32, dtype::f64, dtype::bf16, dtype::f16};
    if constexpr (has_16bit)
      return all;
    else
      return loss_spec::dtypes();
  }
  accuracy_bound accuracy() const override { return L::accuracy; }
  bool has_simd() const override { return simd::has_simd_kernels<L>; }
  std::int64_t parallel_min_elements() const override {
    if constexpr (requires { L::parallel_min_elements; })
      return L::parallel_min_elements;
    else
      return loss_spec::parallel_min_elements();
  }
  int losses_axis() const override {
    if constexpr (requires { L::losses_axis; })
      return L::losses_axis;
    else
      return loss_spec::losses_axis();
  }
  bool gradient_is_of_inputs() const override {
    if constexpr (requires { L::gradient_is_of_inputs; })
      return L::gradient_is_of_inputs;
    else
      return true;
  }

  void validate(const call& c, dtype dt) const override {
    expect_loss_dtype(dt);
    L::validate(*this, c, dt, parameters_of(c));
  }
  lossbench::shape losses_shape(std::span<const tensor_ref> in) const override { return L::losses_shape(in); }
  std::int64_t items(std::span<const tensor_ref> in) const override {
    if constexpr (requires { L::items(in); })
      return L::items(in);
    else
      return loss_spec::items(in);
  }
  double flops(std::span<const tensor_ref> in, bool with_grad) const override {
    if constexpr (requires { L::flops(in, with_grad); })
      return L::flops(in, with_grad);
    else
      return static_cast<double>(items(in)) * L::flops_per_item[with_grad ? 1 : 0];
  }
  std::vector<array> generate(dtype dt, shape_request req, std::uint64_t seed, const param_set& p) const override {
    expect_loss_dtype(dt);
    if (req.n < 0 || req.inner < 0) throw error("n", "sizes must be non-negative");
    return L::generate(dt, req, seed, core::decode<parameters>(L::fields, &p));
  }
  reference_result reference(const call& c) const override { return L::reference(c, parameters_of(c)); }

  double run_validated(const variant& v, dtype dt, const call& c, int threads) const override {
    expect_concrete(v);
    return by_storage(dt, [&]<class S>() { return run_as<S>(v, dt, c, threads); });
  }

  std::int64_t block_items(std::span<const tensor_ref> in) const override {
    return static_cast<std::int64_t>(L::block_items(in));
  }
  void divisor_counts(const call& c, std::vector<std::int64_t>& counts) const override {
    L::count_divisor(c, parameters_of(c), counts);
  }
  double run_shard(const variant& v, dtype dt, const call& c, int threads, std::span<const std::int64_t> batch_counts,
                   std::vector<double>& partials) const override {
    expect_concrete(v);
    return by_storage(dt, [&]<class S>() {
      return run_bound<S>(c, dt, parameters_of(c), batch_counts, [&](const auto& p) {
        partials.resize(block_count(p));
        block_partials_into(kernel_for<S>(v), p, v.drv == driver::omp ? threads : 1, partials.data());
      });
    });
  }
  std::uint64_t params_digest(const call& c) const override { return core::digest(L::fields, parameters_of(c)); }

 private:
  static constexpr bool has_16bit = requires { requires L::has_16bit_storage; };

  // The dtypes a loss computes in: f32 and f64, and bf16/f16 where its kernels take 16-bit storage.
  static void expect_loss_dtype(dtype dt) {
    if (dt == dtype::f32 || dt == dtype::f64 || (has_16bit && is_16bit(dt))) return;
    throw error("--dtype", std::string(L::name) + " computes in f32 or f64" +
                               (is_16bit(dt) ? " (it has no bf16/f16 kernels)" : "") + ", not " +
                               std::string(to_string(dt)));
  }
  using parameters = typename L::parameters;
  static constexpr auto param_table = core::describe(L::fields);

  // The call's parameters: the struct it carries, or its param_set decoded (once per stage).
  static parameters parameters_of(const call& c) {
    if (c.typed.empty()) return core::decode<parameters>(L::fields, c.params);
    if (const parameters* p = c.typed.template get<parameters>()) return *p;
    throw std::logic_error("call.typed holds another struct than the parameters of " + std::string(L::name));
  }

  static void expect_concrete(const variant& v) {
    if (v.impl == implementation::automatic)
      throw std::logic_error("loss_spec::run: `auto` is resolved by the registry (entry::run), not by a loss");
  }

  // f(): templated on the arrays' storage type S for the dtype.
  template <class F>
  static double by_storage(dtype dt, F f) {
    switch (dt) {
      case dtype::f64:
        return f.template operator()<double>();
      case dtype::bf16:
        if constexpr (has_16bit) return f.template operator()<bf16>();
        break;
      case dtype::f16:
        if constexpr (has_16bit) return f.template operator()<f16>();
        break;
      default:
        break;
    }
    return f.template operator()<float>();
  }

  static double divisor_of(const call& c, const parameters& prm, std::span<const std::int64_t> counts) {
    if constexpr (requires { L::divisor(c, prm, counts); })
      return L::divisor(c, prm, counts);
    else
      return counts.empty() ? 1.0 : static_cast<double>(counts[0]);
  }

  // Binds the call to a batch whose divisor counts are `counts`, hands the plan to `compute`,
  // reports the values a kernel flagged, and returns the plan's value scale.
  template <class S, class Compute>
  double run_bound(const call& c, dtype dt, const parameters& prm, std::span<const std::int64_t> counts,
                   Compute compute) const {
    auto p = L::template bind<S>(c, prm, divisor_of(c, prm, counts));
    bool invalid = false;  // raised by kernels that check input values as they compute
    if constexpr (requires { p.problem.invalid; }) p.problem.invalid = &invalid;
    compute(p);
    if constexpr (requires { L::report_invalid(*this, c, dt, prm); }) {
      if (invalid) {
        L::report_invalid(*this, c, dt, prm);  // throws, naming the input and the element
        throw error("inputs", "a kernel met a value outside the domain of " + std::string(L::name));
      }
    }
    return p.value_scale;
  }

  // S: the arrays' storage type; the value is rounded to the type it is computed in.
  template <class S>
  double run_as(const variant& v, dtype dt, const call& c, int threads) const {
    const parameters prm = parameters_of(c);
    thread_local std::vector<std::int64_t> counts;  // reused: no allocation once grown
    L::count_divisor(c, prm, counts);
    double total = 0;
    const double scale = run_bound<S>(c, dt, prm, counts,
                                      [&](const auto& p) { total = run_driver(v.drv, kernel_for<S>(v), p, threads); });
    return static_cast<core::compute_t<S>>(total * scale);
  }

  template <class T>
  static block_fn<typename L::template problem<T>> kernel_for(const variant& v) {
    if (v.impl == implementation::scalar) return &L::template scalar_block<T>;
    if constexpr (simd::has_simd_kernels<L>) {
      // `simd` without an ISA is the best one usable; registered entries name only usable ISAs.
      const isa i = v.isa == isa::none ? best_isa(dtype_of<T>()) : v.isa;
      if (i != isa::none && cpu_supports(i)) return simd::block_kernel<L, T>(i);
    }
    throw error("--variant", "variant " + v.name() + " is not built into this library");
  }
};

}  // namespace lossbench::core
