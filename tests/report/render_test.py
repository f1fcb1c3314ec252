#!/usr/bin/python3
"""Tests of scripts/report_render.py, run by ctest (test report_render).

Expected values are computed here from the fixture with json alone (not with the renderer's own
modules): the fastest variant and speed-up per (loss, dtype, mode, n), the size bands of the
recommendations, the noisy count; then report.md's tables and summary are parsed and compared, the
contents of both files are checked to link to their headings, index.html is checked for every chart
id and for being self-contained, sparse files must render, and invalid ones exit 2.

usage: render_test.py --renderer scripts/report_render.py --fixtures tests/report_fixtures --out DIR
       (DIR keeps the full fixture's report.md / index.html for the report_screenshot test)
"""
import argparse
import copy
import json
import os
import re
import shutil
import subprocess
import sys
import unittest
from collections import defaultdict

ARGS = None
DASH = "—"


def run_renderer(json_path, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    return subprocess.run([sys.executable, ARGS.renderer, json_path, "-o", out_dir],
                          capture_output=True, text=True, timeout=300)


def label(row):
    return f"{row['variant']}/threads:{row['threads']}" if row.get("threads", 1) > 1 else row["variant"]


# The roofline charts' loss families (one chart each), as docs/report.md lists them.
FAMILY = {**{loss: "elementwise" for loss in ("mse", "mae", "huber", "bce", "bce_logits", "hinge", "kl_div")},
          "cross_entropy": "classification", "ctc": "classification",
          "triplet": "embedding", "contrastive": "embedding"}


def roofline_ids(rows):
    return [f"chart-roofline-{f}" for f in dict.fromkeys(FAMILY.get(r["loss"], "other") for r in rows)]


def ladder_point(points, footprint, threads):
    """The measured point (bytes_per_second not null) of the smallest working set holding the footprint, else the
    largest measured, at `threads` (the fixture measures every row's thread count)."""
    mine = sorted((p for p in points if p["threads"] == threads and p["bytes_per_second"]),
                  key=lambda p: p["working_set_bytes"])
    return next((p for p in mine if p["working_set_bytes"] >= footprint), mine[-1])


def bound_items_per_second(row, roofline):
    """The row's roofline bound from the ceilings alone: reads at the read bandwidth, writes at the write bandwidth
    the copy implies (1/write = 2/copy - 1/read) with the row's kind of stores, under the compute peak."""
    read_point = ladder_point(roofline["bandwidth"], row["footprint_bytes"], row["threads"])
    read_bw = read_point["bytes_per_second"]
    seconds = row["read_bytes"] / read_bw
    if row["written_bytes"]:
        copies = [c for c in roofline["copy"] if c["working_set_bytes"] == read_point["working_set_bytes"]
                  and c["threads"] == row["threads"] and c["bytes_per_second"]]
        copy_bw = next((c for c in copies if c["stores"] == row["stores"]),
                       next(c for c in copies if c["stores"] == "cached"))["bytes_per_second"]
        seconds += row["written_bytes"] * max(0.0, 2 / copy_bw - 1 / read_bw)
    flops = min(roofline["peak_flops"][row["dtype"]][str(row["threads"])], row["flops"] / seconds)
    return flops / row["flops"] * row["n"]


def expected_results(rows):
    """{(loss, dtype, mode, n): (fastest row, speed-up or None)} from the schema's definition, with
    the report's tie rule: within 3% of the top, the simpler variant (scalar, simd, simd:<isa>, omp;
    fewer threads first) is named."""
    groups = defaultdict(list)
    for r in rows:
        groups[(r["loss"], r["dtype"], r["mode"], r["n"])].append(r)
    out = {}

    def rank(r):
        return (0 if r["variant"] == "scalar" else 1 if r["variant"] == "simd" else
                2 if r["variant"].startswith("simd:") else 3, r["threads"])
    for key, group in groups.items():
        if any(r["variant"] == "simd" for r in group):  # an omp row that ran serially is simd again
            group = [r for r in group if r.get("parallel") is not False or r["variant"] != "omp"]
        top = max(r["items_per_second"] for r in group)
        best = min((r for r in group if r["items_per_second"] >= 0.97 * top), key=rank)
        scalar = [r for r in group if r["variant"] == "scalar"]
        out[key] = (best, best["items_per_second"] / scalar[0]["items_per_second"] if scalar else None)
    return out


def size_text(n):
    """4096 -> '4K', 1048576 -> '1M', 8389000 -> '8M', 3000 -> '2.93K': how the report names a size."""
    for scale, suffix in ((1 << 30, "G"), (1 << 20, "M"), (1 << 10, "K")):
        if n >= scale:
            return f"{n // scale}{suffix}" if n % scale == 0 else f"{n / scale:.3g}{suffix}"
    return str(n)


def catalogue_pairs(rows, results):
    """(loss, dtype) with a result, losses in file order, f32 and f64 before other dtypes."""
    dtypes = list(dict.fromkeys(["f32", "f64"] + [r["dtype"] for r in rows]))
    return [(loss, dtype) for loss in dict.fromkeys(r["loss"] for r in rows) for dtype in dtypes
            if any(k[:2] == (loss, dtype) for k in results)]


def expected_recommendations(rows, peer_rows=()):
    """Per (loss, dtype), in catalogue order: the band text and the figures behind its line, from
    the value_grad winners where value_grad was measured (else value), size by size."""
    results = expected_results(rows)
    out = []
    for loss, dtype in catalogue_pairs(rows, results):
        modes = {k[2] for k in results if k[:2] == (loss, dtype)}
        mode = "value_grad" if "value_grad" in modes else "value"
        sizes = sorted(k[3] for k in results if k[:3] == (loss, dtype, mode))
        winners = [results[(loss, dtype, mode, n)][0] for n in sizes]
        bands = []  # [label, first n, last n]
        for n, best in zip(sizes, winners):
            if bands and bands[-1][0] == label(best):
                bands[-1][2] = n
            else:
                bands.append([label(best), n, n])
        torch = [(n, p["speedup"]) for n, best in zip(sizes, winners) for p in peer_rows if mode == "value_grad"
                 and (p["loss"], p["dtype"], p["n"], p["threads"]) == (loss, dtype, n, best["threads"])]
        out.append({"pair": f"{loss} {dtype}", "mode": mode, "bands": bands_text(bands),
                    "speedups": [results[(loss, dtype, mode, n)][1] for n in sizes
                                 if results[(loss, dtype, mode, n)][1] is not None],
                    "torch": torch[-1] if torch else None,
                    "roof": (sizes[-1], winners[-1]["roofline_pct"]) if winners[-1].get("roofline_pct") else None,
                    "noisy": any(best.get("noisy") for best in winners)})
    return out


def bands_text(bands):
    if len(bands) == 1:
        name, lo, hi = bands[0]
        return f"**{name}** at every size measured, " + (size_text(lo) if lo == hi else
                                                         f"{size_text(lo)}–{size_text(hi)}")
    return ", ".join([f"**{bands[0][0]}** below {size_text(bands[1][1])}"] +
                     [f"**{name}** from {size_text(first)}" for name, first, _ in bands[1:]])


REC_LINE = re.compile(r"^(?P<pair>\S+ \S+): (?P<bands>.+?) \((?P<mode>value\+grad|value); "
                      r"(?:(?P<lo>[\d.]+)(?:–(?P<hi>[\d.]+))?× over scalar|no scalar baseline)"
                      r"(?:, (?P<torch>[\d.]+)× torch at (?P<torch_n>\w+))?"
                      r"(?:; (?P<roof>[\d.]+)% of the roofline at (?P<roof_n>\w+))?\)(?P<noisy> ⚠ noisy)?$")


def recommendation_lines(md):
    return re.findall(r"^- (.*)$", md.split("## On this CPU, use\n")[1].split("\n#")[0], re.M)


def check_recommendations(test, md, rows, peer_rows=()):
    """Every line of the first section against expected_recommendations, in order."""
    lines = recommendation_lines(md)
    want = expected_recommendations(rows, peer_rows)
    test.assertEqual(len(lines), len(want), lines)
    for line, w in zip(lines, want):
        m = REC_LINE.match(line)
        test.assertTrue(m, line)
        test.assertEqual((m["pair"], m["bands"], m["mode"].replace("+", "_")), (w["pair"], w["bands"], w["mode"]))
        test.assertEqual(m["lo"] is None, not w["speedups"], line)  # None: "no scalar baseline"
        lo, hi = (min(w["speedups"]), max(w["speedups"])) if w["speedups"] else (None, None)
        if lo is not None:
            test.assertAlmostEqual(float(m["lo"]) / lo, 1, delta=0.006, msg=line)
            test.assertAlmostEqual(float(m["hi"] or m["lo"]) / hi, 1, delta=0.006, msg=line)
            test.assertEqual(m["hi"] is None, f"{lo:.3g}" == f"{hi:.3g}", line)
        test.assertEqual(m["torch"] is None, w["torch"] is None, line)
        if w["torch"]:
            test.assertEqual(m["torch_n"], size_text(w["torch"][0]), line)
            test.assertAlmostEqual(float(m["torch"]) / w["torch"][1], 1, delta=0.006, msg=line)
        test.assertEqual(m["roof"] is None, w["roof"] is None, line)
        if w["roof"]:
            test.assertEqual(m["roof_n"], size_text(w["roof"][0]), line)
            # Half a unit of the last digit shown: from 10% on the percentage is shown as a whole number.
            test.assertAlmostEqual(float(m["roof"]), w["roof"][1], delta=0.5 if w["roof"][1] >= 10 else 0.05, msg=line)
        test.assertEqual(m["noisy"] is not None, w["noisy"], line)
    return lines


def github_slug(title, seen):
    """The anchor a markdown viewer gives a heading (GitHub's rule): lower case, punctuation other
    than - and _ dropped, spaces as hyphens, -1, -2 after repeats."""
    base = "".join(c for c in title.lower() if c.isalnum() or c in "-_ ").replace(" ", "-")
    seen[base] = seen.get(base, -1) + 1
    return base + (f"-{seen[base]}" if seen[base] else "")


def check_md_contents(test, md):
    """The contents list, between the title block and the first section, links every ## and ###
    heading, in order, to the anchor of that heading."""
    top, _, _ = md.partition("\n## ")
    links = re.findall(r"\[([^\]]+)\]\(#([^)]+)\)", top.split("Contents:")[1])
    seen = {}
    headings = [(title, github_slug(title, seen)) for title in re.findall(r"^#{2,3} (.+)$", md, re.M)]
    test.assertEqual(links, headings)


def check_html_contents(test, page):
    """The <nav> at the top links every h2 and h3 id of the page, in order, and nothing else."""
    nav = re.search(r'<nav class="toc">(.*?)</nav>', page, re.S)
    test.assertTrue(nav)
    test.assertLess(nav.start(), page.index("<h2"))
    ids = re.findall(r'<h[23] id="([^"]+)"', page)
    test.assertEqual(re.findall(r'href="#([^"]+)"', nav.group(1)), ids)
    test.assertEqual(len(set(ids)), len(ids))


def auto_section(md):
    return re.search(r"^## The `auto` variant \(appendix\)\n(.*?)(?=^#)", md, re.M | re.S).group(1)


def md_section(md, title):
    """The text under '### title' up to the next heading."""
    m = re.search(rf"^### {re.escape(title)}\n(.*?)(?=^#)", md, re.M | re.S)
    assert m, f"no section ### {title}"
    return m.group(1)


def table_rows(section):
    lines = [line for line in section.splitlines() if line.startswith("|")]
    return [[c.strip() for c in line.strip("|").split(" | ")] for line in lines[2:]]


def number(cell):
    return float(re.sub(r"[^0-9.eE+-]", "", cell))


class FullFixture(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.json_path = os.path.join(ARGS.fixtures, "report.json")
        with open(cls.json_path) as f:
            cls.data = json.load(f)
        cls.rows = cls.data["lossbench_rows"]
        cls.done = run_renderer(cls.json_path, ARGS.out)
        assert cls.done.returncode == 0, cls.done.stderr
        with open(os.path.join(ARGS.out, "report.md"), encoding="utf-8") as f:
            cls.md = f.read()
        with open(os.path.join(ARGS.out, "index.html"), encoding="utf-8") as f:
            cls.html = f.read()

    def losses(self):
        return list(dict.fromkeys(r["loss"] for r in self.rows))

    def test_summary_machine_and_noise(self):
        lb = self.data["context"]["lossbench"]
        head = self.md.split("## Per loss")[0]
        self.assertIn(lb["cpu_model"], head)
        self.assertIn(lb["simd_isa"], head)
        dram1 = lb["roofline"]["dram_bandwidth"]["1"] / 1e9
        self.assertIn(f"DRAM {dram1:.1f} GB/s (1 thread)", head)  # 3 significant digits: 20.0
        noisy = sum(r["noisy"] for r in self.rows)
        self.assertGreater(noisy, 0, "the fixture must have a noisy row")
        self.assertIn(f"{noisy} of {len(self.rows)} rows noisy", head)
        # The run's warnings verbatim, except those restating the Noise line (said once)
        restated = re.compile(r"rows vary by more than|frequency scaling|^load average")
        self.assertTrue(any(not restated.search(w) for w in lb["warnings"]), "the fixture must have a warning to show")
        self.assertTrue(any(restated.search(w) for w in lb["warnings"]), "and one the Noise line restates")
        for warning in lb["warnings"]:
            self.assertEqual(warning in head, not restated.search(warning), warning)
        self.assertEqual(head.count("rows noisy") + head.count("rows vary"), 1)

    def test_recommendations(self):
        """One line per (loss, dtype) in catalogue order, its size bands and figures as computed here."""
        lines = check_recommendations(self, self.md, self.rows)
        self.assertEqual(len(lines), len(catalogue_pairs(self.rows, expected_results(self.rows))))
        bands = [line.split(" (")[0] for line in lines]
        self.assertTrue(any(" from " in b for b in bands) and any("at every size" in b for b in bands),
                        "the fixture is meant to give both several bands and a single one")
        self.assertEqual(self.md.count("a crossover lies between") + self.md.count("the crossover lies"), 1)

    def test_contents(self):
        check_md_contents(self, self.md)
        check_html_contents(self, self.html)
        for loss in self.losses():
            self.assertIn(f"[{loss}](#{loss})", self.md)

    def test_per_loss_tables(self):
        results = expected_results(self.rows)
        for loss in self.losses():
            keys = sorted((k for k in results if k[0] == loss),
                          key=lambda k: (["f32", "f64"].index(k[1]), ["value", "value_grad"].index(k[2]), k[3]))
            table = table_rows(md_section(self.md, loss))
            self.assertEqual(len(table), len(keys), loss)
            for key, cells in zip(keys, table):
                best, speedup = results[key]
                dtype, mode, n, fastest, ips, times, vs_torch, roof, rel, grad_err, cv = cells
                self.assertEqual(vs_torch, DASH, "the fixture measured no peer")
                self.assertEqual((dtype, mode.replace("+", "_")), key[1:3])
                self.assertEqual(fastest, f"**{label(best)}**", key)
                self.assertAlmostEqual(number(ips) / (best["items_per_second"] / 1e9), 1, delta=0.006)
                self.assertAlmostEqual(number(times) / speedup, 1, delta=0.006)
                self.assertTrue(times.endswith("×"))
                self.assertAlmostEqual(number(roof.split()[0]) / best["roofline_pct"], 1, delta=0.05)
                self.assertEqual(grad_err == DASH, best["grad_max_rel_err"] is None, key)
                self.assertEqual(cv.startswith("⚠"), best["noisy"], key)
        self.assertIn(DASH, self.md, "the null-grad row must show a dash")

    def test_appendix(self):
        self.assertIn("## Roofline measurements (appendix)", self.md)
        self.assertIn("256 MiB (DRAM)", self.md)

    def test_roofline_bounds_price_reads_and_writes(self):
        """Every row's bound as recomputed from the fixture's ceilings, and none above 100% of it."""
        roofline = self.data["context"]["lossbench"]["roofline"]
        self.assertTrue(any(r["written_bytes"] and r["stores"] == "streaming" for r in self.rows))
        for r in self.rows:
            with self.subTest(r["name"]):
                self.assertEqual(r["compulsory_bytes"], r["read_bytes"] + r["written_bytes"])
                bound = bound_items_per_second(r, roofline)
                # 1e-9: the same formulas in another order; only floating-point rounding differs.
                self.assertAlmostEqual(r["bound_items_per_second"] / bound, 1, delta=1e-9)
                self.assertAlmostEqual(r["roofline_pct"], 100 * r["items_per_second"] / bound, delta=1e-6)
                self.assertLessEqual(r["roofline_pct"], 100 + 1e-9)  # 1e-9: rounding of a row at its cap
        self.assertNotIn("above 100% of the roofline", self.md)

    def test_roofline_charts_per_family_and_not_measured_points(self):
        ids = roofline_ids(self.rows)
        self.assertEqual(ids, ["chart-roofline-elementwise", "chart-roofline-classification"])
        for cid in ids:
            self.assertRegex(self.html, rf'<figure class="chart" id="{cid}"><img src="data:image/png;base64,')
        self.assertNotIn('id="chart-roofline"', self.html)
        appendix = self.html.split('<h2 id="appendix">')[1]
        null = [b for b in self.data["context"]["lossbench"]["roofline"]["bandwidth"] if b["bytes_per_second"] is None]
        self.assertTrue(null, "the fixture must have a point the probe could not time")
        self.assertIn("not measured", appendix)
        self.assertNotIn(">0.00 B/s<", appendix)
        self.assertIn("<th>copy (streaming stores), 1 thread</th>", appendix)
        # report.md's appendix: the same table
        md_appendix = self.md.split("## Roofline measurements (appendix)")[1]
        self.assertIn("not measured", md_appendix)
        self.assertIn("| copy (streaming stores), 1 thread |", md_appendix)
        self.assertIn("1/write = 2/copy − 1/read", md_appendix)

    def test_html_charts_and_self_contained(self):
        ids = [f"chart-throughput-{loss}" for loss in self.losses()] + ["chart-speedup"] + roofline_ids(self.rows)
        for cid in ids:
            self.assertRegex(self.html, rf'<figure class="chart" id="{cid}"><img src="data:image/png;base64,')
        self.assertNotRegex(self.html, r"(?i)https?://")
        self.assertNotRegex(self.html, r"(?i)<script")
        self.assertNotRegex(self.html, r'(?i)<link[^>]+href')
        for loss in self.losses():
            self.assertIn(f"<h3 id=\"loss-{loss}\">", self.html)

    def test_no_temporary_files_left(self):
        self.assertEqual(sorted(f for f in os.listdir(ARGS.out) if f.endswith(".tmp")), [])


class SparseAndInvalid(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # A fresh directory: an output left by an earlier run must not pass the "nothing written" checks.
        cls.dir = os.path.join(ARGS.out, "sparse")
        shutil.rmtree(cls.dir, ignore_errors=True)
        os.makedirs(cls.dir)

    def setUp(self):
        with open(os.path.join(ARGS.fixtures, "report.json")) as f:
            self.full = json.load(f)

    def render_data(self, name, data):
        path = os.path.join(self.dir, name + ".json")
        with open(path, "w") as f:
            f.write(data if isinstance(data, str) else json.dumps(data))
        out = os.path.join(self.dir, name)
        return run_renderer(path, out), out

    def assert_renders(self, name, data):
        done, out = self.render_data(name, data)
        self.assertEqual(done.returncode, 0, f"{name}: {done.stderr}")
        for f in ("report.md", "index.html"):
            self.assertTrue(os.path.getsize(os.path.join(out, f)) > 0, f"{name}: {f}")
        with open(os.path.join(out, "report.md"), encoding="utf-8") as f:
            return f.read()

    def with_peer(self):
        """The full fixture with PyTorch measured on every value+grad cell: (report, cells, peer rows)."""
        data = copy.deepcopy(self.full)
        cells = sorted({(r["loss"], r["dtype"], r["n"], r["threads"]) for r in data["lossbench_rows"]
                        if r["mode"] == "value_grad"})
        rows = [{"loss": l, "dtype": d, "n": n, "threads": t, "items": n, "torch_s": 3e-5 * (i + 1),
                 "lossbench_s": 1e-5, "speedup": 3.0 * (i + 1), "speedup_bound": 3.75 * (i + 1),
                 "cpp": {"torch_s": 2e-5 * (i + 1), "lossbench_s": 1e-6, "speedup": 20.0 * (i + 1),
                         "value_rel_difference": 1e-7}}
                for i, (l, d, n, t) in enumerate(cells)]
        data["lossbench_peer"] = {"context": {"peer": "torch", "torch_version": "1.13", "aten_cpu_capability": "AVX512",
                                              "allocator": "jemalloc", "timer": "perf_counter", "repetitions": 5,
                                              "python_overhead_ns": 900.0, "python_call_ns": 1200.0,
                                              "cpp_call_ns": 300.0, "autograd_floor_s": 8e-6,
                                              "lossbench_adapter": "C++ autograd node (lossbench._torch)",
                                              "cpp": {"torch": "ATen ops", "lossbench": "lossbench::evaluate",
                                                      "timer": "Google Benchmark"}},
                                  "rows": rows}
        return data, cells, rows

    def test_torch_peer_cells_under_two_name_their_bound(self):
        data, cells, rows = self.with_peer()
        rows[0].update(speedup=1.5, speedup_bound=2.25)
        data["lossbench_peer"]["context"]["cpp"] = {"reason": "not asked for (--cpp-peer)"}
        for r in rows:
            del r["cpp"]
        md = self.assert_renders("peer_under_two", data)
        self.assertIn("In C++: not measured (not asked for (--cpp-peer)).", md)
        self.assertNotIn("| C++ |", md)
        l, d, n, t = cells[0]
        self.assertIn(f"Under 2×: {l} {d} ", md)
        self.assertIn("1.50× (bound 2.25×)", md)
        self.assertIn("autograd's floor (8.0 µs", md)
        self.assertEqual(md.count("(bound "), 1)  # the cells at 2× or more are not listed

    def test_torch_peer(self):
        """A report with PyTorch measured: the section, its table, the chart and the × torch column."""
        data, cells, rows = self.with_peer()
        rows[1]["cpp"].update(torch_cv=0.5, lossbench_cv=0.02)
        md = self.assert_renders("peer", data)
        self.assertIn("through C++ autograd node (lossbench._torch)", md)
        l, d, n, t = cells[1]
        self.assertIn(f"1 C++ cells vary by more than 10% over their repetitions, so their ratios are less sure: "
                      f"{l} {d} ", md)
        self.assertIn("(torch cv 50%, lossbench 2.0%)", md)
        self.assertNotIn("Under 2×", md)
        self.assertIn("## Against PyTorch", md)
        self.assertIn(f"lossbench is **3.00–{3 * len(cells):.1f}×** torch's speed over these {len(cells)} cells", md)
        self.assertIn("One lossbench call through Python costs 900 ns more than the same C++ call", md)
        self.assertIn(f"In C++ (ATen ops against lossbench::evaluate; Google Benchmark): lossbench is "
                      f"**20.0–{20 * len(cells)}×** torch's speed over {len(cells)} cells", md)
        for loss, d, _, _ in cells:
            self.assertIn(f"| {loss} | {d} | Python |", md)
            self.assertIn(f"| {loss} | {d} | C++ |", md)
        results = expected_results(data["lossbench_rows"])
        shown = 0
        for loss in sorted({c[0] for c in cells}):
            keys = sorted((k for k in results if k[0] == loss),
                          key=lambda k: (["f32", "f64"].index(k[1]), ["value", "value_grad"].index(k[2]), k[3]))
            for key, line in zip(keys, table_rows(md_section(md, loss))):
                if key[2] != "value_grad":
                    self.assertEqual(line[6], DASH, key)
                    continue
                best = results[key][0]
                want = next(r["speedup"] for r in rows if (r["loss"], r["dtype"], r["n"], r["threads"]) ==
                            (loss, key[1], key[3], best["threads"]))
                self.assertAlmostEqual(number(line[6]) / want, 1, delta=0.006, msg=key)
                shown += 1
        self.assertGreater(shown, 0)
        lines = check_recommendations(self, md, data["lossbench_rows"], rows)
        self.assertTrue(all("× torch at " in line for line in lines), lines)
        with open(os.path.join(self.dir, "peer", "index.html"), encoding="utf-8") as f:
            html = f.read()
        self.assertIn('id="chart-torch"', html)
        self.assertIn('<h2 id="torch">Against PyTorch</h2>', html)

    def test_sixteen_bit_rows(self):
        """bf16 and f16 rows (16-bit storage, computed in f32): the dtype in the tables, the gradient's
        16-bit ULPs beside their goal, PyTorch's cells that a side cannot run marked n/a with the
        reason, and the selection's notes."""
        data, cells, peer_rows = self.with_peer()
        added = []
        for r in data["lossbench_rows"]:
            if r["loss"] == "mse" and r["dtype"] == "f32":
                for d, met in (("bf16", True), ("f16", False)):
                    row = dict(r, dtype=d, name=r["name"].replace("/f32/", f"/{d}/"), compute_dtype="f32")
                    if r["mode"] == "value_grad":
                        row.update(grad_max_ulp=0.5 if met else 0.75, grad_ulp_goal=0.5004, grad_goal_met=met)
                    added.append(row)
        data["lossbench_rows"] += added
        for n in sorted({r["n"] for r in added}):
            peer_rows.append({"loss": "mse", "dtype": "bf16", "n": n, "threads": 1, "items": n,
                              "unsupported": "torch: \"mse_cpu\" not implemented for 'BFloat16'",
                              "cpp": {"unsupported": "torch: \"mse_cpu\" not implemented for 'BFloat16'"}})
            peer_rows.append({"loss": "mse", "dtype": "f16", "n": n, "threads": 1, "items": n,
                              "unsupported": "lossbench.torch: input: elements of torch.float16 are not supported",
                              "cpp": {"torch_s": 4e-5, "lossbench_s": 1e-5, "speedup": 4.0,
                                      "value_rel_difference": 1e-3}})
        data["context"]["lossbench"]["notes"] = ["bf16: huber, cross_entropy have no bf16 kernels, so no bf16 rows"]
        md = self.assert_renders("sixteen_bit", data)
        self.assertIn("- Not measured: bf16: huber, cross_entropy have no bf16 kernels, so no bf16 rows.", md)
        self.assertIn("grad 16-bit ULPs is the gradient's largest error in ULPs of the storage type", md)
        section = md_section(md, "mse")
        self.assertIn("| grad 16-bit ULPs | cv |", section)
        lines = table_rows(section)
        by_key = {(line[0], line[1], line[2].split(" ")[0]): line for line in lines}
        self.assertEqual({line[0] for line in lines}, {"f32", "f64", "bf16", "f16"})
        self.assertEqual([line[0] for line in lines], sorted((line[0] for line in lines),
                                                             key=["f32", "f64", "bf16", "f16"].index))
        self.assertEqual(by_key[("bf16", "value+grad", "4K")][10], "0.500 (goal 0.500) ✓")
        self.assertEqual(by_key[("f16", "value+grad", "4K")][10], "0.750 (goal 0.500) ✗")
        self.assertEqual(by_key[("bf16", "value", "4K")][10], DASH)
        self.assertEqual(by_key[("f32", "value+grad", "4K")][10], DASH, "no storage rounding in f32")
        self.assertNotIn("grad 16-bit ULPs", md_section(md, "huber"), "a loss without 16-bit rows keeps its columns")
        self.assertIn("mse bf16: ", md)  # a recommendation line per dtype
        self.assertIn("| mse | bf16 | Python | n/a (torch) |", md)
        self.assertIn("| mse | bf16 | C++ | n/a (torch) |", md)
        self.assertIn("| mse | f16 | Python | n/a (lossbench.torch) |", md)
        self.assertIn("| mse | f16 | C++ | 4.00× |", md)
        self.assertIn("Not compared through Python, as a side cannot run them (n/a in the table): mse bf16 (torch: "
                      "\"mse_cpu\" not implemented for 'BFloat16'); mse f16 (lossbench.torch: ", md)
        self.assertIn("Not compared in C++, as a side cannot run them (n/a in the table): mse bf16 (torch: ", md)
        # the Python range counts measured cells only
        self.assertIn(f"torch's speed over these {len(cells)} cells", md)
        with open(os.path.join(self.dir, "sixteen_bit", "index.html"), encoding="utf-8") as f:
            html = f.read()
        self.assertIn('id="chart-torch"', html)
        self.assertIn("<th>grad 16-bit ULPs</th>", html)
        self.assertIn("0.500 (goal 0.500) ✓", html)

    def test_sparse_fixture(self):
        done = run_renderer(os.path.join(ARGS.fixtures, "sparse.json"), os.path.join(self.dir, "fixture"))
        self.assertEqual(done.returncode, 0, done.stderr)
        with open(os.path.join(self.dir, "fixture", "index.html"), encoding="utf-8") as f:
            html = f.read()
        self.assertNotIn('id="chart-roofline', html)
        self.assertIn("Roofline chart skipped", html)
        self.assertIn('id="chart-throughput-mse"', html)

    def test_subsets(self):
        rows = self.full["lossbench_rows"]
        one = copy.deepcopy(rows[0])
        for k in list(one):
            if k not in ("loss", "variant", "dtype", "mode", "n"):
                one[k] = None
        cases = {
            "single_row_all_null": {"lossbench_rows": [one]},
            "no_rows": {"context": self.full["context"], "lossbench_rows": []},
            "scalar_only": {"lossbench_rows": [r for r in rows if r["variant"] == "scalar"]},
            "single_variant_no_scalar": {"lossbench_rows": [r for r in rows if r["variant"] == "simd"]},
            "f32_only_no_roofline": {"context": {"lossbench": {"roofline": {}}},
                                     "lossbench_rows": [r for r in rows if r["dtype"] == "f32"]},
            "bad_context_types": {"context": {"load_avg": "x", "lossbench": {"roofline": {"dram_bandwidth": [1],
                                  "peak_flops": {"f32": "fast"}, "bandwidth": [{"threads": 1}]}}},
                                  "lossbench_rows": rows[:4]},
        }
        for name, data in cases.items():
            with self.subTest(name):
                self.assert_renders(name, data)

    def test_serial_omp_is_not_credited(self):
        """omp below its break-even ran the simd kernel serially: even 10% faster (noise), the
        report names simd; the same omp row marked parallel wins."""
        base = {"loss": "mse", "dtype": "f32", "mode": "value_grad", "n": 4096, "size_label": "L1"}
        rows = [dict(base, variant="scalar", threads=1, items_per_second=1e9),
                dict(base, variant="simd", threads=1, items_per_second=8e9),
                dict(base, variant="omp", threads=2, items_per_second=8.8e9, parallel=False)]
        md = self.assert_renders("serial_omp", {"lossbench_rows": rows})
        self.assertIn("| **simd** |", md)
        rows[2]["parallel"] = True
        md = self.assert_renders("parallel_omp", {"lossbench_rows": rows})
        self.assertIn("| **omp/threads:2** |", md)

    def test_recommendation_bands(self):
        """Three bands (simd, omp, simd again: a winner that comes back starts a new band) with
        value_grad preferred over value, and one band for a dtype measured in value mode only."""
        rows, peer_rows = [], []
        grad = {4096: (6e9, None), 65536: (12e9, None), 1 << 20: (12e9, None), 8 << 20: (7e9, 78.0)}
        for n, (omp_ips, roof) in grad.items():
            base = {"loss": "mse", "dtype": "f32", "mode": "value_grad", "n": n}
            rows += [dict(base, variant="scalar", threads=1, items_per_second=1e9),
                     dict(base, variant="simd", threads=1, items_per_second=8e9, roofline_pct=roof),
                     dict(base, variant="omp", threads=2, items_per_second=omp_ips, parallel=True),
                     dict(base, mode="value", variant="scalar", threads=1, items_per_second=1e9),
                     dict(base, mode="value", variant="omp", threads=2, items_per_second=20e9, parallel=True)]
        for n in (4096, 65536):
            base = {"loss": "mse", "dtype": "f64", "mode": "value", "n": n}
            rows += [dict(base, variant="scalar", threads=1, items_per_second=1e9),
                     dict(base, variant="simd", threads=1, items_per_second=5e9, noisy=n == 65536),
                     dict(base, variant="omp", threads=2, items_per_second=5.1e9, parallel=True)]  # a tie: simd
        # torch measured at 4K and 64K with the winners' threads; at 8M only with 2 threads, which
        # is not the winner's (simd): the line names the largest size the winner has a torch cell
        for n, t, speedup in ((4096, 1, 3.0), (65536, 2, 2.5), (8 << 20, 2, 9.0)):
            peer_rows.append({"loss": "mse", "dtype": "f32", "n": n, "threads": t, "speedup": speedup})
        data = {"lossbench_rows": rows, "lossbench_peer": {"context": {}, "rows": peer_rows}}
        md = self.assert_renders("bands", data)
        self.assertEqual(check_recommendations(self, md, rows, peer_rows), [
            "mse f32: **simd** below 64K, **omp/threads:2** from 64K, **simd** from 8M "
            "(value+grad; 8.00–12.0× over scalar, 2.50× torch at 64K; 78% of the roofline at 8M)",
            "mse f64: **simd** at every size measured, 4K–64K (value; 5.00× over scalar) ⚠ noisy"])

    def test_auto_rows(self):
        """auto is compared with the fastest fixed variant of its size (5% goal with a profile),
        never named the fastest itself, and a miss is shown as such."""
        rows = []
        for n, auto_ips in ((4096, 9.7e9), (65536, 9.0e9), (1 << 20, 11e9)):
            base = {"loss": "mse", "dtype": "f32", "mode": "value_grad", "n": n}
            rows += [dict(base, variant="scalar", threads=1, items_per_second=1e9),
                     dict(base, variant="simd", threads=1, items_per_second=8e9),
                     dict(base, variant="omp", threads=2, items_per_second=10e9, parallel=True),
                     dict(base, variant="auto", threads=2, items_per_second=auto_ips,
                          auto_choice="omp:avx512bw/threads:2", auto_source="profile")]
        data = {"context": {"lossbench": {"auto_profile": {"state": "loaded", "path": "/p.json", "rigor": "measure"}}},
                "lossbench_rows": rows}
        md = self.assert_renders("auto_rows", data)
        # Reports written before the names were unified spell the choice "omp:avx512bw×2": same page.
        legacy = copy.deepcopy(data)
        for r in legacy["lossbench_rows"]:
            if r["variant"] == "auto":
                r["auto_choice"] = "omp:avx512bw×2"
        self.assertEqual(self.assert_renders("auto_rows_legacy", legacy).replace("×2", "/threads:2"), md)
        self.assertIn("profile /p.json (rigor measure)", md)
        self.assertIn("at **2 of 3** sizes", md)
        got = {r[3]: (r[8], r[10]) for r in table_rows(auto_section(md))}
        self.assertEqual(got["4K"], ("3.1%", "✓ ≤ 5.0%"))    # 10/9.7 − 1
        self.assertEqual(got["64K"], ("11%", "✗ ≤ 5.0%"))    # 10/9 − 1
        self.assertEqual(got["1M"], ("-9.1%", "✓ ≤ 5.0%"))   # 10/11 − 1: ahead
        self.assertNotIn("**auto", md_section(md, "mse"))     # the per-loss table names fixed variants only
        # An appendix: after the last per-loss table, in both files, and in both contents.
        self.assertGreater(md.index("## The `auto` variant (appendix)"), md.rindex("\n### "))
        self.assertNotIn("auto", recommendation_lines(md)[0])
        check_md_contents(self, md)
        with open(os.path.join(self.dir, "auto_rows", "index.html"), encoding="utf-8") as f:
            page = f.read()
        self.assertGreater(page.index('<h2 id="auto">'), page.rindex("<h3 "))
        check_html_contents(self, page)

    def test_crossover_rows_place_the_bands(self):
        """simd wins at 4K, omp at 1M; the bisection's rows (simd and omp only) find simd still ahead
        at 32K and omp ahead from 64K: the band starts at 64K, and the tables, charts and noise count
        show the sweep's sizes only."""
        rows = []
        for n, omp_ips in ((4096, 4e9), (1 << 20, 16e9)):
            base = {"loss": "mse", "dtype": "f32", "mode": "value_grad", "n": n}
            rows += [dict(base, variant="scalar", threads=1, items_per_second=1e9),
                     dict(base, variant="simd", threads=1, items_per_second=8e9),
                     dict(base, variant="omp", threads=2, items_per_second=omp_ips, parallel=True)]
        for n, omp_ips in ((32768, 7e9), (65536, 9e9), (131072, 11e9)):
            base = {"loss": "mse", "dtype": "f32", "mode": "value_grad", "n": n, "crossover": True, "noisy": True}
            rows += [dict(base, variant="simd", threads=1, items_per_second=8e9),
                     dict(base, variant="omp", threads=2, items_per_second=omp_ips, parallel=True)]
        md = self.assert_renders("crossovers", {"lossbench_rows": rows})
        self.assertEqual(recommendation_lines(md), [
            # ⚠: the band's start comes from noisy rows
            "mse f32: **simd** below 64K, **omp/threads:2** from 64K (value+grad; 8.00–16.0× over scalar) ⚠ noisy"])
        self.assertIn("narrowed by bisection", md)
        self.assertEqual([r[2] for r in table_rows(md_section(md, "mse"))], ["4K", "1M"])
        self.assertIn("0 of 6 rows noisy", md)
        # Without the bisection's rows the band starts at the next size the sweep measured.
        ladder = [r for r in rows if not r.get("crossover")]
        md = self.assert_renders("no_crossovers", {"lossbench_rows": ladder})
        self.assertEqual(recommendation_lines(md)[0].split(" (")[0],
                         "mse f32: **simd** below 1M, **omp/threads:2** from 1M")
        self.assertNotIn("bisection", md)

    def test_run_line_names_the_commit(self):
        rows = [{"loss": "mse", "dtype": "f32", "mode": "value", "n": 4096, "variant": "scalar", "threads": 1,
                 "items_per_second": 1e9}]
        lb = {"git_commit": "e7034b755a21" + "0" * 28, "git_dirty": True,
              "git_commit_date": "2026-12-06T19:48:45+00:00"}
        md = self.assert_renders("commit", {"context": {"lossbench": lb}, "lossbench_rows": rows})
        self.assertIn("commit e7034b755a21 (dirty) of 2026-12-06T19:48:45+00:00", md)
        lb = {"git_commit": "unknown", "git_dirty": "unknown", "git_commit_date": "unknown"}  # built from a tarball
        md = self.assert_renders("no_commit", {"context": {"lossbench": lb}, "lossbench_rows": rows})
        self.assertIn("not built from a git checkout", md)
        self.assertNotIn("commit unknown", md)

    def test_one_fastest_per_cell(self):
        """Where an omp row that ran serially is 1% ahead of simd (a tie: the same kernel measured
        twice), the per-loss table and the auto table both name simd the fastest."""
        base = {"loss": "mse", "dtype": "f32", "mode": "value_grad", "n": 4096}
        rows = [dict(base, variant="scalar", threads=1, items_per_second=1e9),
                dict(base, variant="simd", threads=1, items_per_second=10e9),
                dict(base, variant="omp", threads=2, items_per_second=10.1e9, parallel=False),
                dict(base, variant="auto", threads=2, items_per_second=9.9e9, auto_choice="simd:avx512bw",
                     auto_source="heuristic")]
        md = self.assert_renders("one_fastest", {"lossbench_rows": rows})
        self.assertEqual(table_rows(md_section(md, "mse"))[0][3], "**simd**")
        self.assertEqual(table_rows(auto_section(md))[0][6], "simd")

    def test_auto_rows_without_profile(self):
        """Without a profile the goal is within 20% of the fastest fixed variant, nothing about simd:
        the heuristics know no timings of the machine. The same row with a profile misses."""
        base = {"loss": "mse", "dtype": "f32", "mode": "value", "n": 4096}
        rows = [dict(base, variant="scalar", threads=1, items_per_second=1e9),
                dict(base, variant="simd", threads=1, items_per_second=8e9, isa="avx2"),
                dict(base, variant="auto", threads=2, items_per_second=7.2e9, isa="sse2", auto_choice="simd:sse2",
                     auto_source="heuristic")]
        data = {"context": {"lossbench": {"auto_profile": {"state": "none"}}}, "lossbench_rows": rows}
        md = self.assert_renders("auto_heuristic", data)
        self.assertIn("within 20% of the fastest fixed variant) at **1 of 1** sizes", md)
        got = [(r[8], r[9], r[10]) for r in table_rows(auto_section(md))]
        self.assertEqual(got, [("11%", "11%", "✓ ≤ 20%")])  # 8/7.2 − 1
        rows[2]["auto_source"] = "profile"
        md = self.assert_renders("auto_profile_slower_than_simd", {"lossbench_rows": rows})
        self.assertEqual([r[10] for r in table_rows(auto_section(md))], ["✗ ≤ 5.0%"])

    def test_report_without_write_ceilings(self):
        """A report from before the copy probe (no copy ladder, rows without read/written bytes) renders as before:
        the per-family charts, the read ladder alone in the appendix."""
        data = copy.deepcopy(self.full)
        del data["context"]["lossbench"]["roofline"]["copy"]
        for r in data["lossbench_rows"]:
            for k in ("read_bytes", "written_bytes", "stores", "footprint_bytes"):
                del r[k]
        self.assert_renders("no_write_ceilings", data)
        with open(os.path.join(self.dir, "no_write_ceilings", "index.html"), encoding="utf-8") as f:
            html = f.read()
        for cid in roofline_ids(data["lossbench_rows"]):
            self.assertIn(f'<figure class="chart" id="{cid}">', html)
        appendix = html.split('<h2 id="appendix">')[1]
        self.assertIn("<th>read, 1 thread</th>", appendix)
        self.assertNotIn("copy", appendix.split("</table>")[0])

    def test_rows_above_the_roofline_are_named_with_the_reason(self):
        data = copy.deepcopy(self.full)
        over = data["lossbench_rows"][0]
        over["roofline_pct"] = 122.0
        md = self.assert_renders("above_roofline", data)
        note = f"1 row above 100% of the roofline ({over['loss']} {label(over)} {over['dtype']} {over['mode']} "
        self.assertIn(note, md)
        self.assertIn("122%", md)
        with open(os.path.join(self.dir, "above_roofline", "index.html"), encoding="utf-8") as f:
            self.assertIn(note, f.read().split('<h2 id="appendix">')[1])

    def test_invalid_files_exit_2(self):
        cases = {"invalid_not_json": "{ not json", "invalid_no_rows": {"context": {}, "benchmarks": []},
                 "invalid_rows_not_list": {"lossbench_rows": {}},
                 "invalid_row_without_loss": {"lossbench_rows": [{"n": 4}]}}
        for name, data in cases.items():
            with self.subTest(name):
                done, out = self.render_data(name, data)
                self.assertEqual(done.returncode, 2, f"{name}: {done.stdout} {done.stderr}")
                self.assertIn(name + ".json", done.stderr)
                self.assertFalse(os.path.exists(os.path.join(out, "index.html")))
        done = run_renderer(os.path.join(self.dir, "does_not_exist.json"), self.dir)
        self.assertEqual(done.returncode, 2)


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--renderer", required=True)
    parser.add_argument("--fixtures", required=True)
    parser.add_argument("--out", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
