// roofline_test.cpp — the roofline's probes and bound: every read and copy (write) ceiling of a
// small ladder is measured (positive, finite), a share too small to time alone is timed over
// many passes rather than reported as 0, a kernel's bound only drops as it writes more, a kernel
// that writes nothing gets the read-only bound, streaming stores are priced at their own ceiling
// where measured, and the compulsory bytes split into read and written in one place.
#include "core/traffic.hpp"
#include "roofline/roofline.hpp"

#include <lossbench/catalogue.hpp>
#include <lossbench/loss_spec.hpp>

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>
#include <vector>

namespace lossbench::roofline {
namespace {

// Short trials: these tests check that every point is measured, not how fast the machine is.
constexpr double seconds = 0.002;

TEST(RooflineProbes, ReadAndCopyCeilingsArePositiveAtEveryPoint) {
  const std::array<int, 2> threads{1, 2};
  const std::array<std::size_t, 3> sets{16u << 10, 256u << 10, 4u << 20};
  const ceilings c = measure(threads, sets, seconds, /*streaming_from_bytes=*/4u << 20);
  ASSERT_EQ(c.bandwidth.size(), threads.size() * sets.size());
  // Ordinary stores at every working set, streaming ones from 4 MiB on: one more per thread count.
  ASSERT_EQ(c.copy.size(), threads.size() * (sets.size() + 1));
  for (const auto& b : c.bandwidth) {
    EXPECT_TRUE(std::isfinite(b.bytes_per_second) && b.bytes_per_second > 0)
        << "read " << b.working_set_bytes << " B on " << b.threads << " thread(s): " << b.bytes_per_second;
  }
  for (const auto& b : c.copy) {
    EXPECT_TRUE(std::isfinite(b.bytes_per_second) && b.bytes_per_second > 0)
        << "copy (" << to_string(b.stores) << ") " << b.working_set_bytes << " B on " << b.threads
        << " thread(s): " << b.bytes_per_second;
    EXPECT_GT(c.write_bandwidth(b.working_set_bytes, b.threads, b.stores), 0);
  }
  // The best attainable: no point below one of a larger working set on the same or fewer threads.
  for (const auto& p : c.bandwidth)
    for (const auto& q : c.bandwidth) {
      if (q.threads <= p.threads && q.working_set_bytes >= p.working_set_bytes) {
        EXPECT_GE(p.bytes_per_second, q.bytes_per_second) << p.working_set_bytes << " B, " << p.threads << " threads";
      }
    }
}

TEST(RooflineProbes, TinySharePerThreadIsTimedNotZero) {
  // 16 KiB over 8 threads: a 2 KiB share each, which one pass per fork/join timed as ~0 GB/s.
  // Measured: a positive, finite figure. How fast is not this test's to say: the figure depends
  // on the cores free (8 threads here share 2 cores with another test shard on CI), and speed is
  // what the report measures, not a unit test.
  const double read = measure_read_bandwidth(16u << 10, 8, seconds, 2);
  const double copy = measure_copy_bandwidth(16u << 10, 8, store_kind::cached, seconds, 2);
  EXPECT_TRUE(read > 0 && std::isfinite(read)) << read;
  EXPECT_TRUE(copy > 0 && std::isfinite(copy)) << copy;
}

// A hand-made machine: read 100 GB/s in cache, 10 GB/s from DRAM; copy with ordinary stores
// 120 / 8 GB/s, with streaming stores 12 GB/s at the DRAM point only; peaks far above.
ceilings machine() {
  ceilings c;
  c.bandwidth = {{1, 1u << 20, 100e9}, {1, 1u << 30, 10e9}};
  c.copy = {{1, 1u << 20, store_kind::cached, 120e9},
            {1, 1u << 30, store_kind::cached, 8e9},
            {1, 1u << 30, store_kind::streaming, 12e9}};
  c.peak = {{dtype::f32, 1, 1e15}, {dtype::f64, 1, 1e15}};
  return c;
}

TEST(RooflineBound, WritingNothingGivesTheReadOnlyBound) {
  const ceilings c = machine();
  for (std::size_t footprint : {std::size_t{4096}, std::size_t{1} << 25}) {
    const roof old = bound_of(c, 1e6, 3e6, footprint, dtype::f32, 1);
    const roof split = bound_of(c, 1e6, traffic{3e6, 0}, footprint, dtype::f32, 1);
    EXPECT_EQ(split.bound_flops_per_second, old.bound_flops_per_second);
    // 4 ulps (DOUBLE_EQ): flops / (bytes / bandwidth) against flops / bytes × bandwidth.
    EXPECT_DOUBLE_EQ(old.bound_flops_per_second, 1e6 / 3e6 * c.read_bandwidth(footprint, 1));
  }
}

TEST(RooflineBound, WritesOnlyLowerTheBound) {
  const ceilings c = machine();
  for (std::size_t footprint : {std::size_t{4096}, std::size_t{1} << 25})
    for (store_kind s : {store_kind::cached, store_kind::streaming}) {
      const roof reads = bound_of(c, 1e6, traffic{2e6, 0, s}, footprint, dtype::f32, 1);
      const roof with_writes = bound_of(c, 1e6, traffic{2e6, 1e6, s}, footprint, dtype::f32, 1);
      EXPECT_LE(with_writes.bound_flops_per_second, reads.bound_flops_per_second);
      EXPECT_TRUE(with_writes.memory_bound);
    }
}

TEST(RooflineBound, WriteBandwidthIsTheCopysCostBeyondItsReads) {
  const ceilings c = machine();
  // DRAM, ordinary stores: 1/w = 2/8 − 1/10 (per GB/s) → w = 6.67 GB/s.
  EXPECT_NEAR(c.write_bandwidth(1u << 30, 1, store_kind::cached), 1 / (2 / 8e9 - 1 / 10e9), 1);  // 1 B/s: rounding
  // Streaming stores: 1/w = 2/12 − 1/10 → w = 15 GB/s; a memory time R/10 + W/15.
  const double w = 1 / (2 / 12e9 - 1 / 10e9);
  EXPECT_NEAR(c.write_bandwidth(1u << 30, 1, store_kind::streaming), w, 1);  // 1 B/s: rounding
  const roof r = bound_of(c, 1e6, traffic{2e9, 1e9, store_kind::streaming}, 1u << 29, dtype::f32, 1);
  EXPECT_NEAR(r.memory_seconds, 2e9 / 10e9 + 1e9 / w, 1e-12);  // 1 ps: rounding of sums near 0.27 s
  // Streaming was measured at DRAM only: in cache, the ordinary stores' copy prices the writes.
  EXPECT_EQ(c.copy_bandwidth(4096, 1, store_kind::streaming), 120e9);
  // A copy at least twice as fast as the reads alone: its writes add no time.
  ceilings free = c;
  free.copy[0].bytes_per_second = 250e9;
  EXPECT_TRUE(std::isinf(free.write_bandwidth(4096, 1, store_kind::cached)));
  EXPECT_EQ(bound_of(free, 1e6, traffic{2e6, 1e6}, 4096, dtype::f32, 1).memory_seconds, 2e6 / 100e9);
}

TEST(RooflineBound, NotMeasuredPointsAreSkippedAndOldCeilingsPriceWritesAsReads) {
  ceilings c = machine();
  c.bandwidth[0].bytes_per_second = not_measured;
  c.copy[0].bytes_per_second = not_measured;
  EXPECT_EQ(c.read_bandwidth(4096, 1), 10e9);  // the next measured working set
  EXPECT_EQ(c.copy_bandwidth(4096, 1, store_kind::cached), 8e9);
  ceilings old = machine();
  old.copy.clear();  // a report from before the copy probe
  EXPECT_EQ(bound_of(old, 1e6, traffic{2e6, 1e6}, 4096, dtype::f32, 1).bound_flops_per_second,
            bound_of(old, 1e6, 3e6, 4096, dtype::f32, 1).bound_flops_per_second);
}

TEST(RooflineTraffic, ReadsEveryInputWritesGradientsAndPerSampleLosses) {
  const loss_spec& mse = find_loss("mse");
  const auto inputs = mse.generate(dtype::f32, {1000, 0}, 1, mse.resolve({}));
  const auto refs = refs_of(inputs);
  const auto value = core::traffic_of(mse, refs, false, reduction::mean);
  EXPECT_EQ(value.read, 2 * 1000 * 4);  // x and y
  EXPECT_EQ(value.written, 0);
  const auto grad = core::traffic_of(mse, refs, true, reduction::mean);
  EXPECT_EQ(grad.written, 1000 * 4);  // the input's gradient; the target is not differentiable
  EXPECT_EQ(grad.total(), mse.compulsory_bytes(refs, true));
  EXPECT_EQ(core::traffic_of(mse, refs, true, reduction::none).written, 2 * 1000 * 4);  // + per-sample losses
}

}  // namespace
}  // namespace lossbench::roofline
