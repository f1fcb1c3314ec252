"""test_zero_copy_and_properties.py — zero-copy `out=`, the released GIL, and property tests of the
variants through the Python module.

Tolerances. Every loss documents its error bound (lossbench.losses()[i]["accuracy"], in units of the
dtype's unit roundoff u = 2⁻²⁴ / 2⁻⁵³): each per-sample loss is within value_ulps·u·m_i of the exact
result and each gradient element within grad_ulps·u·g_i, where m_i / g_i are the magnitudes the loss
documents (|ℓ_i| and |g_i| themselves unless its header says otherwise; include/lossbench/loss_spec.hpp).
The reduced value adds its scale s (1/N for mean) and its final rounding; every rounding that
underflows errs by up to ½·tiny absolutely (src/check/expected.cpp builds the golden tolerances the
same way). Two variants are each within that bound of the exact result, hence the factor 2 in
    |a − b| ≤ 2·ulps·(u·(|b| + scale) + tiny·terms)
with `scale` = Σ m_i·|s| for a value, m_i for a per-sample loss, g_i for a gradient element. The
magnitudes are computed here in float64 from the inputs, by the formulas of each loss's header
(cited at each function below). As src/check/expected.cpp, a non-finite magnitude is left out of
the sum, and non-finite results must be the same non-finite value in both variants.

Run: PYTHONPATH=build-dev/python /usr/bin/python3 -m pytest tests/python/test_zero_copy_and_properties.py -q
"""
import math
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import lossbench as lb

torch = pytest.importorskip("torch")
pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, assume, given, settings, strategies as st  # noqa: E402

LOSSES = {d["name"]: d for d in lb.losses()}
VARIANTS = {}
for _e in lb.registry():
    VARIANTS.setdefault((_e["loss"], _e["dtype"]), []).append(_e["variant"])
DTS = [np.float32, np.float64]
U = {np.float32: 2.0**-24, np.float64: 2.0**-53}          # unit roundoff of the dtype
TINY = {np.float32: 2.0**-149, np.float64: 2.0**-1074}    # smallest denormal (½ of it per underflow, rounded up)
ELEMENTWISE = ["mse", "mae", "huber", "bce", "bce_logits", "hinge", "kl_div"]
ROWWISE = ["cross_entropy", "triplet", "contrastive", "ctc"]

# Example counts sized for the whole file to run in ~15 s on 2 cores (no database: nothing written to the tree).
PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                    database=None, print_blob=True)
AGREEMENT = settings(PROPERTY, max_examples=60)


def dtname(dt):
    return "f32" if dt == np.float32 else "f64"


def variants(loss, dt):
    return sorted(VARIANTS[(loss, dtname(dt))])


def bound(loss):
    a = LOSSES[loss]["accuracy"]
    return a["value_ulps"], a["grad_ulps"]


# ---------------------------------------------------------------------------------------------
# Cases: a loss, its inputs (catalogue order), its parameters

class Case:
    def __init__(self, loss, dt, inputs, params=None):
        self.loss, self.dt, self.inputs, self.params = loss, dt, inputs, dict(params or {})

    def call(self, variant="scalar", reduction="mean", grad=False, threads=0, out=None):
        r = lb.evaluate(self.loss, *self.inputs, reduction=reduction, variant=variant, threads=threads, grad=grad,
                        out=out, **self.params)
        if not grad:
            return r, []
        return r[0], [g for g in r[1:] if g is not None]

    def __repr__(self):
        shapes = [a.shape for a in self.inputs]
        return f"Case({self.loss}, {dtname(self.dt)}, shapes={shapes}, params={self.params})"


def sprinkle(draw, arr, specials, max_count=4):
    """Put up to max_count values drawn from `specials` at drawn positions of `arr` (in place)."""
    if arr.size == 0 or not specials:
        return
    k = draw(st.integers(0, max_count), label="specials")
    for _ in range(k):
        pos = draw(st.integers(0, arr.size - 1), label="pos")
        arr.flat[pos] = draw(st.sampled_from(specials), label="special")


@st.composite
def elementwise_shapes(draw):
    kind = draw(st.sampled_from(["0d", "1d", "1d", "2d", "2d", "long"]), label="shape kind")
    if kind == "0d":
        return ()
    if kind == "1d":
        return (draw(st.integers(0, 40)),)
    if kind == "2d":
        return (draw(st.integers(0, 6)), draw(st.integers(0, 40)))
    return (draw(st.integers(4000, 9000)),)  # past one block (4096 elements) of the blocked reductions


BIG = [1e30, -1e30]
SMALL = [0.0, -0.0, 1e-30, -1e-30]


