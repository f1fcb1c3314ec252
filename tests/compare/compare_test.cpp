// compare_test.cpp — `lossbench compare` end to end on the fixtures of tests/compare_fixtures/
// (written by make_fixtures.py: 8 repetitions with ±2 % noise unless said otherwise).
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <sys/wait.h>
#include <utility>

#if defined(LOSSBENCH_CLI_PATH) && defined(LOSSBENCH_COMPARE_FIXTURES)

namespace lossbench::testing {
namespace {

struct outcome {
  int code = -1;
  std::string out;
};

outcome compare(const std::string& before, const std::string& after, const std::string& extra = "") {
  const std::string dir = LOSSBENCH_COMPARE_FIXTURES;
  const std::string cmd = std::string("'") + LOSSBENCH_CLI_PATH + "' compare '" + dir + "/" + before + "' '" + dir +
                          "/" + after + "' " + extra + " 2>&1";
  outcome o;
  std::FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return o;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) o.out.append(buf, n);
  const int status = ::pclose(p);
  o.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return o;
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST(Compare, ClearRegressionFails) {
  const outcome o = compare("base.json", "slower.json");
  EXPECT_EQ(o.code, 1) << o.out;
  EXPECT_TRUE(has(o.out, "mse/scalar/f32/value_grad/n:4096")) << o.out;
  EXPECT_TRUE(has(o.out, "SLOWER")) << o.out;
  EXPECT_LT(o.out.find("verdict: REGRESSION"), o.out.find("BENCHMARK")) << "summary first:\n" << o.out;
}

TEST(Compare, ImprovementAndNoisePass) {
  const outcome faster = compare("base.json", "faster.json");
  EXPECT_EQ(faster.code, 0) << faster.out;
  EXPECT_TRUE(has(faster.out, "faster")) << faster.out;
  const outcome noise = compare("base.json", "noise.json");
  EXPECT_EQ(noise.code, 0) << noise.out;
  EXPECT_FALSE(has(noise.out, "SLOWER")) << noise.out;
}

TEST(Compare, ThresholdDecides) {
  // The same 20 % slowdown is not a regression when 25 % is allowed.
  EXPECT_EQ(compare("base.json", "slower.json", "--threshold 25%").code, 0);
  EXPECT_EQ(compare("base.json", "slower.json", "--threshold 0.1").code, 1);
}

TEST(Compare, MissingRowsFailAndAreListed) {
  // A row of OLD that NEW lacks was never judged: the gate fails rather than pass on it silently.
  const outcome o = compare("base.json", "missing_row.json");
  EXPECT_EQ(o.code, 1) << o.out;
  EXPECT_TRUE(has(o.out, "mse/scalar/f32/value_grad/n:4096: MISSING from NEW")) << o.out;
  EXPECT_LT(o.out.find("MISSING from NEW"), o.out.find("BENCHMARK")) << "in the summary:\n" << o.out;
  EXPECT_TRUE(has(o.out, "only in NEW: mse/scalar/f64/value/n:4096")) << o.out;
  const outcome extra = compare("base.json", "extra_row.json");  // a new row alone is no failure
  EXPECT_EQ(extra.code, 0) << extra.out;
  EXPECT_TRUE(has(extra.out, "only in NEW: mse/scalar/f64/value/n:4096")) << extra.out;
}

TEST(Compare, NamesBeforeAndAfterWallTimeAreOneBenchmark) {
  // Serial benchmarks were timed by CPU time (no "/real_time" in the name) before every loss
  // benchmark used wall time: an old report still compares with a new one, row for row.
  for (const auto& [before, after] :
       {std::pair{"base.json", "real_time_names.json"}, {"real_time_names.json", "base.json"}}) {
    const outcome o = compare(before, after);
    EXPECT_EQ(o.code, 0) << o.out;
    EXPECT_TRUE(has(o.out, "3 benchmarks in both, 0 only in OLD (missing: a failure), 0 only in NEW")) << o.out;
    EXPECT_TRUE(has(o.out, "cross_entropy/scalar/f64/value_grad/n:65536")) << o.out;
  }
}

TEST(Compare, AMachineSlowerEverywhereIsNoRegressionOfAnyKernel) {
  // Every one of 12 kernels 20% slower: the machine's shift, said once; judged against it, none
  // regressed. --absolute judges the raw times: all 12 regress.
  const outcome o = compare("many_base.json", "many_machine_slower.json");
  EXPECT_EQ(o.code, 0) << o.out;
  EXPECT_TRUE(has(o.out, "machine: NEW ran +2")) << o.out;  // +20% ± the fixtures' 2% noise
  EXPECT_TRUE(has(o.out, "median ratio over 12 benchmarks")) << o.out;
  EXPECT_TRUE(has(o.out, "slower (p < 0.05 and > 5% slower): 0;")) << o.out;
  const outcome absolute = compare("many_base.json", "many_machine_slower.json", "--absolute");
  EXPECT_EQ(absolute.code, 1) << absolute.out;
  EXPECT_TRUE(has(absolute.out, "slower (p < 0.05 and > 5% slower): 12;")) << absolute.out;
}

TEST(Compare, AKernelSlowerThanTheMachineIsARegression) {
  // 11 kernels 20% slower, one 50%: 1.5 / 1.2 = +25% against the machine, beyond the 5% threshold.
  const outcome o = compare("many_base.json", "many_one_kernel_slower.json");
  EXPECT_EQ(o.code, 1) << o.out;
  EXPECT_TRUE(has(o.out, "slower (p < 0.05 and > 5% slower): 1;")) << o.out;
  // +50% raw, +25% against the machine, both ± the fixtures' 2% noise
  EXPECT_TRUE(has(o.out, "mse/simd/f32/value/n:1024: +4") || has(o.out, "mse/simd/f32/value/n:1024: +5")) << o.out;
  EXPECT_TRUE(has(o.out, "% against the machine) (p = ")) << o.out;
}

TEST(Compare, FewBenchmarksAreJudgedAsMeasured) {
  // 3 benchmarks: too few for a median to stand for the machine.
  const outcome o = compare("base.json", "slower.json");
  EXPECT_TRUE(has(o.out, "times judged as measured")) << o.out;
}

TEST(Compare, NothingComparableIsExitTwo) {
  for (const char* after : {"aggregates_only.json", "empty.json"}) {
    const outcome o = compare("base.json", after);
    EXPECT_EQ(o.code, 2) << after << "\n" << o.out;
    EXPECT_TRUE(has(o.out, "nothing to compare")) << o.out;
  }
  EXPECT_EQ(compare("empty.json", "base.json").code, 2);
}

TEST(Compare, BadFieldsAreExitTwoNamingTheFile) {
  for (const char* after : {"wrong_type.json", "zero_time.json"}) {
    const outcome o = compare("base.json", after);
    EXPECT_EQ(o.code, 2) << after << "\n" << o.out;
    EXPECT_TRUE(has(o.out, after)) << o.out;
    EXPECT_TRUE(has(o.out, "row 0")) << o.out;
  }
}

TEST(Compare, ABareThresholdOfOneOrMoreIsRefused) {
  const outcome o = compare("base.json", "slower.json", "--threshold 5");
  EXPECT_EQ(o.code, 2) << o.out;
  EXPECT_TRUE(has(o.out, "ambiguous")) << o.out;
  EXPECT_EQ(compare("base.json", "slower.json", "--threshold 5%").code, 1);
  EXPECT_EQ(compare("base.json", "slower.json", "--threshold 0.05").code, 1);
  EXPECT_EQ(compare("base.json", "slower.json", "--threshold -1%").code, 2);
}

TEST(Compare, AccuracyWorseBeyondTheBoundFails) {
  const outcome o = compare("base.json", "accuracy_worse.json");
  EXPECT_EQ(o.code, 1) << o.out;
  EXPECT_TRUE(has(o.out, "ACCURACY WORSE")) << o.out;
}

TEST(Compare, TooFewRepetitionsAreNotJudged) {
  const outcome o = compare("few_old.json", "few_new.json");  // 3 + 3 repetitions, 2× slower
  EXPECT_EQ(o.code, 0) << o.out;
  EXPECT_TRUE(has(o.out, "too few repetitions to judge")) << o.out;
}

TEST(Compare, MalformedInputIsExitTwoNamingTheFile) {
  const outcome o = compare("base.json", "malformed.json");
  EXPECT_EQ(o.code, 2) << o.out;
  EXPECT_TRUE(has(o.out, "malformed.json")) << o.out;
  EXPECT_EQ(compare("base.json", "no_such_file.json").code, 2);
  EXPECT_EQ(compare("base.json", "slower.json", "--threshold fast").code, 2);
}

TEST(Compare, JsonOutput) {
  const outcome o = compare("base.json", "slower.json", "--json");
  EXPECT_EQ(o.code, 1);
  EXPECT_TRUE(has(o.out, "\"regression\": true")) << o.out;
}

}  // namespace
}  // namespace lossbench::testing

#endif
