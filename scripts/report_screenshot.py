#!/usr/bin/python3
"""report_screenshot.py — render DIR/index.html (from report_render.py) in headless Chromium, save
DIR/index.png, and check that the charts are really there and visible:

1. the DOM Chromium built (--dump-dom) has an element for every expected chart id, each with a
   PNG data-URI <img>, and the page has no <script> and loads nothing over http(s);
2. each chart's own pixels are not blank (a chart that drew nothing fails), and
3. each chart appears, pixel for pixel, somewhere in the full-page screenshot (found by its most
   inked row, then compared over its whole area), i.e. it was decoded, laid out and painted.

Needs Chromium, python3-matplotlib (PNG decoding) and numpy, which scripts/setup.sh installs; a
missing Chromium fails the check (a test that skips would let CI pass without ever painting the page).

usage: report_screenshot.py DIR [--expect ID ...] [--expect-from REPORT_JSON]
       expected ids default to every <figure class="chart"> of index.html; --expect-from derives
       them from a report.json instead: chart-throughput-<loss> per loss, chart-torch (where torch was
       measured), chart-speedup, chart-roofline-<family> (one or more)
exit:  0 ok, 1 check failed or chromium not installed (message says which)
"""
import argparse
import base64
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser

import matplotlib.image as mpimg
import numpy as np

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                  "--force-device-scale-factor=1",  # 1 CSS px = 1 screenshot px, so charts match 1:1
                  "--allow-file-access-from-files"]
WIDTH = 1400
MAX_HEIGHT = 16000  # beyond this Chromium's capture may fail; charts are near the top anyway
INK = 240           # a channel below this (of 255) is ink, not white page background
MATCH = 0.98        # fraction of a chart's pixels that must be identical in the screenshot


class Failure(Exception):
    pass


def find_chromium():
    for name in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


class DomScan(HTMLParser):
    """Element ids, chart images (id of the enclosing figure -> img src), scripts, remote loads."""

    def __init__(self):
        super().__init__()
        self.ids, self.images, self.scripts, self.remote = set(), {}, 0, []
        self._figure = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "figure":
            self._figure = attrs.get("id")
        if tag == "img" and self._figure:
            self.images[self._figure] = attrs.get("src") or ""
        if tag == "script":
            self.scripts += 1
        for key in ("src", "href", "data", "poster"):
            if re.match(r"\s*(https?:)?//", attrs.get(key) or ""):
                self.remote.append(f"<{tag} {key}={attrs[key][:60]}>")

    def handle_endtag(self, tag):
        if tag == "figure":
            self._figure = None


