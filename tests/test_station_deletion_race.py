"""No loan, restock or redemption lands on a station deleted meanwhile, and no restore removes a
station that still has something at it.

Two workers serve the same layers and database (as gunicorn's do). Worker B checks the layer
files at most once an hour, so for its requests the station deleted on worker A is still in
the community it serves: only the check made under the station's lock, against the layers on
disk, stops B's movement. On PostgreSQL the lock is an advisory lock held by the deletion's
transaction; on SQLite the single writer. The tiny community of ``support.grid_community``:
S-1 (10 umbrellas, 4 power banks), rest post S-2 (2 umbrellas).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from support.accounts import ACCOUNTS, add_accounts, csrf_token_of, logged_in
from support.apps import make_grid_app
from support.grid_community import LAT, LON

from geo_app.store import get_store
from geo_app.store.audit import entries
from geo_app.store.models import Loan, StationStock
from geo_app.volunteering.models import Activity
from layers.editing import LayerEditor

TZ = ZoneInfo("Asia/Shanghai")
BORROWER = {"borrower_name": "张三丰", "borrower_phone": "13800000000"}
S3 = {"id": "S-3", "name": "和园东门歇歇角", "kind": "rest_post", "hours": "24h",
      "contact": "0551-00000003", "items": {"umbrella": 3}}


def _admin(app):
    client = logged_in(app, "admin")
    client.headers = {"X-CSRFToken": csrf_token_of(client, "/admin/layers")}
    return client


@pytest.fixture
def workers(tmp_path):
    """(worker A's admin, worker B's admin): one layer directory, one database."""
    shared = {"LAYER_HISTORY_DIR": str(tmp_path / "history"),
              "LAYER_RELOAD_STAMP": str(tmp_path / "layers.reload")}
    worker_a = make_grid_app(tmp_path, LAYER_CHECK_INTERVAL_S=0, **shared)
    worker_b = make_grid_app(tmp_path / "b", LAYER_CHECK_INTERVAL_S=3600, **shared,
                             DATA_DIR=worker_a.config["DATA_DIR"],
                             DATABASE_URL=worker_a.config["DATABASE_URL"])
    add_accounts(worker_a, {name: ACCOUNTS[name] for name in ("admin", "organiser1")})
    return _admin(worker_a), _admin(worker_b)


def _delete(client, station_id: str):
    return client.delete(f"/admin/api/layers/stations/{station_id}?stock=write_off",
                         headers=client.headers)


def _restock(client, station_id: str, quantity: int = 3):
    return client.post("/admin/api/stock", headers=client.headers, json={
        "station": station_id, "item": "umbrella", "movement": "restocked",
        "quantity": quantity})


def _lend(client, station_id: str):
    return client.post("/admin/api/loans", headers=client.headers,
                       json={"station": station_id, "item": "umbrella", **BORROWER})


def _stock(client) -> dict[tuple[str, str], int]:
    with client.application.app_context(), get_store().read() as db:
        rows = db.execute(select(StationStock.station_id, StationStock.item, StationStock.count))
        return {(station, item): count for station, item, count in rows}


def _loans_at(client, station_id: str) -> int:
    with client.application.app_context(), get_store().read() as db:
        return len(db.scalars(select(Loan).where(Loan.station_id == station_id)).all())


def _serves(client, station_id: str) -> bool:
    stations = client.get("/api/stations").get_json()["stations"]
    return station_id in {s["station_id"] for s in stations}


@pytest.mark.parametrize("move", [_restock, _lend], ids=["restock", "lend"])
def test_a_worker_still_serving_a_deleted_station_moves_nothing_at_it(workers, move):
    admin_a, admin_b = workers
    assert _serves(admin_b, "S-2")
    assert _delete(admin_a, "S-2").status_code == 200  # its 2 umbrellas written off
    assert _serves(admin_b, "S-2")  # B has not looked at the files yet
    before = _stock(admin_b)
    answer = move(admin_b, "S-2")
    assert answer.status_code in (400, 404), answer.get_json()
    assert answer.get_json() == {"error": "站点 “S-2” 不存在", "parameter": "station"}
    assert _stock(admin_b) == before
    assert before[("S-2", "umbrella")] == 0
    assert _loans_at(admin_b, "S-2") == 0
    # the same movement at a station still there goes through on the same worker
    assert move(admin_b, "S-1").status_code in (200, 201)


def test_a_movement_waiting_on_the_deletion_is_refused_once_it_commits(workers, monkeypatch):
    """B's restock starts while A's deletion of S-2 holds its transaction open (after writing
    off the stock, before committing): B waits for it, then finds S-2 gone."""
    admin_a, admin_b = workers
    deleting, resume = threading.Event(), threading.Event()
    real_save = LayerEditor._save

    def slow_save(self, *args, **kwargs):
        deleting.set()
        assert resume.wait(10)
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(LayerEditor, "_save", slow_save)
    answers = {}

    def run(name, call):
        answers[name] = call()

    deletion = threading.Thread(target=run, args=("delete", lambda: _delete(admin_a, "S-2")))
    deletion.start()
    assert deleting.wait(10)
    restock = threading.Thread(target=run, args=("restock", lambda: _restock(admin_b, "S-2")))
    restock.start()
    restock.join(0.5)
    assert restock.is_alive()  # held by the deletion's lock
    resume.set()
    deletion.join(10)
    restock.join(10)
    assert answers["delete"].status_code == 200, answers["delete"].get_json()
    assert answers["delete"].get_json()["written_off"] == {"umbrella": 2}
    assert answers["restock"].get_json() == {"error": "站点 “S-2” 不存在",
                                             "parameter": "station"}
    assert _stock(admin_a)[("S-2", "umbrella")] == 0
    with admin_a.application.app_context(), get_store().read() as db:
        moves = [e.action for e in entries(db) if e.target == "station:S-2/umbrella"]
    assert moves == ["stock.written_off"]


def test_no_activity_is_published_at_a_station_deleted_meanwhile(workers):
    admin_a, admin_b = workers
    organiser = logged_in(admin_b.application, "organiser1")
    token = csrf_token_of(organiser, "/organise/")
    starts = (datetime.now(UTC) + timedelta(days=3)).astimezone(TZ)
    form = {"csrf_token": token, "title": "楼道清洁", "kind": "service", "topic": "",
            "place_kind": "station", "place_ref": "S-2", "place_name": "", "lon": "", "lat": "",
            "starts_at": starts.strftime("%Y-%m-%dT09:30"), "minutes": "90", "capacity": "10",
            "points_per_hour": "5", "points_per_attendance": "5", "description": ""}
    assert _delete(admin_a, "S-2").status_code == 200
    page = organiser.post("/organise/activities", data=form)
    assert page.status_code == 400
    assert "未发布：站点 “S-2” 不存在" in page.get_data(as_text=True)
    with admin_b.application.app_context(), get_store().read() as db:
        assert db.scalars(select(Activity)).all() == []
    form["place_ref"] = "S-1"
    assert organiser.post("/organise/activities", data=form).status_code == 302


# ---------------------------------------------------------------------- restoring a version


def _history_restore(client, name: str, **form: str) -> str:
    page = client.post(f"/admin/layers/history/{name}/restore",
                       data={"csrf_token": client.headers["X-CSRFToken"], **form},
                       follow_redirects=True)
    assert page.status_code == 200
    return page.get_data(as_text=True)


def _add_s3(admin) -> str:
    """Add S-3 (3 umbrellas in the layer) and restock 5 more; the version kept before it."""
    created = admin.post("/admin/api/layers/stations", headers=admin.headers,
                         json={"properties": S3, "lon": LON + 0.0036, "lat": LAT + 0.0012})
    assert created.status_code == 201, created.get_json()
    assert _restock(admin, "S-3", 5).get_json()["after"] == 8  # 3 from the layer, 5 more
    return created.get_json()["kept"]


def test_a_version_without_a_station_that_has_stock_is_restored_only_writing_it_off(workers):
    admin, _ = workers
    data_dir = Path(admin.application.config["DATA_DIR"])
    kept = _add_s3(admin)
    layer = (data_dir / "stations.geojson").read_bytes()

    page = _history_restore(admin, kept)
    assert ("未恢复：这个历史版本没有站点 和园东门歇歇角，而它还有 8 件库存（雨伞 8），"
            "请先处理后再恢复（库存可勾选“库存一并报损清零”后再恢复）") in page
    assert (data_dir / "stations.geojson").read_bytes() == layer
    assert _serves(admin, "S-3") and _stock(admin)[("S-3", "umbrella")] == 8

    page = _history_restore(admin, kept, stock="write_off")
    assert f"已恢复 服务站点 为历史版本 {kept}（3 → 2 个要素）" in page
    assert "库存报损清零：雨伞 8" in page
    assert not _serves(admin, "S-3")
    assert _stock(admin)[("S-3", "umbrella")] == 0
    with admin.application.app_context(), get_store().read() as db:
        log = entries(db)
    moves = {(e.action, e.note) for e in log if e.target == "station:S-3/umbrella"}
    assert moves == {("stock.restocked", "补货 5"), ("stock.written_off", "报损 8")}


def test_a_version_without_a_station_with_a_loan_out_is_not_restored(workers):
    admin, _ = workers
    data_dir = Path(admin.application.config["DATA_DIR"])
    kept = _add_s3(admin)
    assert _lend(admin, "S-3").status_code == 201
    layer = (data_dir / "stations.geojson").read_bytes()
    page = _history_restore(admin, kept, stock="write_off")
    assert ("未恢复：这个历史版本没有站点 和园东门歇歇角，而它还有 1 件未归还的借用（雨伞 1），"
            "请先处理后再恢复（未归还的借用须先在“借还登记”登记归还）") in page
    assert (data_dir / "stations.geojson").read_bytes() == layer
    assert _stock(admin)[("S-3", "umbrella")] == 7  # nothing written off
