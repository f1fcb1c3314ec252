#!/usr/bin/env python3
"""history_test.py — `lossbench history add` and `render` end to end, on three synthetic reports
made from the report fixture (different commits and days, 6 repetitions per row; the third 20%
slower on one row), and the git fields of a real (tiny) `lossbench report`.

usage: history_test.py --cli build/lossbench --fixture tests/report_fixtures/report.json --source . [--out DIR]
"""
import argparse
import copy
import csv
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

CLI = FIXTURE = SOURCE = OUT = None
REPETITIONS = 6  # 6 + 6 repetitions: the smallest exact two-sided U p-value (2/924) is well below 0.05
SLOW = "mse/simd/f32/value_grad/n:1048576"  # the row the third report slows down
SLOWDOWN = 1.2
JITTER = 0.01  # ±1% per repetition: a median can move by ~2% at most, far from the 5% threshold
DAYS = ["2026-12-01T10:00:00Z", "2026-12-02T09:30:00+00:00", "2026-12-03T11:00:00+01:00"]
STAMPS = ["20261201T100000Z", "20261202T093000Z", "20261203T100000Z"]  # UTC, as the file names carry them


def commit(i):
    return hashlib.sha1(f"commit {i}".encode()).hexdigest()


def run(*args, timeout=300, env=None, cwd=None):
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd)


def synthetic_report(fixture, i, slow):
    """Report i: the fixture's rows with per-repetition rows (what `compare` tests), another commit
    and day; with `slow`, the SLOW row's every repetition 20% slower."""
    report = copy.deepcopy(fixture)
    lb = report["context"]["lossbench"]
    lb.update(started=DAYS[i], git_commit=commit(i), git_dirty=(i == 2), git_commit_date=DAYS[i])
    rng = random.Random(i)
    reps = []
    for row in report["lossbench_rows"]:
        factor = SLOWDOWN if slow and row["name"] == SLOW else 1.0
        row["time_ns"] *= factor
        row["items_per_second"] /= factor
        row["repetitions"] = REPETITIONS
        counters = {k: row[k] or 0 for k in ("value_rel_err", "grad_max_rel_err", "grad_max_ulp", "grad_mean_ulp")}
        name = row["name"] + ("/real_time" if row["variant"] == "omp" else "")
        for r in range(REPETITIONS):
            reps.append(dict(counters, name=name, run_name=name, run_type="iteration", repetitions=REPETITIONS,
                             repetition_index=r, threads=1, iterations=100, time_unit="ns",
                             real_time=row["time_ns"] * (1 + rng.uniform(-JITTER, JITTER)),
                             cpu_time=row["time_ns"]))
    report["benchmarks"] = reps + [b for b in report["benchmarks"] if b.get("run_type") == "aggregate"]
    return report


def write_reports(directory, slow=True):
    """Three report directories (report.json each); returns their paths, oldest first."""
    with open(FIXTURE) as f:
        fixture = json.load(f)
    dirs = []
    for i in range(3):
        d = os.path.join(directory, f"run{i}")
        os.makedirs(d)
        with open(os.path.join(d, "report.json"), "w") as f:
            json.dump(synthetic_report(fixture, i, slow and i == 2), f)
        dirs.append(d)
    return dirs


