// float16_test.cpp — lossbench::bf16 and lossbench::f16 against references built here from IEEE
// 754's definitions (each field's value via std::ldexp; the sorted grid of representable values;
// the nearer neighbour, ties to the even bit pattern; overflow as if the exponent were unbounded),
// not from float16.hpp's bit arithmetic; then every usable ISA's array conversions
// (simd/bulk_convert.hpp) against the scalar ones. Every conversion is exact or correctly
// rounded, so every comparison is of bits: there is no tolerance anywhere.
#include "simd/bulk_convert.hpp"

#include <lossbench/float16.hpp>
#include <lossbench/isa.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace lossbench::testing {
namespace {

// ---------------------------------------------------------------------------------------------
// The formats, from their field widths alone.

struct format {
  const char* name;
  int exponent_bits;
  int fraction_bits;

  int bias() const { return (1 << (exponent_bits - 1)) - 1; }
  std::uint16_t exponent_mask() const {
    return static_cast<std::uint16_t>(((1u << exponent_bits) - 1u) << fraction_bits);
  }
  std::uint16_t fraction_mask() const { return static_cast<std::uint16_t>((1u << fraction_bits) - 1u); }
  std::uint16_t quiet_bit() const { return static_cast<std::uint16_t>(1u << (fraction_bits - 1)); }
  std::uint16_t largest_finite() const { return static_cast<std::uint16_t>(exponent_mask() - 1u); }
};

constexpr format bf16_format{"bf16", 8, 7};
constexpr format f16_format{"f16", 5, 10};

template <class S>
const format& format_of() {
  return std::is_same_v<S, bf16> ? bf16_format : f16_format;
}

std::uint32_t bits_of(float x) { return std::bit_cast<std::uint32_t>(x); }
float float_of(std::uint32_t u) { return std::bit_cast<float>(u); }

std::string hex(std::uint64_t v) {
  char s[24];
  std::snprintf(s, sizeof s, "0x%llx", static_cast<unsigned long long>(v));
  return s;
}

// The value of a 16-bit pattern (NaN for the NaNs), computed from its fields.
double value_of(const format& f, std::uint16_t bits) {
  const int exponent = (bits & f.exponent_mask()) >> f.fraction_bits;
  const int fraction = bits & f.fraction_mask();
  double magnitude;
  if (exponent == (1 << f.exponent_bits) - 1)
    magnitude = fraction == 0 ? std::numeric_limits<double>::infinity() : std::numeric_limits<double>::quiet_NaN();
  else if (exponent == 0)
    magnitude = std::ldexp(fraction, 1 - f.bias() - f.fraction_bits);
  else
    magnitude = std::ldexp((1 << f.fraction_bits) + fraction, exponent - f.bias() - f.fraction_bits);
  return (bits & 0x8000u) ? -magnitude : magnitude;
}

// A 16-bit NaN narrowed from a float NaN: the sign, the quiet bit set, and the float payload's top
// bits (vcvtps2ph truncates the payload so; float16.hpp documents bf16 alike).
std::uint16_t narrowed_nan(const format& f, std::uint32_t u) {
  const auto sign = static_cast<std::uint16_t>((u >> 16) & 0x8000u);
  const auto payload = static_cast<std::uint16_t>((u >> (23 - f.fraction_bits)) & f.fraction_mask());
  return static_cast<std::uint16_t>(sign | f.exponent_mask() | f.quiet_bit() | payload);
}

// Round to nearest, ties to the even bit pattern, onto one format's grid: its finite non-negative
// values sorted, then 2^(emax+1) standing for infinity. IEEE 754 overflows when the result rounded
// with an unbounded exponent exceeds the largest finite value, which is this grid's rounding:
// |x| ≥ max + ulp/2 gives ±inf, the tie included (2^(emax+1)'s significand is even).
class rounder {
 public:
  explicit rounder(const format& f) {
    std::vector<std::pair<double, std::uint16_t>> grid;
    for (std::uint32_t b = 0; b <= f.largest_finite(); ++b)
      grid.emplace_back(value_of(f, static_cast<std::uint16_t>(b)), b);
    grid.emplace_back(std::ldexp(1.0, f.bias() + 1), f.exponent_mask());
    std::sort(grid.begin(), grid.end());
    for (const auto& [v, b] : grid) values_.push_back(v), bits_.push_back(b);
  }

  std::span<const double> values() const { return values_; }

