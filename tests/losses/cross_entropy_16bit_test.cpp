// cross_entropy_16bit_test.cpp — cross_entropy with bf16 and f16 storage. The promise is that a
// 16-bit entry computes exactly what the same variant computes in f32 on the exactly widened
// inputs, each gradient element and row loss then rounded once to the storage type: so its
// results are compared bit for bit with the f32 entry's, narrowed (where the f32 result is itself
// a rounding of a double, a 16-bit midpoint may round either way: double rounding). Also: the
// reference within the documented bound plus the storage rounding, omp = simd bit for bit on
// several thread counts, ±inf logits, gradients that round to subnormal halves, and the dtype
// rules for the weight and probability targets.
#include "losses/cross_entropy_support.hpp"
#include "support/sixteen_bit.hpp"

#include <lossbench/float16.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace lossbench::testing {
namespace {

constexpr double inf = std::numeric_limits<double>::infinity();
constexpr dtype halves[] = {dtype::bf16, dtype::f16};

// cross_entropy's f32 results are roundings of doubles (sixteen_bit.hpp).
constexpr f32_results from_double = f32_results::from_double;

// Every f32 variant, and the ISAs with 16-bit kernels of their own (isa_serves).
TEST(CrossEntropy16, HasBf16AndF16EntriesForEveryVariant) {
  for (dtype dt : halves) {
    std::size_t own = 0;
    for (isa i : usable_isas()) own += isa_serves(i, dt) && !isa_serves(i, dtype::f32);
    EXPECT_EQ(ce_entries(dt).size(), ce_entries(dtype::f32).size() + own) << to_string(dt);
    for (const entry* e : ce_entries(dtype::f32)) EXPECT_EQ(twin_in(*e, dt).variant.name(), e->variant.name());
  }
}

// C = 10 and 31: the row-per-lane tile; 32 and up: the row-wise kernel (rows grouped by 8 or 4
// below 512 classes); 32000: a language-model head, one row a block.
TEST(CrossEntropy16, IsTheF32ResultRoundedOnce) {
  const std::pair<std::int64_t, std::int64_t> sizes[] = {{257, 10}, {61, 31}, {45, 32}, {33, 1000}, {3, 32000}};
  for (dtype dt : halves)
    for (const auto& [rows, classes] : sizes)
      for (const ce_options& o : ce_option_grid)
        for (reduction red : ce().reductions())
          for (dtype index_type : {dtype::i64, dtype::i32}) {
            if (o.soft && index_type == dtype::i32) continue;
            SCOPED_TRACE(ce_trace(dt, classes, o, red));
            const owned_call oc = ce_call(dt, rows, classes, o, red, index_type, 200);
            for (const entry* e : ce_entries(dt)) {
              if (e->variant.impl == implementation::automatic) continue;  // may choose another kernel than f32's
              SCOPED_TRACE(e->name());
              expect_f32_narrowed(*e, oc, from_double);
            }
          }
}

TEST(CrossEntropy16, MatchesTheReferenceWithinTheBoundPlusStorageRounding) {
  const std::pair<std::int64_t, std::int64_t> sizes[] = {{257, 10}, {45, 32}, {33, 1000}, {2, 32000}};
  for (dtype dt : halves)
    for (const auto& [rows, classes] : sizes)
      for (const ce_options& o : ce_option_grid)
        for (reduction red : ce().reductions()) {
          SCOPED_TRACE(ce_trace(dt, classes, o, red));
          const owned_call oc = ce_call(dt, rows, classes, o, red, dtype::i64, 200);
          const reference_result ref = ce().reference(oc.view());
          for (const entry* e : ce_entries(dt)) {
            SCOPED_TRACE(e->name());
            expect_matches_reference(*e, oc, evaluate(*e, oc, true), true, 1.0, &ref);
          }
        }
}

// Blocks are 4096 logits (or one row): several per call, so the omp team splits them.
TEST(CrossEntropy16, OmpEqualsSimdBitForBitOnAnyThreadCount) {
  const std::pair<std::int64_t, std::int64_t> sizes[] = {{2000, 10}, {300, 100}, {50, 1000}, {9, 5000}};
  for (dtype dt : halves)
    for (const auto& [rows, classes] : sizes)
      for (const ce_options& o : {ce_option_grid[0], ce_option_grid[4], ce_option_grid[7]})
        for (reduction red : {reduction::mean, reduction::none}) {
          SCOPED_TRACE(ce_trace(dt, classes, o, red));
          const owned_call oc = ce_call(dt, rows, classes, o, red, dtype::i64, 200);
          const entry* simd = nullptr;
          const entry* omp = nullptr;
          for (const entry* e : ce_entries(dt)) {
            if (e->variant.name() == "simd") simd = e;
            if (e->variant.name() == "omp") omp = e;
          }
          if (!simd || !omp) GTEST_SKIP() << "no simd/omp entries on this CPU";
          const evaluation base = evaluate(*simd, oc, true);
          for (int threads : {1, 2, 3, 4, 7}) expect_same_bits(base, evaluate(*omp, oc, true, threads), omp->name());
        }
}

// ±inf and large logits as the f32 kernels treat them (tested against torch in
// cross_entropy_test): a −inf class has gradient 0, a +inf logit makes the row NaN.
TEST(CrossEntropy16, InfiniteLogitsAsInF32) {
  struct row_case {
    std::vector<double> z, target;
    double eps;
  };
  const row_case cases[] = {
      {{-inf, 0, 1, 2}, {1}, 0},
      {{-inf, 0, 1, 2}, {0}, 0},
      {{-inf, 0, 1, 2}, {1}, 0.1},
      {{-inf, 0, 1, 2}, {0}, 1.0},
      {{100, -100, 0, 1}, {1}, 0.1},
      {{inf, 0, 1, 2}, {1}, 0},
      {{-inf, -inf, -inf, -inf}, {1}, 0},
      {{-inf, 0, 1, 2}, {0, 0.5, 0.5, 0}, 0},
      {{-inf, 0, 1, 2}, {0, 0.5, 0.5, 0}, 0.1},
      {{-100, 100, 0, 1}, {0.5, 0.5, 0, 0}, 0},
  };
  for (dtype dt : halves)
    for (const row_case& rc : cases)
      for (std::int64_t width : {4, 40}) {  // the narrow tile and the row-wise kernel (the row padded with −inf)
        SCOPED_TRACE(std::string(to_string(dt)) + " z0=" + std::to_string(rc.z[0]) + " eps=" + std::to_string(rc.eps) +
                     " C=" + std::to_string(width));
        std::vector<double> z = rc.z, t = rc.target;
        z.resize(static_cast<std::size_t>(width), -inf);
        if (t.size() > 1) t.resize(static_cast<std::size_t>(width), 0);
        param_set p;
        p.set("label_smoothing", rc.eps);
        array target = t.size() == 1 ? make(dtype::i64, {1}, t) : make(dt, {1, width}, t);
        for (reduction red : {reduction::mean, reduction::none}) {
          owned_call oc(ce(), inputs_of(make(dt, {1, width}, z), target.astype(target.type())), p, red);
          for (const entry* e : ce_entries(dt)) {
            if (e->variant.impl == implementation::automatic) continue;
            SCOPED_TRACE(e->name());
            expect_f32_narrowed(*e, oc, from_double);
            const evaluation ev = evaluate(*e, oc, true);
            const bool nan_row = rc.z[0] == inf || rc.z[1] == -inf;  // +inf − +inf, or no finite logit
            if (nan_row) {
              for (std::int64_t j = 0; j < width; ++j) EXPECT_TRUE(std::isnan(ev.grads[0].get(j))) << j;
            } else if (width > 4 && rc.eps == 0) {
              EXPECT_EQ(ev.grads[0].get(width - 1), 0.0);  // a −inf class no target mass falls on
            }
          }
        }
      }
}

// Softmax entries far below the largest: gradients in the subnormal range of the storage type
// (f16: below 2^-14; bf16: below 2^-126, the f32 exponential itself subnormal) are rounded, not
// flushed to zero.
TEST(CrossEntropy16, GradientsRoundToSubnormalHalves) {
  for (dtype dt : halves)
    for (std::int64_t classes : {24, 64, 1000}) {
      SCOPED_TRACE(std::string(to_string(dt)) + " C=" + std::to_string(classes));
      const std::int64_t rows = 9;
      std::vector<double> z(static_cast<std::size_t>(rows * classes)), t(static_cast<std::size_t>(rows));
      const double step = dt == dtype::f16 ? 0.25 : 1.0, base = dt == dtype::f16 ? -9.0 : -84.0;
      for (std::int64_t i = 0; i < rows; ++i) {
        for (std::int64_t c = 0; c < classes; ++c)
          z[static_cast<std::size_t>(i * classes + c)] = c == 0 ? 0.0 : base - step * static_cast<double>(c % 32);
        t[static_cast<std::size_t>(i)] = static_cast<double>(i % 2);
      }
      for (reduction red : {reduction::sum, reduction::mean}) {
        owned_call oc(ce(), inputs_of(make(dt, {rows, classes}, z), make(dtype::i64, {rows}, t)), {}, red);
        for (const entry* e : ce_entries(dt)) {
          if (e->variant.impl == implementation::automatic) continue;
          SCOPED_TRACE(e->name());
          expect_f32_narrowed(*e, oc, from_double);
          const evaluation ev = evaluate(*e, oc, true);
          const double smallest_normal = dt == dtype::f16 ? 0x1p-14 : 0x1p-126;
          const double smallest = dt == dtype::f16 ? 0x1p-24 : 0x1p-133;
          std::int64_t subnormal = 0;
          for (std::int64_t j = 0; j < ev.grads[0].numel(); ++j) {
            const double g = std::fabs(ev.grads[0].get(j));
            subnormal += g > 0 && g < smallest_normal;
            EXPECT_TRUE(g == 0 || g >= smallest) << j;
          }
          EXPECT_GT(subnormal, 0) << "no gradient element is subnormal: the case tests nothing";
        }
      }
    }
}

// The weight and probability targets are stored like the logits: a 16-bit loss takes them in its
// own dtype and refuses another, naming the argument.
TEST(CrossEntropy16, WeightAndProbabilitiesInTheLossDtype) {
  const std::vector<double> z = {1.25, -0.5, 2.0, 0.75, -1.5, 0.0};
  for (dtype dt : halves) {
    const entry& e = *ce_entries(dt).front();
    param_set ok;
    ok.set("weight", make(dt, {3}, {0.5, 2.0, 1.0}));
    owned_call weighted(ce(), inputs_of(make(dt, {2, 3}, z), make(dtype::i64, {2}, {0, 2})), ok);
    EXPECT_NO_THROW(e.run(weighted.view()));
    for (dtype other : {dtype::f32, dtype::f64, dt == dtype::bf16 ? dtype::f16 : dtype::bf16}) {
      SCOPED_TRACE(std::string(to_string(dt)) + " with " + std::string(to_string(other)));
      param_set bad;
      bad.set("weight", make(other, {3}, {0.5, 2.0, 1.0}));
      owned_call wrong_weight(ce(), inputs_of(make(dt, {2, 3}, z), make(dtype::i64, {2}, {0, 2})), bad);
      try {
        e.run(wrong_weight.view());
        ADD_FAILURE() << "accepted a weight of " << to_string(other);
      } catch (const error& err) {
        EXPECT_EQ(err.argument(), "weight") << err.what();
      }
      owned_call wrong_probs(ce(), inputs_of(make(dt, {2, 3}, z), make(other, {2, 3}, {0, 1, 0, 0.5, 0.5, 0})));
      try {
        e.run(wrong_probs.view());
        ADD_FAILURE() << "accepted probabilities of " << to_string(other);
      } catch (const error& err) {
        EXPECT_EQ(err.argument(), "target") << err.what();
      }
    }
  }
}

}  // namespace
}  // namespace lossbench::testing
