"""test_bad_input.py — every kind of bad input, per argument, through the Python module.

Each test asserts the exception's type and that it names the offending argument:
  * TypeError (arrays of the wrong kind: dtype, layout, not an array, device, read-only `out`):
    the message starts with "<argument>:" (array_view.cpp's type_error);
  * lossbench.Error (bad values and shapes): `.argument` is the argument and the message starts
    with "<argument>:".

Run: PYTHONPATH=build-dev/python /usr/bin/python3 -m pytest tests/python/test_bad_input.py -q
"""
import ctypes
import subprocess
import sys

import numpy as np
import pytest

import lossbench as lb

import torch  # noqa: E402  (scripts/setup.sh installs python3-torch)

# ---------------------------------------------------------------------------------------------
# Helpers

LOSSES = {d["name"]: d for d in lb.losses()}
ALL_LOSSES = list(LOSSES)
# lossbench name → the torch.nn.functional-named wrapper
FUNCS = {
    "mse": lb.mse_loss, "mae": lb.l1_loss, "huber": lb.huber_loss, "bce": lb.binary_cross_entropy,
    "bce_logits": lb.binary_cross_entropy_with_logits, "hinge": lb.hinge_loss, "cross_entropy": lb.cross_entropy,
    "kl_div": lb.kl_div, "ctc": lb.ctc_loss, "triplet": lb.triplet_margin_loss, "contrastive": lb.contrastive_loss,
}


def valid_inputs(loss, dt=np.float32):
    """A small valid call's inputs (numpy, catalogue order) for `loss` in dtype `dt`."""
    rng = np.random.default_rng(1234)
    if loss in ("mse", "mae", "huber", "bce_logits"):
        return [rng.normal(size=(3, 4)).astype(dt), rng.normal(size=(3, 4)).astype(dt)]
    if loss == "bce":
        return [rng.uniform(0.05, 0.95, size=(3, 4)).astype(dt), rng.integers(0, 2, size=(3, 4)).astype(dt)]
    if loss == "hinge":
        return [rng.normal(size=(3, 4)).astype(dt), np.where(rng.random((3, 4)) < 0.5, -1.0, 1.0).astype(dt)]
    if loss == "kl_div":
        return [np.log(rng.uniform(0.1, 1.0, size=(3, 4))).astype(dt), rng.uniform(0, 1, size=(3, 4)).astype(dt)]
    if loss == "cross_entropy":
        return [rng.normal(size=(4, 5)).astype(dt), np.array([0, 1, 4, 2], np.int64)]
    if loss == "ctc":
        lp = rng.normal(size=(6, 2, 4))
        lp = lp - np.log(np.exp(lp).sum(axis=2, keepdims=True))
        return [lp.astype(dt), np.array([[1, 2, 3], [2, 2, 0]], np.int64), np.array([6, 5], np.int64),
                np.array([3, 2], np.int64)]
    if loss == "triplet":
        return [rng.normal(size=(4, 3)).astype(dt) for _ in range(3)]
    if loss == "contrastive":
        return [rng.normal(size=(4, 3)).astype(dt), rng.normal(size=(4, 3)).astype(dt),
                np.array([0, 1, 1, 0], np.int64)]
    raise AssertionError(loss)


def run(loss, inputs, **kw):
    """The loss through lossbench.evaluate (the catalogue's input order)."""
    return lb.evaluate(loss, *inputs, **kw)


def assert_type_error(excinfo, argument):
    """A TypeError whose message names `argument` as the culprit (array_view.cpp: "<argument>: ...")."""
    assert excinfo.type is TypeError, f"{excinfo.type.__name__}: {excinfo.value}"
    msg = str(excinfo.value)
    assert msg.startswith(argument + ":"), f"message does not name {argument!r}: {msg}"
    return msg


def assert_lb_error(excinfo, argument):
    """A lossbench.Error (a ValueError) whose .argument is `argument`, its message naming it too."""
    e = excinfo.value
    assert isinstance(e, lb.Error), f"{type(e).__name__}: {e}"
    assert isinstance(e, ValueError)
    assert e.argument == argument, f".argument is {e.argument!r}, expected {argument!r} ({e})"
    assert str(e).startswith(argument + ":"), str(e)
    return str(e)


def assert_value_error_names(excinfo, argument):
    """A ValueError (lossbench.Error or plain) whose message starts with the argument's name."""
    assert issubclass(excinfo.type, ValueError), f"{excinfo.type.__name__}: {excinfo.value}"
    msg = str(excinfo.value)
    assert msg.startswith(argument + ":"), f"message does not name {argument!r}: {msg}"
    if isinstance(excinfo.value, lb.Error):
        assert excinfo.value.argument == argument
    return msg


def input_cases(kinds):
    """(loss, input index, input name) for every catalogue input whose kind is in `kinds`."""
    return [pytest.param(loss, i, d["name"], id=f"{loss}-{d['name']}")
            for loss in ALL_LOSSES for i, d in enumerate(LOSSES[loss]["inputs"]) if d["kind"] in kinds]


def noncontiguous_rows(a):
    """x[::2]-style view with a's shape and values (stride 2 along axis 0)."""
    return np.repeat(a, 2, axis=0)[::2]


def transposed(a):
    """A transposed (F-ordered for 2-D) view with a's shape and values."""
    return np.ascontiguousarray(a.T).T


def noncontiguous_last(a):
    """A view with a's shape and values whose last axis has stride 2."""
    return np.repeat(a[..., None], 2, axis=-1)[..., 0]


# ---------------------------------------------------------------------------------------------
# Sanity: the valid inputs the tests start from are accepted (else every test below is vacuous).

@pytest.mark.parametrize("loss", ALL_LOSSES)
@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_valid_inputs_are_accepted(loss, dt):
    value = run(loss, valid_inputs(loss, dt))
    assert np.isfinite(value) and value.dtype == dt


# ---------------------------------------------------------------------------------------------
# Wrong dtypes

