"""test_sixteen_bit.py — 16-bit arrays through the Python module and the PyTorch adapter.

numpy float16 arrays are f16 inputs and torch bfloat16/float16 tensors bf16/f16 inputs, read where
they lie. docs/numerics.md ("16-bit storage"): the inputs are widened exactly and the loss computes
in float32, so the value is the f32 kernel's on the widened inputs (the f32 bound applies to it, and
it is returned as float32), and each per-sample loss and gradient element is that f32 result
rounded once to the storage type. So each result is compared with the f32 call on the widened
inputs: the value within the f32 bound of both (value_tol of test_zero_copy_and_properties), a
stored result within that f32 bound plus half a 16-bit ulp at the result. A loss without 16-bit
kernels raises TypeError naming the input, never computes silently in another dtype.

Run: PYTHONPATH=build-dev/python /usr/bin/python3 -m pytest tests/python/test_sixteen_bit.py -q
"""
import numpy as np
import pytest

import lossbench as lb

torch = pytest.importorskip("torch")
pytest.importorskip("hypothesis")
from hypothesis import given, settings, strategies as st  # noqa: E402

import lossbench.torch as lt  # noqa: E402
from test_zero_copy_and_properties import (  # noqa: E402
    LOSSES, PROPERTY, Case, assert_within, grad_tol, losses_tol, magnitudes, value_tol)

VARIANTS = {}
for _e in lb.registry():
    VARIANTS.setdefault((_e["loss"], _e["dtype"]), []).append(_e["variant"])
SIXTEEN = ["bf16", "f16"]
# half a 16-bit ulp, relative (docs/numerics.md: 2^-8 for bf16, 2^-11 for f16), and half the
# smallest subnormal, absolute (2^-134 for bf16, 2^-25 for f16)
HALF_ULP = {"bf16": 2.0**-8, "f16": 2.0**-11}
HALF_SUB = {"bf16": 2.0**-134, "f16": 2.0**-25}
TORCH_DT = {"bf16": torch.bfloat16, "f16": torch.float16}
NUMPY_OUT = {"bf16": torch.bfloat16, "f16": np.float16}  # the dtype a result of each comes back in


# each loss's parameters, given explicitly (the magnitudes of test_zero_copy_and_properties read them)
PARAMS = {"huber": {"delta": 1.0}, "hinge": {"margin": 1.0}, "kl_div": {"log_target": False},
          "triplet": {"margin": 1.0}, "contrastive": {"margin": 1.0}}


def with_16bit(dt):
    return sorted(loss for loss in LOSSES if (loss, dt) in VARIANTS)


def without_16bit():
    return sorted(loss for loss in LOSSES if (loss, "f16") not in VARIANTS and (loss, "bf16") not in VARIANTS)


def f32_inputs(loss, rng, rows, cols):
    """Real inputs in float32 whose 16-bit roundings stay in the loss's domain; indices as they are."""
    def n(*s):
        return rng.normal(size=s).astype(np.float32)
    if loss in ("mse", "mae", "huber", "bce_logits"):
        return [n(rows, cols), n(rows, cols) if loss != "bce_logits" else (rng.random((rows, cols)) < .5) * 1.0]
    if loss == "bce":
        return [rng.uniform(0.05, 0.95, (rows, cols)), rng.integers(0, 2, (rows, cols)) * 1.0]
    if loss == "hinge":
        return [n(rows, cols), np.where(rng.random((rows, cols)) < 0.5, -1.0, 1.0)]
    if loss == "kl_div":
        return [np.log(rng.uniform(0.1, 1.0, (rows, cols))), rng.uniform(0, 1, (rows, cols))]
    if loss == "cross_entropy":
        return [n(rows, cols) * 3, rng.integers(0, cols, rows)]
    if loss == "triplet":
        return [n(rows, cols) for _ in range(3)]
    if loss == "contrastive":
        return [n(rows, cols) * 0.2, n(rows, cols) * 0.2, rng.integers(0, 2, rows)]
    if loss == "ctc":  # log_softmax frames [T, B, C]; padded targets of 3 labels (never blank 0), 8 frames
        z = n(8, rows, cols) * 2
        return [z - np.log(np.exp(z).sum(axis=2, keepdims=True)), rng.integers(1, cols, (rows, 3)),
                np.full(rows, 8), np.full(rows, 3)]
    raise AssertionError(loss)