def chromium(binary, args, timeout=180):
    # A private profile directory: parallel runs (ctest -j) must not share Chromium's lock.
    with tempfile.TemporaryDirectory(prefix="lossbench-chromium-") as profile:
        cmd = [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise Failure(f"chromium exited {done.returncode}: {done.stderr.strip()[-500:]}")
    return done.stdout


def decode_png(data):
    """RGB uint8 array of PNG bytes (imread gives floats in [0, 1], RGBA for some files)."""
    img = mpimg.imread(io.BytesIO(data), format="png")
    return (img[..., :3] * 255).round().astype(np.uint8)


def page_height(html_text, chart_pngs):
    """A window tall enough for the whole page: chart heights plus ~26 px per table or list row."""
    rows = len(re.findall(r"<tr|<li|<p", html_text))
    return min(MAX_HEIGHT, 1200 + 26 * rows + sum(img.shape[0] + 60 for img in chart_pngs.values()))


def locate(shot, chart):
    """(y, x) of `chart` in `shot`, matched pixel for pixel, or None."""
    h, w, _ = chart.shape
    ink = (chart.min(axis=2) < INK).sum(axis=1)
    key_row = int(ink.argmax())
    haystack, needle, stride = shot.tobytes(), chart[key_row].tobytes(), shot.shape[1] * 3
    pos = haystack.find(needle)
    while pos >= 0:
        y, x = divmod(pos, stride)
        if x % 3 == 0 and x // 3 + w <= shot.shape[1] and y - key_row >= 0 and y - key_row + h <= shot.shape[0]:
            top, left = y - key_row, x // 3
            region = shot[top:top + h, left:left + w]
            if (region == chart).all(axis=2).mean() >= MATCH:
                return top, left
        pos = haystack.find(needle, pos + 1)
    return None


def expected_ids(args, scan):
    if args.expect:
        return args.expect
    if args.expect_from:
        with open(args.expect_from, encoding="utf-8") as f:
            data = json.load(f)
        rows = data["lossbench_rows"]
        losses = dict.fromkeys(re.sub(r"[^A-Za-z0-9_-]", "-", str(r["loss"])) for r in rows)
        peer = data.get("lossbench_peer") if isinstance(data.get("lossbench_peer"), dict) else {}
        torch = ["chart-torch"] if peer.get("rows") else []
        # One roofline chart per loss family (scripts/report/roofline.py): the ones the page has.
        roofline = sorted(i for i in scan.ids if i.startswith("chart-roofline-")) or ["chart-roofline-elementwise"]
        return [f"chart-throughput-{loss}" for loss in losses] + torch + ["chart-speedup"] + roofline
    return sorted(i for i in scan.ids if i.startswith("chart-"))


def check(args, binary):
    page = os.path.join(os.path.abspath(args.dir), "index.html")
    if not os.path.isfile(page):
        raise Failure(f"{page}: no such file (run report_render.py first)")
    url = "file://" + page
    scan = DomScan()
    scan.feed(chromium(binary, ["--dump-dom", url]))
    if scan.scripts:
        raise Failure(f"the page has {scan.scripts} <script> element(s); it must work without JavaScript")
    if scan.remote:
        raise Failure("the page loads remote resources: " + ", ".join(scan.remote[:5]))
    expected = expected_ids(args, scan)
    if not expected:
        raise Failure("no chart to check: index.html has no <figure class=chart>")
    charts = {}
    for cid in expected:
        src = scan.images.get(cid)
        if cid not in scan.ids or not src:
            raise Failure(f"{cid}: not in the rendered DOM" if cid not in scan.ids else f"{cid}: has no <img>")
        if not src.startswith("data:image/png;base64,"):
            raise Failure(f"{cid}: image is not an inline PNG data URI")
        charts[cid] = decode_png(base64.b64decode(src.split(",", 1)[1]))
        inked = (charts[cid].min(axis=2) < INK).mean()
        if inked < 0.02:
            raise Failure(f"{cid}: the chart is blank ({100 * inked:.1f}% non-background pixels)")
    with open(page, encoding="utf-8") as f:
        height = page_height(f.read(), charts)
    png = os.path.join(os.path.abspath(args.dir), "index.png")
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(png), prefix=".index.png.", suffix=".png")
    os.close(fd)
    try:
        chromium(binary, [f"--screenshot={tmp}", f"--window-size={WIDTH},{height}", url])
        with open(tmp, "rb") as f:
            shot = decode_png(f.read())
        os.replace(tmp, png)  # the screenshot is written whole or not at all, like the report
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    inked = (shot.min(axis=2) < INK).mean()
    if inked < 0.03:
        raise Failure(f"{png}: the screenshot is (nearly) blank ({100 * inked:.1f}% non-background pixels)")
    found = {}
    for cid, chart in charts.items():
        found[cid] = locate(shot, chart)
        if found[cid] is None:
            raise Failure(f"{cid}: not visible in the screenshot {png} ({shot.shape[1]}x{shot.shape[0]})")
    print(f"report_screenshot: {png} ({shot.shape[1]}x{shot.shape[0]}, {100 * inked:.0f}% ink); "
          + ", ".join(f"{cid} at y={pos[0]}" for cid, pos in found.items()))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dir", help="directory holding index.html (index.png is written there)")
    parser.add_argument("--expect", nargs="+", metavar="ID", help="chart ids that must be present")
    parser.add_argument("--expect-from", metavar="REPORT_JSON", help="derive the chart ids from a report.json")
    args = parser.parse_args(argv)
    binary = find_chromium()
    if binary is None:
        print("report_screenshot: FAILED: chromium not installed (scripts/setup.sh installs it)", file=sys.stderr)
        return 1
    try:
        check(args, binary)
    except (Failure, subprocess.TimeoutExpired, OSError, ValueError) as e:
        print(f"report_screenshot: FAILED: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