@pytest.mark.parametrize("loss,i,name", input_cases({"real", "real_or_index", "index"}))
@pytest.mark.parametrize("bad", ["bool"])  # float16: test_sixteen_bit.py
def test_unsupported_element_type(loss, i, name, bad):
    inputs = valid_inputs(loss)
    inputs[i] = inputs[i].astype(bad)
    with pytest.raises(TypeError) as ei:
        run(loss, inputs)
    msg = assert_type_error(ei, name)
    assert bad in msg and "not supported" in msg


@pytest.mark.parametrize("loss,i,name", input_cases({"real"}))
@pytest.mark.parametrize("bad", [np.int32, np.int64])
def test_int_where_real_expected(loss, i, name, bad):
    inputs = valid_inputs(loss)
    inputs[i] = inputs[i].astype(bad)
    with pytest.raises(TypeError) as ei:
        run(loss, inputs)
    msg = assert_type_error(ei, name)
    assert np.dtype(bad).name in msg and ("float32" in msg)


@pytest.mark.parametrize("loss,i,name", input_cases({"index"}))
@pytest.mark.parametrize("bad", [np.float32, np.float64])
def test_float_where_index_expected(loss, i, name, bad):
    inputs = valid_inputs(loss)
    inputs[i] = inputs[i].astype(bad)
    with pytest.raises(TypeError) as ei:
        run(loss, inputs)
    msg = assert_type_error(ei, name)
    assert "int32 or int64" in msg and np.dtype(bad).name in msg


@pytest.mark.parametrize("loss,i,name", [c for c in input_cases({"real", "real_or_index"}) if c.values[1] > 0])
@pytest.mark.parametrize("first,other", [(np.float32, np.float64), (np.float64, np.float32)],
                         ids=["f32+f64", "f64+f32"])
def test_mixed_float32_float64(loss, i, name, first, other):
    inputs = valid_inputs(loss, first)
    inputs[i] = inputs[i].astype(other)
    with pytest.raises(TypeError) as ei:
        run(loss, inputs)
    msg = assert_type_error(ei, name)
    assert np.dtype(other).name in msg and np.dtype(first).name in msg


@pytest.mark.parametrize("make", [lambda: torch.zeros(4, dtype=torch.uint8), lambda: torch.zeros(4, dtype=torch.int32),
                                  lambda: torch.zeros(4, dtype=torch.complex64)],
                         ids=["u8", "i32", "c64"])  # float16/bfloat16: test_sixteen_bit.py
@pytest.mark.parametrize("which", ["input", "target"])
def test_torch_wrong_dtype(make, which):
    good = torch.zeros(4)
    args = (make(), good) if which == "input" else (good, make())
    with pytest.raises(TypeError) as ei:
        lb.mse_loss(*args)
    assert_type_error(ei, which)


def test_torch_bool_tensor_names_argument():
    with pytest.raises(TypeError) as ei:
        lb.mse_loss(torch.zeros(4), torch.zeros(4, dtype=torch.bool))
    msg = assert_type_error(ei, "target")
    assert "bool" in msg.lower()


def test_torch_mixed_float_dtypes():
    with pytest.raises(TypeError) as ei:
        lb.mse_loss(torch.zeros(4), torch.zeros(4, dtype=torch.float64))
    assert "float64" in assert_type_error(ei, "target")


def test_complex_and_big_endian_numpy():
    x = np.ones(4, np.float32)
    with pytest.raises(TypeError) as ei:
        lb.mse_loss(x.astype(np.complex64), x)
    assert_type_error(ei, "input")
    with pytest.raises(TypeError) as ei:
        lb.mse_loss(x, x.astype(">f4"))
    assert "big-endian" in assert_type_error(ei, "target")


# ---------------------------------------------------------------------------------------------
# Layout: non-contiguous numpy arrays and torch tensors

LAYOUTS = {"rows[::2]": noncontiguous_rows, "last[::2]": noncontiguous_last}


@pytest.mark.parametrize("loss,i,name", input_cases({"real", "real_or_index", "index"}))
@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("lib", ["numpy", "torch"])
def test_noncontiguous(loss, i, name, layout, lib):
    inputs = valid_inputs(loss)
    bad = LAYOUTS[layout](inputs[i])
    assert not bad.flags.c_contiguous and bad.shape == inputs[i].shape
    inputs[i] = bad
    if lib == "torch":
        inputs = [torch.from_numpy(a) for a in inputs]
        assert not inputs[i].is_contiguous()
    with pytest.raises(TypeError) as ei:
        run(loss, inputs)
    assert "not C-contiguous" in assert_type_error(ei, name)


@pytest.mark.parametrize("lib", ["numpy", "torch"])
@pytest.mark.parametrize("loss", ["mse", "cross_entropy", "triplet", "contrastive", "bce_logits"])
def test_transposed_2d(loss, lib):
    for i, d in enumerate(LOSSES[loss]["inputs"]):
        inputs = valid_inputs(loss)
        if inputs[i].ndim != 2:
            continue
        inputs[i] = transposed(inputs[i])  # a transposed view of a transposed copy: same shape and values
        if lib == "torch":
            inputs = [torch.from_numpy(a) for a in inputs]
        with pytest.raises(TypeError) as ei:
            run(loss, inputs)
        assert "not C-contiguous" in assert_type_error(ei, d["name"])


def test_plain_transpose_of_contiguous_input():
    a = np.zeros((3, 4), np.float32)
    with pytest.raises(TypeError) as ei:
        lb.mse_loss(a.T, np.zeros((4, 3), np.float32))
    assert_type_error(ei, "input")
    with pytest.raises(TypeError) as ei:
        lb.mse_loss(torch.zeros(4, 3), torch.zeros(3, 4).T)
    assert_type_error(ei, "target")


# ---------------------------------------------------------------------------------------------
# Not arrays: Python lists, None, numbers, strings

