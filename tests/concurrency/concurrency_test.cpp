// concurrency_test.cpp — the library's entry points called from several threads at once: first
// calls racing the registry's construction and the tuning profile's load, every loss, the
// variants scalar, simd, omp (on 2 and 3 threads: OpenMP teams inside concurrent user threads)
// and auto (whose profile picks omp for small mse calls), f32 and f64, value and gradient. Every
// concurrent result must carry the bits of the same call made alone afterwards.
//
// A separate program: the race is on first use, so nothing may touch the library before it.
// Plain test builds run it (ctest `concurrency`); `scripts/test.sh --tsan` runs it under
// ThreadSanitizer with LLVM's OpenMP and its Archer tool, which tells TSan about OpenMP's own
// synchronisation (without it every barrier of an uninstrumented OpenMP runtime looks like a race).
#include "support/test_profile.hpp"

#include <lossbench/lossbench.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <latch>
#include <thread>
#include <vector>

namespace lossbench {
namespace {

struct job {
  const loss_spec* loss;
  dtype type;
  std::string variant;
  int threads;
};

struct result {
  double value = 0;
  std::vector<array> grads;
};

// The inputs of each (loss, dtype), generated before the race (generation is not under test).
struct workload {
  std::vector<std::vector<array>> inputs;  // [loss × 2 + dtype]
  std::vector<job> jobs;
};

std::size_t slot(std::size_t loss_index, dtype t) { return loss_index * 2 + (t == dtype::f64 ? 1 : 0); }

result run(const workload& w, std::size_t loss_index, const job& j) {
  const auto& in = w.inputs[slot(loss_index, j.type)];
  const std::vector<tensor_ref> refs = refs_of(in);
  result r;
  outputs out;
  std::size_t k = 0;
  for (std::size_t i = 0; i < j.loss->inputs().size(); ++i) {
    if (!j.loss->inputs()[i].differentiable) continue;
    r.grads.emplace_back(j.type, in[i].shape());
    out.grad[k++] = r.grads.back().raw();
  }
  options o;
  o.variant = j.variant;
  o.threads = j.threads;
  r.value = evaluate(j.loss->name(), refs, {}, o, out);
  return r;
}

bool same_bits(const result& a, const result& b) {
  if (std::memcmp(&a.value, &b.value, sizeof a.value) != 0 || a.grads.size() != b.grads.size()) return false;
  for (std::size_t k = 0; k < a.grads.size(); ++k)
    if (std::memcmp(a.grads[k].raw(), b.grads[k].raw(), a.grads[k].bytes()) != 0) return false;
  return true;
}

// A profile of this machine in which auto runs mse (f32, value and gradient) on omp×2 below 1M
// items and simd above: concurrent auto calls then load it and fork OpenMP teams.
std::filesystem::path write_profile(const std::filesystem::path& dir) {
  tuning::profile p = testing::empty_profile_of_this_machine("concurrency test");
  for (bool grad : {false, true}) {
    tuning::profile_entry e;
    e.loss = "mse", e.type = dtype::f32, e.with_grad = grad, e.items = 4096, e.items_min = 0, e.items_max = 1 << 20;
    e.chosen = candidate{tuning::parse_variant_key("omp:" + std::string(to_string(best_isa())), "test"), 2, 1};
    e.candidates = {e.chosen};
    p.entries.push_back(e);
  }
  const auto path = dir / "profile.json";
  tuning::write_profile(path, p);
  return path;
}

TEST(Concurrency, FirstCallsFromManyThreadsGiveTheBitsOfSerialCalls) {
  const auto dir = std::filesystem::temp_directory_path() / ("lossbench_concurrency_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  ::setenv("LOSSBENCH_PROFILE", write_profile(dir).c_str(), 1);

  // Inputs through the loss specs' generators: catalogue() is the static list of losses, not the
  // registry of entries (built on the first find_entries/evaluate, inside the race).
  workload w;
  const auto& losses = catalogue();
  for (const loss_spec* l : losses)
    for (dtype t : {dtype::f32, dtype::f64}) w.inputs.push_back(l->generate(t, {300, 0}, 11, l->resolve({})));
  const std::vector<std::pair<std::string, int>> variants = {
      {"auto", 0}, {"omp", 2}, {"simd", 0}, {"omp", 3}, {"scalar", 0}};

  constexpr int workers = 6;
  std::vector<std::vector<std::pair<std::size_t, job>>> plan(workers);
  for (int t = 0; t < workers; ++t)
    for (std::size_t i = 0; i < losses.size(); ++i) {
      const std::size_t li = (i + static_cast<std::size_t>(t)) % losses.size();  // each thread starts elsewhere
      const auto& v = variants[(li + static_cast<std::size_t>(t)) % variants.size()];
      plan[t].push_back({li, job{losses[li], t % 2 ? dtype::f64 : dtype::f32, v.first, v.second}});
      plan[t].push_back({0, job{losses[0], dtype::f32, "auto", 0}});  // mse through the profile: omp×2
    }

  std::vector<std::vector<result>> got(workers);
  std::latch start(workers);
  std::vector<std::thread> pool;
  for (int t = 0; t < workers; ++t)
    pool.emplace_back([&, t] {
      start.arrive_and_wait();
      for (const auto& [li, j] : plan[t]) got[t].push_back(run(w, li, j));
    });
  for (auto& th : pool) th.join();

  EXPECT_EQ(auto_profile().status, profile_status::state::loaded) << auto_profile().message;
  for (int t = 0; t < workers; ++t)
    for (std::size_t k = 0; k < plan[t].size(); ++k) {
      const auto& [li, j] = plan[t][k];
      EXPECT_TRUE(same_bits(got[t][k], run(w, li, j))) << j.loss->name() << " " << to_string(j.type) << " " << j.variant
                                                       << " threads " << j.threads << " (thread " << t << ")";
    }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace lossbench
