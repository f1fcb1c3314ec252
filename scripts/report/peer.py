"""The peer section: lossbench against PyTorch (report.json's "lossbench_peer", measured by
scripts/torch_peer.py), as lines, a table and a "× torch" lookup for the per-loss tables."""
from . import fmt, summary


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
           f" ({sum(u >= 2 for u in ups)} at 2× or more), through {c.get('lossbench_adapter', 'lossbench.torch')}. "
           f"torch is timed through Python only; lossbench's C++ kernel alone is in the per-loss tables."]
    out += below_two(report, c)
    if isinstance(c.get("python_overhead_ns"), (int, float)):
        out.append(f"One lossbench call through Python costs {c['python_overhead_ns']:.0f} ns more than the same "
                   f"C++ call ({c['python_call_ns']:.0f} against {c['cpp_call_ns']:.0f} ns; mse on 4 elements).")
    return out


def below_two(report, context):
    """The cells under 2×, each with the most any step could gain there: torch's time over
    autograd's floor, the cost of the cheapest forward+backward step, which both sides pay."""
    floor = context.get("autograd_floor_s")
    slow = [r for r in rows(report) if r["speedup"] < 2]
    if not slow or not isinstance(floor, (int, float)):
        return []
    cells = ", ".join(f"{r['loss']} {r['dtype']} {fmt.size(r['n'])} {r['threads']}T {fmt.times(r['speedup'])} "
                      f"(bound {fmt.times(r['speedup_bound'])})" for r in slow if "speedup_bound" in r)
    return [f"Under 2×: {cells}. The bound is torch's step over autograd's floor ({floor * 1e6:.1f} µs: a "
            f"1-element sum's forward+backward), what a step that cost nothing beyond autograd would reach: at "
            f"these sizes the fixed cost of `backward()` is most of either side's step."]


def table(report):
    """One row per (loss, dtype), one column per (n, threads): torch's time over lossbench.torch's.
    The times themselves are in report.json; lossbench's C++ kernel times are the per-loss rows."""
    cells = rows(report)
    columns = sorted({(r["threads"], r["n"]) for r in cells})
    speedup = {(r["loss"], r["dtype"], r["threads"], r["n"]): r["speedup"] for r in cells}
    measured = {(r["loss"], r["dtype"]) for r in cells}
    losses = summary.losses(report.rows) + sorted({r["loss"] for r in cells} - set(summary.losses(report.rows)))
    order = [(loss, dtype) for loss in losses for dtype in ("f32", "f64") if (loss, dtype) in measured]
    header = ["loss", "dtype"] + [f"{fmt.size(n)}, {t} thread{'s' if t > 1 else ''}" for t, n in columns]
    body = [[loss, dtype] + [fmt.times(speedup.get((loss, dtype, t, n))) for t, n in columns] for loss, dtype in order]
    return header, body