CTC_LENGTHS = ("input_lengths", "target_lengths")  # documented to take a list/tuple of ints too (as torch)


@pytest.mark.parametrize("loss,i,name", input_cases({"real", "real_or_index", "index"}))
@pytest.mark.parametrize("bad", ["list", "None", "float", "str"])
def test_not_an_array(loss, i, name, bad):
    if loss == "ctc" and name in CTC_LENGTHS and bad in ("list", "str"):
        return test_ctc_lengths_as_sequences(name, bad)
    inputs = valid_inputs(loss)
    inputs[i] = {"list": inputs[i].tolist(), "None": None, "float": 1.0, "str": "abc"}[bad]
    with pytest.raises(TypeError) as ei:
        run(loss, inputs)
    assert "expected an array" in assert_type_error(ei, name)


def test_ctc_lengths_as_sequences(name="input_lengths", bad="list"):
    # ctc_loss's lengths may be a list/tuple of ints: the same result as the int64 array. A str is
    # a sequence of characters: "abc" must not pass as lengths.
    lp, tg, il, tl = valid_inputs("ctc")
    args = {"input_lengths": il, "target_lengths": tl}
    want = lb.ctc_loss(lp, tg, **args)
    if bad == "list":
        args[name] = args[name].tolist()
        assert lb.ctc_loss(lp, tg, **args) == want
    else:
        args[name] = "ab"
        with pytest.raises(TypeError) as ei:
            lb.ctc_loss(lp, tg, **args)
        assert "expected an array" in assert_type_error(ei, name)


def test_wrong_number_of_inputs():
    x = np.ones(4, np.float32)
    with pytest.raises(TypeError) as ei:
        lb.evaluate("mse", x)
    assert "2 inputs" in str(ei.value)
    with pytest.raises(TypeError):
        lb.evaluate("mse", x, x, x)


def test_unknown_loss_name():
    x = np.ones(4, np.float32)
    with pytest.raises(lb.Error) as ei:
        lb.evaluate("msee", x, x)
    assert_lb_error(ei, "loss")


# ---------------------------------------------------------------------------------------------
# torch tensors that require grad, and tensors off the CPU

@pytest.mark.parametrize("loss,i,name", input_cases({"real"}))
def test_tensor_requiring_grad(loss, i, name):
    inputs = [torch.from_numpy(a) for a in valid_inputs(loss)]
    inputs[i] = inputs[i].clone().requires_grad_(True)
    with pytest.raises(TypeError) as ei:
        run(loss, inputs)
    assert "detach" in assert_type_error(ei, name)


def test_weight_requiring_grad():
    z, t = valid_inputs("cross_entropy")
    with pytest.raises(TypeError) as ei:
        lb.cross_entropy(torch.from_numpy(z), torch.from_numpy(t), weight=torch.ones(5, requires_grad=True))
    assert "detach" in assert_type_error(ei, "weight")


# A DLPack producer whose tensor lives on a CUDA device (built with ctypes, so the test needs no
# GPU; lossbench must refuse it from the DLPack header alone, before touching the data).
class _DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int), ("device_id", ctypes.c_int)]


class _DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class _DLTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device", _DLDevice), ("ndim", ctypes.c_int), ("dtype", _DLDataType),
                ("shape", ctypes.POINTER(ctypes.c_int64)), ("strides", ctypes.POINTER(ctypes.c_int64)),
                ("byte_offset", ctypes.c_uint64)]


class _DLManagedTensor(ctypes.Structure):
    _fields_ = [("dl_tensor", _DLTensor), ("manager_ctx", ctypes.c_void_p), ("deleter", ctypes.c_void_p)]


_PyCapsule_New = ctypes.pythonapi.PyCapsule_New
_PyCapsule_New.restype = ctypes.py_object
_PyCapsule_New.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]


class FakeDeviceTensor:
    """Exports `arr`'s memory through __dlpack__ but claims DLPack device `device_type` (2: CUDA)."""

    def __init__(self, arr, device_type=2):
        self.arr = arr  # keeps the memory alive
        self.shape = (ctypes.c_int64 * arr.ndim)(*arr.shape)
        self.managed = _DLManagedTensor(
            _DLTensor(arr.ctypes.data, _DLDevice(device_type, 0), arr.ndim, _DLDataType(2, arr.itemsize * 8, 1),
                      self.shape, None, 0), None, None)

    def __dlpack__(self, stream=None):
        return _PyCapsule_New(ctypes.addressof(self.managed), b"dltensor", None)

    def __dlpack_device__(self):
        return (self.managed.dl_tensor.device.device_type, 0)


def test_fake_dlpack_cpu_tensor_is_accepted():
    # the fake producer itself is sound: on device type 1 (CPU) the call goes through
    x = np.arange(4, dtype=np.float32)
    assert lb.mse_loss(FakeDeviceTensor(x, device_type=1), np.zeros(4, np.float32), reduction="sum") == 14.0


@pytest.mark.parametrize("which", ["input", "target", "out"])
def test_cuda_tensor_is_type_error(which):
    x, y, g = np.ones(4, np.float32), np.zeros(4, np.float32), np.zeros(4, np.float32)
    with pytest.raises(TypeError) as ei:
        if which == "input":
            lb.mse_loss(FakeDeviceTensor(x), y)
        elif which == "target":
            lb.mse_loss(x, FakeDeviceTensor(y))
        else:
            lb.mse_loss(x, y, grad=True, out=FakeDeviceTensor(g))
    msg = assert_type_error(ei, which)
    assert "device" in msg and ".cpu()" in msg


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device for torch here")
def test_real_cuda_tensor_is_type_error():
    with pytest.raises(TypeError) as ei:
        lb.mse_loss(torch.zeros(4, device="cuda"), torch.zeros(4, device="cuda"))
    assert "device" in assert_type_error(ei, "input")