@st.composite
def elementwise_case(draw, loss, dt=None, shape=None):
    dt = dt or draw(st.sampled_from(DTS))
    shape = draw(elementwise_shapes()) if shape is None else shape
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="seed"))
    params = {}
    if loss in ("mse", "mae", "huber"):
        y = rng.normal(size=shape)
        x = y + rng.normal(size=shape) * draw(st.sampled_from([0.5, 3.0]))
        x, y = np.asarray(x, dt), np.asarray(y, dt)
        sprinkle(draw, x, BIG + SMALL)
        sprinkle(draw, y, BIG + SMALL)
        if loss == "huber":
            params["delta"] = draw(st.sampled_from([1.0, 0.5, 2.0, 1e-3]))
    elif loss == "hinge":
        x = np.asarray(rng.normal(size=shape) * 2, dt)
        y = np.asarray(np.where(rng.random(shape) < 0.5, -1.0, 1.0), dt)
        sprinkle(draw, x, BIG + SMALL)
        params["margin"] = draw(st.sampled_from([1.0, 0.5, 0.0]))
    elif loss == "bce":
        x = np.asarray(rng.uniform(size=shape), dt)
        y = np.asarray(rng.integers(0, 2, size=shape) if draw(st.booleans()) else rng.uniform(size=shape), dt)
        sprinkle(draw, x, [0.0, 1.0, 1e-30, 0.5, 1 - 1e-7])
        sprinkle(draw, y, [0.0, 1.0, 1e-30])
    elif loss == "bce_logits":
        x = np.asarray(rng.normal(size=shape) * 8, dt)
        y = np.asarray(rng.integers(0, 2, size=shape) if draw(st.booleans()) else rng.uniform(size=shape), dt)
        sprinkle(draw, x, [100.0, -100.0, np.inf, -np.inf] + BIG + SMALL)
        sprinkle(draw, y, [0.0, 1.0])
        pw = draw(st.sampled_from(["none", "number", "array"]))
        if pw == "number":
            params["pos_weight"] = 2.5
        elif pw == "array" and len(shape) >= 1:
            params["pos_weight"] = np.asarray(rng.uniform(0.5, 3.0, size=shape[-1]), dt)
    elif loss == "kl_div":
        log_target = draw(st.booleans())
        params["log_target"] = log_target
        x = np.asarray(-rng.exponential(size=shape), dt)
        if log_target:
            y = np.asarray(-rng.exponential(size=shape), dt)
            sprinkle(draw, y, [0.0, -1e30, 1e-30, 100.0])
        else:
            y = np.asarray(rng.uniform(size=shape) * (rng.random(shape) > 0.125), dt)
            sprinkle(draw, y, [0.0, 1e-30, 1e30, 1.0])
        sprinkle(draw, x, BIG + SMALL)
    else:
        raise AssertionError(loss)
    return Case(loss, dt, [x, y], params)


@st.composite
def cross_entropy_case(draw, dt=None):
    dt = dt or draw(st.sampled_from(DTS))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="seed"))
    one_row = draw(st.integers(0, 7)) == 0
    B = draw(st.integers(0, 12))
    C = draw(st.one_of(st.integers(1, 40), st.integers(60, 70), st.just(1000)))
    zshape = (C,) if one_row else (B, C)
    z = np.asarray(rng.normal(size=zshape) * draw(st.sampled_from([1.0, 10.0])), dt)
    sprinkle(draw, z, BIG + SMALL)
    params = {"label_smoothing": draw(st.sampled_from([0.0, 0.1, 1.0]))}
    if draw(st.integers(0, 3)) == 0:  # probability targets
        p = rng.dirichlet(np.ones(C), size=None if one_row else B) if (one_row or B) else np.zeros((0, C))
        t = np.asarray(p, dt).reshape(zshape)
    else:
        t = rng.integers(0, C, size=() if one_row else (B,)).astype(draw(st.sampled_from([np.int32, np.int64])))
        if t.size and draw(st.booleans()):  # some rows ignored (torch's default ignore_index)
            t.flat[draw(st.integers(0, t.size - 1))] = -100
    return Case("cross_entropy", dt, [z, t], params)


@st.composite
def embedding_case(draw, loss, dt=None):
    dt = dt or draw(st.sampled_from(DTS))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="seed"))
    B = draw(st.integers(0, 10))
    D = draw(st.one_of(st.integers(0, 20), st.integers(120, 140)))  # D = 0: empty rows, every distance 0
    if loss == "triplet":
        a, p, n = (np.asarray(rng.normal(size=(B, D)), dt) for _ in range(3))
        if B and draw(st.booleans()):
            p[0] = a[0]  # an exact zero distance (d = ‖eps‖)
        for arr in (a, p, n):
            sprinkle(draw, arr, BIG + SMALL, max_count=2)
        return Case("triplet", dt, [a, p, n], {"margin": draw(st.sampled_from([1.0, 0.5, 3.0]))})
    x1 = np.asarray(rng.normal(size=(B, D)) * 0.3, dt)
    x2 = np.asarray(rng.normal(size=(B, D)) * 0.3, dt)
    if B and draw(st.booleans()):
        x2[0] = x1[0]  # d = 0: the dissimilar branch's gradient is 0 there
    for arr in (x1, x2):
        sprinkle(draw, arr, BIG + SMALL, max_count=2)
    y = rng.integers(0, 2, size=B)
    y = y.astype(draw(st.sampled_from([np.int64, np.int32, dt])))
    return Case("contrastive", dt, [x1, x2, y], {"margin": draw(st.sampled_from([1.0, 2.0]))})


@st.composite
def ctc_case(draw, dt=None):
    dt = dt or draw(st.sampled_from(DTS))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="seed"))
    T, B, C, S = draw(st.integers(0, 10)), draw(st.integers(0, 4)), draw(st.integers(2, 6)), draw(st.integers(0, 5))
    logits = rng.normal(size=(T, B, C)) * draw(st.sampled_from([1.0, 5.0]))
    lp = logits - np.log(np.exp(logits).sum(axis=2, keepdims=True)) if T and B else logits
    targets = rng.integers(1, C, size=(B, S))
    il = rng.integers(0, T + 1, size=B)
    tl = np.array([rng.integers(0, min(S, i) + 1) for i in il], dtype=np.int64)
    params = {"zero_infinity": draw(st.booleans())}
    return Case("ctc", dt, [np.asarray(lp, dt), targets.astype(np.int64), il.astype(np.int64), tl], params)


def any_case(loss, dt=None):
    if loss in ELEMENTWISE:
        return elementwise_case(loss, dt)
    if loss == "cross_entropy":
        return cross_entropy_case(dt)
    if loss in ("triplet", "contrastive"):
        return embedding_case(loss, dt)
    if loss == "ctc":
        return ctc_case(dt)
    raise AssertionError(loss)


# ---------------------------------------------------------------------------------------------
# Documented error magnitudes, in float64 from the inputs

def _f(a):
    return np.asarray(a, np.float64)


def finite_or_zero(m):
    """As src/check/expected.cpp: a non-finite magnitude is left out (its result is compared exactly)."""
    m = np.asarray(m, np.float64)
    return np.where(np.isfinite(m), m, 0.0)


