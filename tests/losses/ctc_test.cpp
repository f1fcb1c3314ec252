// ctc_test.cpp — ctc against torch 1.13 (constants), its edge cases, the gradient w.r.t. the
// logits by finite differences, and every bad-input error.
//
// Torch constants come from /usr/bin/python3 (torch 1.13, float64) with
//   z = logits(T, B, C)  (the formula of `logits` below), lp = z.log_softmax(2)
//   F.ctc_loss(lp, torch.tensor(targets), torch.tensor(input_lengths), torch.tensor(target_lengths),
//              blank=…, reduction=…, zero_infinity=…), gradients from (loss.sum()).backward()
// w.r.t. lp — which, as in warp-ctc, is already the gradient w.r.t. the logits z.
#include "support/harness.hpp"

#include <lossbench/losses.hpp>

#include <sys/mman.h>

#include <cmath>
#include <limits>

namespace lossbench::testing {
namespace {

// Every test runs for every f64 variant (scalar, simd, simd:<isa>): the edge cases are the
// kernels' business, and each kernel must get them right.
const entry* current = nullptr;
const entry& ctc64() { return *current; }

class Ctc : public ::testing::TestWithParam<const entry*> {
 protected:
  void SetUp() override { current = GetParam(); }
};
INSTANTIATE_TEST_SUITE_P(Variants, Ctc, ::testing::ValuesIn(find_entries("ctc", "all", dtype::f64)), entry_test_name);

// z[t,b,c] = 3·sin(1 + 0.7t + 1.9b + 1.1c + 0.3tc), log_softmax over c, in double.
array log_probs(std::int64_t T, std::int64_t B, std::int64_t C, std::int64_t perturbed = -1, double h = 0) {
  array lp(dtype::f64, {T, B, C});
  for (std::int64_t row = 0; row < T * B; ++row) {
    const std::int64_t t = row / B, b = row % B;
    std::vector<double> z(static_cast<std::size_t>(C));
    double top = -INFINITY;
    for (std::int64_t c = 0; c < C; ++c) {
      z[c] = 3 * std::sin(1 + 0.7 * t + 1.9 * b + 1.1 * c + 0.3 * t * c) + (row * C + c == perturbed ? h : 0);
      top = std::max(top, z[c]);
    }
    double sum = 0;
    for (double v : z) sum += std::exp(v - top);
    for (std::int64_t c = 0; c < C; ++c) lp.set(row * C + c, z[c] - top - std::log(sum));
  }
  return lp;
}

array ints(std::vector<std::int64_t> v, shape s, dtype t = dtype::i64) {
  array a(t, s);
  for (std::size_t i = 0; i < v.size(); ++i) a.set(static_cast<std::int64_t>(i), static_cast<double>(v[i]));
  return a;
}
array ints(std::vector<std::int64_t> v) {
  const auto n = static_cast<std::int64_t>(v.size());
  return ints(std::move(v), {n});
}

struct problem_def {
  std::int64_t T, B, C;
  std::vector<std::int64_t> targets;
  shape target_shape;
  std::vector<std::int64_t> input_lengths, target_lengths;
  double blank = 0, zero_infinity = 0;

