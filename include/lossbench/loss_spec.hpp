// lossbench/loss_spec.hpp — what a loss *is*, independent of how it is computed: its inputs,
// parameters (torch's defaults), validation, a seeded data generator and a high-precision
// reference. Kernels (scalar, SIMD, ...) live behind `run`; the registry pairs a spec with a
// variant and a dtype.
#pragma once

#include <lossbench/isa_list.hpp>
#include <lossbench/loss_params.hpp>
#include <lossbench/types.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lossbench {

// ---- inputs --------------------------------------------------------------------------------
enum class input_kind : std::uint8_t {
  real,           // f32/f64, same dtype as the loss
  index,          // i32/i64 (class indices, lengths)
  real_or_index,  // cross_entropy's target: class indices or probabilities
};

struct input_desc {
  std::string_view name;
  input_kind kind;
  bool differentiable;  // the loss returns a gradient for it
  std::string_view doc;
};

// ---- parameters ------------------------------------------------------------------------------
enum class param_kind : std::uint8_t { real, integer, boolean, real_or_tensor, tensor };

struct param_desc {
  std::string_view name;
  param_kind kind;
  double default_value;  // unused for `tensor` (absent by default)
  std::string_view doc;
};

// Parameter values by name. Numbers are stored as double; array-valued options (cross_entropy's
// weight[C], bce_logits' pos_weight[C]) as arrays.
class param_set {
 public:
  param_set& set(std::string_view name, double value);
  param_set& set(std::string_view name, array value);
  bool has(std::string_view name) const;
  double number(std::string_view name) const;        // throws if absent or array-valued
  const array* tensor(std::string_view name) const;  // nullptr if absent or a number
  std::vector<std::string> names() const;

 private:
  struct slot {
    std::string name;
    double number = 0;
    std::optional<array> tensor;
  };
  const slot* find(std::string_view name) const;
  std::vector<slot> slots_;
};

// ---- a call ----------------------------------------------------------------------------------
// Caller-owned output buffers. A null gradient pointer means "not wanted"; all null = value only.
// `losses` receives the per-sample losses with reduction `none` (shape: spec.losses_shape()).
struct outputs {
  void* losses = nullptr;
  std::array<void*, 3> grad{};  // one per differentiable input, in input order
  bool wants_grad() const noexcept { return grad[0] || grad[1] || grad[2]; }
};

struct call {
  std::span<const tensor_ref> inputs;
  const param_set* params = nullptr;  // by name, resolved by the spec (absent: torch's defaults)
  lossbench::reduction reduction = lossbench::reduction::mean;
  lossbench::outputs out;
  int threads = 0;  // omp variant: 0 = the process default (lossbench::num_threads())
  // The loss's parameter struct (lossbench/loss_params.hpp), used as given; `params` is then unread.
  params_ref typed{};
};

// The reference's answer, in long double, for tests and accuracy columns only.
struct reference_result {
  long double value = 0;                        // the reduced loss (sum of `losses` with `none`)
  std::vector<long double> losses;              // per-sample losses
  std::vector<std::vector<long double>> grads;  // one per differentiable input, of the reduced value
  // The scale each error is measured against, where it is not the result itself: a per-sample
  // loss computed as a difference of large terms (cross_entropy's lse − z_t) carries an error
  // relative to those terms. Empty = |losses[i]| and |grads[k][i]|.
  std::vector<long double> loss_magnitude;
  std::vector<std::vector<long double>> grad_magnitude;
  long double value_scale = 1;  // the reduction's factor (1/N for mean)
};

// A kernel's documented error bound, in units of the dtype's unit roundoff u (2^-24 for f32,
// 2^-53 for f64): |ℓ_i − ref_i| ≤ value_ulps·u·magnitude_i for each per-sample loss (so the
// reduced value is within value_ulps·u·Σ magnitude_i·scale, plus the final rounding), and
// |g_i − ref_i| ≤ grad_ulps·u·magnitude_i for each gradient element. `reason` says where the
// numbers come from; tests assert them for every variant.
struct accuracy_bound {
  double value_ulps;
  double grad_ulps;
  std::string_view reason;
};

// What the generator should make: `n` samples (elements for element-wise losses, rows for
// row-wise ones, sequences for ctc) with an inner size (classes C / features D; 0 = the loss's
// default).
struct shape_request {
  std::int64_t n = 0;
  std::int64_t inner = 0;
};

// How a variant computes: which block kernel, on which ISA, under which driver.
// `scalar` = plain C++ kernel, serial driver; `simd:<isa>` = xsimd kernel for that ISA;
// `omp` = the SIMD kernel under the OpenMP driver; `auto` = one of these chosen per call from the
// tuning profile or heuristics (lossbench/tuning.hpp). The name is the same string everywhere
// (registry, CLI, benchmark names, reports).
enum class implementation : std::uint8_t { scalar, simd, automatic };
#define LOSSBENCH_ISA_ENUMERATOR(name, ...) name,
enum class isa : std::uint8_t { none, LOSSBENCH_ISA_LIST(LOSSBENCH_ISA_ENUMERATOR) };  // lossbench/isa_list.hpp
#undef LOSSBENCH_ISA_ENUMERATOR
enum class driver : std::uint8_t { serial, omp };

struct variant {
  implementation impl = implementation::scalar;
  lossbench::isa isa = lossbench::isa::none;
  lossbench::driver drv = driver::serial;
  std::string name() const;
};

class loss_spec {
 public:
  virtual ~loss_spec() = default;

