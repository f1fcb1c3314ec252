// distributed.cpp — see distributed.hpp. The call is prepared exactly as run_loss prepares it; only
// the run differs: lossbench::mpi::run over the communicator mpi4py holds.
#include "python/distributed.hpp"

#include "python/loss_call.hpp"

#include <lossbench/catalogue.hpp>
#include <lossbench/registry.hpp>

#ifdef LOSSBENCH_PYTHON_MPI
#include <lossbench/mpi.hpp>

#include <mpi4py/mpi4py.h>
#endif

namespace py = pybind11;

namespace lossbench::python {

#ifdef LOSSBENCH_PYTHON_MPI

namespace {

// The MPI_Comm inside an mpi4py.MPI.Comm (mpi4py's C API, imported on first use).
MPI_Comm comm_of(const py::handle& comm) {
  static const bool imported = import_mpi4py() == 0;
  if (!imported) throw py::error_already_set();
  if (!PyObject_TypeCheck(comm.ptr(), &PyMPIComm_Type))
    throw py::type_error("comm: expected an mpi4py communicator (mpi4py.MPI.Comm), got " +
                         std::string(py::str(comm.get_type().attr("__name__"))));
  MPI_Comm* c = PyMPIComm_Get(comm.ptr());
  if (!c) throw py::error_already_set();
  if (*c == MPI_COMM_NULL) throw error("comm", "is MPI.COMM_NULL");
  return *c;
}

}  // namespace

py::object run_distributed(const py::handle& comm, std::string_view loss, const py::tuple& inputs,
                           const py::dict& params, const py::handle& reduction, const py::handle& variant,
                           const py::handle& threads, const py::object& grad, const py::object& out) {
  const MPI_Comm mc = comm_of(comm);
  prepared_call c = prepare(loss, inputs, params, reduction, variant, threads, grad, out);
  const entry& e = find_entry(find_loss(loss, "loss"), c.opt.variant, c.refs[0].type, "variant");
  call k{c.refs, &c.params, c.opt.reduction, c.out};
  k.threads = c.opt.threads;
  double value;
  {
    py::gil_scoped_release release;
    value = mpi::run(e, k, mc);
  }
  return result_of(c, value);
}

std::pair<std::int64_t, std::int64_t> aligned_shard(std::string_view loss, const py::tuple& inputs, int rank,
                                                    int ranks) {
  const prepared_call c =
      prepare(loss, inputs, py::dict(), py::str("sum"), py::str("auto"), py::int_(0), py::bool_(false), py::none());
  const mpi::shard_range r = mpi::aligned_shard(find_loss(loss, "loss"), c.refs, rank, ranks);
  return {r.begin, r.end};
}

#else

namespace {
[[noreturn]] void without_mpi() {
  throw error("comm", "this lossbench was built without MPI (libopenmpi-dev and python3-mpi4py: scripts/setup.sh)");
}
}  // namespace

py::object run_distributed(const py::handle&, std::string_view, const py::tuple&, const py::dict&, const py::handle&,
                           const py::handle&, const py::handle&, const py::object&, const py::object&) {
  without_mpi();
}

std::pair<std::int64_t, std::int64_t> aligned_shard(std::string_view, const py::tuple&, int, int) { without_mpi(); }

#endif

}  // namespace lossbench::python
