"""lossbench.mpi — one loss over a batch split between MPI processes, with mpi4py's communicators.

Each rank passes its shard of the batch (the inputs cut along the dimension of the per-sample
losses: the first, or ctc's dimension 1 of log_probs) and gets the whole batch's value, the same on
every rank, and with ``grad=True`` the gradients of that value for its own shard (the mean divides
by the whole batch's count). Shards cut on the loss's block boundaries (``aligned_shard``) give one
process's value bit for bit; the gradients are one process's for any cut. Bad or inconsistent
shards raise the same ``lossbench.Error`` on every rank. See docs/distributed.md.

    from mpi4py import MPI
    import lossbench.mpi
    value, grad = lossbench.mpi.evaluate(MPI.COMM_WORLD, "cross_entropy", logits_shard, targets_shard, grad=True)
"""
from . import _core

__all__ = ["evaluate", "aligned_shard", "available"]


def available():
    """Whether this build has lossbench::mpi (Open MPI and mpi4py's headers were found)."""
    return _core.has_mpi()


def evaluate(comm, loss, *inputs, reduction="mean", variant="auto", threads=0, grad=False, out=None, **params):
    """``lossbench.evaluate`` on this rank's shard, collective over ``comm`` (an ``mpi4py.MPI.Comm``):
    every rank of ``comm`` calls it with the same loss, reduction, variant, gradients and parameters."""
    return _core.run_distributed(comm, loss, inputs, params, reduction, variant, threads, grad, out)


def aligned_shard(loss, *inputs, rank, ranks):
    """For a batch every rank holds whole: ``(begin, end)`` of ``rank``'s shard along the batch
    dimension, cut on block boundaries, so that ``evaluate`` gives one process's value bit for bit."""
    return _core.aligned_shard(loss, inputs, rank, ranks)
