"""The peer section: lossbench against PyTorch (report.json's "lossbench_peer", measured by
scripts/torch_peer.py), as lines, a table and a "× torch" lookup for the per-loss tables."""
from . import fmt


def rows(report):
    peer = report.peer
    return peer.get("rows") if isinstance(peer, dict) and isinstance(peer.get("rows"), list) else []


def speedup(report, loss, dtype, n, threads):
    """torch's forward+backward time over lossbench.torch's at that cell, or None."""
    for r in rows(report):
        if (r.get("loss"), r.get("dtype"), r.get("n"), r.get("threads")) == (loss, dtype, n, threads):
            return r.get("speedup")
    return None


def lines(report):
    peer = report.peer if isinstance(report.peer, dict) else {}
    if not rows(report):
        reason = peer.get("reason") or "this report was made without it (`lossbench report --peer torch`)"
        return [f"PyTorch was not measured: {reason}."]
    c = peer.get("context", {})
    ups = [r["speedup"] for r in rows(report)]
    out = [f"torch {c.get('torch_version')} at CPU capability {c.get('aten_cpu_capability')}, allocator "
           f"{c.get('allocator')}: `torch.nn.functional` forward + autograd backward against `lossbench.torch` "
           f"(the fused value+gradient kernel through Python) on the same tensors and threads, timed with "
           f"{c.get('timer')}; medians of {c.get('repetitions')} alternating repetitions.",
           f"lossbench is **{fmt.sig3(min(ups))}–{fmt.times(max(ups))}** torch's speed over these {len(ups)} cells"
           f" ({sum(u >= 2 for u in ups)} at 2× or more)."]
    if isinstance(c.get("python_overhead_ns"), (int, float)):
        out.append(f"One lossbench call through Python costs {c['python_overhead_ns']:.0f} ns more than the same "
                   f"C++ call ({c['python_call_ns']:.0f} against {c['cpp_call_ns']:.0f} ns; mse on 4 elements).")
    return out


HEADER = ["loss", "dtype", "n", "threads", "torch µs", "lossbench.torch µs", "× torch", "lossbench C++ µs"]


def _cpp_time(report, r):
    """The fastest C++ value+grad row of the sweep at the cell (the kernel alone, no Python)."""
    times = [row.time_ns for row in report.rows
             if (row.loss, row.dtype, row.n, row.threads, row.mode) == (r["loss"], r["dtype"], r["n"], r["threads"],
                                                                        "value_grad") and row.time_ns]
    return min(times) / 1e3 if times else None


def table(report):
    out = []
    for r in sorted(rows(report), key=lambda r: (r["loss"], r["dtype"], r["threads"], r["n"])):
        cpp = _cpp_time(report, r)
        out.append([r["loss"], r["dtype"], fmt.size(r["n"]), str(r["threads"]), fmt.sig3(r["torch_s"] * 1e6),
                    fmt.sig3(r["lossbench_s"] * 1e6), f"**{fmt.times(r['speedup'])}**",
                    fmt.sig3(cpp)])
    return HEADER, out
