"""The history as CSV: one line per report x row, for a spreadsheet or pandas."""
import csv
import io

COLUMNS = ["commit", "date", "dirty", "loss", "variant", "dtype", "mode", "n", "threads", "time_ns",
           "items_per_second", "cv", "repetitions", "value_rel_err", "grad_max_ulp", "roofline_pct"]


def _cell(value):
    # Absent measurements stay empty rather than "None"; numbers keep full precision (repr).
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


def csv_text(entries):
    """The CSV of history_load.Entry items: "date" is when the report ran (started), not the commit's."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(COLUMNS)
    for e in entries:
        for r in e.report.rows:
            w.writerow([_cell(v) for v in (e.commit, e.started, e.dirty, r.loss, r.variant, r.dtype, r.mode, r.n,
                                           r.threads, r.time_ns, r.items_per_second, r.cv, r.repetitions,
                                           r.value_rel_err, r.grad_max_ulp, r.roofline_pct)])
    return out.getvalue()
