"""test_exact_hard_rows.py — the row-wise losses on the inputs where a plain floating-point
evaluation breaks, against exact values computed here in decimal arithmetic (60 digits, with
correctly rounded sqrt, exp and ln), independently of the library's long-double reference:

  * squares past the dtype's range (triplet, contrastive): every |v| ~ 1e19 (f32) / 1e154 (f64),
    so Σv² overflows although ‖v‖ does not (and |a − p| = 1e20 / 1e155 in all of D = 64 elements,
    which gave inf/NaN in every variant before the norms were rescaled);
  * squares below it: |v| ~ 1e-22 / 1e-160, so Σv² underflows to 0 and v/‖v‖ is lost;
  * one large row loss among small ones (triplet, contrastive, cross_entropy, ctc): 2^20 next to
    ~1e-10 in every other row, which a plain in-block sum absorbs.

Every variant this CPU runs, f32 and f64. The bound is the library's own, in units of the dtype's
unit roundoff u (lossbench.losses()[i]["accuracy"]) times the per-sample magnitudes the loss
documents (lossbench._core.reference's loss_magnitude / grad_magnitude):
    |value − exact| ≤ value_ulps·u·Σ_i magnitude_i·|scale| + ½u·|exact| + tiny
    |loss_i − exact_i| ≤ value_ulps·u·magnitude_i + tiny,  |g_j − exact_j| ≤ grad_ulps·u·gmag_j + tiny
(½u|exact|: the final rounding of the value to the dtype; tiny: the dtype's smallest denormal,
the absolute error of a rounding that underflows).

Run: PYTHONPATH=build-dev/python /usr/bin/python3 -m pytest tests/python/test_exact_hard_rows.py -q
"""
import decimal
from decimal import Decimal

import numpy as np
import pytest

import lossbench as lb
from lossbench import _core

decimal.getcontext().prec = 60
DTS = [np.float32, np.float64]
U = {np.float32: 2.0**-24, np.float64: 2.0**-53}
TINY = {np.float32: 2.0**-149, np.float64: 2.0**-1074}
ACCURACY = {d["name"]: d["accuracy"] for d in lb.losses()}


def variants(loss, dt):
    name = "f32" if dt == np.float32 else "f64"
    return sorted({e["variant"] for e in lb.registry() if e["loss"] == loss and e["dtype"] == name})


def D(x):
    return Decimal(float(x))


# ---------------------------------------------------------------------------------------------
# Exact losses and gradients (scale: 1 for sum and none, 1/B for mean)

def triplet_exact(a, p, n, margin, eps, scale):
    """Per-row losses and the gradients of a, p, n (p = 2, no swap)."""
    losses, ga, gp, gn = [], np.zeros(a.shape, object), np.zeros(a.shape, object), np.zeros(a.shape, object)
    for i in range(a.shape[0]):
        vap = [D(x) - D(y) + D(eps) for x, y in zip(a[i], p[i])]
        van = [D(x) - D(y) + D(eps) for x, y in zip(a[i], n[i])]
        dap = sum(v * v for v in vap).sqrt()
        dan = sum(v * v for v in van).sqrt()
        raw = D(margin) + dap - dan
        losses.append(max(raw, Decimal(0)))
        if raw >= 0:
            for j in range(a.shape[1]):
                g_ap = vap[j] / dap if dap else Decimal(0)
                g_an = van[j] / dan if dan else Decimal(0)
                ga[i, j], gp[i, j], gn[i, j] = (g_ap - g_an) * scale, -g_ap * scale, g_an * scale
        else:
            ga[i], gp[i], gn[i] = Decimal(0), Decimal(0), Decimal(0)
    return losses, [ga, gp, gn]


def contrastive_exact(x1, x2, y, margin, scale):
    losses, g1 = [], np.zeros(x1.shape, object)
    for i in range(x1.shape[0]):
        v = [D(a) - D(b) for a, b in zip(x1[i], x2[i])]
        S = sum(t * t for t in v)
        if y[i]:
            losses.append(S / 2)
            coef = Decimal(1)
        else:
            d = S.sqrt()
            h = max(D(margin) - d, Decimal(0))
            losses.append(h * h / 2)
            coef = -h / d if d and h else Decimal(0)
        for j in range(x1.shape[1]):
            g1[i, j] = coef * v[j] * scale
    return losses, [g1, -g1]