  // x must not be NaN.
  std::uint16_t round(double x) {
    const auto sign = static_cast<std::uint16_t>(std::signbit(x) ? 0x8000u : 0u);
    const double a = std::fabs(x);
    if (a >= values_.back()) return sign | bits_.back();
    const std::size_t i = neighbour_below(a);
    if (a == values_[i]) return sign | bits_[i];
    // Exact (Sterbenz): both neighbours are within a factor 2 of a, or the lower one is 0; when
    // it is 0, a < hi/2 only makes `above` larger, however it rounds.
    const double below = a - values_[i], above = values_[i + 1] - a;
    if (below != above) return sign | bits_[below < above ? i : i + 1];
    return sign | bits_[(bits_[i] & 1u) ? i + 1 : i];
  }

 private:
  // The index i with values[i] ≤ a < values[i + 1]; sweeps go up in magnitude, so the last answer
  // or the next one usually is it, and the binary search is the exception.
  std::size_t neighbour_below(double a) {
    if (values_[cursor_] <= a && a < values_[cursor_ + 1]) return cursor_;
    if (values_[cursor_ + 1] <= a && cursor_ + 2 < values_.size() && a < values_[cursor_ + 2]) return ++cursor_;
    cursor_ = static_cast<std::size_t>(std::upper_bound(values_.begin(), values_.end(), a) - values_.begin()) - 1;
    return cursor_;
  }

  std::vector<double> values_;
  std::vector<std::uint16_t> bits_;
  std::size_t cursor_ = 0;
};

std::uint16_t expected_narrowed(const format& f, rounder& ref, float x) {
  return std::isnan(x) ? narrowed_nan(f, bits_of(x)) : ref.round(static_cast<double>(x));
}

// Counts disagreements and describes the first few: a broken conversion fails millions of inputs.
class mismatches {
 public:
  void add(const std::string& what) {
    if (count_++ < 8) first_ += what + "\n";
  }
  std::size_t count() const { return count_; }
  const std::string& first() const { return first_; }

 private:
  std::size_t count_ = 0;
  std::string first_;
};

// ---------------------------------------------------------------------------------------------
// Float sweeps for the narrowing checks, handed over in chunks.

using consumer = std::function<void(std::span<const float>)>;

// Odd (a prime): an array conversion of a whole chunk always ends in a tail, 4093 being no
// multiple of 4, 8 or 16 lanes.
constexpr std::size_t chunk_size = 4093;

class chunker {
 public:
  explicit chunker(const consumer& consume) : consume_(consume) { buf_.reserve(chunk_size); }
  ~chunker() { flush(); }
  void operator()(float x) {
    buf_.push_back(x);
    if (buf_.size() == chunk_size) flush();
  }
  void flush() {
    if (!buf_.empty()) consume_(buf_);
    buf_.clear();
  }

