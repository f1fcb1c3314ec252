// check_test.cpp — `lossbench check`: every registry entry passes the golden files; a
// deliberately broken kernel (a wrapped loss_spec, passed in as an entry) fails, named by loss,
// variant, dtype and case — in 16 bits too, down to one 16-bit ulp of one gradient element;
// --update is idempotent and never needs a kernel; the 16-bit tolerances and overflows; the
// portable logarithm and number texts behave.
#include "check/case_builders.hpp"
#include "check/check.hpp"
#include "check/digest.hpp"
#include "check/expected.hpp"
#include "check/golden_file.hpp"
#include "check/portable_log.hpp"
#include "check/update.hpp"

#include <lossbench/catalogue.hpp>
#include <lossbench/float16.hpp>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>

#ifdef LOSSBENCH_GOLDEN_DIR

namespace lossbench::check {
namespace {

// Forwards everything to a real loss; its kernel's answer is perturbed.
class broken_spec : public loss_spec {
 public:
  // one_ulp_up / one_ulp_down: a 16-bit gradient's first element one ulp of its type away from
  // what the kernel stored, larger or smaller in magnitude (the next or previous bit pattern; 0
  // becomes the smallest subnormal either way) — the mistake of a rounding gone the wrong way.
  enum class fault { value, one_gradient_element, one_ulp_up, one_ulp_down };
  broken_spec(const loss_spec& real, fault f) : real_(real), fault_(f) {}
  std::string_view name() const override { return real_.name(); }
  std::string_view summary() const override { return real_.summary(); }
  std::string_view torch_name() const override { return real_.torch_name(); }
  std::span<const input_desc> inputs() const override { return real_.inputs(); }
  std::span<const param_desc> params() const override { return real_.params(); }
  std::span<const lossbench::reduction> reductions() const override { return real_.reductions(); }
  std::span<const dtype> dtypes() const override { return real_.dtypes(); }
  accuracy_bound accuracy() const override { return real_.accuracy(); }
  void validate(const call& c, dtype dt) const override { real_.validate(c, dt); }
  lossbench::shape losses_shape(std::span<const tensor_ref> in) const override { return real_.losses_shape(in); }
  double flops(std::span<const tensor_ref> in, bool with_grad) const override { return real_.flops(in, with_grad); }
  std::vector<array> generate(dtype dt, shape_request r, std::uint64_t s, const param_set& p) const override {
    return real_.generate(dt, r, s, p);
  }
  reference_result reference(const call& c) const override { return real_.reference(c); }
  std::int64_t block_items(std::span<const tensor_ref> in) const override { return real_.block_items(in); }
  void divisor_counts(const call& c, std::vector<std::int64_t>& counts) const override {
    real_.divisor_counts(c, counts);
  }
  double run_shard(const variant& v, dtype dt, const call& c, int threads, std::span<const std::int64_t> counts,
                   std::vector<double>& partials) const override {
    return real_.run_shard(v, dt, c, threads, counts, partials);
  }
  std::uint64_t params_digest(const call& c) const override { return real_.params_digest(c); }
  double run_validated(const variant& v, dtype dt, const call& c, int threads) const override {
    const double value = real_.run_validated(v, dt, c, threads);
    if (fault_ == fault::value) return value * (1 + 1e-4);  // far beyond any bound (≤ ~1e-6 relative)
    if (c.out.grad[0] && c.inputs[0].numel() > 0) {         // the first element, always sampled
      if (fault_ == fault::one_ulp_up || fault_ == fault::one_ulp_down) {
        if (!is_16bit(dt)) throw std::logic_error("one_ulp faults are for 16-bit entries");
        std::uint16_t& bits = static_cast<std::uint16_t*>(c.out.grad[0])[0];
        if ((bits & 0x7fffu) == 0)
          bits = 1;
        else
          bits = static_cast<std::uint16_t>(fault_ == fault::one_ulp_up ? bits + 1 : bits - 1);
      } else if (dt == dtype::f32) {
        static_cast<float*>(c.out.grad[0])[0] *= 1.01f;
      } else if (dt == dtype::bf16) {
        auto& g = static_cast<bf16*>(c.out.grad[0])[0];
        g = bf16(static_cast<float>(g) * 1.01f);
      } else if (dt == dtype::f16) {
        auto& g = static_cast<f16*>(c.out.grad[0])[0];
        g = f16(static_cast<float>(g) * 1.01f);
      } else {
        static_cast<double*>(c.out.grad[0])[0] *= 1.01;
      }
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

std::vector<entry> broken_entries(const broken_spec& spec, std::vector<dtype> types = {dtype::f32, dtype::f64}) {
  const variant scalar{implementation::scalar, isa::none, driver::serial};
  std::vector<entry> out;
  for (dtype t : types) out.push_back(entry{&spec, scalar, t});
  return out;
}

TEST(Check, SixteenBitEntriesRunTheirCasesIncludingTheHardOnes) {
  // Every loss with 16-bit storage has bf16 and f16 expectations for each case that runs in them,
  // and the check runs them: the shared cases, and for these losses those made for one type's
  // range (past it, subnormal halves, ties).
  const std::vector<std::string_view> with_hard_cases = {"mse", "mae",        "huber",  "hinge",
                                                         "bce", "bce_logits", "kl_div", "cross_entropy"};
  for (const loss_spec* loss : catalogue()) {
    const auto types = loss->dtypes();
    if (std::find(types.begin(), types.end(), dtype::bf16) == types.end()) continue;
    const bool hard = std::find(with_hard_cases.begin(), with_hard_cases.end(), loss->name()) != with_hard_cases.end();
    const golden_file file = read_golden(golden_path(LOSSBENCH_GOLDEN_DIR, loss->name()));
    for (dtype t : {dtype::bf16, dtype::f16}) {
      int shared = 0, own = 0;
      for (const golden_case& c : file.cases) {
        if (!c.desc.runs_in(t)) continue;
        EXPECT_TRUE(c.at(t).has_value()) << loss->name() << " case '" << c.desc.name << "' has no " << to_string(t);
        (c.desc.dtypes.empty() ? shared : own) += 1;
      }
      EXPECT_GE(shared, 20) << loss->name() << " " << to_string(t);
      if (hard) {
        EXPECT_GE(own, 2) << loss->name() << " " << to_string(t) << ": no hard cases of its own";
      }
    }
  }
  std::vector<entry> sixteen;
  for (const entry& e : registry())
    if (e.loss->name() == "mse" && is_16bit(e.type)) sixteen.push_back(e);
  ASSERT_FALSE(sixteen.empty());
  const check_report r = run_check(sixteen, LOSSBENCH_GOLDEN_DIR);
  EXPECT_TRUE(r.passed());
  bool bf16_overflow = false, f16_overflow = false;
  for (const auto& c : r.results) {
    bf16_overflow |= c.type == dtype::bf16 && c.case_name.rfind("bf16: gradients past", 0) == 0;
    f16_overflow |= c.type == dtype::f16 && c.case_name.rfind("f16: losses and gradients past", 0) == 0;
    EXPECT_NE(c.case_name.rfind(c.type == dtype::bf16 ? "f16:" : "bf16:", 0), 0u) << c.case_name;
  }
  EXPECT_TRUE(bf16_overflow && f16_overflow);
}

// x ≥ 0 rounded to the 16-bit type t, and its neighbour one ulp up or down (bits ± 1), as doubles.
double stored16(dtype t, double x, int step) {
  std::uint16_t bits = t == dtype::bf16 ? bf16(x).bits : f16(x).bits;
  if (step != 0) bits = (bits & 0x7fffu) == 0 ? 1 : static_cast<std::uint16_t>(bits + step);
  return t == dtype::bf16 ? static_cast<float>(bf16::from_bits(bits)) : static_cast<float>(f16::from_bits(bits));
}

TEST(Check, SixteenBitGradientOneUlpOffIsCaught) {
  // The first gradient element one 16-bit ulp off, either way, in the scalar bf16 and f16 entries
  // of mse and cross_entropy. Where the golden value v and tolerance tol (the f32 bound b plus half
  // a 16-bit ulp) fix the correct stored value s (v ± b round alike: not a tie), the element one
  // ulp from s is further than tol from v for most elements, and there the check must fail, naming
  // it. It cannot where b reaches a 16-bit ulp (cross_entropy's bound is per row, large for a
  // row's small gradients) or the element is 0 or non-finite; those must stay a minority.
  for (const char* loss : {"mse", "cross_entropy"}) {
    const golden_file file = read_golden(golden_path(LOSSBENCH_GOLDEN_DIR, loss));
    for (auto f : {broken_spec::fault::one_ulp_up, broken_spec::fault::one_ulp_down}) {
      const broken_spec spec(find_loss(loss), f);
      const check_report r = run_check(broken_entries(spec, {dtype::bf16, dtype::f16}), LOSSBENCH_GOLDEN_DIR);
      EXPECT_FALSE(r.passed());
      int runs = 0, catchable = 0;
      for (const auto& c : r.results) {
        ++runs;
        const auto gc = std::find_if(file.cases.begin(), file.cases.end(),
                                     [&](const golden_case& g) { return g.desc.name == c.case_name; });
        ASSERT_NE(gc, file.cases.end());
        const digest& g = gc->at(c.type)->grads.at(0);
        if (g.samples.empty() || g.samples[0].index != 0 || !std::isfinite(g.samples[0].value) ||
            g.samples[0].value == 0)
          continue;
        const auto v = static_cast<double>(std::fabs(g.samples[0].value));
        const double tol = g.samples[0].tol;
        const auto b = static_cast<double>(tol - storage_half_ulp(c.type, v));   // ≥ the f32 bound: tol's parts
        if (stored16(c.type, v - b, 0) != stored16(c.type, v + b, 0)) continue;  // a tie: either neighbour
        const double off = stored16(c.type, v, f == broken_spec::fault::one_ulp_up ? 1 : -1);
        if (!(std::fabs(off - v) > tol)) continue;
        ++catchable;
        bool at_0 = false;
        for (const auto& msg : c.violations) at_0 = at_0 || msg.find("grad input[0]") != std::string::npos;
        EXPECT_TRUE(at_0) << loss << " " << to_string(c.type) << " case '" << c.case_name << "' passed";
      }
      EXPECT_GE(catchable, runs / 2) << loss << ": " << catchable << " of " << runs;
    }
  }
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

TEST(Check, SixteenBitStorageBoundsAreOneRounding) {
  // Half an ulp of the type at the value: 2^-8 (bf16) or 2^-11 (f16) of the binade's power of two.
  EXPECT_EQ(storage_half_ulp(dtype::bf16, 1.0L), 0x1p-8L);
  EXPECT_EQ(storage_half_ulp(dtype::bf16, 1.99L), 0x1p-8L);  // not 2^-8·1.99: one rounding errs by ≤ ½ ulp
  EXPECT_EQ(storage_half_ulp(dtype::f16, 3.0L), 0x1p-10L);
  EXPECT_EQ(storage_half_ulp(dtype::f16, 1e6L), 16.0L);            // past 65504: the top binade's (ulp 32)
  EXPECT_EQ(storage_half_ulp(dtype::f16, 0x1p-20L), 0x1p-25L);     // subnormal halves: ½·2^-24
  EXPECT_EQ(storage_half_ulp(dtype::bf16, 0x1p-140L), 0x1p-134L);  // subnormal bf16: ½·2^-133
  EXPECT_EQ(storage_half_ulp(dtype::bf16, 0.0L), 0x1p-134L);
  EXPECT_EQ(storage_half_ulp(dtype::f32, 1.0L), 0.0L);
  // The overflow thresholds are where the conversions (float16.hpp) first give ±inf.
  for (dtype t : {dtype::bf16, dtype::f16}) {
    const auto bits = [&](float v) {
      return t == dtype::bf16 ? detail::bf16_bits_of(v) & 0x7fffu : detail::f16_bits_of(v) & 0x7fffu;
    };
    const auto threshold = static_cast<float>(storage_overflow(t));
    const std::uint16_t inf = t == dtype::bf16 ? 0x7f80u : 0x7c00u;
    EXPECT_EQ(bits(threshold), inf) << to_string(t);
    EXPECT_NE(bits(std::nextafter(threshold, 0.0f)), inf) << to_string(t);
  }
  // f32/f64 keep their unit roundoffs; the 16-bit types compute in float.
  EXPECT_EQ(unit_roundoff(dtype::bf16), unit_roundoff(dtype::f32));
  EXPECT_EQ(smallest_denormal(dtype::f16), smallest_denormal(dtype::f32));
  EXPECT_EQ(unit_roundoff(dtype::f64), 0x1p-53);
}

TEST(Check, SixteenBitDigestsAreOfTheValuesAsStored) {
  const long double u = 0x1p-24, tiny = 0x1p-149;
  // f16: 70000 stores as inf whatever its f32 error; 1.5 gains half an f16 ulp (2^-11).
  const std::vector<long double> v = {70000.0L, 1.5L, -1e5L};
  const digest d = make_digest("g", v, {}, 3, u, tiny, dtype::f16);
  ASSERT_EQ(d.samples.size(), 3u);
  EXPECT_EQ(d.samples[0].value, std::numeric_limits<long double>::infinity());
  EXPECT_EQ(d.samples[2].value, -std::numeric_limits<long double>::infinity());
  EXPECT_TRUE(std::isnan(d.sum));  // inf + (−inf), as the stored values sum
  // 3·(u·1.5 + ½tiny) is the f32 bound; 2^-11 the rounding to f16; round_up adds ≤ 2 ulps of a double.
  EXPECT_NEAR(d.samples[1].tol, 3 * (u * 1.5L + tiny / 2) + 0x1p-11L, 1e-15);
  // 65520 ± its f32 bound straddles the threshold: no golden value can say finite or inf.
  const std::vector<long double> tie = {65520.0L};
  EXPECT_THROW(make_digest("g", tie, {}, 3, u, tiny, dtype::f16), error);
  // f32/f64 digests are as they were: the value itself, the f32 bound alone.
  const digest f = make_digest("g", v, {}, 3, u, tiny, dtype::f32);
  EXPECT_EQ(f.samples[0].value, 70000.0L);
}

TEST(Check, SixteenBitGoldenCasesRoundTrip) {
  namespace fs = std::filesystem;
  golden_file file;
  file.loss = "mse";
  golden_case c;
  c.desc.name = "bf16 only";
  c.desc.shape = {3, 0};
  c.desc.dtypes = {dtype::bf16};
  c.at(dtype::bf16) = expectation{1.5L, 1e-7, std::nullopt, {}};
  file.cases.push_back(c);
  const fs::path p = fs::temp_directory_path() / ("lossbench_golden16_" + std::to_string(::getpid()) + ".json");
  write_golden(p.string(), file, find_loss("mse"));
  const golden_file back = read_golden(p.string());
  ASSERT_EQ(back.cases.size(), 1u);
  EXPECT_EQ(back.cases[0].desc.dtypes, std::vector<dtype>{dtype::bf16});
  EXPECT_TRUE(back.cases[0].desc.runs_in(dtype::bf16));
  EXPECT_FALSE(back.cases[0].desc.runs_in(dtype::f32));
  ASSERT_TRUE(back.cases[0].at(dtype::bf16).has_value());
  EXPECT_EQ(back.cases[0].at(dtype::bf16)->value, 1.5L);
  EXPECT_FALSE(back.cases[0].at(dtype::f16).has_value());
  const nlohmann::json j = nlohmann::json::parse(std::ifstream(p));
  EXPECT_EQ(j["tolerance"]["storage"]["f16"]["half_ulp"].get<double>(), 0x1p-11);
  fs::remove(p);
}

TEST(CheckHostileGolden, CaseDtypesAreChecked) {
  expect_refused(
      "dtypes_int", [](nlohmann::json& j) { j["cases"][3]["dtypes"] = {"i32"}; }, "'dtypes' names");
  expect_refused(
      "dtypes_twice",
      [](nlohmann::json& j) {
        j["cases"][3]["dtypes"] = {"bf16", "bf16"};
      },
      "twice");
  expect_refused(
      "dtypes_empty", [](nlohmann::json& j) { j["cases"][3]["dtypes"] = nlohmann::json::array(); }, "non-empty");
}

TEST(CheckHostileGolden, SixteenBitInputsAreGivenExactly) {
  // 0.1 is no bf16 value: a tie or threshold case would silently move if it were rounded.
  case_desc c;
  c.name = "inexact";
  c.generator = "explicit";
  c.shape = {1, 0};
  c.options = {{"inputs",
                {{{"dtype", "real"}, {"shape", {1}}, {"values", {0.1}}},
                 {{"dtype", "real"}, {"shape", {1}}, {"values", {0.5}}}}}};
  EXPECT_THROW(build_case(find_loss("mse"), dtype::bf16, c), error);
  EXPECT_NO_THROW(build_case(find_loss("mse"), dtype::f32, c));  // f32/f64 round, as always
  c.options["inputs"][0]["values"] = {"0x1.9ap-4"};              // 0.1 rounded to bf16
  EXPECT_NO_THROW(build_case(find_loss("mse"), dtype::bf16, c));
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
