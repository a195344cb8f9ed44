"""The production command (``gunicorn -c deploy/gunicorn.conf.py``), started for real.

Issue 10, items 17, 18 and 20: it refuses to start on bad layers, reloads gracefully on HUP
(requests in flight finish, new workers, new layers), stops cleanly on TERM, keeps
keep-alive connections honest, answers ``/api/nearest`` fast from the first requests; and two
worker processes share the login limit and session revocation through the store.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import pytest
from support.accounts import PASSWORD
from support.database import fresh_database_url
from support.grid_community import write_community

from geo_app import create_app
from geo_app.config import BUNDLED_DATA_DIR
from geo_app.store import get_store
from geo_app.store.accounts import create_account

REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / "deploy" / "gunicorn.conf.py"
START_TIMEOUT_S = 90


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One ``gunicorn -c deploy/gunicorn.conf.py`` process and its log."""

    def __init__(self, tmp_path: Path, *, data_dir: Path, database_url: str, workers: int = 1,
                 **env: str) -> None:
        self.port = _free_port()
        self.expected_workers = workers
        self.log_path = tmp_path / f"server-{self.port}.log"
        environment = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "GEO_APP_BIND": f"127.0.0.1:{self.port}",
            "GEO_APP_WORKERS": str(workers),
            "GEO_APP_DATA_DIR": str(data_dir),
            "GEO_APP_DATABASE_URL": database_url,
            "GEO_APP_SECRET_KEY": "production-test-secret",
            **env,
        }
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(CONFIG)],
            cwd=REPO, env=environment, stdout=self.log, stderr=subprocess.STDOUT,
        )

    def wait_ready(self) -> Server:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"server exited {self.process.returncode}:\n{self.output()}")
            try:
                ready = self.get("/api/stations")[0] == 200
            except OSError:
                ready = False
            if ready and len(self.workers()) == self.expected_workers:
                return self
            time.sleep(0.2)
        pytest.fail(f"server not ready after {START_TIMEOUT_S} s:\n{self.output()}")

    def get(self, path: str, *, timeout: float = 30) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read().decode()
        finally:
            connection.close()

    def workers(self) -> set[int]:
        """The worker processes (children of the master)."""
        children = set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                children.add(int(stat.parent.name))
        return children

    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_text()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


@pytest.fixture
def servers():
    started: list[Server] = []

    def start(*args, **kwargs) -> Server:
        server = Server(*args, **kwargs)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def sample(tmp_path) -> Path:
    return Path(shutil.copytree(BUNDLED_DATA_DIR, tmp_path / "layers"))


def _in_flight(server: Server, path: str) -> tuple[threading.Thread, list]:
    """Start a GET in a thread; its (status, body) lands in the returned list."""
    result: list = []
    thread = threading.Thread(target=lambda: result.append(server.get(path, timeout=60)))
    thread.start()
    return thread, result


def test_bad_layers_stop_the_server_before_it_answers(tmp_path, servers, sample):
    (sample / "stations.geojson").write_text("not json", encoding="utf-8")
    server = servers(tmp_path, data_dir=sample, database_url=fresh_database_url(tmp_path))
    assert server.process.wait(timeout=START_TIMEOUT_S) == 1
    output = server.output()
    assert "图层校验未通过，服务未启动。" in output
    assert f"{sample / 'stations.geojson'}: 不是有效的 JSON（第 1 行第 1 列）" in output
    assert "Booting worker" not in output
    with pytest.raises(OSError):
        server.get("/api/stations", timeout=2)


def test_bad_settings_stop_the_server_before_it_answers(tmp_path, servers, sample):
    server = servers(tmp_path, data_dir=sample, database_url=fresh_database_url(tmp_path),
                     GEO_APP_BASEMAP="gaode", GEO_APP_PLANNER_UNCOVERED_ROWS="0")
    assert server.process.wait(timeout=START_TIMEOUT_S) == 1
    output = server.output()
    assert "配置有误，服务未启动。" in output
    assert "配置项有误：PLANNER_UNCOVERED_ROWS 应为正整数，实际为 0" in output
    assert "配置项有误：未知底图 'gaode'" in output
    assert "Booting worker" not in output and "Traceback" not in output


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"GEO_APP_WORKERS": "abc"}, "配置项有误：GEO_APP_WORKERS 应为正整数，实际为 'abc'"),
        ({"GEO_APP_DATABASE_URL": "foo://x"}, "配置项有误：DATABASE_URL 无法使用"),
    ],
)
def test_a_bad_server_setting_or_database_address_stops_the_server(
    tmp_path, servers, sample, env, words
):
    server = servers(tmp_path, data_dir=sample, database_url=fresh_database_url(tmp_path), **env)
    assert server.process.wait(timeout=START_TIMEOUT_S) == 1
    output = server.output()
    assert "配置有误，服务未启动。" in output and words in output
    assert "Traceback" not in output and "Booting worker" not in output


def test_hup_reloads_gracefully_and_picks_up_new_layers(tmp_path, servers, sample):
    server = servers(
        tmp_path, data_dir=sample, database_url=fresh_database_url(tmp_path), workers=2
    ).wait_ready()
    before = server.workers()
    assert len(before) == 2
    stations = json.loads((sample / "stations.geojson").read_text("utf-8"))
    stations["features"][0]["properties"]["name"] = "重新加载后的站名"
    (sample / "stations.geojson").write_text(json.dumps(stations, ensure_ascii=False), "utf-8")

    thread, result = _in_flight(server, "/planner?threshold=730&k=3")  # a new report: ~1 s
    time.sleep(0.3)
    server.process.send_signal(signal.SIGHUP)
    thread.join(timeout=60)
    assert result and result[0][0] == 200  # the request in flight was finished, not dropped

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (server.workers() & before or len(server.workers()) < 2):
        time.sleep(0.2)
    assert server.workers().isdisjoint(before)
    assert len(server.workers()) == 2
    assert server.process.poll() is None
    status, body = server.get("/api/stations")
    assert status == 200
    assert "重新加载后的站名" in body
    assert "图层已重新加载" in server.output()

    (sample / "stations.geojson").write_text("[", encoding="utf-8")  # a bad edit, then HUP
    server.process.send_signal(signal.SIGHUP)
    time.sleep(3)
    assert server.process.poll() is None
    status, body = server.get("/api/stations")
    assert status == 200
    assert "重新加载后的站名" in body  # the good layers kept
    assert "图层校验未通过，继续使用原图层" in server.output()


