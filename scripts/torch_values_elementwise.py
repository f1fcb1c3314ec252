# Prints the torch 1.13 expected values pasted into tests/losses/{mae,huber,bce,bce_logits,hinge,
# kl_div}_test.cpp: float64 results on inputs exact in f32, value and x.grad for each reduction.
# Run with Debian's interpreter, which has torch 1.13: /usr/bin/python3 scripts/torch_values_elementwise.py
import torch
import torch.nn.functional as F
import warnings
warnings.filterwarnings("ignore")
D = torch.float64


def r(v):
    return repr(float(v))


def run(fn, x, y, red, **kw):
    x = torch.tensor(x, dtype=D).reshape(2, 3).requires_grad_(True)
    y = torch.tensor(y, dtype=D).reshape(2, 3)
    out = fn(x, y, red, **kw)
    (out.sum() if red == 'none' else out).backward()
    val = out.sum() if red == 'none' else out
    losses = out.flatten().tolist() if red == 'none' else []
    return r(val), [r(g) for g in x.grad.flatten().tolist()], [r(loss) for loss in losses]


def case(label, fn, x, y, reds, **kw):
    for red in reds:
        v, g, losses = run(fn, x, y, red, **kw)
        print(f'  // {label}, reduction="{red}"')
        print(f'  {{reduction::{red}, {v},\n   {{{", ".join(g)}}},\n   {{{", ".join(losses)}}}}},')


R3 = ['mean', 'sum', 'none']
print('mae')
x = [0.5, -1.25, 2.0, 0.75, 3.0, -0.5]
y = [0.25, -1.25, 1.0, 1.5, -2.0, 0.0]
case('F.l1_loss(x, y)', lambda x, y, red: F.l1_loss(x, y, reduction=red), x, y, R3)
print('huber')
x = [0.5, 2.0, -1.0, 3.0, -2.5, 1.0]
y = [0.0, 1.0, 0.0, 0.5, 0.0, 0.0]
for d in [1.0, 0.5, 2.5]:
    case(f'F.huber_loss(x, y, delta={d})', lambda x, y, red, d=d: F.huber_loss(x, y, reduction=red, delta=d),
         x, y, R3)
print('bce')
x = [0.25, 0.875, 0.015625, 0.5, 0.75, 0.96875]
y = [0.0, 1.0, 1.0, 0.25, 1.0, 0.0]
case('F.binary_cross_entropy(p, y)', lambda x, y, red: F.binary_cross_entropy(x, y, reduction=red), x, y, R3)
print('bce edges')
x = [0.0, 1.0, 0.0, 1.0, 2.0**-100, 0.5]
y = [1.0, 0.0, 0.0, 1.0, 1.0, 0.5]
case('F.binary_cross_entropy(p, y)', lambda x, y, red: F.binary_cross_entropy(x, y, reduction=red), x, y,
     ['sum', 'none'])
print('bce_logits')
x = [-2.5, 0.5, 4.0, -0.25, 10.0, -7.0]
y = [0.0, 1.0, 0.0, 0.5, 0.0, 1.0]
case('F.binary_cross_entropy_with_logits(z, y)',
     lambda x, y, red: F.binary_cross_entropy_with_logits(x, y, reduction=red), x, y, R3)
case('pos_weight=torch.tensor(2.5)',
     lambda x, y, red: F.binary_cross_entropy_with_logits(
         x, y, reduction=red, pos_weight=torch.tensor(2.5, dtype=D)),
     x, y, R3)
case('pos_weight=torch.tensor([0.5, 1.0, 3.0])',
     lambda x, y, red: F.binary_cross_entropy_with_logits(
         x, y, reduction=red, pos_weight=torch.tensor([0.5, 1.0, 3.0], dtype=D)),
     x, y, R3)
print('hinge')
x = [0.5, -2.0, 1.0, 0.25, -1.0, 3.0]
y = [1.0, 1.0, 1.0, -1.0, -1.0, -1.0]
for m in [1.0, 0.5, 2.0]:
    case(f'torch.clamp({m} - y*x, min=0)',
         lambda x, y, red, m=m: (lambda t: t.mean() if red == 'mean' else (t.sum() if red == 'sum' else t))(
             torch.clamp(m - y*x, min=0)),
         x, y, R3)
print('kl')
x = [-1.0, -0.5, -2.0, -0.25, -3.0, -1.5]
y = [0.25, 0.0, 0.5, 0.125, 0.0, 0.75]
case('F.kl_div(x, p)', lambda x, y, red: F.kl_div(x, y, reduction=red), x, y, R3+['batchmean'])
yl = [-1.5, -0.5, -3.0, -0.125, -2.0, -0.75]
case('F.kl_div(x, t, log_target=True)', lambda x, y, red: F.kl_div(x, y, reduction=red, log_target=True), x, yl,
     R3+['batchmean'])
