// row_loss_support.hpp — small helpers for the torch-parity and error tests of the row-wise
// losses (triplet, contrastive): build arrays from literals, run the scalar f64 entry, compare.
#pragma once

#include "support/harness.hpp"

#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

namespace lossbench::testing {

inline array literal(const std::vector<double>& values, shape s, dtype t = dtype::f64) {
  array a(t, s);
  for (std::size_t i = 0; i < values.size(); ++i) a.set(static_cast<std::int64_t>(i), values[i]);
  return a;
}

inline const entry& scalar_entry(std::string_view loss, dtype t = dtype::f64) {
  return *find_entries(loss, "scalar", t).front();
}

// The variants of a loss this CPU runs ("scalar", "simd:<isa>"...; the `simd` alias is the best
// simd:<isa>, isa_test checks that): the torch-parity tests run on each of them.
inline std::vector<std::string> variant_names(std::string_view loss) {
  std::vector<std::string> out;
  for (const entry* e : find_entries(loss, "all", dtype::f64))
    if (e->variant.name() != "simd" && e->variant.name() != "auto") out.push_back(e->variant.name());
  return out;
}
// Every entry of the losses, both dtypes, but the `simd` and `auto` aliases.
inline std::vector<const entry*> entries_of(std::initializer_list<const char*> losses) {
  std::vector<const entry*> out;
  for (const char* loss : losses)
    for (dtype t : {dtype::f32, dtype::f64})
      for (const entry* e : find_entries(loss, "all", t))
        if (e->variant.name() != "simd" && e->variant.name() != "auto") out.push_back(e);
  return out;
}

inline std::string variant_test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string s = info.param;
  for (char& ch : s)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return s;
}

// Torch and this library both stay within the loss's first-order bound of the exact value (for
// these D = 4, O(1) inputs at most ~20u each: distance_error.hpp), so 64u of the value's scale
// covers the two errors added together.
inline double torch_tolerance(double want) { return 64 * 0x1p-53 * std::max(1.0, std::fabs(want)); }

inline void expect_all_near_torch(const array& got, const std::vector<double>& want, const std::string& what) {
  ASSERT_EQ(static_cast<std::size_t>(got.numel()), want.size()) << what;
  for (std::size_t i = 0; i < want.size(); ++i) {
    const double g = got.get(static_cast<std::int64_t>(i));
    EXPECT_FALSE(std::isnan(g)) << what << "[" << i << "]";
    EXPECT_NEAR(g, want[i], torch_tolerance(want[i])) << what << "[" << i << "]";
  }
}

// The argument a lossbench::error names, or "(no error)".
inline std::string error_argument(const std::function<void()>& f) {
  try {
    f();
  } catch (const error& e) {
    return e.argument();
  }
  return "(no error)";
}

}  // namespace lossbench::testing
