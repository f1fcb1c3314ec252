// elementwise_limits_test.cpp — element-wise losses at the limits of their indices and of float.
// Over more than 2^31 elements every block offset, tail and partial sum is indexed in 64 bits:
// x and y (8 GiB of f32 each) are mapped
// without reserving memory and left at 0 but for three elements past 2^31, so the reads touch
// the shared zero page and the test's memory stays a few pages; value only (a gradient would
// write 8 GiB). An index narrowed to 32 bits would miss or misplace the three and the sum
// (exactly 1 + 4 + 9 = 14 in f32) would differ, or the kernel would read out of bounds.
#include "support/harness.hpp"

#include <lossbench/losses.hpp>

#include <sys/mman.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

namespace lossbench::testing {
namespace {

TEST(ElementwiseLimits, ElementsBeyondInt32AreAllSummed) {
  constexpr std::int64_t n = (std::int64_t{1} << 31) + 4099;  // past 2^31, and not a whole block
  const std::size_t bytes = static_cast<std::size_t>(n) * sizeof(float);
  // Huge pages where the kernel offers them: reading 16 GiB of 4 KiB zero pages is 4M page faults
  // (~40 s here), of 2 MiB ones 8K (the whole test: 2 s).
  auto map = [&] {
    void* m = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m != MAP_FAILED) madvise(m, bytes, MADV_HUGEPAGE);
    return m;
  };
  void* x = map();
  void* y = map();
  ASSERT_NE(x, MAP_FAILED) << "cannot map 8 GiB of address space (MAP_NORESERVE: no memory is committed)";
  ASSERT_NE(y, MAP_FAILED) << "cannot map 8 GiB of address space (MAP_NORESERVE: no memory is committed)";
  auto* xf = static_cast<float*>(x);
  xf[std::int64_t{1} << 31] = 1;  // the first element a 32-bit signed index cannot reach
  xf[(std::int64_t{1} << 31) + 4096] = 2;
  xf[n - 1] = 3;  // the last, in the partial last block
  const std::array<tensor_ref, 2> in{tensor_ref{dtype::f32, {n}, xf}, tensor_ref{dtype::f32, {n}, y}};
  // scalar, the best simd kernel and omp: the forced simd:<isa> entries instantiate the same
  // driver and offsets; each variant reads 16 GiB.
  for (const char* variant : {"scalar", "simd", "omp"}) {
    options o;
    o.variant = variant;
    o.reduction = reduction::sum;
    EXPECT_EQ(lossbench::evaluate("mse", in, {}, o), 14.0) << variant;  // small integers: exact
  }
  munmap(x, bytes);
  munmap(y, bytes);
}

// Per-element losses near the float maximum: the SIMD kernels add four batches in float before
// widening to double, and two such losses overflow there. The mean of 512 equal losses is the
// loss itself, exactly: 512·ℓ is exact in double and so is its scale 1/512.
TEST(ElementwiseLimits, LargeFiniteLossesDoNotOverflowTheSum) {
  constexpr std::int64_t n = 512;
  int checked = 0;
  for (dtype t : {dtype::f32, dtype::bf16}) {
    array x(t, shape{n}), y(t, shape{n});
    for (std::int64_t i = 0; i < n; ++i) {
      if (t == dtype::f32)
        x.data<float>()[i] = 1.8e19f;
      else
        x.data<bf16>()[i] = bf16(1.8e19f);
    }
    const float d = t == dtype::f32 ? 1.8e19f : static_cast<float>(bf16(1.8e19f));
    const float loss = d * d;  // y = 0: (x − y)² in float, finite (< 3.4e38)
    ASSERT_TRUE(std::isfinite(loss) && std::isinf(loss + loss)) << "the case must overflow a float pair";
    std::vector<array> inputs;
    inputs.push_back(std::move(x));
    inputs.push_back(std::move(y));
    const owned_call oc(find_loss("mse"), std::move(inputs));
    for (const entry* e : find_entries("mse", "all", t)) {
      EXPECT_EQ(evaluate(*e, oc, true).value, static_cast<double>(loss)) << e->name();
      ++checked;
    }
  }
  EXPECT_GT(checked, 4);
}

}  // namespace
}  // namespace lossbench::testing
