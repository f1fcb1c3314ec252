"""torch_cases.py — random cases for every loss × option of the catalogue, with torch.nn.functional's
counterpart: run by tests/python/test_torch_parity.py (through the Python module) and by
scripts/torch_check.py (through `lossbench eval`).

Each case: (label, loss, arrays, differentiable input indices, lossbench params, reductions,
torch function(*tensors, reduction=...), gradient file names)."""
import numpy as np
import torch
import torch.nn.functional as F

R3 = ("mean", "sum", "none")


def _t(x):
    """An array option (weight, pos_weight) for torch, which runs in float64 on the upcast inputs."""
    return torch.as_tensor(x, dtype=torch.float64)


def cases(rng, dt):
    out = []
    n = int(rng.integers(1, 40))
    x = rng.normal(size=(n,)).astype(dt)
    y = (x + rng.normal(size=(n,))).astype(dt)
    y[0] = x[0]  # an exact zero difference
    out.append(("mse", "mse", [x, y], [0], {}, R3,
                lambda a, b, reduction: F.mse_loss(a, b, reduction=reduction), ["input"]))
    out.append(("mae", "mae", [x, y], [0], {}, R3,
                lambda a, b, reduction: F.l1_loss(a, b, reduction=reduction), ["input"]))
    for delta in (1.0, 0.5, 2.0):
        out.append(("huber", "huber", [x, y], [0], {"delta": delta}, R3,
                    lambda a, b, reduction, d=delta: F.huber_loss(a, b, reduction=reduction, delta=d), ["input"]))
    # bce: probabilities including exact 0 and 1, hard and soft targets
    p = rng.uniform(size=(n,)).astype(dt)
    p[0] = 0.0
    if n > 1:
        p[1] = 1.0
    yb = rng.integers(0, 2, size=(n,)).astype(dt)
    ys = rng.uniform(size=(n,)).astype(dt)
    for tgt in (yb, ys):
        out.append(("bce", "bce", [p, tgt], [0], {}, R3,
                    lambda a, b, reduction: F.binary_cross_entropy(a, b, reduction=reduction), ["input"]))
    # bce_logits: confident logits, ±100, ±inf; pos_weight absent, scalar, per class
    B, C = int(rng.integers(1, 6)), int(rng.integers(1, 7))
    z = (rng.normal(size=(B, C)) * 8).astype(dt)
    z.flat[0] = 100.0
    if z.size > 1:
        z.flat[1] = -100.0
    yl = rng.integers(0, 2, size=(B, C)).astype(dt)
    pw = rng.uniform(0.5, 3, size=(C,)).astype(dt)
    out.append(("bce_logits", "bce_logits", [z, yl], [0], {}, R3,
                lambda a, b, reduction: F.binary_cross_entropy_with_logits(a, b, reduction=reduction), ["input"]))
    out.append(("bce_logits pw=2.5", "bce_logits", [z, yl], [0], {"pos_weight": 2.5}, R3,
                lambda a, b, reduction: F.binary_cross_entropy_with_logits(
                    a, b, reduction=reduction, pos_weight=torch.tensor(2.5, dtype=a.dtype)), ["input"]))
    out.append(("bce_logits pw[C]", "bce_logits", [z, yl], [0], {"pos_weight": pw}, R3,
                lambda a, b, reduction: F.binary_cross_entropy_with_logits(
                    a, b, reduction=reduction, pos_weight=_t(pw)), ["input"]))
    zi = z.copy()
    zi.flat[0] = np.inf
    if zi.size > 1:
        zi.flat[1] = -np.inf
    out.append(("bce_logits inf", "bce_logits", [zi, yl], [0], {}, ("none",),
                lambda a, b, reduction: F.binary_cross_entropy_with_logits(a, b, reduction=reduction), ["input"]))
    # hinge
    yh = np.where(rng.uniform(size=(n,)) < 0.5, -1.0, 1.0).astype(dt)
    for margin in (1.0, float(dt(0.3))):  # the margin as the dtype holds it: the kink is where y·x meets it
        xh = x.copy()
        xh[0] = margin * yh[0]  # exactly at the kink
        out.append(("hinge", "hinge", [xh, yh], [0], {"margin": margin}, R3,
                    lambda a, b, reduction, m=margin: _reduce(torch.clamp(m - b * a, min=0), reduction), ["input"]))
    # kl_div: input = log q, target p with zeros; log_target
    q = rng.uniform(0.01, 1, size=(B, C)).astype(dt)
    logq = np.log(q / q.sum(1, keepdims=True)).astype(dt)
    pt = rng.uniform(size=(B, C)).astype(dt)
    pt.flat[0] = 0.0
    for log_target, tgt in ((False, pt), (True, np.log(pt + 0.1).astype(dt))):
        out.append(("kl_div", "kl_div", [logq, tgt], [0], {"log_target": log_target}, R3 + ("batchmean",),
                    lambda a, b, reduction, lt=log_target: F.kl_div(a, b, reduction=reduction, log_target=lt),
                    ["input"]))
    out += cross_entropy_cases(rng, dt)
    out += ctc_cases(rng, dt)
    out += embedding_cases(rng, dt)
    return out


