// check_test.cpp — `lossbench check`: every registry entry passes the golden files; a
// deliberately broken kernel (a wrapped loss_spec, passed in as an entry) fails, named by loss,
// variant, dtype and case; --update is idempotent and never needs a kernel; the portable
// logarithm and number texts behave.
#include "check/case_builders.hpp"
#include "check/check.hpp"
#include "check/golden_file.hpp"
#include "check/portable_log.hpp"
#include "check/update.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>

#ifdef LOSSBENCH_GOLDEN_DIR

namespace lossbench::check {
namespace {

// Forwards everything to a real loss; its kernel's answer is perturbed.
class broken_spec : public loss_spec {
 public:
  enum class fault { value, one_gradient_element };
  broken_spec(const loss_spec& real, fault f) : real_(real), fault_(f) {}
  std::string_view name() const override { return real_.name(); }
  std::string_view summary() const override { return real_.summary(); }
  std::string_view torch_name() const override { return real_.torch_name(); }
  std::span<const input_desc> inputs() const override { return real_.inputs(); }
  std::span<const param_desc> params() const override { return real_.params(); }
  std::span<const lossbench::reduction> reductions() const override { return real_.reductions(); }
  accuracy_bound accuracy() const override { return real_.accuracy(); }
  void validate(const call& c, dtype dt) const override { real_.validate(c, dt); }
  lossbench::shape losses_shape(std::span<const tensor_ref> in) const override { return real_.losses_shape(in); }
  double flops(std::span<const tensor_ref> in, bool with_grad) const override { return real_.flops(in, with_grad); }
  std::vector<array> generate(dtype dt, shape_request r, std::uint64_t s, const param_set& p) const override {
    return real_.generate(dt, r, s, p);
  }
  reference_result reference(const call& c) const override { return real_.reference(c); }
  double run_validated(const variant& v, dtype dt, const call& c, int threads) const override {
    const double value = real_.run_validated(v, dt, c, threads);
    if (fault_ == fault::value) return value * (1 + 1e-4);  // far beyond any bound (≤ ~1e-6 relative)
    if (c.out.grad[0] && c.inputs[0].numel() > 0) {         // the first element, always sampled
      if (dt == dtype::f32)
        static_cast<float*>(c.out.grad[0])[0] *= 1.01f;
      else
        static_cast<double*>(c.out.grad[0])[0] *= 1.01;
    }
    return value;
  }

 private:
  const loss_spec& real_;
  fault fault_;
};

TEST(Check, EveryRegistryEntryPassesTheGoldenFiles) {
  const check_report r = run_check(registry(), LOSSBENCH_GOLDEN_DIR);
  EXPECT_TRUE(r.problems.empty()) << r.problems.front();
  for (const auto& c : r.results)
    for (const auto& v : c.violations) ADD_FAILURE() << c.entry_name() << " case '" << c.case_name << "': " << v;
  EXPECT_GE(r.results.size(), registry().size() * 20);  // every entry ran its loss's cases
}

std::vector<entry> broken_entries(const broken_spec& spec) {
  const variant scalar{implementation::scalar, isa::none, driver::serial};
  return {entry{&spec, scalar, dtype::f32}, entry{&spec, scalar, dtype::f64}};
}

TEST(Check, BrokenValueIsCaughtAndNamed) {
  const broken_spec spec(find_loss("mse"), broken_spec::fault::value);
  const check_report r = run_check(broken_entries(spec), LOSSBENCH_GOLDEN_DIR);
  EXPECT_FALSE(r.passed());
  bool named = false;
  for (const auto& c : r.results)
    if (!c.violations.empty()) {
      EXPECT_EQ(c.loss, "mse");
      EXPECT_EQ(c.variant, "scalar");
      named = named || (c.case_name == "n=17" && c.type == dtype::f64 && c.violations.front().rfind("value", 0) == 0);
    }
  EXPECT_TRUE(named) << "expected a value violation of mse/scalar/f64 in case 'n=17'";
}

TEST(Check, BrokenGradientElementIsCaught) {
  const broken_spec spec(find_loss("cross_entropy"), broken_spec::fault::one_gradient_element);
  const check_report r = run_check(broken_entries(spec), LOSSBENCH_GOLDEN_DIR);
  EXPECT_FALSE(r.passed());
  int failing = 0;
  for (const auto& c : r.results) {
    if (c.violations.empty()) continue;
    ++failing;
    EXPECT_NE(c.violations.front().find("grad input"), std::string::npos) << c.violations.front();
  }
  EXPECT_GT(failing, 10);
}

TEST(Check, MissingGoldenFileIsAProblem) {
  const check_report r =
      run_check(broken_entries(broken_spec(find_loss("mse"), broken_spec::fault::value)), "/nonexistent/golden");
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].find("mse"), std::string::npos);
  EXPECT_FALSE(r.passed());
}

