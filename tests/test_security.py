"""Issue 10, "Nothing breaks, nobody gets in": headers, redirects, sessions, passwords,
configuration layering, CSV injection, planner recomputation, file modes, public names,
quantities and a locked database. (XSS in Chromium: ``test_security_browser.py``.)"""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import stat
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine
from support.accounts import PASSWORD, add_accounts, csrf_token_of, logged_in
from support.apps import make_grid_app, make_test_config
from support.grid_community import write_community

from geo_app import create_app
from geo_app.cli import main
from geo_app.config import BUNDLED_DATA_DIR
from geo_app.formats.csv_text import safe_cell
from geo_app.store import AccountError, get_store
from geo_app.store.accounts import check_password_strength, find_account, set_assignment
from geo_app.store.models import LoginSession, StationStock

TZ = ZoneInfo("Asia/Shanghai")


class Clock:
    """A clock the test moves by hand (``app.config["CLOCK"]``)."""

    def __init__(self) -> None:
        self.moment = datetime(2025, 6, 2, 9, 0, tzinfo=TZ)

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def app(tmp_path, clock):
    app = make_grid_app(tmp_path, CLOCK=clock)
    add_accounts(app)
    return app


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _with_cookie(app, value: str):
    other = app.test_client()
    other.set_cookie("session", value)
    return other


# --- 1/6: headers -------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/map", "/planner", "/login", "/api/stations", "/nope"])
def test_every_answer_carries_the_security_headers(app, path):
    response = app.test_client().get(path)
    csp = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives["script-src"]
    assert directives["script-src"].startswith("'self' 'nonce-")
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'self'"
    assert directives["img-src"] == "'self' data:"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_every_inline_script_carries_this_requests_nonce(tmp_path):
    app = create_app(make_test_config(tmp_path))
    client = app.test_client()
    pages_with_inline_scripts = 0
    for path in ("/", "/map", "/planner", "/grid/", "/activities"):
        first, second = client.get(path), client.get(path)
        nonces = []
        for response in (first, second):
            csp = response.headers["Content-Security-Policy"]
            nonce = csp.split("'nonce-")[1].split("'")[0]
            html = response.get_data(as_text=True)
            inline = [
                tag for tag in _script_tags(html) if "src=" not in tag and "json" not in tag
            ]
            pages_with_inline_scripts += bool(inline)
            assert all(f'nonce="{nonce}"' in tag for tag in inline), (path, inline)
            nonces.append(nonce)
        assert nonces[0] != nonces[1]  # one per request
    assert pages_with_inline_scripts >= 2  # the activities' map, on both requests


def _script_tags(html: str) -> list[str]:
    import re

    return re.findall(r"<script\b[^>]*>", html)


@pytest.mark.parametrize(
    ("basemap", "key", "hosts"),
    [
        ("osm", "", "https://tile.openstreetmap.org"),
        ("tianditu", "abc", "https://*.tianditu.gov.cn"),
    ],
)
def test_the_basemaps_tile_hosts_are_allowed_as_images(tmp_path, basemap, key, hosts):
    app = create_app(make_test_config(tmp_path, BASEMAP=basemap, TIANDITU_KEY=key))
    csp = app.test_client().get("/map").headers["Content-Security-Policy"]
    assert f"img-src 'self' data: {hosts};" in csp


def test_personal_answers_are_never_cached(app):
    anonymous = app.test_client()
    assert "no-store" not in anonymous.get("/api/stations").headers.get("Cache-Control", "")
    assert anonymous.get("/api/my/buildings").headers["Cache-Control"] == "no-store"
    leader = logged_in(app, "leader1")
    for path in ("/grid/JN-01", "/api/my/buildings", "/grid/JN-01/export.csv", "/map"):
        assert leader.get(path).headers["Cache-Control"] == "no-store", path


