"""lossbench.torch as a drop-in for torch.nn.functional and torch.nn: autograd through the fused
kernel (any subset of inputs requiring grad, no_grad, reduction="none" with a per-sample
grad_output), gradcheck in float64, the modules, and clear errors where it cannot stand in."""
import os
import threading

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import lossbench
import lossbench.torch as lt

# Comparisons with torch in float64: both sides are float64 computations of the same formulas
# with different orders; 2⁻⁴⁰ of the scale covers torch's unstable forms (see test_torch_parity.py).
RTOL = 2.0 ** -40


def assert_close(got, want):
    scale = float(want.abs().max()) if want.numel() else 0.0
    torch.testing.assert_close(got, want, rtol=0, atol=RTOL * max(scale, 1.0))


def make(seed=0):
    g = torch.Generator().manual_seed(seed)
    d = torch.float64
    B, C, D = 6, 5, 7
    x, y = torch.randn(B, C, generator=g, dtype=d), torch.randn(B, C, generator=g, dtype=d)
    p = torch.rand(B, C, generator=g, dtype=d) * 0.9 + 0.05
    yb = torch.randint(0, 2, (B, C), generator=g).to(d)
    sign = torch.where(torch.rand(B, C, generator=g) < 0.5, -1.0, 1.0).to(d)
    logq = torch.log_softmax(torch.randn(B, C, generator=g, dtype=d), 1)
    pt = torch.softmax(torch.randn(B, C, generator=g, dtype=d), 1)
    t = torch.randint(0, C, (B,), generator=g)
    w = torch.rand(C, generator=g, dtype=d) + 0.5
    a, pos, neg = (torch.randn(B, D, generator=g, dtype=d) for _ in range(3))
    yc = torch.randint(0, 2, (B,), generator=g).to(d)
    T, S = 12, 3
    lp = torch.log_softmax(torch.randn(T, B, C, generator=g, dtype=d), 2)
    tg = torch.randint(1, C, (B, S), generator=g)
    il = torch.full((B,), T, dtype=torch.int64)
    tl = torch.randint(1, S + 1, (B,), generator=g)

    def contrastive(x1, x2, y, margin=1.0, reduction="mean"):
        d_ = (x1 - x2).norm(dim=1)
        v = 0.5 * (y * d_ ** 2 + (1 - y) * torch.clamp(margin - d_, min=0) ** 2)
        return v.mean() if reduction == "mean" else v.sum() if reduction == "sum" else v

    def hinge(x_, y_, margin=1.0, reduction="mean"):
        v = torch.clamp(margin - y_ * x_, min=0)
        return v.mean() if reduction == "mean" else v.sum() if reduction == "sum" else v

    # (label, lossbench.torch function, torch function, inputs, differentiable input indices, options)
    return [
        ("mse", lt.mse_loss, F.mse_loss, (x, y), (0, 1), {}),
        ("l1", lt.l1_loss, F.l1_loss, (x, y), (0, 1), {}),
        ("huber", lt.huber_loss, F.huber_loss, (x, y), (0, 1), {"delta": 0.7}),
        ("bce", lt.binary_cross_entropy, F.binary_cross_entropy, (p, yb), (0,), {}),
        ("bce_logits", lt.binary_cross_entropy_with_logits, F.binary_cross_entropy_with_logits, (x * 4, yb), (0,),
         {"pos_weight": w}),
        ("hinge", lt.hinge_loss, hinge, (x, sign), (0,), {"margin": 0.5}),
        ("cross_entropy", lt.cross_entropy, F.cross_entropy, (x, t), (0,),
         {"weight": w, "label_smoothing": 0.1, "ignore_index": int(t[0])}),
        ("cross_entropy_prob", lt.cross_entropy, F.cross_entropy, (x, pt), (0,), {"label_smoothing": 0.2}),
        ("kl_div", lt.kl_div, F.kl_div, (logq, pt), (0,), {}),
        ("ctc", lt.ctc_loss, F.ctc_loss, (lp, tg, il, tl), (0,), {"blank": 0}),
        ("triplet", lt.triplet_margin_loss, F.triplet_margin_loss, (a, pos, neg), (0, 1, 2), {"swap": True, "p": 3}),
        ("contrastive", lt.contrastive_loss, contrastive, (a, pos, yc), (0, 1), {"margin": 2.0}),
    ]


