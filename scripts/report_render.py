#!/usr/bin/python3
"""report_render.py — turn `lossbench report`'s report.json into report.md and index.html.

report.md: a one-screen summary (machine, noise, contents, per loss and dtype the variant to use
in each size band), a table per loss (fastest variant per dtype/mode/size, speed-up over scalar,
% of roofline, accuracy), the `auto` check and the roofline measurements. index.html: the same
plus charts (throughput per loss, speed-up, roofline), self-contained: no JavaScript, no network,
opens from disk.

Needs Debian's python3-matplotlib (scripts/setup.sh installs it); run it with /usr/bin/python3.
Both files are written whole or not at all (temporary name, then rename).

usage: report_render.py REPORT_JSON [-o DIR]     (DIR defaults to the JSON's directory)
exit:  0 written, 2 not a report.json (unreadable, not JSON, no "lossbench_rows"), 1 other failure
"""
import argparse
import os
import sys
import time

from report import atomic, charts, html_page, markdown, roofline, summary
from report.load import ReportError, load


def render(report, out_dir):
    """Writes out_dir/report.md and out_dir/index.html for a loaded report."""
    results = summary.size_results(report.rows)
    colors = charts.variant_colors(report.rows)
    throughput = [charts.throughput_chart(loss, report.rows, colors) for loss in summary.losses(report.rows)]
    others = ([charts.torch_chart(report), charts.speedup_chart(results, summary.losses(report.rows))] +
              roofline.roofline_charts(report.rows, summary.machine(report), report.roofline))
    notes = [c.note for c in throughput + others if c.note] + roofline.notes(report.rows)
    atomic.write_atomic(os.path.join(out_dir, "report.md"), markdown.render(report, results, notes))
    atomic.write_atomic(os.path.join(out_dir, "index.html"), html_page.render(report, results, throughput, others))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("report_json")
    parser.add_argument("-o", "--out-dir", help="output directory (default: the JSON's directory)")
    args = parser.parse_args(argv)
    out_dir = args.out_dir or os.path.dirname(os.path.abspath(args.report_json))
    start = time.monotonic()
    try:
        report = load(args.report_json)
    except ReportError as e:
        print(f"report_render: {e}", file=sys.stderr)
        return 2
    os.makedirs(out_dir, exist_ok=True)
    render(report, out_dir)
    print(f"report_render: {len(report.rows)} rows -> {os.path.join(out_dir, 'report.md')}, "
          f"{os.path.join(out_dir, 'index.html')} ({time.monotonic() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
