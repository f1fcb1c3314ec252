"""index.html: the same report as report.md plus the charts, in one self-contained file.

No JavaScript and no external resource (charts are data URIs, CSS is inline), so it opens from
disk, offline, in any browser; the contents at the top link to the sections in the page (#loss-mse).
"""
import html
import re

from . import content, peer, roofline, summary

CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; margin: 1.5em auto;
       max-width: 1280px; padding: 0 1em; background: #fff; }
h1 { font-size: 1.6em; margin-bottom: .2em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ddd; }
.machine { font-size: 1.05em; } .run { color: #666; } ul { padding-left: 1.3em; }
table { border-collapse: collapse; margin: .5em 0 1.2em; font-size: 13px; }
th, td { padding: 3px 9px; border-bottom: 1px solid #e4e4e4; text-align: left; white-space: nowrap; }
th { background: #f4f4f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.noisy td { background: #fff4d6; }
figure { margin: 0 0 1.2em; } figcaption { color: #555; font-size: 12.5px; max-width: 900px; }
figure img { max-width: 100%; height: auto; display: block; }
.grid { display: flex; flex-wrap: wrap; gap: .5em 1.5em; }
.skipped { color: #8a5a00; background: #fff4d6; padding: .4em .7em; display: inline-block; }
nav.toc ul { margin: .3em 0 1em; } nav.toc li { margin: .1em 0; }
code { font: 12.5px ui-monospace, "DejaVu Sans Mono", monospace; background: #f4f4f4; padding: 0 .25em; }
"""


def text(s):
    """Escapes for HTML, then turns content's **x** into <strong>x</strong> and `x` into <code>x</code>
    (content is written once, in markdown's two marks, for report.md and this page)."""
    strong = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", html.escape(s))
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", strong)


def anchor(loss):
    return "loss-" + re.sub(r"[^A-Za-z0-9_-]", "-", loss)


def table(header, rows, numeric_from, noisy=()):
    """Columns from `numeric_from` on are right-aligned; rows whose index is in `noisy` are tinted."""
    out = ["<table>", "<tr>" + "".join(f"<th>{text(h)}</th>" for h in header) + "</tr>"]
    for i, row in enumerate(rows):
        cells = "".join(f'<td{" class=num" if j >= numeric_from else ""}>{text(c)}</td>'
                        for j, c in enumerate(row))
        out.append(f'<tr{" class=noisy" if i in noisy else ""}>{cells}</tr>')
    return "\n".join(out + ["</table>"])


def figure(chart):
    """A chart as <figure id=...>, or the note saying why it was skipped (without the chart's id,
    so a check for the id fails where the chart is missing)."""
    if chart.uri is None:
        return f'<p class="skipped">{text(chart.note or chart.title + " skipped")}</p>'
    return (f'<figure class="chart" id="{chart.id}">'
            f'<img src="{chart.uri}" alt="{html.escape(chart.title)}">'
            f"<figcaption>{text(chart.caption)}</figcaption></figure>")


def head_section(report):
    machine, noise = summary.machine(report), summary.noise(report)
    return [f'<p class="machine">{text(content.machine_line(machine))}</p>',
            f'<p class="run">{text(content.run_line(report))}</p>',
            "<ul>" + "".join(f"<li>{text(line)}</li>" for line in content.noise_lines(noise) + content.notes(report))
            + "</ul>"]


def use_section(report):
    recs = content.recommendation_lines(summary.report_recommendations(report), report)
    return ['<h2 id="use">On this CPU, use</h2>', f"<p>{text(content.bands_note(report))}</p>",
            "<ul>" + ("".join(f"<li>{text(line)}</li>" for line in recs) or "<li>(no measured rows)</li>") + "</ul>"]


def toc(body):
    """A link per <h2 id> of `body`, its <h3 id> subsections on the same line (as in report.md)."""
    items = []
    for level, hid, title in re.findall(r'<h([23]) id="([^"]+)">(.*?)</h\1>', "\n".join(body)):
        link = f'<a href="#{hid}">{title}</a>'
        if level == "2":
            items.append([link])
        elif items:
            items[-1].append(link)
    lis = "".join(f"<li>{item[0]}" + (": " + " · ".join(item[1:]) if item[1:] else "") + "</li>" for item in items)
    return f'<nav class="toc">Contents:<ul>{lis}</ul></nav>'


def auto_section(report):
    autos = summary.auto_results(report.rows)
    if not autos:
        return []
    return (['<h2 id="auto">The <code>auto</code> variant (appendix)</h2>'] +
            [f"<p>{text(line)}</p>" for line in content.auto_lines(report, autos)] +
            [table(*content.auto_table(autos), numeric_from=5,
                   noisy={i for i, a in enumerate(autos) if a.verdict == "missed"})])


def peer_section(report):
    out = ['<h2 id="torch">Against PyTorch</h2>'] + [f"<p>{text(line)}</p>" for line in peer.lines(report)]
    if peer.rows(report):
        out.append(table(*peer.table(report), numeric_from=3))
    return out


def charts_section(throughput, others):
    return (['<h2 id="charts">Charts</h2>', '<div class="grid">'] + [figure(c) for c in throughput] +
            ["</div>"] + [figure(c) for c in others])


def loss_sections(report, results):
    out = ['<h2 id="per-loss">Per loss</h2>',
           "<p>Fastest variant per (dtype, mode, n); × scalar = its items/s over the scalar row's; "
           "× torch = torch's forward+backward time over lossbench.torch's (value+grad, same n and threads); "
           "roofline = % of the lower of the memory (mem) and compute (cpu) roofs; accuracy of that "
           "variant against the long-double reference; ⚠ and tint = cv above 10%.</p>"]
    if content.has_sixteen_bit(report.rows):
        out.append(f"<p>{text(content.SIXTEEN_BIT_NOTE)}</p>")
    for loss in summary.losses(report.rows):
        mine = [s for s in results if s.loss == loss]
        header, rows = content.loss_table(mine, report)
        noisy = {i for i, s in enumerate(mine) if s.best.noisy}
        out += [f'<h3 id="{anchor(loss)}">{html.escape(loss)}</h3>',
                table(header, rows, numeric_from=4, noisy=noisy) if rows else "<p>No measured rows.</p>"]
    return out


def appendix(machine, report):
    out = ['<h2 id="appendix">Roofline measurements (appendix)</h2>']
    if machine.bandwidth:
        out += [f"<p>{text(roofline.ceiling_intro(report.roofline))}</p>",
                table(*roofline.ceiling_table(report.roofline), numeric_from=1)]
    out += [f"<p>{text(note)}</p>" for note in roofline.notes(report.rows)]
    if machine.peak_flops:
        out += ["<p>Peak FLOP/s (in-cache FMA):</p>", table(*content.peak_table(machine), numeric_from=1)]
    if not machine.bandwidth and not machine.peak_flops:
        out.append("<p>No roofline measurements in this report.</p>")
    return out


def render(report, results, throughput, others):
    """The page. `throughput`: per-loss charts (a grid); `others`: speed-up and roofline."""
    machine = summary.machine(report)
    title = "lossbench report" + (f" — {machine.cpu_model}" if machine.cpu_model else "")
    sections = (use_section(report) + peer_section(report) + charts_section(throughput, others) +
                loss_sections(report, results) + auto_section(report) + appendix(machine, report))
    body = ["<h1>lossbench report</h1>"] + head_section(report) + [toc(sections)] + sections
    return "\n".join(['<!DOCTYPE html>', '<html lang="en">', "<head>", '<meta charset="utf-8">',
                      f"<title>{html.escape(title)}</title>", f"<style>{CSS}</style>", "</head>", "<body>"] +
                     body + ["</body>", "</html>", ""])
