// embedding_variants_test.cpp — triplet and contrastive on every variant (scalar, simd:<isa>)
// and dtype against the long-double reference, for every option the registry suite (defaults
// only) does not reach: p = 1, 2, 3, 0.5, −1, ±inf, 0; swap; eps = 0; margins; target dtypes;
// and row widths D that leave every vector tail (1, 3, 7, 17, 33) plus the D = 128 of the bench.
// Tolerances: the loss's documented per-row first-order bound (expect_matches_reference).
#include "row_loss_support.hpp"

#include <cmath>
#include <limits>

namespace lossbench::testing {
namespace {

const std::vector<std::int64_t> widths = {1, 3, 7, 17, 33, 128};
constexpr std::int64_t rows = 9;

class EmbeddingVariant : public ::testing::TestWithParam<const entry*> {};

// param_set is move-only: options are kept as name/value lists.
using option = std::vector<std::pair<const char*, double>>;

param_set make(const option& o) {
  param_set p;
  for (const auto& [name, value] : o) p.set(name, value);
  return p;
}
std::string describe(const option& o) {
  std::string s;
  for (const auto& [name, value] : o) s += std::string(name) + "=" + std::to_string(value) + " ";
  return s;
}

void check(const entry& e, std::vector<array> in, const param_set& params, reduction red) {
  owned_call oc(*e.loss, std::move(in), params, red);
  for (bool grad : {false, true}) expect_matches_reference(e, oc, evaluate(e, oc, grad), grad);
}

TEST_P(EmbeddingVariant, EveryOptionMatchesTheReferenceAtEveryWidth) {
  const entry& e = *GetParam();
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<option> options;
  if (e.loss->name() == "triplet") {
    for (double p : {2.0, 1.0, 3.0, 0.5, -1.0, inf, -inf, 0.0})
      for (double swap : {0.0, 1.0}) options.push_back({{"p", p}, {"swap", swap}});
    options.push_back({{"eps", 0.0}, {"margin", 0.3}});
    options.push_back({{"margin", 2.5}, {"swap", 1.0}, {"eps", 0.05}});
  } else {
    for (double m : {1.0, 0.5, 0.0, 3.0}) options.push_back({{"margin", m}});
  }
  for (std::int64_t dim : widths)
    for (const auto& opt : options)
      for (reduction red : {reduction::mean, reduction::none}) {
        SCOPED_TRACE("D = " + std::to_string(dim) + " " + describe(opt) + std::string(to_string(red)));
        const param_set params = make(opt);
        check(e, e.loss->generate(e.type, {rows, dim}, 17 + static_cast<std::uint64_t>(dim), e.loss->resolve(params)),
              params, red);
      }
}

TEST_P(EmbeddingVariant, ContrastiveTargetDtypesAgree) {
  const entry& e = *GetParam();
  if (e.loss->name() != "contrastive") GTEST_SKIP();
  for (std::int64_t dim : {7, 128}) {
    auto in = e.loss->generate(e.type, {rows, dim}, 5, e.loss->resolve({}));
    for (dtype yt : {dtype::i32, dtype::i64}) {
      std::vector<array> copy;
      for (int k = 0; k < 2; ++k) copy.push_back(in[static_cast<std::size_t>(k)].astype(e.type));
      copy.push_back(in[2].astype(yt));
      check(e, std::move(copy), {}, reduction::sum);
    }
  }
}

// Identical rows (eps = 0: every distance 0) through the vector tails: finite everywhere.
TEST_P(EmbeddingVariant, IdenticalRowsGiveNoNanAtEveryWidth) {
  const entry& e = *GetParam();
  for (std::int64_t dim : widths) {
    auto in = e.loss->generate(e.type, {rows, dim}, 3, e.loss->resolve({}));
    in[1] = in[0].astype(e.type);
    if (e.loss->name() == "triplet") in[2] = in[0].astype(e.type);
    const param_set opt = make(e.loss->name() == "triplet" ? option{{"eps", 0.0}} : option{});
    owned_call oc(*e.loss, std::move(in), opt, reduction::sum);
    const evaluation ev = evaluate(e, oc, true);
    EXPECT_TRUE(std::isfinite(ev.value)) << "D = " << dim;
    for (const auto& g : ev.grads)
      for (std::int64_t i = 0; i < g.numel(); ++i) ASSERT_EQ(g.get(i), 0.0) << "D = " << dim << " [" << i << "]";
  }
}

// A NaN in the last element of a row (in the tail lanes when D mod W ≠ 0) reaches the value.
TEST_P(EmbeddingVariant, NanInTheTailPropagates) {
  const entry& e = *GetParam();
  for (std::int64_t dim : widths) {
    for (double p : {2.0, 1.0, 3.0, std::numeric_limits<double>::infinity()}) {
      const param_set opt = make(e.loss->name() == "triplet" ? option{{"p", p}} : option{});
      owned_call oc(*e.loss, e.loss->generate(e.type, {rows, dim}, 9, e.loss->resolve(opt)), opt, reduction::sum);
      oc.inputs[1].set(4 * dim + dim - 1, std::nan(""));
      EXPECT_TRUE(std::isnan(evaluate(e, oc, true).value)) << "D = " << dim << " p = " << p;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Variants, EmbeddingVariant, ::testing::ValuesIn(entries_of({"triplet", "contrastive"})),
                         entry_test_name);

// General p: the SIMD kernels' |v|^p and root (pow_abs) are no less accurate than the scalar
// kernel's std::pow. With a = n = 0, eps = 0, margin = 0 and D = 1 a row's loss is (|v|^p)^(1/p),
// v the positive; magnitudes 1e-12..1e12 make |p ln v| large, where exp(p·log v) taken in the
// working precision errs by tens of ulps (it did before pow_abs computed float in double lanes).
void expect_pow_as_accurate_as_scalar(const entry& e) {
  constexpr std::int64_t n = 49;
  std::vector<double> v(n);
  for (std::int64_t i = 0; i < n; ++i)
    v[static_cast<std::size_t>(i)] = (i % 2 ? -1 : 1) * std::pow(10.0, -12.0 + 0.5 * static_cast<double>(i));
  for (double p : {3.0, 0.5, 1.5, -1.0}) {
    const param_set opt = make({{"p", p}, {"eps", 0.0}, {"margin", 0.0}});
    auto losses = [&](const entry& x) {
      std::vector<array> in;
      in.push_back(literal(std::vector<double>(n, 0.0), {n, 1}, e.type));
      in.push_back(literal(v, {n, 1}, e.type));
      in.push_back(literal(std::vector<double>(n, 0.0), {n, 1}, e.type));
      owned_call oc(*x.loss, std::move(in), opt, reduction::none);
      return evaluate(x, oc, false).losses;
    };
    const array mine = losses(e), scalar = losses(scalar_entry("triplet", e.type));
    // Each of t = |v|^p and the root is within 1 ulp (std::pow) or ½ ulp + 2^-9 ulp
    // (pow_abs for float, simd/pow_in_double.hpp; std::pow for double): t's difference (≤ 1.5 ulp) moves d by 1.5/|p|,
    // the roots add 1.5.
    const double bound_ulps = 1.5 / std::fabs(p) + 1.5;
    for (std::int64_t i = 0; i < n; ++i) {
      const double s = scalar.get(i), m = mine.get(i);
      const double ulp = e.type == dtype::f32 ? std::nextafter(static_cast<float>(s), INFINITY) - static_cast<float>(s)
                                              : std::nextafter(s, INFINITY) - s;
      EXPECT_LE(std::fabs(m - s), bound_ulps * ulp) << "p = " << p << " v = " << v[static_cast<std::size_t>(i)];
    }
  }
}

TEST(EmbeddingGeneralPower, AsAccurateAsScalarAcrossMagnitudes) {
  for (const entry* entry_ptr : entries_of({"triplet", "contrastive"})) {
    const entry& e = *entry_ptr;
    if (e.loss->name() != "triplet") continue;  // general p is triplet's option
    SCOPED_TRACE(e.name());
    expect_pow_as_accurate_as_scalar(e);
  }
}

}  // namespace
}  // namespace lossbench::testing
