"""report.md: the one-screen summary and a table of contents first, then one table per loss, then
the appendices (`auto` against the fixed variants, the roofline measurements)."""
import re

from . import content, peer, roofline, summary


def _escape(cell):
    return cell.replace("|", "\\|")


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_escape(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def slug(title, seen):
    """The anchor GitHub and most viewers give a heading: lower case, punctuation dropped, spaces
    as hyphens, '-1', '-2' after repeats. `seen` counts the slugs given so far."""
    base = re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-")
    count = seen.get(base, 0)
    seen[base] = count + 1
    return base if count == 0 else f"{base}-{count}"


def toc(lines):
    """A link per '## ' heading of `lines`; its '### ' subsections follow on the same line, so that
    the contents stay a few lines above the recommendations even with every loss."""
    items, seen = [], {}
    for line in lines:
        m = re.match(r"(##|###) (.+)$", line)
        if not m:
            continue
        link = f"[{m.group(2)}](#{slug(m.group(2), seen)})"
        if m.group(1) == "##":
            items.append([link])
        elif items:
            items[-1].append(link)
    return [f"- {item[0]}" + (": " + " · ".join(item[1:]) if item[1:] else "") for item in items]


def render(report, results, chart_notes=()):
    """The markdown text. `chart_notes`: why a chart of index.html is missing, said here too."""
    machine, noise = summary.machine(report), summary.noise(report)
    out = ["# lossbench report", "", content.machine_line(machine), "", content.run_line(report), ""]
    out += [f"- {line}" for line in content.noise_lines(noise) + content.notes(report)] + [""]
    body = use_section(report, chart_notes) + peer_section(report) + loss_sections(report, results)
    body += auto_appendix(report) + appendix(machine, report)
    out += ["Contents:", ""] + toc(body) + [""] + body
    return "\n".join(out).rstrip() + "\n"


def use_section(report, chart_notes):
    recs = summary.report_recommendations(report)
    out = ["## On this CPU, use", "", content.bands_note(report), ""]
    out += [f"- {line}" for line in content.recommendation_lines(recs, report)] or ["- (no measured rows)"]
    return out + ["", "Charts: index.html next to this file." + "".join(f" {n}" for n in chart_notes), ""]


def peer_section(report):
    out = ["## Against PyTorch", ""] + [f"- {line}" for line in peer.lines(report)] + [""]
    return out + ([table(*peer.table(report)), ""] if peer.rows(report) else [])


def loss_sections(report, results):
    out = ["## Per loss", "",
           "Fastest variant per (dtype, mode, n); × scalar = its items/s over the scalar row's; "
           "× torch = torch's forward+backward time over lossbench.torch's (value+grad, same n and threads); "
           "roofline = % of the lower of the memory and compute roofs; accuracy of that variant "
           "against the long-double reference; ⚠ = cv above 10%.", ""]
    if content.has_sixteen_bit(report.rows):
        out += [content.SIXTEEN_BIT_NOTE, ""]
    for loss in summary.losses(report.rows):
        mine = [s for s in results if s.loss == loss]
        body = table(*content.loss_table(mine, report)) if mine else "No measured rows."
        out += [f"### {loss}", "", body, ""]
    return out


def auto_appendix(report):
    autos = summary.auto_results(report.rows)
    if not autos:
        return []
    out = ["## The `auto` variant (appendix)", ""] + [f"- {line}" for line in content.auto_lines(report, autos)]
    return out + ["", table(*content.auto_table(autos)), ""]


def appendix(machine, report):
    out = ["## Roofline measurements (appendix)", ""]
    if machine.bandwidth:
        out += [roofline.ceiling_intro(report.roofline), "", table(*roofline.ceiling_table(report.roofline)), ""]
    if machine.peak_flops:
        out += ["Peak FLOP/s (in-cache FMA):", "", table(*content.peak_table(machine)), ""]
    if not machine.bandwidth and not machine.peak_flops:
        out += ["No roofline measurements in this report.", ""]
    return out
