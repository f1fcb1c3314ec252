"""The peer section: lossbench against PyTorch (report.json's "lossbench_peer", measured by
scripts/torch_peer.py), as lines, a table and a "× torch" lookup for the per-loss tables."""
from . import fmt, summary


def rows(report):
    peer = report.peer
    return peer.get("rows") if isinstance(peer, dict) and isinstance(peer.get("rows"), list) else []


def measured(report):
    """The rows with figures: a cell one side cannot run has "unsupported" (the side and its
    message) instead (torch lacks some losses in bf16/f16 on CPU; lossbench.torch takes no 16-bit
    tensors)."""
    return [r for r in rows(report) if isinstance(r.get("speedup"), (int, float))]


def cpp_measured(report):
    return [r for r in rows(report)
            if isinstance(r.get("cpp"), dict) and isinstance(r["cpp"].get("speedup"), (int, float))]


def why_not(r):
    """'n/a (torch)': why a cell has no figure at one level, from its "unsupported" message."""
    return f"n/a ({r['unsupported'].split(':', 1)[0]})" if isinstance(r.get("unsupported"), str) else None


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
    ups = [r["speedup"] for r in measured(report)]
    if not ups:
        return [f"torch {c.get('torch_version')}: no cell could be compared through Python."] + \
            unsupported_lines(report) + cpp_lines(report, c)
    out = [f"torch {c.get('torch_version')} at CPU capability {c.get('aten_cpu_capability')}, allocator "
           f"{c.get('allocator')}: `torch.nn.functional` forward + autograd backward against `lossbench.torch` "
           f"(the fused value+gradient kernel through Python) on the same tensors and threads, timed with "
           f"{c.get('timer')}; medians of {c.get('repetitions')} alternating repetitions.",
           f"lossbench is **{fmt.sig3(min(ups))}–{fmt.times(max(ups))}** torch's speed over these {len(ups)} cells"
           f" ({sum(u >= 2 for u in ups)} at 2× or more), through {c.get('lossbench_adapter', 'lossbench.torch')}. "
           f"The table's first half is this, as a PyTorch user meets it; its second half is the same cells in "
           f"C++, where neither side pays Python."]
    out += below_two(report, c)
    out += unsupported_lines(report)
    out += cpp_lines(report, c)
    if isinstance(c.get("python_overhead_ns"), (int, float)):
        out.append(f"One lossbench call through Python costs {c['python_overhead_ns']:.0f} ns more than the same "
                   f"C++ call ({c['python_call_ns']:.0f} against {c['cpp_call_ns']:.0f} ns; mse on 4 elements).")
    return out


def unsupported_lines(report):
    """The cells without figures, one entry per (loss, dtype) and reason: 'mse bf16 (torch:
    "mse_cpu" not implemented for 'BFloat16'), ...', through Python and in C++."""
    out = []
    for level, reasons in (("through Python", {(r["loss"], r["dtype"]): r["unsupported"] for r in rows(report)
                                               if isinstance(r.get("unsupported"), str)}),
                           ("in C++", {(r["loss"], r["dtype"]): r["cpp"]["unsupported"] for r in rows(report)
                                       if isinstance(r.get("cpp"), dict)
                                       and isinstance(r["cpp"].get("unsupported"), str)})):
        if reasons:
            cells = "; ".join(f"{loss} {dtype} ({why})" for (loss, dtype), why in reasons.items())
            out.append(f"Not compared {level}, as a side cannot run them (n/a in the table): {cells}.")
    return out


def below_two(report, context):
    """The cells under 2×, each with the most any step could gain there: torch's time over
    autograd's floor, the cost of the cheapest forward+backward step, which both sides pay."""
    floor = context.get("autograd_floor_s")
    slow = [r for r in measured(report) if r["speedup"] < 2]
    if not slow or not isinstance(floor, (int, float)):
        return []
    cells = ", ".join(f"{r['loss']} {r['dtype']} {fmt.size(r['n'])} {r['threads']}T {fmt.times(r['speedup'])} "
                      f"(bound {fmt.times(r['speedup_bound'])})" for r in slow if "speedup_bound" in r)
    return [f"Under 2×: {cells}. The bound is torch's step over autograd's floor ({floor * 1e6:.1f} µs: a "
            f"1-element sum's forward+backward), what a step that cost nothing beyond autograd would reach. A cell "
            f"near its bound is held back by `backward()`'s fixed cost, which both sides pay; one far from it is "
            f"lossbench's to improve."]


