#!/usr/bin/python3
"""torch_peer.py — lossbench against PyTorch, as a PyTorch user meets both: torch.nn.functional
forward + autograd backward against lossbench.torch forward + backward (the fused kernel), same
tensors, same thread count, in one process. Also what one Python call adds to the C++ call.

    PYTHONPATH=build/python /usr/bin/python3 bench/torch_peer.py [--sizes 4k,256k,16M] [--threads 1,2]
        [--dtype float32] [--repetitions 7] [--min-time 0.05] [--json out.json]

Timing: time.perf_counter around whole calls (the same timer for both sides), each repetition
running a call back to back until --min-time has passed; the repetitions of torch and lossbench
alternate, and the median is reported. Items = elements of the prediction tensor, as in the C++
suite. torch runs at its best CPU capability here unless ATEN_CPU_CAPABILITY says otherwise.
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

import lossbench
import lossbench.torch as lt

SIZES = {"k": 1 << 10, "m": 1 << 20}


def parse_size(s):
    s = s.strip().lower()
    return int(s[:-1]) * SIZES[s[-1]] if s[-1] in SIZES else int(s)


def problems(n, dtype, gen):
    """(name, lossbench.torch fn, torch fn, inputs, index of the tensors that require grad) at ~n items."""
    d = dtype
    x, y = torch.randn(n, dtype=d, generator=gen), torch.randn(n, dtype=d, generator=gen)
    p = torch.rand(n, dtype=d, generator=gen) * 0.98 + 0.01
    yb = torch.randint(0, 2, (n,), generator=gen).to(d)
    sign = torch.where(torch.rand(n, generator=gen) < 0.5, -1.0, 1.0).to(d)
    C = 1000 if n >= 1000 else max(2, n // 4)
    B = max(1, n // C)
    z = torch.randn(B, C, dtype=d, generator=gen)
    t = torch.randint(0, C, (B,), generator=gen)
    logq = torch.log_softmax(torch.randn(B, C, dtype=d, generator=gen), 1)
    pt = torch.softmax(torch.randn(B, C, dtype=d, generator=gen), 1)
    D = 128 if n >= 128 else n
    R = max(1, n // D)
    a, pos, neg = (torch.randn(R, D, dtype=d, generator=gen) for _ in range(3))
    yc = torch.randint(0, 2, (R,), generator=gen).to(d)

    def hinge(x_, y_):
        return torch.clamp(1.0 - y_ * x_, min=0).mean()

    def contrastive(x1, x2, yy):
        dist = (x1 - x2).norm(dim=1)
        return (0.5 * (yy * dist ** 2 + (1 - yy) * torch.clamp(1.0 - dist, min=0) ** 2)).mean()

    out = [
        ("mse", lt.mse_loss, F.mse_loss, (x, y), (0,)),
        ("mae", lt.l1_loss, F.l1_loss, (x, y), (0,)),
        ("huber", lt.huber_loss, F.huber_loss, (x, y), (0,)),
        ("bce", lt.binary_cross_entropy, F.binary_cross_entropy, (p, yb), (0,)),
        ("bce_logits", lt.binary_cross_entropy_with_logits, F.binary_cross_entropy_with_logits, (x, yb), (0,)),
        ("hinge", lt.hinge_loss, hinge, (x, sign), (0,)),
        ("cross_entropy", lt.cross_entropy, F.cross_entropy, (z, t), (0,)),
        ("kl_div", lambda a_, b_: lt.kl_div(a_, b_, reduction="batchmean"),
         lambda a_, b_: F.kl_div(a_, b_, reduction="batchmean"), (logq, pt), (0,)),
        ("triplet", lt.triplet_margin_loss, F.triplet_margin_loss, (a, pos, neg), (0, 1, 2)),
        ("contrastive", lt.contrastive_loss, contrastive, (a, pos, yc), (0, 1)),
    ]
    T, Cc, S = 150, 40, 30
    Bc = max(1, n // (T * Cc))
    lp = torch.log_softmax(torch.randn(T, Bc, Cc, dtype=d, generator=gen), 2)
    tg = torch.randint(1, Cc, (Bc, S), generator=gen)
    il, tl = torch.full((Bc,), T, dtype=torch.int64), torch.full((Bc,), S, dtype=torch.int64)
    out.append(("ctc", lt.ctc_loss, F.ctc_loss, (lp, tg, il, tl), (0,)))
    return out


def step(fn, leaves):
    for leaf in leaves:
        leaf.grad = None
    fn().backward()


def timed(fn, min_time):
    """Seconds per call: calls back to back until min_time has passed."""
    calls, start = 0, time.perf_counter()
    while True:
        fn()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            return elapsed / calls


def measure(name, ours, theirs, inputs, diff, reps, min_time):
    leaves = [t.clone().requires_grad_(i in diff) for i, t in enumerate(inputs)]
    run_ours = lambda: step(lambda: ours(*leaves), [leaves[i] for i in diff])  # noqa: E731
    run_theirs = lambda: step(lambda: theirs(*leaves), [leaves[i] for i in diff])  # noqa: E731
    run_ours(), run_theirs()  # warm: first-touch of the gradient buffers, torch's allocator
    t_ours, t_theirs = [], []
    for _ in range(reps):  # alternating, so drift of a shared machine hits both alike
        t_theirs.append(timed(run_theirs, min_time))
        t_ours.append(timed(run_ours, min_time))
    return statistics.median(t_ours), statistics.median(t_theirs)


def python_overhead(reps):
    """ns one lossbench call through Python costs over the same C++ call (mse, 4 float32 elements)."""
    x, y = np.ones(4, np.float32), np.zeros(4, np.float32)
    core = lossbench._core
    native, python = [], []
    for _ in range(reps):
        native.append(core.native_call_ns("mse", (x, y), {}, "mean", "auto", 0, False, 200000))
        calls = 200000
        start = time.perf_counter()
        for _ in range(calls):
            lossbench.mse_loss(x, y)
        python.append((time.perf_counter() - start) / calls * 1e9)
    return statistics.median(native), statistics.median(python)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="4k,256k,16M")
    ap.add_argument("--threads", default=f"1,{os.cpu_count()}")
    ap.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    ap.add_argument("--repetitions", type=int, default=7)
    ap.add_argument("--min-time", type=float, default=0.05)
    ap.add_argument("--loss", default="", help="comma-separated names (default: all)")
    ap.add_argument("--json", default="")
    args = ap.parse_args()
    dtype = getattr(torch, args.dtype)
    wanted = set(filter(None, args.loss.split(",")))
    rows = []
    native, python = python_overhead(5)
    print(f"lossbench {lossbench.__version__} ({lossbench.best_isa()}), torch {torch.__version__} "
          f"(ATEN_CPU_CAPABILITY={os.environ.get('ATEN_CPU_CAPABILITY', 'default')}), {args.dtype}")
    print(f"Python overhead of one call (mse, 4 elements): {python - native:.0f} ns "
          f"(Python {python:.0f} ns, C++ {native:.0f} ns)")
    print(f"{'loss':<14} {'n':>9} {'threads':>7} {'torch µs':>11} {'lossbench µs':>13} {'× torch':>8}")
    for threads in [int(t) for t in args.threads.split(",")]:
        torch.set_num_threads(threads)
        lossbench.set_num_threads(threads)
        for size in args.sizes.split(","):
            n = parse_size(size)
            gen = torch.Generator().manual_seed(n)
            for name, ours, theirs, inputs, diff in problems(n, dtype, gen):
                if wanted and name not in wanted:
                    continue
                t_ours, t_theirs = measure(name, ours, theirs, inputs, diff, args.repetitions, args.min_time)
                items = inputs[0].numel()
                rows.append({"loss": name, "n": items, "threads": threads, "dtype": args.dtype,
                             "torch_s": t_theirs, "lossbench_s": t_ours, "speedup": t_theirs / t_ours})
                print(f"{name:<14} {items:>9} {threads:>7} {t_theirs * 1e6:>11.1f} {t_ours * 1e6:>13.1f} "
                      f"{t_theirs / t_ours:>7.2f}×", flush=True)
    if args.json:
        meta = {"lossbench": lossbench.__version__, "isa": lossbench.best_isa(), "torch": torch.__version__,
                "aten_cpu_capability": os.environ.get("ATEN_CPU_CAPABILITY", "default"),
                "python_overhead_ns": python - native, "python_call_ns": python, "cpp_call_ns": native}
        tmp = args.json + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"context": meta, "rows": rows}, f, indent=1)
        os.replace(tmp, args.json)  # whole or not at all


if __name__ == "__main__":
    sys.exit(main())