# --- 2: open redirect ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "/%09/evil.invalid/x",  # browsers drop the tab: //evil.invalid/x
        "/%0d%0aX:1",  # header injection (was a 500)
        "/%5Cevil.invalid",  # /\\evil.invalid is //evil.invalid to a browser
        "%2F%2Fevil.invalid",
        "/%0a/evil.invalid",
        "https:evil.invalid",
        "javascript:alert(1)",
    ],
)
def test_login_never_redirects_off_site(app, target):
    client = app.test_client()
    token = csrf_token_of(client)
    response = client.post(
        f"/login?next={target}",
        data={"username": "leader1", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/grid/"


def test_login_follows_a_same_site_path_with_a_query(app):
    client = app.test_client()
    token = csrf_token_of(client)
    response = client.post(
        "/login?next=/grid/JN-01%3Fpage%3D2",
        data={"username": "leader1", "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/grid/JN-01?page=2"


# --- 3: sessions --------------------------------------------------------------------------


def test_a_cookie_saved_before_logout_is_worthless_after_it(app, clock):
    leader = logged_in(app, "leader1")
    saved = _cookie(leader)
    token = csrf_token_of(leader, "/grid/JN-01")
    assert leader.post("/logout", data={"csrf_token": token}).status_code == 302
    clock.advance(minutes=10)
    assert _with_cookie(app, saved).get("/api/my/buildings").status_code == 401


def test_a_session_ends_after_30_idle_minutes(app, clock):
    leader = logged_in(app, "leader1")
    clock.advance(minutes=29)
    assert leader.get("/api/my/buildings").status_code == 200  # and the idle clock restarts
    clock.advance(minutes=29)
    assert leader.get("/api/my/buildings").status_code == 200
    clock.advance(minutes=30, seconds=1)
    assert leader.get("/api/my/buildings").status_code == 401


def test_a_session_ends_12_hours_after_login_however_busy(app, clock):
    leader = logged_in(app, "leader1")
    for _ in range(12 * 3):  # a request every 20 minutes
        clock.advance(minutes=20)
        assert leader.get("/api/my/buildings").status_code == 200
    clock.advance(seconds=1)
    assert leader.get("/api/my/buildings").status_code == 401


def test_the_timeouts_are_configurable(tmp_path, clock):
    app = make_grid_app(tmp_path, CLOCK=clock, SESSION_IDLE_MINUTES=5, SESSION_ABSOLUTE_HOURS=1)
    add_accounts(app, {"leader1": ("grid_leader", "JN-01", [])})
    leader = logged_in(app, "leader1")
    clock.advance(minutes=5, seconds=1)
    assert leader.get("/api/my/buildings").status_code == 401


def test_a_new_password_and_a_deactivation_end_every_session(app):
    first, second = logged_in(app, "leader1"), logged_in(app, "leader1")
    other = logged_in(app, "leader2")
    result = app.test_cli_runner().invoke(
        main, ["user", "passwd", "leader1"], input="Marble-Otter-Quietly-77\n"
    )
    assert result.exit_code == 0, result.output
    assert first.get("/api/my/buildings").status_code == 401
    assert second.get("/api/my/buildings").status_code == 401
    assert other.get("/api/my/buildings").status_code == 200
    with app.app_context(), get_store().write() as db:
        account = find_account(db, "leader2")
        set_assignment(
            db, account, role="grid_leader", grid_id="JN-02", building_ids=[], active=False,
            building_grids={}, known_grids={"JN-02": "和园网格"}, actor="test",
        )
        still_open = db.query(LoginSession).filter_by(account_id=account.id, revoked=False)
        assert still_open.count() == 0
    assert other.get("/api/my/buildings").status_code == 401


def test_the_store_keeps_only_a_hash_of_the_session_token(app):
    leader = logged_in(app, "leader1")
    from flask.sessions import SecureCookieSessionInterface

    with app.app_context():
        serializer = SecureCookieSessionInterface().get_signing_serializer(app)
        token = serializer.loads(_cookie(leader))["sid"]
        with get_store().read() as db:
            ids = [row.id for row in db.query(LoginSession)]
    assert len(token) >= 43  # 256 random bits
    assert token not in ids
    assert len(ids) == 1


# --- 4: passwords -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("password", "最常用的 10 个密码"),
        ("12345678", "最常用的 10 个密码"),
        ("aaaaaaaa", "重复"),
        ("qwertyuiop", "最常用的 100 个密码"),
        ("P@ssw0rd!", "常见密码"),
        ("jinning2025", "容易被猜到"),
        ("leader1leader1", "容易被猜到"),  # the username
    ],
)
def test_common_and_guessable_passwords_are_refused_in_chinese(password, reason):
    with pytest.raises(AccountError, match=reason) as caught:
        check_password_strength(password, personal=("leader1", "王秀兰"))
    assert "密码太容易被猜到" in str(caught.value)
    assert caught.value.parameter == "password"


def test_a_guessable_password_without_a_named_pattern_is_said_once():
    """zxcvbn names no pattern for some weak passwords: the message said 「容易被猜到」 twice."""
    with pytest.raises(AccountError) as caught:
        check_password_strength("xx7788yy", personal=())
    assert str(caught.value).startswith("密码太容易被猜到：请用几个不常见的词语")
    assert str(caught.value).count("容易被猜到") == 1


def test_a_long_uncommon_password_passes():
    check_password_strength("Marble-Otter-Quietly-77", personal=("leader1",))


@pytest.mark.parametrize("password", ["password", "12345678", "aaaaaaaa"])
def test_user_add_refuses_the_issues_weak_passwords(tmp_path, password):
    app = make_grid_app(tmp_path)
    result = app.test_cli_runner().invoke(
        main, ["user", "add", "someone", "--role", "admin"], input=f"{password}\n"
    )
    assert result.exit_code == 1
    assert "未创建账号：密码太容易被猜到" in result.output


# --- 5: flags layer on top of the configuration ------------------------------------------


def test_serve_data_keeps_the_environment_and_instance_configuration(tmp_path, monkeypatch):
    from flask import Flask

    database = tmp_path / "configured.sqlite3"
    monkeypatch.setenv("GEO_APP_DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("GEO_APP_SESSION_COOKIE_SECURE", "true")
    monkeypatch.setenv("GEO_APP_SECRET_KEY", "from-the-environment")
    served = []
    monkeypatch.setattr(Flask, "run", lambda self, **kwargs: served.append(self))
    data = write_community(tmp_path / "layers")
    from click.testing import CliRunner

    result = CliRunner().invoke(main, ["serve", "--data", str(data)])
    assert result.exit_code == 0, result.output
    (app,) = served
    assert app.config["DATA_DIR"] == str(data)
    assert app.config["DATABASE_URL"] == f"sqlite:///{database}"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert database.exists()


# --- 7: CSV formula injection -------------------------------------------------------------

FORMULAS = {
    "FG-1": "=HYPERLINK(\"http://evil.invalid\",\"点此\")",
    "FG-2": "+1+1",
    "FG-3": "-2+3",
    "HY-1": "@SUM(A1:A2)",
}


@pytest.fixture
def formula_app(tmp_path, clock):
    layers = write_community(tmp_path / "formula_layers")
    path = layers / "buildings.geojson"
    doc = json.loads(path.read_text("utf-8"))
    for feature in doc["features"]:
        name = FORMULAS.get(feature["properties"]["id"])
        if name:
            feature["properties"]["name"] = name
    path.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    grids_path = layers / "grids.geojson"
    grids = json.loads(grids_path.read_text("utf-8"))
    grids["features"][0]["properties"]["name"] = "=1+2"
    grids_path.write_text(json.dumps(grids, ensure_ascii=False), "utf-8")
    app = make_grid_app(tmp_path, DATA_DIR=str(layers), CLOCK=clock)
    add_accounts(app)
    return app


def _csv_cells(response) -> list[str]:
    text = response.get_data(as_text=True).lstrip("\ufeff")
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _formula_cells(cells: list[str]) -> list[str]:
    return [c for c in cells if c[:1] in ("=", "+", "-", "@")]


def test_the_grid_export_writes_formulas_as_text(formula_app):
    leader = logged_in(formula_app, "leader1")
    cells = _csv_cells(leader.get("/grid/JN-01/export.csv"))
    assert "'" + FORMULAS["FG-1"] in cells
    assert "'+1+1" in cells
    assert "'-2+3" in cells
    assert _formula_cells(cells) == []


@pytest.mark.parametrize("path", ["/planner/uncovered.csv", "/planner/grids.csv"])
def test_the_planner_exports_write_formulas_as_text(formula_app, path):
    cells = _csv_cells(formula_app.test_client().get(f"{path}?threshold=50"))
    assert _formula_cells(cells) == []
    assert any(c.startswith("'=") or c.startswith("'+") or c.startswith("'@") for c in cells)


def test_numbers_stay_numbers():
    assert safe_cell(-3) == -3
    assert safe_cell(-2.5) == -2.5
    assert safe_cell("风格城市 1栋") == "风格城市 1栋"
    assert safe_cell(" =1") == "' =1"
    assert safe_cell("＝1") == "'＝1"


# --- 8: anonymous recomputation -----------------------------------------------------------


def test_thresholds_are_normalised_to_ten_metres(tmp_path, monkeypatch):
    app = make_grid_app(tmp_path)
    client = app.test_client()
    first = client.get("/planner/report.json?threshold=503.7&k=2").get_json()
    assert first["threshold_m"] == 500
    assert client.get("/planner/report.json?threshold=497&k=2").get_json() == first


def test_new_reports_are_rate_limited_per_visitor_but_cached_ones_are_not(tmp_path):
    app = make_grid_app(tmp_path, REPORT_BUILD_RATE_LIMIT="3 per minute")
    client = app.test_client()
    for threshold in (100, 200, 300):
        assert client.get(f"/planner/report.json?threshold={threshold}").status_code == 200
    refused = client.get("/planner/report.json?threshold=400")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "60"
    assert refused.get_json()["parameter"] == "threshold"
    assert refused.get_json()["error"] == ("新的分析参数请求太频繁（每个访问者每 1 分钟 3 次），"
                                           "请 1 分钟后再试；已算好的阈值不受限制")
    page = client.get("/planner?threshold=410")
    assert page.status_code == 429
    assert "太频繁" in page.get_data(as_text=True)
    for threshold in (100, 200, 300):  # computed already: still answered at once
        assert client.get(f"/planner/report.json?threshold={threshold}").status_code == 200
    other = app.test_client()
    answer = other.get(
        "/planner/report.json?threshold=400", environ_base={"REMOTE_ADDR": "10.0.0.2"}
    )
    assert answer.status_code == 200


# --- 9: the database file -----------------------------------------------------------------


def _created_by_the_app(tmp_path: Path) -> str:
    """A database URL whose file the app creates itself (not a copy of the tests' template)."""
    return f"sqlite:///{tmp_path / 'store.sqlite3'}"


@pytest.mark.sqlite_only
def test_the_sqlite_file_is_readable_by_its_owner_only(tmp_path):
    app = make_grid_app(tmp_path, DATABASE_URL=_created_by_the_app(tmp_path))
    add_accounts(app, {"admin": ("admin", None, [])})  # a write: the WAL file exists now
    for name in ("store.sqlite3", "store.sqlite3-wal"):
        path = tmp_path / name
        assert path.exists(), name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, name


# --- 10: names on public pages ------------------------------------------------------------


def test_no_grid_leaders_name_reaches_a_public_page(tmp_path):
    app = create_app(make_test_config(tmp_path))
    grids = json.loads((BUNDLED_DATA_DIR / "grids.geojson").read_text("utf-8"))
    leaders = [f["properties"]["leader"] for f in grids["features"]]
    client = app.test_client()
    pages = {path: client.get(path).get_data(as_text=True) for path in
             ("/", "/map", "/planner", "/api/stations", "/planner/report.json",
              "/planner/grids.csv", "/planner/report.geojson")}
    for path, text in pages.items():
        assert not [name for name in leaders if name in text], path
        assert not [name for name in leaders if _escaped(name) in text], path


def _escaped(text: str) -> str:
    return json.dumps(text)[1:-1]  # as JSON writes it with \u escapes

# --- 11: quantities -----------------------------------------------------------------------


@pytest.fixture
def admin(app):
    client = logged_in(app, "admin")
    client.token = csrf_token_of(client, "/admin/")
    return client


def _stock_post(admin, body: str):
    return admin.post(
        "/admin/api/stock", data=body, content_type="application/json",
        headers={"X-CSRFToken": admin.token},
    )


@pytest.mark.parametrize(
    "quantity",
    ["true", "2.7", "1e30", "Infinity", "-Infinity", "NaN", "9223372036854775808", "0", "-1",
     "10001", '"5"x', "[1]", '{"n": 1}', "null"],
)
def test_bad_quantities_answer_400_naming_the_parameter(app, admin, quantity):
    body = '{"station": "S-1", "item": "umbrella", "movement": "restocked", "quantity": %s}'
    response = _stock_post(admin, body % quantity)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["parameter"] in ("quantity", "body")
    with app.app_context(), get_store().read() as db:
        assert db.get(StationStock, ("S-1", "umbrella")).count == 10


def test_deeply_nested_json_answers_400(admin):
    response = _stock_post(admin, "[" * 100_000 + "]" * 100_000)
    assert response.status_code == 400
    assert response.get_json() == {"error": "请求体嵌套过深，不是有效的请求", "parameter": "body"}


def test_restocking_2_to_the_62_twice_is_refused_and_the_count_stays_exact(app, admin):
    body = '{"station": "S-1", "item": "umbrella", "movement": "restocked", "quantity": %d}'
    for _ in range(2):
        assert _stock_post(admin, body % 2**62).status_code == 400
    ok = _stock_post(admin, body % 10_000)
    assert ok.get_json() == {"station": "S-1", "item": "umbrella", "before": 10, "after": 10_010}


def test_the_form_refuses_a_fractional_quantity(app, admin):
    response = admin.post(
        "/admin/stock", follow_redirects=True,
        data={"csrf_token": admin.token, "station": "S-1", "item": "umbrella",
              "movement": "lent", "quantity": "2.7"},
    )
    assert "数量须为 1–10,000 的整数，收到 “2.7”" in response.get_data(as_text=True)


# --- 13: a locked database ----------------------------------------------------------------


@contextmanager
def _another_writer(url: str):
    """Another connection holding the write lock: SQLite's ``BEGIN IMMEDIATE`` on the file;
    on PostgreSQL an EXCLUSIVE lock on the stock table (reads go on, writes wait)."""
    if url.startswith("sqlite"):
        blocker = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        return
    engine = create_engine(url)
    try:
        with engine.connect() as connection, connection.begin():
            connection.exec_driver_sql("LOCK TABLE station_stock IN EXCLUSIVE MODE")
            yield
    finally:
        engine.dispose()


def test_a_write_waiting_too_long_answers_503_and_reads_go_on(tmp_path, clock):
    app = make_grid_app(tmp_path, CLOCK=clock, DATABASE_BUSY_TIMEOUT_S=0.2)
    add_accounts(app, {"admin": ("admin", None, [])})
    admin = logged_in(app, "admin")
    token = csrf_token_of(admin, "/admin/")
    with _another_writer(app.config["DATABASE_URL"]):
        body = {"station": "S-1", "item": "umbrella", "movement": "lent", "quantity": 1}
        busy = admin.post("/admin/api/stock", json=body, headers={"X-CSRFToken": token})
        assert busy.status_code == 503
        assert busy.headers["Retry-After"] == "5"
        assert busy.get_json() == {
            "error": "数据库正忙：另一项修改尚未完成，这次修改未保存，请稍后重试（查询不受影响）。",
            "parameter": None,
        }
        page = admin.post("/admin/stock", data={"csrf_token": token, **body})
        assert page.status_code == 503
        assert "数据库正忙" in page.get_data(as_text=True)
        assert app.test_client().get("/api/stations").status_code == 200
        assert admin.get("/admin/stock").status_code == 200
    assert admin.post("/admin/api/stock", json=body, headers={"X-CSRFToken": token}).get_json()[
        "after"] == 9


@pytest.mark.sqlite_only
def test_the_umask_does_not_widen_the_database_mode(tmp_path):
    old = os.umask(0)
    try:
        make_grid_app(tmp_path, DATABASE_URL=_created_by_the_app(tmp_path))
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "store.sqlite3").stat().st_mode) == 0o600