def cross_entropy_exact(z, t, scale):
    losses, g = [], np.zeros(z.shape, object)
    for i in range(z.shape[0]):
        zi = [D(x) for x in z[i]]
        m = max(zi)
        e = [(x - m).exp() for x in zi]
        s = sum(e)
        losses.append(m + s.ln() - zi[t[i]])
        for c in range(z.shape[1]):
            g[i, c] = (e[c] / s - (1 if c == t[i] else 0)) * scale
    return losses, [g]


def ctc_exact(log_probs, targets):
    """T = 1, one label per sequence: the only alignment is the label, ℓ_b = −log_probs[0, b, label]."""
    return [-D(log_probs[0, b, targets[b, 0]]) for b in range(log_probs.shape[1])], None


# ---------------------------------------------------------------------------------------------
# The families

def unit_rows(rng, rows, dim, radius_lo, radius_hi):
    v = rng.normal(size=(rows, dim))
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return v * rng.uniform(radius_lo, radius_hi, size=(rows, 1))


def case(name, dt):
    """(loss, inputs, params, exact(scale) → (losses, grads or None))."""
    rng = np.random.default_rng(abs(hash(name)) % 2**32)
    big = dt == np.float32
    if name == "triplet, squares past the range":
        s = 3e19 if big else 3e154
        a, p, n = (np.asarray(rng.normal(size=(4, 64)) * s, dt) for _ in range(3))
        return "triplet", (a, p, n), {}, lambda k: triplet_exact(a, p, n, 1.0, 1e-6, k)
    if name == "triplet, |a - p| = 1e20 (f32) / 1e155 (f64) in every element, D = 64":
        c = 1e20 if big else 1e155
        a, p, n = np.full((4, 64), c, dt), np.zeros((4, 64), dt), np.full((4, 64), c / 2, dt)
        return "triplet", (a, p, n), {}, lambda k: triplet_exact(a, p, n, 1.0, 1e-6, k)
    if name == "triplet, squares below the range":
        s = 1e-22 if big else 1e-160
        a, p, n = (np.asarray(rng.normal(size=(4, 64)) * s, dt) for _ in range(3))
        return "triplet", (a, p, n), {"eps": 0.0, "margin": 0.0}, lambda k: triplet_exact(a, p, n, 0.0, 0.0, k)
    if name.startswith("triplet, one large row loss"):
        rows, dim = (4096, 1) if "D=1" in name else (512, 8)
        a = np.zeros((rows, dim), dt)
        p = np.asarray(unit_rows(rng, rows, dim, 1e-10, 2e-10), dt)
        p[0] = np.asarray(unit_rows(rng, 1, dim, 2**20 + 1, 2**20 + 1), dt)
        n = np.zeros((rows, dim), dt)
        return "triplet", (a, p, n), {"eps": 0.0, "margin": 0.0}, lambda k: triplet_exact(a, p, n, 0.0, 0.0, k)
    if name == "contrastive, squares past the range, dissimilar":
        r = 2.0**65 if big else 2.0**513
        x1 = np.asarray(unit_rows(rng, 4, 64, 0.75 * r, r), dt)
        x2, y = np.zeros((4, 64), dt), np.zeros(4, np.int64)
        return "contrastive", (x1, x2, y), {"margin": r}, lambda k: contrastive_exact(x1, x2, y, r, k)
    if name == "contrastive, squares below the range, dissimilar":
        s = 1e-22 if big else 1e-160
        x1, x2 = (np.asarray(rng.normal(size=(4, 64)) * s, dt) for _ in range(2))
        y = np.zeros(4, np.int64)
        return "contrastive", (x1, x2, y), {}, lambda k: contrastive_exact(x1, x2, y, 1.0, k)
    if name.startswith("contrastive, one large row loss"):
        rows, dim = (4096, 1) if "D=1" in name else (512, 8)
        x1 = np.asarray(unit_rows(rng, rows, dim, 1.4e-5, 1.5e-5), dt)
        x1[0] = np.asarray(unit_rows(rng, 1, dim, 2**10, 2**10), dt)
        x2, y = np.zeros((rows, dim), dt), np.ones(rows, np.int64)
        return "contrastive", (x1, x2, y), {}, lambda k: contrastive_exact(x1, x2, y, 1.0, k)
    if name == "cross_entropy, one large row loss":
        z = np.tile(np.asarray([0.0, 23.0], dt), (4096, 1))
        z[0, 1] = -2.0**20
        t = np.ones(4096, np.int64)
        return "cross_entropy", (z, t), {}, lambda k: cross_entropy_exact(z, t, k)
    if name == "ctc, one large sequence loss":
        lp = np.tile(np.asarray([-1.0, -1e-10], dt), (1, 512, 1))
        lp[0, 0, 1] = -(2.0**20 + 1)
        targets = np.ones((512, 1), np.int64)
        lengths = np.ones(512, np.int64)
        return "ctc", (lp, targets, lengths, lengths), {}, lambda k: ctc_exact(lp, targets)
    raise KeyError(name)


