"""Reads report.json (schema: the `lossbench report` output) into plain rows and machine facts.

Only the identity of a row (loss, variant, dtype, mode, n) is required: everything else may be
missing or null, and is then None here, so that a sparse but valid file renders (with dashes).
"""
import json
from dataclasses import dataclass, field

IDENTITY = ("loss", "variant", "dtype", "mode", "n")
NUMBERS = ("threads", "repetitions", "time_ns", "items_per_second", "bytes_per_second", "cv",
           "value_rel_err", "grad_max_rel_err", "grad_max_ulp", "grad_mean_ulp", "compulsory_bytes",
           "read_bytes", "written_bytes", "flops", "bound_items_per_second", "roofline_pct", "grad_ulp_goal")


class ReportError(Exception):
    """The file is not a report.json: the message names the file and what is wrong."""


@dataclass
class Row:
    loss: str
    variant: str
    dtype: str
    mode: str
    n: int
    threads: int = 1
    name: str = ""
    isa: str | None = None
    size_label: str | None = None
    repetitions: float | None = None
    time_ns: float | None = None
    items_per_second: float | None = None
    bytes_per_second: float | None = None
    cv: float | None = None
    noisy: bool = False
    parallel: bool | None = None  # omp: whether it ran on several threads (below its break-even it runs simd serially)
    value_rel_err: float | None = None
    grad_max_rel_err: float | None = None
    grad_max_ulp: float | None = None
    grad_mean_ulp: float | None = None
    compulsory_bytes: float | None = None  # read_bytes + written_bytes where both are given
    read_bytes: float | None = None        # absent in reports from before writes were priced
    written_bytes: float | None = None
    stores: str | None = None              # how the kernel wrote: "cached" or "streaming"
    flops: float | None = None
    bound_items_per_second: float | None = None
    bound: str | None = None
    roofline_pct: float | None = None
    auto_choice: str | None = None  # auto rows: the kernel it ran ("omp:avx512bw/threads:2")
    auto_source: str | None = None  # auto rows: "profile" or "heuristic"
    # 16-bit storage rows (bf16, f16): computed in f32; grad_max_ulp is in ULPs of the storage type,
    # against grad_ulp_goal (the f32 bound plus half a 16-bit ULP, the largest over the elements)
    # and grad_goal_met (every element within its own goal). None on f32/f64 rows and older reports.
    compute_dtype: str | None = None
    grad_ulp_goal: float | None = None
    grad_goal_met: bool | None = None

    @property
    def sixteen_bit(self):
        return self.dtype in ("bf16", "f16")

    @property
    def label(self):
        """The variant as named everywhere: omp rows with several threads become omp/threads:<t>,
        as in the benchmark names."""
        return f"{self.variant}/threads:{self.threads}" if self.threads > 1 else self.variant

    @property
    def flop_rate(self):
        """Achieved FLOP/s (roofline y axis), or None when the row lacks what it needs."""
        if not self.flops or not self.items_per_second:
            return None
        return self.flops * self.items_per_second / self.n

    @property
    def intensity(self):
        """FLOPs per compulsory byte (roofline x axis), or None."""
        if not self.flops or not self.compulsory_bytes:
            return None
        return self.flops / self.compulsory_bytes


@dataclass
class Report:
    path: str
    context: dict = field(default_factory=dict)    # Google Benchmark's context
    lossbench: dict = field(default_factory=dict)  # context.lossbench
    rows: list = field(default_factory=list)
    # Rows of the bisection between the sweep's sizes (two variants each, timings only): they place
    # the size bands' starts and appear nowhere else.
    crossover_rows: list = field(default_factory=list)
    peer: dict = field(default_factory=dict)       # "lossbench_peer": PyTorch measured beside lossbench

    @property
    def roofline(self):
        roof = self.lossbench.get("roofline")
        return roof if isinstance(roof, dict) else {}


def _number(value):
    # bool is an int in Python; a JSON true is not a measurement.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def _text(value):
    return value if isinstance(value, str) else None


def _row(path, index, raw):
    if not isinstance(raw, dict):
        raise ReportError(f"{path}: lossbench_rows[{index}] is not an object")
    missing = [k for k in IDENTITY if raw.get(k) is None]
    if missing:
        raise ReportError(f"{path}: lossbench_rows[{index}] lacks {', '.join(missing)}")
    n = _number(raw["n"])
    if n is None or n <= 0:
        raise ReportError(f"{path}: lossbench_rows[{index}] has n = {raw['n']!r}, not a positive number")
    numbers = {k: _number(raw.get(k)) for k in NUMBERS}
    threads = int(numbers.pop("threads") or 1)
    return Row(loss=str(raw["loss"]), variant=str(raw["variant"]), dtype=str(raw["dtype"]),
               mode=str(raw["mode"]), n=int(n), threads=max(threads, 1), name=str(raw.get("name") or ""),
               isa=raw.get("isa"), size_label=raw.get("size_label"), noisy=raw.get("noisy") is True,
               parallel=raw.get("parallel") if isinstance(raw.get("parallel"), bool) else None,
               bound=raw.get("bound"), auto_choice=_text(raw.get("auto_choice")),
               auto_source=_text(raw.get("auto_source")), stores=_text(raw.get("stores")),
               compute_dtype=_text(raw.get("compute_dtype")),
               grad_goal_met=raw.get("grad_goal_met") if isinstance(raw.get("grad_goal_met"), bool) else None,
               **numbers)


def load(path):
    """The Report in `path`; raises ReportError when it is unreadable, not JSON or has no rows list."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as e:
        raise ReportError(f"{path}: cannot read: {e.strerror}") from e
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ReportError(f"{path}: not valid JSON: {e}") from e
    if not isinstance(data, dict) or not isinstance(data.get("lossbench_rows"), list):
        raise ReportError(f'{path}: no "lossbench_rows" list: not a `lossbench report` output')
    context = data.get("context") if isinstance(data.get("context"), dict) else {}
    lossbench = context.get("lossbench") if isinstance(context.get("lossbench"), dict) else {}
    raws = list(enumerate(data["lossbench_rows"]))
    rows = [_row(path, i, raw) for i, raw in raws if not (isinstance(raw, dict) and raw.get("crossover") is True)]
    crossover_rows = [_row(path, i, raw) for i, raw in raws if isinstance(raw, dict) and raw.get("crossover") is True]
    peer = data.get("lossbench_peer") if isinstance(data.get("lossbench_peer"), dict) else {}
    return Report(path=path, context=context, lossbench=lossbench, rows=rows, crossover_rows=crossover_rows,
                  peer=peer)