 private:
  const consumer& consume_;
  std::vector<float> buf_;
};

// Every float whose magnitude's bit pattern lies in [first, last], positive and negative.
void every_float(std::uint32_t first, std::uint32_t last, const consumer& consume) {
  chunker out(consume);
  for (std::uint32_t sign : {0u, 0x80000000u}) {
    for (std::uint64_t a = first; a <= last; ++a) out(float_of(sign | static_cast<std::uint32_t>(a)));
    out.flush();  // a chunk of one sign only: its magnitudes go up, as the reference's cursor likes
  }
}

// ±0, ±inf, the extremes of float, and NaNs whose payload lies only in bits a narrowing drops.
void specials(const consumer& consume) {
  chunker out(consume);
  for (std::uint32_t sign : {0u, 0x80000000u}) {
    for (std::uint32_t m :
         {0x00000000u, 0x00000001u, 0x007fffffu, 0x00800000u, 0x7f7fffffu, 0x7f800000u, 0x7f800001u, 0x7f801fffu,
          0x7f802000u, 0x7f80ffffu, 0x7f810000u, 0x7fbfffffu, 0x7fc00000u, 0x7fc00001u, 0x7fffffffu})
      out(float_of(sign | m));
  }
}

// Every pair of neighbours on the format's grid (the overflow step to 2^(emax+1) included): each
// one, its float neighbours, the halfway point (a float: its significand has one bit more than
// the format's) and the halfway point's float neighbours, positive and negative.
template <class S>
void halfway_points(const consumer& consume) {
  const rounder grid(format_of<S>());
  const auto v = grid.values();
  chunker out(consume);
  for (float sign : {1.0f, -1.0f}) {
    for (std::size_t i = 0; i + 1 < v.size(); ++i) {
      const auto lo = static_cast<float>(v[i]);
      const double mid_exact = (v[i] + v[i + 1]) / 2;
      const auto mid = static_cast<float>(mid_exact);
      if (static_cast<double>(mid) != mid_exact) ADD_FAILURE() << "halfway point " << mid_exact << " is no float";
      for (float x : {std::nextafter(lo, -1.0f), lo, std::nextafter(lo, 2 * lo + 1), std::nextafter(mid, 0.0f), mid,
                      std::nextafter(mid, 2 * mid)})
        out(sign * x);
    }
    out.flush();
  }
}

// Every float pattern whose bits above `cut` are any of the 2^(32 - cut) prefixes and whose bits
// below are one of the patterns that decide rounding there: exact, just above, just below, at and
// around the tie, all ones. bf16 cuts a normal float at bit 16, f16 at bit 13.
void every_prefix_at_cut(int cut, const consumer& consume) {
  const std::uint32_t half = 1u << (cut - 1), all = (1u << cut) - 1u;
  chunker out(consume);
  for (std::uint64_t prefix = 0; prefix < (std::uint64_t{1} << (32 - cut)); ++prefix)
    for (std::uint32_t low : {0u, 1u, half - 1u, half, half + 1u, all})
      out(float_of(static_cast<std::uint32_t>(prefix << cut) | low));
}

// 2^32 / 1021 ≈ 4.2 million patterns spread over all of them: prime, so the low bits vary from one
// sample to the next and every exponent, sign and NaN class gets thousands.
void strided_patterns(const consumer& consume) {
  chunker out(consume);
  for (std::uint64_t u = 0; u < (std::uint64_t{1} << 32); u += 1021) out(float_of(static_cast<std::uint32_t>(u)));
}

// 2^20 uniformly random patterns, fixed seed (mt19937's output is the same everywhere): low-bit
// combinations the stride never lands on.
void random_patterns(const consumer& consume) {
  std::mt19937 gen(20261207u);
  chunker out(consume);
  for (int k = 0; k < (1 << 20); ++k) out(float_of(static_cast<std::uint32_t>(gen())));
}

// Each format's exhaustive ranges, where its rounding changes shape:
// f16: every float of magnitude 2^-25 … 2^-14 (the tie with 0 and every subnormal half; the
// shift that rounds differs per binade, so each binade is covered whole), and 256 floats beyond
// either end (the round to 0 below, the first normal above);
void f16_subnormal_results(const consumer& consume) { every_float(0x33000000u - 256, 0x38800000u + 256, consume); }
// every float of magnitude 2^15 … 2^16: the top binade, 65504, the 65520 overflow tie, 65536.
void f16_overflow_boundary(const consumer& consume) { every_float(0x47000000u, 0x47800000u, consume); }
// bf16: every float below 2^-125 (the subnormals and the first normal binade);
void bf16_subnormal_results(const consumer& consume) { every_float(0x00000000u, 0x01000000u, consume); }
// every float from bf16's second-largest value (0x7f7e) up to FLT_MAX and +inf: the overflow
// tie at 0x7f7f8000 and all that a wrong carry could push into inf.
void bf16_overflow_boundary(const consumer& consume) { every_float(0x7f7e0000u, 0x7f800000u, consume); }

void bf16_cuts(const consumer& consume) { every_prefix_at_cut(16, consume); }
void f16_cuts(const consumer& consume) { every_prefix_at_cut(13, consume); }

struct sweep {
  const char* name;
  void (*run)(const consumer&);
};

template <class S>
std::vector<sweep> sweeps() {
  std::vector<sweep> all = {{"specials", specials},
                            {"halfway points", halfway_points<S>},
                            {"strided patterns", strided_patterns},
                            {"random patterns", random_patterns}};
  if constexpr (std::is_same_v<S, bf16>) {
    all.insert(all.end(), {{"bits around the cut", bf16_cuts},
                           {"subnormal results", bf16_subnormal_results},
                           {"overflow boundary", bf16_overflow_boundary}});
  } else {
    all.insert(all.end(), {{"bits around the cut", f16_cuts},
                           {"subnormal results", f16_subnormal_results},
                           {"overflow boundary", f16_overflow_boundary}});
  }
  return all;
}

// Scalar float → S on a sweep against the reference.
template <class S>
void expect_narrowing_matches_reference(void (*run)(const consumer&)) {
  const format& f = format_of<S>();
  rounder ref(f);
  mismatches bad;
  std::size_t seen = 0;
  run([&](std::span<const float> xs) {
    seen += xs.size();
    for (float x : xs) {
      const std::uint16_t want = expected_narrowed(f, ref, x);
      const std::uint16_t got = S(x).bits;
      if (got != want)
        bad.add(std::string(f.name) + "(float " + hex(bits_of(x)) + "): " + hex(got) + ", want " + hex(want));
    }
  });
  EXPECT_GT(seen, 0u);
  EXPECT_EQ(bad.count(), 0u) << bad.count() << " of " << seen << " floats:\n" << bad.first();
}

// ---------------------------------------------------------------------------------------------
// Widening.

// All 65536 patterns: the float's bits are the exact value's (static_cast<float> of a double that
// fits in a float is exact), or for a NaN the sign, the payload at the top of float's fraction,
// and the quiet bit where the conversion sets it.
template <class S>
void expect_every_pattern_widens_exactly(bool quiets_nan) {
  const format& f = format_of<S>();
  mismatches bad;
  std::size_t nans = 0, infinities = 0, zeros = 0, subnormals = 0;
  for (std::uint32_t b = 0; b <= 0xffffu; ++b) {
    const auto bits = static_cast<std::uint16_t>(b);
    const double v = value_of(f, bits);
    std::uint32_t want;
    if (std::isnan(v)) {
      ++nans;
      want = (b & 0x8000u) << 16 | 0x7f800000u |
             static_cast<std::uint32_t>(b & f.fraction_mask()) << (23 - f.fraction_bits);
      if (quiets_nan) want |= 0x400000u;
    } else {
      infinities += std::isinf(v);
      zeros += v == 0;
      subnormals += v != 0 && (b & f.exponent_mask()) == 0;
      if (static_cast<double>(static_cast<float>(v)) != v)
        bad.add("reference value " + std::to_string(v) + " is no float");
      want = bits_of(static_cast<float>(v));
    }
    const std::uint32_t got = bits_of(static_cast<float>(S::from_bits(bits)));
    if (got != want) bad.add(std::string(f.name) + " " + hex(b) + " widened to " + hex(got) + ", want " + hex(want));
  }
  EXPECT_EQ(bad.count(), 0u) << bad.first();
  // Every class of pattern was there: 2 × (2^fraction_bits − 1) NaNs and subnormals, ±inf, ±0.
  EXPECT_EQ(nans, 2u * f.fraction_mask());
  EXPECT_EQ(subnormals, 2u * f.fraction_mask());
  EXPECT_EQ(infinities, 2u);
  EXPECT_EQ(zeros, 2u);
}

TEST(Float16Widening, EveryBf16PatternWidensToItsExactValueAndNaNsKeepTheirBits) {
  // bf16 is float's top half: widening moves the bits up, so a signalling NaN stays signalling.
  expect_every_pattern_widens_exactly<bf16>(false);
}

TEST(Float16Widening, EveryF16PatternWidensToItsExactValueAndNaNsComeOutQuiet) {
  expect_every_pattern_widens_exactly<f16>(true);
}

TEST(Float16Widening, KnownPatternsHaveTheirDocumentedValues) {
  EXPECT_EQ(static_cast<float>(f16::from_bits(0x3c00)), 1.0f);
  EXPECT_EQ(static_cast<float>(f16::from_bits(0x7bff)), 65504.0f);
  EXPECT_EQ(static_cast<float>(f16::from_bits(0x0001)), 0x1p-24f);
  EXPECT_EQ(static_cast<float>(f16::from_bits(0x03ff)), 0x1.ff8p-15f);
  EXPECT_EQ(bits_of(static_cast<float>(f16::from_bits(0x8000))), 0x80000000u);
  EXPECT_EQ(bits_of(static_cast<float>(f16::from_bits(0xfc00))), 0xff800000u);
  EXPECT_EQ(bits_of(static_cast<float>(f16::from_bits(0x7c01))), 0x7fc02000u);
  EXPECT_EQ(bits_of(static_cast<float>(f16::from_bits(0xfdff))), 0xffffe000u);
  EXPECT_EQ(static_cast<float>(bf16::from_bits(0x3f80)), 1.0f);
  EXPECT_EQ(static_cast<float>(bf16::from_bits(0x0001)), 0x1p-133f);
  EXPECT_EQ(static_cast<float>(bf16::from_bits(0x7f7f)), 0x1.fep127f);
  EXPECT_EQ(bits_of(static_cast<float>(bf16::from_bits(0x7f81))), 0x7f810000u);
}

// ---------------------------------------------------------------------------------------------
// Narrowing float → bf16 / f16.

TEST(Float16Narrowing, KnownFloatsHaveTheirDocumentedBits) {
  const std::pair<std::uint32_t, std::uint16_t> f16_cases[] = {
      {bits_of(1.0f), 0x3c00},
      {bits_of(-2.0f), 0xc000},
      {bits_of(1.0f + 0x1p-11f), 0x3c00},  // tie: to the even 1.0
      {bits_of(1.0f + 0x3p-11f), 0x3c02},  // tie: to the even 1 + 2^-9
      {bits_of(65504.0f), 0x7bff},
      {0x477fefffu, 0x7bff},        // just below 65520
      {bits_of(65520.0f), 0x7c00},  // the tie between 65504 (odd) and 65536 (even): overflow
      {bits_of(0x1p-24f), 0x0001},
      {bits_of(0x1p-25f), 0x0000},  // tie between 0 and 2^-24
      {0x33000001u, 0x0001},
      {bits_of(0x1.8p-24f), 0x0002},  // tie between 1 and 2 × 2^-24
      {bits_of(0x1.ff8p-15f), 0x03ff},
      {bits_of(0x1.ffcp-15f), 0x0400},  // tie: to the first normal
      {bits_of(0x1p-14f), 0x0400},
      {bits_of(-0.0f), 0x8000},
      {0x7f800000u, 0x7c00},
      {0xff800000u, 0xfc00},
      {0x7f800001u, 0x7e00},  // a NaN whose whole payload is dropped stays a NaN
      {0xffc00000u, 0xfe00},
      {0x7fffffffu, 0x7fff},
      {0x7f802000u, 0x7e01},
  };
  for (const auto& [x, want] : f16_cases) EXPECT_EQ(f16(float_of(x)).bits, want) << "f16(float " << hex(x) << ")";
  const std::pair<std::uint32_t, std::uint16_t> bf16_cases[] = {
      {bits_of(1.0f), 0x3f80},
      {bits_of(1.0f + 0x1p-8f), 0x3f80},  // tie: to the even 1.0
      {bits_of(1.0f + 0x3p-8f), 0x3f82},
      {0x7f7fffffu, 0x7f80},  // FLT_MAX overflows
      {0x7f7f7fffu, 0x7f7f},
      {0x7f7f8000u, 0x7f80},  // the tie above the largest bf16: overflow
      {0x00000001u, 0x0000},
      {0x00008000u, 0x0000},  // tie between 0 and 2^-133
      {0x00008001u, 0x0001},
      {0x00018000u, 0x0002},  // tie: to the even 2 × 2^-133
      {0x80000000u, 0x8000},
      {0x7f800000u, 0x7f80},
      {0x7f800001u, 0x7fc0},  // a NaN whose whole payload is dropped stays a NaN
      {0xff800001u, 0xffc0},
      {0x7fffffffu, 0x7fff},
      {0x7f810000u, 0x7fc1},
  };
  for (const auto& [x, want] : bf16_cases) EXPECT_EQ(bf16(float_of(x)).bits, want) << "bf16(float " << hex(x) << ")";
}

TEST(Float16Narrowing, SpecialFloatsMatchTheReference) {
  expect_narrowing_matches_reference<bf16>(specials);
  expect_narrowing_matches_reference<f16>(specials);
}

TEST(Float16Narrowing, EveryHalfwayPointAndItsNeighboursRoundToNearestEven) {
  expect_narrowing_matches_reference<bf16>(halfway_points<bf16>);
  expect_narrowing_matches_reference<f16>(halfway_points<f16>);
}

TEST(Float16Narrowing, EveryFloatPrefixWithEachDecidingLowPatternMatchesTheReference) {
  expect_narrowing_matches_reference<bf16>(bf16_cuts);
  expect_narrowing_matches_reference<f16>(f16_cuts);
}

TEST(Float16Narrowing, StridedAndRandomPatternsOverAllFloatsMatchTheReference) {
  expect_narrowing_matches_reference<bf16>(strided_patterns);
  expect_narrowing_matches_reference<f16>(strided_patterns);
  expect_narrowing_matches_reference<bf16>(random_patterns);
  expect_narrowing_matches_reference<f16>(random_patterns);
}

TEST(Float16Narrowing, EveryFloatRoundingIntoTheF16SubnormalsMatchesTheReference) {
  expect_narrowing_matches_reference<f16>(f16_subnormal_results);
}

TEST(Float16Narrowing, EveryFloatAroundTheF16OverflowThresholdMatchesTheReference) {
  expect_narrowing_matches_reference<f16>(f16_overflow_boundary);
}

TEST(Float16Narrowing, EveryFloatInTheBf16SubnormalAndFirstNormalBinadesMatchesTheReference) {
  expect_narrowing_matches_reference<bf16>(bf16_subnormal_results);
}

TEST(Float16Narrowing, EveryFloatAroundTheBf16OverflowThresholdMatchesTheReference) {
  expect_narrowing_matches_reference<bf16>(bf16_overflow_boundary);
}

// ---------------------------------------------------------------------------------------------
// Narrowing double → bf16 / f16: one correct rounding of the double, never double → float → 16.

// The double's correctly rounded bits, or for a NaN: a NaN with the same sign and the quiet bit.
template <class S>
void expect_double_rounds_correctly(rounder& ref, double d, mismatches& bad) {
  const format& f = format_of<S>();
  const std::uint16_t got = S(d).bits;
  if (std::isnan(d)) {
    const bool ok = (got & f.exponent_mask()) == f.exponent_mask() && (got & f.quiet_bit()) &&
                    (got >> 15) == static_cast<std::uint16_t>(std::signbit(d));
    if (!ok) bad.add(std::string(f.name) + "(double NaN " + hex(std::bit_cast<std::uint64_t>(d)) + "): " + hex(got));
    return;
  }
  const std::uint16_t want = ref.round(d);
  if (got != want)
    bad.add(std::string(f.name) + "(double " + hex(std::bit_cast<std::uint64_t>(d)) + "): " + hex(got) + ", want " +
            hex(want));
}

// For every pair of grid neighbours: the halfway point and the doubles one double-ulp either side
// of it. Those two round to float as the halfway point itself, so double → float → 16 would see a
// tie and pick the even neighbour; on exactly one side of each tie that is the wrong one.
template <class S>
void expect_doubles_beside_every_tie_round_to_the_nearer_neighbour() {
  const format& f = format_of<S>();
  rounder ref(f);
  const std::vector<double> grid(ref.values().begin(), ref.values().end());
  mismatches bad;
  std::size_t naive_wrong = 0;
  for (double sign : {1.0, -1.0}) {
    for (std::size_t i = 0; i + 1 < grid.size(); ++i) {
      const double mid = sign * (grid[i] + grid[i + 1]) / 2;
      // mid ± (a 2^-20 share of the gap): still within half a float ulp of mid in the normal
      // range, a wider miss than one double ulp for the same trap.
      const double nudge = (grid[i + 1] - grid[i]) * 0x1p-20;
      const double below = std::nextafter(mid, 0.0), above = std::nextafter(mid, 2 * mid);
      for (double d : {mid, below, above, mid - nudge, mid + nudge}) expect_double_rounds_correctly<S>(ref, d, bad);
      for (double d : {below, above}) naive_wrong += S(static_cast<float>(d)).bits != ref.round(d);
    }
  }
  EXPECT_EQ(bad.count(), 0u) << bad.first();
  // The construction really is the trap: one wrong naive answer per tie and sign.
  EXPECT_EQ(naive_wrong, 2 * (grid.size() - 1));
}

TEST(Float16FromDouble, DoublesBesideEveryTieRoundToTheNearerNeighbourNotTwice) {
  expect_doubles_beside_every_tie_round_to_the_nearer_neighbour<bf16>();
  expect_doubles_beside_every_tie_round_to_the_nearer_neighbour<f16>();
}

// Random doubles over each format's range and two binades beyond either end (random 52-bit
// significands: the low bits that a float would drop matter), and random patterns of all doubles.
template <class S>
void expect_random_doubles_round_correctly() {
  const format& f = format_of<S>();
  rounder ref(f);
  mismatches bad;
  std::mt19937_64 gen(20261207u);
  const int lowest = 1 - f.bias() - f.fraction_bits - 2, highest = f.bias() + 2;
  // 2^18: about a thousand per binade of bf16's 265, six thousand per binade of f16's 44.
  for (int k = 0; k < (1 << 18); ++k) {
    const std::uint64_t r = gen();
    const int exponent = lowest + static_cast<int>((r >> 53) % static_cast<std::uint64_t>(highest - lowest + 1));
    const double significand = 1.0 + std::ldexp(static_cast<double>(r & ((std::uint64_t{1} << 52) - 1)), -52);
    const double d = std::ldexp(significand, exponent);
    expect_double_rounds_correctly<S>(ref, (r >> 52) & 1 ? -d : d, bad);
  }
  // 2^16 raw patterns: mostly far outside either range (so ±inf and ±0), and some 30 NaNs.
  for (int k = 0; k < (1 << 16); ++k) expect_double_rounds_correctly<S>(ref, std::bit_cast<double>(gen()), bad);
  EXPECT_EQ(bad.count(), 0u) << bad.first();
}

TEST(Float16FromDouble, RandomDoublesRoundCorrectly) {
  expect_random_doubles_round_correctly<bf16>();
  expect_random_doubles_round_correctly<f16>();
}

// A double that is a float rounds as that float does (the float constructor is checked above).
TEST(Float16FromDouble, DoublesThatAreFloatsRoundAsTheFloatDoes) {
  mismatches bad;
  const consumer compare = [&](std::span<const float> xs) {
    for (float x : xs) {
      if (std::isnan(x)) continue;  // a NaN's payload through double is the hardware's; NaNs: below
      if (bf16(static_cast<double>(x)).bits != bf16(x).bits) bad.add("bf16(double(float " + hex(bits_of(x)) + "))");
      if (f16(static_cast<double>(x)).bits != f16(x).bits) bad.add("f16(double(float " + hex(bits_of(x)) + "))");
    }
  };
  specials(compare);
  halfway_points<bf16>(compare);
  halfway_points<f16>(compare);
  strided_patterns(compare);
  EXPECT_EQ(bad.count(), 0u) << bad.first();
}

TEST(Float16FromDouble, HugeDoublesOverflowAndTinyOnesUnderflowWithTheirSign) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  const double dbl_max = std::numeric_limits<double>::max(), flt_max = std::numeric_limits<float>::max();
  for (double d : {dbl_max, 1e300, 0x1p128, flt_max, flt_max * (1 + 0x1p-30), 0x1.ffp127, inf}) {
    EXPECT_EQ(bf16(d).bits, 0x7f80) << d;
    EXPECT_EQ(bf16(-d).bits, 0xff80) << d;
    EXPECT_EQ(f16(d).bits, 0x7c00) << d;
    EXPECT_EQ(f16(-d).bits, 0xfc00) << d;
  }
  // Just below the overflow ties: a float would round these up onto the tie, and then to inf.
  EXPECT_EQ(bf16(std::nextafter(0x1.ffp127, 0.0)).bits, 0x7f7f);
  EXPECT_EQ(f16(std::nextafter(65520.0, 0.0)).bits, 0x7bff);
  EXPECT_EQ(f16(-std::nextafter(65520.0, 0.0)).bits, 0xfbff);
  for (double d : {std::numeric_limits<double>::denorm_min(), 1e-300, 0x1p-150, 0x1p-134}) {
    EXPECT_EQ(bf16(d).bits, 0x0000) << d;
    EXPECT_EQ(bf16(-d).bits, 0x8000) << d;
    EXPECT_EQ(f16(d).bits, 0x0000) << d;
    EXPECT_EQ(f16(-d).bits, 0x8000) << d;
  }
  // Just above half the smallest subnormal: a float would round these down onto the tie, then to 0.
  EXPECT_EQ(bf16(std::nextafter(0x1p-134, 1.0)).bits, 0x0001);
  EXPECT_EQ(f16(std::nextafter(0x1p-25, 1.0)).bits, 0x0001);
  EXPECT_EQ(f16(-std::nextafter(0x1p-25, 1.0)).bits, 0x8001);
  EXPECT_EQ(f16(0x1p-25).bits, 0x0000);
  EXPECT_EQ(f16(-0x1p-25).bits, 0x8000);
  // A NaN stays a NaN of its sign, quiet.
  for (double nan : {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::signaling_NaN()}) {
    EXPECT_EQ(bf16(nan).bits & 0xffc0, 0x7fc0);
    EXPECT_EQ(bf16(-nan).bits & 0xffc0, 0xffc0);
    EXPECT_EQ(f16(nan).bits & 0xfe00, 0x7e00);
    EXPECT_EQ(f16(-nan).bits & 0xfe00, 0xfe00);
  }
}

