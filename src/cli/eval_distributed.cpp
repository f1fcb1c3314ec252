// eval_distributed.cpp — `lossbench eval --distributed` (rules: eval_distributed.hpp). Every step
// that may fail on one rank alone (reading its files, cutting, finding the entry, writing its
// outputs) ends in mpi::throw_if_any, so all ranks fail together and none waits in a collective.
#include "cli/eval_distributed.hpp"

#include "cli/commands.hpp"
#include "cli/format.hpp"
#include "io/npy.hpp"

#include <lossbench/registry.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#ifdef LOSSBENCH_WITH_MPI
#include <lossbench/mpi.hpp>

#include <cstdio>
#include <optional>
#endif

namespace lossbench::cli {

#ifndef LOSSBENCH_WITH_MPI

void run_eval_distributed(const eval_options&) {
  throw error("--distributed", "this lossbench was built without MPI (libopenmpi-dev: scripts/setup.sh, then rebuild)");
}

#else

namespace {

constexpr std::string_view rank_mark = "{rank}";

bool names_rank(const std::string& s) { return s.find(rank_mark) != std::string::npos; }

std::string for_rank(std::string s, int rank) {
  for (std::size_t at; (at = s.find(rank_mark)) != std::string::npos;)
    s.replace(at, rank_mark.size(), std::to_string(rank));
  return s;
}

// This rank's shard as a call's inputs, its outputs and the entry that runs it.
struct shard_call {
  loaded_inputs in;
  std::vector<array> cut;        // the block-aligned cut, when every rank read the same files
  std::vector<tensor_ref> refs;  // what the call reads: `cut`, else in.arrays
  std::vector<array> grads;      // with --grad-out
  array losses;                  // with reduction none
  const entry* runs = nullptr;
  std::int64_t batch_length = 0;  // this shard's length along the batch dimension
};

void prepare(const eval_options& o, const loss_spec& spec, reduction red, int rank, int ranks, shard_call& s) {
  std::vector<std::string> files;
  bool own_files = false;
  for (const std::string& f : o.files) {
    own_files = own_files || names_rank(f);
    files.push_back(for_rank(f, rank));
  }
  s.in = load_inputs(spec, files, o.dtype, o.params);
  s.refs = s.in.refs();
  if (!own_files) {
    s.cut = mpi::cut_inputs(spec, s.refs, mpi::aligned_shard(spec, s.refs, rank, ranks));
    s.refs = refs_of(s.cut);
  }
  s.runs = find_entries(o.loss, o.variant == "all" ? "auto" : o.variant, s.in.type, "--variant").front();
  const lossbench::shape samples = spec.losses_shape(s.refs);
  s.batch_length = samples.rank() > 0 ? samples[0] : 1;
  if (red == reduction::none) s.losses = array(s.in.type, samples);
  if (o.grad_out.empty()) return;
  const auto desc = spec.inputs();
  for (std::size_t i = 0; i < desc.size(); ++i)
    if (desc[i].differentiable) s.grads.emplace_back(s.in.type, s.refs[i].shape);
}

void write_outputs(const eval_options& o, const loss_spec& spec, int rank, const shard_call& s,
                   std::vector<std::string>& written) {
  const auto desc = spec.inputs();
  for (std::size_t i = 0, k = 0; i < desc.size() && !s.grads.empty(); ++i) {
    if (!desc[i].differentiable) continue;
    const std::string path = fmt::format("{}.{}.npy", for_rank(o.grad_out, rank), desc[i].name);
    io::write_npy(path, s.grads[k++], s.in.output_words(i));
    written.push_back(path);
  }
  if (!o.losses_out.empty()) {
    io::write_npy(for_rank(o.losses_out, rank), s.losses, s.in.output_words());
    written.push_back(for_rank(o.losses_out, rank));
  }
}

// Runs `step`; its lossbench::error, on any rank, is thrown on every rank.
template <class Step>
void together(Step step) {
  std::optional<error> failed;
  try {
    step();
  } catch (const error& e) {
    failed = e;
  }
  mpi::throw_if_any(failed ? &*failed : nullptr, MPI_COMM_WORLD);
}

void print_result(const eval_options& o, const shard_call& s, reduction red, double value,
                  const std::vector<std::int64_t>& lengths, const std::vector<std::string>& written) {
  const std::int64_t block = s.runs->loss->block_items(s.refs);
  std::int64_t per_index = 1;  // per-sample losses under one batch index
  const lossbench::shape samples = s.runs->loss->losses_shape(s.refs);
  for (int d = 1; d < samples.rank(); ++d) per_index *= samples[d];
  bool aligned = true;
  for (std::size_t r = 0; r + 1 < lengths.size(); ++r) aligned = aligned && (lengths[r] * per_index) % block == 0;
  if (o.json) {
    json j;
    j["loss"] = s.runs->loss->name();
    j["dtype"] = to_string(s.in.type);
    j["variant"] = s.runs->variant.name();
    j["reduction"] = to_string(red);
    j["ranks"] = lengths.size();
    j["value"] = json_number(value);
    j["shard_lengths"] = lengths;
    j["block_items"] = block;
    j["block_aligned"] = aligned;
    j["written"] = written;  // rank 0's; each rank wrote its own
    fmt::print("{}\n", j.dump(2));
    return;
  }
  fmt::print("{} ({}, {}, {}) over {} rank{}\nvalue  {}\nshards {} along the batch dimension; {}\n",
             s.runs->loss->name(), to_string(s.in.type), s.runs->variant.name(), to_string(red), lengths.size(),
             lengths.size() == 1 ? "" : "s", number_text(value, s.in.type), fmt::join(lengths, " "),
             aligned ? "on block boundaries: one process's value, bit for bit"
                     : fmt::format("off block boundaries ({} samples a block): within the loss's bound of one "
                                   "process's value",
                                   block));
  for (const std::string& w : written) fmt::print("wrote  {} (rank 0; each rank its own)\n", w);
}

void run_on_ranks(const eval_options& o, int rank, int ranks) {
  for (const std::string* name : {&o.grad_out, &o.losses_out})
    if (!name->empty() && !names_rank(*name))
      throw error(name == &o.grad_out ? "--grad-out" : "--losses-out",
                  "a distributed run writes one file per rank: put {rank} in '" + *name + "'");
  const loss_spec& spec = find_loss(o.loss, "--loss");
  const reduction red = parse_reduction(o.reduction);
  shard_call s;
  together([&] { prepare(o, spec, red, rank, ranks, s); });
  outputs out;
  out.losses = s.losses.raw();
  for (std::size_t k = 0; k < s.grads.size(); ++k) out.grad[k] = s.grads[k].raw();
  const double value = mpi::run(*s.runs, call{s.refs, &s.in.params, red, out}, MPI_COMM_WORLD);
  std::vector<std::string> written;
  together([&] { write_outputs(o, spec, rank, s, written); });
  std::vector<std::int64_t> lengths(static_cast<std::size_t>(ranks));
  MPI_Gather(&s.batch_length, 1, MPI_INT64_T, lengths.data(), 1, MPI_INT64_T, 0, MPI_COMM_WORLD);
  if (rank == 0) print_result(o, s, red, value, lengths, written);
}

}  // namespace

void run_eval_distributed(const eval_options& o) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) MPI_Init(nullptr, nullptr);
  int rank = 0, ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  try {
    run_on_ranks(o, rank, ranks);
  } catch (const error& e) {
    // Every rank holds the same error. Rank 0 says it before any rank exits: mpirun stops the
    // job at the first non-zero exit, which could otherwise cut rank 0 short.
    if (rank == 0) std::fputs(fmt::format("lossbench: error: {}\n", e.what()).c_str(), stderr);
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Finalize();
    throw exit_with{2};
  }
  MPI_Finalize();
}

#endif

}  // namespace lossbench::cli
