// bf16_subnormal_stores_test.cpp — element-wise bf16 results below 2^-126 in magnitude. AVX512-BF16's
// conversion reads such a float as zero, so the bf16 pair loop stores without testing for them and
// rewrites its stores when one occurred (losses/elementwise/elementwise_simd.hpp). Every simd and
// omp entry must still write each gradient element and per-sample loss as its f32 twin's result
// rounded once, with the tiny results at the ends of pairs, of blocks and of the pair loop.
#include "support/sixteen_bit.hpp"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace lossbench::testing {
namespace {

constexpr std::int64_t n = 2 * 4096 + 77;  // two blocks and a tail past the last whole pair

// x near y everywhere; at a few places one of them k·2^-131 and the other 0 (kl_div: the target p,
// whose gradient is −p), so that some gradients (x − y, or scaled by the mean's 1/n ≈ 2^-13) or
// per-sample losses (mae's |x − y|) are subnormal floats.
owned_call tiny_differences(const loss_spec& loss, reduction red) {
  array x(dtype::bf16, shape{n}), y(dtype::bf16, shape{n});
  bf16* xs = x.data<bf16>();
  bf16* ys = y.data<bf16>();
  for (std::int64_t i = 0; i < n; ++i) {
    ys[i] = bf16(0.25f + 0.5f * static_cast<float>(i % 7) / 7);
    xs[i] = bf16(static_cast<float>(ys[i]) + 0.0625f * static_cast<float>(i % 5 - 2));
  }
  bf16* tiny = loss.name() == "kl_div" ? ys : xs;
  bf16* zero = loss.name() == "kl_div" ? xs : ys;
  int k = 1;
  const std::int64_t places[] = {0, 1, 31, 32, 63, 64, 100, 4095, 4096, 4127, 8191, n - 78, n - 1};
  for (std::int64_t at : places) {
    tiny[at] = bf16(std::ldexp(static_cast<float>(k), -131));
    zero[at] = bf16(0.0f);
    k = k % 9 + 1;
  }
  std::vector<array> inputs;
  inputs.push_back(std::move(x));
  inputs.push_back(std::move(y));
  return owned_call(loss, std::move(inputs), {}, red);
}

std::int64_t subnormal_count(const array& a) {
  std::int64_t count = 0;
  for (std::int64_t i = 0; i < a.numel(); ++i) {
    const float v = a.data<float>()[i];
    count += v != 0 && std::fabs(v) < std::numeric_limits<float>::min();
  }
  return count;
}

TEST(Bf16SubnormalStores, RoundedOnceLikeTheF32Twin) {
  int checked = 0;
  for (const char* name : {"mse", "mae", "huber", "kl_div"})
    for (reduction red : {reduction::mean, reduction::none}) {
      if (std::string(name) == "mae" && red == reduction::mean) continue;  // sign(d)/n: nothing tiny
      const loss_spec& loss = find_loss(name);
      const owned_call oc = tiny_differences(loss, red);
      for (const entry* e : find_entries(name, "all", dtype::bf16)) {
        if (e->variant.impl == implementation::scalar) continue;
        SCOPED_TRACE(e->name() + (red == reduction::none ? " none" : " mean"));
        const evaluation got = evaluate(*e, oc, true);
        const evaluation want = evaluate(twin_in(*e, dtype::f32), widened(loss, oc), true);
        const std::int64_t tiny =
            subnormal_count(want.grads[0]) + (red == reduction::none ? subnormal_count(want.losses) : 0);
        ASSERT_GT(tiny, 3) << "no subnormal f32 result: the case tests nothing";
        expect_narrowed(dtype::bf16, got.grads[0], want.grads[0], "grad", f32_results::once);
        if (red == reduction::none) expect_narrowed(dtype::bf16, got.losses, want.losses, "loss", f32_results::once);
        ++checked;
      }
    }
  EXPECT_GT(checked, 8);
}

// The redo reads x and y again: a gradient written over its own input must come out right too.
TEST(Bf16SubnormalStores, InPlaceGradient) {
  const loss_spec& loss = find_loss("mse");
  int checked = 0;
  for (const entry* e : find_entries("mse", "all", dtype::bf16)) {
    if (e->variant.impl == implementation::scalar) continue;
    SCOPED_TRACE(e->name());
    owned_call oc = tiny_differences(loss, reduction::mean);
    const evaluation want = evaluate(twin_in(*e, dtype::f32), widened(loss, oc), true);
    ASSERT_GT(subnormal_count(want.grads[0]), 3) << "no subnormal f32 result: the case tests nothing";
    outputs out;
    out.grad[0] = oc.inputs[0].raw();
    e->run(oc.view(out));
    expect_narrowed(dtype::bf16, oc.inputs[0], want.grads[0], "grad over x", f32_results::once);
    ++checked;
  }
  EXPECT_GT(checked, 2);
}

}  // namespace
}  // namespace lossbench::testing
