// ctc.hpp — connectionist temporal classification, torch.nn.functional.ctc_loss (1.13).
//
// Inputs: log_probs [T, B, C] (a log_softmax output), targets (padded [B, S] or the B target
// sequences concatenated, 1-D — the rank decides), input_lengths [B], target_lengths [B].
// For sequence b with input length L and target l (length S), the extended label sequence is
// l' = (blank, l_1, blank, l_2, …, l_S, blank) of 2S+1 states, and
//   ℓ_b = −log p(l | x) = −log Σ_{alignments π of l'} Π_{t<L} exp(lp[t, b, π_t])
// computed by the forward (α) / backward (β) recursions in log space. The gradient is the one
// torch's ctc backward and warp-ctc return — w.r.t. the logits under log_softmax:
//   grad[t,b,c] = (exp(lp[t,b,c]) − exp(log Σ_{s: l'_s=c} α_t(s)β_t(s) − lp[t,b,c] + ℓ_b))·scale_b
// for t < L, and 0 for t ≥ L. scale_b = 1/(B·max(S,1)) for mean, 1 for sum and none.
// Reductions: mean (each ℓ_b ÷ max(S,1), then the batch mean), sum, none ([B]).
//
// Edge cases: an empty target gives ℓ = −Σ_t lp[t, blank]; an input of length 0 with an empty
// target gives 0 (torch 1.13 reads uninitialised memory there); an impossible alignment
// (S + adjacent repeats > L) gives ℓ = +inf and a zero gradient (torch 1.13 returns NaN there);
// zero_infinity zeroes both the loss and the gradient of infinite samples.
// Deliberately stricter than torch 1.13's CPU kernel, which returns garbage or inf instead of
// an error: negative lengths, target_length > input_length, labels outside [0, C) or equal to
// blank are errors naming the argument.
//
// Precision: the kernel runs the recursion in the compute type T with each time step normalised
// by its largest state (the normalisers in compensated double sums), so every α̂, β̂ stays O(log S) and the
// per-step rounding error is O(u·(1 + log(2S+1) + max_c|lp[t]|)) absolute, not O(u·|α_t|); the
// error still grows linearly with the input length (see `accuracy`). Per-sequence losses are
// summed in double by the driver.
// log_probs (and its gradient, the per-sequence losses) may be stored in bf16 or f16: the f32
// kernels run on the exactly widened log-probabilities, each gradient element is rounded once
// from its f32 value and each loss once from its double value as it is stored.
#pragma once

#include "core/driver.hpp"
#include "core/param_fields.hpp"
#include "core/storage.hpp"

#include <lossbench/loss_spec.hpp>

#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace lossbench::losses {

// One bound call. Sequence b's labels are targets[target_offset[b] ..][0 .. target_lengths[b]).
// The arrays hold storage type S (f32, f64, bf16, f16); kernels compute in compute_t<S>.
template <class S>
struct ctc_problem {
  const S* log_probs = nullptr;  // [T, B, C]
  S* grad = nullptr;             // [T, B, C] or null
  S* losses = nullptr;           // [B] for reduction none, else null
  tensor_ref targets, input_lengths, target_lengths;
  const std::int64_t* target_offset = nullptr;  // [B], a thread_local buffer of bind's
  std::int64_t max_time = 0, batch = 0, classes = 0, blank = 0;
  // The batch's longest input and target: each thread sizes its workspace for them on its first
  // sequence, so which thread gets which sequence (omp's dynamic schedule) changes no allocation.
  std::int64_t longest_input = 0, longest_target = 0;
  bool mean = false;            // divide each loss by max(target_length, 1) (and the sum by B)
  std::int64_t mean_batch = 0;  // B of the mean: the batch's, of which these sequences may be a shard
  bool zero_infinity = false;
};

struct ctc {
  static constexpr std::string_view name = "ctc";
  static constexpr std::string_view summary = "−log p(target | input), forward–backward in log space";
  static constexpr std::string_view torch_name = "ctc_loss";
  static constexpr std::array inputs = {
      input_desc{"log_probs", input_kind::real, true, "[T, B, C] log-probabilities (log_softmax output)"},
      input_desc{"targets", input_kind::index, false, "padded [B, S] or concatenated [sum(target_lengths)]"},
      input_desc{"input_lengths", input_kind::index, false, "[B] in [0, T]"},
      input_desc{"target_lengths", input_kind::index, false, "[B] in [0, input_lengths[b]]"},
  };
  using parameters = ctc_params;
  static constexpr std::tuple fields = {
      core::param_field{"blank", &ctc_params::blank, "index of the blank label, in [0, C)"},
      core::param_field{"zero_infinity", &ctc_params::zero_infinity, "zero infinite losses and their gradients"},
  };
  static constexpr std::array reductions = {reduction::mean, reduction::sum, reduction::none};
  // The gradient is w.r.t. the logits under log_softmax, not ∂value/∂log_probs.
  static constexpr bool gradient_is_of_inputs = false;
  // The per-sample losses [B] sit in dimension 1 of log_probs [T, B, C].
  static constexpr int losses_axis = 1;