  owned_call make(reduction r, std::int64_t perturbed = -1, double h = 0) const {
    std::vector<array> in;
    in.push_back(log_probs(T, B, C, perturbed, h));
    in.push_back(ints(targets, target_shape));
    in.push_back(ints(input_lengths));
    in.push_back(ints(target_lengths));
    param_set params;
    params.set("blank", blank).set("zero_infinity", zero_infinity);
    return owned_call(*ctc64().loss, std::move(in), params, r);
  }
};

// Case A: a repeat, a plain target and an empty one; T = 6, B = 3, C = 5.
problem_def case_a() { return {6, 3, 5, {1, 2, 2, 4, 1, 0, 0, 0, 0}, {3, 3}, {6, 5, 4}, {3, 2, 0}, 0, 0}; }
problem_def case_a_concatenated() { return {6, 3, 5, {1, 2, 2, 4, 1}, {5}, {6, 5, 4}, {3, 2, 0}, 0, 0}; }

// Like harness::evaluate, but the gradient starts as NaN so every element must be written.
evaluation run(const owned_call& oc) {
  evaluation ev;
  outputs out;
  ev.losses = array(dtype::f64, {oc.inputs[0].shape()[1]});
  if (oc.red == reduction::none) out.losses = ev.losses.raw();
  ev.grads.emplace_back(dtype::f64, oc.inputs[0].shape());
  for (double& g : ev.grads[0].span<double>()) g = std::nan("");
  out.grad[0] = ev.grads[0].raw();
  ev.value = ctc64().run(oc.view(out));
  return ev;
}

// Both sides are within 4u·(Σ_t m_t + |ℓ|) ≈ 4·2^-53·100 ≈ 5e-14 of exact here (ctc.hpp); torch's
// un-normalised recursion adds ~T·u·|α| ≈ 1e-14 and the constants are printed to 17 digits.
constexpr double torch_tol = 1e-12;

void expect_values(const array& got, const std::vector<double>& want, std::int64_t first = 0, std::int64_t stride = 1) {
  for (std::size_t i = 0; i < want.size(); ++i) {
    const double g = got.get(first + static_cast<std::int64_t>(i) * stride);
    EXPECT_NEAR(g, want[i], torch_tol * std::max(1.0, std::fabs(want[i]))) << "element " << i;
  }
}

// Gradient row (t, b) of a [T, B, C] gradient, from a torch row.
void expect_row(const array& g, std::int64_t t, std::int64_t b, const std::vector<double>& want) {
  const auto& s = g.shape();
  expect_values(g, want, (t * s[1] + b) * s[2]);
}

TEST_P(Ctc, MatchesTorchForEachReductionAndBothTargetLayouts) {
  const std::vector<double> losses = {10.660662172091447, 7.13948323673156, 16.295275220397674};
  for (const problem_def& d : {case_a(), case_a_concatenated()}) {
    expect_values(run(d.make(reduction::none)).losses, losses);
    EXPECT_NEAR(run(d.make(reduction::sum)).value, 34.09542062922068, torch_tol * 34);
    const evaluation mean = run(d.make(reduction::mean));
    EXPECT_NEAR(mean.value, 7.80619029870909, torch_tol * 8);
    const std::vector<double> b0 = {
        0.04650516741405462,   -0.05065706843710851,  0.0034785859566172223, 0.0002653383425409761,
        0.0004079767238957836, -0.02071025688771905,  -0.005800537311958342, -0.016556543452570228,
        0.0010668822444519052, 0.042000455407795706,  -0.0510569795069436,   -0.00034680892457199025,
        -0.026558062161025506, 0.06979391174751237,   0.0081679388450289,    -0.017457845095276855,
        0.0005416876098453844, -0.006208897715574387, 0.022684306113017375,  0.00044074908798847007,
        -0.068311260814726,    0.0037169666824779417, 0.041586223694936315,  0.000364033417852936,
        0.022644037019458888,  -0.004189170559433804, 0.05320074140226408,   -0.10396093462729945,
        0.0027114128283282917, 0.05223795095614097};
    for (std::int64_t t = 0; t < 6; ++t)
      expect_row(mean.grads[0], t, 0, std::vector<double>(b0.begin() + 5 * t, b0.begin() + 5 * t + 5));
    expect_row(
        mean.grads[0], 3, 1,
        {0.0004010431501397653, -0.07583652135617582, 0.040258488308275, 0.000582162765757323, 0.03459482713200386});
    expect_row(mean.grads[0], 4, 1,
               {-0.0004891669502834806, -0.055552368794133125, 0.0005628240766804482, 0.0062285178329968965,
                0.049250193834739255});
    expect_row(mean.grads[0], 5, 1, {0, 0, 0, 0, 0});  // t ≥ input_length
    expect_row(
        mean.grads[0], 0, 2,
        {-0.33273067256953004, 0.003897997698662844, 0.08588874546245343, 0.2195900585128481, 0.02335387089556597});
  }
}

TEST_P(Ctc, MatchesTorchWithANonZeroBlank) {
  problem_def d{5, 2, 4, {0, 3, 3, 1, 0, 0}, {2, 3}, {5, 4}, {3, 2}, 0, 0};
  d.blank = 2;
  const evaluation ev = run(d.make(reduction::none));
  expect_values(ev.losses, {6.9736152193207195, 8.877782178825223});
  expect_row(ev.grads[0], 2, 0, {0.30843606021677417, 0.003491368175585344, -0.0052156195077727, -0.30671180888458727});
}

TEST_P(Ctc, EmptyTargetIsMinusTheSumOfBlankLogProbs) {
  const owned_call oc = case_a().make(reduction::none);
  double want = 0;
  for (std::int64_t t = 0; t < 4; ++t) want -= oc.inputs[0].get((t * 3 + 2) * 5 + 0);  // b = 2, L = 4, blank 0
  // Kernel within 4u·(Σm_t + |ℓ|) ≈ 1e-14; the plain sum within 4u·|ℓ|.
  EXPECT_NEAR(run(oc).losses.get(2), want, 1e-13 * std::fabs(want));
}

TEST_P(Ctc, InputExactlyAsLongAsTheTargetNeeds) {
  // [1, 1, 2] needs 3 labels + 1 repeat = 4 frames; [1, 2, 1] needs 3.
  const problem_def d{4, 2, 3, {1, 1, 2, 1, 2, 1}, {2, 3}, {4, 3}, {3, 3}, 0, 0};
  const evaluation ev = run(d.make(reduction::none));
  expect_values(ev.losses, {5.40206009761626, 7.098068086995962});
  expect_row(ev.grads[0], 1, 0, {-0.05709165356238144, 0.05452812590791665, 0.002563527654464524});
  expect_row(ev.grads[0], 2, 1, {0.0032202635679761367, -0.9782478081913951, 0.97502754462342});
}

// Sequence 0: [1, 1] in 2 frames (needs 3) is impossible.
problem_def case_impossible() { return {4, 2, 3, {1, 1, 2, 1}, {2, 2}, {2, 4}, {2, 2}, 0, 0}; }

TEST_P(Ctc, ImpossibleAlignmentIsInfiniteWithAZeroGradient) {
  const evaluation ev = run(case_impossible().make(reduction::none));
  EXPECT_EQ(ev.losses.get(0), std::numeric_limits<double>::infinity());
  EXPECT_NEAR(ev.losses.get(1), 0.4859695995143993, torch_tol);
  // torch 1.13 returns NaN for rows t < 2 of sequence 0; we return zeros (documented in ctc.hpp).
  for (std::int64_t t = 0; t < 4; ++t) expect_row(ev.grads[0], t, 0, {0, 0, 0});
  for (double g : ev.grads[0].span<double>()) EXPECT_FALSE(std::isnan(g));
  EXPECT_EQ(run(case_impossible().make(reduction::sum)).value, std::numeric_limits<double>::infinity());
}

TEST_P(Ctc, ZeroInfinityZeroesLossAndGradientOfInfiniteSamples) {
  problem_def d = case_impossible();
  d.zero_infinity = 1;
  const evaluation ev = run(d.make(reduction::none));
  expect_values(ev.losses, {0.0, 0.4859695995143993});
  for (std::int64_t t = 0; t < 4; ++t) expect_row(ev.grads[0], t, 0, {0, 0, 0});
  expect_row(ev.grads[0], 1, 1, {0.0020120260398336087, 0.032343714956290674, -0.03435574099612426});
  EXPECT_NEAR(run(d.make(reduction::mean)).value, 0.12149239987859982, torch_tol);
}

TEST_P(Ctc, EmptyInputWithEmptyTargetHasZeroLoss) {
  // torch 1.13 reads uninitialised memory here; the only alignment of nothing is nothing: p = 1.
  const problem_def d{3, 2, 3, {0, 0, 1, 0}, {2, 2}, {0, 3}, {0, 1}, 0, 0};
  const evaluation ev = run(d.make(reduction::none));
  EXPECT_EQ(ev.losses.get(0), 0.0);
  for (std::int64_t t = 0; t < 3; ++t) expect_row(ev.grads[0], t, 0, {0, 0, 0});
}

// Central differences of the reduced value w.r.t. the logits z (lp = log_softmax(z)) in double:
// error ≤ h²|f'''|/6 + u|f|/h ≈ 1e-10·O(1) + 1e-16·35/1e-5 ≈ 4e-10 for h = 1e-5, so 1e-8.
TEST_P(Ctc, GradientIsThatOfTheLogitsUnderLogSoftmax) {
  problem_def blank2{5, 2, 4, {0, 3, 3, 1, 0, 0}, {2, 3}, {5, 4}, {3, 2}, 0, 0};
  blank2.blank = 2;
  for (const problem_def& d : {case_a(), case_a_concatenated(), blank2}) {
    for (reduction r : {reduction::mean, reduction::sum}) {
      const evaluation ev = run(d.make(r));
      const double h = 1e-5;
      for (std::int64_t i = 0; i < d.T * d.B * d.C; ++i) {
        const double fd = (ctc64().run(d.make(r, i, h).view()) - ctc64().run(d.make(r, i, -h).view())) / (2 * h);
        EXPECT_NEAR(ev.grads[0].get(i), fd, 1e-8) << to_string(r) << " z[" << i << "]";
      }
    }
  }
}

// ---- bad input: each names the argument ---------------------------------------------------------
void expect_error(const problem_def& d, const std::string& argument, dtype lengths_type = dtype::i64) {
  try {
    owned_call oc = d.make(reduction::mean);
    if (lengths_type != dtype::i64) oc.inputs[2] = oc.inputs[2].astype(lengths_type), oc.refs[2] = oc.inputs[2].ref();
    ctc64().run(oc.view());
    ADD_FAILURE() << "accepted; expected an error naming " << argument;
  } catch (const error& e) {
    EXPECT_EQ(e.argument(), argument) << e.what();
  }
}

problem_def valid() { return {4, 2, 3, {1, 2, 2, 0}, {2, 2}, {4, 3}, {2, 1}, 0, 0}; }

TEST_P(Ctc, RejectsBadLengths) {
  auto d = valid();
  d.input_lengths = {-1, 3};
  expect_error(d, "input_lengths");
  d = valid();
  d.input_lengths = {5, 3};
  expect_error(d, "input_lengths");  // > T
  d = valid();
  d.target_lengths = {-1, 1};
  expect_error(d, "target_lengths");
  d = valid();
  d.target_lengths = {3, 1};
  expect_error(d, "target_lengths");  // > S = 2 columns
  d = valid();
  d.input_lengths = {4, 1};
  d.target_lengths = {2, 2};
  expect_error(d, "target_lengths");  // > input
  d = valid();
  d.input_lengths = {4, 3, 3};
  expect_error(d, "input_lengths");  // B + 1 lengths
  d = valid();
  d.target_lengths = {2};
  expect_error(d, "target_lengths");
  d = valid();
  d.targets = {1, 2, 2};
  d.target_shape = {3};
  d.target_lengths = {2, 2};
  expect_error(d, "target_lengths");  // Σ 4 > 3
  // Concatenated labels must be exactly Σ target_lengths, as torch checks: one label too many
  // would shift every later sequence onto another's labels.
  d = valid();
  d.targets = {1, 2, 2, 1};
  d.target_shape = {4};
  expect_error(d, "targets");  // Σ 3 < 4
  d = valid();
  d.targets = {1, 2, 2};
  d.target_shape = {3};
  EXPECT_NO_THROW(ctc64().run(d.make(reduction::mean).view()));  // control: Σ 3 = 3
}

TEST_P(Ctc, RejectsBadLabelsAndBlank) {
  auto d = valid();
  d.targets = {1, 0, 2, 0};
  expect_error(d, "targets");  // label == blank
  d = valid();
  d.targets = {1, 3, 2, 0};
  expect_error(d, "targets");  // label == C
  d = valid();
  d.targets = {-1, 2, 2, 0};
  expect_error(d, "targets");
  d = valid();
  d.blank = 3;
  expect_error(d, "blank");  // blank == C
  d = valid();
  d.blank = -1;
  expect_error(d, "blank");
  d = valid();
  d.blank = 2;
  expect_error(d, "targets");  // label 2 is now blank
  d = valid();
  d.targets = {1, 2, 2, 0, 0, 0};
  d.target_shape = {3, 2};
  expect_error(d, "targets");  // rows ≠ B
  d = valid();
  d.blank = 0.5;
  try {
    d.make(reduction::mean);
    ADD_FAILURE();
  } catch (const error& e) {
    EXPECT_EQ(e.argument(), "blank");
  }
}

TEST_P(Ctc, PaddingBeyondTheTargetLengthIsIgnored) {
  auto d = valid();
  d.targets = {1, 2, 2, 99};  // sequence 1 has length 1: 99 is padding
  EXPECT_NO_THROW(ctc64().run(d.make(reduction::mean).view()));
}

TEST_P(Ctc, RejectsWrongDtypesAndRanks) {
  expect_error(valid(), "input_lengths", dtype::f64);
  expect_error(valid(), "input_lengths", dtype::f32);
  EXPECT_NO_THROW(ctc64().run(valid().make(reduction::mean).view()));  // control: i64 is fine
  owned_call oc = valid().make(reduction::mean);
  auto expect_arg = [&](const std::string& argument) {
    try {
      ctc64().run(oc.view());
      ADD_FAILURE() << argument;
    } catch (const error& e) {
      EXPECT_EQ(e.argument(), argument) << e.what();
    }
  };
  array targets_f64 = oc.inputs[1].astype(dtype::f64);
  oc.refs[1] = targets_f64.ref();
  expect_arg("targets");
  oc.refs[1] = oc.inputs[1].ref();
  array targets_3d(dtype::i64, {2, 2, 1});
  oc.refs[1] = targets_3d.ref();
  expect_arg("targets");
  oc.refs[1] = oc.inputs[1].ref();
  array target_lengths_f32 = oc.inputs[3].astype(dtype::f32);
  oc.refs[3] = target_lengths_f32.ref();
  expect_arg("target_lengths");
  oc.refs[3] = oc.inputs[3].ref();
  array lp_2d(dtype::f64, {4, 6});
  oc.refs[0] = lp_2d.ref();
  expect_arg("log_probs");
  array lp_f32 = oc.inputs[0].astype(dtype::f32);
  oc.refs[0] = lp_f32.ref();
  expect_arg("log_probs");
}

TEST_P(Ctc, Int32IndicesGiveTheSameResult) {
  owned_call oc = case_a().make(reduction::sum);
  const double want = run(oc).value;
  for (std::size_t i = 1; i < 4; ++i) oc.inputs[i] = oc.inputs[i].astype(dtype::i32), oc.refs[i] = oc.inputs[i].ref();
  EXPECT_EQ(run(oc).value, want);
}

// Labels past 2^31: C = 2^31 + 16 classes, T = B = 1, target [2^31 + 5]; lp is 0 (probability 1)
// everywhere but log ½ at the blank and at the label, so the one alignment (the label at t = 0)
// has probability ½ and the loss is log 2. Indices narrowed to 32 bits would read another class
// (lp = 0: loss 0). log_probs (8 GiB of f32) is mapped without reserving memory: value only, so
// the kernels touch just the pages of the blank and the label.
TEST(CtcLimits, LabelsBeyondInt32AreReadAsTheyAre) {
  constexpr std::int64_t classes = (std::int64_t{1} << 31) + 16, label = (std::int64_t{1} << 31) + 5;
  const std::size_t bytes = static_cast<std::size_t>(classes) * sizeof(float);
  void* mem = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  ASSERT_NE(mem, MAP_FAILED) << "cannot map 8 GiB of address space (MAP_NORESERVE: no memory is committed)";
  auto* lp = static_cast<float*>(mem);
  lp[0] = lp[label] = std::log(0.5f);
  const std::int64_t targets[] = {label}, lengths[] = {1}, input_lengths[] = {1};
  const std::array<tensor_ref, 4> in{tensor_ref{dtype::f32, {1, 1, classes}, lp},
                                     tensor_ref{dtype::i64, {1, 1}, targets},
                                     tensor_ref{dtype::i64, {1}, input_lengths}, tensor_ref{dtype::i64, {1}, lengths}};
  for (const entry* e : find_entries("ctc", "all", dtype::f32)) {
    const std::string variant = e->variant.name();  // options hold a view of it
    options o;
    o.variant = variant;
    o.reduction = reduction::sum;
    // One rounding of log ½ in f32 and the kernel's own: a few u of log 2.
    EXPECT_NEAR(lossbench::evaluate("ctc", in, {}, o), std::log(2.0), 1e-6) << e->name();
  }
  munmap(mem, bytes);
}

}  // namespace
}  // namespace lossbench::testing
