// streaming_stores_test.cpp — element-wise gradients larger than a last-level cache are written
// with streaming stores after a head that reaches the batch alignment (core/streaming.hpp,
// simd/stream_store.hpp). Forced on here at a test size: the gradient must be bit for bit what
// ordinary stores write, at every alignment of the caller's buffer, on every ISA and under omp;
// the value (whose sum runs over different lanes after the head) within the loss's bound.
// bf16 too: its gradient is rounded once from the same f32 value on either path.
#include "core/streaming.hpp"
#include "support/harness.hpp"

#include <cstring>
#include <limits>

namespace lossbench::testing {
namespace {

struct run_result {
  double value;
  std::vector<unsigned char> grad_bytes;
  array grad;
};

// Runs `e` value+grad with the gradient written at `offset` elements into an aligned buffer.
run_result run_at(const entry& e, const owned_call& oc, std::size_t offset) {
  const std::int64_t n = oc.inputs[0].numel();
  array buffer(e.type, shape{n + 16});
  const std::size_t elem = size_of(e.type);
  auto* grad = static_cast<unsigned char*>(buffer.raw()) + offset * elem;
  outputs out;
  out.grad[0] = grad;
  run_result r{e.run(oc.view(out)), std::vector<unsigned char>(grad, grad + n * elem), array(e.type, shape{n})};
  std::memcpy(r.grad.raw(), grad, static_cast<std::size_t>(n) * elem);
  return r;
}

class StreamingStores : public ::testing::Test {
 protected:
  void TearDown() override { core::set_streaming_min_bytes(std::size_t{32} << 20); }
};

TEST_F(StreamingStores, SameGradientBitsAtEveryAlignment) {
  int checked = 0;
  for (const char* name : {"mse", "mae", "huber", "bce", "bce_logits", "hinge"})
    for (dtype t : {dtype::f32, dtype::f64, dtype::bf16}) {
      const loss_spec& loss = find_loss(name);
      // Three blocks of 4096 and a tail that is not a whole batch.
      owned_call oc(loss, loss.generate(t, {3 * 4096 + 37, 0}, 11, loss.resolve({})));
      const reference_result ref = loss.reference(oc.view());
      for (const entry* e : find_entries(name, "all", t)) {
        if (e->variant.impl != implementation::simd) continue;
        for (std::size_t offset : {0, 1, 3, 7, 15}) {
          SCOPED_TRACE(e->name() + " offset " + std::to_string(offset));
          core::set_streaming_min_bytes(std::numeric_limits<std::size_t>::max());
          const run_result plain = run_at(*e, oc, offset);
          core::set_streaming_min_bytes(0);
          const run_result streamed = run_at(*e, oc, offset);
          EXPECT_TRUE(plain.grad_bytes == streamed.grad_bytes) << "the gradient's bits differ";
          evaluation ev{streamed.value, {}, {}};
          ev.grads.push_back(streamed.grad.astype(t));
          expect_matches_reference(*e, oc, ev, true, 1.0, &ref);
          ++checked;
        }
      }
    }
  EXPECT_GT(checked, 0) << "no SIMD entry ran";
}

}  // namespace
}  // namespace lossbench::testing
