#!/usr/bin/python3
"""history_render.py — the reports `lossbench history add` saved, across commits: history.html
(a chart per loss, the step changes, every series' newest values), optionally a CSV, and a
verdict on the newest report for CI.

Consecutive reports are judged by `lossbench compare OLD NEW --json` (the --cli binary), the same
test the command applies to two runs. Needs Debian's python3-matplotlib; run it with /usr/bin/python3.
Every file is written whole or not at all (temporary name, then rename).

usage: history_render.py HISTORY_DIR [-o OUT_DIR] [--cli lossbench] [--csv FILE] [--fail-on-regression]
exit:  0 written; 1 --fail-on-regression and the newest report regressed against the one before;
       2 bad input (no such directory, no reports in it, a file that is not a report.json: named)
"""
import argparse
import os
import sys

from report import atomic, history_compare, history_csv, history_page
from report.history_load import HistoryError, load_history


def regression_lines(step):
    """What --fail-on-regression prints: compare's verdict and each row it flagged."""
    lines = [f"history: REGRESSION in {step.new.name} against {step.old.name} (lossbench compare):"]
    lines += [f"  {key}: {', '.join(flags)}" for key, flags in step.flagged() if flags != ["faster"]]
    lines += [f"  {key}: missing from the newer report" for key in step.only_old]
    return lines


def gate(steps):
    """--fail-on-regression's exit status: 1 when the newest step regressed, 2 when it could not be judged."""
    if not steps:
        print("history: fewer than 2 reports: no regression to check")
        return 0
    last = steps[-1]
    if last.error:
        print(f"history: {last.new.name} could not be compared with {last.old.name}: {last.error}", file=sys.stderr)
        return 2
    if last.regression:
        print("\n".join(regression_lines(last)))
        return 1
    print(f"history: no regression in {last.new.name} against {last.old.name}")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("history_dir")
    parser.add_argument("-o", "--out-dir", help="directory for history.html (default: HISTORY_DIR)")
    parser.add_argument("--cli", default="lossbench", help="the lossbench binary whose `compare` judges the steps")
    parser.add_argument("--csv", help="also write every report's rows to this CSV file")
    parser.add_argument("--fail-on-regression", action="store_true")
    args = parser.parse_args(argv)
    if args.csv and not os.path.isdir(os.path.dirname(os.path.abspath(args.csv))):
        print(f"lossbench history: error: --csv: the directory of {args.csv} does not exist", file=sys.stderr)
        return 2
    try:
        entries = load_history(args.history_dir)
    except HistoryError as e:
        print(f"lossbench history: error: {e}", file=sys.stderr)
        return 2
    steps = history_compare.steps(args.cli, entries)
    out_dir = args.out_dir or args.history_dir
    os.makedirs(out_dir, exist_ok=True)
    page = os.path.join(out_dir, "history.html")
    atomic.write_atomic(page, history_page.render(entries, steps))
    print(f"history: {len(entries)} reports -> {page}" +
          ("" if steps else " (fewer than 2 reports: nothing to compare yet)"))
    if args.csv:
        atomic.write_atomic(args.csv, history_csv.csv_text(entries))
        print(f"history: {args.csv}")
    return gate(steps) if args.fail_on_regression else 0


if __name__ == "__main__":
    sys.exit(main())
