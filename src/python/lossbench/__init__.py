"""lossbench — machine-learning losses and their gradients, fused, SIMD and multithreaded.

Every function has torch.nn.functional's name, argument names and defaults, and takes numpy arrays
or torch CPU tensors without copying them (C-contiguous float32/float64, int32/int64 indices; float16,
and bfloat16 tensors, for the losses with 16-bit kernels).
Three keywords are lossbench's own:

* ``variant``: "auto" (default: the fastest kernel for this CPU and call size), "scalar", "simd",
  "simd:avx2", "omp", ... (``lossbench.registry()`` lists them);
* ``threads``: the omp variant's threads for this call (0: ``num_threads()``);
* ``grad``: True returns ``(value, gradient of each differentiable input)``, computed in the same
  pass; ``out`` takes the arrays those gradients are written into (else they are allocated).

The value is a numpy scalar of the input's dtype (float32 for 16-bit inputs, which compute in
float32); with ``reduction="none"`` it is the array of per-sample losses and the gradients are those
of their sum. Losses and gradients have the input's dtype (bfloat16 ones are torch tensors). Errors name the argument:
``lossbench.Error`` (a ValueError, with ``.argument``) for bad values and shapes, TypeError for
arrays of the wrong kind. For training loops, ``import lossbench.torch``.
"""
from . import _core
from ._core import (Error, auto_profile, best_isa, compiled_isas, explain, losses, max_isa, num_threads,
                    registry, reload_auto_profile, set_max_isa, set_num_threads, usable_isas)

__version__ = _core.__version__
__all__ = [
    "mse_loss", "l1_loss", "huber_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
    "hinge_loss", "cross_entropy", "kl_div", "ctc_loss", "triplet_margin_loss", "contrastive_loss", "evaluate",
    "Error", "auto_profile", "best_isa", "compiled_isas", "explain", "losses", "max_isa", "num_threads",
    "registry", "reload_auto_profile", "set_max_isa", "set_num_threads", "usable_isas",
]

_run = _core.run


def _reduction(size_average, reduce, reduction):
    """torch's legacy size_average/reduce arguments, mapped as torch maps them."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    return "mean" if size_average and reduce else "sum" if reduce else "none"


def _no_weight(weight, loss):
    if weight is not None:
        raise Error(f"weight: per-element weights are not part of lossbench's {loss}; "
                    "multiply the per-sample losses (reduction='none') by them")


def evaluate(loss, *inputs, reduction="mean", variant="auto", threads=0, grad=False, out=None, **params):
    """Any catalogue loss by its lossbench name (``lossbench.losses()``): inputs in catalogue order,
    parameters by name (absent ones take torch's defaults)."""
    return _run(loss, inputs, params, reduction, variant, threads, grad, out)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", *, variant="auto", threads=0,
             grad=False, out=None):
    """(x − y)² per element; gradient 2(x − y)."""
    return _run("mse", (input, target), {}, _reduction(size_average, reduce, reduction), variant, threads, grad, out)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", *, variant="auto", threads=0,
            grad=False, out=None):
    """|x − y| per element; gradient sign(x − y), 0 at 0."""
    return _run("mae", (input, target), {}, _reduction(size_average, reduce, reduction), variant, threads, grad, out)


def huber_loss(input, target, reduction="mean", delta=1.0, *, variant="auto", threads=0, grad=False, out=None):
    """½d² where |d| < delta, else delta·(|d| − ½delta), d = x − y."""
    return _run("huber", (input, target), {"delta": delta}, reduction, variant, threads, grad, out)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean", *,
                         variant="auto", threads=0, grad=False, out=None):
    """−(y·log p + (1 − y)·log(1 − p)), each log clamped at −100 as torch. ``weight`` is not supported."""
    _no_weight(weight, "binary_cross_entropy")
    return _run("bce", (input, target), {}, _reduction(size_average, reduce, reduction), variant, threads, grad, out)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None, *, variant="auto", threads=0, grad=False, out=None):
    """BCE on logits in the stable form; ``pos_weight`` a number or an array over the last dimension."""
    _no_weight(weight, "binary_cross_entropy_with_logits")
    return _run("bce_logits", (input, target), {"pos_weight": pos_weight}, _reduction(size_average, reduce, reduction),
                variant, threads, grad, out)


def hinge_loss(input, target, margin=1.0, reduction="mean", *, variant="auto", threads=0, grad=False, out=None):
    """max(0, margin − y·x), y in {−1, +1} (torch: ``clamp(margin - y*x, min=0)``)."""
    return _run("hinge", (input, target), {"margin": margin}, reduction, variant, threads, grad, out)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                  label_smoothing=0.0, *, variant="auto", threads=0, grad=False, out=None):
    """logsumexp(z) − z_t over logits [B, C] (or [C]); target class indices [B] or probabilities [B, C]."""
    return _run("cross_entropy", (input, target),
                {"weight": weight, "ignore_index": ignore_index, "label_smoothing": label_smoothing},
                _reduction(size_average, reduce, reduction), variant, threads, grad, out)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False, *, variant="auto",
           threads=0, grad=False, out=None):
    """p·(log p − input) per element, input = log q; "batchmean" divides by the batch size."""
    return _run("kl_div", (input, target), {"log_target": log_target}, _reduction(size_average, reduce, reduction),
                variant, threads, grad, out)


def _lengths(x, name):
    """CTC lengths as torch takes them: an array, or a tuple/list of ints (checked: no truncation)."""
    if not isinstance(x, (tuple, list)):
        return x
    import numpy
    import operator
    try:
        return numpy.asarray([operator.index(v) for v in x], dtype=numpy.int64)
    except (TypeError, OverflowError):
        bad = next(v for v in x if not isinstance(v, int) or not -2 ** 63 <= v < 2 ** 63)
        raise TypeError(f"{name}: expected integers, got {bad!r}") from None


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=False, *,
             variant="auto", threads=0, grad=False, out=None):
    """CTC on log_probs [T, B, C]; targets padded [B, S] or concatenated. The gradient is w.r.t. the
    logits under log_softmax (exp(lp) − γ), as torch's backward returns it."""
    return _run("ctc", (log_probs, targets, _lengths(input_lengths, "input_lengths"),
                        _lengths(target_lengths, "target_lengths")),
                {"blank": blank, "zero_infinity": zero_infinity}, reduction, variant, threads, grad, out)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-06, swap=False, size_average=None,
                        reduce=None, reduction="mean", *, variant="auto", threads=0, grad=False, out=None):
    """max(0, d(a, p) − d(a, n) + margin), d(x, y) = ‖x − y + eps‖_p, over rows [B, D]."""
    return _run("triplet", (anchor, positive, negative), {"margin": margin, "p": p, "eps": eps, "swap": swap},
                _reduction(size_average, reduce, reduction), variant, threads, grad, out)


def contrastive_loss(x1, x2, target, margin=1.0, reduction="mean", *, variant="auto", threads=0, grad=False,
                     out=None):
    """½[y·d² + (1 − y)·max(0, margin − d)²], d = ‖x1 − x2‖₂, y = 1 for similar pairs (Hadsell et al.)."""
    return _run("contrastive", (x1, x2, target), {"margin": margin}, reduction, variant, threads, grad, out)
