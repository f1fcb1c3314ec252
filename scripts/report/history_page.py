"""history.html: the saved reports across commits in one self-contained page (inline CSS, charts
as data URIs, no JavaScript, no network), in the report's style (html_page.py).

Sections: the reports (one line each, with compare's verdict against the one before), the step
changes of every comparison (each flagged row as <li class="step" data-row=KEY>), a chart per loss
(history_charts.py), and every series' newest values with the change against the report before.
"""
import html

from . import fmt, html_page, summary
from .history_charts import history_chart
from .history_compare import key_of


def _verdict(step):
    if step is None:
        return "first report"
    if step.error:
        return f"not compared: {step.error}"
    flagged = len(step.flagged()) + len(step.only_old)
    count = f" ({flagged} step change{'s' * (flagged > 1)})" if flagged else ""
    return ("REGRESSION" if step.regression else "ok") + count


def reports_section(entries, steps):
    dirty = {True: "yes", False: "no"}
    rows = [[str(i + 1), e.started, e.commit, dirty.get(e.dirty, "unknown"), e.commit_date, str(len(e.report.rows)),
             _verdict(steps[i - 1] if i else None), e.name] for i, e in enumerate(entries)]
    header = ["#", "ran", "commit", "dirty", "commit date", "rows", "against the one before", "file"]
    return ["<h2 id=reports>Reports</h2>", html_page.table(header, rows, numeric_from=len(header))]


def steps_section(steps):
    out = ["<h2 id=steps>Step changes</h2>"]
    if not steps:
        return out + ["<p>Only one report: nothing to compare yet (add another with "
                      "<code>lossbench history add</code>).</p>"]
    for s in steps:
        title = f"{html.escape(s.old.label)} → {html.escape(s.new.label)}: {html.escape(_verdict(s))}"
        items = [f'<li class="step" data-row="{html.escape(k)}">{html.escape(k)}: {html.escape(", ".join(f))}'
                 f'{_ratio(s.changes[k])}</li>' for k, f in s.flagged()]
        items += [f'<li class="step" data-row="{html.escape(k)}">{html.escape(k)}: missing from the newer report</li>'
                  for k in s.only_old]
        out += [f"<h3>{title}</h3>", "<ul>" + "".join(items) + "</ul>" if items else "<p>No step change.</p>"]
    return out


def _ratio(change):
    ratio, p = change.get("ratio"), change.get("p_value")
    if not isinstance(ratio, (int, float)):
        return ""
    return f" (time {100 * (ratio - 1):+.1f}%, p = {p:.3g})" if isinstance(p, (int, float)) else ""


def _change(old, new):
    if old is None or new is None or not old:
        return fmt.DASH
    return f"{100 * (new / old - 1):+.1f}%"


def series_section(entries, steps):
    """Every (loss, variant, dtype, mode, n) of the newest report: its values and the change."""
    last, before = entries[-1], (entries[-2] if len(entries) > 1 else None)
    previous = {key_of(r): r for r in before.report.rows} if before else {}
    step = steps[-1] if steps else None
    header = ["loss", "variant", "dtype", "mode", "n", "G items/s", "change", "verdict",
              "value rel err", "before", "grad max ULP", "before"]
    rows, flagged = [], set()
    for i, r in enumerate(last.report.rows):
        old = previous.get(key_of(r))
        flags = step.flags(key_of(r)) if step else []
        if flags:
            flagged.add(i)
        rows.append([r.loss, r.label, r.dtype, fmt.mode(r.mode), fmt.size(r.n), fmt.giga(r.items_per_second),
                     _change(old and old.items_per_second, r.items_per_second), ", ".join(flags) or "—",
                     fmt.rel_err(r.value_rel_err), fmt.rel_err(old and old.value_rel_err),
                     fmt.ulp(r.grad_max_ulp), fmt.ulp(old and old.grad_max_ulp)])
    note = ("<p>The newest report's rows against the report before it (tinted: a step change).</p>" if before
            else "<p>Only one report: no change to show.</p>")
    return ["<h2 id=series>Every series, newest</h2>", note,
            html_page.table(header, rows, numeric_from=5, noisy=flagged)]


def render(entries, steps):
    losses = summary.losses(r for e in entries for r in e.report.rows)
    colors = {}
    charts = [history_chart(entries, steps, loss, colors) for loss in losses]
    intro = (f"{len(entries)} reports, {html.escape(entries[0].started)} to {html.escape(entries[-1].started)}. "
             f"Consecutive reports are compared by <code>lossbench compare OLD NEW --json</code>: per benchmark a "
             f"two-sided Mann–Whitney U test over the repetitions (p &lt; 0.05) and a change beyond 5% of the "
             f"median time; accuracy against each loss's bound.")
    body = [f"<p>{intro}</p>", *reports_section(entries, steps), *steps_section(steps), "<h2 id=charts>Per loss</h2>"]
    for loss, chart in zip(losses, charts):
        body += [f'<h3 id="{html_page.anchor(loss)}">{html.escape(loss)}</h3>', html_page.figure(chart)]
    body += series_section(entries, steps)
    return ("<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8><title>lossbench history</title>"
            f"<style>{html_page.CSS}</style></head><body><h1>lossbench across commits</h1>\n"
            + "\n".join(body) + "\n</body></html>\n")
