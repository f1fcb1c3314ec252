// omp_test.cpp — the omp variant is bit-for-bit the serial `simd` variant (same ISA, same
// blocks, partials combined in block order) for 1, 2, 3, 4 and 8 threads, for every loss, on
// sizes above the parallel threshold that divide into blocks unevenly; and below the threshold it
// runs serially (same bits, trivially).
#include "support/harness.hpp"

#include <lossbench/losses.hpp>
#include <lossbench/threads.hpp>

#include <algorithm>
#include <array>
#include <cstring>

namespace lossbench::testing {
namespace {

class EveryOmpEntry : public ::testing::TestWithParam<const entry*> {};

std::vector<const entry*> omp_entries() {
  std::vector<const entry*> out;
  for (const entry* e : all_entries())
    if (e->variant.drv == driver::omp) out.push_back(e);
  return out;
}

// The serial entry running the same kernel as `omp`: `simd` where the loss has SIMD kernels.
const entry& serial_twin(const entry& e) {
  return *find_entries(e.loss->name(), e.variant.impl == implementation::simd ? "simd" : "scalar", e.type).front();
}

// Samples for ~3× the loss's parallel threshold, plus an odd remainder so the last block is short.
std::int64_t samples_above_threshold(const loss_spec& l, dtype t) {
  return 3 * l.parallel_min_elements() / l.items_per_sample(t) + 7;
}

TEST_P(EveryOmpEntry, BitIdenticalToSerialForAnyThreadCount) {
  const entry& e = *GetParam();
  const entry& serial = serial_twin(e);
  for (reduction r : {reduction::mean, reduction::none}) {
    owned_call oc(*e.loss,
                  e.loss->generate(e.type, {samples_above_threshold(*e.loss, e.type), 0}, 9, e.loss->resolve({})), {},
                  r);
    const evaluation want = evaluate(serial, oc, true);
    for (int threads : {1, 2, 3, 4, 8}) {
      set_num_threads(threads);
      expect_same_bits(evaluate(e, oc, true), want, e.name() + " threads=" + std::to_string(threads));
      expect_same_bits(evaluate(e, oc, false), evaluate(serial, oc, false), e.name() + " value only");
    }
    set_num_threads(0);
  }
}

TEST_P(EveryOmpEntry, SmallInputsRunSeriallyWithTheSameBits) {
  const entry& e = *GetParam();
  owned_call oc(*e.loss, e.loss->generate(e.type, {3, 0}, 4, e.loss->resolve({})));
  set_num_threads(2);
  expect_same_bits(evaluate(e, oc, true), evaluate(serial_twin(e), oc, true), e.name());
  set_num_threads(0);
}

INSTANTIATE_TEST_SUITE_P(Omp, EveryOmpEntry, ::testing::ValuesIn(omp_entries()), entry_test_name);

TEST(Threads, SetAndRestoreTheDefault) {
  const int def = num_threads();
  set_num_threads(3);
  EXPECT_EQ(num_threads(), 3);
  set_num_threads(0);
  EXPECT_EQ(num_threads(), def);
  EXPECT_GE(def, 1);
}

TEST(Threads, CountsBeyondTheLimitAreErrorsNotATeamOfThatSize) {
  // 100,000 threads were created when asked for, and crashed under a memory limit.
  try {
    set_num_threads(max_threads + 1);
    ADD_FAILURE();
  } catch (const error& e) {
    EXPECT_EQ(e.argument(), "threads");
  }
  const std::vector<float> x(8, 1.f);
  const tensor_ref in{dtype::f32, shape{8}, x.data()};
  const std::array<tensor_ref, 2> both{in, in};
  for (int threads : {-1, max_threads + 1, 100000}) {
    options o;
    o.variant = "omp";
    o.threads = threads;
    try {
      lossbench::evaluate("mse", both, {}, o);
      ADD_FAILURE() << threads;
    } catch (const error& e) {
      EXPECT_EQ(e.argument(), "threads") << threads;
    }
  }
  options o;
  o.threads = max_threads;  // the limit itself is allowed (and mse at n = 8 runs serially anyway)
  EXPECT_EQ(lossbench::evaluate("mse", both, {}, o), 0.0);
}

}  // namespace
}  // namespace lossbench::testing
