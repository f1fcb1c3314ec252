"""lossbench.torch — drop-in replacements for torch.nn.functional's losses and torch.nn's loss
modules, for CPU training loops.

Each loss runs lossbench's fused value+gradient kernel in the forward (only for the inputs that
require grad; the value alone under ``torch.no_grad()``), and its backward scales the saved gradient
by ``grad_output`` (per sample with ``reduction="none"``). The autograd node is C++ (the compiled
``lossbench._torch``, built when libtorch's headers are found) or, without it, a
``torch.autograd.Function`` with the same behaviour at about 10 µs more per call; ``backend`` says
which runs. The
signatures are torch's; the tensors must be C-contiguous float32/float64 CPU tensors (indices
int32/int64), or bfloat16/float16 for the losses with 16-bit kernels (computed in float32: the value
is a float32 tensor, per-sample losses and gradients have the input's dtype, each rounded once).
Anything else — CUDA tensors, 16-bit tensors for a loss without 16-bit kernels, non-contiguous
views — raises a TypeError naming the argument: there is no silent fallback to torch.

Gradients lossbench does not compute raise ``lossbench.Error`` when asked for: w.r.t. a target
(except mse/l1/huber, whose target gradient is exactly minus the input's), w.r.t. ``weight`` or
``pos_weight``, and second derivatives.
"""
import numpy
import torch
from torch.autograd.function import once_differentiable

from . import Error, _core, _lengths, _reduction

try:
    from . import _torch
except ImportError as e:  # not built (no libtorch-dev), or built against another torch
    _torch, _torch_import_error = None, str(e)
else:
    _torch_import_error = None

# "c++": the compiled autograd node; "python": the autograd.Function below.
backend = "c++" if _torch is not None else "python"

__all__ = [
    "mse_loss", "l1_loss", "huber_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", "hinge_loss",
    "cross_entropy", "kl_div", "ctc_loss", "triplet_margin_loss", "contrastive_loss",
    "MSELoss", "L1Loss", "HuberLoss", "BCELoss", "BCEWithLogitsLoss", "HingeLoss", "CrossEntropyLoss", "KLDivLoss",
    "CTCLoss", "TripletMarginLoss", "ContrastiveLoss",
]

# Which inputs of each loss have a gradient (catalogue order), and the losses whose per-element
# value depends on input − target alone, so that ∂/∂target = −∂/∂input exactly.
_DIFFERENTIABLE = {d["name"]: tuple(i["differentiable"] for i in d["inputs"]) for d in _core.losses()}
_NAMES = {d["name"]: tuple(i["name"] for i in d["inputs"]) for d in _core.losses()}
_TARGET_IS_MINUS_INPUT = {d["name"] for d in _core.losses() if d["target_gradient_is_minus_input"]}
# Where each loss's per-sample losses start in its first input's dimensions (ctc: 1, of [T, B, C]).
_LOSSES_AXIS = {d["name"]: d["losses_axis"] for d in _core.losses()}
_NUMPY_DTYPES = (torch.float32, torch.float64, torch.float16, torch.int32, torch.int64)  # bfloat16: DLPack


def _array(t, name):
    """A zero-copy view the core reads: numpy through the buffer protocol (cheaper than DLPack in
    torch 1.13), or the tensor itself, whose DLPack export the core checks and names in its error."""
    if not isinstance(t, torch.Tensor):
        raise TypeError(f"{name}: expected a torch.Tensor, got {type(t).__name__}")
    if not t.is_cpu:
        raise TypeError(f"{name}: a {t.device.type} tensor; lossbench runs on the CPU (no silent copy: call .cpu())")
    t = t.detach()
    return t.numpy() if t.dtype in _NUMPY_DTYPES else t


def _param(value, name):
    if isinstance(value, torch.Tensor):
        if value.requires_grad and torch.is_grad_enabled():
            raise Error(f"{name}: lossbench computes no gradient for {name}; pass {name}.detach()")
        return _array(value, name)
    return value