  virtual std::string_view name() const = 0;
  virtual std::string_view summary() const = 0;     // the formula in one line
  virtual std::string_view torch_name() const = 0;  // "" where torch has none
  virtual std::span<const input_desc> inputs() const = 0;
  virtual std::span<const param_desc> params() const = 0;
  virtual std::span<const lossbench::reduction> reductions() const = 0;
  // The dtypes it computes for: f32 and f64, and bf16/f16 (stored in 16 bits, computed in f32)
  // where its kernels take 16-bit storage.
  virtual std::span<const dtype> dtypes() const;
  virtual accuracy_bound accuracy() const = 0;
  // False where the gradient is not ∂value/∂input (ctc's is w.r.t. the logits under
  // log_softmax, as torch and warp-ctc return it), so generic finite-difference checks skip it.
  virtual bool gradient_is_of_inputs() const { return true; }
  // The dimension of the first input where the per-sample losses' dimensions start: a gradient
  // times per-sample weights broadcasts them there (0; ctc's losses [B] sit at 1 of its [T, B, C]).
  virtual int losses_axis() const { return 0; }
  // Whether this build has SIMD block kernels for the loss (the `simd` and `omp` variants).
  virtual bool has_simd() const { return false; }
  // Below this many elements (items()) the omp variant runs serially on the calling thread: the
  // break-even of an OpenMP fork/join (~3 µs here) against the loss's serial SIMD speed, measured
  // in f32 (docs/performance.md lists each loss's). f64 is slower per element, so it breaks even
  // earlier: running serially a little past its break-even costs less than a parallel region too early.
  virtual std::int64_t parallel_min_elements() const { return 65536; }

  // Fill defaults in, reject unknown names and wrong kinds (error names the parameter).
  param_set resolve(const param_set& given) const;
  // Check shapes, dtypes and values of a call (error names the argument). `dt` = the loss dtype.
  virtual void validate(const call& c, dtype dt) const = 0;
  // Shape of the per-sample losses for `none`.
  virtual lossbench::shape losses_shape(std::span<const tensor_ref> inputs) const = 0;
  // Number of elements of the prediction tensor: the "items" of throughput figures.
  virtual std::int64_t items(std::span<const tensor_ref> inputs) const;
  // Items of one sample (a row of `inner` classes or features, 0: the loss's default; 1 for an
  // element-wise loss), from a generated sample: sizes in items become sample counts with it.
  std::int64_t items_per_sample(dtype dt = dtype::f64, std::int64_t inner = 0) const;
  // Bytes a kernel must move at least (reads of every input, gradient writes): the roofline's input.
  std::int64_t compulsory_bytes(std::span<const tensor_ref> inputs, bool with_grad) const;
  // Nominal floating-point operations of one call, the roofline's other input. Convention:
  // + − × ÷ √, min/max/abs/compare count 1; exp, log, log1p count 10 (roughly the range reduction
  // and polynomial of their vector implementations). A model, not a hardware counter.
  virtual double flops(std::span<const tensor_ref> inputs, bool with_grad) const = 0;

  // Realistic inputs from the project's own PRNG (portable across compilers and libcs).
  virtual std::vector<array> generate(dtype dt, shape_request req, std::uint64_t seed,
                                      const param_set& params) const = 0;
  // The same formulas in long double, from the validated call. Slow; tests and accuracy only.
  virtual reference_result reference(const call& c) const = 0;
  // Compute with the given kernel implementation and driver: a concrete variant (`auto` is the
  // registry's to resolve, entry::run; std::logic_error here). Returns the reduced value rounded
  // to the loss dtype (sum of per-sample losses for `none`). run validates first and runs the
  // omp driver on c.threads (0: the process default), serially below the loss's break-even;
  // run_validated takes a call that has passed validate(c, dt) and the threads to run on.
  double run(const variant& v, dtype dt, const call& c) const;
  virtual double run_validated(const variant& v, dtype dt, const call& c, int threads) const = 0;

  // ---- one shard of a batch split between processes (lossbench/mpi.hpp) ----
  // The per-sample losses (elements, rows or sequences: losses_shape's elements) of one block,
  // the unit whose partial sums the drivers combine in order. It depends on the shape's inner
  // dimensions alone, never on the batch size or the thread count.
  virtual std::int64_t block_items(std::span<const tensor_ref> inputs) const = 0;
  // The reduction's divisor as integer counts that add up over the shards of a batch (empty for
  // sum/none; the element or row count; cross_entropy with weights: its rows per class). Integers,
  // so the batch's divisor is the same whatever the split.
  virtual void divisor_counts(const call& c, std::vector<std::int64_t>& counts) const = 0;
  // Runs a validated shard as if it were part of the batch whose summed divisor_counts are
  // `batch_counts`: the gradients are the batch loss's, and the block partials go to `partials`
  // (resized; unscaled, in block order). Returns the factor that turns their ordered sum into the
  // reduced value (1/divisor for a mean). With the shard's own counts, Σ partials × factor rounded
  // to the dtype is run_validated's result, bit for bit.
  virtual double run_shard(const variant& v, dtype dt, const call& c, int threads,
                           std::span<const std::int64_t> batch_counts, std::vector<double>& partials) const = 0;
  // A hash of the call's parameter values (arrays by content): shards of one batch agree on it.
  virtual std::uint64_t params_digest(const call& c) const = 0;

  std::size_t differentiable_count() const;
  std::size_t input_index(std::string_view name) const;
};

}  // namespace lossbench