// ---------------------------------------------------------------------------------------------
// Every usable ISA's array conversions give the scalar conversions' bits.

template <class S>
std::vector<std::uint16_t> bits_of_array(std::span<const S> xs) {
  std::vector<std::uint16_t> out;
  for (S x : xs) out.push_back(x.bits);
  return out;
}

// Every pattern in one call, then shifted by one element (a misaligned start and a tail), then
// every length 0 … 67 (below, at and past each vector width, ×4) at offsets 0 … 3, with a guard
// behind the end that must stay as it was.
template <class S>
void expect_simd_widening_matches_scalar(isa i) {
  const auto conv = simd::bulk_convert<S>(i);
  ASSERT_NE(conv.widen, nullptr);
  std::vector<S> in(65536 + 1);
  std::vector<std::uint32_t> want(in.size());
  for (std::uint32_t b = 0; b < in.size(); ++b) {
    in[b] = S::from_bits(static_cast<std::uint16_t>(b * 40503u));  // odd multiplier: all 65536 patterns, mixed
    want[b] = bits_of(static_cast<float>(in[b]));
  }
  mismatches bad;
  std::vector<float> out;
  auto compare = [&](std::size_t offset, std::size_t n) {
    out.assign(offset + n + 16, float_of(0xdeadbeefu));
    conv.widen(in.data() + offset, out.data() + offset, n);
    for (std::size_t k = 0; k < out.size(); ++k) {
      const bool inside = k >= offset && k < offset + n;
      const std::uint32_t w = inside ? want[k] : 0xdeadbeefu;
      if (bits_of(out[k]) != w)
        bad.add(std::string(to_string(i)) + " widen(offset " + std::to_string(offset) + ", n " + std::to_string(n) +
                ")[" + std::to_string(k) + "] from " + hex(in[std::min(k, in.size() - 1)].bits) + ": " +
                hex(bits_of(out[k])) + ", want " + hex(w));
    }
  };
  compare(0, 65536);
  compare(1, 65536);
  for (std::size_t offset = 0; offset < 4; ++offset)
    for (std::size_t n = 0; n <= 67; ++n) compare(offset, n);
  EXPECT_EQ(bad.count(), 0u) << format_of<S>().name << ":\n" << bad.first();
}

