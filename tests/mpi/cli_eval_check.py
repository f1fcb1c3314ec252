#!/usr/bin/env python3
"""cli_eval_check.py — `mpirun -np 3 lossbench eval --distributed` against one process's
`lossbench eval`, on .npy files made here: the value's bits (every rank cutting the same files on
block boundaries), the gradients' bits (each rank's `--grad-out g{rank}` concatenated), shard files
named with {rank}, and a missing shard file failing every rank with one error and exit 2.

Usage: cli_eval_check.py LOSSBENCH MPIEXEC   (ctest: mpi_cli_eval)"""
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

LOSSBENCH, MPIEXEC = sys.argv[1], sys.argv[2]
RANKS = 3


def run(args, cwd, expect=0):
    p = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=240)
    assert p.returncode == expect, f"{args}: exit {p.returncode}\n{p.stdout}\n{p.stderr}"
    return p


def distributed(args, cwd, ranks=RANKS, expect=0):
    return run([MPIEXEC, "--oversubscribe", "-np", str(ranks), LOSSBENCH, "eval", "--distributed"] + args,
               cwd, expect)


def one_process_value(args, cwd):
    out = json.loads(run([LOSSBENCH, "eval", "--variant", "auto", "--json"] + args, cwd).stdout)
    return out["variants"][0]["value"]


def check_cut_files(d):
    """Every rank reads the same files and cuts them on block boundaries: one process's bits."""
    rng = np.random.default_rng(5)
    np.save(d / "logits.npy", rng.standard_normal((3001, 37)).astype(np.float32))
    np.save(d / "targets.npy", rng.integers(0, 37, 3001).astype(np.int64))
    files = ["logits.npy", "targets.npy"]
    want = one_process_value(["--loss", "cross_entropy", "--grad-out", "whole"] + files, d)
    got = json.loads(distributed(["--loss", "cross_entropy", "--json", "--grad-out", "g{rank}"] + files, d).stdout)
    assert got["block_aligned"] and got["ranks"] == RANKS, got
    assert got["value"] == want, f"distributed {got['value']!r} != one process {want!r}"
    parts = [np.load(d / f"g{r}.input.npy") for r in range(RANKS)]
    assert [len(p) for p in parts] == got["shard_lengths"], got
    whole = np.load(d / "whole.input.npy")
    assert np.array_equal(np.concatenate(parts).view(np.uint32), whole.view(np.uint32)), "gradient bits differ"


def check_shard_files(d):
    """Each rank reads its own files ({rank}), cut along the first of three dimensions."""
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2000, 4, 16))
    y = rng.standard_normal((2000, 4, 16))
    cuts = [0, 512, 1024, 2000]  # 512 rows × 64 elements: whole 4096-element blocks
    for r in range(RANKS):
        np.save(d / f"x.{r}.npy", x[cuts[r]:cuts[r + 1]])
        np.save(d / f"y.{r}.npy", y[cuts[r]:cuts[r + 1]])
    np.save(d / "x.npy", x)
    np.save(d / "y.npy", y)
    want = one_process_value(["--loss", "huber", "--param", "delta=0.5", "x.npy", "y.npy"], d)
    got = json.loads(distributed(["--loss", "huber", "--param", "delta=0.5", "--json", "x.{rank}.npy", "y.{rank}.npy"],
                                 d).stdout)
    assert got["shard_lengths"] == [512, 512, 976] and got["block_aligned"], got
    assert got["value"] == want, f"distributed {got['value']!r} != one process {want!r}"


def check_missing_shard_fails_every_rank(d):
    """Four ranks, three shard files: rank 3's is missing; all ranks stop, rank 0 says why, exit 2."""
    p = distributed(["--loss", "huber", "x.{rank}.npy", "y.{rank}.npy"], d, ranks=4, expect=2)
    errors = [line for line in p.stderr.splitlines() if line.startswith("lossbench: error:")]
    assert len(errors) == 1 and "x.3.npy: on rank 3" in errors[0], p.stderr


def main():
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        check_cut_files(d)
        check_shard_files(d)
        check_missing_shard_fails_every_rank(d)
    print("cli_eval_check: distributed eval matches one process; a missing shard fails every rank")


if __name__ == "__main__":
    main()
