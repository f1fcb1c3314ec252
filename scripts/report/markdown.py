"""report.md: the one-screen summary first, then one table per loss, then the roofline appendix."""
from . import content, peer, summary


def _escape(cell):
    return cell.replace("|", "\\|")


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_escape(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def render(report, results, chart_notes=()):
    """The markdown text. `chart_notes`: why a chart of index.html is missing, said here too."""
    machine, noise = summary.machine(report), summary.noise(report)
    recs = summary.recommendations(results)
    out = ["# lossbench report", "", content.machine_line(machine), "", content.run_line(report), ""]
    out += [f"- {line}" for line in content.noise_lines(noise)] + [""]
    out += ["## On this CPU, use", ""]
    out += [f"- {line}" for line in content.recommendation_lines(recs, report.rows)] or ["- (no measured rows)"]
    out += ["", "Charts: index.html next to this file." + "".join(f" {n}" for n in chart_notes), ""]
    out += ["## Against PyTorch", ""] + [f"- {line}" for line in peer.lines(report)] + [""]
    if peer.rows(report):
        out += [table(*peer.table(report)), ""]
    autos = summary.auto_results(report.rows)
    if autos:
        out += ["## The `auto` variant", ""] + [f"- {line}" for line in content.auto_lines(report, autos)]
        out += ["", table(*content.auto_table(autos)), ""]
    out += ["## Per loss", "",
            "Fastest variant per (dtype, mode, n); × scalar = its items/s over the scalar row's; "
            "× torch = torch's forward+backward time over lossbench.torch's (value+grad, same n and threads); "
            "roofline = % of the lower of the memory and compute roofs; accuracy of that variant "
            "against the long-double reference; ⚠ = cv above 10%.", ""]
    for loss in summary.losses(report.rows):
        mine = [s for s in results if s.loss == loss]
        body = table(*content.loss_table(mine, report)) if mine else "No measured rows."
        out += [f"### {loss}", "", body, ""]
    out += appendix(machine)
    return "\n".join(out).rstrip() + "\n"


def appendix(machine):
    out = ["## Appendix: roofline measurements", ""]
    if machine.bandwidth:
        out += ["Streaming-read bandwidth by working set:", "", table(*content.bandwidth_table(machine)), ""]
    if machine.peak_flops:
        out += ["Peak FLOP/s (in-cache FMA):", "", table(*content.peak_table(machine)), ""]
    if not machine.bandwidth and not machine.peak_flops:
        out += ["No roofline measurements in this report.", ""]
    return out
