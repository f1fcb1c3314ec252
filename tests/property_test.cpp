// property_test.cpp — differential testing of every registry entry on random calls: shapes that
// straddle SIMD widths and block boundaries (0, 1, odd, powers of two ± 1, above the parallel
// threshold), random reductions and options, extreme values injected into the prediction
// (±0, subnormals, ±inf, NaN, logits ±1e4), and embeddings scaled to the ends of the range. For each call, either the
// reference and every entry reject it with lossbench::error, or every entry matches the long-double reference within
// the loss's documented bound (NaN and ±inf exactly where the reference has them), and `omp` gives the bits of `simd`
// on 1, 2 and 3 threads.
//
// Trials per loss and dtype are fixed, so CI's time is bounded; the seed is 20261205, or
// --gtest_random_seed=N to explore others. A failure prints the trial's seed and call.
#include "support/harness.hpp"

#include "core/prng.hpp"

#include <algorithm>
#include <limits>
#include <sstream>

namespace lossbench::testing {
namespace {

constexpr int trials = 12;

std::uint64_t base_seed() {
  // The flag, not UnitTest::random_seed(): that one is drawn from the clock when the flag is 0.
  const int s = GTEST_FLAG_GET(random_seed);
  return s != 0 ? static_cast<std::uint64_t>(s) : 20261205u;
}

// Sizes around SIMD widths (4, 8, 16 lanes, unrolled ×4) and block sizes (4096 elements).
std::int64_t draw_samples(core::prng& r, std::int64_t above_threshold) {
  static constexpr std::int64_t edges[] = {0,  1,  2,  3,  5,  7,   8,   9,   15,   16,  17,
                                           31, 33, 63, 64, 65, 127, 129, 255, 4095, 4097};
  switch (r.below(4)) {
    case 0:
      return above_threshold;
    case 1:
      return static_cast<std::int64_t>(r.below(3000));
    default:
      return edges[r.below(std::size(edges))];
  }
}

std::int64_t draw_inner(core::prng& r) {
  static constexpr std::int64_t widths[] = {0, 1, 2, 3, 5, 8, 16, 17, 33};
  return widths[r.below(std::size(widths))];
}

// Options: booleans at random, reals at their default, half or double it.
param_set draw_params(const loss_spec& l, core::prng& r) {
  param_set p;
  for (const param_desc& d : l.params()) {
    if (d.kind == param_kind::boolean) p.set(std::string(d.name), static_cast<double>(r.below(2)));
    if (d.kind == param_kind::real && d.default_value != 0 && r.below(2))
      p.set(std::string(d.name), d.default_value * (r.below(2) ? 0.5 : 2.0));
  }
  return p;
}

// Extreme values a caller may pass as the prediction; probabilities (bce) and log-probabilities
// (ctc) take only the ones in their domain.
double draw_extreme(const loss_spec& l, dtype t, core::prng& r) {
  const double tiny = t == dtype::f32 ? 1e-40 : 1e-310;  // subnormal
  const double inf = std::numeric_limits<double>::infinity(), nan = std::nan("");
  if (l.name() == "bce") {
    const double v[] = {0.0, 1.0, -0.0, tiny, nan};
    return v[r.below(std::size(v))];
  }
  if (l.name() == "ctc") {
    const double v[] = {-inf, -1e4, -tiny, nan};
    return v[r.below(std::size(v))];
  }
  const double v[] = {0.0, -0.0, tiny, -tiny, inf, -inf, nan, 1e4, -1e4};
  return v[r.below(std::size(v))];
}

// The embedding losses at the ends of the dtype's range: every embedding input and the parameters
// that share their unit multiplied by one factor, so that Σ|v|^p overflows (huge) or underflows
// (tiny) while the distances, losses and gradients stay representable (the loss is homogeneous
// of degree 1 in them; contrastive's of degree 2, so only tiny: huge would overflow the loss
// itself). 1 for the other losses, and for two calls in three.
struct magnitude {
  double factor = 1;
  std::vector<const char*> params;
};

magnitude draw_magnitude(const loss_spec& l, dtype t, core::prng& r) {
  const bool f32 = t == dtype::f32;
  const double huge = f32 ? 1e19 : 1e154, tiny = f32 ? 1e-22 : 1e-160;
  const std::uint64_t pick = r.below(3);
  if (l.name() == "triplet" && pick) return {pick == 1 ? huge : tiny, {"margin", "eps"}};
  if (l.name() == "contrastive" && pick == 1) return {tiny, {"margin"}};
  return {};
}

std::int64_t samples_above_threshold(const loss_spec& l, dtype t, std::int64_t inner) {
  return l.parallel_min_elements() / l.items_per_sample(t, inner) + 3;
}

// ctc's samples are 150-frame sequences, each a 150 × 61-state alignment checked against a
// long-double reference: a few hundred cover its blocks (one sequence each) and omp's threshold,
// and the edges' thousands (meant for element counts) took a minute. Other losses: any count.
std::int64_t max_samples(const loss_spec& l, dtype t, std::int64_t inner) {
  constexpr std::int64_t sequences = 256;
  return l.name() == "ctc" ? std::max(samples_above_threshold(l, t, inner), sequences)
                           : std::numeric_limits<std::int64_t>::max();
}

struct trial {
  const loss_spec* loss;
  dtype type;
};

class EveryLoss : public ::testing::TestWithParam<trial> {};

std::vector<trial> every_loss() {
  std::vector<trial> out;
  for (const loss_spec* l : catalogue())
    for (dtype t : {dtype::f32, dtype::f64}) out.push_back({l, t});
  return out;
}

TEST_P(EveryLoss, EveryVariantAgreesWithTheReferenceOnRandomCalls) {
  const loss_spec& l = *GetParam().loss;
  const dtype t = GetParam().type;
  const auto entries = find_entries(l.name(), "all", t);
  const entry* simd = nullptr;
  for (const entry* e : entries)
    if (e->variant.name() == "simd") simd = e;
  for (int i = 0; i < trials; ++i) {
    const std::uint64_t seed = base_seed() * 1000003u + std::hash<std::string_view>{}(l.name()) * 31u +
                               static_cast<std::uint64_t>(t) * 7919u + static_cast<std::uint64_t>(i);
    core::prng r(seed);
    const std::int64_t inner = draw_inner(r);
    const std::int64_t n = std::min(draw_samples(r, samples_above_threshold(l, t, inner)), max_samples(l, t, inner));
    param_set params = draw_params(l, r);
    const auto reds = l.reductions();
    const reduction red = reds[r.below(reds.size())];
    std::vector<array> in = l.generate(t, {n, inner}, seed, l.resolve(params));
    const int extremes = r.below(2) ? static_cast<int>(1 + r.below(4)) : 0;
    std::ostringstream what;
    what << l.name() << " " << to_string(t) << " seed " << seed << ": samples " << n << ", inner " << inner
         << ", reduction " << to_string(red) << ", " << extremes << " extreme values:";
    for (int k = 0; k < extremes && in[0].numel() > 0; ++k) {
      const auto at = static_cast<std::int64_t>(r.below(static_cast<std::uint64_t>(in[0].numel())));
      const double v = draw_extreme(l, t, r);
      in[0].set(at, v);
      what << " [" << at << "] = " << v;
    }
    const magnitude m = draw_magnitude(l, t, r);  // drawn last: the draws above stay as they were
    if (m.factor != 1) {
      for (std::size_t k = 0; k < in.size(); ++k)  // the embeddings, not contrastive's 0/1 target
        if (l.inputs()[k].differentiable)
          for (std::int64_t i = 0; i < in[k].numel(); ++i) in[k].set(i, in[k].get(i) * m.factor);
      const param_set resolved = l.resolve(params);
      for (const char* name : m.params) params.set(name, resolved.number(name) * m.factor);
      what << ", inputs and their parameters scaled by " << m.factor;
    }
    SCOPED_TRACE(what.str());
    const owned_call oc(l, std::move(in), params, red);

    reference_result ref;
    bool rejected = false;
    try {
      ref = l.reference(oc.view());
    } catch (const error&) {
      rejected = true;
    }
    for (const entry* e : entries) {
      if (rejected) {
        EXPECT_THROW(evaluate(*e, oc, true), error) << e->name() << " accepts what the reference rejects";
        continue;
      }
      const evaluation ev = evaluate(*e, oc, true);
      expect_matches_reference(*e, oc, ev, true, 1.0, &ref);
      if (e->variant.drv == driver::omp && simd) {
        const evaluation serial = evaluate(*simd, oc, true);
        for (int threads : {1, 2, 3})
          expect_same_bits(evaluate(*e, oc, true, threads), serial, e->name() + " threads " + std::to_string(threads));
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Property, EveryLoss, ::testing::ValuesIn(every_loss()),
                         [](const ::testing::TestParamInfo<trial>& info) {
                           return std::string(info.param.loss->name()) + "_" + std::string(to_string(info.param.type));
                         });

}  // namespace
}  // namespace lossbench::testing