def _reduce(v, reduction):
    return v.mean() if reduction == "mean" else v.sum() if reduction == "sum" else v


def cross_entropy_cases(rng, dt):
    out = []
    B, C = int(rng.integers(1, 9)), int(rng.choice([1, 3, 10, 37]))
    z = (rng.normal(size=(B, C)) * 3).astype(dt)
    t = rng.integers(0, C, size=(B,))
    w = rng.uniform(0.2, 2, size=(C,)).astype(dt)
    P = rng.uniform(size=(B, C)).astype(dt)
    P = (P / P.sum(1, keepdims=True)).astype(dt)
    for idt in (np.int64, np.int32):
        for weight in (None, w):
            for ignore in (-100, int(t[0])):
                for ls in (0.0, 0.1):
                    params = {"ignore_index": ignore, "label_smoothing": ls}
                    if weight is not None:
                        params["weight"] = weight
                    out.append(("cross_entropy", "cross_entropy", [z, t.astype(idt)], [0], params, R3,
                                lambda a, b, reduction, w_=weight, i=ignore, ls_=ls: F.cross_entropy(
                                    a, b.long(), weight=None if w_ is None else _t(w_), ignore_index=i,
                                    label_smoothing=ls_, reduction=reduction), ["input"]))
    for weight in (None, w):
        for ls in (0.0, 0.2):
            params = {"label_smoothing": ls}
            if weight is not None:
                params["weight"] = weight
            out.append(("cross_entropy prob", "cross_entropy", [z, P], [0], params, R3,
                        lambda a, b, reduction, w_=weight, ls_=ls: F.cross_entropy(
                            a, b, weight=None if w_ is None else _t(w_), label_smoothing=ls_, reduction=reduction),
                        ["input"]))
    zx = z.copy()
    zx[0, 0] = 100.0
    if C > 1:
        zx[0, 1] = -100.0
    out.append(("cross_entropy ±100", "cross_entropy", [zx, t.astype(np.int64)], [0], {}, R3,
                lambda a, b, reduction: F.cross_entropy(a, b, reduction=reduction), ["input"]))
    return out


def ctc_cases(rng, dt):
    out = []
    T, B, C = int(rng.integers(4, 14)), int(rng.integers(1, 5)), int(rng.integers(3, 8))
    logits = rng.normal(size=(T, B, C)) * 2
    lp = (logits - np.log(np.exp(logits).sum(2, keepdims=True))).astype(dt)
    for blank in (0, C - 1):
        labels = [c for c in range(C) if c != blank]
        S = int(rng.integers(1, max(2, T // 2)))
        tl = rng.integers(0, S + 1, size=(B,))
        tl[0] = 0  # an empty target
        il = rng.integers(np.maximum(tl, 1), T + 1)
        tg = rng.choice(labels, size=(B, S))
        if B > 1:  # an impossible alignment: repeated labels need a blank between them
            tl[1] = min(S, T)
            tg[1, :] = labels[0]
            il[1] = max(tl[1], 1)
        concat = np.concatenate([tg[b, :tl[b]] for b in range(B)]).astype(np.int64)
        for layout, targets in (("padded", tg.astype(np.int64)), ("concat", concat)):
            for zi in (False, True):
                out.append((f"ctc {layout}", "ctc", [lp, targets, il.astype(np.int64), tl.astype(np.int64)], [0],
                            {"blank": blank, "zero_infinity": zi}, R3,
                            lambda a, b, c, d, reduction, bl=blank, z=zi: F.ctc_loss(
                                a, b, c, d, blank=bl, reduction=reduction, zero_infinity=z), ["log_probs"]))
    return out


def embedding_cases(rng, dt):
    out = []
    B, D = int(rng.integers(1, 7)), int(rng.integers(1, 20))
    a = rng.normal(size=(B, D)).astype(dt)
    p = (a + 0.3 * rng.normal(size=(B, D))).astype(dt)
    n = (a + 1.0 * rng.normal(size=(B, D))).astype(dt)
    p[0] = a[0]  # identical embeddings
    for margin, pn, eps, swap in ((1.0, 2.0, 1e-6, False), (0.5, 1.0, 1e-6, True), (2.0, 3.0, 1e-3, False),
                                  (1.0, 1.5, 0.0, True)):
        out.append(("triplet", "triplet", [a, p, n], [0, 1, 2],
                    {"margin": margin, "p": pn, "eps": eps, "swap": swap}, R3,
                    lambda x, y, z, reduction, m=margin, q=pn, e=eps, s=swap: F.triplet_margin_loss(
                        x, y, z, margin=m, p=q, eps=e, swap=s, reduction=reduction),
                    ["anchor", "positive", "negative"]))
    yc = rng.integers(0, 2, size=(B,)).astype(dt)
    for margin in (1.0, 3.0):
        out.append(("contrastive", "contrastive", [a, p, yc], [0, 1], {"margin": margin}, R3,
                    lambda x1, x2, y, reduction, m=margin: _reduce(
                        0.5 * (y * (x1 - x2).norm(dim=1) ** 2 +
                               (1 - y) * torch.clamp(m - (x1 - x2).norm(dim=1), min=0) ** 2), reduction),
                    ["x1", "x2"]))
    return out
