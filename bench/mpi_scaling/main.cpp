// lossbench_mpi_scaling — what splitting a batch between MPI ranks costs and gains: for each loss
// and shard size, the time of lossbench::mpi::run (the slowest rank's, per call), the time of the
// same shards computed alone at the same moment (no communication), their difference as the
// communication share, and rank 0 alone with `omp` on the whole batch (the other ranks idle).
// Value and gradient, f32, the median of --reps calls after one warm-up. Not a test: a table.
//
//   mpirun -np 2 build/lossbench_mpi_scaling --items 262144,16777216
#include <lossbench/catalogue.hpp>
#include <lossbench/mpi.hpp>

#include <CLI/CLI.hpp>
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace lossbench;

int rank_of(MPI_Comm comm) {
  int r = 0;
  MPI_Comm_rank(comm, &r);
  return r;
}
int size_of(MPI_Comm comm) {
  int s = 0;
  MPI_Comm_size(comm, &s);
  return s;
}

// A generated call with its gradient buffers, owning everything it points to.
struct owned {
  std::vector<array> inputs, grads;
  std::vector<tensor_ref> refs;
  param_set params;
  call view() {
    refs.clear();
    for (const array& a : inputs) refs.push_back(a.ref());
    outputs out;
    for (std::size_t k = 0; k < grads.size(); ++k) out.grad[k] = grads[k].raw();
    return call{refs, &params, reduction::mean, out};
  }
};

owned make(const loss_spec& loss, std::int64_t items, std::uint64_t seed) {
  owned o;
  o.params = loss.resolve({});
  const std::int64_t samples = std::max<std::int64_t>(1, items / loss.items_per_sample(dtype::f32));
  o.inputs = loss.generate(dtype::f32, {samples, 0}, seed, o.params);
  const auto desc = loss.inputs();
  for (std::size_t i = 0; i < desc.size(); ++i)
    if (desc[i].differentiable) o.grads.emplace_back(dtype::f32, o.inputs[i].shape());
  return o;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The median over `reps` calls of the slowest rank's time (all ranks start together).
template <class F>
double median_slowest(int reps, MPI_Comm comm, F call_once) {
  call_once();  // warm-up: first touch of the gradient buffers, thread start-up
  std::vector<double> times;
  for (int i = 0; i < reps; ++i) {
    MPI_Barrier(comm);
    const auto t0 = std::chrono::steady_clock::now();
    call_once();
    double mine = seconds_since(t0), slowest = 0;
    MPI_Allreduce(&mine, &slowest, 1, MPI_DOUBLE, MPI_MAX, comm);
    times.push_back(slowest);
  }
  std::nth_element(times.begin(), times.begin() + reps / 2, times.end());
  return times[static_cast<std::size_t>(reps / 2)];
}

// Rank 0 times `call_once` while the other ranks wait without spinning (MPI's barrier polls, which
// would take a core from rank 0's threads).
template <class F>
double median_on_rank0(int reps, MPI_Comm comm, F call_once) {
  double t = 0;
  if (rank_of(comm) == 0) {
    call_once();
    std::vector<double> times;
    for (int i = 0; i < reps; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      call_once();
      times.push_back(seconds_since(t0));
    }
    std::nth_element(times.begin(), times.begin() + reps / 2, times.end());
    t = times[static_cast<std::size_t>(reps / 2)];
  }
  MPI_Request done;
  MPI_Ibarrier(comm, &done);
  for (int finished = 0; !finished;) {
    MPI_Test(&done, &finished, MPI_STATUS_IGNORE);
    if (!finished) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return t;
}

struct row {
  std::string loss;
  std::int64_t items_per_rank = 0;
  double distributed = 0, alone = 0, whole_omp = 0;
};

row measure(const loss_spec& loss, std::int64_t items, int reps, int threads, MPI_Comm comm) {
  const int ranks = size_of(comm);
  owned shard = make(loss, items, 1000 + static_cast<std::uint64_t>(rank_of(comm)));
  const entry& omp = *find_entries(loss.name(), "omp", dtype::f32).front();
  row r{std::string(loss.name()), loss.items(shard.view().inputs)};
  call c = shard.view();
  c.threads = threads;
  r.distributed = median_slowest(reps, comm, [&] { mpi::run(omp, c, comm); });
  r.alone = median_slowest(reps, comm, [&] { omp.run(c); });
  owned whole;
  if (rank_of(comm) == 0) whole = make(loss, items * ranks, 2000);
  call w = whole.view();
  w.threads = 0;  // every thread of this process
  r.whole_omp = median_on_rank0(reps, comm, [&] { omp.run(w); });
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  CLI::App app{"lossbench::mpi::run against the same shards alone and against one process"};
  std::vector<std::string> losses = {"mse", "kl_div", "cross_entropy", "triplet"};
  std::vector<std::int64_t> items = {262144, 16777216};
  int reps = 9, threads = 1;
  app.add_option("--losses", losses, "losses, comma-separated")->delimiter(',');
  app.add_option("--items", items, "elements of the prediction tensor per rank, comma-separated")
      ->delimiter(',')
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 31));
  app.add_option("--reps", reps, "timed calls per figure (median)")->check(CLI::Range(1, 1000));
  app.add_option("--threads", threads, "omp threads per rank in the distributed and alone runs")
      ->check(CLI::Range(1, 1024));
  int rc = 0;
  try {
    app.parse(argc, argv);
    for (const std::string& name : losses) find_loss(name, "--losses");  // unknown: fails before any data
    const MPI_Comm comm = MPI_COMM_WORLD;
    const bool root = rank_of(comm) == 0;
    if (root)
      std::printf(
          "| loss | items per rank | ranks | mpi::run ms | shards alone ms | communication | one process "
          "omp, whole batch ms | speed-up |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (const std::string& name : losses)
      for (std::int64_t n : items) {
        const row r = measure(find_loss(name), n, reps, threads, comm);
        if (root)
          std::printf("| %s | %lld | %d | %.3f | %.3f | %.1f %% | %.3f | %.2f× |\n", r.loss.c_str(),
                      static_cast<long long>(r.items_per_rank), size_of(comm), r.distributed * 1e3, r.alone * 1e3,
                      100.0 * (r.distributed - r.alone) / r.distributed, r.whole_omp * 1e3,
                      r.whole_omp / r.distributed);
        std::fflush(stdout);
      }
  } catch (const CLI::ParseError& e) {
    rc = app.exit(e);
  } catch (const error& e) {
    std::fprintf(stderr, "lossbench_mpi_scaling: %s\n", e.what());
    rc = 2;
  }
  MPI_Finalize();
  return rc;
}
