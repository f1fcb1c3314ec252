#!/usr/bin/python3
"""torch_peer.py — lossbench against PyTorch as a PyTorch user meets both: torch.nn.functional
forward + autograd backward against lossbench.torch forward + backward (the fused kernel), on the
same tensors, at the same thread count, in one process.

    PYTHONPATH=build/python /usr/bin/python3 scripts/torch_peer.py [--sizes 4k,256k,16M] [--threads 1,2]
        [--dtype f32,f64] [--loss mse,...] [--repetitions 5] [--min-time 0.02] [--json FILE]
    ... scripts/torch_peer.py --cells-from report.partial.json --json peer.json   (lossbench report)
    ... [--cpp-peer build/lossbench_torch_peer]   also the same cells in C++, neither side through Python

Dtypes f32, f64, bf16, f16. A cell one side cannot run (torch 1.13 lacks some losses in bf16 and
f16 on CPU; lossbench.torch takes no 16-bit tensors) is a row with "unsupported" (the side and its
message) and no times; the C++ peer (lossbench::evaluate takes bf16 and f16) may still compare it.

Timing: time.perf_counter around whole forward+backward steps, the same timer for both sides; each
repetition runs steps back to back for --min-time; torch's and lossbench's repetitions alternate
(drift of a shared machine hits both alike) and the medians are compared. Items = elements of the
prediction tensor, shapes as in `lossbench report` (C = 1000, D = 128, ctc T = 150 C = 40).

torch runs at its best on this machine: ATEN_CPU_CAPABILITY=avx512 where the CPU has AVX-512 (else
avx2 / default; an ATEN_CPU_CAPABILITY already set is kept) and, where Debian's libjemalloc2 is
installed, jemalloc preloaded and told to keep freed pages (torch's per-call temporaries re-fault
pages under glibc's allocator, ~12 µs a 4 KiB page on this VM).
Both are recorded in the JSON. Also measured: what one Python call of lossbench adds to the C++ call,
and autograd's floor (the cheapest forward+backward step), which bounds the speed-up at small sizes.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

JEMALLOC = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"


def best_allocator():
    """Re-run this script with jemalloc preloaded, once, where it is installed."""
    if os.path.exists(JEMALLOC) and "LOSSBENCH_PEER_ALLOCATOR" not in os.environ:
        # never purging freed pages: torch's temporaries are reused, not faulted in again
        env = dict(os.environ, LOSSBENCH_PEER_ALLOCATOR="jemalloc (dirty_decay_ms:-1, muzzy_decay_ms:-1)",
                   MALLOC_CONF=os.environ.get("MALLOC_CONF", "dirty_decay_ms:-1,muzzy_decay_ms:-1"),
                   LD_PRELOAD=" ".join(filter(None, [os.environ.get("LD_PRELOAD"), JEMALLOC])))
        os.execve(sys.executable, [sys.executable] + sys.argv, env)
    os.environ.setdefault("LOSSBENCH_PEER_ALLOCATOR", "glibc")


best_allocator()

import lossbench  # noqa: E402  (before torch: it picks torch's CPU capability)

# ATen's names for lossbench's ISAs: each AVX-512 level lossbench knows has ATen's avx512 kernels.
ATEN_CAPABILITY = {"avx512bf16": "avx512", "avx512bw": "avx512", "avx2": "avx2"}
os.environ.setdefault("ATEN_CPU_CAPABILITY", ATEN_CAPABILITY.get(lossbench.best_isa(), "default"))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import lossbench.torch as lt  # noqa: E402

DTYPES = {"f32": torch.float32, "f64": torch.float64, "bf16": torch.bfloat16, "f16": torch.float16}


def parse_size(s):
    s = s.strip().lower()
    scale = {"k": 1 << 10, "m": 1 << 20}.get(s[-1:], 1)
    return int(s[:-1] if scale > 1 else s) * scale


def _hinge(x, y, reduction="mean"):
    return torch.clamp(1.0 - y * x, min=0).mean()


def _contrastive(x1, x2, y):
    dist = (x1 - x2).norm(dim=1)
    return (0.5 * (y * dist ** 2 + (1 - y) * torch.clamp(1.0 - dist, min=0) ** 2)).mean()


def problem(loss, n, dtype, gen):
    """(lossbench.torch fn, torch fn, inputs, indices of the inputs that require grad) at ~n items.
    16-bit inputs are drawn in float32 and rounded once (torch's CPU generators and log_softmax
    lack float16), as lossbench's 16-bit problems are."""
    ours, theirs, inputs, diff = _problem(loss, n, torch.float32 if dtype in (torch.bfloat16, torch.float16) else dtype,
                                          gen)
    return ours, theirs, tuple(t.to(dtype) if t.is_floating_point() else t for t in inputs), diff