def narrow(inputs, loss, dt):
    """(16-bit inputs for the call, float32 widenings of them): f16 as numpy float16 arrays, bf16
    as torch tensors (numpy has none)."""
    calls, wide = [], []
    for a, d in zip(inputs, LOSSES[loss]["inputs"]):
        a = np.asarray(a)
        if d["kind"] == "index" or not np.issubdtype(a.dtype, np.floating):
            calls.append(a.astype(np.int64))
            wide.append(a.astype(np.int64))
        elif dt == "f16":
            h = a.astype(np.float16)
            calls.append(h)
            wide.append(h.astype(np.float32))
        else:
            t = torch.from_numpy(a.astype(np.float32)).to(torch.bfloat16)
            calls.append(t)
            wide.append(t.float().numpy())
    return calls, wide


def as_f64(a):
    return (a.double().numpy() if isinstance(a, torch.Tensor) else np.asarray(a)).astype(np.float64)


def stored_tol(dt, tol32, got, expected):
    # the f32 bound (tol32) plus half a 16-bit ulp at the result, or half the smallest subnormal
    return tol32 + HALF_ULP[dt] * np.maximum(np.abs(as_f64(got)), np.abs(expected)) + HALF_SUB[dt]


def assert_like_f32(dt, loss, calls, wide, variant, reduction, value16, grads16):
    """value16/grads16 (the 16-bit call's) against the f32 call on the widened inputs (variant "scalar"
    where the f32 registry lacks the 16-bit call's)."""
    c = Case(loss, np.float32, wide, PARAMS.get(loss))
    v32 = variant if variant in VARIANTS[(loss, "f32")] else "scalar"
    value32, grads32 = c.call(v32, reduction, grad=True)
    mags = magnitudes(c, reduction)
    if reduction == "none":
        got, want = as_f64(value16).ravel(), np.ravel(value32)  # losses_tol is flat
        assert_within(got, want, stored_tol(dt, losses_tol(c, value32, mags), got, want),
                      f"{loss} {dt} {variant} losses")
        assert (value16.dtype if isinstance(value16, torch.Tensor) else value16.dtype.type) in (
            NUMPY_OUT[dt], TORCH_DT[dt])
    else:
        assert_within(float(value16), float(value32), value_tol(c, value32, mags), f"{loss} {dt} {variant} value")
    for k, (g16, g32) in enumerate(zip(grads16, grads32)):
        assert_within(as_f64(g16), g32, stored_tol(dt, grad_tol(c, g32, mags.grads[k]), g16, g32),
                      f"{loss} {dt} {variant} gradient {k}", mags.grad_mask[k] if mags.grad_mask else None)


# ---------------------------------------------------------------------------------------------
# lossbench.evaluate on 16-bit arrays

CASES = [(dt, loss) for dt in SIXTEEN for loss in with_16bit(dt)]


@pytest.mark.parametrize("dt,loss", CASES, ids=[f"{d}-{n}" for d, n in CASES])
@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_results_are_the_f32_kernels_rounded_once(dt, loss, reduction):
    rng = np.random.default_rng(16)
    calls, wide = narrow(f32_inputs(loss, rng, 5, 37), loss, dt)
    for variant in sorted(VARIANTS[(loss, dt)]):
        r = lb.evaluate(loss, *calls, reduction=reduction, variant=variant, grad=True, **PARAMS.get(loss, {}))
        value, grads = r[0], [g for g in r[1:] if g is not None]
        if reduction != "none":
            assert type(value) is np.float32  # computed in float32 and returned unrounded
        for g, a in zip(grads, calls):
            if dt == "f16":
                assert isinstance(g, np.ndarray) and g.dtype == np.float16 and g.shape == a.shape
            else:
                assert isinstance(g, torch.Tensor) and g.dtype == torch.bfloat16 and g.shape == a.shape
        assert_like_f32(dt, loss, calls, wide, variant, reduction, value, grads)


@pytest.mark.skipif("mse" not in with_16bit("f16"), reason="no f16 mse in this build")
def test_float16_is_read_in_place_and_out_written_in_place():
    x = np.linspace(-3, 3, 1000, dtype=np.float16).reshape(10, 100)
    y = np.zeros_like(x)
    before = x.tobytes()
    out = np.full_like(x, np.nan)
    value, g = lb.mse_loss(x, y, grad=True, out=out)
    assert g is out and x.tobytes() == before
    assert not np.isnan(out).any()
    fresh = lb.mse_loss(x, y, grad=True)[1]
    assert out.tobytes() == fresh.tobytes()