// The narrowing of every usable ISA, with the mismatches each one gave.
template <class S>
struct narrowers {
  std::vector<simd::bulk_converter<S>> convs;
  std::vector<mismatches> bad;
  explicit narrowers(std::span<const isa> isas) : bad(isas.size()) {
    for (isa i : isas) {
      convs.push_back(simd::bulk_convert<S>(i));
      if (!convs.back().narrow) throw std::logic_error(std::string(to_string(i)) + " has no narrowing");
    }
  }
  void expect_none(std::span<const isa> isas) const {
    for (std::size_t j = 0; j < isas.size(); ++j) {
      EXPECT_EQ(bad[j].count(), 0u) << to_string(isas[j]) << ": " << bad[j].count() << " mismatches:\n"
                                    << bad[j].first();
    }
  }
};

// Each sweep of the narrowing tests, walked once for all ISAs, in chunks of 4093 floats (so every
// call ends in a tail).
template <class S>
void expect_simd_narrowing_sweeps_match_scalar(std::span<const isa> isas) {
  static_assert(sizeof(S) == 2, "compared as arrays of bits");
  const char* name = format_of<S>().name;
  narrowers<S> all(isas);
  auto& [convs, bad] = all;
  std::vector<S> want, out;
  for (const sweep& s : sweeps<S>()) {
    s.run([&](std::span<const float> xs) {
      want.clear();
      for (float x : xs) want.push_back(S(x));
      for (std::size_t j = 0; j < isas.size(); ++j) {
        out.assign(xs.size(), S::from_bits(0xdead));
        convs[j].narrow(xs.data(), out.data(), xs.size());
        if (std::memcmp(out.data(), want.data(), xs.size() * sizeof(S)) == 0) continue;
        for (std::size_t k = 0; k < xs.size(); ++k)
          if (out[k].bits != want[k].bits)
            bad[j].add(std::string(name) + " narrow (" + s.name + ") float " + hex(bits_of(xs[k])) + ": " +
                       hex(out[k].bits) + ", want " + hex(want[k].bits));
      }
    });
  }
  all.expect_none(isas);
}

