"""Number formatting shared by report.md and index.html: 3 significant digits, units spelled out,
and an em dash for anything not measured (None), so a sparse file never prints 'None' or crashes."""
import math

DASH = "—"


def sig3(x):
    """3 significant digits without exponent for the magnitudes a report has: 5.04, 47.3, 1050."""
    if x is None or not math.isfinite(x):
        return DASH
    if x == 0:
        return "0"
    decimals = max(0, 2 - math.floor(math.log10(abs(x))))
    return f"{x:.{decimals}f}"


def giga(x):
    """items/s -> '5.04' (the column header says G items/s)."""
    return DASH if x is None else sig3(x / 1e9)


def times(x):
    return DASH if x is None else sig3(x) + "×"


def percent(x):
    """'42%', '4.2%'; a value that rounds to zero prints as 0.0%, never -0.0%."""
    if x is None or not math.isfinite(x):
        return DASH
    text = f"{x:.0f}" if abs(x) >= 10 else f"{x:.1f}"
    return (text.lstrip("-") if float(text) == 0 else text) + "%"


def rel_err(x):
    if x is None:
        return DASH
    return "0" if x == 0 else f"{x:.1e}"


def ulp(x):
    return DASH if x is None else sig3(x)


def rate(x, unit):
    """bytes/s or FLOP/s -> '20.0 GB/s', '150 GFLOP/s' (decimal prefixes, as the hardware quotes)."""
    if x is None:
        return DASH
    for scale, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= scale:
            return f"{sig3(x / scale)} {prefix}{unit}"
    return f"{sig3(x)} {unit}"


def axis_rate(x, unit):
    """Axis ticks: '1 GFLOP/s', '20 GB/s' (as few digits as the tick needs)."""
    for scale, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= scale:
            return f"{x / scale:g} {prefix}{unit}"
    return f"{x:g} {unit}"


def size(n):
    """Element counts and working sets in binary units: 4096 -> '4K', 1048576 -> '1M', and sizes a loss
    rounds to whole samples to 3 significant digits of the same units, 8389000 -> '8M', 3000 -> '2.93K'
    (so one table never mixes '4K' with '8389000'); below 1K the number itself."""
    if n is None:
        return DASH
    for scale, suffix in ((1 << 30, "G"), (1 << 20, "M"), (1 << 10, "K")):
        if n >= scale:
            return f"{n // scale}{suffix}" if n % scale == 0 else f"{n / scale:.3g}{suffix}"
    return str(int(n))


def nbytes(n):
    """Working sets: 16384 -> '16 KiB', 1000 -> '1000 B'."""
    text = size(n)
    if text == DASH:
        return text
    return f"{text[:-1]} {text[-1]}iB" if text[-1].isalpha() else f"{text} B"


def noisy_cv(row):
    """cv column: '2.1%', or '⚠ 18%' on a row the run marked noisy."""
    text = percent(None if row.cv is None else 100 * row.cv)
    return f"⚠ {text}" if row.noisy else text


def mode(m):
    return {"value": "value", "value_grad": "value+grad"}.get(m, m)
