// environment_test.cpp — parsing of environment knobs (src/core/environment.hpp): unset and empty
// mean "not given", bad values are errors naming the variable.
#include "core/environment.hpp"

#include <lossbench/types.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <set>
#include <string>

namespace env = lossbench::core::environment;

namespace {

constexpr const char* knob = "LOSSBENCH_ENVIRONMENT_TEST_KNOB";

struct scoped_value {
  explicit scoped_value(const char* v) { ::setenv(knob, v, 1); }
  ~scoped_value() { ::unsetenv(knob); }
};

std::string error_argument(auto&& read) {
  try {
    read();
  } catch (const lossbench::error& e) {
    return e.argument();
  }
  return "(no error)";
}

}  // namespace

TEST(Environment, UnsetAndEmptyAreNotGiven) {
  ::unsetenv(knob);
  EXPECT_FALSE(env::text(knob));
  EXPECT_FALSE(env::count(knob, "a count"));
  EXPECT_FALSE(env::flag(knob));
  scoped_value empty("");
  EXPECT_FALSE(env::text(knob));
  EXPECT_FALSE(env::count(knob, "a count"));
}

TEST(Environment, CountsAreDecimalAndNonNegative) {
  {
    scoped_value v("4096");
    EXPECT_EQ(env::count(knob, "a count"), 4096);
  }
  {
    scoped_value v("0");
    EXPECT_EQ(env::count(knob, "a count"), 0);
  }
  for (const char* bad : {"-1", "12k", "1e3", " 5", "+5", "99999999999999999999", "x"}) {
    scoped_value v(bad);
    EXPECT_EQ(error_argument([] { (void)env::count(knob, "a count"); }), knob) << bad;
  }
}

TEST(Environment, FlagsTakeTheUsualSpellings) {
  for (const char* yes : {"1", "true", "yes", "on"}) {
    scoped_value v(yes);
    EXPECT_EQ(env::flag(knob), true) << yes;
  }
  for (const char* no : {"0", "false", "no", "off"}) {
    scoped_value v(no);
    EXPECT_EQ(env::flag(knob), false) << no;
  }
  scoped_value v("maybe");
  EXPECT_EQ(error_argument([] { (void)env::flag(knob); }), knob);
}

TEST(Environment, TheTableNamesEachVariableOnce) {
  std::set<std::string_view> seen;
  for (const auto& k : env::knobs()) {
    EXPECT_TRUE(seen.insert(k.name).second) << k.name;
    EXPECT_FALSE(k.meaning.empty()) << k.name;
    EXPECT_FALSE(k.unset.empty()) << k.name;
  }
  EXPECT_TRUE(seen.count("LOSSBENCH_MAX_ISA") && seen.count("LOSSBENCH_PROFILE") && seen.count("OMP_NUM_THREADS"));
}
