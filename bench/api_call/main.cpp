// lossbench_api_bench — what a call of the public span API (lossbench/losses.hpp) costs on top of
// the kernel it runs: each loss at 4096 elements, value and gradient, through the typed function
// (`span_api/...`) and through the registry entry with a call built once (`entry_run/...`). The
// difference is the span API's per-call work (argument checks, finding the loss and the variant,
// the parameters); docs/performance.md lists the figures.
//
//   lossbench_api_bench --benchmark_repetitions=5 --benchmark_min_time=0.2
#include <lossbench/losses.hpp>
#include <lossbench/registry.hpp>

#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

namespace {

constexpr std::int64_t n = 4096;

std::vector<float> ramp(std::int64_t count, float scale, float offset) {
  std::vector<float> v(static_cast<std::size_t>(count));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = offset + scale * static_cast<float>((i * 7919) % 257) / 257.0f;
  return v;
}

// Inputs of one loss: element-wise pairs, 64 rows of 64 classes, 32 rows of 128 features.
struct data {
  std::vector<float> x = ramp(n, 2.0f, -1.0f), y = ramp(n, 1.5f, -0.5f), z = ramp(n, 1.0f, -0.25f);
  std::vector<float> grad = std::vector<float>(n), grad2 = std::vector<float>(n), grad3 = std::vector<float>(n);
  std::vector<std::int64_t> classes_of = [] {
    std::vector<std::int64_t> t(64);
    for (std::size_t i = 0; i < t.size(); ++i) t[i] = static_cast<std::int64_t>((i * 13) % 64);
    return t;
  }();
};

lossbench::options with_variant(const char* variant) {
  lossbench::options o;
  o.variant = variant;
  return o;
}

void span_mse(benchmark::State& state, const char* variant) {
  data d;
  const auto o = with_variant(variant);
  for (auto _ : state) benchmark::DoNotOptimize(lossbench::mse<float>(d.x, d.y, o, d.grad));
}

void span_huber(benchmark::State& state, const char* variant) {
  data d;
  lossbench::huber_options o;
  o.variant = variant;
  o.delta = 0.5;
  for (auto _ : state) benchmark::DoNotOptimize(lossbench::huber<float>(d.x, d.y, o, d.grad));
}

void span_cross_entropy(benchmark::State& state, const char* variant) {
  data d;
  lossbench::cross_entropy_options<float> o;
  o.variant = variant;
  o.label_smoothing = 0.1;
  for (auto _ : state)
    benchmark::DoNotOptimize(lossbench::cross_entropy<float, std::int64_t>(d.x, 64, d.classes_of, o, d.grad));
}

void span_triplet(benchmark::State& state, const char* variant) {
  data d;
  lossbench::triplet_options o;
  o.variant = variant;
  for (auto _ : state)
    benchmark::DoNotOptimize(lossbench::triplet<float>(d.x, d.y, d.z, 128, o, d.grad, d.grad2, d.grad3));
}

// The same calls through a registry entry, everything built once: the kernel, validation and
// `auto`'s choice, without the span API's own work.
struct prepared {
  std::vector<lossbench::tensor_ref> inputs;
  lossbench::param_set params;
  std::vector<float*> grads;
};

void entry_run(benchmark::State& state, const char* loss, const char* variant) {
  data d;
  const std::string name = loss;
  prepared p;
  const auto f32 = [](std::vector<float>& v, lossbench::shape s) {
    return lossbench::tensor_ref{lossbench::dtype::f32, s, v.data()};
  };
  if (name == "mse" || name == "huber") {
    p.inputs = {f32(d.x, {n}), f32(d.y, {n})};
    if (name == "huber") p.params.set("delta", 0.5);
    p.grads = {d.grad.data()};
  } else if (name == "cross_entropy") {
    p.inputs = {f32(d.x, {64, 64}), lossbench::tensor_ref{lossbench::dtype::i64, {64}, d.classes_of.data()}};
    p.params.set("label_smoothing", 0.1);
    p.grads = {d.grad.data()};
  } else {
    p.inputs = {f32(d.x, {32, 128}), f32(d.y, {32, 128}), f32(d.z, {32, 128})};
    p.grads = {d.grad.data(), d.grad2.data(), d.grad3.data()};
  }
  const lossbench::loss_spec& spec = lossbench::find_loss(loss);
  const lossbench::param_set resolved = spec.resolve(p.params);
  lossbench::outputs out;
  for (std::size_t i = 0; i < p.grads.size(); ++i) out.grad[i] = p.grads[i];
  const lossbench::call c{p.inputs, &resolved, lossbench::reduction::mean, out, 0};
  const lossbench::entry& e = *lossbench::find_entries(loss, variant, lossbench::dtype::f32).front();
  for (auto _ : state) benchmark::DoNotOptimize(e.run(c));
}

void register_all() {
  using span_fn = void (*)(benchmark::State&, const char*);
  const std::pair<const char*, span_fn> losses[] = {
      {"mse", span_mse}, {"huber", span_huber}, {"cross_entropy", span_cross_entropy}, {"triplet", span_triplet}};
  for (const char* variant : {"scalar", "simd", "auto"}) {
    for (const auto& [loss, fn] : losses) {
      const std::string suffix = std::string(loss) + "/" + variant + "/f32/value_grad/n:" + std::to_string(n);
      benchmark::RegisterBenchmark(("span_api/" + suffix).c_str(), fn, variant);
      benchmark::RegisterBenchmark(("entry_run/" + suffix).c_str(), entry_run, loss, variant);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