class Mags:
    """loss: per-sample magnitudes m_i; scale: per-sample reduction factors s_i; grads: per-element
    magnitudes g (already × |s|), 0 where |g| itself is the magnitude; grad_mask: elements whose
    gradients are compared (False where the documented bound allows a jump)."""

    def __init__(self, loss, scale, grads, grad_mask=None):
        self.loss = finite_or_zero(loss).ravel()
        self.scale = np.broadcast_to(np.abs(np.asarray(scale, np.float64)), self.loss.shape)
        self.grads = [finite_or_zero(g) for g in grads]
        self.grad_mask = grad_mask


def elementwise_mags(c, reduction):
    x, y = _f(c.inputs[0]), _f(c.inputs[1])
    n = x.size
    s = {"mean": 1.0 / max(n, 1), "batchmean": 1.0 / max(x.shape[0] if x.ndim else 1, 1)}.get(reduction, 1.0)
    zero = np.zeros_like(x)
    with np.errstate(all="ignore"):
        if c.loss == "mse":      # mse.hpp: relative to the loss and the gradient themselves
            return Mags((x - y) ** 2, s, [zero])
        if c.loss == "mae":      # mae.hpp: |x − y|; sign(d) exact
            return Mags(np.abs(x - y), s, [zero])
        if c.loss == "huber":    # huber.hpp: relative to ℓ itself
            d, delta = np.abs(x - y), c.params["delta"]
            return Mags(np.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta)), s, [zero])
        if c.loss == "bce":      # bce.hpp error_scale: y|L₁| + (1−y)(|L₂| + 1), logs clamped at −100
            l1, l2 = np.maximum(np.log(x), -100), np.maximum(np.log1p(-x), -100)
            return Mags(y * np.abs(l1) + (1 - y) * (np.abs(l2) + 1), s, [zero])
        if c.loss == "bce_logits":  # bce_logits.hpp error_scale
            pw = c.params.get("pos_weight", 1.0)
            pw = _f(pw) if isinstance(pw, np.ndarray) else pw
            e = np.exp(-np.abs(x))
            sig_abs = 1 / (1 + e)
            sig_z, sig_mz = np.where(x >= 0, sig_abs, e * sig_abs), np.where(x >= 0, e * sig_abs, sig_abs)
            loss = np.abs(1 - y) * np.abs(x) + (1 + (np.abs(pw) + 1) * np.abs(y)) * (np.log1p(e) + np.maximum(-x, 0))
            grad = np.abs(1 - y) * sig_z + np.abs(pw * y) * sig_mz
            return Mags(loss, s, [grad * s])
        if c.loss == "hinge":    # hinge.hpp error_scale: |margin| + |x|; gradient −y exact
            return Mags(abs(c.params["margin"]) + np.abs(x) + zero, s, [zero])
        if c.loss == "kl_div":   # kl_div.hpp error_scale
            if c.params["log_target"]:
                e = np.exp(y)
                return Mags(e * np.abs(y - x), s, [e * s])
            xlogy = np.where(y == 0, 0.0, y * np.log(y))
            return Mags(np.abs(xlogy) + np.abs(y * x), s, [np.abs(y) * s])
    raise AssertionError(c.loss)


def cross_entropy_mags(c, reduction):
    """cross_entropy.hpp / reference.cpp: per row Σ_c |v_c|·(m − z_c + log C + 1) with v the target
    mass (one-hot or probabilities, smoothed, unit weights); per element |s|·(|v_j| + V·(1 + p_j(log C + 1)))."""
    z, t = _f(c.inputs[0]), c.inputs[1]
    C = z.shape[-1]
    z2 = z.reshape(-1, C)
    eps = c.params.get("label_smoothing", 0.0)
    soft = np.issubdtype(t.dtype, np.floating)
    if soft:
        P = _f(t).reshape(-1, C)
        v, v_abs, keep = (1 - eps) * P + eps / C, np.abs((1 - eps) * P) + eps / C, np.ones(len(z2), bool)
    else:
        ti = np.asarray(t, np.int64).reshape(-1)
        keep = ti != -100
        onehot = np.zeros_like(z2)
        onehot[np.nonzero(keep)[0], ti[keep]] = 1.0
        v = (1 - eps) * onehot + eps / C
        v[~keep] = 0.0
        v_abs = np.abs(v)
    count = int(keep.sum())
    s = 1.0 / max(count, 1) if reduction == "mean" else 1.0
    with np.errstate(all="ignore"):
        m = z2.max(axis=1, keepdims=True) if len(z2) else np.zeros((0, 1))
        L = math.log(C)
        loss = (v_abs * ((m - z2) + L + 1)).sum(axis=1)
        e = np.exp(z2 - m)
        p = e / e.sum(axis=1, keepdims=True)
        grad = (v_abs + v_abs.sum(axis=1, keepdims=True) * (1 + p * (L + 1))) * s
    grad[~keep] = 0.0
    return Mags(loss, s, [grad.reshape(z.shape)])


def _distance_error(x, y, eps, D):
    """embedding/distance_error.hpp, p = 2: E_d = Σ_j |v_j|/d·(|x_j − y_j| + |v_j|) + d·(D/2 + 1), v = x − y + eps."""
    v = (x - y) + eps
    d = np.sqrt((v * v).sum(axis=1))
    dsafe = np.where(d > 0, d, 1.0)
    g = np.where(d[:, None] > 0, np.abs(v) / dsafe[:, None], 0.0)
    dv = np.abs(x - y) + np.abs(v)
    E = (g * dv).sum(axis=1) + d * (D / 2 + 1)
    # derivative_error (p = 2): g·(dv/|v| + E/d + 1) = dv/d + g·(E/d + 1), 0 where g = 0
    e = np.where(g > 0, dv / dsafe[:, None] + g * (E / dsafe + 1)[:, None], 0.0)
    return d, E, g, e