class _Fused(torch.autograd.Function):
    """forward(loss, params, reduction, variant, threads, *inputs) → the value (or per-sample losses)."""

    @staticmethod
    def forward(ctx, loss, params, reduction, variant, threads, *inputs):
        names, diff = _NAMES[loss], _DIFFERENTIABLE[loss]
        needs = ctx.needs_input_grad[5:]
        for i, name in enumerate(names):
            if needs[i] and not diff[i] and not (i == 1 and loss in _TARGET_IS_MINUS_INPUT):
                raise Error(f"{name}: lossbench computes no gradient for {name} of {loss}; pass {name}.detach()")
        want = [needs[i] or (i == 0 and loss in _TARGET_IS_MINUS_INPUT and needs[1]) for i in range(len(names)) if diff[i]]
        arrays = tuple(_array(t, n) for t, n in zip(inputs, names))
        result = _core.run(loss, arrays, params, reduction, variant, threads, want if any(want) else False, None)
        value, grads = (result[0], result[1:]) if any(want) else (result, ())
        out = _tensor(value)  # the losses array, or the value as a 0-d tensor
        ctx.loss, ctx.reduction = loss, reduction
        ctx.save_for_backward(*(_tensor(g) for g in grads if g is not None))
        ctx.grad_slots = [i for i, d in enumerate(diff) if d]  # input index of each saved gradient
        ctx.wanted = want
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_output):
        saved = iter(ctx.saved_tensors)
        grads = [None] * len(_NAMES[ctx.loss])
        for slot, wanted in zip(ctx.grad_slots, ctx.wanted):
            if wanted:
                grads[slot] = _scale(next(saved), grad_output, ctx.loss, ctx.reduction)
        if ctx.needs_input_grad[5 + 1] and ctx.loss in _TARGET_IS_MINUS_INPUT:
            grads[1] = -grads[0]
        if not ctx.needs_input_grad[5]:
            grads[0] = None
        return (None,) * 5 + tuple(grads)


def _tensor(a):
    """A result of the core as a tensor, without a copy: numpy arrays and scalars are wrapped,
    bfloat16 results (which numpy lacks) already are tensors."""
    return a if isinstance(a, torch.Tensor) else torch.from_numpy(numpy.asarray(a))


def _scale(grad, grad_output, loss, reduction):
    """The saved gradient (of the reduced value, or of the sum with "none") times grad_output."""
    if reduction != "none":
        # loss.backward() passes 1: the saved gradient is the answer, and autograd may adopt it as
        # .grad without a copy (a pass over the array saved: a quarter of the step at 16M)
        return grad if grad_output.item() == 1.0 else grad * grad_output
    axis = _LOSSES_AXIS[loss]  # the per-sample losses broadcast over the gradient's other dimensions
    w = grad_output.reshape((1,) * axis + grad_output.shape + (1,) * (grad.dim() - axis - grad_output.dim()))
    return grad * w


def _apply(loss, inputs, params, reduction, variant="auto", threads=0):
    params = {k: _param(v, k) for k, v in params.items()}
    if backend == "c++":
        return _torch.fused(loss, params, reduction, variant, threads, *inputs)
    return _Fused.apply(loss, params, reduction, variant, threads, *inputs)


# ---- torch.nn.functional's signatures ----------------------------------------------------------

def mse_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    return _apply("mse", (input, target), {}, _reduction(size_average, reduce, reduction))


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    return _apply("mae", (input, target), {}, _reduction(size_average, reduce, reduction))


def huber_loss(input, target, reduction="mean", delta=1.0):
    return _apply("huber", (input, target), {"delta": delta}, reduction)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    if weight is not None:
        raise Error("weight: per-element weights are not part of lossbench's binary_cross_entropy")
    return _apply("bce", (input, target), {}, _reduction(size_average, reduce, reduction))


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None):
    if weight is not None:
        raise Error("weight: per-element weights are not part of lossbench's binary_cross_entropy_with_logits")
    return _apply("bce_logits", (input, target), {"pos_weight": pos_weight}, _reduction(size_average, reduce, reduction))


