// auto_test.cpp — the `auto` variant and its profile: a valid profile's choice is what runs
// (bit for bit the chosen entry's result), the thread limit and LOSSBENCH_MAX_ISA still apply, and
// every bad profile (another CPU, another build, corrupt, truncated, unreadable, a wrong field)
// is ignored with one clear warning, leaving `auto` on the heuristics with a correct result.
#include "support/harness.hpp"
#include "support/test_profile.hpp"
#include "tuning/auto_select.hpp"
#include "core/omp_threads.hpp"
#include "tuning/profile.hpp"

#include <lossbench/isa.hpp>
#include <lossbench/losses.hpp>
#include <lossbench/threads.hpp>
#include <lossbench/tuning.hpp>

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace lossbench::testing {
namespace {

namespace fs = std::filesystem;

// Each test points LOSSBENCH_PROFILE at its own file and reloads; afterwards `auto` goes back
// to no profile, whatever the machine's cache holds.
class AutoProfile : public ::testing::Test {
 protected:
  fs::path dir;
  void SetUp() override {
    dir = fs::temp_directory_path() / ("lossbench_auto_test_" + std::to_string(::getpid()) + "_" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir);
  }
  void TearDown() override {
    ::setenv("LOSSBENCH_PROFILE", "none", 1);
    reload_auto_profile();
    fs::remove_all(dir);
  }
  // Points `auto` at `path` and loads it; returns what the load printed on stderr.
  std::string use(const fs::path& path) {
    ::setenv("LOSSBENCH_PROFILE", path.c_str(), 1);
    reload_auto_profile();
    ::testing::internal::CaptureStderr();
    auto_profile();
    return ::testing::internal::GetCapturedStderr();
  }
  fs::path write(const std::string& name, const std::string& text) {
    const fs::path p = dir / name;
    std::ofstream(p) << text;
    return p;
  }
};

candidate make(const std::string& key, int threads, double time_ns) {
  return candidate{tuning::parse_variant_key(key, "test"), threads, time_ns};
}

// A profile of this machine and build: mse/f32/value picks `first` below 1000 items (then the
// others, in order) and the scalar kernel from 1000 on.
tuning::profile this_machines_profile(std::vector<candidate> small) {
  tuning::profile p = empty_profile_of_this_machine("test");
  tuning::profile_entry e;
  e.loss = "mse", e.type = dtype::f32, e.with_grad = false, e.items = 500, e.items_min = 0, e.items_max = 1000;
  e.chosen = small.front();
  e.candidates = small;
  p.entries.push_back(e);
  e.items = 2000, e.items_min = 1000, e.items_max = 1 << 30;
  e.chosen = make("scalar", 1, 10);
  e.candidates = {e.chosen};
  p.entries.push_back(e);
  return p;
}

// The `auto` and named-variant results of one mse call, value only.
double run_mse(std::string_view variant, std::int64_t n) {
  const loss_spec& mse = find_loss("mse");
  owned_call oc(mse, mse.generate(dtype::f32, {n, 0}, 7, mse.resolve({})));
  return find_entries("mse", variant, dtype::f32).front()->run(oc.view());
}

std::string best_simd() { return "simd:" + std::string(to_string(best_isa())); }

TEST_F(AutoProfile, RunsTheProfilesChoiceBitForBit) {
  if (best_isa() == isa::none) GTEST_SKIP() << "no SIMD ISA usable";
  const fs::path p = dir / "profile.json";
  tuning::write_profile(p, this_machines_profile({make("simd:sse2", 1, 5), make(best_simd(), 1, 6)}));
  EXPECT_EQ(use(p), "");
  ASSERT_EQ(auto_profile().status, profile_status::state::loaded) << auto_profile().message;
  EXPECT_EQ(auto_profile().entries, 2);

  const auto small = explain_auto(find_loss("mse"), dtype::f32, false, 999);
  EXPECT_TRUE(small.from_profile);
  EXPECT_EQ(small.chosen.name(), "simd:sse2");
  EXPECT_EQ(small.bucket_max, 1000);
  EXPECT_EQ(run_mse("auto", 999), run_mse("simd:sse2", 999));

  const auto large = explain_auto(find_loss("mse"), dtype::f32, false, 1000);
  EXPECT_EQ(large.chosen.name(), "scalar");
  EXPECT_EQ(run_mse("auto", 1000), run_mse("scalar", 1000));
  // No entry for value_grad: the heuristics.
  EXPECT_FALSE(explain_auto(find_loss("mse"), dtype::f32, true, 999).from_profile);
}

TEST_F(AutoProfile, ThreadLimitSkipsToTheFastestAllowedCandidate) {
  if (best_isa() == isa::none) GTEST_SKIP() << "no SIMD ISA usable";
  const std::string omp = "omp:" + std::string(to_string(best_isa()));
  const fs::path p = dir / "profile.json";
  tuning::write_profile(p, this_machines_profile({make(omp, 2, 3), make("simd:sse2", 1, 4), make("scalar", 1, 9)}));
  use(p);
  EXPECT_EQ(explain_auto(find_loss("mse"), dtype::f32, false, 100, 2).chosen.name(), omp + "/threads:2");
  const auto limited = explain_auto(find_loss("mse"), dtype::f32, false, 100, 1);
  EXPECT_EQ(limited.chosen.name(), "simd:sse2");
  EXPECT_NE(limited.reason.find("not allowed"), std::string::npos) << limited.reason;
}

// Run again under LOSSBENCH_MAX_ISA=sse2 and =avx2 by scripts/test.sh (the Isa* filter).
TEST_F(AutoProfile, IsaCeilingStillApplies) {
  if (best_isa() == isa::none) GTEST_SKIP() << "no SIMD ISA usable";
  std::string top = "simd:sse2";  // the CPU's best ISA, whatever the ceiling
  for (isa i : {isa::avx512bw, isa::avx2, isa::sse4_2})
    if (cpu_supports(i)) {
      top = "simd:" + std::string(to_string(i));
      break;
    }
  const fs::path p = dir / "profile.json";
  tuning::write_profile(p, this_machines_profile({make(top, 1, 1), make("simd:sse2", 1, 2)}));
  use(p);
  const auto c = explain_auto(find_loss("mse"), dtype::f32, false, 100);
  EXPECT_LE(c.chosen.variant.isa, max_isa()) << c.chosen.name();
  EXPECT_EQ(run_mse("auto", 100), run_mse(c.chosen.name(), 100));
}

// `auto` keeps each thread's last choice for calls like the previous one (tuning::resolve_auto);
// a call in another bucket, on the other side of the break-even, under another thread limit, ISA
// ceiling or profile must get its own choice, the one `explain` gives, never the kept one.
TEST_F(AutoProfile, KeptChoiceFollowsEveryChangeOfCall) {
  const loss_spec& mse = find_loss("mse");
  const std::string omp = "omp:sse2";  // x86-64's baseline: compiled and usable on every CPU here
  tuning::profile prof = this_machines_profile({make(omp, 2, 3), make("simd:sse2", 1, 4), make("scalar", 1, 9)});
  prof.entries[1].chosen = make(omp, 2, 5);
  prof.entries[1].candidates = {prof.entries[1].chosen, make("scalar", 1, 10)};
  tuning::write_profile(dir / "a.json", prof);
  prof.entries[0].chosen = make("scalar", 1, 1);
  prof.entries[0].candidates = {prof.entries[0].chosen};
  tuning::write_profile(dir / "b.json", prof);

  const std::int64_t break_even = core::parallel_break_even(mse);
  ASSERT_GT(break_even, 1000) << "the calls below assume mse's break-even inside the large bucket";
  const auto expect_explained = [&](std::int64_t n, int limit) {
    const candidate want = explain_auto(mse, dtype::f32, false, n, limit).chosen;
    const candidate got = tuning::resolve_auto(mse, dtype::f32, false, n, limit);
    const int threads = want.variant.drv == driver::omp && n >= break_even ? want.threads : 1;
    EXPECT_EQ(tuning::variant_key(got.variant), tuning::variant_key(want.variant))
        << "n = " << n << ", limit " << limit;
    EXPECT_EQ(got.threads, threads) << "n = " << n << ", limit " << limit;
  };
  const auto sweep = [&] {
    for (int limit : {2, 1, 2})
      for (std::int64_t n : {999L, 999L, 1000L, break_even - 1, break_even, break_even, break_even - 1, 999L})
        expect_explained(n, limit);
  };
  use(dir / "a.json");
  ASSERT_EQ(auto_profile().status, profile_status::state::loaded) << auto_profile().message;
  sweep();
  const isa ceiling = max_isa();
  set_max_isa(isa::none);
  sweep();
  EXPECT_EQ(tuning::resolve_auto(mse, dtype::f32, false, 999, 2).variant.impl, implementation::scalar);
  set_max_isa(ceiling);
  sweep();
  use(dir / "b.json");
  sweep();
  EXPECT_EQ(tuning::resolve_auto(mse, dtype::f32, false, 999, 2).variant.impl, implementation::scalar);
  ::setenv("LOSSBENCH_PROFILE", "none", 1);
  reload_auto_profile();
  sweep();
}

// Without a profile: the best SIMD kernel, serially below the break-even, on all allowed threads above.
TEST_F(AutoProfile, HeuristicsWithoutAProfile) {
  ::setenv("LOSSBENCH_PROFILE", "none", 1);
  reload_auto_profile();
  EXPECT_EQ(auto_profile().status, profile_status::state::none);
  const loss_spec& ce = find_loss("cross_entropy");
  const auto small = explain_auto(ce, dtype::f32, true, ce.parallel_min_elements() - 1, 2);
  EXPECT_FALSE(small.from_profile);
  EXPECT_EQ(small.chosen.variant.drv, driver::serial);
  EXPECT_EQ(small.chosen.variant.isa, best_isa(dtype::f32));
  const auto large = explain_auto(ce, dtype::f32, true, ce.parallel_min_elements(), 2);
  EXPECT_EQ(large.chosen.variant.drv, best_isa() == isa::none ? driver::serial : driver::omp);
  EXPECT_EQ(large.chosen.threads, 2);
  EXPECT_EQ(explain_auto(ce, dtype::f32, true, ce.parallel_min_elements(), 1).chosen.threads, 1);
}

// The span API's default is `auto`, and gives what the heuristics' kernel gives.
TEST_F(AutoProfile, SpanApiDefaultsToAuto) {
  EXPECT_EQ(options{}.variant, "auto");
  ::setenv("LOSSBENCH_PROFILE", "none", 1);
  reload_auto_profile();
  const std::vector<float> x = {1, 2, 3, 4, 5}, y = {0, 2, 2, 6, 5};
  const float v = mse<float>(x, y);
  EXPECT_EQ(v, (1.0f + 0 + 1 + 4 + 0) / 5);  // exact: small integers, one rounding of 6/5
}

// ---- bad profiles: ignored with one warning, auto still right ------------------------------

void expect_ignored(const std::string& warning, const std::string& must_mention) {
  EXPECT_EQ(auto_profile().status, profile_status::state::ignored);
  EXPECT_NE(auto_profile().message.find(must_mention), std::string::npos) << auto_profile().message;
  EXPECT_NE(warning.find("warning: ignoring the tuning profile"), std::string::npos) << warning;
  EXPECT_EQ(warning.find('\n'), warning.size() - 1) << "one line: " << warning;
  // A second lookup does not warn again, and auto runs the heuristics' kernel.
  ::testing::internal::CaptureStderr();
  const auto c = explain_auto(find_loss("mse"), dtype::f32, false, 100);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  EXPECT_FALSE(c.from_profile);
  EXPECT_EQ(run_mse("auto", 100), run_mse(c.chosen.name() == "scalar" ? "scalar" : "simd", 100));
}

// A profile of this machine and build, with its signature changed by `change`.
tuning::profile changed(void (*change)(tuning::profile&)) {
  auto prof = this_machines_profile({make("scalar", 1, 1)});
  change(prof);
  return prof;
}

TEST_F(AutoProfile, OtherCpuIsIgnored) {
  tuning::write_profile(dir / "p.json", changed([](tuning::profile& p) { p.cpu.model = "Imaginary CPU 9000"; }));
  expect_ignored(use(dir / "p.json"), "another CPU");
}

TEST_F(AutoProfile, OtherCoreCountIsIgnored) {
  tuning::write_profile(dir / "p.json", changed([](tuning::profile& p) { p.cpu.logical_cpus += 1; }));
  expect_ignored(use(dir / "p.json"), "another CPU");
}

TEST_F(AutoProfile, CoreCountBeyondRangeIsIgnoredNotTruncated) {
  // 2^32 + this machine's count would pass as this machine's count once cut to an int.
  const fs::path p = dir / "p.json";
  tuning::write_profile(p, changed([](tuning::profile&) {}));
  std::ifstream in(p);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  const std::string key = "\"logical_cpus\": ";
  const auto at = text.find(key);
  ASSERT_NE(at, std::string::npos) << text;
  const auto end = text.find_first_not_of("0123456789", at + key.size());
  const long long cpus = std::stoll(text.substr(at + key.size(), end - at - key.size()));
  text.replace(at + key.size(), end - at - key.size(), std::to_string((1LL << 32) + cpus));
  expect_ignored(use(write("q.json", text)), "logical_cpus");
}

TEST_F(AutoProfile, OtherVersionIsIgnored) {
  tuning::write_profile(dir / "p.json", changed([](tuning::profile& p) { p.build.version = "0.0.1"; }));
  expect_ignored(use(dir / "p.json"), "another lossbench build");
}

TEST_F(AutoProfile, CorruptIsIgnored) {
  expect_ignored(use(write("p.json", "{\"format\": \"lossbench-profile\", ]]] garbage")), "not valid JSON");
}

TEST_F(AutoProfile, TruncatedIsIgnored) {
  const std::string whole = tuning::to_json_text(this_machines_profile({make("scalar", 1, 1)}));
  expect_ignored(use(write("p.json", whole.substr(0, whole.size() / 2))), "not valid JSON");
}

TEST_F(AutoProfile, EmptyFileIsIgnored) { expect_ignored(use(write("p.json", "")), "not valid JSON"); }

TEST_F(AutoProfile, UnreadableIsIgnored) {
  // A directory in the file's place: unreadable as a file even for root (chmod 000 is not).
  fs::create_directories(dir / "p.json");
  expect_ignored(use(dir / "p.json"), "is a directory");
}

TEST_F(AutoProfile, FifoIsIgnoredWithoutBlocking) {
  // Opening a FIFO blocks until a writer comes: the first `auto` call would hang.
  ASSERT_EQ(::mkfifo((dir / "p.json").c_str(), 0600), 0);
  expect_ignored(use(dir / "p.json"), "not a regular file");
}

TEST_F(AutoProfile, OversizeIsIgnoredUnread) {
  // Sparse: 64 MiB of nothing, read by no one (a profile is tens of KiB; /dev/zero never ends).
  const fs::path p = dir / "p.json";
  std::ofstream(p) << "{";
  fs::resize_file(p, std::uintmax_t{64} << 20);
  expect_ignored(use(p), "a profile is at most");
}

TEST_F(AutoProfile, MissingNamedFileIsIgnored) { expect_ignored(use(dir / "absent.json"), "cannot be read"); }

TEST_F(AutoProfile, WrongFieldIsIgnoredNamingIt) {
  auto bad_variant = tuning::to_json_text(this_machines_profile({make("scalar", 1, 1)}));
  const auto at = bad_variant.find("\"scalar\"");
  bad_variant.replace(at, 8, "\"simd:neon\"");
  expect_ignored(use(write("p.json", bad_variant)), "variant: unknown variant 'simd:neon'");
  EXPECT_NE(auto_profile().message.find("entries[0]."), std::string::npos)
      << "the field's path: " << auto_profile().message;
}

TEST_F(AutoProfile, UnknownLossIsIgnored) {
  tuning::write_profile(dir / "p.json", changed([](tuning::profile& p) { p.entries[1].loss = "focal"; }));
  expect_ignored(use(dir / "p.json"), "unknown loss 'focal'");
}

TEST_F(AutoProfile, SerialVariantOnSeveralThreadsIsIgnored) {
  auto text = tuning::to_json_text(this_machines_profile({make("scalar", 1, 1)}));
  const auto at = text.find("\"threads\": 1");
  text.replace(at, 12, "\"threads\": 4");
  expect_ignored(use(write("p.json", text)), "a serial variant runs on 1 thread");
}

// The `auto` result of one mse call in a 16-bit dtype, value only (its f32 value, as a double).
double run_mse16(std::string_view variant, dtype t, std::int64_t n) {
  const loss_spec& mse = find_loss("mse");
  owned_call oc(mse, mse.generate(t, {n, 0}, 7, mse.resolve({})));
  return find_entries("mse", variant, t).front()->run(oc.view());
}

// A profile's bf16 rows drive `auto` for bf16 calls as f32 rows do for f32: its choice per bucket,
// the very kernel it names (bit for bit); f16 calls, absent from it, keep the heuristics.
TEST_F(AutoProfile, SixteenBitRowsChooseForTheirDtype) {
  tuning::profile p = empty_profile_of_this_machine("test");
  tuning::profile_entry e;
  e.loss = "mse", e.type = dtype::bf16, e.with_grad = false, e.items = 500, e.items_min = 0, e.items_max = 1000;
  e.chosen = make("scalar", 1, 5);
  e.candidates = {e.chosen, make("omp:scalar", 2, 9)};
  p.entries.push_back(e);
  const fs::path path = dir / "profile.json";
  tuning::write_profile(path, p);
  EXPECT_EQ(use(path), "");
  ASSERT_EQ(auto_profile().status, profile_status::state::loaded) << auto_profile().message;

  const auto bf = explain_auto(find_loss("mse"), dtype::bf16, false, 999);
  EXPECT_TRUE(bf.from_profile);
  EXPECT_EQ(bf.chosen.name(), "scalar");
  EXPECT_NE(bf.reason.find("mse/bf16/value"), std::string::npos) << bf.reason;
  EXPECT_EQ(run_mse16("auto", dtype::bf16, 999), run_mse16("scalar", dtype::bf16, 999));
  // Outside its buckets and in other dtypes: the heuristics, as for a profile without 16-bit rows.
  EXPECT_FALSE(explain_auto(find_loss("mse"), dtype::bf16, false, 1000).from_profile);
  EXPECT_FALSE(explain_auto(find_loss("mse"), dtype::f16, false, 999).from_profile);
  EXPECT_FALSE(explain_auto(find_loss("mse"), dtype::f32, false, 999).from_profile);
}

// A profile from before 16-bit storage (f32/f64 rows only) still loads; a 16-bit call then runs
// the heuristics' kernel, the same bits as that kernel named directly.
TEST_F(AutoProfile, ProfileWithoutSixteenBitRowsLeavesThemToTheHeuristics) {
  if (best_isa() == isa::none) GTEST_SKIP() << "no SIMD ISA usable";
  const fs::path path = dir / "profile.json";
  tuning::write_profile(path, this_machines_profile({make("scalar", 1, 5)}));
  EXPECT_EQ(use(path), "");
  ASSERT_EQ(auto_profile().status, profile_status::state::loaded) << auto_profile().message;
  const auto c = explain_auto(find_loss("mse"), dtype::bf16, false, 999, 1);
  EXPECT_FALSE(c.from_profile);
  EXPECT_NE(c.reason.find("the profile has no entry for mse/bf16/value"), std::string::npos) << c.reason;
  EXPECT_EQ(c.chosen.name(), best_simd());
  for (dtype t : {dtype::bf16, dtype::f16}) EXPECT_EQ(run_mse16("auto", t, 999), run_mse16("simd", t, 999));
}

TEST_F(AutoProfile, UnknownDtypeIsIgnoredNamingIt) {
  tuning::write_profile(dir / "p.json", this_machines_profile({make("scalar", 1, 5)}));
  std::ifstream in(dir / "p.json");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string f32 = "\"dtype\": \"f32\"";
  text.replace(text.find(f32), f32.size(), "\"dtype\": \"i32\"");
  expect_ignored(use(write("q.json", text)), "entries[0].dtype: expected f32, f64, bf16 or f16");
}

TEST(Profile, SixteenBitEntriesRoundTrip) {
  tuning::profile p = empty_profile_of_this_machine("median of 3");
  tuning::profile_entry e;
  e.loss = "cross_entropy", e.with_grad = true, e.items = 4096, e.items_min = 0, e.items_max = 8192;
  e.chosen = make("scalar", 1, 10);
  e.candidates = {e.chosen};
  for (dtype t : {dtype::bf16, dtype::f16}) e.type = t, p.entries.push_back(e);
  const tuning::profile q = tuning::parse_profile(tuning::to_json_text(p));
  ASSERT_EQ(q.entries.size(), 2u);
  EXPECT_EQ(q.entries[0].type, dtype::bf16);
  EXPECT_EQ(q.entries[1].type, dtype::f16);
}

TEST(Profile, RoundTripsThroughJson) {
  tuning::profile p;
  p.rigor = "patient", p.created = "2026-11-29T00:00:00Z", p.cpu = this_cpu(), p.build = this_build(),
  p.complete = false;
  p.statistic = "median of 5";
  tuning::profile_entry e;
  e.loss = "ctc", e.type = dtype::f64, e.with_grad = true, e.items = 96000, e.items_min = 48000, e.items_max = 192000;
  e.chosen = make("omp:sse4_2", 3, 12.5);
  e.margin = 0.25;
  e.candidates = {e.chosen, make("scalar", 1, 99.75)};
  p.entries = {e};
  const tuning::profile q = tuning::parse_profile(tuning::to_json_text(p));
  EXPECT_EQ(q.rigor, "patient");
  EXPECT_FALSE(q.complete);
  EXPECT_EQ(q.cpu, p.cpu);
  EXPECT_EQ(q.build, p.build);
  ASSERT_EQ(q.entries.size(), 1u);
  const auto& f = q.entries[0];
  EXPECT_EQ(f.loss, "ctc");
  EXPECT_EQ(f.type, dtype::f64);
  EXPECT_TRUE(f.with_grad);
  EXPECT_EQ(f.items_min, 48000);
  EXPECT_EQ(f.items_max, 192000);
  EXPECT_EQ(f.chosen.name(), "omp:sse4_2/threads:3");
  EXPECT_EQ(f.margin, 0.25);
  ASSERT_EQ(f.candidates.size(), 2u);
  EXPECT_EQ(f.candidates[1].time_ns, 99.75);
}

TEST(Profile, VariantKeysRoundTrip) {
  for (const char* k : {"scalar", "simd:sse2", "simd:sse4_2", "simd:avx2", "simd:avx512bw", "omp:avx2", "omp:scalar"})
    EXPECT_EQ(tuning::variant_key(tuning::parse_variant_key(k, "t")), k);
  for (const char* k : {"simd", "omp", "simd:neon", "auto", "", "omp:"})
    EXPECT_THROW(tuning::parse_variant_key(k, "t"), error) << k;
}

}  // namespace
}  // namespace lossbench::testing