CASES = make()
IDS = [c[0] for c in CASES]


@pytest.fixture(autouse=True, params=["c++", "python"] if lt._torch is not None else ["python"])
def backend(request, monkeypatch):
    """Every test runs on both autograd nodes: the compiled one and the Python fallback."""
    monkeypatch.setattr(lt, "backend", request.param)
    return request.param


def subsets(idx):
    return [tuple(i for k, i in enumerate(idx) if mask >> k & 1) for mask in range(1, 1 << len(idx))]


def run(fn, inputs, needs, opts, reduction, weights):
    ts = [t.detach().clone().requires_grad_(i in needs) for i, t in enumerate(inputs)]
    out = fn(*ts, reduction=reduction, **opts)
    (out * weights).sum().backward() if reduction == "none" else (out * 1.7).backward()
    return out.detach(), [ts[i].grad for i in needs]


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_forward_backward_match_torch_for_every_subset(case, reduction):
    _, ours, theirs, inputs, diff, opts = case
    for needs in subsets(diff):
        with torch.no_grad():
            shape = theirs(*inputs, reduction=reduction, **opts).shape
        weights = torch.linspace(-1.5, 2.0, shape.numel(), dtype=torch.float64).reshape(shape)
        want, want_grads = run(theirs, inputs, needs, opts, reduction, weights)
        got, got_grads = run(ours, inputs, needs, opts, reduction, weights)
        assert_close(got, want)
        for g, w in zip(got_grads, want_grads):
            assert_close(g, w)


def test_target_gradient_of_mse_l1_huber_is_minus_the_inputs():
    x, y = torch.randn(9, dtype=torch.float64), torch.randn(9, dtype=torch.float64, requires_grad=True)
    for ours, theirs in ((lt.mse_loss, F.mse_loss), (lt.l1_loss, F.l1_loss), (lt.huber_loss, F.huber_loss)):
        (g,) = torch.autograd.grad(ours(x, y), y)
        (w,) = torch.autograd.grad(theirs(x, y), y)
        assert_close(g, w)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_no_grad_gives_the_value_alone(case):
    _, ours, theirs, inputs, diff, opts = case
    leaves = [t.detach().clone().requires_grad_(i in diff) for i, t in enumerate(inputs)]
    with torch.no_grad():
        got = ours(*leaves, **opts)
    assert not got.requires_grad and got.grad_fn is None
    assert_close(got, theirs(*inputs, **opts))


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_gradcheck_float64(case, reduction):
    label, ours, _, inputs, diff, opts = case
    leaves = [t.detach().clone().requires_grad_(i in diff) for i, t in enumerate(inputs)]
    if label == "ctc":
        # ctc's gradient is w.r.t. the logits under log_softmax (as torch's): check it through one
        logits = leaves[0].detach().clone().requires_grad_(True)
        fn = lambda z: ours(z.log_softmax(2), *leaves[1:], reduction=reduction, **opts)  # noqa: E731
        assert torch.autograd.gradcheck(fn, (logits,))
        return
    fn = lambda *ts: ours(*ts, reduction=reduction, **opts)  # noqa: E731
    assert torch.autograd.gradcheck(fn, tuple(leaves))


def test_modules_have_torch_names_and_match():
    x, t = CASES[6][3]
    w = torch.rand(x.shape[1], dtype=torch.float64) + 0.5
    ours = lt.CrossEntropyLoss(weight=w, label_smoothing=0.1, reduction="sum")
    theirs = torch.nn.CrossEntropyLoss(weight=w, label_smoothing=0.1, reduction="sum")
    assert_close(ours(x, t), theirs(x, t))
    assert "weight" in dict(ours.named_buffers())
    pairs = [(lt.MSELoss(), torch.nn.MSELoss()), (lt.L1Loss(reduction="none"), torch.nn.L1Loss(reduction="none")),
             (lt.HuberLoss(delta=0.3), torch.nn.HuberLoss(delta=0.3))]
    x, y = CASES[0][3]
    for a, b in pairs:
        assert_close(a(x, y), b(x, y))
    a, p, n = CASES[10][3]
    assert_close(lt.TripletMarginLoss(margin=0.5)(a, p, n), torch.nn.TripletMarginLoss(margin=0.5)(a, p, n))
    lp, tg, il, tl = CASES[9][3]
    assert_close(lt.CTCLoss(zero_infinity=True)(lp, tg, il, tl), torch.nn.CTCLoss(zero_infinity=True)(lp, tg, il, tl))


