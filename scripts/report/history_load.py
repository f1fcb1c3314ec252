"""The history directory of `lossbench history`: every saved report.json, oldest first.

`lossbench history add` names each file <started UTC>_<commit>[-dirty].json, so the sorted names are
the chronological order; the commit, its date and the dirty flag are read from the report itself
(context.lossbench.git_*), "unknown" where the build did not know them.
"""
import os
from dataclasses import dataclass

from .load import ReportError, load


class HistoryError(Exception):
    """The history cannot be read: the message names the directory or the file."""


@dataclass
class Entry:
    path: str
    report: object  # load.Report

    @property
    def name(self):
        return os.path.basename(self.path)

    def _git(self, key):
        value = self.report.lossbench.get(key)
        return value if isinstance(value, (str, bool)) else "unknown"

    @property
    def commit(self):
        return self._git("git_commit")

    @property
    def short_commit(self):
        return self.commit[:12]

    @property
    def dirty(self):
        return self._git("git_dirty")

    @property
    def commit_date(self):
        return self._git("git_commit_date")

    @property
    def started(self):
        return str(self.report.lossbench.get("started") or self.report.context.get("date") or "unknown")

    @property
    def label(self):
        """What a chart's x axis shows: the commit, * where the tree had uncommitted changes."""
        return self.short_commit[:8] + ("*" if self.dirty is True else "")


def load_history(directory):
    """Entries of `directory`'s *.json files sorted by name; HistoryError when there are none or one
    is not a readable report.json (naming it)."""
    if not os.path.isdir(directory):
        raise HistoryError(f"{directory}: not a directory (`lossbench history add REPORT_DIR` creates it)")
    names = sorted(n for n in os.listdir(directory) if n.endswith(".json") and not n.startswith("."))
    if not names:
        raise HistoryError(f"{directory}: no reports in it (`lossbench history add REPORT_DIR` adds one)")
    entries = []
    for n in names:
        path = os.path.join(directory, n)
        try:
            entries.append(Entry(path, load(path)))
        except ReportError as e:
            raise HistoryError(str(e)) from e
    return entries
