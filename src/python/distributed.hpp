// distributed.hpp — lossbench.mpi: one loss over a batch split between MPI processes, with
// mpi4py's communicators (lossbench/mpi.hpp). Built with the lossbench::mpi library and mpi4py's
// headers; without them both functions raise lossbench.Error naming `comm`.
#pragma once

#include <pybind11/pybind11.h>

#include <cstdint>
#include <string_view>
#include <utility>

namespace lossbench::python {

// run_loss's call on this rank's shard, collective over `comm` (an mpi4py.MPI.Comm): the whole
// batch's value and the gradients of that value for this shard.
pybind11::object run_distributed(const pybind11::handle& comm, std::string_view loss, const pybind11::tuple& inputs,
                                 const pybind11::dict& params, const pybind11::handle& reduction,
                                 const pybind11::handle& variant, const pybind11::handle& threads,
                                 const pybind11::object& grad, const pybind11::object& out);

// mpi::aligned_shard for a whole batch held in Python: (begin, end) along the batch dimension.
std::pair<std::int64_t, std::int64_t> aligned_shard(std::string_view loss, const pybind11::tuple& inputs, int rank,
                                                    int ranks);

}  // namespace lossbench::python