def hinge_loss(input, target, margin=1.0, reduction="mean"):
    """max(0, margin − y·x): torch's ``clamp(margin - target * input, min=0)``, fused."""
    return _apply("hinge", (input, target), {"margin": margin}, reduction)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                  label_smoothing=0.0):
    return _apply("cross_entropy", (input, target),
                  {"weight": weight, "ignore_index": ignore_index, "label_smoothing": label_smoothing},
                  _reduction(size_average, reduce, reduction))


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    return _apply("kl_div", (input, target), {"log_target": log_target}, _reduction(size_average, reduce, reduction))


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=False):
    return _apply("ctc", (log_probs, targets, _tensor_lengths(input_lengths, "input_lengths"),
                          _tensor_lengths(target_lengths, "target_lengths")),
                  {"blank": blank, "zero_infinity": zero_infinity}, reduction)


def _tensor_lengths(x, name):
    """CTC lengths as torch takes them: a tensor, or a tuple/list of ints (as an int64 tensor)."""
    x = _lengths(x, name)
    return torch.from_numpy(x) if isinstance(x, numpy.ndarray) else x


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-06, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    return _apply("triplet", (anchor, positive, negative), {"margin": margin, "p": p, "eps": eps, "swap": swap},
                  _reduction(size_average, reduce, reduction))


def contrastive_loss(x1, x2, target, margin=1.0, reduction="mean"):
    """½[y·d² + (1 − y)·max(0, margin − d)²], d = ‖x1 − x2‖₂ (torch has no such function)."""
    return _apply("contrastive", (x1, x2, target), {"margin": margin}, reduction)


# ---- torch.nn's modules ---------------------------------------------------------------------------

class _Loss(torch.nn.Module):
    def __init__(self, size_average=None, reduce=None, reduction="mean"):
        super().__init__()
        self.reduction = _reduction(size_average, reduce, reduction)


class MSELoss(_Loss):
    def forward(self, input, target):
        return mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    def forward(self, input, target):
        return l1_loss(input, target, reduction=self.reduction)


class HuberLoss(_Loss):
    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input, target):
        return huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class BCELoss(_Loss):
    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)

    def forward(self, input, target):
        return binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean", pos_weight=None):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):
        return binary_cross_entropy_with_logits(input, target, self.weight, reduction=self.reduction,
                                                pos_weight=self.pos_weight)


class HingeLoss(_Loss):
    def __init__(self, margin=1.0, reduction="mean"):
        super().__init__(reduction=reduction)
        self.margin = margin

    def forward(self, input, target):
        return hinge_loss(input, target, margin=self.margin, reduction=self.reduction)


class CrossEntropyLoss(_Loss):
    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                 label_smoothing=0.0):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input, target):
        return cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                             reduction=self.reduction, label_smoothing=self.label_smoothing)


class KLDivLoss(_Loss):
    def __init__(self, size_average=None, reduce=None, reduction="mean", log_target=False):
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input, target):
        return kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class CTCLoss(_Loss):
    def __init__(self, blank=0, reduction="mean", zero_infinity=False):
        super().__init__(reduction=reduction)
        self.blank, self.zero_infinity = blank, zero_infinity

    def forward(self, log_probs, targets, input_lengths, target_lengths):
        return ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank, self.reduction,
                        self.zero_infinity)


class TripletMarginLoss(_Loss):
    def __init__(self, margin=1.0, p=2.0, eps=1e-06, swap=False, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin, self.p, self.eps, self.swap = margin, p, eps, swap

    def forward(self, anchor, positive, negative):
        return triplet_margin_loss(anchor, positive, negative, margin=self.margin, p=self.p, eps=self.eps,
                                   swap=self.swap, reduction=self.reduction)


class ContrastiveLoss(_Loss):
    def __init__(self, margin=1.0, reduction="mean"):
        super().__init__(reduction=reduction)
        self.margin = margin

    def forward(self, x1, x2, target):
        return contrastive_loss(x1, x2, target, margin=self.margin, reduction=self.reduction)
