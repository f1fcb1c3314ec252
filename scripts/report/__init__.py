"""The pieces of `scripts/report_render.py`: report.json -> report.md and a self-contained index.html.

load      read and validate report.json into rows and machine facts
summary   fastest variant per size, speed-ups, recommendations, noise (what both outputs say)
fmt       number formatting shared by the markdown and the HTML
markdown  report.md
charts    matplotlib figures as PNG data URIs
html_page index.html
atomic    whole-or-nothing file writes
"""
