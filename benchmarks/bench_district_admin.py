"""The admin's layer editor, its building list and the QR poster index at district scale.

Run on demand (not in the test suite)::

    .venv/bin/python benchmarks/bench_district_admin.py              # n = 64: 24,576 buildings
    .venv/bin/python benchmarks/bench_district_admin.py --sizes 16 64 --no-browser

For each size, ``bench_scale.generate`` writes the synthetic n × n block community (6 n²
buildings in n²/16 grids, one 小区 a block) and an app on it (throw-away store, an admin account)
answers, through Flask's test client, each request twice: the first after the layers are loaded
(whatever the page builds once per community is built then) and again. Printed: bytes, zstd
bytes (level 3, as served), first and again seconds, for

- ``/admin/api/layers`` as the editor used to fetch it (every feature), the editor's first request
  now (every layer with ``bbox`` = the whole community: more buildings than a view may show,
  so none are sent) and its request for a view at zoom 16 on a 1280 × 800 map (the view layers
  only, for the view with the editor's 25 % margin each side);
- ``/admin/layers/buildings`` (the 楼栋属性 list: its first page, a search, the last page);
- ``/posters/`` (the QR poster index: first page, last page) and one grid's posters;
- ``/posters/grid/<id>`` (a grid's building posters, one QR code and three walks each) for
  ``GRID_SAMPLE`` grids spread over the community: median wall and CPU seconds of each grid's
  first visit, and of the same pages again (CPU time is steadier on a shared machine).

Unless ``--no-browser``, Debian's Chromium (1280 × 800, every non-loopback request aborted)
opens the editor: the editor's data requests (bytes as transferred) and milliseconds until the
map is ready; then it zooms in on the middle of the community a level at a time until the
buildings are drawn, and counts what it fetched and drew.

The same script measures an older checkout (its ``/admin/api/layers`` ignores ``bbox`` and
sends everything; its lists are not paged) when run with that checkout first on ``sys.path``
(``PYTHONPATH=/old/checkout``): that is how the before/after figures in the README were made.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from backports import zstd  # Flask-Compress's own zstd
from bench_planner_page import CHROMIUM, CHROMIUM_ARGS, serve, table
from bench_scale import BLOCK_M, generate

PASSWORD = "district bench password"
#: Web Mercator metres a pixel spans at zoom 0 on the equator (Leaflet's 256 px tiles).
EQUATOR_M_PER_PX = 156_543.03392
#: The editor asks for its view with this margin each side (``VIEW_MARGIN`` in layer_editor.js).
VIEW_MARGIN = 0.25
#: Grids whose poster pages are timed one by one (spread evenly over the community).
GRID_SAMPLE = 8


def app_on(data: Path) -> Any:
    from geo_app import create_app
    from geo_app.store import get_store
    from geo_app.store.accounts import create_account

    store = Path(tempfile.mkdtemp(prefix="bench-district-")) / "store.sqlite3"
    app = create_app({"DATA_DIR": str(data), "DATABASE_URL": f"sqlite:///{store}",
                      "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
    with app.app_context(), get_store().write() as db:
        create_account(db, username="admin", password=PASSWORD, role="admin", grid_id=None,
                       building_ids=[], building_grids={}, known_grids={}, actor="bench")
    return app


def view_bbox(centre: tuple[float, float], *, zoom: float, width: int, height: int) -> str:
    """``W,S,E,N`` of a ``width`` × ``height`` px map at ``zoom`` around ``centre``, with the
    editor's margin (near enough to Leaflet's own bounds at a district's size)."""
    lon, lat = centre
    metres_per_px = EQUATOR_M_PER_PX * math.cos(math.radians(lat)) / 2**zoom
    half_w = width * metres_per_px * (0.5 + VIEW_MARGIN)
    half_h = height * metres_per_px * (0.5 + VIEW_MARGIN)
    d_lat = half_h / 111_320.0
    d_lon = half_w / (111_320.0 * math.cos(math.radians(lat)))
    return f"{lon - d_lon:.6f},{lat - d_lat:.6f},{lon + d_lon:.6f},{lat + d_lat:.6f}"


