// api_test.cpp — the span-based public API: same numbers as the registry, clear errors for
// wrong output spans, unknown variants and per-sample output without reduction none.
#include <lossbench/lossbench.hpp>

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <new>
#include <vector>

namespace {

TEST(PublicApi, MseValueAndGradient) {
  const std::vector<float> x = {1.f, 2.f, 4.f}, y = {0.f, 2.f, 1.f};
  std::vector<float> g(3);
  const float v = lossbench::mse<float>(x, y, {}, g);
  // (1 + 0 + 9) / 3 and 2(x − y)/3: all exactly representable up to one rounding of /3.
  EXPECT_FLOAT_EQ(v, 10.f / 3.f);
  EXPECT_FLOAT_EQ(g[0], 2.f / 3.f);
  EXPECT_FLOAT_EQ(g[1], 0.f);
  EXPECT_FLOAT_EQ(g[2], 2.f);
}

// 16-bit storage: the value is the f32 computation on the exactly widened inputs (returned as
// float), the gradient that f32 gradient rounded once to the storage type.
TEST(PublicApi, SixteenBitStorageReturnsTheF32ValueAndRoundsTheGradientOnce) {
  const std::vector<float> xf = {1.f, 2.f, 4.f, 0.1f, -3.f}, yf = {0.f, 2.5f, 1.f, 0.3f, 7.f};
  auto run = [&]<class S>(S) {
    std::vector<S> x, y;
    for (float v : xf) x.push_back(S(v));
    for (float v : yf) y.push_back(S(v));
    std::vector<float> xw(x.begin(), x.end()), yw(y.begin(), y.end()), gw(x.size());
    std::vector<S> g(x.size());
    lossbench::options o;
    o.variant = "scalar";  // one kernel for both calls: the same f32 sum order
    const float v = lossbench::mse<S>(x, y, o, g);
    EXPECT_EQ(v, lossbench::mse<float>(xw, yw, o, gw));  // the f32 kernel on the widened inputs
    for (std::size_t i = 0; i < g.size(); ++i) EXPECT_EQ(g[i].bits, S(gw[i]).bits) << i;
  };
  run(lossbench::bf16{});
  run(lossbench::f16{});
}

// cross_entropy in 16 bits through the typed API: class indices, probability targets and the weight
// in the logits' dtype, each the f32 call on the widened arrays (its gradient rounded once).
TEST(PublicApi, CrossEntropyTakesSixteenBitLogitsWithIndexAndProbabilityTargets) {
  const std::vector<float> zf = {1.f, -2.f, 0.5f, 3.f, 0.25f, -1.f}, pf = {0.2f, 0.3f, 0.5f, 1.f, 0.f, 0.f};
  const std::vector<float> wf = {0.5f, 2.f, 1.f};
  const std::vector<std::int64_t> t = {2, 0};
  auto run = [&]<class S>(S) {
    std::vector<S> z, p, w;
    for (float v : zf) z.push_back(S(v));
    for (float v : pf) p.push_back(S(v));
    for (float v : wf) w.push_back(S(v));
    const std::vector<float> zw(z.begin(), z.end()), pw(p.begin(), p.end()), ww(w.begin(), w.end());
    lossbench::cross_entropy_options<S> o;
    o.variant = "scalar";  // one kernel for both calls: the same f32 sum order
    o.weight = w;
    lossbench::cross_entropy_options<float> of;
    of.variant = "scalar";
    of.weight = ww;
    std::vector<S> g(z.size());
    std::vector<float> gw(z.size());
    const float by_index = lossbench::cross_entropy<S, std::int64_t>(z, 3, t, o, g);
    EXPECT_EQ(by_index, (lossbench::cross_entropy<float, std::int64_t>(zw, 3, t, of, gw)));
    for (std::size_t i = 0; i < g.size(); ++i) EXPECT_EQ(g[i].bits, S(gw[i]).bits) << "index targets " << i;
    const float by_probability = lossbench::cross_entropy<S, S>(z, 3, p, o, g);
    EXPECT_EQ(by_probability, (lossbench::cross_entropy<float, float>(zw, 3, pw, of, gw)));
    for (std::size_t i = 0; i < g.size(); ++i) EXPECT_EQ(g[i].bits, S(gw[i]).bits) << "probability targets " << i;
  };
  run(lossbench::bf16{});
  run(lossbench::f16{});
}

TEST(PublicApi, PerSampleLossesWithReductionNone) {
  const std::vector<double> x = {1, 2, 4}, y = {0, 2, 1};
  std::vector<double> l(3);
  lossbench::options o;
  o.reduction = lossbench::reduction::none;
  EXPECT_EQ(lossbench::mse<double>(x, y, o, {}, l), 10.0);  // the sum of the per-sample losses
  EXPECT_EQ(l, (std::vector<double>{1, 0, 9}));
}

TEST(PublicApi, ErrorsNameTheArgument) {
  const std::vector<float> x = {1.f, 2.f}, y = {0.f, 2.f};
  std::vector<float> g(3), l(2);
  try {
    lossbench::mse<float>(x, y, {}, g);
    FAIL();
  } catch (const lossbench::error& e) {
    EXPECT_EQ(e.argument(), "grad_input");
  }
  try {
    lossbench::mse<float>(x, y, {}, {}, l);
    FAIL();
  } catch (const lossbench::error& e) {
    EXPECT_EQ(e.argument(), "losses");
  }
  lossbench::options o;
  o.variant = "no_such_variant";
  try {
    lossbench::mse<float>(x, y, o);
    FAIL();
  } catch (const lossbench::error& e) {
    EXPECT_EQ(e.argument(), "variant");
  }
  const std::vector<float> short_y = {0.f};
  try {
    lossbench::mse<float>(x, short_y);
    FAIL();
  } catch (const lossbench::error& e) {
    EXPECT_EQ(e.argument(), "target");
  }
}

// time·batch·classes = 2^120 wraps to 0 in 64 bits, which an empty span would match: refused.
TEST(PublicApi, CtcSizesThatOverflowAreRefused) {
  const std::vector<float> lp;
  const std::vector<std::int64_t> none;
  const std::int64_t huge = std::int64_t{1} << 40;
  try {
    lossbench::ctc<float, std::int64_t>(lp, huge, huge, huge, none, true, none, none);
    FAIL();
  } catch (const lossbench::error& e) {
    EXPECT_EQ(e.argument(), "log_probs") << e.what();
  }
}

// A shape whose dimensions multiply past 2^63 − 1 cannot be described, even with a zero among
// them: every stride computed from it would overflow.
TEST(PublicApi, ShapesPastInt64AreRefused) {
  const std::int64_t big = std::int64_t{1} << 32;
  EXPECT_THROW((lossbench::shape{big, big}), lossbench::error);
  EXPECT_THROW((lossbench::shape{0, big, big}), lossbench::error);
  EXPECT_EQ((lossbench::shape{big, big / 2 - 1}).numel(), big * (big / 2 - 1));  // control: fits
}

// An array of more bytes than the address space holds (2^61 doubles: 2^64 bytes, which a size_t
// product would wrap to 0) is std::bad_alloc before any allocation, as for memory that is not there.
TEST(PublicApi, ArraysPastTheAddressSpaceAreBadAlloc) {
  EXPECT_THROW(lossbench::array(lossbench::dtype::f64, lossbench::shape{std::int64_t{1} << 61}), std::bad_alloc);
  EXPECT_EQ(lossbench::array(lossbench::dtype::f64, lossbench::shape{4}).bytes(), 32u);  // control
}

TEST(PublicApi, NullDataWithElementsIsAnErrorNotACrash) {
  const std::vector<float> x = {1.f, 2.f};
  const lossbench::tensor_ref good{lossbench::dtype::f32, lossbench::shape{2}, x.data()};
  const lossbench::tensor_ref null_target{lossbench::dtype::f32, lossbench::shape{2}, nullptr};
  const std::array<lossbench::tensor_ref, 2> in{good, null_target};
  try {
    lossbench::evaluate("mse", in);
    FAIL();
  } catch (const lossbench::error& e) {
    EXPECT_EQ(e.argument(), "target");
  }
  // No elements, no memory needed: a null pointer is fine there.
  const lossbench::tensor_ref empty{lossbench::dtype::f32, lossbench::shape{0}, nullptr};
  const std::array<lossbench::tensor_ref, 2> none{empty, empty};
  EXPECT_TRUE(std::isnan(lossbench::evaluate("mse", none)));  // torch: the mean of nothing is NaN
}

}  // namespace

