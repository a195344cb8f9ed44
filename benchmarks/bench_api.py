"""Load test of ``/api/nearest`` on loopback, and the resident page's time to first answer.

Usage::

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python benchmarks/bench_api.py       # gunicorn 2×4, 16 clients, 2,000 requests
    .venv/bin/python benchmarks/bench_api.py --server waitress --requests 500
    .venv/bin/python benchmarks/bench_api.py --clients 1 --no-browser   # service time alone

The app runs in its own process(es) (so the load generator's threads do not share its GIL) on
127.0.0.1, on the bundled sample, with a throw-away store. ``--clients`` threads send, back to
back (a closed loop: each client sends its next request as soon as the last one is answered),
``--requests`` GETs of ``/api/nearest`` at seeded random points inside the community
boundary, with random items, kinds, k and speeds; every status other than 200 counts as an
error (a random point farther than MAX_ATTACH_M from every path would be a 400: the sample
has paths everywhere, so there should be none). Then headless Chromium (Debian's, every
non-loopback request aborted) opens the resident page located at building entrances and
reads the page's own measurement: milliseconds from the location being known to the first
answer on screen.

Servers: gunicorn (default; ``--workers`` processes × ``--threads`` threads) is the production
choice on Linux: worker processes sidestep the GIL, so two workers use both cores of a small
server. waitress (pure Python, also on Windows) has one process with a thread pool and HTTP
keep-alive. werkzeug's development server opens a thread and a new TCP connection per request.
In a closed loop the latency is about clients × service time ÷ cores in use: run with
``--clients 1`` to see the service time itself.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import numpy as np
import shapely

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo_app.config import BUNDLED_DATA_DIR  # noqa: E402
from layers import load_community  # noqa: E402
from layers.schema import ITEM_LABELS, STATION_KINDS  # noqa: E402

SEED = 20250602
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-dev-shm-usage", "--no-first-run"]  # fmt: skip


# ------------------------------------------------------------------ the server process


def serve(server: str, port: int, data_dir: str, threads: int) -> None:
    """Run the app on 127.0.0.1:``port`` until killed."""
    from geo_app import create_app

    store = Path(tempfile.mkdtemp(prefix="bench-api-")) / "store.sqlite3"
    app = create_app(
        {
            "DATA_DIR": data_dir,
            "DATABASE_URL": f"sqlite:///{store}",
            "SECRET_KEY": os.urandom(16).hex(),
        }
    )
    if server == "waitress":
        from waitress import serve as waitress_serve

        waitress_serve(app, host="127.0.0.1", port=port, threads=threads, _quiet=True)
    else:
        from werkzeug.serving import make_server

        make_server("127.0.0.1", port, app, threaded=True).serve_forever()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(
    server: str, data_dir: str, threads: int, workers: int
) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = dict(os.environ)
    if server == "gunicorn":  # configured like production, through GEO_APP_* variables
        store = Path(tempfile.mkdtemp(prefix="bench-api-")) / "store.sqlite3"
        env.update(
            GEO_APP_DATA_DIR=data_dir,
            GEO_APP_DATABASE_URL=f"sqlite:///{store}",
            GEO_APP_SECRET_KEY=os.urandom(16).hex(),
        )
        command = [str(Path(sys.executable).parent / "gunicorn"), "--workers", str(workers),
                   "--threads", str(threads), "--bind", f"127.0.0.1:{port}",
                   "--log-level", "warning", "geo_app:create_app()"]  # fmt: skip
    else:
        command = [sys.executable, __file__, "--serve", server, "--port", str(port),
                   "--data", data_dir, "--threads", str(threads)]  # fmt: skip
    process = subprocess.Popen(command, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/api/stations")
            if connection.getresponse().status == 200:
                return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    msg = f"服务未能在 120 秒内启动（{server}，端口 {port}）"
    raise RuntimeError(msg)


# ------------------------------------------------------------------ the load


def random_queries(data_dir: str, count: int) -> list[str]:
    """``count`` query strings at seeded random points inside the community boundary."""
    community = load_community(data_dir)
    boundary = community.boundary.geometry.union_all()
    west, south, east, north = boundary.bounds
    rng = np.random.default_rng(SEED)
    items = [*ITEM_LABELS, "any", "any", "any"]
    kinds = [None, None, None, *STATION_KINDS]
    queries: list[str] = []
    while len(queries) < count:
        lon, lat = rng.uniform(west, east), rng.uniform(south, north)
        if not shapely.contains_xy(boundary, lon, lat):
            continue
        params: dict[str, object] = {"lon": f"{lon:.6f}", "lat": f"{lat:.6f}"}
        item = items[rng.integers(len(items))]
        if item != "any":
            params["item"] = item
        kind = kinds[rng.integers(len(kinds))]
        if kind:
            params["kind"] = kind
        params["k"] = int(rng.integers(1, 6))
        if rng.random() < 0.2:
            params["speed"] = 3
        queries.append("/api/nearest?" + urlencode(params))
    return queries


def run_load(port: int, queries: list[str], clients: int) -> tuple[list[float], dict[str, int]]:
    """Send ``queries`` from ``clients`` threads; return latencies (ms) and status counts."""
    local = threading.local()
    lock = threading.Lock()
    latencies: list[float] = []
    outcomes: dict[str, int] = {}

    def one(path: str) -> None:
        started = time.perf_counter()
        try:
            connection = getattr(local, "connection", None)
            if connection is None:
                connection = local.connection = http.client.HTTPConnection(
                    "127.0.0.1", port, timeout=30
                )
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read()
            outcome = str(response.status)
            if response.status == 200:
                json.loads(body)
            if response.getheader("Connection", "").lower() == "close" or response.will_close:
                connection.close()
                local.connection = None
        except (OSError, http.client.HTTPException, ValueError) as exc:
            outcome = type(exc).__name__
            local.connection = None
        elapsed = (time.perf_counter() - started) * 1000
        with lock:
            latencies.append(elapsed)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1

    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one, queries))
    return latencies, outcomes


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


# ------------------------------------------------------------------ the page


def page_first_answer_ms(port: int, data_dir: str, runs: int) -> list[float]:
    """Milliseconds from location known to first answer on screen, one per page load."""
    from playwright.sync_api import sync_playwright

    buildings = load_community(data_dir).buildings
    entrances = [e[0] for e in buildings["entrances"] if e]
    picks = [entrances[i] for i in np.random.default_rng(SEED).choice(len(entrances), runs)]
    timings = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for lon, lat in picks:
            context = browser.new_context(
                viewport={"width": 375, "height": 667},
                geolocation={"longitude": lon, "latitude": lat},
                permissions=["geolocation"],
            )
            context.route(
                "**/*",
                lambda route: (
                    route.continue_()
                    if route.request.url.startswith("http://127.0.0.1")
                    else route.abort()
                ),
            )
            page = context.new_page()
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_selector("[data-testid=result]", timeout=15_000)
            timings.append(float(page.evaluate("window.residentTiming.firstAnswerMs")))
            context.close()
        browser.close()
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--server", choices=("gunicorn", "waitress", "werkzeug"), default="gunicorn"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--threads", type=int, default=4, help="threads per server process")
    parser.add_argument("--data", default=str(BUNDLED_DATA_DIR))
    parser.add_argument("--page-runs", type=int, default=5)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--serve", choices=("waitress", "werkzeug"), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve, args.port, args.data, args.threads)
        return 0

    queries = random_queries(args.data, args.requests + 100)
    process, port = start_server(args.server, args.data, args.threads, args.workers)
    try:
        run_load(port, queries[:100], args.clients)  # warm-up: indexes, caches, connections
        started = time.perf_counter()
        latencies, outcomes = run_load(port, queries[100:], args.clients)
        wall = time.perf_counter() - started
        errors = sum(n for status, n in outcomes.items() if status != "200")
        p50, p95, p99 = (percentile(latencies, q) for q in (50, 95, 99))
        print(
            f"/api/nearest · {args.server} · {args.clients} clients · {len(latencies)} requests"
            f" on 127.0.0.1 ({os.cpu_count()} CPUs shared by client and server)"
        )
        worst = max(latencies)
        print(f"  p50 {p50:.1f} ms · p95 {p95:.1f} ms · p99 {p99:.1f} ms · max {worst:.1f} ms")
        print(f"  {len(latencies) / wall:.0f} req/s · errors {errors} · statuses {outcomes}")
        if not args.no_browser and Path(CHROMIUM).exists():
            timings = page_first_answer_ms(port, args.data, args.page_runs)
            print(
                f"resident page 375×667, location known → first answer: median"
                f" {statistics.median(timings):.0f} ms · max {max(timings):.0f} ms"
                f" over {len(timings)} loads (target < 1000 ms)"
            )
        elif not args.no_browser:
            print(f"resident page timing skipped: {CHROMIUM} is missing")
        return 1 if errors else 0
    finally:
        process.terminate()
        process.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