def measure(n: int, *, browser: bool) -> None:
    with tempfile.TemporaryDirectory(prefix=f"bench-district-{n}-") as tmp:
        counts = generate(n, Path(tmp))
        app = app_on(Path(tmp))
        client = app.test_client()
        login = client.post("/login", data={"username": "admin", "password": PASSWORD})
        assert login.status_code == 302, login.status_code
        with app.app_context():
            from geo_app.state.community import get_community

            community = get_community()
            west, south, east, north = community.boundary.total_bounds
            grid_ids = [str(g) for g in community.grids["id"]]
            some_grid = grid_ids[0]
        middle = ((west + east) / 2, (south + north) / 2)
        whole = f"{west},{south},{east},{north}"
        zoom16 = view_bbox(middle, zoom=16, width=1280, height=800)
        pages = -(-counts["buildings"] // 100)
        poster_pages = -(-counts["grids"] // 16)
        urls = [
            ("editor data, every feature", "/admin/api/layers"),
            ("editor's first request (whole community)", f"/admin/api/layers?bbox={whole}"),
            ("editor's view at zoom 16, 1280 × 800",
             f"/admin/api/layers?bbox={zoom16}&layers=paths,buildings,pois"),
            ("楼栋属性 list", "/admin/layers/buildings"),
            ("楼栋属性 search “1区”", "/admin/layers/buildings?q=1区"),
            ("楼栋属性 last page", f"/admin/layers/buildings?page={pages}"),
            ("poster index", "/posters/"),
            ("poster index, last page", f"/posters/?page={poster_pages}"),
            ("one grid's posters", f"/posters/grid/{some_grid}"),
        ]
        rows = []
        for name, url in urls:
            started = time.perf_counter()
            first = client.get(url)
            cold = time.perf_counter() - started
            started = time.perf_counter()
            body = client.get(url).get_data()
            warm = time.perf_counter() - started
            assert first.status_code == 200, (url, first.status_code)
            rows.append([name, f"{len(body):,}", f"{len(zstd.compress(body, level=3)):,}",
                         f"{cold:.2f}", f"{warm:.3f}"])
        print(f"\n## n = {n}: {counts['buildings']:,} buildings, {counts['grids']:,} grids, "
              f"{counts['paths']:,} paths, {counts['pois']:,} POIs, {n * n:,} 小区 "
              f"(blocks of {BLOCK_M:.0f} m)\n")
        print(table(rows, ["answer", "bytes", "zstd bytes", "first s", "again s"]))
        spread = grid_ids[1::max(1, (len(grid_ids) - 1) // GRID_SAMPLE)][:GRID_SAMPLE]
        print()
        print(table(poster_grid_pages(client, spread),
                    [f"/posters/grid/<id>, {len(spread)} grids", "posters a page",
                     "median s", "median CPU s"]))
        if browser:
            base, server = serve(app)
            try:
                print()
                print(table(editor_in_chromium(base), ["Chromium 1280 × 800", "value"]))
            finally:
                server.shutdown()


def poster_grid_pages(client: Any, grid_ids: list[str]) -> list[list[str]]:
    """Each grid's poster page visited for the first time, then each again: the median wall
    and CPU seconds of a page (nothing of these grids drawn before)."""
    rows = []
    for visit in ("first visit", "again"):
        wall, cpu, posters = [], [], []
        for grid in grid_ids:
            started, started_cpu = time.perf_counter(), time.process_time()
            answer = client.get(f"/posters/grid/{grid}")
            wall.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
            assert answer.status_code == 200, (grid, answer.status_code)
            posters.append(answer.get_data(as_text=True).count('data-testid="poster"'))
        rows.append([visit, f"{statistics.median(posters):.0f}",
                     f"{statistics.median(wall):.3f}", f"{statistics.median(cpu):.3f}"])
    return rows


def editor_in_chromium(base: str) -> list[list[str]]:
    """The editor opened, then zoomed to 16 on the community's middle: what it fetched and drew."""
    from playwright.sync_api import sync_playwright

    fetched: list[tuple[str, int]] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        context.route("**/*", lambda route: route.continue_()
                      if route.request.url.startswith(base) else route.abort())
        page = context.new_page()
        page.goto(f"{base}/login")
        page.fill('input[name="username"]', "admin")
        page.fill('input[name="password"]', PASSWORD)
        page.click('button[type="submit"]')
        page.wait_for_load_state()

        def record(request: Any) -> None:
            if "/admin/api/layers" in request.url:
                fetched.append((request.url, request.sizes()["responseBodySize"]))

        page.on("requestfinished", record)
        started = time.perf_counter()
        page.goto(f"{base}/admin/layers")
        page.wait_for_selector("[data-testid=editor-map][data-ready=true]", timeout=300_000)
        ready_ms = (time.perf_counter() - started) * 1000
        first = sum(size for _, size in fetched)
        requests_first = len(fetched)
        drawn_first = page.locator(".leaflet-overlay-pane path.leaflet-interactive").count()
        rows = [
            ["editor ready, ms", f"{ready_ms:,.0f}"],
            ["data requests until ready", f"{requests_first}"],
            ["data bytes transferred until ready", f"{first:,}"],
            ["interactive shapes drawn (buildings, grids)", f"{drawn_first:,}"],
        ]
        if not page.locator("[data-testid=view-hint]").count():  # an editor without views
            context.close()
            browser.close()
            return rows
        hint = page.locator("[data-testid=view-hint]").text_content() or ""
        started = time.perf_counter()
        box = page.locator("[data-testid=editor-map]").bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        zoom_steps = 0
        while page.get_attribute("[data-testid=editor-map]", "data-view") != "complete":
            page.mouse.wheel(0, -60)  # a zoom level (Leaflet: 60 px a level)
            zoom_steps += 1
            page.wait_for_timeout(400)
            if zoom_steps > 40:
                break
        zoomed_ms = (time.perf_counter() - started) * 1000
        page.wait_for_timeout(500)
        drawn = page.locator(".leaflet-overlay-pane path.leaflet-interactive").count()
        scale = page.locator(".leaflet-control-scale-line").first.text_content()
        context.close()
        browser.close()
    return [
        *rows,
        ["hint shown", hint or "（无）"],
        ["wheel steps until buildings are drawn", f"{zoom_steps}"],
        ["ms until then", f"{zoomed_ms:,.0f}"],
        ["scale bar then", scale or ""],
        ["data requests in all", f"{len(fetched)}"],
        ["data bytes transferred in all", f"{sum(size for _, size in fetched):,}"],
        ["interactive shapes drawn then", f"{drawn:,}"],
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[64],
                        help="block counts n (6 n² buildings; multiples of 8)")
    parser.add_argument("--no-browser", action="store_true", help="no Chromium run")
    args = parser.parse_args()
    for n in args.sizes:
        measure(n, browser=not args.no_browser)


if __name__ == "__main__":
    main()