namespace {

using lossbench::array;
using lossbench::dtype;

// The span API and the registry run the same kernel on the same bits, so results are identical.
double registry_value(std::string_view loss, const std::vector<array>& in, const lossbench::param_set& p,
                      std::vector<array>* grads) {
  const auto& spec = lossbench::find_loss(loss);
  const auto resolved = spec.resolve(p);
  const std::vector<lossbench::tensor_ref> refs = lossbench::refs_of(in);
  lossbench::outputs out;
  std::size_t k = 0;
  for (std::size_t i = 0; i < in.size(); ++i)
    if (spec.inputs()[i].differentiable) {
      grads->emplace_back(in[i].type(), in[i].shape());
      out.grad[k++] = grads->back().raw();
    }
  // The span API's default variant is `auto`: the registry's auto entry runs the same choice.
  return lossbench::find_entries(loss, "auto", in[0].type())[0]->run(
      {refs, &resolved, lossbench::reduction::mean, out});
}

TEST(PublicApi, CrossEntropyMatchesTheRegistry) {
  const auto& spec = lossbench::find_loss("cross_entropy");
  const auto in = spec.generate(dtype::f32, {6, 10}, 5, spec.resolve({}));
  std::vector<float> w(10, 0.5f);
  array wa(dtype::f32, {10});
  for (int i = 0; i < 10; ++i) wa.set(i, 0.5);
  lossbench::param_set p;
  p.set("weight", std::move(wa)).set("label_smoothing", 0.1);
  std::vector<array> want;
  const double v = registry_value("cross_entropy", in, p, &want);
  lossbench::cross_entropy_options<float> o;
  o.weight = w;
  o.label_smoothing = 0.1;
  std::vector<float> g(60);
  const float got =
      lossbench::cross_entropy<float, std::int64_t>(in[0].span<float>(), 10, in[1].span<std::int64_t>(), o, g);
  EXPECT_EQ(got, v);
  for (int i = 0; i < 60; ++i) EXPECT_EQ(g[i], want[0].get(i));
}

TEST(PublicApi, CtcMatchesTheRegistry) {
  const auto& spec = lossbench::find_loss("ctc");
  const auto in = spec.generate(dtype::f64, {3, 0}, 5, spec.resolve({}));
  std::vector<array> want;
  const double v = registry_value("ctc", in, {}, &want);
  const auto& s = in[0].shape();
  std::vector<double> g(static_cast<std::size_t>(in[0].numel()));
  const double got =
      lossbench::ctc<double, std::int64_t>(in[0].span<double>(), s[0], s[1], s[2], in[1].span<std::int64_t>(), false,
                                           in[2].span<std::int64_t>(), in[3].span<std::int64_t>(), {}, g);
  EXPECT_EQ(got, v);
  for (std::size_t i = 0; i < g.size(); ++i) EXPECT_EQ(g[i], want[0].get(static_cast<std::int64_t>(i)));
}

TEST(PublicApi, TripletAndContrastiveMatchTheRegistry) {
  for (std::string_view loss : {"triplet", "contrastive"}) {
    const auto& spec = lossbench::find_loss(loss);
    const auto in = spec.generate(dtype::f32, {4, 8}, 5, spec.resolve({}));
    std::vector<array> want;
    const double v = registry_value(loss, in, {}, &want);
    std::vector<float> g1(32), g2(32), g3(32);
    const float got = loss == "triplet" ? lossbench::triplet<float>(in[0].span<float>(), in[1].span<float>(),
                                                                    in[2].span<float>(), 8, {}, g1, g2, g3)
                                        : lossbench::contrastive<float>(in[0].span<float>(), in[1].span<float>(),
                                                                        in[2].span<float>(), 8, {}, g1, g2);
    EXPECT_EQ(got, v) << loss;
    for (int i = 0; i < 32; ++i) EXPECT_EQ(g1[i], want[0].get(i)) << loss;
  }
}

TEST(PublicApi, ElementwiseLossesTakeTheirOptions) {
  const std::vector<double> x = {0.5, -2.0, 3.0}, y = {1.0, -1.0, 1.0};
  lossbench::huber_options h;
  h.delta = 0.5;
  // |d| = 0.5, 1, 2 ≥ δ: δ(|d| − δ/2) = 0.125, 0.375, 0.875 → mean 0.4583…
  EXPECT_DOUBLE_EQ(lossbench::huber<double>(x, y, h), (0.125 + 0.375 + 0.875) / 3);
  lossbench::hinge_options m;
  m.margin = 2.0;
  // max(0, 2 − y·x) = 1.5, 0, 0 → mean 0.5
  EXPECT_DOUBLE_EQ(lossbench::hinge<double>(x, y, m), 0.5);
  const std::vector<double> pw = {2.0, 1.0, 1.0};
  lossbench::bce_logits_options<double> b;
  b.pos_weight_per_class = pw;
  const std::vector<double> t = {1.0, 0.0, 1.0};
  // (1−y)·z + (1+(pw−1)y)·softplus(−z): 2·softplus(−0.5), −2 + softplus(2) = log1p(e⁻²), softplus(−3)
  const double want = (2 * std::log1p(std::exp(-0.5)) + std::log1p(std::exp(-2.0)) + std::log1p(std::exp(-3.0))) / 3;
  EXPECT_NEAR(lossbench::bce_logits<double>(x, t, 3, b), want, 1e-15);  // a few roundings of O(1) terms
}

}  // namespace