NAMES = ["triplet, squares past the range", "triplet, |a - p| = 1e20 (f32) / 1e155 (f64) in every element, D = 64",
         "triplet, squares below the range",
         "triplet, one large row loss, D=1", "triplet, one large row loss, D=8",
         "contrastive, squares past the range, dissimilar", "contrastive, squares below the range, dissimilar",
         "contrastive, one large row loss, D=1", "contrastive, one large row loss, D=8",
         "cross_entropy, one large row loss", "ctc, one large sequence loss"]


def assert_within(got, exact, tol, what):
    """Every got[i] within tol[i] of exact[i] (a non-finite got is outside any bound)."""
    got, exact, tol = np.ravel(got), np.ravel(exact), np.ravel(tol)
    bad = [i for i in range(got.size) if not (np.isfinite(got[i]) and abs(D(got[i]) - exact[i]) <= D(tol[i]))]
    assert not bad, (f"{what}: {len(bad)} of {got.size} outside the bound, first [{bad[0]}]: got {got[bad[0]]!r}, "
                     f"exact {float(exact[bad[0]])!r}, bound {tol[bad[0]]!r}")


@pytest.mark.parametrize("dt", DTS, ids=["f32", "f64"])
@pytest.mark.parametrize("name", NAMES)
def test_every_variant_is_within_its_bound_of_the_exact_value(name, dt):
    loss, inputs, params, exact = case(name, dt)
    acc, u, tiny = ACCURACY[loss], U[dt], TINY[dt]
    # Reduction none: each row's loss and the gradients (scale 1).
    ref = _core.reference(loss, inputs, params, "none")
    losses, grads = exact(Decimal(1))
    loss_tol = acc["value_ulps"] * u * ref["loss_magnitude"] + tiny
    # Reduction sum: the value.
    value_exact = sum(losses)
    value_tol = acc["value_ulps"] * u * float(np.sum(ref["loss_magnitude"])) + 0.5 * u * float(abs(value_exact)) + tiny
    for variant in variants(loss, dt):
        out = lb.evaluate(loss, *inputs, reduction="none", variant=variant, grad=grads is not None, **params)
        got_losses, got_grads = (out[0], out[1:]) if grads is not None else (out, [])
        assert_within(np.asarray(got_losses, np.float64), np.asarray(losses, object), loss_tol, f"{variant} losses")
        for k, (g, e) in enumerate(zip(got_grads, grads or [])):
            gtol = acc["grad_ulps"] * u * ref["grad_magnitude"][k] + tiny
            assert_within(np.asarray(g, np.float64), e, gtol, f"{variant} gradient {k}")
        value = lb.evaluate(loss, *inputs, reduction="sum", variant=variant, **params)
        assert_within(np.asarray([float(value)]), np.asarray([value_exact], object), np.asarray([value_tol]),
                      f"{variant} value")
