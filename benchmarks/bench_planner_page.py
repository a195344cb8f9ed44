"""What the district-scale ``/planner`` page weighs, of what, and how long Chromium takes.

Run on demand (not in the test suite)::

    .venv/bin/python benchmarks/bench_planner_page.py             # n = 64: 24,576 buildings
    .venv/bin/python benchmarks/bench_planner_page.py --sizes 16 64 --runs 3

For each size, ``bench_scale.generate`` writes the synthetic n × n block community, an app on
it (throw-away store) serves on 127.0.0.1, and the script prints

- the bytes a first visit fetches from the app for this page (the HTML, and any map script or
  map data the page loads from ``/planner/…``), raw and zstd (level 3, as served), with the
  server's time for each on first request (report, map and data built) and again (cached);
- what they are made of: each map layer (named as in the layer control) in the map's script
  or in its data, and across everything coordinates (numbers), text (Chinese written as
  ``\\uXXXX`` is counted at its escaped size), style objects, and the rest (report tables);
- Debian's Chromium at 1280 × 800, every non-loopback request aborted: milliseconds from
  navigation to ``DOMContentLoaded``, to ``load``, and to the map fully drawn (the planner
  frame's ``data-layers-state="ready"`` when the page has data layers, else ``load``), the
  median of ``--runs`` visits, each in a fresh browser context (cold cache).

The same script measures an older checkout when copied next to a link to that checkout's
``benchmarks/bench_scale.py`` (which puts its own checkout first on ``sys.path``): that is how
the before/after table in the README ("区级规模") was made.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from html import unescape
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from backports import zstd  # Flask-Compress's own zstd
from bench_scale import generate

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-dev-shm-usage"]
PAGE = "/planner?threshold=500&k=2"
ELEMENT = r"(?:geo_json|feature_group|circle_marker|marker|div_icon|layer_control|map|" \
          r"tile_layer|poly_line)_[0-9a-f]{32}"
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")
ESCAPED = re.compile(r"(?:\\u[0-9a-fA-F]{4})+")
STYLE = re.compile(r"\{\s*\"color\"[^{}]*\}")


def size(text: str | bytes) -> int:
    return len(text.encode("utf-8") if isinstance(text, str) else text)


def zstd_size(body: bytes) -> int:
    return len(zstd.compress(body, level=3))


def app_on(data: Path) -> Any:
    from geo_app import create_app

    store = Path(tempfile.mkdtemp(prefix="bench-planner-")) / "store.sqlite3"
    return create_app({"DATA_DIR": str(data), "DATABASE_URL": f"sqlite:///{store}",
                       "SECRET_KEY": "bench"})


def inline_map_script(html: str) -> str:
    """The map's script when the page carries it inline (older pages), else ''."""
    for block in re.findall(r"<script[^>]*>(.*?)</script>", html, re.S):
        if re.search(r"var map_[0-9a-f]{32} = L\.map", block):
            return block
    return ""


def page_resources(html: str) -> dict[str, str]:
    """The page's own answers besides the HTML: map script and map data URLs."""
    found = {}
    for url in re.findall(r'<script src="([^"]+)"', html):
        url = unescape(url)
        if url.startswith("/planner/"):
            found["map script"] = url
    layers = re.search(r'data-layers-url="([^"]+)"', html)
    if layers:
        found["map data"] = unescape(layers.group(1))
    return found


def script_layers(script: str) -> Counter[str]:
    """Bytes of a Folium map script per layer of its layer control (statements are given to
    the element they start with; a group's members to the group)."""
    owner_of: dict[str, str] = {}
    chunks: Counter[str] = Counter()
    current = "其他（地图、控件、底图）"
    for line in script.splitlines(keepends=True):
        start = re.match(rf"\s*(?:var |function |let )?({ELEMENT})", line)
        if start:
            current = start.group(1)
        chunks[current] += size(line)
        added = re.search(rf"(?:({ELEMENT})|^\s*\))\.addTo\((feature_group_[0-9a-f]{{32}})\)",
                          line)
        if added:
            owner_of[added.group(1) or current] = added.group(2)
        icon = re.search(rf"({ELEMENT})\.setIcon\(({ELEMENT})\)", line)
        if icon:
            owner_of[icon.group(2)] = icon.group(1)
    names = {var: json.loads(f'"{name}"') for name, var in
             re.findall(rf'"((?:[^"\\]|\\.)+)" : ({ELEMENT})', script)}
    by_layer: Counter[str] = Counter()
    for element, count in chunks.items():
        group = re.sub(r"_(styler|onEachFeature|add)$", "", element)
        while group in owner_of:  # an icon's marker, a marker's group
            group = owner_of[group]
        by_layer[names.get(group, names.get(element, "其他（地图、控件、底图、图标）"))] += count
    return by_layer


def data_layers(body: bytes) -> Counter[str]:
    """Bytes of a planner map-data answer per layer and per part of a layer."""
    data = json.loads(body)
    parts: Counter[str] = Counter()
    compact = {"ensure_ascii": False, "separators": (",", ":")}
    for layer in data["layers"]:
        for field, value in layer.items():
            parts[f"{layer['key']}.{field}"] += size(json.dumps(value, **compact))
    parts["texts（共用的提示文字）"] = size(json.dumps(data["texts"], **compact))
    return parts