def test_term_finishes_requests_in_flight_and_exits_cleanly(tmp_path, servers, sample):
    server = servers(
        tmp_path, data_dir=sample, database_url=fresh_database_url(tmp_path)
    ).wait_ready()
    thread, result = _in_flight(server, "/planner?threshold=840&k=3")
    time.sleep(0.3)
    server.process.send_signal(signal.SIGTERM)
    thread.join(timeout=60)
    assert result and result[0][0] == 200
    assert server.process.wait(timeout=40) == 0
    assert "Shutting down" in server.output()
    with pytest.raises(OSError):
        server.get("/api/stations", timeout=2)


def test_keep_alive_is_honest_and_every_thread_is_warm_before_it_serves(tmp_path, servers,
                                                                        sample):
    server = servers(
        tmp_path, data_dir=sample, database_url=fresh_database_url(tmp_path), workers=2,
        GEO_APP_THREADS="3",
    ).wait_ready()
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    for _ in range(3):  # one connection, three requests: never closed without saying so
        connection.request("GET", "/api/stations")
        response = connection.getresponse()
        response.read()
        assert response.status == 200
        assert response.getheader("Connection", "keep-alive").lower() != "close"
    connection.close()
    # No visitor pays the first query's costs (the graph and index, pyproj's per-thread
    # set-up): the master answered one before forking, and every thread of every worker one
    # before its worker took connections (geo_app/server/warm.py). The 20 ms p95 itself is
    # measured by benchmarks/bench_api.py, not by a timed test.
    pattern = re.compile(r"工作进程 (\d+) 已预热 (\d+) 个线程：/api/nearest ([\d ]+)")
    deadline = time.monotonic() + START_TIMEOUT_S  # a worker still warming takes no connection
    while len(warmed := pattern.findall(server.output())) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "预热完成：/api/nearest 200，/planner 200，/planner/layers.json 200" in server.output()
    assert {int(pid) for pid, _, _ in warmed} == server.workers()
    for _, threads, statuses in warmed:
        assert statuses.split() == ["200"] * int(threads) and int(threads) == 3


# --- item 20: two worker processes share limits and revocation ----------------------------


class Browser:
    """Cookies and CSRF tokens across servers (cookies are per host, not per port)."""

    def __init__(self) -> None:
        self.cookie = ""

    def request(self, server: Server, method: str, path: str, form: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode()
        connection.close()
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return response.status, text

    def token(self, server: Server, path: str = "/login") -> str:
        _, html = self.request(server, "GET", path)
        match = re.search(r'name="csrf-token" content="([^"]+)"', html)
        assert match, html[:500]
        return match.group(1)

    def login(self, server: Server, username: str, password: str) -> int:
        token = self.token(server)
        form = {"username": username, "password": password, "csrf_token": token}
        return self.request(server, "POST", "/login", form)[0]


def test_two_worker_processes_share_login_limits_and_session_revocation(tmp_path, servers):
    data = write_community(tmp_path / "layers")
    url = fresh_database_url(tmp_path)
    setup = create_app({"TESTING": True, "DATA_DIR": str(data), "DATABASE_URL": url,
                        "SECRET_KEY": "x"})
    with setup.app_context(), get_store().write() as db:
        create_account(db, username="leader1", password=PASSWORD, role="grid_leader",
                       grid_id="JN-01", building_grids={}, known_grids={"JN-01": "风格城市网格"},
                       actor="test")
    get_store_of(setup).dispose()
    env = {"GEO_APP_LOGIN_RATE_LIMIT": "4 per minute"}
    first = servers(tmp_path, data_dir=data, database_url=url, **env)
    second = servers(tmp_path, data_dir=data, database_url=url, **env)
    first.wait_ready()
    second.wait_ready()
    assert first.workers().isdisjoint(second.workers())

    # The same browser logs in on one process and is known on the other.
    browser = Browser()
    assert browser.login(first, "leader1", PASSWORD) == 302
    assert browser.request(second, "GET", "/api/my/buildings")[0] == 200
    saved = browser.cookie
    # Logout on the second process ends the session on the first too.
    token = browser.token(second, "/grid/JN-01")
    assert browser.request(second, "POST", "/logout", {"csrf_token": token})[0] == 302
    thief = Browser()
    thief.cookie = saved
    assert thief.request(first, "GET", "/api/my/buildings")[0] == 401

    # Wrong passwords alternate between the processes: four in a minute (the right one above
    # counted nowhere), then 429 on both.
    guesser = Browser()
    assert guesser.login(first, "leader1", "wrong-guess-1") == 401
    assert guesser.login(second, "leader1", "wrong-guess-2") == 401
    assert guesser.login(first, "leader1", "wrong-guess-3") == 401
    assert guesser.login(second, "leader1", "wrong-guess-4") == 401
    assert guesser.login(second, "leader1", PASSWORD) == 429
    assert guesser.login(first, "leader1", PASSWORD) == 429


def get_store_of(app):
    with app.app_context():
        return get_store()
