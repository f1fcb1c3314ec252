#!/usr/bin/python3
"""torch_check.py — cross-check `lossbench eval` against PyTorch's torch.nn.functional.

A developer's tool, not part of the test suite (tests and CI must not need torch). It draws random
cases for every loss and option of the catalogue, writes them as .npy, runs `lossbench eval`, and
compares the value, the per-sample losses and every gradient with torch's autograd.

    /usr/bin/python3 scripts/torch_check.py [--binary build/lossbench] [--seed 1] [--cases 3]

Tolerances: f32 results may differ from torch's by a few ulps of the largest term (both are
float computations with different orders), so |a − b| ≤ 64·2⁻²⁴·(|b| + scale); f64: 2⁻⁴⁰.
Exit 1 if any comparison fails.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

torch.set_num_threads(1)


class Checker:
    def __init__(self, binary, workdir):
        self.binary, self.dir = binary, workdir
        self.failures, self.checks, self.k = 0, 0, 0

    def save(self, arr):
        self.k += 1
        path = os.path.join(self.dir, f"a{self.k}.npy")
        np.save(path, arr)
        return path

    def run(self, loss, arrays, params, reduction, dtype):
        files = [self.save(a) for a in arrays]
        prefix = os.path.join(self.dir, f"g{self.k}")
        losses_out = os.path.join(self.dir, f"l{self.k}.npy")
        cmd = [self.binary, "eval", "--loss", loss, "--variant", "scalar", "--dtype", dtype,
               "--reduction", reduction, "--json", "--grad-out", prefix] + files
        for k, v in params.items():
            if isinstance(v, np.ndarray):
                v = self.save(v)
            elif isinstance(v, bool):
                v = "true" if v else "false"
            cmd += ["--param", f"{k}={v}"]
        if reduction == "none":
            cmd += ["--losses-out", losses_out]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)}\nexit {p.returncode}: {p.stderr}")
        out = json.loads(p.stdout)
        value = value_of(out)
        return value, prefix, (np.load(losses_out) if reduction == "none" else None)

    def compare(self, what, got, want, dtype, scale=0.0):
        got = np.asarray(got, dtype=np.float64)
        want = np.asarray(want, dtype=np.float64)
        self.checks += 1
        tol = (64 * 2.0 ** -24) if dtype == "f32" else 2.0 ** -40
        # 1e-30: results below it are rounding noise of confident-logit cancellations (torch
        # returns 0 or 1 ulp of 1 where the stable form gives ~1e-44)
        bad = ~((np.abs(got - want) <= tol * (np.abs(want) + scale) + 1e-30) | (np.isnan(got) & np.isnan(want)) |
                (np.isinf(want) & (got == want)))
        if got.shape != want.shape:
            print(f"FAIL {what}: shape {got.shape} vs torch {want.shape}")
            self.failures += 1
        elif bad.any():
            i = np.argwhere(bad)[0]
            print(f"FAIL {what}: at {tuple(i)} lossbench {got[tuple(i)]!r} torch {want[tuple(i)]!r}")
            self.failures += 1


def value_of(out):
    """The scalar variant's value from `eval --json`."""
    for v in out["variants"]:
        if v["variant"] == "scalar":
            return v["value"]
    raise KeyError("no scalar row")


def check(ck, name, loss, arrays, diff_idx, params, reduction, dtype, torch_fn, grad_names):
    """Run lossbench and torch on the same arrays; compare value, losses and gradients."""
    # torch in float64 on the exactly upcast inputs: for float32 cases, the exact result's stand-in
    tensors = [torch.from_numpy(a.astype(np.float64) if a.dtype.kind == "f" else a.copy()) for a in arrays]
    for i in diff_idx:
        tensors[i].requires_grad_(True)
    out = torch_fn(*tensors, reduction=reduction)
    total = out.sum() if reduction == "none" else out
    total.backward()
    value, prefix, losses = ck.run(loss, arrays, params, reduction, dtype)
    tag = f"{name} {dtype} {reduction} {params_str(params)}"
    scale = float(np.nanmax(np.abs(out.detach().numpy()))) if out.numel() else 0.0
    ck.compare(tag + " value", value, float(total.detach()), dtype, 0.0)
    if losses is not None:
        ck.compare(tag + " losses", losses.reshape(out.shape), out.detach().numpy(), dtype, scale)
    for i, gname in zip(diff_idx, grad_names):
        g = np.load(f"{prefix}.{gname}.npy")
        want = tensors[i].grad.numpy()
        gscale = float(np.nanmax(np.abs(want))) if want.size and np.isfinite(want).any() else 0.0
        if np.isnan(want).any():  # torch's NaN gradients (ctc impossible alignment): we return 0 by design
            want = np.where(np.isnan(want), g, want)
        ck.compare(tag + f" grad {gname}", g, want, dtype, gscale)


def params_str(p):
    return ",".join(f"{k}={'array' if isinstance(v, np.ndarray) else v}" for k, v in p.items())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default="build/lossbench")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cases", type=int, default=2)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    with tempfile.TemporaryDirectory() as d:
        ck = Checker(args.binary, d)
        for _ in range(args.cases):
            for dt, npdt in (("f32", np.float32), ("f64", np.float64)):
                run_all(ck, rng, dt, npdt)
        print(f"{ck.checks} comparisons, {ck.failures} failures")
        sys.exit(1 if ck.failures else 0)


def run_all(ck, rng, dt, npdt):
    from torch_cases import cases  # noqa: E402  (tests/python/torch_cases.py, shared with the pytest suite)
    for name, loss, arrays, diff_idx, params, reductions, fn, grad_names in cases(rng, npdt):
        for r in reductions:
            check(ck, name, loss, arrays, diff_idx, params, r, dt, fn, grad_names)


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "python"))
    main()