@settings(PROPERTY, max_examples=25)
@given(st.sampled_from([(dt, loss) for dt, loss in CASES if loss in ("mse", "mae", "huber")]),
       st.lists(st.floats(-200, 200, width=16), min_size=1, max_size=70), st.integers(0, 2**32 - 1))
def test_elementwise_property(case, xs, seed):
    dt, loss = case
    x = np.asarray(xs, np.float32)
    y = np.random.default_rng(seed).normal(scale=4, size=x.shape).astype(np.float32)
    calls, wide = narrow([x, y], loss, dt)
    r = lb.evaluate(loss, *calls, reduction="sum", grad=True, **PARAMS.get(loss, {}))
    assert_like_f32(dt, loss, calls, wide, "auto", "sum", r[0], [g for g in r[1:] if g is not None])


# ---------------------------------------------------------------------------------------------
# Bad combinations raise errors naming the argument

def test_every_loss_has_16bit_kernels_in_every_variant():
    # Every loss takes bf16 and f16 storage, so no dtype a caller can pass is refused for want
    # of kernels: the errors tested here are those of mixed and wrong arrays.
    assert without_16bit() == []
    for dt in SIXTEEN:
        assert with_16bit(dt) == sorted(LOSSES)
        for loss in LOSSES:
            assert {"scalar", "simd", "omp", "auto"} <= set(VARIANTS[(loss, dt)]), (loss, dt)


@pytest.mark.skipif("mse" not in with_16bit("f16"), reason="no f16 mse in this build")
def test_mixed_16bit_and_32bit_raises_naming_the_argument():
    x = np.ones((3, 4), np.float16)
    with pytest.raises(TypeError, match="^target: is float32 but the loss computes in float16"):
        lb.mse_loss(x, x.astype(np.float32))
    with pytest.raises(TypeError, match="^target: is bfloat16 but the loss computes in float16"):
        lb.mse_loss(torch.from_numpy(x), torch.ones(3, 4, dtype=torch.bfloat16))
    with pytest.raises(TypeError, match="^out: is float32, the gradient of 'input' is float16"):
        lb.mse_loss(x, x, grad=True, out=np.zeros((3, 4), np.float32))
    with pytest.raises(TypeError, match="^out: is float16, the gradient of 'input' is float32"):
        lb.mse_loss(x.astype(np.float32), x.astype(np.float32), grad=True, out=np.zeros((3, 4), np.float16))
    with pytest.raises(TypeError, match="^input: not C-contiguous"):
        lb.mse_loss(x.T, x.T)


# ---------------------------------------------------------------------------------------------
# lossbench.torch: 16-bit tensors in, gradients in the input's dtype

BACKENDS = ["python"] + (["c++"] if lt._torch is not None else [])


@pytest.fixture(params=BACKENDS)
def backend(request, monkeypatch):
    monkeypatch.setattr(lt, "backend", request.param)
    return request.param


TORCH_CASES = [(dt, loss) for dt, loss in CASES if loss in ("mse", "huber", "cross_entropy", "triplet", "ctc")]


@pytest.mark.parametrize("dt,loss", TORCH_CASES, ids=[f"{d}-{n}" for d, n in TORCH_CASES])
@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_torch_adapter_gradients_in_the_input_dtype(backend, dt, loss, reduction):
    rng = np.random.default_rng(5)
    calls, wide = narrow(f32_inputs(loss, rng, 4, 19), loss, dt)
    tensors = [(a if isinstance(a, torch.Tensor) else torch.from_numpy(a)).clone() for a in calls]
    real = [i for i, d in enumerate(LOSSES[loss]["inputs"]) if d["differentiable"]]
    for i in real:
        tensors[i].requires_grad_(True)
    fn = {"mse": lt.mse_loss, "huber": lt.huber_loss, "cross_entropy": lt.cross_entropy,
          "triplet": lt.triplet_margin_loss, "ctc": lt.ctc_loss}[loss]
    out = fn(*tensors, reduction=reduction)
    assert out.dtype == (TORCH_DT[dt] if reduction == "none" else torch.float32)
    out.sum().backward() if reduction == "none" else out.backward()
    grads = [tensors[i].grad for i in real]
    for g, i in zip(grads, real):
        assert g.dtype == TORCH_DT[dt] and g.shape == tensors[i].shape
    value = out.detach()
    assert_like_f32(dt, loss, calls, wide, "auto", reduction, value if reduction == "none" else value.item(),
                    [g.detach() for g in grads])
