// rowwise_16bit_test.cpp — triplet and contrastive with bf16 and f16 storage. The promise is that
// a 16-bit entry computes exactly what the same variant computes in f32 on the exactly widened
// inputs, each gradient element and row loss then rounded once to the storage type: the f32
// results are floats, so the 16-bit ones are compared bit for bit with them, narrowed (no double
// rounding: nothing is rounded from a double first). Also: omp = simd bit for bit on several
// thread counts, ±inf and NaN inputs, results past the 16-bit range stored as ±inf, gradients
// rounded to subnormal halves, the rescaled-norm path (bf16 only: f16's range cannot leave f32's
// normal range when squared), and contrastive's target in the loss dtype. The reference within
// the f32 bound plus the storage rounding is registry_test's (it runs every entry).
#include "row_loss_support.hpp"
#include "support/sixteen_bit.hpp"

#include <lossbench/float16.hpp>
#include <lossbench/losses.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace lossbench::testing {
namespace {

constexpr double inf = std::numeric_limits<double>::infinity();
constexpr dtype halves[] = {dtype::bf16, dtype::f16};
constexpr const char* row_losses[] = {"triplet", "contrastive"};

const loss_spec& spec_of(std::string_view loss) { return *find_entries(loss, "scalar", dtype::f32).front()->loss; }

// The entries a 16-bit result is compared on: every one but `auto` (it may choose another kernel
// than its f32 twin's, by the tuned profile of another dtype).
std::vector<const entry*> entries_16(std::string_view loss, dtype dt) {
  std::vector<const entry*> out;
  for (const entry* e : find_entries(loss, "all", dt))
    if (e->variant.impl != implementation::automatic) out.push_back(e);
  return out;
}

// Generated rows in the 16-bit dtype (each value rounded once to it by the generator).
owned_call generated(std::string_view loss, dtype dt, std::int64_t rows, std::int64_t dim, const param_set& p,
                     reduction red, std::uint64_t seed) {
  const loss_spec& s = spec_of(loss);
  return owned_call(s, s.generate(dt, {rows, dim}, seed, s.resolve(p)), p, red);
}

std::string trace(std::string_view loss, dtype dt, std::int64_t dim, const param_set& p, reduction red) {
  std::string t = std::string(loss) + " " + std::string(to_string(dt)) + " D=" + std::to_string(dim) + " " +
                  std::string(to_string(red));
  for (const std::string& n : p.names()) t += " " + n + "=" + std::to_string(p.number(n));
  return t;
}

// The parameter sets: every norm kind of triplet (p = 2, 1, 0, ±inf, general), with and without
// swap; contrastive's margin inside and beyond the sampled distances.
std::vector<param_set> parameter_grid(std::string_view loss) {
  std::vector<param_set> out;
  if (loss == "contrastive") {
    for (double m : {1.0, 0.25}) out.emplace_back().set("margin", m);
    return out;
  }
  for (double p : {2.0, 1.0, 0.0, inf, -inf, 3.0})
    for (bool swap : {false, true}) out.emplace_back().set("p", p).set("swap", swap ? 1.0 : 0.0);
  return out;
}

TEST(Rowwise16, HasBf16AndF16EntriesForEveryVariant) {
  for (const char* loss : row_losses)
    for (dtype dt : halves) {
      const auto dts = spec_of(loss).dtypes();
      EXPECT_NE(std::find(dts.begin(), dts.end(), dt), dts.end()) << loss << " " << to_string(dt);
      // Every f32 variant has its 16-bit entry (an ISA may serve 16-bit storage alone: isa_serves).
      for (const entry* f : find_entries(loss, "all", dtype::f32)) {
        bool found = false;
        for (const entry* e : find_entries(loss, "all", dt)) found = found || e->variant.name() == f->variant.name();
        EXPECT_TRUE(found) << f->name() << " has no " << to_string(dt) << " entry";
      }
    }
}

// D around the vector widths (4, 8, 16 lanes and the two-accumulator step) and a wide row; 19
// rows: two groups of 8 rows and a partial one.
TEST(Rowwise16, IsTheF32ResultRoundedOnce) {
  for (const char* loss : row_losses)
    for (dtype dt : halves)
      for (std::int64_t dim : {1, 7, 8, 9, 17, 33, 130})
        for (const param_set& p : parameter_grid(loss))
          for (reduction red : spec_of(loss).reductions()) {
            SCOPED_TRACE(trace(loss, dt, dim, p, red));
            const owned_call oc = generated(loss, dt, 19, dim, p, red, 100 + static_cast<std::uint64_t>(dim));
            for (const entry* e : entries_16(loss, dt)) {
              SCOPED_TRACE(e->name());
              expect_f32_narrowed(*e, oc, f32_results::once);
            }
          }
}

// Blocks are ~4096 elements of rows: 600 rows of D = 64 make ten, so the omp team splits them.
TEST(Rowwise16, OmpEqualsSimdBitForBitOnAnyThreadCount) {
  for (const char* loss : row_losses)
    for (dtype dt : halves)
      for (reduction red : {reduction::mean, reduction::none}) {
        SCOPED_TRACE(trace(loss, dt, 64, {}, red));
        const owned_call oc = generated(loss, dt, 600, 64, {}, red, 7);
        const auto simd = find_entries(loss, "simd", dt);
        const auto omp = find_entries(loss, "omp", dt);
        if (simd.empty() || omp.empty()) GTEST_SKIP() << "no simd/omp entries on this CPU";
        const evaluation base = evaluate(*simd.front(), oc, true);
        for (int threads : {1, 2, 3, 7}) expect_same_bits(base, evaluate(*omp.front(), oc, true, threads), "omp");
      }
}

// Generated rows with ±inf and NaN written into some elements: NaN and ±inf propagate exactly as
// in f32 (a NaN gradient stays NaN once stored).
TEST(Rowwise16, InfinitiesAndNaNAsInF32) {
  for (const char* loss : row_losses)
    for (dtype dt : halves)
      for (const param_set& p : parameter_grid(loss)) {
        SCOPED_TRACE(trace(loss, dt, 9, p, reduction::none));
        owned_call oc = generated(loss, dt, 11, 9, p, reduction::none, 31);
        const std::size_t rows_in = std::string_view(loss) == "triplet" ? 3 : 2;
        for (std::size_t k = 0; k < rows_in; ++k) {
          oc.inputs[k].set(static_cast<std::int64_t>(9 * (1 + k) + 2), inf);
          oc.inputs[k].set(static_cast<std::int64_t>(9 * (4 + k) + 5), -inf);
          oc.inputs[k].set(static_cast<std::int64_t>(9 * (8 + k) + 8), std::nan(""));
        }
        for (const entry* e : entries_16(loss, dt)) {
          SCOPED_TRACE(e->name());
          expect_f32_narrowed(*e, oc, f32_results::once);
        }
      }
}

// contrastive, a similar pair: ∂ℓ/∂x1 = x1 − x2 (sum: scale 1), and ℓ = ½Σ(x1 − x2)². The
// difference is finite in f32 and past the 16-bit range (f16: 65520 and up; bf16: 0x1.ffp127, the
// tie above its largest finite value 0x1.fep127, which rounds to even: up), so it is stored as
// ±inf; one element stays in range.
TEST(Rowwise16, ResultsPastTheRangeAreStoredAsInfinity) {
  for (dtype dt : halves) {
    const double big = dt == dtype::f16 ? 40000.0 : 0x1.fep127, off = dt == dtype::f16 ? -30000.0 : -0x1p119;
    const std::vector<double> x1 = {big, -big, 0.5, 2.0}, x2 = {off, -off, 0.25, 1.0};
    std::vector<array> in;
    in.push_back(literal(x1, {1, 4}, dt));
    in.push_back(literal(x2, {1, 4}, dt));
    in.push_back(literal({1}, {1}, dtype::i64));
    const owned_call oc(spec_of("contrastive"), std::move(in), {}, reduction::sum);
    for (const entry* e : entries_16("contrastive", dt)) {
      SCOPED_TRACE(e->name());
      expect_f32_narrowed(*e, oc, f32_results::once);
      const evaluation ev = evaluate(*e, oc, true);
      EXPECT_EQ(ev.grads[0].get(0), inf);
      EXPECT_EQ(ev.grads[0].get(1), -inf);
      EXPECT_EQ(ev.grads[1].get(0), -inf);
      EXPECT_EQ(ev.grads[0].get(2), 0.25);
    }
  }
}

// Gradients below the 16-bit normal range (f16: 2^-14; bf16: 2^-126, there also f32 subnormals)
// are rounded to subnormal halves, not flushed: contrastive similar rows, ∂ℓ/∂x1 = (x1 − x2)/3
// (mean over 3 rows), and triplet with eps = 0, n = a (d(a,n) = 0: no gradient from it), so
// ∂ℓ/∂a = (a − p)/d(a,p)/3 with one tiny element of a − p.
TEST(Rowwise16, GradientsRoundToSubnormalHalves) {
  for (dtype dt : halves) {
    const double tiny = dt == dtype::f16 ? 0x1p-13 : 0x1p-125, tinier = dt == dtype::f16 ? 0x1.8p-20 : 0x1.8p-128;
    const double smallest_normal = dt == dtype::f16 ? 0x1p-14 : 0x1p-126;
    const double smallest = dt == dtype::f16 ? 0x1p-24 : 0x1p-133;
    // 3 rows of D = 9 (a full batch and a tail on every ISA below AVX-512).
    std::vector<double> a(27), q(27);
    for (std::size_t j = 0; j < 27; ++j) {
      a[j] = j % 9 == 0 ? 1.0 : tiny * static_cast<double>(1 + j % 5);
      q[j] = j % 9 == 3 ? tinier : 0.0;
    }
    auto count_subnormal = [&](const array& g) {
      std::int64_t n = 0;
      for (std::int64_t j = 0; j < g.numel(); ++j) {
        const double x = std::fabs(g.get(j));
        n += x > 0 && x < smallest_normal;
        EXPECT_TRUE(x == 0 || x >= smallest) << j;
      }
      return n;
    };
    {
      std::vector<array> in;
      in.push_back(literal(a, {3, 9}, dt));
      in.push_back(literal(q, {3, 9}, dt));
      in.push_back(literal({1, 1, 1}, {3}, dtype::i64));
      const owned_call oc(spec_of("contrastive"), std::move(in), {}, reduction::mean);
      for (const entry* e : entries_16("contrastive", dt)) {
        SCOPED_TRACE(e->name());
        expect_f32_narrowed(*e, oc, f32_results::once);
        EXPECT_GT(count_subnormal(evaluate(*e, oc, true).grads[0]), 0)
            << "no subnormal gradient: the case tests nothing";
      }
    }
    {
      std::vector<array> in;
      in.push_back(literal(a, {3, 9}, dt));
      in.push_back(literal(q, {3, 9}, dt));
      in.push_back(literal(a, {3, 9}, dt));
      const owned_call oc(spec_of("triplet"), std::move(in), param_set().set("eps", 0.0), reduction::mean);
      for (const entry* e : entries_16("triplet", dt)) {
        SCOPED_TRACE(e->name());
        expect_f32_narrowed(*e, oc, f32_results::once);
        EXPECT_GT(count_subnormal(evaluate(*e, oc, true).grads[0]), 0)
            << "no subnormal gradient: the case tests nothing";
      }
    }
  }
}

// bf16 holds float's exponent range: rows of |v| = 2^70 (squares past FLT_MAX) and 2^-70
// (squares below D·FLT_MIN) take the rescaled pass (embedding/rescaled_norm.hpp) in f32, and the
// 16-bit entries take the same one on the same widened values.
TEST(Rowwise16, RescaledRowsAsInF32) {
  for (const char* loss : row_losses)
    for (double scale : {0x1p70, 0x1p-70})
      for (const param_set& p : parameter_grid(loss)) {
        SCOPED_TRACE(trace(loss, dtype::bf16, 33, p, reduction::none) + " scale=" + std::to_string(scale));
        owned_call oc = generated(loss, dtype::bf16, 19, 33, p, reduction::none, 5);
        const std::size_t rows_in = std::string_view(loss) == "triplet" ? 3 : 2;
        for (std::size_t k = 0; k < rows_in; ++k)
          for (std::int64_t i = 0; i < oc.inputs[k].numel(); ++i)
            oc.inputs[k].set(i, oc.inputs[k].get(i) * scale);  // a power of two: exact
        for (const entry* e : entries_16(loss, dtype::bf16)) {
          SCOPED_TRACE(e->name());
          expect_f32_narrowed(*e, oc, f32_results::once);
        }
      }
}

// contrastive's target is stored like the rows (or as class indices): a 16-bit loss takes it in
// its own dtype or i32/i64 and refuses another floating dtype, naming the argument.
TEST(Rowwise16, ContrastiveTargetInTheLossDtypeOrIndices) {
  const std::vector<double> x1 = {0.5, -1.25, 0.75, 2.0}, x2 = {0.75, -1.0, 0.5, 1.5};
  for (dtype dt : halves) {
    const entry& e = *entries_16("contrastive", dt).front();
    for (dtype target : {dt, dtype::i32, dtype::i64}) {
      std::vector<array> in;
      in.push_back(literal(x1, {2, 2}, dt));
      in.push_back(literal(x2, {2, 2}, dt));
      in.push_back(literal({1, 0}, {2}, target));
      const owned_call oc(spec_of("contrastive"), std::move(in));
      EXPECT_NO_THROW(e.run(oc.view())) << to_string(target);
    }
    for (dtype other : {dtype::f32, dtype::f64, dt == dtype::bf16 ? dtype::f16 : dtype::bf16}) {
      std::vector<array> in;
      in.push_back(literal(x1, {2, 2}, dt));
      in.push_back(literal(x2, {2, 2}, dt));
      in.push_back(literal({1, 0}, {2}, other));
      const owned_call oc(spec_of("contrastive"), std::move(in));
      EXPECT_EQ(error_argument([&] { e.run(oc.view()); }), "target") << to_string(other);
    }
  }
}

// The typed span API takes bf16/f16 rows for both losses and returns the f32 value: the same
// bits as the registry entry of the variant it names.
template <class S>
void expect_span_api_as_registry(dtype dt) {
  for (const char* loss : row_losses) {
    SCOPED_TRACE(std::string(loss) + " " + std::string(to_string(dt)));
    const owned_call oc = generated(loss, dt, 5, 12, {}, reduction::sum, 3);
    const evaluation want = evaluate(*find_entries(loss, "scalar", dt).front(), oc, true);
    std::vector<array> g;
    for (const array& w : want.grads) g.emplace_back(dt, w.shape());
    const auto x = [&](std::size_t i) { return oc.inputs[i].span<S>(); };
    float got = 0;
    if (std::string_view(loss) == "triplet") {
      triplet_options o;
      o.variant = "scalar";
      o.reduction = reduction::sum;
      got = triplet<S>(x(0), x(1), x(2), 12, o, g[0].span<S>(), g[1].span<S>(), g[2].span<S>());
    } else {
      contrastive_options o;
      o.variant = "scalar";
      o.reduction = reduction::sum;
      got = contrastive<S>(x(0), x(1), x(2), 12, o, g[0].span<S>(), g[1].span<S>());
    }
    EXPECT_EQ(got, want.value);
    for (std::size_t k = 0; k < g.size(); ++k)
      EXPECT_EQ(std::memcmp(g[k].raw(), want.grads[k].raw(), g[k].bytes()), 0) << "grad" << k;
  }
}

TEST(Rowwise16, SpanApiTakes16BitRows) {
  expect_span_api_as_registry<bf16>(dtype::bf16);
  expect_span_api_as_registry<f16>(dtype::f16);
}

}  // namespace
}  // namespace lossbench::testing