def test_bad_dlpack_capsules():
    class NotACapsule:
        def __dlpack__(self, stream=None):
            return 3

    class Raises:
        def __dlpack__(self, stream=None):
            raise RuntimeError("boom")

    x = np.ones(4, np.float32)
    with pytest.raises(TypeError) as ei:
        lb.mse_loss(NotACapsule(), x)
    assert "capsule" in assert_type_error(ei, "input")
    with pytest.raises(TypeError) as ei:
        lb.mse_loss(x, Raises())
    assert "boom" in assert_type_error(ei, "target")


def test_too_many_dimensions():
    a = np.zeros((1,) * 9, np.float32)
    with pytest.raises(ValueError) as ei:
        lb.mse_loss(a, a)
    assert_value_error_names(ei, "input")


# ---------------------------------------------------------------------------------------------
# Wrong shapes

@pytest.mark.parametrize("loss", ["mse", "mae", "huber", "bce", "bce_logits", "hinge", "kl_div"])
@pytest.mark.parametrize("shape", [(3, 3), (12,), (4, 3), (3, 4, 1)], ids=str)
def test_elementwise_target_shape_differs(loss, shape):
    x, y = valid_inputs(loss)
    y = np.ascontiguousarray(np.resize(y, shape))
    with pytest.raises(lb.Error) as ei:
        run(loss, [x, y])
    assert "shape" in assert_lb_error(ei, "target")


def test_cross_entropy_target_shape_and_range():
    z, t = valid_inputs("cross_entropy")
    with pytest.raises(lb.Error) as ei:
        lb.cross_entropy(z, t[:3])
    assert_lb_error(ei, "target")
    for bad in (5, 6, -1, -99, 2**40):
        tb = t.copy()
        tb[2] = bad
        with pytest.raises(lb.Error) as ei:
            lb.cross_entropy(z, tb)
        assert f"class index {bad}" in assert_lb_error(ei, "target")
    with pytest.raises(lb.Error) as ei:  # int32 class indices are checked alike
        lb.cross_entropy(z, np.array([0, 1, 5, 2], np.int32))
    assert_lb_error(ei, "target")
    with pytest.raises(lb.Error) as ei:  # probabilities of the wrong shape
        lb.cross_entropy(z, np.full((4, 4), 0.25, np.float32))
    assert_lb_error(ei, "target")
    with pytest.raises(lb.Error) as ei:
        lb.cross_entropy(np.zeros((2, 3, 4), np.float32), np.zeros((2, 4), np.int64))
    assert_lb_error(ei, "input")
    with pytest.raises(lb.Error) as ei:
        lb.cross_entropy(np.zeros((3, 0), np.float32), np.zeros(3, np.int64))
    assert_lb_error(ei, "input")


def test_cross_entropy_ignore_index_is_not_out_of_range():
    # the control for the range check: ignore_index rows are skipped, not rejected
    z, t = valid_inputs("cross_entropy")
    t[2] = -100
    assert np.isfinite(lb.cross_entropy(z, t))
    t[2] = 7
    assert np.isfinite(lb.cross_entropy(z, t, ignore_index=7))


def test_cross_entropy_weight_shape():
    z, t = valid_inputs("cross_entropy")
    for w in (np.ones(4, np.float32), np.ones((1, 5), np.float32), np.ones(6, np.float32)):
        with pytest.raises(lb.Error) as ei:
            lb.cross_entropy(z, t, weight=w)
        assert_lb_error(ei, "weight")


def test_bce_logits_pos_weight_shape():
    x, y = valid_inputs("bce_logits")
    with pytest.raises(lb.Error) as ei:
        lb.binary_cross_entropy_with_logits(x, y, pos_weight=np.ones(3, np.float32))
    assert_lb_error(ei, "pos_weight")


def test_ctc_shapes_and_lengths():
    lp, tg, il, tl = valid_inputs("ctc")
    cases = [
        ((lp, tg, np.array([2, 5]), tl), "target_lengths", "longer than its input"),   # target longer than input
        ((lp, tg, il, np.array([4, 2])), "target_lengths", "exceeds"),                  # longer than the padded targets
        ((lp, tg, np.array([7, 5]), tl), "input_lengths", "[0, 6]"),                    # longer than T
        ((lp, tg, np.array([-1, 5]), tl), "input_lengths", "-1"),
        ((lp, tg, il, np.array([-1, 2])), "target_lengths", "non-negative"),
        ((lp, tg, il[:1], tl), "input_lengths", "2 lengths"),
        ((lp, tg, il, tl[:1]), "target_lengths", "2 lengths"),
        ((lp, np.array([[0, 2, 3], [2, 2, 0]]), il, tl), "targets", "blank"),          # a blank label
        ((lp, np.array([[1, 4, 3], [2, 2, 0]]), il, tl), "targets", "[0, 4)"),         # label ≥ C
        ((lp, np.array([[1, -2, 3], [2, 2, 0]]), il, tl), "targets", "-2"),
        ((lp, np.array([1, 2, 3, 2]), il, tl), "target_lengths", "concatenated"),       # concatenated, too short
        ((np.ascontiguousarray(lp[:, 0]), tg, il, tl), "log_probs", "3 dimensions"),
        ((lp, tg[None], il, tl), "targets", "padded"),
        ((lp, tg, il[None], tl), "input_lengths", "dimensions"),
    ]
    for args, arg, fragment in cases:
        with pytest.raises(lb.Error) as ei:
            lb.ctc_loss(*args)
        assert fragment in assert_lb_error(ei, arg), (arg, fragment)


def test_ctc_bad_blank():
    lp, tg, il, tl = valid_inputs("ctc")
    for blank in (4, -1, 0.5):
        with pytest.raises(lb.Error) as ei:
            lb.ctc_loss(lp, tg, il, tl, blank=blank)
        assert_lb_error(ei, "blank")


@pytest.mark.parametrize("which,shape", [("positive", (3, 3)), ("negative", (4, 2)), ("negative", (5, 3)),
                                         ("positive", (1, 4, 3)), ("positive", (12,))], ids=str)
