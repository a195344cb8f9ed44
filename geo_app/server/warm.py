"""Start-up warming for the production server (called by the hooks of ``deploy/gunicorn.conf.py``).

The first ``/api/nearest`` of a process builds the walking graph and the station index, and
the first one on each new thread pays pyproj's per-thread set-up (~0.13 s: PROJ objects are
recreated per thread). :func:`warm` answers one query in the master before the workers fork
(they inherit what it built); :func:`warm_thread_pool` makes every thread of a worker's pool
answer one before the worker accepts connections, so no visitor pays either cost.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from flask import Flask

#: Seconds to wait for a worker's threads to start.
WARM_TIMEOUT_S = 60.0


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