// Every length 0 … 67 (below, at and past each vector width, ×4) at offsets 0 … 3 with a guard
// behind the end that must stay as it was.
template <class S>
void expect_simd_narrowing_tails_match_scalar(std::span<const isa> isas) {
  const char* name = format_of<S>().name;
  narrowers<S> all(isas);
  auto& [convs, bad] = all;
  std::vector<S> out;
  std::vector<float> in(67 + 4 + 16);
  std::mt19937 gen(20261207u);
  for (float& x : in) x = float_of(static_cast<std::uint32_t>(gen()));
  for (std::size_t j = 0; j < isas.size(); ++j) {
    for (std::size_t offset = 0; offset < 4; ++offset) {
      for (std::size_t n = 0; n <= 67; ++n) {
        out.assign(in.size(), S::from_bits(0xdead));
        convs[j].narrow(in.data() + offset, out.data() + offset, n);
        for (std::size_t k = 0; k < in.size(); ++k) {
          const bool inside = k >= offset && k < offset + n;
          const std::uint16_t w = inside ? S(in[k]).bits : 0xdead;
          if (out[k].bits != w)
            bad[j].add(std::string(name) + " narrow(offset " + std::to_string(offset) + ", n " + std::to_string(n) +
                       ")[" + std::to_string(k) + "]: " + hex(out[k].bits) + ", want " + hex(w));
        }
      }
    }
  }
  all.expect_none(isas);
}

TEST(Float16Simd, EveryUsableIsaWidensEveryPatternAsTheScalarConversion) {
  const std::vector<isa> isas = usable_isas();
  ASSERT_FALSE(isas.empty());  // SSE2 is always there on x86-64
  for (isa i : isas) {
    SCOPED_TRACE(std::string(to_string(i)));
    expect_simd_widening_matches_scalar<bf16>(i);
    expect_simd_widening_matches_scalar<f16>(i);
  }
}

TEST(Float16Simd, EveryUsableIsaNarrowsEverySweepAsTheScalarConversion) {
  const std::vector<isa> isas = usable_isas();
  ASSERT_FALSE(isas.empty());
  expect_simd_narrowing_sweeps_match_scalar<bf16>(isas);
  expect_simd_narrowing_sweeps_match_scalar<f16>(isas);
}

TEST(Float16Simd, EveryUsableIsaNarrowsEveryTailWithinItsBounds) {
  const std::vector<isa> isas = usable_isas();
  ASSERT_FALSE(isas.empty());
  expect_simd_narrowing_tails_match_scalar<bf16>(isas);
  expect_simd_narrowing_tails_match_scalar<f16>(isas);
}

}  // namespace
}  // namespace lossbench::testing