def test_triplet_shape_mismatch(which, shape):
    a, p, n = valid_inputs("triplet")
    bad = np.zeros(shape, np.float32)
    args = (a, bad, n) if which == "positive" else (a, p, bad)
    with pytest.raises(lb.Error) as ei:
        lb.triplet_margin_loss(*args)
    assert_lb_error(ei, which)


def test_contrastive_shapes_and_labels():
    x1, x2, y = valid_inputs("contrastive")
    with pytest.raises(lb.Error) as ei:
        lb.contrastive_loss(x1, np.zeros((4, 2), np.float32), y)
    assert_lb_error(ei, "x2")
    with pytest.raises(lb.Error) as ei:
        lb.contrastive_loss(x1, x2, y[:3])
    assert_lb_error(ei, "target")
    for bad in ([0, 1, 2, 0], [0, 1, -1, 0]):
        with pytest.raises(lb.Error) as ei:
            lb.contrastive_loss(x1, x2, np.array(bad, np.int64))
        assert_lb_error(ei, "target")
    for bad in (0.5, np.nan):
        yf = np.array([0, 1, 1, 0], np.float32)
        yf[2] = bad
        with pytest.raises(lb.Error) as ei:
            lb.contrastive_loss(x1, x2, yf)
        assert_lb_error(ei, "target")


# ---------------------------------------------------------------------------------------------
# reduction, variant, threads, grad

@pytest.mark.parametrize("loss", ALL_LOSSES)
@pytest.mark.parametrize("reduction", ["avg", "", "MEAN", "Sum"])
def test_bad_reduction_string(loss, reduction):
    with pytest.raises(lb.Error) as ei:
        run(loss, valid_inputs(loss), reduction=reduction)
    assert repr(reduction) in assert_lb_error(ei, "reduction")


def test_batchmean_is_accepted_by_kl_div():
    # the control for test_batchmean_on_other_losses below
    assert np.isfinite(lb.kl_div(*valid_inputs("kl_div"), reduction="batchmean"))


@pytest.mark.parametrize("loss", ALL_LOSSES)
@pytest.mark.parametrize("variant", ["fast", "SIMD", "", "simd:neon", "omp:2", "all"])
def test_unknown_variant(loss, variant):
    with pytest.raises(lb.Error) as ei:
        run(loss, valid_inputs(loss), variant=variant)
    assert_lb_error(ei, "variant")


@pytest.mark.parametrize("loss", ALL_LOSSES)
@pytest.mark.parametrize("threads", [-1, -2**31, 4097, 100000])
def test_threads_outside_0_to_4096(loss, threads):
    with pytest.raises(lb.Error) as ei:
        run(loss, valid_inputs(loss), threads=threads, variant="omp")
    assert str(threads) in assert_lb_error(ei, "threads")


@pytest.mark.parametrize("grad", [None, 1, np.True_, [True, True], (True, False)], ids=repr)
def test_bad_grad_argument(grad):
    x, y = valid_inputs("mse")
    with pytest.raises(TypeError) as ei:
        lb.mse_loss(x, y, grad=grad)
    assert_type_error(ei, "grad")


def test_bad_grad_count_for_triplet():
    a, p, n = valid_inputs("triplet")
    with pytest.raises(TypeError) as ei:
        lb.triplet_margin_loss(a, p, n, grad=(True, False))
    assert "3 booleans" in assert_type_error(ei, "grad")


# ---------------------------------------------------------------------------------------------
# out=

def mse_args():
    x, y = valid_inputs("mse")
    return x, y


def test_out_wrong_shape():
    x, y = mse_args()
    for o in (np.zeros(12, np.float32), np.zeros((4, 3), np.float32), np.zeros((3, 5), np.float32), torch.zeros(3, 5)):
        with pytest.raises(ValueError) as ei:
            lb.mse_loss(x, y, grad=True, out=o)
        assert "shape" in assert_value_error_names(ei, "out")


def test_out_wrong_dtype():
    x, y = mse_args()
    for o in (np.zeros((3, 4), np.float64), np.zeros((3, 4), np.int32), torch.zeros(3, 4, dtype=torch.float64)):
        with pytest.raises(TypeError) as ei:
            lb.mse_loss(x, y, grad=True, out=o)
        assert "float32" in assert_type_error(ei, "out")
    with pytest.raises(TypeError) as ei:
        lb.mse_loss(x, y, grad=True, out=np.zeros((3, 4), np.float16))
    assert_type_error(ei, "out")


def test_out_read_only():
    x, y = mse_args()
    ro = np.zeros((3, 4), np.float32)
    ro.setflags(write=False)
    with pytest.raises(TypeError) as ei:
        lb.mse_loss(x, y, grad=True, out=ro)
    assert "writable" in assert_type_error(ei, "out")
    assert not ro.any()  # nothing was written
    with pytest.raises(TypeError) as ei:
        lb.mse_loss(x.ravel(), y.ravel(), grad=True, out=bytes(48))
    assert_type_error(ei, "out")


def test_out_noncontiguous_and_not_an_array():
    x, y = mse_args()
    for o in (noncontiguous_rows(np.zeros((3, 4), np.float32)), transposed(np.zeros((3, 4), np.float32)),
              torch.zeros(4, 3).T):
        with pytest.raises(TypeError) as ei:
            lb.mse_loss(x, y, grad=True, out=o)
        assert "C-contiguous" in assert_type_error(ei, "out")
    for o in ("abc", 0, 1.5):
        with pytest.raises(TypeError) as ei:
            lb.mse_loss(x, y, grad=True, out=o)
        assert_type_error(ei, "out")


def test_out_requiring_grad():
    x, y = mse_args()
    with pytest.raises(TypeError) as ei:
        lb.mse_loss(x, y, grad=True, out=torch.zeros(3, 4, requires_grad=True))
    assert "detach" in assert_type_error(ei, "out")


