"""Start-up warming for the production server (called by the hooks of ``deploy/gunicorn.conf.py``).

The first ``/api/nearest`` of a process builds the walking graph and the station index, and
the first one on each new thread pays pyproj's per-thread set-up (~0.13 s: PROJ objects are
recreated per thread). :func:`warm` answers one query in the master before the workers fork
(they inherit what it built); :func:`warm_thread_pool` makes every thread of a worker's pool
answer one before the worker accepts connections, so no visitor pays either cost.
:func:`warm_pages` has the master build the planner's default page and map layers too: at
district scale (24,576 buildings) the first visitor waited 4.3 s and 1.5 s for them.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from flask import Flask

#: Seconds to wait for a worker's threads to start.
WARM_TIMEOUT_S = 60.0
#: Pages built once per community that the master answers before forking.
WARM_PAGES = ("/planner", "/planner/layers.json")
#: The warming requests' client address: TEST-NET-1 (RFC 5737), never a visitor's, so warming
#: takes nothing from any visitor's budget of new planner reports.
WARM_ADDRESS = "192.0.2.1"


def warm(app: Flask) -> int:
    """Answer one ``/api/nearest`` at the community's centre on this thread; its status."""
    boundary = app.extensions["geo_app.community"].community.boundary
    point = boundary.union_all().representative_point()
    with app.test_client() as client:
        return client.get(f"/api/nearest?lon={point.x:.6f}&lat={point.y:.6f}").status_code


def warm_thread_pool(app: Flask, pool: ThreadPoolExecutor, threads: int) -> list[int]:
    """Start all ``threads`` threads of ``pool`` and warm each (a barrier keeps every task on a
    thread of its own); the statuses of their queries."""
    barrier = threading.Barrier(threads)

    def task() -> int:
        barrier.wait(timeout=WARM_TIMEOUT_S)
        return warm(app)

    futures = [pool.submit(task) for _ in range(threads)]
    return [f.result(timeout=WARM_TIMEOUT_S) for f in futures]


def warm_pages(app: Flask) -> str:
    """Answer each of :data:`WARM_PAGES` once; ``"/planner 200，…"`` for the log."""
    with app.test_client() as client:
        return "，".join(
            f"{path} {client.get(path, environ_base={'REMOTE_ADDR': WARM_ADDRESS}).status_code}"
            for path in WARM_PAGES
        )
