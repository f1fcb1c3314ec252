"""The Python module against torch.nn.functional: value, per-sample losses and every gradient, for
every loss, option and reduction of tests/python/torch_cases.py, in float32 and float64, through
the fixed variants and auto.

torch's side runs in float64 on the very same inputs (upcast exactly), so in the float32 tests it
stands in for the exact result: its own error (≲ 2⁻⁴⁰ of the scale here) is far below float32's."""
import numpy as np
import pytest
import torch

import lossbench
from torch_cases import cases

BOUNDS = {d["name"]: d["accuracy"] for d in lossbench.losses()}
VARIANTS = ("scalar", "simd", "omp", "auto")


def bound(loss, dtype, kind):
    """lossbench's documented error bound (value_ulps / grad_ulps units of u, relative to the
    reference's magnitudes) plus 1 u for the final rounding to the dtype."""
    u = 2.0 ** -24 if dtype == np.float32 else 2.0 ** -53
    return (BOUNDS[loss]["value_ulps" if kind == "value" else "grad_ulps"] + 1) * u


# torch's own float64 error, which the float64 comparisons add to lossbench's bound: 2⁻⁴⁰ of the
# array's largest magnitude (its unstable forms — bce_logits' σ(z) − y, the composed norms of
# contrastive — lose up to ~2¹³ u there on these inputs; in float32 tests it is negligible).
TORCH_F64 = 2.0 ** -40


def close(got, want, allowed):
    """|got − want| ≤ allowed (an array or a number), NaN matching NaN and inf matching inf."""
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    assert got.shape == want.shape
    ok = (np.abs(got - want) <= allowed) | (np.isnan(got) & np.isnan(want)) | (np.isinf(want) & (got == want))
    # 1e-30 absolute: torch's cancellations at confident logits return 0 or 1 ulp of 1 where the
    # exact (and lossbench's stable) result is ~1e-44; no other result here is below 1e-30.
    ok |= np.abs(got - want) <= 1e-30
    bad = np.argwhere(~ok)
    assert bad.size == 0, f"at {tuple(bad[0])}: lossbench {got[tuple(bad[0])]!r}, torch {want[tuple(bad[0])]!r}"


def finite_abs(a):
    a = np.abs(np.asarray(a, np.float64))
    return np.where(np.isfinite(a), a, 0.0)


def allowed(loss, dt, kind, want, magnitude):
    """The bound times the reference's magnitude of each element (|want| where it names none)."""
    mag = finite_abs(want) if magnitude is None else finite_abs(magnitude)
    tol = bound(loss, dt, kind) * mag
    if dt == np.float64:
        tol = tol + TORCH_F64 * (mag.max() if mag.size else 0.0)
    return tol


def torch_reference(arrays, diff_idx, fn, reduction):
    """torch in float64 on the same values: (value, per-sample losses or None, gradients)."""
    tensors = [torch.from_numpy(a.astype(np.float64) if a.dtype.kind == "f" else a.copy()) for a in arrays]
    for i in diff_idx:
        tensors[i].requires_grad_(True)
    out = fn(*tensors, reduction=reduction)
    (out.sum() if reduction == "none" else out).backward()
    losses = out.detach().numpy() if reduction == "none" else None
    return float(out.sum() if reduction == "none" else out), losses, [tensors[i].grad.numpy() for i in diff_idx]


def all_cases():
    out = []
    for seed in (1, 2):
        for dt in (np.float32, np.float64):
            rng = np.random.default_rng(seed)
            for label, loss, arrays, diff_idx, params, reductions, fn, _ in cases(rng, dt):
                for r in reductions:
                    out.append(pytest.param(loss, arrays, diff_idx, params, r, fn, dt,
                                            id=f"{label}-{r}-{np.dtype(dt).name}-seed{seed}-{len(out)}"))
    return out


@pytest.mark.parametrize("loss,arrays,diff_idx,params,reduction,fn,dt", all_cases())
@pytest.mark.parametrize("variant", VARIANTS)
def test_matches_torch(loss, arrays, diff_idx, params, reduction, fn, dt, variant):
    want_value, want_losses, want_grads = torch_reference(arrays, diff_idx, fn, reduction)
    ref = lossbench._core.reference(loss, tuple(arrays), params, reduction)
    result = lossbench.evaluate(loss, *arrays, reduction=reduction, variant=variant, grad=True, **params)
    got, grads = result[0], result[1:]
    if reduction == "none":
        assert got.dtype == dt
        close(got, want_losses.reshape(got.shape), allowed(loss, dt, "value", want_losses.reshape(got.shape),
                                                           ref["loss_magnitude"]))
    else:
        assert isinstance(got, np.generic) and got.dtype == dt
        # the bound of a reduced value: the per-sample bounds summed with the reduction's factor
        mag = finite_abs(ref["losses"] if ref["loss_magnitude"] is None else ref["loss_magnitude"])
        total = np.array(mag.sum() * ref["value_scale"])
        close(got, want_value,
              allowed(loss, dt, "value", want_value, total) + bound(loss, dt, "value") * abs(want_value))
    for k, i in enumerate(diff_idx):
        want = want_grads[k]
        assert grads[k].dtype == dt and grads[k].shape == arrays[i].shape
        if np.isnan(want).any():  # torch's NaN for an impossible ctc alignment: lossbench gives 0 by design
            want = np.where(np.isnan(want), 0.0, want)
        close(grads[k], want, allowed(loss, dt, "grad", want, ref["grad_magnitude"][k]))