@pytest.mark.parametrize("which", ["input", "target"])
@pytest.mark.parametrize("lib", ["numpy", "torch"])
def test_out_overlapping_an_input(which, lib):
    x, y = mse_args()
    if lib == "numpy":
        inputs = [x, y]
        out = inputs[0 if which == "input" else 1]
    else:
        inputs = [torch.from_numpy(x), torch.from_numpy(y)]
        out = inputs[0 if which == "input" else 1]
    before = [np.array(a) for a in inputs]
    with pytest.raises(ValueError) as ei:
        lb.mse_loss(*inputs, grad=True, out=out)
    assert f"'{which}'" in assert_value_error_names(ei, "out")
    for a, b in zip(inputs, before):  # nothing was written
        assert np.array_equal(np.asarray(a), b)


def test_out_partially_overlapping_an_input():
    big = np.zeros(20, np.float32)
    x, y = big[0:12], np.ones(12, np.float32)
    x[:] = np.arange(12)
    with pytest.raises(ValueError) as ei:
        lb.mse_loss(x, y, grad=True, out=big[8:20])
    assert "overlaps" in assert_value_error_names(ei, "out")


def test_out_without_grad():
    x, y = mse_args()
    g = np.full((3, 4), 7, np.float32)
    with pytest.raises(ValueError) as ei:
        lb.mse_loss(x, y, out=g)
    assert "grad" in assert_value_error_names(ei, "out")
    assert (g == 7).all()


def test_triplet_out_count_and_overlap():
    a, p, n = valid_inputs("triplet")
    z = lambda: np.zeros_like(a)  # noqa: E731
    with pytest.raises(ValueError) as ei:
        lb.triplet_margin_loss(a, p, n, grad=True, out=(z(), z()))
    assert "3 arrays" in assert_value_error_names(ei, "out")
    with pytest.raises(ValueError) as ei:
        lb.triplet_margin_loss(a, p, n, grad=True, out=(z(), z(), z(), z()))
    assert_value_error_names(ei, "out")
    with pytest.raises(TypeError) as ei:  # one array for three gradients
        lb.triplet_margin_loss(a, p, n, grad=True, out=z())
    assert "tuple of 3" in assert_type_error(ei, "out")
    g = z()
    with pytest.raises(ValueError) as ei:  # two gradients into one array
        lb.triplet_margin_loss(a, p, n, grad=True, out=(g, g, z()))
    assert "out[0]" in assert_value_error_names(ei, "out[1]")
    with pytest.raises(ValueError) as ei:  # a gradient asked not to be computed
        lb.triplet_margin_loss(a, p, n, grad=(True, False, True), out=(None, z(), None))
    assert_value_error_names(ei, "out[1]")
    with pytest.raises(ValueError) as ei:  # out[2] wrong shape
        lb.triplet_margin_loss(a, p, n, grad=True, out=(z(), z(), np.zeros((4, 4), np.float32)))
    assert_value_error_names(ei, "out[2]")
    with pytest.raises(TypeError) as ei:  # out[0] wrong dtype
        lb.triplet_margin_loss(a, p, n, grad=True, out=(np.zeros_like(a, np.float64), z(), z()))
    assert_type_error(ei, "out[0]")
    with pytest.raises(ValueError) as ei:  # out[1] overlaps the input 'negative'
        lb.triplet_margin_loss(a, p, n, grad=True, out=(z(), n, z()))
    assert "'negative'" in assert_value_error_names(ei, "out[1]")


def test_single_gradient_loss_out_tuple_wrong_count():
    z, t = valid_inputs("cross_entropy")
    with pytest.raises(ValueError) as ei:
        lb.cross_entropy(z, t, grad=True, out=(np.zeros_like(z), np.zeros_like(z)))
    assert "1 arrays" in assert_value_error_names(ei, "out")


# ---------------------------------------------------------------------------------------------
# Parameters

@pytest.mark.parametrize("loss,param", [("mse", "foo"), ("huber", "deltaa"), ("cross_entropy", "smoothing"),
                                        ("triplet", "margn"), ("ctc", "zero_inf")])
def test_unknown_parameter(loss, param):
    with pytest.raises(lb.Error) as ei:
        run(loss, valid_inputs(loss), **{param: 1})
    assert "unknown parameter" in assert_lb_error(ei, param)


@pytest.mark.parametrize("ls", [-0.1, 1.0000001, 1.5, float("nan"), float("inf")])
def test_label_smoothing_out_of_range(ls):
    z, t = valid_inputs("cross_entropy")
    with pytest.raises(lb.Error) as ei:
        lb.cross_entropy(z, t, label_smoothing=ls)
    assert "[0, 1]" in assert_lb_error(ei, "label_smoothing")


def test_label_smoothing_bounds_are_accepted():
    z, t = valid_inputs("cross_entropy")
    assert np.isfinite(lb.cross_entropy(z, t, label_smoothing=0.0))
    assert np.isfinite(lb.cross_entropy(z, t, label_smoothing=1.0))


@pytest.mark.parametrize("delta", [0.0, -0.0, -1.0, float("nan"), -float("inf")])
def test_huber_delta_not_positive(delta):
    x, y = valid_inputs("huber")
    with pytest.raises(lb.Error) as ei:
        lb.huber_loss(x, y, delta=delta)
    assert "> 0" in assert_lb_error(ei, "delta")


def test_integer_parameters_reject_fractions():
    z, t = valid_inputs("cross_entropy")
    with pytest.raises(lb.Error) as ei:
        lb.cross_entropy(z, t, ignore_index=1.5)
    assert_lb_error(ei, "ignore_index")
    with pytest.raises(lb.Error) as ei:
        lb.cross_entropy(z, t, ignore_index=2**70)
    assert_lb_error(ei, "ignore_index")
    # held as a double, 2^53 + 1 would arrive as 2^53: refused rather than silently changed
    with pytest.raises(lb.Error) as ei:
        lb.cross_entropy(z, t, ignore_index=2**53 + 1)
    assert "2^53" in assert_lb_error(ei, "ignore_index")
    assert np.isfinite(lb.cross_entropy(z, t, ignore_index=2**53 - 1))
    with pytest.raises(TypeError) as ei:  # an array where a number is expected
        lb.evaluate("huber", *valid_inputs("huber"), delta=np.ones(1, np.float32))
    assert "expected a number" in assert_type_error(ei, "delta")