def test_a_training_step_moves_parameters_as_torch_does():
    torch.manual_seed(3)
    model = torch.nn.Linear(7, 5).double()
    twin = torch.nn.Linear(7, 5).double()
    twin.load_state_dict(model.state_dict())
    x, t = torch.randn(16, 7, dtype=torch.float64), torch.randint(0, 5, (16,))
    for net, loss in ((model, lt.CrossEntropyLoss()), (twin, torch.nn.CrossEntropyLoss())):
        opt = torch.optim.SGD(net.parameters(), lr=0.1)
        opt.zero_grad()
        loss(net(x), t).backward()
        opt.step()
    for a, b in zip(model.parameters(), twin.parameters()):
        assert_close(a.detach(), b.detach())


def test_float32_results_are_float32():
    x, y = torch.randn(10), torch.randn(10, requires_grad=True)
    out = lt.mse_loss(y, x)
    assert out.dtype == torch.float32
    out.backward()
    assert y.grad.dtype == torch.float32


def test_device_tensors_raise_type_error_not_a_copy():
    x = torch.empty(4, device="meta")  # stands in for a CUDA tensor: not in CPU memory
    with pytest.raises(TypeError, match="input: a meta tensor"):
        lt.mse_loss(x, x)


def test_non_contiguous_raises_type_error():
    x = torch.randn(4, 6, dtype=torch.float64)
    with pytest.raises(TypeError, match="input: not C-contiguous"):
        lt.mse_loss(x.t(), x.t())


def test_gradients_lossbench_does_not_compute_raise():
    x, p = torch.rand(5, dtype=torch.float64), torch.rand(5, dtype=torch.float64, requires_grad=True)
    with pytest.raises(lossbench.Error, match="target"):
        lt.binary_cross_entropy(x, p)
    z, t = torch.randn(3, 4, dtype=torch.float64), torch.randint(0, 4, (3,))
    w = torch.rand(4, dtype=torch.float64, requires_grad=True)
    with pytest.raises(lossbench.Error, match="weight"):
        lt.cross_entropy(z, t, weight=w)
    with pytest.raises(lossbench.Error, match="weight"):
        lt.binary_cross_entropy(x, x, weight=x)


