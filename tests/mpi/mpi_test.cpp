// mpi_test.cpp — lossbench::mpi::run against one process, run under `mpirun -np K` (K = 1..4:
// CMakeLists.txt registers each). Every rank builds the same whole batch (the generators are
// seeded), computes it alone, then computes its shard with the others and compares bits.
// Collectives must be reached by every rank, so the tests use non-fatal EXPECTs only between them.
#include <lossbench/catalogue.hpp>
#include <lossbench/mpi.hpp>

#include "support/harness.hpp"

#include <mpi.h>

#include <algorithm>
#include <cstring>

namespace lossbench::testing {
namespace {

int world_rank() {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}
int world_size() {
  int s = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &s);
  return s;
}

// Elements [begin, end) of `a` along `axis`, copied (ctc's log_probs are cut along dimension 1).
array slice(const array& a, int axis, std::int64_t begin, std::int64_t end) {
  std::vector<std::int64_t> dims(a.shape().dims().begin(), a.shape().dims().end());
  std::int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= dims[static_cast<std::size_t>(d)];
  for (std::size_t d = static_cast<std::size_t>(axis) + 1; d < dims.size(); ++d) inner *= dims[d];
  const std::int64_t whole = dims[static_cast<std::size_t>(axis)];
  dims[static_cast<std::size_t>(axis)] = end - begin;
  array out(a.type(), lossbench::shape(std::span<const std::int64_t>(dims)));
  const std::size_t item = size_of(a.type());
  const auto* from = static_cast<const unsigned char*>(a.raw());
  auto* to = static_cast<unsigned char*>(out.raw());
  const std::size_t run = static_cast<std::size_t>((end - begin) * inner) * item;
  for (std::int64_t o = 0; o < outer; ++o)
    std::memcpy(to + static_cast<std::size_t>(o) * run,
                from + static_cast<std::size_t>((o * whole + begin) * inner) * item, run);
  return out;
}

// The axis input i of a loss is cut along: the per-sample losses' axis of the prediction (ctc: 1),
// the first of every other input (targets, lengths, labels).
int batch_axis(const loss_spec& spec, std::size_t input) { return input == 0 ? spec.losses_axis() : 0; }

// Where each rank's shard starts, K + 1 cuts over n samples moved off the block boundaries (each
// rank but the last gets a part of a block), some shards possibly empty. mpi::aligned_shard makes
// the cuts on them.
std::vector<std::int64_t> unaligned_cuts(std::int64_t n, std::int64_t block, int ranks) {
  const std::int64_t blocks = (n + block - 1) / block;
  std::vector<std::int64_t> at = {0};
  for (int r = 1; r < ranks; ++r) {
    const std::int64_t cut = blocks * r / ranks * block + 1 + (r * 7) % std::max<std::int64_t>(block - 1, 1);
    at.push_back(std::clamp(cut, at.back(), n));
  }
  at.push_back(n);
  return at;
}

struct batch_case {
  std::string name;
  std::int64_t samples;
  std::int64_t inner;
  reduction red;
  param_set params;
};

// A size of a few blocks per rank, with a partial block at the end.
std::int64_t samples_for(const loss_spec& spec, dtype dt, std::int64_t inner) {
  const owned_call probe(spec, spec.generate(dt, {1, inner}, 1, spec.resolve({})));
  const std::int64_t block = spec.block_items(probe.refs);
  return block * 3 * 4 + block / 2 + 1;
}

std::vector<batch_case> cases_of(const loss_spec& spec, dtype dt) {
  std::vector<batch_case> out;
  const std::int64_t inner = spec.name() == "cross_entropy" ? 37 : spec.name() == "ctc" ? 6 : 0;
  const std::int64_t n = spec.name() == "ctc" ? 9 : samples_for(spec, dt, inner);
  for (reduction r : spec.reductions())
    out.push_back({std::string(spec.name()) + "/" + std::string(to_string(r)), n, inner, r, {}});
  if (spec.name() == "cross_entropy") {  // weighted mean: a divisor of per-class counts
    array w(dt, {inner});
    for (std::int64_t k = 0; k < inner; ++k) w.set(k, 0.25 + 0.1 * static_cast<double>(k % 9));
    param_set p;
    p.set("weight", std::move(w));
    p.set("ignore_index", 3);
    out.push_back({"cross_entropy/weighted mean", n, inner, reduction::mean, std::move(p)});
  }
  return out;
}

// The loss computed on this rank's shard with every rank's, as evaluate() does alone.
evaluation evaluate_shard(const entry& e, const owned_call& shard, int threads) {
  evaluation ev;
  call c = shard.view(outputs_into(ev, e, shard, true));
  c.threads = threads;
  ev.value = mpi::run(e, c, MPI_COMM_WORLD);
  return ev;
}

bool same_bits(const array& a, const array& b) {
  return a.bytes() == b.bytes() && std::memcmp(a.raw(), b.raw(), a.bytes()) == 0;
}

// The shard's gradients and losses are the whole run's, cut the same way.
void expect_shard_of(const entry& e, const evaluation& whole, const evaluation& shard, std::int64_t begin,
                     std::int64_t end, const std::string& what) {
  const auto desc = e.loss->inputs();
  for (std::size_t i = 0, k = 0; i < desc.size(); ++i) {
    if (!desc[i].differentiable) continue;
    EXPECT_TRUE(same_bits(shard.grads[k], slice(whole.grads[k], batch_axis(*e.loss, i), begin, end)))
        << what << ": gradient of " << desc[i].name;
    ++k;
  }
  if (whole.losses.raw()) {
    EXPECT_TRUE(same_bits(shard.losses, slice(whole.losses, 0, begin, end))) << what << ": per-sample losses";
  }
}

void check_entry(const entry& e) {
  const int rank = world_rank(), ranks = world_size();
  for (const batch_case& bc : cases_of(*e.loss, e.type)) {
    const owned_call whole(*e.loss, e.loss->generate(e.type, {bc.samples, bc.inner}, 42, bc.params), bc.params, bc.red);
    const evaluation alone = evaluate(e, whole, true, 2);
    const std::int64_t n = e.loss->losses_shape(whole.refs).numel();
    const std::int64_t block = e.loss->block_items(whole.refs);
    for (bool aligned : {true, false}) {
      mpi::shard_range cut;
      bool on_blocks = true;
      if (aligned) {
        cut = mpi::aligned_shard(*e.loss, whole.refs, rank, ranks);
      } else {
        const auto at = unaligned_cuts(n, block, ranks);
        cut = {at[static_cast<std::size_t>(rank)], at[static_cast<std::size_t>(rank) + 1]};
        for (std::size_t r = 1; r + 1 < at.size(); ++r) on_blocks = on_blocks && at[r] % block == 0;
      }
      const std::int64_t begin = cut.begin, end = cut.end;
      const owned_call shard(*e.loss, mpi::cut_inputs(*e.loss, whole.refs, cut), bc.params, bc.red);
      const std::string what = e.name() + " " + bc.name + (aligned ? " aligned" : " unaligned") + " on " +
                               std::to_string(ranks) + " ranks, rank " + std::to_string(rank);
      const evaluation together = evaluate_shard(e, shard, 2);
      expect_shard_of(e, alone, together, begin, end, what);
      if (on_blocks) {
        EXPECT_EQ(std::memcmp(&together.value, &alone.value, sizeof(double)), 0)
            << what << ": " << together.value << " vs one process's " << alone.value;
      } else {
        // Off the blocks the value is the loss's own, within its documented bound of the reference,
        evaluation as_whole;
        as_whole.value = together.value;
        if (alone.losses.raw()) as_whole.losses = slice(alone.losses, 0, 0, n);
        expect_matches_reference(e, whole, as_whole, false);
        // and the same bits on every run of this cut.
        const evaluation again = evaluate_shard(e, shard, 1);
        EXPECT_EQ(std::memcmp(&again.value, &together.value, sizeof(double)), 0) << what << ": a second run differs";
      }
    }
  }
}

// The same cut on fewer ranks gives the same bits: the batch cut for max(K − 1, 1) ranks, the
// ranks past them holding empty shards, computed on all K ranks and then on a communicator split
// off for the ranks that hold data (on one rank: the world against a copy of itself).
TEST(DistributedDeterminism, TheSameCutOnFewerRanksGivesTheSameBits) {
  const int rank = world_rank(), ranks = world_size();
  const int holding = std::max(ranks - 1, 1);
  for (const char* loss : {"mse", "cross_entropy", "triplet"}) {
    const entry& e = *find_entries(loss, "omp", dtype::f64).front();
    const std::int64_t inner = std::string_view(loss) == "cross_entropy" ? 37 : 0;
    const owned_call whole(*e.loss, e.loss->generate(e.type, {samples_for(*e.loss, e.type, inner), inner}, 9, {}));
    const std::int64_t n = e.loss->losses_shape(whole.refs).numel();
    auto at = unaligned_cuts(n, e.loss->block_items(whole.refs), holding);
    while (at.size() < static_cast<std::size_t>(ranks) + 1) at.push_back(n);  // empty shards
    const mpi::shard_range cut{at[static_cast<std::size_t>(rank)], at[static_cast<std::size_t>(rank) + 1]};
    const owned_call shard(*e.loss, mpi::cut_inputs(*e.loss, whole.refs, cut));
    const double on_all = evaluate_shard(e, shard, 1).value;
    MPI_Comm fewer;
    MPI_Comm_split(MPI_COMM_WORLD, rank < holding ? 0 : MPI_UNDEFINED, rank, &fewer);
    if (fewer == MPI_COMM_NULL) continue;
    call c = shard.view();
    const double on_fewer = mpi::run(e, c, fewer);
    MPI_Comm_free(&fewer);
    EXPECT_EQ(std::memcmp(&on_all, &on_fewer, sizeof(double)), 0)
        << loss << ": " << ranks << " ranks " << on_all << ", " << holding << " ranks " << on_fewer;
  }
}

std::vector<const entry*> distributed_entries() {
  std::vector<const entry*> out;
  for (const loss_spec* l : catalogue())
    for (dtype t : l->dtypes())  // f32 and f64; bf16 and f16 (16-bit storage) where the loss has them
      for (const char* v : {"omp", "auto"})
        if (!is_16bit(t) || std::string_view(v) == "omp") out.push_back(find_entries(l->name(), v, t).front());
  return out;
}

class Distributed : public ::testing::TestWithParam<const entry*> {};

TEST_P(Distributed, MatchesOneProcessBitForBit) { check_entry(*GetParam()); }

INSTANTIATE_TEST_SUITE_P(Registry, Distributed, ::testing::ValuesIn(distributed_entries()),
                         [](const ::testing::TestParamInfo<const entry*>& i) {
                           std::string n = i.param->name();
                           std::replace(n.begin(), n.end(), '/', '_');
                           return n;
                         });

// mpi::aligned_shard: consecutive shards that cover the batch, each (but the last) a whole number
// of blocks, for element-wise inputs of several dimensions too (64 samples under each index).
TEST(AlignedShard, CutsWholeBlocksAndCoversTheBatch) {
  const struct {
    const char* loss;
    shape_request size;
    std::int64_t indices_per_block;  // block_items / samples under one batch index
  } cases[] = {{"huber", {2000 * 64, 0}, 64}, {"cross_entropy", {3001, 37}, 110}, {"triplet", {1001, 0}, 32}};
  for (const auto& k : cases) {
    const entry& e = *find_entries(k.loss, "omp", dtype::f32).front();
    std::vector<array> in = e.loss->generate(dtype::f32, k.size, 3, e.loss->resolve({}));
    if (std::string_view(k.loss) == "huber")  // [2000, 4, 16]: cut along the first dimension
      for (array& a : in) {
        array r(a.type(), {2000, 4, 16});
        std::memcpy(r.raw(), a.raw(), a.bytes());
        a = std::move(r);
      }
    const auto refs = refs_of(in);
    const std::int64_t length = e.loss->losses_shape(refs)[0];
    for (int ranks = 1; ranks <= 5; ++ranks) {
      std::int64_t next = 0;
      for (int r = 0; r < ranks; ++r) {
        const mpi::shard_range s = mpi::aligned_shard(*e.loss, refs, r, ranks);
        EXPECT_EQ(s.begin, next) << k.loss << " rank " << r << " of " << ranks;
        if (r + 1 < ranks) {
          EXPECT_EQ(s.end % k.indices_per_block, 0) << k.loss << " rank " << r << " of " << ranks;
        }
        next = s.end;
      }
      EXPECT_EQ(next, length) << k.loss << " on " << ranks << " ranks";
    }
  }
}

TEST(AlignedShard, ConcatenatedCtcTargetsCannotBeCutBySequence) {
  const entry& e = *find_entries("ctc", "omp", dtype::f32).front();
  std::vector<array> in = e.loss->generate(dtype::f32, {4, 5}, 3, e.loss->resolve({}));
  std::int64_t labels = 0;  // the padded targets [B, S] made concatenated [Σ lengths]
  for (std::int64_t b = 0; b < 4; ++b) labels += static_cast<std::int64_t>(in[3].get(b));
  array flat(in[1].type(), {labels});
  for (std::int64_t b = 0, at = 0; b < 4; ++b)
    for (std::int64_t s = 0; s < static_cast<std::int64_t>(in[3].get(b)); ++s)
      flat.set(at++, in[1].get(b * in[1].shape()[1] + s));
  in[1] = std::move(flat);
  const auto refs = refs_of(in);
  try {
    mpi::cut_inputs(*e.loss, refs, {0, 2});
    ADD_FAILURE() << "concatenated targets were cut";
  } catch (const error& x) {
    EXPECT_EQ(x.argument(), "targets") << x.what();
    EXPECT_NE(std::string(x.what()).find("pass them padded"), std::string::npos) << x.what();
  }
}

// Bad or inconsistent shards: every rank throws the same lossbench::error (no rank hangs in a
// collective the others left), naming the argument and the rank at fault.
struct failure {
  std::string argument, message;
};

failure failure_of(const entry& e, const owned_call& shard) {
  try {
    evaluate_shard(e, shard, 1);
  } catch (const error& x) {
    return {x.argument(), x.what()};
  }
  return {};
}

const entry& entry_of(std::string_view loss) { return *find_entries(loss, "omp", dtype::f32).front(); }

owned_call generated(const entry& e, std::int64_t n, std::int64_t inner, const param_set& p = {},
                     reduction r = reduction::mean) {
  return owned_call(*e.loss, e.loss->generate(e.type, {n, inner}, 7, e.loss->resolve(p)), p, r);
}

// With one rank there is no other rank to disagree with: the call succeeds.
void expect_failure_from_rank(const failure& f, int culprit, const std::string& argument, const std::string& words) {
  if (world_size() == 1 && culprit > 0) {
    EXPECT_EQ(f.argument, "") << f.message;
    return;
  }
  EXPECT_EQ(f.argument, argument) << f.message;
  EXPECT_NE(f.message.find("rank " + std::to_string(culprit)), std::string::npos) << f.message;
  EXPECT_NE(f.message.find(words), std::string::npos) << f.message;
}

TEST(DistributedErrors, AValueAKernelRejectsOnOneRankFailsEveryRank) {
  const entry& e = entry_of("bce");
  owned_call shard = generated(e, 5000, 0);
  const int last = world_size() - 1;
  if (world_rank() == last) shard.inputs[0].set(4321, 1.5);  // a probability past 1
  expect_failure_from_rank(failure_of(e, shard), last, "input", "probabilities in [0, 1]");
}

TEST(DistributedErrors, AnotherInnerShapeNamesTheInputAndTheRank) {
  const entry& e = entry_of("triplet");
  const owned_call shard = generated(e, 40, world_rank() == 0 ? 16 : 17);
  expect_failure_from_rank(failure_of(e, shard), 1, "anchor", "[40, 17] differs from rank 0's [40, 16]");
}

TEST(DistributedErrors, OtherParameterValuesAreRefused) {
  const entry& e = entry_of("contrastive");
  param_set p;
  p.set("margin", world_rank() == 0 ? 1.0 : 2.0);
  expect_failure_from_rank(failure_of(e, generated(e, 40, 8, p)), 1, "params", "parameter values");
}

TEST(DistributedErrors, AnotherReductionIsRefused) {
  const entry& e = entry_of("mse");
  const owned_call shard = generated(e, 100, 0, {}, world_rank() == 0 ? reduction::mean : reduction::sum);
  expect_failure_from_rank(failure_of(e, shard), 1, "reduction", "(sum) differs from rank 0's (mean)");
}

TEST(DistributedErrors, AShardOfOneSampleWithoutABatchDimensionIsRefused) {
  const entry& e = entry_of("cross_entropy");
  std::vector<array> single;  // logits [C] and a scalar class index: one sample, no batch dimension
  single.emplace_back(dtype::f32, lossbench::shape{10});
  single.emplace_back(dtype::i64, lossbench::shape{});
  const owned_call shard(*e.loss, std::move(single));
  expect_failure_from_rank(failure_of(e, shard), 0, "input", "batch dimension");
}

}  // namespace
}  // namespace lossbench::testing

// MPI around GoogleTest: the run fails when any rank's tests failed.
int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  int failed = RUN_ALL_TESTS() != 0 ? 1 : 0, any = 0;
  MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  MPI_Finalize();
  return any;
}