// ---- golden files are untrusted input -----------------------------------------------------

namespace fs = std::filesystem;

// The real mse.json with `edit` applied to its JSON, written to a temporary file.
std::string edited_golden(const std::string& tag, const std::function<void(nlohmann::json&)>& edit) {
  std::ifstream in(fs::path(LOSSBENCH_GOLDEN_DIR) / "mse.json");
  nlohmann::json j = nlohmann::json::parse(in);
  edit(j);
  const fs::path p =
      fs::temp_directory_path() / ("lossbench_hostile_" + std::to_string(::getpid()) + "_" + tag + ".json");
  std::ofstream(p) << j.dump();
  return p.string();
}

// read_golden refuses the file with an error naming it and saying what is wrong.
void expect_refused(const std::string& tag, const std::function<void(nlohmann::json&)>& edit, const std::string& what) {
  const std::string path = edited_golden(tag, edit);
  try {
    read_golden(path);
    ADD_FAILURE() << tag << ": accepted";
  } catch (const error& e) {
    EXPECT_EQ(e.argument().rfind(path, 0), 0u) << tag << ": " << e.argument();
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << tag << ": " << e.what();
  }
  fs::remove(path);
}

nlohmann::json& first_grad_digest(nlohmann::json& j) {
  for (auto& c : j["cases"])
    if (c["shape"]["n"].get<int>() > 1) return c["expected"]["f64"]["grads"][0];
  throw std::logic_error("mse.json has no case with n > 1");
}

TEST(CheckHostileGolden, SampleIndicesOutsideTheArrayAreRefused) {
  // They would be read unchecked: 10^12 crashes, n or −1 reads past the array.
  for (long long index : {1000000000000LL, -1LL, -1000000000000LL}) {
    expect_refused(
        "index" + std::to_string(index),
        [&](nlohmann::json& j) {
          auto& d = first_grad_digest(j);
          d["samples"] = nlohmann::json::array({nlohmann::json::array({index, "1.0", 1e-9})});
        },
        "outside the");
  }
  expect_refused(
      "index_count",
      [](nlohmann::json& j) {
        auto& d = first_grad_digest(j);
        d["samples"] = nlohmann::json::array({nlohmann::json::array({d["count"], "1.0", 1e-9})});
      },
      "outside the");
}

TEST(CheckHostileGolden, NegativeOrNanTolerancesAreRefused) {
  // A negative tolerance made every comparison "ok" although the golden value was off by 10^10.
  expect_refused(
      "sum_tol", [](nlohmann::json& j) { first_grad_digest(j)["sum_tol"] = -1.0; }, "sum_tol");
  expect_refused(
      "norm_tol", [](nlohmann::json& j) { first_grad_digest(j)["norm_tol"] = -1e-9; }, "norm_tol");
  expect_refused(
      "value_tol", [](nlohmann::json& j) { j["cases"][3]["expected"]["f32"]["value_tol"] = -5.0; }, "value_tol");
}

TEST(CheckHostileGolden, AFileWithoutCasesIsRefused) {
  // "cases": {} passed as "0 runs, all within tolerance".
  expect_refused(
      "cases_object", [](nlohmann::json& j) { j["cases"] = nlohmann::json::object(); }, "non-empty array");
  expect_refused(
      "cases_empty", [](nlohmann::json& j) { j["cases"] = nlohmann::json::array(); }, "non-empty array");
}

TEST(CheckHostileGolden, HugeShapesAreRefusedBeforeAnyAllocation) {
  expect_refused(
      "huge_n", [](nlohmann::json& j) { j["cases"][3]["shape"]["n"] = 1000000000000LL; }, "shape n");
  expect_refused(
      "negative_inner", [](nlohmann::json& j) { j["cases"][3]["shape"]["inner"] = -4; }, "shape n");
}