def kinds(text: str) -> Counter[str]:
    """Bytes of numbers, escaped text, style objects and the rest in ``text``."""
    counted: Counter[str] = Counter()
    rest = text
    for label, pattern in (("样式对象", STYLE), ("转义中文 \\uXXXX", ESCAPED),
                           ("数字（坐标等）", NUMBER)):
        counted[label] = sum(size(m.group(0)) for m in pattern.finditer(rest))
        rest = pattern.sub("", rest)
    chinese = sum(size(ch) for ch in rest if ord(ch) > 0x2E7F)
    counted["中文（UTF-8）"] = chinese
    counted["其余（标签、括号、键名、空白）"] = size(rest) - chinese
    return counted


def serve(app: Any) -> tuple[str, Any]:
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def chromium_times(base: str, runs: int) -> dict[str, float]:
    """Median milliseconds to DOMContentLoaded, load and the map drawn, at 1280 × 800."""
    from playwright.sync_api import sync_playwright

    marks: dict[str, list[float]] = {"DOMContentLoaded": [], "load": [], "map drawn": []}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for _ in range(runs):
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            context.route("**/*", lambda route: route.continue_()
                          if route.request.url.startswith(base) else route.abort())
            page = context.new_page()
            page.goto(base + PAGE, wait_until="load", timeout=300_000)
            if page.locator("[data-layers-state]").count():
                page.wait_for_selector("[data-layers-state=ready]", timeout=300_000)
                drawn = page.evaluate("performance.now()")
            else:
                drawn = page.evaluate("performance.timing.loadEventEnd"
                                      " - performance.timing.navigationStart")
            timing = page.evaluate(
                "(() => { const t = performance.timing; return [t.domContentLoadedEventEnd"
                " - t.navigationStart, t.loadEventEnd - t.navigationStart]; })()")
            marks["DOMContentLoaded"].append(timing[0])
            marks["load"].append(timing[1])
            marks["map drawn"].append(max(drawn, timing[1]))
            context.close()
        browser.close()
    return {name: statistics.median(values) for name, values in marks.items()}


def table(rows: list[list[str]], header: list[str]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def measure(n: int, runs: int, *, browser: bool) -> None:
    with tempfile.TemporaryDirectory(prefix=f"bench-planner-{n}-") as tmp:
        counts = generate(n, Path(tmp))
        app = app_on(Path(tmp))
        client = app.test_client()
        timed: dict[str, tuple[bytes, float, float]] = {}

        def fetch(name: str, url: str) -> bytes:
            started = time.perf_counter()
            first = client.get(url)
            cold = time.perf_counter() - started
            started = time.perf_counter()
            body = client.get(url).get_data()
            timed[name] = (body, cold, time.perf_counter() - started)
            assert first.status_code == 200, (url, first.status_code)
            return body

        html = fetch("HTML", PAGE).decode("utf-8")
        for name, url in page_resources(html).items():
            fetch(name, url)
        print(f"\n## n = {n}: {counts['buildings']:,} buildings, {counts['paths']:,} paths, "
              f"{counts['grids']:,} grids, {counts['stations']:,} stations\n")
        rows = [[name, f"{size(body):,}", f"{zstd_size(body):,}", f"{cold:.2f}", f"{warm:.3f}"]
                for name, (body, cold, warm) in timed.items()]
        total = sum(size(body) for body, _, _ in timed.values())
        total_z = sum(zstd_size(body) for body, _, _ in timed.values())
        rows.append(["合计", f"{total:,}", f"{total_z:,}", "", ""])
        print(table(rows, ["answer", "bytes", "zstd bytes", "first s", "again s"]))

        script = inline_map_script(html)
        if "map script" in timed:
            script = timed["map script"][0].decode("utf-8")
        layer_rows = [[f"地图脚本：{name}", f"{count:,}"]
                      for name, count in script_layers(script).most_common()]
        if "map data" in timed:
            layer_rows += [[f"地图数据：{name}", f"{count:,}"]
                           for name, count in data_layers(timed["map data"][0]).most_common()]
        page_rest = size(html) - (size(script) if script in html else 0)
        layer_rows.append(["页面其余（报告表格、图表、表单）", f"{page_rest:,}"])
        print()
        print(table(layer_rows, ["part", "bytes"]))
        everything = Counter[str]()
        for body, _, _ in timed.values():
            everything.update(kinds(body.decode("utf-8")))
        print()
        print(table([[k, f"{v:,}"] for k, v in everything.most_common()], ["kind", "bytes"]))
        if browser:
            base, server = serve(app)
            try:
                times = chromium_times(base, runs)
            finally:
                server.shutdown()
            print()
            print(table([[k, f"{v:,.0f}"] for k, v in times.items()],
                        [f"Chromium 1280 px (median of {runs})", "ms"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[64],
                        help="block counts n (6 n² buildings; multiples of 8)")
    parser.add_argument("--runs", type=int, default=3, help="Chromium visits per size")
    parser.add_argument("--no-browser", action="store_true", help="sizes and times only")
    args = parser.parse_args()
    for n in args.sizes:
        measure(n, args.runs, browser=not args.no_browser)


if __name__ == "__main__":
    main()
