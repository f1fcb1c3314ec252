// api_alloc_test.cpp — a call of the typed span API (lossbench/losses.hpp) allocates nothing once
// the process is warm: the loss, its registry entry and its parameters reach the kernel without a
// lookup table, a string or a param_set being built. Every loss, f32 and f64, with gradients and
// parameters set, on the variants scalar, simd, omp and auto; and bf16/f16.
//
// A program of its own: it replaces the global operator new to count every allocation.
#include <lossbench/lossbench.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <new>
#include <string>
#include <vector>

namespace {
std::atomic<long> allocations{0};  // every thread's: an OpenMP worker's allocation counts too
}

void* operator new(std::size_t n) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, std::align_val_t a) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  const auto align = static_cast<std::size_t>(a);
  if (void* p = std::aligned_alloc(align, (n + align - 1) / align * align)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace lossbench {
namespace {

// Realistic inputs of a loss from its own generator, and a gradient buffer for each.
struct workload {
  std::vector<array> in;
  std::vector<array> grads;
};

workload make(std::string_view loss, dtype dt, shape_request size) {
  const loss_spec& spec = find_loss(loss);
  workload w{spec.generate(dt, size, 11, spec.resolve({})), {}};
  for (const array& a : w.in) w.grads.emplace_back(dt, a.shape());
  return w;
}

template <class T>
std::span<T> grad(workload& w, std::size_t i) {
  return w.grads[i].span<T>();
}

// One typed call of `loss` on w's inputs with non-default parameters and every gradient.
template <class T>
double typed_call(std::string_view loss, workload& w, const char* variant, std::span<const T> class_weight) {
  const auto x = [&](std::size_t i) { return w.in[i].span<T>(); };
  options o;
  o.variant = variant;
  if (loss == "mse") return mse<T>(x(0), x(1), o, grad<T>(w, 0));
  if (loss == "mae") return mae<T>(x(0), x(1), o, grad<T>(w, 0));
  if (loss == "bce") return bce<T>(x(0), x(1), o, grad<T>(w, 0));
  if (loss == "huber") {
    huber_options h;
    static_cast<options&>(h) = o;
    h.delta = 0.5;
    return huber<T>(x(0), x(1), h, grad<T>(w, 0));
  }
  if (loss == "hinge") {
    hinge_options h;
    static_cast<options&>(h) = o;
    h.margin = 0.75;
    return hinge<T>(x(0), x(1), h, grad<T>(w, 0));
  }
  if (loss == "kl_div") {
    kl_div_options k;
    static_cast<options&>(k) = o;
    return kl_div<T>(x(0), x(1), w.in[0].shape()[0], k, grad<T>(w, 0));
  }
  if (loss == "bce_logits") {
    bce_logits_options<T> b;
    static_cast<options&>(b) = o;
    b.pos_weight_per_class = class_weight;
    return bce_logits<T>(x(0), x(1), w.in[0].shape()[1], b, grad<T>(w, 0));
  }
  if (loss == "cross_entropy") {
    cross_entropy_options<T> c;
    static_cast<options&>(c) = o;
    c.weight = class_weight;
    c.label_smoothing = 0.1;
    return cross_entropy<T, std::int64_t>(x(0), w.in[0].shape()[1], w.in[1].span<std::int64_t>(), c, grad<T>(w, 0));
  }
  if (loss == "ctc") {
    ctc_options c;
    static_cast<options&>(c) = o;
    c.zero_infinity = true;
    const auto& s = w.in[0].shape();
    return ctc<T, std::int64_t>(x(0), s[0], s[1], s[2], w.in[1].span<std::int64_t>(), w.in[1].shape().rank() == 1,
                                w.in[2].span<std::int64_t>(), w.in[3].span<std::int64_t>(), c, grad<T>(w, 0));
  }
  if (loss == "triplet") {
    triplet_options t;
    static_cast<options&>(t) = o;
    t.swap = true;
    return triplet<T>(x(0), x(1), x(2), w.in[0].shape()[1], t, grad<T>(w, 0), grad<T>(w, 1), grad<T>(w, 2));
  }
  if (loss == "contrastive") {
    contrastive_options c;
    static_cast<options&>(c) = o;
    c.margin = 1.5;
    return contrastive<T>(x(0), x(1), x(2), w.in[0].shape()[1], c, grad<T>(w, 0), grad<T>(w, 1));
  }
  ADD_FAILURE() << "no typed call for " << loss << " (a new loss needs a line here)";
  return 0;
}

template <class T>
void expect_no_allocation(std::string_view loss, dtype dt) {
  // 4096 elements as [64, 64]: element-wise losses take the element count, row-wise ones rows.
  const bool rowwise = loss == "cross_entropy" || loss == "triplet" || loss == "contrastive" || loss == "ctc";
  workload w = make(loss, dt,
                    loss == "ctc" ? shape_request{4, 0}
                    : rowwise     ? shape_request{64, 64}
                                  : shape_request{4096, 64});
  const std::int64_t classes = w.in[0].shape().rank() == 2 ? w.in[0].shape()[1] : 1;
  const std::vector<T> class_weight(static_cast<std::size_t>(classes), T(0.5));
  for (const char* variant : {"scalar", "simd", "omp", "auto"}) {
    // Warm: the first call makes the statics and reads the profile; a kernel's thread_local
    // workspace grows on each thread's first block, and omp hands blocks out dynamically, so a
    // worker may first get one a few calls in.
    double warm = 0;
    for (int i = 0; i < 16; ++i) warm = typed_call<T>(loss, w, variant, class_weight);
    const long before = allocations.load();
    double again = 0;
    for (int i = 0; i < 4; ++i) again = typed_call<T>(loss, w, variant, class_weight);
    const long made = allocations.load() - before;
    EXPECT_EQ(made, 0) << loss << "/" << variant << "/" << to_string(dt) << " allocated " << made << " times";
    EXPECT_EQ(std::isnan(warm) ? 0.0 : warm, std::isnan(again) ? 0.0 : again) << loss << "/" << variant;
  }
}

TEST(TypedApi, AllocatesNothingPerCall) {
  for (const loss_spec* l : catalogue()) {
    expect_no_allocation<float>(l->name(), dtype::f32);
    expect_no_allocation<double>(l->name(), dtype::f64);
  }
}

// The 16-bit calls widen and narrow in the kernels' own blocks, never through a temporary array.
TEST(TypedApi, AllocatesNothingPerCallIn16Bits) {
  for (const loss_spec* l : catalogue()) {
    expect_no_allocation<bf16>(l->name(), dtype::bf16);
    expect_no_allocation<f16>(l->name(), dtype::f16);
  }
}

}  // namespace
}  // namespace lossbench