def cpp_lines(report, context):
    """The C++ half: lossbench_torch_peer's cells, or why there are none."""
    cpp = context.get("cpp") if isinstance(context.get("cpp"), dict) else {}
    ups = [r["cpp"]["speedup"] for r in cpp_measured(report)]
    if not ups:
        return [f"In C++: not measured ({cpp.get('reason', 'lossbench_torch_peer did not run')})."]
    worst = max(r["cpp"].get("value_rel_difference", 0) for r in cpp_measured(report))
    out = [f"In C++ ({cpp.get('torch')} against {cpp.get('lossbench')}; {cpp.get('timer')}): lossbench is "
           f"**{fmt.sig3(min(ups))}–{fmt.times(max(ups))}** torch's speed over {len(ups)} cells "
           f"({sum(u >= 2 for u in ups)} at 2× or more); the two values differ by at most {worst:.1e} (relative)."]
    return out + unsteady_lines(report)


UNSTEADY_CV = 0.10  # the report's own threshold for a noisy row


def unsteady_lines(report):
    """The C++ cells whose repetitions scatter by more than UNSTEADY_CV: their ratios are less sure."""
    cells = [r for r in cpp_measured(report)
             if max(r["cpp"].get("torch_cv", 0), r["cpp"].get("lossbench_cv", 0)) > UNSTEADY_CV]
    if not cells:
        return []
    cells.sort(key=lambda r: -max(r["cpp"].get("torch_cv", 0), r["cpp"].get("lossbench_cv", 0)))
    shown = ", ".join(f"{r['loss']} {r['dtype']} {fmt.size(r['n'])} {r['threads']}T (torch cv "
                      f"{fmt.percent(100 * r['cpp'].get('torch_cv', 0))}, "
                      f"lossbench {fmt.percent(100 * r['cpp'].get('lossbench_cv', 0))})"
                      for r in cells[:8])
    more = f" and {len(cells) - 8} more" if len(cells) > 8 else ""
    return [f"{len(cells)} C++ cells vary by more than {UNSTEADY_CV:.0%} over their repetitions, so their ratios "
            f"are less sure: {shown}{more}."]


def table(report):
    """One row per (loss, dtype, level), one column per (n, threads): torch's time over lossbench's,
    through Python (lossbench.torch against torch.nn.functional) and, where measured, in C++. The
    times themselves are in report.json; lossbench's C++ kernel times are the per-loss rows."""
    cells = rows(report)
    columns = sorted({(r["threads"], r["n"]) for r in cells})
    levels = [("Python", lambda r: r.get("speedup"), lambda r: why_not(r))]
    if any(isinstance(r.get("cpp"), dict) for r in cells):
        levels.append(("C++", lambda r: r["cpp"].get("speedup") if isinstance(r.get("cpp"), dict) else None,
                       lambda r: why_not(r["cpp"]) if isinstance(r.get("cpp"), dict) else None))
    present = {(r["loss"], r["dtype"]) for r in cells}
    losses = summary.losses(report.rows) + sorted({r["loss"] for r in cells} - set(summary.losses(report.rows)))
    dtypes = summary.ordered((r["dtype"] for r in cells), first=summary.DTYPE_ORDER)
    order = [(loss, dtype) for loss in losses for dtype in dtypes if (loss, dtype) in present]
    header = ["loss", "dtype", "through"] + [f"{fmt.size(n)}, {t} thread{'s' if t > 1 else ''}" for t, n in columns]
    body = []
    for level, value, reason in levels:
        text = {(r["loss"], r["dtype"], r["threads"], r["n"]): reason(r) or fmt.times(value(r)) for r in cells}
        body += [[loss, dtype, level] + [text.get((loss, dtype, t, n), fmt.DASH) for t, n in columns]
                 for loss, dtype in order]
    return header, body