def _problem(loss, n, dtype, gen):
    d = dtype
    if loss in ("mse", "mae", "huber", "bce", "bce_logits", "hinge"):
        x, y = torch.randn(n, dtype=d, generator=gen), torch.randn(n, dtype=d, generator=gen)
        if loss == "bce":
            return lt.binary_cross_entropy, F.binary_cross_entropy, (
                torch.rand(n, dtype=d, generator=gen) * 0.98 + 0.01,
                torch.randint(0, 2, (n,), generator=gen).to(d)), (0,)
        if loss == "bce_logits":
            return (lt.binary_cross_entropy_with_logits, F.binary_cross_entropy_with_logits,
                    (x, torch.randint(0, 2, (n,), generator=gen).to(d)), (0,))
        if loss == "hinge":
            return lt.hinge_loss, _hinge, (x, torch.where(y < 0, -1.0, 1.0).to(d)), (0,)
        fns = {"mse": (lt.mse_loss, F.mse_loss), "mae": (lt.l1_loss, F.l1_loss), "huber": (lt.huber_loss, F.huber_loss)}
        return fns[loss] + ((x, y), (0,))
    if loss in ("cross_entropy", "kl_div"):
        C = 1000
        B = max(1, n // C)
        z = torch.randn(B, C, dtype=d, generator=gen)
        if loss == "cross_entropy":
            return lt.cross_entropy, F.cross_entropy, (z, torch.randint(0, C, (B,), generator=gen)), (0,)
        pt = torch.softmax(torch.randn(B, C, dtype=d, generator=gen), 1)
        return (lambda a, b: lt.kl_div(a, b, reduction="batchmean"), lambda a, b: F.kl_div(a, b, reduction="batchmean"),
                (torch.log_softmax(z, 1), pt), (0,))
    if loss in ("triplet", "contrastive"):
        D = 128
        B = max(1, n // D)
        a, p, q = (torch.randn(B, D, dtype=d, generator=gen) for _ in range(3))
        if loss == "triplet":
            return lt.triplet_margin_loss, F.triplet_margin_loss, (a, p, q), (0, 1, 2)
        return lt.contrastive_loss, _contrastive, (a, p, torch.randint(0, 2, (B,), generator=gen).to(d)), (0, 1)
    if loss == "ctc":
        T, C, S = 150, 40, 30
        B = max(1, n // (T * C))
        lp = torch.log_softmax(torch.randn(T, B, C, dtype=d, generator=gen), 2)
        return (lt.ctc_loss, F.ctc_loss, (lp, torch.randint(1, C, (B, S), generator=gen),
                                          torch.full((B,), T, dtype=torch.int64),
                                          torch.full((B,), S, dtype=torch.int64)), (0,))
    raise ValueError(f"--loss: unknown loss {loss!r}")


def timed(fn, min_time):
    """Seconds per call: calls back to back until min_time has passed."""
    calls, start = 0, time.perf_counter()
    while True:
        fn()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            return elapsed / calls


def measure(ours, theirs, inputs, diff, reps, min_time):
    leaves = [t.clone().requires_grad_(i in diff) for i, t in enumerate(inputs)]
    grads = [leaves[i] for i in diff]

    def step(fn):
        for leaf in grads:
            leaf.grad = None
        fn(*leaves).backward()

    step(ours), step(theirs)  # warm: first touch of the gradients, the allocators' pools
    t_ours, t_theirs = [], []
    for _ in range(reps):
        t_theirs.append(timed(lambda: step(theirs), min_time))
        t_ours.append(timed(lambda: step(ours), min_time))
    return statistics.median(t_ours), statistics.median(t_theirs)


def unsupported(ours, theirs, inputs, diff):
    """Why a cell cannot be compared ("torch: ..." or "lossbench.torch: ..."), or None: one
    forward+backward of each side. torch 1.13's CPU kernels lack some losses in 16 bits (bfloat16:
    mse, binary_cross_entropy; float16: mse's backward, binary_cross_entropy, clamp_min (bce_logits,
    hinge), log_softmax (cross_entropy)); lossbench.torch takes float32/float64 tensors only."""
    for side, fn in (("torch", theirs), ("lossbench.torch", ours)):
        leaves = [t.clone().requires_grad_(i in diff) for i, t in enumerate(inputs)]
        try:
            fn(*leaves).backward()
        except (RuntimeError, TypeError, lossbench.Error) as e:
            return f"{side}: {str(e).splitlines()[0]}"
    return None


def autograd_floor(reps, min_time):
    """Seconds of the cheapest step through autograd: a 1-element sum, forward and backward. Both
    sides pay it on every step; a lossbench step costs it plus lossbench's forward, which bounds the
    speed-up any loss can show through autograd at small sizes."""
    leaf = torch.ones(1, requires_grad=True)

    def step():
        leaf.grad = None
        leaf.sum().backward()

    step()
    return statistics.median(timed(step, min_time) for _ in range(reps))


def python_overhead(reps=5, calls=100000):
    """ns that one lossbench call through Python costs over the same C++ call (mse, 4 float32)."""
    import numpy as np
    x, y = np.ones(4, np.float32), np.zeros(4, np.float32)
    native, python = [], []
    for _ in range(reps):
        native.append(lossbench._core.native_call_ns("mse", (x, y), {}, "mean", "auto", 0, False, calls))
        start = time.perf_counter()
        for _ in range(calls):
            lossbench.mse_loss(x, y)
        python.append((time.perf_counter() - start) / calls * 1e9)
    return statistics.median(native), statistics.median(python)


def cpp_rows(binary, cells, reps, min_time):
    """The same cells measured by lossbench_torch_peer (ATen + autograd in C++ against
    lossbench::evaluate): (its context, rows keyed by cell), or ({"reason": ...}, {})."""
    if not binary:
        return {"reason": "not asked for (--cpp-peer)"}, {}
    if not os.access(binary, os.X_OK):
        return {"reason": f"{binary} is not built (libtorch-dev)"}, {}
    out = f"{os.environ.get('TMPDIR', '/tmp')}/lossbench-cpp-peer-{os.getpid()}.json"
    spec = ",".join(f"{loss}:{dt}:{n}:{t}" for loss, dt, n, t in cells)
    done = subprocess.run([binary, "--cells", spec, "--repetitions", str(reps), "--min-time", str(min_time),
                           "--json", out], stdout=subprocess.DEVNULL)
    if done.returncode != 0 or not os.path.exists(out):
        return {"reason": f"{binary} failed (exit {done.returncode})"}, {}
    with open(out, encoding="utf-8") as f:
        result = json.load(f)
    os.remove(out)
    return result["context"], {(r["loss"], r["dtype"], r["n"], r["threads"]): r for r in result["rows"]}


def cells_from_report(path):
    """(loss, dtype, n, threads) of the report's value+grad rows."""
    with open(path, encoding="utf-8") as f:
        rows = json.load(f)["lossbench_rows"]
    return sorted({(r["loss"], r["dtype"], int(r["n"]), int(r.get("threads") or 1))
                   for r in rows if r.get("mode") == "value_grad"}, key=lambda c: (c[3], c[1], c[2], c[0]))


def torch_capability():
    for line in torch.__config__.show().splitlines():
        if "CPU capability usage" in line:
            return line.split(":", 1)[1].strip()
    return "unknown"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="4k,256k,16M")
    ap.add_argument("--threads", default=f"1,{os.cpu_count()}")
    ap.add_argument("--dtype", default="f32")
    ap.add_argument("--loss", default="mse,mae,huber,bce,bce_logits,hinge,cross_entropy,kl_div,ctc,triplet,contrastive")
    ap.add_argument("--cells-from", default="", help="a report's JSON: measure its value+grad cells")
    ap.add_argument("--repetitions", type=int, default=5)
    ap.add_argument("--min-time", type=float, default=0.02)
    ap.add_argument("--json", default="")
    ap.add_argument("--cpp-peer", default="", help="lossbench_torch_peer: also measure the cells in C++")
    args = ap.parse_args()
    if args.cells_from:
        cells = cells_from_report(args.cells_from)
    else:
        cells = [(loss, dt, parse_size(n), int(t)) for t in args.threads.split(",") for dt in args.dtype.split(",")
                 for n in args.sizes.split(",") for loss in args.loss.split(",")]
    for _, dt, _, t in cells:
        if dt not in DTYPES or t < 1:
            sys.exit(f"torch_peer: bad cell dtype {dt!r} / threads {t}")
    native, python = python_overhead()
    torch.set_num_threads(1)
    floor = autograd_floor(args.repetitions, args.min_time)
    adapter = {"c++": "C++ autograd node (lossbench._torch)",
               "python": "Python autograd.Function (lossbench._torch not built: " + str(lt._torch_import_error) + ")"}
    context = {"peer": "torch", "torch_version": torch.__version__, "aten_cpu_capability": torch_capability(),
               "allocator": os.environ["LOSSBENCH_PEER_ALLOCATOR"], "lossbench_isa": lossbench.best_isa(),
               "lossbench_adapter": adapter[lt.backend], "autograd_floor_s": floor,
               "timer": "time.perf_counter around forward+backward steps in one Python process, both sides",
               "repetitions": args.repetitions, "min_time_s": args.min_time,
               "python_call_ns": python, "cpp_call_ns": native, "python_overhead_ns": python - native}
    print(f"torch {context['torch_version']} ({context['aten_cpu_capability']}, {context['allocator']}) against "
          f"lossbench {lossbench.__version__} ({context['lossbench_isa']}); Python adds {python - native:.0f} ns "
          f"to a call ({python:.0f} ns against {native:.0f} ns in C++); lossbench.torch runs a "
          f"{context['lossbench_adapter']}; autograd's floor (a 1-element sum's forward+backward) is "
          f"{floor * 1e6:.1f} µs", file=sys.stderr)
    rows, start = [], time.monotonic()
    for k, (loss, dt, n, threads) in enumerate(cells):
        torch.set_num_threads(threads)
        lossbench.set_num_threads(threads)
        ours, theirs, inputs, diff = problem(loss, n, DTYPES[dt], torch.Generator().manual_seed(n))
        why = unsupported(ours, theirs, inputs, diff)
        if why:  # no figures where a side cannot run the cell: the row says why
            rows.append({"loss": loss, "dtype": dt, "n": n, "items": inputs[0].numel(), "threads": threads,
                         "unsupported": why})
            print(f"[{k + 1}/{len(cells)}, {time.monotonic() - start:.0f} s] {loss} {dt} n={n} threads={threads}: "
                  f"not measured ({why})", file=sys.stderr, flush=True)
            continue
        t_ours, t_theirs = measure(ours, theirs, inputs, diff, args.repetitions, args.min_time)
        rows.append({"loss": loss, "dtype": dt, "n": n, "items": inputs[0].numel(), "threads": threads,
                     "torch_s": t_theirs, "lossbench_s": t_ours, "speedup": t_theirs / t_ours,
                     "speedup_bound": t_theirs / floor})  # a step that cost only autograd's floor
        print(f"[{k + 1}/{len(cells)}, {time.monotonic() - start:.0f} s] {loss} {dt} n={n} threads={threads}: "
              f"torch {t_theirs * 1e6:.1f} µs, lossbench {t_ours * 1e6:.1f} µs, {t_theirs / t_ours:.2f}×",
              file=sys.stderr, flush=True)
    context["cpp"], measured = cpp_rows(args.cpp_peer, cells, args.repetitions, args.min_time)
    for row in rows:
        cpp = measured.get((row["loss"], row["dtype"], row["n"], row["threads"]))
        if cpp and "unsupported" in cpp:
            row["cpp"] = {"unsupported": cpp["unsupported"]}
        elif cpp:
            row["cpp"] = {k: cpp[k] for k in ("torch_s", "lossbench_s", "speedup", "torch_cv", "lossbench_cv",
                                              "value_rel_difference")}
    if args.json:
        tmp = args.json + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"context": context, "rows": rows}, f, indent=1)
        os.replace(tmp, args.json)  # whole or not at all
    return 0


if __name__ == "__main__":
    sys.exit(main())