// build_case refuses builder options that would loop forever, divide by zero or index outside
// the inputs, with an error naming the case.
void expect_bad_case(const char* loss, const char* generator, const nlohmann::json& options, const std::string& what) {
  case_desc c;
  c.name = std::string(generator) + " " + options.dump();
  c.generator = generator;
  c.seed = 7;
  c.shape = {8, 3};
  c.options = options;
  try {
    build_case(find_loss(loss), dtype::f64, c);
    ADD_FAILURE() << c.name << ": accepted";
  } catch (const error& e) {
    EXPECT_EQ(e.argument(), "case '" + c.name + "'");
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << c.name << ": " << e.what();
  }
}

TEST(CheckHostileGolden, BuilderOptionsAreChecked) {
  const auto copies = nlohmann::json::array({nlohmann::json::array({0, 1})});
  expect_bad_case("contrastive", "copy_rows", {{"copies", copies}, {"every", -1}}, "'every' must be in [1");
  expect_bad_case("contrastive", "copy_rows", {{"copies", copies}, {"every", 0}}, "'every' must be in [1");
  expect_bad_case("contrastive", "copy_rows", {{"copies", nlohmann::json::array({nlohmann::json::array({0, 9})})}},
                  "not an input index");
  expect_bad_case("mse", "sprinkle", {{"values", nlohmann::json::array()}}, "non-empty array");
  expect_bad_case("mse", "sprinkle", {{"values", {1.0}}, {"every", 0}}, "'every' must be in [1");
  expect_bad_case("mse", "sprinkle", {{"values", {1.0}}, {"input", 5}}, "'input' must be in [0, 1]");
  expect_bad_case("mse", "explicit",
                  {{"inputs", {{{"dtype", "real"}, {"shape", {1000000000000LL, 1000000000000LL}}, {"values", {1.0}}}}}},
                  "at most 2^26");
}

TEST(Check, UpdateRewritesTheSameValues) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() /
                       ("lossbench_golden_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(fs::path(LOSSBENCH_GOLDEN_DIR) / "hinge.json", dir / "hinge.json");
  const update_report u = update_golden({&find_loss("hinge")}, dir.string());
  EXPECT_EQ(u.files_written, 1);
  EXPECT_EQ(u.cases_changed, 0) << (u.diff.size() > 2 ? u.diff[2] : "");
  EXPECT_EQ(u.cases_added, 0);
  EXPECT_EQ(read_golden((dir / "hinge.json").string()).cases.size(),
            read_golden(std::string(LOSSBENCH_GOLDEN_DIR) + "/hinge.json").cases.size());
  fs::remove_all(dir);
}

TEST(Check, LongDoubleTextRoundTrips) {
  for (long double v : {1.0L / 3, -0x1.23456789abcdefp-1000L, 0.0L, 1e4000L}) {
    EXPECT_EQ(parse_long_double(long_double_text(v), "test"), v);
  }
  EXPECT_TRUE(std::isnan(parse_long_double(long_double_text(NAN), "test")));
  EXPECT_EQ(parse_long_double(long_double_text(-INFINITY), "test"), -INFINITY);
  EXPECT_THROW(parse_long_double("1.5x", "test"), error);
}

TEST(Check, PortableLogIsALogarithm) {
  // Within 4 ulps of libm's (≤ 1 ulp) log: the series' truncation is < 2^-60 and a dozen roundings remain.
  for (double x : {1e-300, 0.001, 0.3, 0.70710678, 0.9999999, 1.0, 1.0000001, 1.5, 2.0, 10.0, 12345.678, 1e300}) {
    const double want = std::log(x);
    EXPECT_NEAR(portable_log(x), want, 4 * std::nextafter(std::fabs(want), INFINITY) - 4 * std::fabs(want) + 1e-300)
        << x;
  }
  EXPECT_EQ(portable_log(0.0), -INFINITY);
  EXPECT_EQ(portable_log(1.0), 0.0);
  EXPECT_TRUE(std::isnan(portable_log(-1.0)));
}

}  // namespace
}  // namespace lossbench::check

#endif
