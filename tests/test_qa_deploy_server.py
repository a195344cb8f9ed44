"""The production server's log as an operator reads it (deploy QA pass): the service's own
lines (a live reload refused, then done) appear with time, process and level, and the access
log keeps no query string or referrer (a roster search by name, a resident's location)."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from support.database import fresh_database_url

from geo_app.config import BUNDLED_DATA_DIR

REPO = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 90
#: gunicorn's error-log prefix: [2026-11-28 08:11:05 +0000] [28716] [INFO]
LOG_PREFIX = r"\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}\] \[\d+\] \[LEVEL\] "


def _get(port: int, path: str, **headers: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def _wait_for(log: Path, pattern: str, port: int) -> None:
    """Ask for pages until ``pattern`` shows in the log (workers check layers on requests)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        _get(port, "/api/stations")
        if re.search(pattern, log.read_text(), re.MULTILINE):
            return
        time.sleep(0.3)
    raise AssertionError(f"{pattern!r} not in the log:\n{log.read_text()}")


def test_log_has_the_reload_lines_and_no_query_strings(tmp_path):
    data = tmp_path / "layers"
    shutil.copytree(BUNDLED_DATA_DIR, data)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path / "server.log"
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "GEO_APP_BIND": f"127.0.0.1:{port}",
        "GEO_APP_WORKERS": "1",
        "GEO_APP_THREADS": "2",
        "GEO_APP_DATA_DIR": str(data),
        "GEO_APP_DATABASE_URL": fresh_database_url(tmp_path),
        "GEO_APP_SECRET_KEY": "qa-deploy-secret",
        "GEO_APP_LAYER_CHECK_INTERVAL_S": "0.2",
    }
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(REPO / "deploy" / "gunicorn.conf.py")],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while "已预热" not in log.read_text():
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)

        _get(port, "/api/nearest?lon=117.2535&lat=31.9615&item=umbrella")
        _get(port, "/grid/340121400001-02/roster?q=%E5%BC%A0%E4%B8%89",
             Referer=f"http://127.0.0.1:{port}/grid/?q=13912345678")

        stations = data / "stations.geojson"
        good = stations.read_text(encoding="utf-8")
        broken = data / "stations.tmp"
        broken.write_text(good.replace('"rest_post"', '"no_such_kind"', 1), encoding="utf-8")
        broken.replace(stations)
        _wait_for(log, LOG_PREFIX.replace("LEVEL", "WARNING") + "图层 .* 已改动但校验未通过", port)
        assert "no_such_kind" in log.read_text()  # the issue itself is logged

        fixed = data / "stations.tmp"
        fixed.write_text(good, encoding="utf-8")
        fixed.replace(stations)
        _wait_for(log, LOG_PREFIX.replace("LEVEL", "INFO") + "图层 .* 已改动，已重新加载", port)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=40)

    text = log.read_text()
    assert re.search(r'"GET /api/nearest" 200 \d+ \d+ms', text), text
    assert re.search(r'"GET /grid/340121400001-02/roster" 30\d', text), text
    for private in ("lon=", "q=", "%E5%BC%A0", "13912345678"):
        assert private not in text