def triplet_mags(c, reduction):
    """triplet_reference.cpp (p = 2, no swap): m_b = E_ap + E_an + 2(|margin| + d_ap + d_an); the
    gradient magnitudes of gradient_magnitudes(); rows within rounding of the clamp (a "kink": the
    reference allows either branch there) are left out of the gradient comparison."""
    a, p, n = (_f(x) for x in c.inputs)
    B, D = a.shape
    margin, eps = c.params["margin"], 1e-6
    vu, _ = bound("triplet")
    u = U[c.dt]
    s = 1.0 / max(B, 1) if reduction == "mean" else 1.0
    with np.errstate(all="ignore"):
        d_ap, E_ap, g_ap, e_ap = _distance_error(a, p, eps, D)
        d_an, E_an, g_an, e_an = _distance_error(a, n, eps, D)
        m = E_ap + E_an + 2 * (abs(margin) + d_ap + d_an)
        raw = d_ap - d_an + margin
        # either variant may put the row on the other side of the clamp: its error and the scalar's
        kink = ~(np.abs(raw) > 2 * vu * u * m)
        active = (raw > 0)[:, None]
        ga = np.where(active, e_ap + e_an + 3 * (g_ap + g_an), 0.0) * s
        gp = np.where(active, e_ap + 3 * g_ap, 0.0) * s
        gn = np.where(active, e_an + 3 * g_an, 0.0) * s
    mask = np.broadcast_to(~kink[:, None], a.shape)
    return Mags(m, s, [ga, gp, gn], grad_mask=[mask, mask, mask])


def contrastive_mags(c, reduction):
    """contrastive_reference.cpp: similar ½S(D + 2), dissimilar (h + E_h·u)·E_h + ½h²; gradients
    3|v_j| (similar) or |v_j|/d·(E_h + h·(E_d/d + 5)) (dissimilar, 0 at d = 0)."""
    x1, x2, y = _f(c.inputs[0]), _f(c.inputs[1]), _f(c.inputs[2])
    B, D = x1.shape
    margin, u = c.params["margin"], U[c.dt]
    s = 1.0 / max(B, 1) if reduction == "mean" else 1.0
    with np.errstate(all="ignore"):
        v = np.abs(x1 - x2)
        S = (v * v).sum(axis=1)
        d = np.sqrt(S)
        e_d = d * ((D + 2) / 2 + 1)
        h = np.abs(margin - d)
        e_h = e_d + h
        hinge = np.maximum(margin - d, 0.0)
        similar = y == 1
        loss = np.where(similar, S * (D + 2) / 2, (hinge + e_h * u) * e_h + hinge * hinge / 2)
        dsafe = np.where(d > 0, d, 1.0)
        dis = np.where(d[:, None] > 0, v / dsafe[:, None] * (e_h + hinge * (e_d / dsafe + 5))[:, None], 0.0)
        g = np.where(similar[:, None], 3 * v, dis) * s
    return Mags(loss, s, [g, g])


def ctc_mags(c, reduction, losses):
    """ctc.hpp: loss_magnitude_b = M_b + |ℓ_b|, M_b = Σ_{t<L_b} (2 + log(2S + 1) + max_c|lp|) (the
    padded S ≥ each target length: an upper bound); gradient scale_b·(p + γ)·(4M_b + 1) ≤
    scale_b·2·(4M_b + 1), since p = e^lp ≤ 1 (normalised log_probs) and the occupation γ ≤ 1."""
    lp, targets, il, tl = c.inputs
    T, B, C = lp.shape
    S = targets.shape[1]
    lpf = _f(lp)
    step = 2 + math.log(2 * S + 1) + (np.abs(lpf).max(axis=2) if T and B else np.zeros((T, B)))
    M = np.array([step[: il[b], b].sum() for b in range(B)])
    if reduction == "mean":
        s = 1.0 / (max(B, 1) * np.maximum(tl, 1))
    else:
        s = np.ones(B)
    loss = M + np.abs(_f(losses))
    grad = np.broadcast_to((2 * (4 * M + 1) * s)[None, :, None], lp.shape)
    return Mags(loss, s, [grad])


def magnitudes(c, reduction):
    if c.loss in ELEMENTWISE:
        return elementwise_mags(c, reduction)
    if c.loss == "cross_entropy":
        return cross_entropy_mags(c, reduction)
    if c.loss == "triplet":
        return triplet_mags(c, reduction)
    if c.loss == "contrastive":
        return contrastive_mags(c, reduction)
    if c.loss == "ctc":
        return ctc_mags(c, reduction, c.call("scalar", "none")[0])
    raise AssertionError(c.loss)


# ---------------------------------------------------------------------------------------------
# Comparisons