  // Error model (u = unit roundoff of T). One time step of the normalised forward recursion does
  // two log-add-exps (each ≤ 1.5u absolute + u·|result|, results O(log 3(2S+1)) for the states
  // that carry the probability), adds lp (u·|α|) and subtracts the normaliser (u·|α̂|): at most
  // 4u·m_t with m_t = 2 + log(2S+1) + max_c|lp[t,b,c]|. Errors of earlier steps pass through each
  // log-add-exp as a weighted average (weights sum to 1), so they add up over time:
  //   |ℓ_b − ref| ≤ 4u·Σ_{t<L} m_t + 2.5u·|ℓ_b|   (the compensated normaliser sum A rounded once
  //   to double, the final addition, the rounding of ℓ to T)
  // → loss_magnitude_b = M_b + |ℓ_b|, M_b = Σ_{t<L} m_t, value_ulps = 4. The error grows linearly
  // with the input length L (through M_b). (Without normalising, as torch does, each step rounds
  // by u·|α_t| ~ u·t·log C and the bound grows as L²; measured on generated f32 batches, T = 150,
  // the loss is 9× and the gradient 9× closer to the exact values than torch's f32 kernel.)
  // The gradient's exponent sums α̂_t + β̂_t (≤ 4u·(M_b + m_t)), a few roundings of O(m_t)
  // terms (≤ 5u·m_t) and the per-step offset ΣA + ΣB + ℓ in double (≤ 3u·M_b for T = double),
  // so occupation γ carries a relative error ≤ u·(7M_b + 9m_t + 1) ≤ 4u·(4M_b + 1)−3u, and
  // exp(lp), the subtraction and the scale add ≤ 3u·(p + γ):
  // → grad_magnitude = scale_b·(p + γ)·(4M_b + 1), grad_ulps = 4.
  // The SIMD kernel (ctc_simd.hpp) fits the same bound: its one three-way log-sum-exp per state
  // (2 xsimd exps ≤ 1.5 ulp on arguments ≤ 0, log1p ≤ 0.75 ulp) rounds by ≤ 3.5u + u·|result|,
  // less than the scalar's two log-add-exps; its occupations add ≤ n_c ≤ S + 1 positive terms
  // in T (relative ≤ (1.5 + S + 1)·u) where the scalar nests n_c log-add-exps, and S ≤ L ≤ M_b/2
  // keeps that inside u·7M_b.
  static constexpr accuracy_bound accuracy = {
      4, 4, "per time step ≤ 4u·(2 + log(2S+1) + max|lp|), summed over the input length"};

  template <class S>
  using problem = ctc_problem<S>;
  // log_probs, its gradient and the losses may be stored in bf16 or f16 (the header comment): the
  // bound above in f32, plus the one rounding of each stored result.
  static constexpr bool has_16bit_storage = true;

  static void validate(const loss_spec& spec, const call& c, dtype dt, const parameters& prm);
  static lossbench::shape losses_shape(std::span<const tensor_ref> in);
  static std::int64_t items(std::span<const tensor_ref> in);  // T·B·C
  // Per time step and extended label state: a three-way log-sum-exp (3 exp, log, max, adds ≈ 48)
  // forward; with the gradient also backward and the occupation's exp into its class (≈ 62 more),
  // plus exp(lp) − γ per item (12). Counted for the padded target length S (loss_spec::flops).
  static double flops(std::span<const tensor_ref> in, bool with_grad);
  static constexpr std::int64_t parallel_min_elements = 12000;  // omp's break-even: docs/performance.md
  template <class S>
  static core::plan<problem<S>> bind(const call& c, const parameters& prm, double divisor);
  // mean: the sequences (B); sum/none: none. A block is one sequence.
  static void count_divisor(const call& c, const parameters& prm, std::vector<std::int64_t>& counts);
  static constexpr std::size_t block_items(std::span<const tensor_ref>) { return 1; }
  // Block = sequences [begin, end); returns Σ ℓ_b (÷ max(S_b, 1) for mean).
  template <class S>
  static double scalar_block(const problem<S>& p, std::size_t begin, std::size_t end);
  // The same, states of a time step in SIMD lanes (ctc_simd.hpp, instantiated per ISA).
  template <class Arch, class S>
  static double simd_block(const problem<S>& p, std::size_t begin, std::size_t end);

  static std::vector<array> generate(dtype dt, shape_request req, std::uint64_t seed, const parameters& prm);
  static reference_result reference(const call& c, const parameters& prm);
};

const loss_spec& ctc_spec();

}  // namespace lossbench::losses