def test_tensor_parameter_dtype_and_kind():
    z, t = valid_inputs("cross_entropy")
    with pytest.raises(TypeError) as ei:
        lb.cross_entropy(z, t, weight=np.ones(5, np.int64))
    assert_type_error(ei, "weight")
    for w in ([1.0] * 5, "abc"):
        with pytest.raises(TypeError) as ei:
            lb.cross_entropy(z, t, weight=w)
        assert_type_error(ei, "weight")
    with pytest.raises(TypeError) as ei:
        lb.cross_entropy(z, t, weight=noncontiguous_rows(np.ones(5, np.float32)))
    assert_type_error(ei, "weight")


def test_weight_not_supported_by_bce():
    x, y = valid_inputs("bce")
    with pytest.raises(lb.Error) as ei:
        lb.binary_cross_entropy(x, y, weight=y)
    assert "weight" in str(ei.value)
    with pytest.raises(lb.Error) as ei:
        lb.binary_cross_entropy_with_logits(x, y, weight=y)
    assert "weight" in str(ei.value)


def test_cross_entropy_soft_targets_reject_ignore_index():
    z = np.zeros((2, 3), np.float32)
    with pytest.raises(lb.Error) as ei:
        lb.cross_entropy(z, np.array([[0, 0, 1], [0, 1, 0]], np.float32), ignore_index=1)
    assert_lb_error(ei, "ignore_index")


# ---------------------------------------------------------------------------------------------
# Values outside a loss's domain

@pytest.mark.parametrize("which", ["input", "target"])
@pytest.mark.parametrize("bad", [-0.5, 1.5, -1e-7, 1.0000001, float("inf"), -float("inf")])
@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_bce_probabilities_outside_unit_interval(which, bad, dt):
    x, y = valid_inputs("bce", dt)
    arr = x if which == "input" else y
    arr.flat[5] = bad
    assert not (0 <= arr.flat[5] <= 1)  # still outside [0, 1] once rounded to the dtype
    with pytest.raises(lb.Error) as ei:
        lb.binary_cross_entropy(x, y)
    msg = assert_lb_error(ei, which)
    assert "[0, 1]" in msg and "element 5" in msg


def test_bce_edges_are_accepted():
    p = np.array([0.0, 1.0, 0.5], np.float32)
    assert np.isfinite(lb.binary_cross_entropy(p, np.array([0.0, 1.0, 1.0], np.float32)))


def test_bce_out_of_domain_with_all_variants():
    # the kernels test values as they compute: every variant must reject, at every position
    for variant in ["scalar", "simd", "omp", "auto"]:
        for pos in (0, 17, 4095, 4096, 9999):
            p = np.full(10000, 0.5, np.float32)
            p[pos] = 1.5
            with pytest.raises(lb.Error) as ei:
                lb.binary_cross_entropy(p, np.zeros_like(p), variant=variant, grad=True)
            assert f"element {pos}" in assert_lb_error(ei, "input")


def test_hinge_labels_and_kl_targets():
    x, y = valid_inputs("hinge")
    y[1, 1] = 0.0
    with pytest.raises(lb.Error) as ei:
        lb.hinge_loss(x, y)
    assert_lb_error(ei, "target")
    x, p = valid_inputs("kl_div")
    p[0, 0] = -0.25
    with pytest.raises(lb.Error) as ei:
        lb.kl_div(x, p)
    assert_lb_error(ei, "target")
    assert np.isfinite(lb.kl_div(x, p, log_target=True))  # with log_target any value is valid


# ---------------------------------------------------------------------------------------------
# No bad input crashes the interpreter: every call above, and some hostile ones, in a child.

CRASH_SCRIPT = r"""
import ctypes, numpy as np, torch, lossbench as lb
x = np.ones((3, 4), np.float32)
bad = [None, 1, 1.5, "s", b"xx", [1.0], [[1.0]], object(), np.float32(1), np.zeros(0, np.float32),
       np.zeros((0, 4), np.float32), np.zeros((1,) * 9, np.float32), np.full((3, 4), np.nan, np.float32),
       x.astype(np.float16), x > 0, x.astype(np.int8), x.astype(np.uint64), x.astype(np.complex128), x.T,
       x[:, ::2], x.astype(">f4"), torch.ones(3, 4, requires_grad=True), torch.ones(3, 4, dtype=torch.bool),
       torch.ones(3, 4).T, torch.zeros(3, 4, device="meta"), np.array(["a", "b"]), np.zeros(3, dtype=object),
       np.zeros((3, 4), np.float64), np.zeros((3, 4), np.int64), np.zeros((4, 3), np.int32),
       np.zeros((2**31,), np.int8)[:0], memoryview(bytearray(48)).cast("f"), memoryview(b"1234")]
losses = [d["name"] for d in lb.losses()]
n = 0
for loss in losses:
    k = len(next(d for d in lb.losses() if d["name"] == loss)["inputs"])
    for i in range(k):
        for b in bad:
            for grad in (False, True):
                args = [x] * k
                args[i] = b
                try:
                    lb.evaluate(loss, *args, grad=grad)
                except Exception:
                    pass
                n += 1
    for kw in ({"reduction": None}, {"variant": None}, {"threads": -5}, {"threads": 2**40}, {"grad": "yes"},
               {"grad": [1, 2, 3, 4]}, {"out": [None] * 9}, {"out": ("x",)}, {"grad": True, "out": x},
               {"foo": 1}, {"margin": "x"}, {"margin": [1]}, {"weight": np.ones(5, np.float32)}):
        try:
            lb.evaluate(loss, *([x] * k), **kw)
        except Exception:
            pass
        n += 1
print("survived", n)
"""


