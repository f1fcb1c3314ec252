#!/usr/bin/env python3
"""python_mpi_check.py — lossbench.mpi under `mpirun -np 3`: every rank holds the same seeded
batch, computes it alone with lossbench, then its shard with the others through mpi4py's
COMM_WORLD, and compares bits: the value on block-aligned cuts (lossbench.mpi.aligned_shard), the
gradients on any cut, torch tensors as well as numpy arrays. Inconsistent parameters and a
communicator that is not mpi4py's must fail on every rank. Any failed check exits non-zero.

Usage: mpirun -np 3 python3 python_mpi_check.py   (PYTHONPATH: the build's python/; ctest: mpi_python)"""
import numpy as np
import torch
from mpi4py import MPI

import lossbench
import lossbench.mpi

comm = MPI.COMM_WORLD
rank, ranks = comm.Get_rank(), comm.Get_size()


def bits(a):
    a = np.asarray(a)
    return a.view(np.uint64 if a.dtype == np.float64 else np.uint32)


def same_bits(a, b):
    return np.array_equal(bits(a), bits(b))


def check_aligned_value_and_gradient(dtype):
    rng = np.random.default_rng(11)
    x = rng.standard_normal((5003, 29)).astype(dtype)
    t = rng.integers(0, 29, 5003).astype(np.int64)
    t[::17] = -100  # ignored rows: the mean's divisor counts the others, over the whole batch
    want, want_grad = lossbench.cross_entropy(x, t, label_smoothing=0.1, grad=True)
    b, e = lossbench.mpi.aligned_shard("cross_entropy", x, t, rank=rank, ranks=ranks)
    got, grad = lossbench.mpi.evaluate(comm, "cross_entropy", x[b:e], t[b:e], label_smoothing=0.1, grad=True)
    assert same_bits(got, want), f"rank {rank}: value {got!r} != one process's {want!r}"
    assert same_bits(grad, want_grad[b:e]), f"rank {rank}: gradient bits differ"
    assert got.dtype == want.dtype


def check_any_cut_gradient_with_torch_tensors():
    rng = np.random.default_rng(12)
    x = torch.from_numpy(rng.standard_normal((7001,)).astype(np.float32))
    y = torch.from_numpy(rng.standard_normal((7001,)).astype(np.float32))
    _, want_grad = lossbench.huber_loss(x, y, delta=0.5, grad=True)
    cuts = [0] + [min(7001, 2333 * r + 1) for r in range(1, ranks)] + [7001]  # off the 4096-element blocks
    b, e = cuts[rank], cuts[rank + 1]
    got, grad = lossbench.mpi.evaluate(comm, "huber", x[b:e], y[b:e], delta=0.5, grad=True)
    assert same_bits(np.asarray(grad), np.asarray(want_grad)[b:e]), f"rank {rank}: gradient bits differ"
    every = comm.allgather(float(got))
    assert len(set(every)) == 1, f"ranks disagree on the value: {every}"


def check_other_parameters_fail_every_rank():
    x = np.zeros((64, 8), np.float32)
    t = np.zeros(64, np.int64)
    try:
        lossbench.mpi.evaluate(comm, "cross_entropy", x, t, label_smoothing=0.1 if rank == 0 else 0.2)
    except lossbench.Error as e:
        assert ranks > 1 and e.argument == "params" and "rank 1" in str(e), str(e)
    else:
        assert ranks == 1, f"rank {rank}: no error"


def check_not_an_mpi4py_communicator():
    try:
        lossbench.mpi.evaluate(object(), "mse", np.zeros(4), np.zeros(4))
    except TypeError as e:
        assert "comm" in str(e), str(e)
    else:
        raise AssertionError("a plain object passed as comm")


def main():
    assert lossbench.mpi.available(), "this build has no lossbench::mpi"
    for dtype in (np.float32, np.float64):
        check_aligned_value_and_gradient(dtype)
    check_any_cut_gradient_with_torch_tensors()
    check_other_parameters_fail_every_rank()
    check_not_an_mpi4py_communicator()
    comm.Barrier()
    if rank == 0:
        print(f"python_mpi_check: lossbench.mpi matches one process on {ranks} ranks")


if __name__ == "__main__":
    main()