def fresh_dir(name):
    d = os.path.join(OUT, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def expected_names():
    return [f"{STAMPS[i]}_{commit(i)[:12]}{'-dirty' if i == 2 else ''}.json" for i in range(3)]


class Add(unittest.TestCase):
    def setUp(self):
        self.dir = fresh_dir("add")
        self.runs = write_reports(self.dir)
        self.history = os.path.join(self.dir, "history")

    def add(self, run_dir):
        return run("history", "add", run_dir, "--history", self.history)

    def test_names_sort_chronologically_and_show_the_commit(self):
        for i in (2, 0, 1):  # added out of order: the names alone must give the order
            p = self.add(self.runs[i])
            self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(sorted(os.listdir(self.history)), expected_names())
        with open(os.path.join(self.runs[1], "report.json"), "rb") as a, \
                open(os.path.join(self.history, expected_names()[1]), "rb") as b:
            self.assertEqual(a.read(), b.read(), "the history keeps the report's bytes")

    def test_without_history_it_is_the_variable_else_history_here(self):
        env = {k: v for k, v in os.environ.items() if k != "LOSSBENCH_HISTORY_DIR"}
        self.assertEqual(run("history", "add", self.runs[0], env=env, cwd=self.dir).returncode, 0)
        self.assertEqual(os.listdir(os.path.join(self.dir, "history")), expected_names()[:1])
        elsewhere = os.path.join(self.dir, "elsewhere")
        env["LOSSBENCH_HISTORY_DIR"] = elsewhere
        self.assertEqual(run("history", "add", self.runs[1], env=env, cwd=self.dir).returncode, 0)
        self.assertEqual(os.listdir(elsewhere), expected_names()[1:2])

    def test_the_same_report_twice_is_refused(self):
        self.assertEqual(self.add(self.runs[0]).returncode, 0)
        p = self.add(self.runs[0])
        self.assertEqual(p.returncode, 2)
        self.assertIn("already in the history", p.stderr)
        self.assertEqual(len(os.listdir(self.history)), 1)

    def test_bad_report_dirs_are_refused_naming_the_argument(self):
        empty = os.path.join(self.dir, "empty")
        os.makedirs(empty)
        foreign = os.path.join(self.dir, "foreign")
        os.makedirs(foreign)
        with open(os.path.join(foreign, "report.json"), "w") as f:
            json.dump({"context": {}, "benchmarks": []}, f)  # Google Benchmark's, not lossbench's
        broken = os.path.join(self.dir, "broken")
        os.makedirs(broken)
        with open(os.path.join(broken, "report.json"), "w") as f:
            f.write('{"context": ')
        for d, words in ((os.path.join(self.dir, "missing"), "REPORT_DIR"), (empty, "no report.json"),
                         (foreign, "not a `lossbench report` output"), (broken, "not valid JSON")):
            p = self.add(d)
            self.assertEqual(p.returncode, 2, d)
            self.assertIn(words, p.stderr)
            self.assertEqual(p.stderr.count("\n"), 1, "one line on stderr")
        self.assertFalse(os.path.exists(self.history) and os.listdir(self.history))


class Render(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = fresh_dir("render")
        cls.history = os.path.join(cls.dir, "history")
        for d in write_reports(cls.dir):
            p = run("history", "add", d, "--history", cls.history)
            assert p.returncode == 0, p.stderr
        cls.out = os.path.join(cls.dir, "page")
        cls.csv = os.path.join(cls.dir, "history.csv")
        cls.p = run("history", "render", "--history", cls.history, "-o", cls.out, "--csv", cls.csv)
        with open(os.path.join(cls.out, "history.html"), encoding="utf-8") as f:
            cls.page = f.read()

    def test_the_page_is_written_and_self_contained(self):
        self.assertEqual(self.p.returncode, 0, self.p.stderr)
        self.assertNotRegex(self.page, r"""(src|href)\s*=\s*["']?(https?:)?//""")
        self.assertNotIn("<script", self.page)
        images = re.findall(r'<img src="([^"]*)"', self.page)
        self.assertTrue(images and all(i.startswith("data:image/png;base64,") for i in images))

    def test_it_names_each_loss_with_a_chart(self):
        with open(FIXTURE) as f:
            losses = {r["loss"] for r in json.load(f)["lossbench_rows"]}
        for loss in losses:
            self.assertIn(f'<h3 id="loss-{loss}">{loss}</h3>', self.page)
            self.assertIn(f'id="chart-history-{loss}"', self.page)

    def test_exactly_the_slowed_row_is_flagged(self):
        self.assertEqual(re.findall(r'<li class="step" data-row="([^"]*)"', self.page), [SLOW])
        change = re.search(re.escape(SLOW) + r": slower \(time \+(\d+\.\d)%", self.page)
        self.assertIsNotNone(change)
        # 20% slower; each median moves by at most the ±1% jitter, so the ratio lies within 20 ± 2.5%.
        self.assertAlmostEqual(float(change.group(1)), 100 * (SLOWDOWN - 1), delta=2.5)

    def test_csv_has_a_line_per_report_and_row(self):
        with open(self.csv, newline="") as f:
            lines = list(csv.reader(f))
        self.assertEqual(lines[0], ["commit", "date", "dirty", "loss", "variant", "dtype", "mode", "n", "threads",
                                    "time_ns", "items_per_second", "cv", "repetitions", "value_rel_err",
                                    "grad_max_ulp", "roofline_pct"])
        with open(FIXTURE) as f:
            rows = len(json.load(f)["lossbench_rows"])
        self.assertEqual(len(lines) - 1, 3 * rows)
        slowed = [line for line in lines[1:] if line[0] == commit(2) and
                  "/".join([line[3], line[4], line[5], line[6], "n:" + line[7]]) == SLOW]
        self.assertEqual(len(slowed), 1)
        self.assertEqual(slowed[0][2], "true")

    def test_fail_on_regression_exits_1_naming_the_row(self):
        p = run("history", "render", "--history", self.history, "-o", self.out, "--fail-on-regression")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn(SLOW, p.stdout)
        self.assertIn("REGRESSION", p.stdout)


class Gate(unittest.TestCase):
    def test_no_slowdown_exits_0(self):
        d = fresh_dir("gate")
        history = os.path.join(d, "history")
        for r in write_reports(d, slow=False):
            self.assertEqual(run("history", "add", r, "--history", history).returncode, 0)
        p = run("history", "render", "--history", history, "--fail-on-regression")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        with open(os.path.join(history, "history.html"), encoding="utf-8") as f:
            self.assertNotIn('class="step"', f.read())


class Sparse(unittest.TestCase):
    def test_one_report_renders_and_says_so(self):
        d = fresh_dir("one")
        history = os.path.join(d, "history")
        self.assertEqual(run("history", "add", write_reports(d)[0], "--history", history).returncode, 0)
        p = run("history", "render", "--history", history, "--fail-on-regression")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("fewer than 2 reports", p.stdout)
        with open(os.path.join(history, "history.html"), encoding="utf-8") as f:
            self.assertIn("Only one report", f.read())

    def test_bad_history_exits_2_naming_it(self):
        d = fresh_dir("bad")
        p = run("history", "render", "--history", os.path.join(d, "nowhere"))
        self.assertEqual(p.returncode, 2)
        self.assertIn("--history", p.stderr)
        p = run("history", "render", "--history", d)  # exists, holds no report
        self.assertEqual(p.returncode, 2)
        self.assertIn("no reports", p.stderr)
        shutil.copy(os.path.join(write_reports(d)[0], "report.json"), os.path.join(d, "a.json"))
        with open(os.path.join(d, "b.json"), "w") as f:
            f.write("{ not json")
        p = run("history", "render", "--history", d)
        self.assertEqual(p.returncode, 2)
        self.assertIn(os.path.join(d, "b.json"), p.stderr)


class RealReport(unittest.TestCase):
    def test_a_report_records_the_commit_it_measured(self):
        d = fresh_dir("real")
        p = run("report", "-o", d, "--loss", "mse", "--variant", "simd", "--dtype", "f32", "--sizes", "4k",
                "--peer", "none", timeout=600)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(os.path.join(d, "report.json")) as f:
            lb = json.load(f)["context"]["lossbench"]
        git = subprocess.run(["git", "-C", SOURCE, "rev-parse", "--git-dir"], capture_output=True)
        if git.returncode != 0:  # a tarball: the build knew nothing
            self.assertEqual((lb["git_commit"], lb["git_dirty"], lb["git_commit_date"]), ("unknown",) * 3)
            return
        self.assertRegex(lb["git_commit"], r"^[0-9a-f]{40}$")
        # The build's HEAD, which may be older than the tree's by now: it must be a commit of it.
        exists = subprocess.run(["git", "-C", SOURCE, "cat-file", "-e", lb["git_commit"] + "^{commit}"])
        self.assertEqual(exists.returncode, 0)
        self.assertIn(lb["git_dirty"], (True, False))
        self.assertRegex(lb["git_commit_date"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
        with open(os.path.join(d, "report.md"), encoding="utf-8") as f:
            self.assertIn(f"commit {lb['git_commit'][:12]}", f.read())
        history = os.path.join(d, "history")
        p = run("history", "add", d, "--history", history)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(os.listdir(history)[0].endswith(f"_{lb['git_commit'][:12]}"
                                                        f"{'-dirty' if lb['git_dirty'] else ''}.json"))


def main():
    global CLI, FIXTURE, SOURCE, OUT
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", required=True)
    parser.add_argument("--fixture", required=True)
    parser.add_argument("--source", required=True)
    parser.add_argument("--out")
    args, rest = parser.parse_known_args()
    CLI, FIXTURE, SOURCE = os.path.abspath(args.cli), os.path.abspath(args.fixture), os.path.abspath(args.source)
    OUT = args.out or tempfile.mkdtemp(prefix="history_test.")
    os.makedirs(OUT, exist_ok=True)
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)


if __name__ == "__main__":
    main()