def test_no_bad_input_crashes_the_interpreter():
    proc = subprocess.run([sys.executable, "-c", CRASH_SCRIPT], capture_output=True, text=True, timeout=120,
                          env={**__import__("os").environ, "PYTHONPATH": ":".join(sys.path)})
    assert proc.returncode == 0, f"child died with {proc.returncode}: {proc.stderr[-2000:]}"
    assert "survived" in proc.stdout


# ---------------------------------------------------------------------------------------------
# Errors that once named no argument or the wrong one, and bad input once accepted.

@pytest.mark.parametrize("loss", [loss for loss in ALL_LOSSES if "batchmean" not in LOSSES[loss]["reductions"]])
def test_batchmean_on_other_losses(loss):
    with pytest.raises(lb.Error) as ei:
        run(loss, valid_inputs(loss), reduction="batchmean")
    assert_lb_error(ei, "reduction")


def _plain_value_errors():
    x, y = mse_args()
    a, p, n = valid_inputs("triplet")
    deep = np.zeros((1,) * 9, np.float32)
    return {
        "out-shape": (lambda: lb.mse_loss(x, y, grad=True, out=np.zeros(12, np.float32)), "out"),
        "out-overlap": (lambda: lb.mse_loss(x, y, grad=True, out=x), "out"),
        "out-without-grad": (lambda: lb.mse_loss(x, y, out=np.zeros_like(x)), "out"),
        "out-count": (lambda: lb.triplet_margin_loss(a, p, n, grad=True, out=(np.zeros_like(a),)), "out"),
        "out-overlaps-out": (lambda: (lambda g: lb.triplet_margin_loss(a, p, n, grad=True,
                                                                       out=(g, g, np.zeros_like(a))))(
            np.zeros_like(a)), "out[1]"),
        "rank>8": (lambda: lb.mse_loss(deep, deep), "input"),
    }


@pytest.mark.parametrize("case", list(_plain_value_errors()))
def test_value_errors_are_lossbench_errors(case):
    call, arg = _plain_value_errors()[case]
    with pytest.raises(ValueError) as ei:
        call()
    assert_lb_error(ei, arg)


@pytest.mark.parametrize("loss,param,value", [
    ("cross_entropy", "weight", np.ones(5, np.float64)),
    ("bce_logits", "pos_weight", np.ones(4, np.float64)),
])
def test_parameter_array_dtype_mismatch_is_type_error(loss, param, value):
    with pytest.raises(TypeError) as ei:
        run(loss, valid_inputs(loss), **{param: value})
    assert_type_error(ei, param)


@pytest.mark.parametrize("bad", [-1.0, 2.0])
def test_cross_entropy_probability_target_outside_unit_interval_follows_torch(bad):
    # Not an error: −Σ P_c·log softmax(z)_c and its gradient softmax·ΣP − P are defined for any real
    # P, and torch computes them without a check; lossbench does the same (only class indices are
    # range-checked). 2⁻²⁰ relative: float32 on values of order 1 (cross_entropy's bound is a few u).
    z = np.array([[0.1, -0.3, 0.7], [1.0, 0.0, -1.0]], np.float32)
    t = np.array([[0.5, 0.5, 0.0], [0.0, 1.0, 0.0]], np.float32)
    t[0, 2] = bad
    got = lb.cross_entropy(z, t)
    want = torch.nn.functional.cross_entropy(torch.from_numpy(z).double(), torch.from_numpy(t).double())
    assert abs(float(got) - float(want)) <= 2.0 ** -20 * abs(float(want))


@pytest.mark.parametrize("which,value", [("input_lengths", (5.7, 5.0)), ("input_lengths", ("6", "5")),
                                         ("target_lengths", (2.5, 2))], ids=str)
def test_ctc_lengths_tuple_of_non_integers(which, value):
    lp, tg, il, tl = valid_inputs("ctc")
    args = {"input_lengths": il, "target_lengths": tl, which: value}
    with pytest.raises(TypeError) as ei:
        lb.ctc_loss(lp, tg, **args)
    assert_type_error(ei, which)


def test_grad_string():
    x, y = mse_args()
    with pytest.raises(TypeError) as ei:
        lb.mse_loss(x, y, grad="y")
    assert_type_error(ei, "grad")


@pytest.mark.parametrize("kw", [{"threads": None}, {"threads": 1.5}, {"threads": 2**31}, {"variant": None},
                                {"reduction": None}], ids=str)
def test_keyword_of_wrong_python_type(kw):
    x, y = mse_args()
    with pytest.raises((TypeError, ValueError)) as ei:
        lb.mse_loss(x, y, **kw)
    assert str(ei.value).startswith(next(iter(kw)) + ":"), str(ei.value)


@pytest.mark.parametrize("loss,param,value", [("huber", "delta", "1"), ("kl_div", "log_target", "yes"),
                                              ("triplet", "swap", "x"), ("ctc", "zero_infinity", "no")])
def test_scalar_parameter_given_a_string(loss, param, value):
    with pytest.raises(TypeError) as ei:
        run(loss, valid_inputs(loss), **{param: value})
    msg = assert_type_error(ei, param)
    assert "array" not in msg, msg


def test_out_python_list():
    x, y = mse_args()
    with pytest.raises(TypeError) as ei:
        lb.mse_loss(x, y, grad=True, out=[0.0] * 12)
    assert_type_error(ei, "out")


@pytest.mark.parametrize("make", [lambda: torch.zeros(3, 4, dtype=torch.bool),
                                  lambda: torch.zeros(3, 4, device="meta")],
                         ids=["bool", "meta"])
def test_dlpack_failure_hint(make):
    x = np.zeros((3, 4), np.float32)
    with pytest.raises(TypeError) as ei:
        lb.mse_loss(x, make())
    assert "detach" not in assert_type_error(ei, "target")