def assert_within(a, b, tol, what, mask=None):
    """|a − b| ≤ tol elementwise where b is finite; elsewhere a must be the same non-finite value."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    assert a.shape == b.shape, (what, a.shape, b.shape)
    tol = np.broadcast_to(np.asarray(tol, np.float64), b.shape)
    with np.errstate(invalid="ignore"):
        close = np.isfinite(a) & (np.abs(a - b) <= tol)
        same_nonfinite = np.where(np.isnan(b), np.isnan(a), a == b)
    ok = np.where(np.isfinite(b), close, same_nonfinite)
    if mask is not None:
        ok = ok | ~np.asarray(mask)
    if not ok.all():
        i = np.flatnonzero(~ok.ravel())[:5]
        raise AssertionError(f"{what}: {len(np.flatnonzero(~ok.ravel()))} outside the bound; first at {i}: "
                             f"got {a.ravel()[i]}, expected {b.ravel()[i]} ± {tol.ravel()[i]}")


def value_tol(c, value, mags):
    vu, _ = bound(c.loss)
    u, tiny = U[c.dt], TINY[c.dt]
    # both variants within value_ulps·(u·Σ m_i·|s_i| + ½tiny per scaled term) + the final rounding (≤ u·|value|)
    return 2 * vu * (u * (abs(float(value)) + float((mags.loss * mags.scale).sum())) + tiny * (mags.scale.sum() + 1))


def losses_tol(c, losses, mags):
    vu, _ = bound(c.loss)
    # each per-sample loss within value_ulps·u·m_i of the exact one (+ one underflowing rounding), in both variants
    return 2 * vu * (U[c.dt] * (np.abs(_f(losses)).ravel() + mags.loss) + TINY[c.dt])


def grad_tol(c, g, gmag):
    _, gu = bound(c.loss)
    # each element within grad_ulps·u·g_i of the exact one (+ one underflowing rounding), in both variants
    return 2 * gu * (U[c.dt] * (np.abs(_f(g)) + gmag) + TINY[c.dt])


def bits(x):
    x = np.asarray(x)
    return x.dtype, x.shape, x.tobytes()


# ---------------------------------------------------------------------------------------------
# Zero-copy: out= arrays are written in place and returned as themselves

def zero_copy_cases(dt=np.float32):
    rng = np.random.default_rng(7)
    z = rng.normal(size=(33, 70)).astype(dt)
    yield Case("cross_entropy", dt, [z, rng.integers(0, 70, 33)], {"label_smoothing": 0.1})
    x = rng.normal(size=(5, 301)).astype(dt)
    yield Case("mse", dt, [x, rng.normal(size=(5, 301)).astype(dt)])
    yield Case("bce_logits", dt, [x * 4, (rng.random((5, 301)) < 0.5).astype(dt)], {"pos_weight": 2.0})
    yield Case("triplet", dt, [rng.normal(size=(17, 40)).astype(dt) for _ in range(3)])
    yield Case("contrastive", dt, [rng.normal(size=(17, 40)).astype(dt) * 0.2,
                                   rng.normal(size=(17, 40)).astype(dt) * 0.2,
                                   rng.integers(0, 2, 17)])
    logits = rng.normal(size=(12, 3, 5))
    lp = (logits - np.log(np.exp(logits).sum(axis=2, keepdims=True))).astype(dt)
    yield Case("ctc", dt, [lp, rng.integers(1, 5, size=(3, 4)), np.array([12, 10, 9]), np.array([4, 3, 2])])


def _outs(c, make):
    shapes = [a.shape for a, d in zip(c.inputs, LOSSES[c.loss]["inputs"]) if d["differentiable"]]
    arrays = [make(s) for s in shapes]
    return arrays, (arrays[0] if len(arrays) == 1 else tuple(arrays))


@pytest.mark.parametrize("c", list(zero_copy_cases(np.float32)) + list(zero_copy_cases(np.float64)), ids=repr)
@pytest.mark.parametrize("lib", ["numpy", "torch"])
@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_out_is_written_in_place_and_returned(c, lib, reduction):
    before = [np.array(a, copy=True) for a in c.inputs]
    fresh_value, fresh_grads = c.call("simd", reduction, grad=True)
    if lib == "numpy":
        arrays, out = _outs(c, lambda s: np.full(s, np.nan, c.dt))
        inputs = c.inputs
    else:
        tdt = torch.float32 if c.dt == np.float32 else torch.float64
        arrays, out = _outs(c, lambda s: torch.full(s, float("nan"), dtype=tdt))
        inputs = [torch.from_numpy(a) for a in c.inputs]
    r = lb.evaluate(c.loss, *inputs, reduction=reduction, variant="simd", grad=True, out=out, **c.params)
    assert len(r) == 1 + len(arrays)
    for k, arr in enumerate(arrays):
        assert r[1 + k] is arr  # the caller's object itself, not a copy or a new wrapper
        got = arr.numpy() if lib == "torch" else arr
        assert bits(got) == bits(fresh_grads[k]), f"gradient {k} differs from a freshly allocated one"
    assert bits(r[0]) == bits(fresh_value)
    for a, b in zip(c.inputs, before):  # the inputs are only read
        assert bits(a) == bits(b)


@pytest.mark.parametrize("c", [c for c in zero_copy_cases(np.float32)
                               if sum(d["differentiable"] for d in LOSSES[c.loss]["inputs"]) >= 2], ids=repr)
def test_partial_out_tuple_and_grad_selection(c):
    k = sum(d["differentiable"] for d in LOSSES[c.loss]["inputs"])
    _, fresh = c.call("simd", "sum", grad=True)
    shapes = [a.shape for a, d in zip(c.inputs, LOSSES[c.loss]["inputs"]) if d["differentiable"]]
    mine = np.zeros(shapes[1], c.dt)
    grad = tuple(i != 0 for i in range(k))  # skip the first gradient
    out = tuple(mine if i == 1 else None for i in range(k))
    r = lb.evaluate(c.loss, *c.inputs, reduction="sum", variant="simd", grad=grad, out=out, **c.params)
    assert r[1] is None and r[2] is mine
    assert bits(mine) == bits(fresh[1])
    for i in range(2, k):
        assert isinstance(r[1 + i], np.ndarray) and bits(r[1 + i]) == bits(fresh[i])


@pytest.mark.parametrize("c", list(zero_copy_cases(np.float32)), ids=repr)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_numpy_and_torch_views_are_bit_identical(c, reduction):
    views = [torch.from_numpy(a) for a in c.inputs]
    for a, t in zip(c.inputs, views):
        assert t.data_ptr() == a.ctypes.data  # the same memory, not a copy
    for variant in ("scalar", "simd", "omp"):
        vn, gn = c.call(variant, reduction, grad=True)
        r = lb.evaluate(c.loss, *views, reduction=reduction, variant=variant, grad=True, **c.params)
        assert bits(r[0]) == bits(vn)
        assert [bits(g) for g in r[1:]] == [bits(g) for g in gn]


def test_torch_views_with_storage_offset():
    # a tensor that starts inside its storage (DLPack byte_offset / data pointer): the view's data
    base = torch.arange(100, dtype=torch.float32) / 7
    x, y = base[10:40], base[50:80]
    assert x.storage_offset() == 10
    want = lb.mse_loss(x.numpy(), y.numpy(), reduction="none", variant="scalar")
    got = lb.mse_loss(x, y, reduction="none", variant="scalar")
    assert bits(got) == bits(want)
    np.testing.assert_array_equal(got, (x - y).numpy() ** 2)


def test_read_only_inputs_are_accepted():
    x = np.linspace(-1, 1, 50, dtype=np.float32)
    y = np.zeros(50, np.float32)
    x.setflags(write=False)
    y.setflags(write=False)
    v, g = lb.mse_loss(x, y, reduction="sum", grad=True, variant="scalar")
    w, h = lb.mse_loss(x.copy(), y.copy(), reduction="sum", grad=True, variant="scalar")
    assert bits(v) == bits(w) and bits(g) == bits(h)
    np.testing.assert_array_equal(g, 2 * x)  # 2·(x − 0): exact in float32


# ---------------------------------------------------------------------------------------------
# The GIL is released during the call: concurrent Python threads get the serial results

def test_concurrent_threads_get_serial_results():
    rng = np.random.default_rng(11)
    sets = [(rng.normal(size=(2048, 1000)).astype(np.float32) * s, rng.integers(0, 1000, 2048)) for s in (1.0, 4.0)]
    kw = dict(variant="simd", threads=1, grad=True, label_smoothing=0.05)
    serial = [lb.cross_entropy(z, t, **kw) for z, t in sets]
    calls = 12
    barrier = threading.Barrier(3)
    results, errors = [[] for _ in range(3)], []

    def work(k, z, t):
        try:
            barrier.wait()
            for _ in range(calls):
                results[k].append(lb.cross_entropy(z, t, **kw))
        except BaseException as e:  # surfaced below
            errors.append(e)

    # two threads on different data, a third on the same arrays as the first (shared read-only inputs)
    threads = [threading.Thread(target=work, args=(0, *sets[0])), threading.Thread(target=work, args=(1, *sets[1])),
               threading.Thread(target=work, args=(2, *sets[0]))]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    assert not errors, errors
    assert all(not th.is_alive() for th in threads)
    # Real overlap is not asserted (a non-timing proof is not required, and timings are never asserted):
    # what must hold is that every concurrent result is bit-identical to the serial one.
    for k, which in enumerate((0, 1, 0)):
        assert len(results[k]) == calls
        for v, g in results[k]:
            assert bits(v) == bits(serial[which][0])
            assert bits(g) == bits(serial[which][1])


def test_concurrent_out_arrays_are_independent():
    # each thread writes its own out= array while the others run: no cross-talk between calls
    rng = np.random.default_rng(5)
    x = rng.normal(size=300_000).astype(np.float32)
    ys = [rng.normal(size=300_000).astype(np.float32) for _ in range(2)]
    serial = [lb.mse_loss(x, y, grad=True, variant="simd", threads=1)[1] for y in ys]
    outs = [np.empty_like(x) for _ in ys]
    bad = []

    def work(k):
        for _ in range(20):
            r = lb.mse_loss(x, ys[k], grad=True, variant="simd", threads=1, out=outs[k])
            if r[1] is not outs[k] or bits(outs[k]) != bits(serial[k]):
                bad.append(k)

    ths = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for th in ths:
        th.start()
    for th in ths:
        th.join(timeout=120)
    assert not bad


# ---------------------------------------------------------------------------------------------
# Properties (hypothesis)

PROP_LOSSES = ELEMENTWISE + ROWWISE


@pytest.mark.parametrize("loss", PROP_LOSSES)
@AGREEMENT
@given(data=st.data())
def test_every_variant_agrees_with_scalar(loss, data):
    c = data.draw(any_case(loss), label="case")
    variant = data.draw(st.sampled_from(variants(loss, c.dt)), label="variant")
    reduction = data.draw(st.sampled_from(LOSSES[loss]["reductions"]), label="reduction")
    grad = data.draw(st.booleans(), label="grad")
    threads = data.draw(st.sampled_from([0, 1, 2]), label="threads")
    b_value, b_grads = c.call("scalar", reduction, grad)
    a_value, a_grads = c.call(variant, reduction, grad, threads=threads)
    mags = magnitudes(c, reduction)
    if reduction == "none":
        # per-sample: 2·value_ulps·u·(|ℓ_i| + m_i), each variant within value_ulps·u·m_i of the exact ℓ_i
        assert_within(a_value, b_value, losses_tol(c, b_value, mags).reshape(np.shape(b_value)), f"{variant} losses")
    else:
        # reduced: 2·value_ulps·u·(|value| + Σ m_i·|s_i|), each variant within the reduced bound
        assert_within(a_value, b_value, value_tol(c, b_value, mags), f"{variant} value")
    assert len(a_grads) == len(b_grads) == (len(mags.grads) if grad else 0)
    for k, (ga, gb) in enumerate(zip(a_grads, b_grads)):
        mask = mags.grad_mask[k] if mags.grad_mask else None
        # per element: 2·grad_ulps·u·(|g| + g_i), each variant within grad_ulps·u·g_i of the exact gradient
        assert_within(ga, gb, grad_tol(c, gb, mags.grads[k]), f"{variant} gradient {k}", mask)


@pytest.mark.parametrize("loss", PROP_LOSSES)
@PROPERTY
@given(data=st.data())
def test_sum_is_the_sum_of_per_sample_losses(loss, data):
    c = data.draw(any_case(loss), label="case")
    variant = data.draw(st.sampled_from(variants(loss, c.dt)), label="variant")
    total, _ = c.call(variant, "sum")
    per_sample, _ = c.call(variant, "none")
    ls = _f(per_sample).ravel()
    mags = magnitudes(c, "sum")
    assert ls.shape == mags.loss.shape
    with np.errstate(all="ignore"):
        if np.isfinite(ls).all():
            expected = math.fsum(ls)
            if not np.isfinite(np.asarray(expected).astype(c.dt)):  # the exact sum overflows the dtype
                expected = float(np.asarray(expected).astype(c.dt))
        else:
            expected = float(np.sum(ls))  # NaN, or the inf the non-finite terms force
    # the sum and each per-sample loss are within value_ulps·u·m_i of the exact terms: twice the value bound
    assert_within(total, expected, value_tol(c, expected if np.isfinite(expected) else 0.0, mags), f"{variant} sum")


def _mean_count(c):
    """What `mean` divides by, and the per-sample weights inside the mean (torch's conventions)."""
    if c.loss in ELEMENTWISE:
        return c.inputs[0].size, None
    if c.loss == "cross_entropy":
        t = c.inputs[1]
        if np.issubdtype(t.dtype, np.floating):
            return (1 if c.inputs[0].ndim == 1 else c.inputs[0].shape[0]), None
        return int((np.asarray(t).ravel() != -100).sum()), None  # rows not ignored (unit weights)
    if c.loss in ("triplet", "contrastive"):
        return c.inputs[0].shape[0], None
    if c.loss == "ctc":  # each loss divided by its target length (at least 1), then the batch mean
        return c.inputs[0].shape[1], 1.0 / np.maximum(c.inputs[3], 1)
    raise AssertionError(c.loss)


@pytest.mark.parametrize("loss", PROP_LOSSES)
@PROPERTY
@given(data=st.data())
def test_mean_is_sum_over_count(loss, data):
    c = data.draw(any_case(loss), label="case")
    variant = data.draw(st.sampled_from(variants(loss, c.dt)), label="variant")
    mean, _ = c.call(variant, "mean")
    count, weights = _mean_count(c)
    if weights is None:
        total, _ = c.call(variant, "sum")
        mags = magnitudes(c, "sum")
        mags.scale = mags.scale / max(count, 1)  # the sum's magnitudes at the mean's scale 1/count
    else:  # ctc: Σ ℓ_b/max(L_b, 1) from the per-sample losses; its magnitudes carry that scale already
        per_sample, _ = c.call(variant, "none")
        with np.errstate(all="ignore"):
            ls = _f(per_sample) * weights
        total = math.fsum(ls) if np.isfinite(ls).all() else float(np.sum(ls))
        mags = magnitudes(c, "mean")
    with np.errstate(all="ignore"):
        expected = float(total) / count if count else float("nan")
    # mean and sum/count each within the value bound of the exact mean: twice the bound at the mean's scale
    assert_within(mean, expected, value_tol(c, expected if np.isfinite(expected) else 0.0, mags), f"{variant} mean")


@PROPERTY
@given(data=st.data())
def test_kl_div_batchmean_is_sum_over_batch(data):
    c = data.draw(elementwise_case("kl_div"), label="case")
    variant = data.draw(st.sampled_from(variants("kl_div", c.dt)), label="variant")
    bm, _ = c.call(variant, "batchmean")
    total, _ = c.call(variant, "sum")
    count = c.inputs[0].shape[0] if c.inputs[0].ndim else 1
    with np.errstate(all="ignore"):
        expected = float(total) / count if count else float("nan")
    mags = magnitudes(c, "batchmean")
    # batchmean and sum/B each within the value bound of the exact value: twice the bound
    assert_within(bm, expected, value_tol(c, expected if np.isfinite(expected) else 0.0, mags), f"{variant} batchmean")


# omp against simd, bit for bit, above each loss's OpenMP break-even (parallel_min_elements in each
# loss's header; docs/performance.md "OpenMP") so that the omp driver really splits the work.
BREAK_EVEN = {"mse": 262144, "mae": 262144, "huber": 131072, "hinge": 131072, "bce": 16384, "bce_logits": 8192,
              "kl_div": 32768, "cross_entropy": 32768, "triplet": 131072, "contrastive": 131072, "ctc": 12000}


@st.composite
def large_case(draw, loss):
    dt = draw(st.sampled_from(DTS))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    items = draw(st.integers(BREAK_EVEN[loss], int(BREAK_EVEN[loss] * 1.5)))
    if loss in ELEMENTWISE:
        shape = draw(st.sampled_from([(items,), (items // 64, 64)]), label="shape")
        return draw(elementwise_case(loss, dt, shape=shape))
    if loss == "cross_entropy":
        C = draw(st.sampled_from([10, 100, 1000]))
        B = -(-items // C)
        z = np.asarray(rng.normal(size=(B, C)) * 3, dt)
        sprinkle(draw, z, BIG + SMALL)
        t = rng.integers(0, C, size=B)
        t[:: max(B // 7, 1)] = -100
        return Case(loss, dt, [z, t], {"label_smoothing": draw(st.sampled_from([0.0, 0.1]))})
    if loss in ("triplet", "contrastive"):
        D = draw(st.sampled_from([7, 64, 128]))
        B = -(-items // D)
        xs = [np.asarray(rng.normal(size=(B, D)), dt) for _ in range(3)]
        for x in xs:
            sprinkle(draw, x, BIG + SMALL, max_count=2)
        if loss == "triplet":
            return Case(loss, dt, xs, {"margin": 1.0})
        return Case(loss, dt, [xs[0] * 0.1, xs[1] * 0.1, rng.integers(0, 2, B)], {"margin": 1.0})
    if loss == "ctc":
        T, C = 40, 20
        B = -(-items // (T * C))
        logits = rng.normal(size=(T, B, C)) * 2
        lp = np.asarray(logits - np.log(np.exp(logits).sum(axis=2, keepdims=True)), dt)
        il = rng.integers(10, T + 1, size=B)
        tl = rng.integers(0, 9, size=B)
        return Case(loss, dt, [lp, rng.integers(1, C, size=(B, 8)), il, tl], {"zero_infinity": draw(st.booleans())})
    raise AssertionError(loss)


@pytest.mark.parametrize("loss", PROP_LOSSES)
@settings(max_examples=4, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_omp_is_bit_identical_to_simd(loss, data):
    c = data.draw(large_case(loss), label="case")
    reduction = data.draw(st.sampled_from(LOSSES[loss]["reductions"]), label="reduction")
    grad = data.draw(st.booleans(), label="grad")
    ref_value, ref_grads = c.call("simd", reduction, grad)
    want = (bits(ref_value), [bits(g) for g in ref_grads])
    for threads in (1, 2, 0):
        value, grads = c.call("omp", reduction, grad, threads=threads)
        assert (bits(value), [bits(g) for g in grads]) == want, f"omp threads={threads} differs from simd"


OMP_SCRIPT = r"""
import numpy as np, lossbench as lb
rng = np.random.default_rng(3)
bad, checked = [], [0]
def check(loss, inputs, **params):
    for red in [r for r in next(d for d in lb.losses() if d["name"] == loss)["reductions"]]:
        for grad in (False, True):
            ref = lb.evaluate(loss, *inputs, reduction=red, grad=grad, variant="simd", **params)
            ref = ref if grad else (ref,)
            for threads in (1, 2):
                got = lb.evaluate(loss, *inputs, reduction=red, grad=grad, variant="omp", threads=threads, **params)
                got = got if grad else (got,)
                checked[0] += 1
                if [np.asarray(a).tobytes() for a in got] != [np.asarray(a).tobytes() for a in ref]:
                    bad.append((loss, red, grad, threads, [a.shape for a in inputs]))
for dt in (np.float32, np.float64):
    for n in (0, 1, 2, 3, 7, 16, 17, 100, 4095, 4096, 4097, 9000):
        x, y = rng.normal(size=n).astype(dt), rng.normal(size=n).astype(dt)
        p, t = rng.uniform(size=n).astype(dt), (rng.random(n) < 0.5).astype(dt)
        check("mse", [x, y]); check("mae", [x, y]); check("huber", [x, y], delta=0.7)
        check("bce", [p, t]); check("bce_logits", [x * 5, t], pos_weight=1.5)
        check("hinge", [x, np.where(t > 0, 1, -1).astype(dt)]); check("kl_div", [-np.abs(x), p])
    for B in (0, 1, 2, 3, 9, 33):
        for C in (1, 5, 40, 300):
            check("cross_entropy", [rng.normal(size=(B, C)).astype(dt), rng.integers(0, C, B)], label_smoothing=0.1)
        for D in (1, 8, 129):
            a, b, c = (rng.normal(size=(B, D)).astype(dt) for _ in range(3))
            check("triplet", [a, b, c]); check("contrastive", [a, b, rng.integers(0, 2, B)])
        T, C = 12, 6
        lg = rng.normal(size=(T, B, C))
        lp = (lg - np.log(np.exp(lg).sum(axis=2, keepdims=True))).astype(dt)
        check("ctc", [lp, rng.integers(1, C, size=(B, 4)), rng.integers(4, T + 1, B), rng.integers(0, 5, B)])
print("checked", checked[0], "mismatches", len(bad), bad[:5])
"""


def test_omp_bit_identical_at_every_size_when_forced_parallel():
    # LOSSBENCH_PARALLEL_MIN=0 makes omp split even tiny calls over its threads (read once per
    # process, hence the child); results must not depend on the thread count or the split.
    env = {**os.environ, "LOSSBENCH_PARALLEL_MIN": "0", "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.run([sys.executable, "-c", OMP_SCRIPT], capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "mismatches 0 " in proc.stdout, proc.stdout[-3000:]
    assert int(proc.stdout.split()[1]) > 1000  # the comparisons ran


@pytest.mark.parametrize("loss", ELEMENTWISE + ["cross_entropy", "triplet", "contrastive"])
@PROPERTY
@given(data=st.data())
def test_nan_in_an_input_propagates_to_the_value(loss, data):
    c = data.draw(any_case(loss), label="case")
    # a NaN in a real input (any real input of these losses propagates: elementwise.hpp)
    reals = [i for i, d in enumerate(LOSSES[loss]["inputs"]) if d["kind"] == "real"]
    i = data.draw(st.sampled_from(reals), label="input")
    arr = c.inputs[i]
    # the samples a NaN can go into: every element, or (row-wise losses) every row that counts —
    # cross_entropy skips ignored rows, as torch does
    if loss in ELEMENTWISE:
        samples, width = list(range(arr.size)), 1
    else:
        width = arr.shape[-1]
        rows = 1 if arr.ndim == 1 else arr.shape[0]
        t = c.inputs[1]
        counts = (lambda r: np.issubdtype(t.dtype, np.floating) or np.asarray(t).ravel()[r] != -100) \
            if loss == "cross_entropy" else (lambda r: True)
        samples = [r for r in range(rows) if counts(r)] if width else []
    assume(samples)  # an empty call (or all rows ignored) has nothing to poison
    sample = data.draw(st.sampled_from(samples), label="sample")
    pos = sample * width + data.draw(st.integers(0, width - 1), label="element of the row")
    arr = arr.copy()
    arr.flat[pos] = np.nan
    c.inputs[i] = arr
    for variant in variants(loss, c.dt):
        for reduction in [r for r in LOSSES[loss]["reductions"] if r != "none"]:
            value, _ = c.call(variant, reduction, grad=data.draw(st.booleans(), label="grad"))
            assert np.isnan(value), f"{variant} {reduction}: {value}"
        losses, _ = c.call(variant, "none")
        ls = np.asarray(losses)
        assert np.isnan(ls.ravel()[sample]), f"{variant} none: sample {sample} = {ls.ravel()[sample]}"