def test_second_derivative_raises():
    x = torch.randn(5, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(lt.mse_loss(x, torch.zeros(5, dtype=torch.float64)), x, create_graph=True)
    # the first gradient carries no graph (the backward is once_differentiable): an error, never a
    # silently missing second-order term
    with pytest.raises(RuntimeError, match="once_differentiable|does not require grad"):
        g.sum().backward()


def test_legacy_size_average_and_reduce_map_as_torch():
    x, y = CASES[0][3]
    with pytest.warns(UserWarning):
        want = F.mse_loss(x, y, size_average=False)
    assert_close(lt.mse_loss(x, y, size_average=False), want)
    assert_close(lt.mse_loss(x, y, reduce=False), F.mse_loss(x, y, reduction="none"))


def test_lossbench_gradient_lands_in_the_callers_buffer():
    x, y = np.random.default_rng(0).normal(size=(2, 64))
    g = np.empty_like(x)
    value, got = lossbench.mse_loss(x, y, grad=True, out=g)
    assert got is g and np.array_equal(g, 2 * (x - y) / 64) and value == np.mean((x - y) ** 2)


def test_backward_twice_with_retained_graph_accumulates():
    # the saved gradient is handed to autograd as is when grad_output is 1: a second backward of a
    # retained graph must still find it intact
    x = torch.randn(33, dtype=torch.float64, requires_grad=True)
    y = torch.randn(33, dtype=torch.float64)
    loss = lt.mse_loss(x, y)
    loss.backward(retain_graph=True)
    first = x.grad.clone()
    loss.backward()
    assert_close(x.grad, 2 * first)
    assert_close(first, 2 * (x.detach() - y) / 33)


def test_the_compiled_backend_runs_where_it_was_built(backend):
    # the build says whether it made lossbench._torch; where it did, it must load and be the default
    built = os.environ.get("LOSSBENCH_TORCH_EXTENSION")
    if built == "ON":
        assert lt._torch is not None, lt._torch_import_error
    elif built == "OFF":
        assert lt._torch is None
    node = lt.mse_loss(torch.randn(3, requires_grad=True), torch.randn(3)).grad_fn
    assert (type(node).__name__ == "CppFunction" and node.name() == "LossbenchBackward<mse>") == (backend == "c++")


def test_arrays_that_are_not_tensors_raise_type_error():
    x = torch.randn(4, dtype=torch.float64)
    with pytest.raises(TypeError, match=r"target: expected a torch.Tensor, got (numpy\.)?ndarray"):
        lt.mse_loss(x, x.numpy())


def test_ctc_lengths_as_python_lists():
    lp, tg, il, tl = CASES[9][3]
    got = lt.ctc_loss(lp, tg, il.tolist(), tuple(tl.tolist()))
    assert_close(got, F.ctc_loss(lp, tg, il.tolist(), tl.tolist()))


def test_backward_twice_without_retain_graph_raises():
    x = torch.randn(8, dtype=torch.float64, requires_grad=True)
    loss = lt.mse_loss(x, torch.zeros(8, dtype=torch.float64))
    loss.backward()
    with pytest.raises(RuntimeError, match="second time"):
        loss.backward()


def test_differentiating_the_gradient_again_raises():
    # a grad_output with a graph of its own, as in a double backward: the first derivative comes
    # back, and differentiating through it is an error, never a missing second-order term
    x = torch.randn(5, dtype=torch.float64, requires_grad=True)
    w = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    loss = lt.mse_loss(x, torch.zeros(5, dtype=torch.float64))
    (g,) = torch.autograd.grad(loss, x, grad_outputs=w * 1.0, create_graph=True)
    assert_close(g.detach(), 2.0 * 2 * x.detach() / 5)
    with pytest.raises(RuntimeError, match="differentiat"):
        g.sum().backward()


def test_two_python_threads_train_at_once():
    # the kernel runs with the GIL released; both threads' gradients must be their own and right
    xs = [torch.randn(1 << 16, dtype=torch.float64, requires_grad=True) for _ in range(2)]
    ys = [torch.randn(1 << 16, dtype=torch.float64) for _ in range(2)]

    def step(k):
        for _ in range(20):
            xs[k].grad = None
            lt.mse_loss(xs[k], ys[k]).backward()

    threads = [threading.Thread(target=step, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for x, y in zip(xs, ys):
        assert_close(x.grad, 2 * (x.detach() - y) / x.numel())


def test_bad_arguments_name_themselves_on_either_backend():
    x = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
    with pytest.raises(lossbench.Error, match="reduction") as e:
        lt.mse_loss(x, x.detach(), reduction="avg")
    assert e.value.argument == "reduction"
    with pytest.raises(TypeError, match="target: is float32 but the loss computes in float64"):
        lt.mse_loss(x, torch.randn(4, 3))
    with pytest.raises(lossbench.Error) as e:
        lt.mse_loss(x, torch.randn(4, 2, dtype=torch.float64))
    assert e.value.argument == "target"
    with pytest.raises(lossbench.Error) as e:
        lt.huber_loss(x, x.detach(), delta=-1.0)
    assert e.value.argument == "delta"
    with pytest.raises(TypeError, match="margin: expected a number"):
        lt.hinge_loss(x, x.detach(), margin="1")
    with pytest.raises(lossbench.Error) as e:
        lt.cross_entropy(x, torch.tensor([0, 1, 5, 2]))
    assert e.value.argument == "target"
