"""Step changes between consecutive reports, judged by `lossbench compare OLD NEW --json`.

The history reuses the command's test rather than having one of its own: per benchmark, a
two-sided Mann-Whitney U over the repetitions (significant at alpha 0.05, a change only beyond the
5% threshold) and the accuracy counters against each loss's bound. Its exit status is 0 (ok) or
1 (a regression), both with the JSON on stdout; 2 means the pair could not be compared (e.g.
reports without per-repetition rows), which the page says instead of judging.
"""
import json
import subprocess
from dataclasses import dataclass, field


@dataclass
class Step:
    """The comparison of one report with the one before it."""
    old: object  # history_load.Entry
    new: object
    regression: bool = False              # compare's verdict: speed, accuracy, a failure or a missing row
    changes: dict = field(default_factory=dict)  # row key -> compare's "changes" item
    only_old: list = field(default_factory=list)
    error: str | None = None              # why the pair was not compared

    def flags(self, key):
        """What changed for one row, as words ('slower', 'faster', 'accuracy worse', 'failed')."""
        c = self.changes.get(key)
        if c is None:
            return []
        words = [("slower", c.get("regression")), ("faster", c.get("improvement")),
                 ("accuracy worse", c.get("accuracy_regression")), ("failed", bool(c.get("error")))]
        return [w for w, on in words if on]

    def flagged(self):
        """(row key, flags) of every row with a step change, in the new report's order."""
        return [(k, self.flags(k)) for k in self.changes if self.flags(k)]


def row_key(name):
    """A benchmark's name without the suffixes that are not part of the row
    ('mse/omp/f32/value/n:4096/threads:2/real_time' -> 'mse/omp/f32/value/n:4096/threads:2'),
    as report.json's lossbench_rows name it."""
    parts = name.split("/")
    return "/".join(p for i, p in enumerate(parts) if i < 5 or p.startswith("threads:"))


def compare(cli, old, new):
    """The Step from old to new (history_load.Entry each), running `cli compare --json`."""
    step = Step(old, new)
    try:
        p = subprocess.run([cli, "compare", old.path, new.path, "--json"], capture_output=True, text=True,
                           timeout=600)
    except OSError as e:
        step.error = f"{cli} compare could not run: {e.strerror}"
        return step
    if p.returncode not in (0, 1):
        step.error = (p.stderr.strip().splitlines() or [f"exit {p.returncode}"])[-1]
        return step
    try:
        result = json.loads(p.stdout)
    except ValueError:  # a binary too old for --json, or something else answering to the name
        step.error = f"{cli} compare --json wrote no JSON"
        return step
    step.regression = bool(result.get("regression"))
    step.changes = {row_key(c["name"]): c for c in result.get("changes", [])}
    step.only_old = [row_key(n) for n in result.get("only_old", [])]
    return step


def steps(cli, entries):
    """One Step per consecutive pair of entries, oldest first."""
    return [compare(cli, a, b) for a, b in zip(entries, entries[1:])]


def key_of(row):
    """The key of a report row (load.Row), as row_key gives it for a benchmark name."""
    return row_key(row.name) if row.name else \
        f"{row.loss}/{row.variant}/{row.dtype}/{row.mode}/n:{row.n}" + (f"/threads:{row.threads}" if row.threads > 1
                                                                        else "")
