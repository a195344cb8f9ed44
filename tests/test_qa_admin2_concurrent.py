"""Two admins editing the same station: the editor's form sends the values it started from
(``expected``); a save made from a form opened before another admin's save, or before a
restore, is refused (409, the changed fields named) instead of silently writing the old
values back over the newer ones. Nothing is written or logged by the refused save."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.accounts import ACCOUNTS, csrf_token_of, logged_in

from geo_app.store import get_store
from geo_app.store.audit import entries

ADMINS = {**ACCOUNTS, "admin2": ("admin", None, [])}


@pytest.fixture
def app(grid_app_factory):
    return grid_app_factory(accounts=ADMINS)


def _admin(app, username: str):
    client = logged_in(app, username)
    client.token = csrf_token_of(client, "/admin/layers")
    return client


def _station(client, station_id: str) -> dict:
    """The station as the editor's map received it (what the form starts from)."""
    layers = client.get("/admin/api/layers").get_json()["layers"]
    return next(f for f in layers["stations"]["features"]
                if f["properties"]["id"] == station_id)


def _form_save(client, station: dict, **changes):
    """What the editor's form sends: every field, and what it started from."""
    base = station["properties"]
    fields = ("name", "kind", "contact", "address", "hours", "items")
    properties = {name: base.get(name) for name in fields} | changes
    return client.post(
        "/admin/api/layers/stations/S-1", headers={"X-CSRFToken": client.token},
        json={"properties": properties, "expected": {n: base.get(n) for n in properties}})


def _file_station(app) -> dict:
    doc = json.loads((Path(app.config["DATA_DIR"]) / "stations.geojson").read_text("utf-8"))
    return next(f for f in doc["features"] if f["properties"]["id"] == "S-1")


def _log_size(app) -> int:
    with app.app_context(), get_store().read() as db:
        return len(entries(db, limit=10_000))


def test_an_unchanged_form_saves(app):
    first = _admin(app, "admin")
    answer = _form_save(first, _station(first, "S-1"), contact="0551-65550001")
    assert answer.status_code == 200, answer.get_json()
    assert _file_station(app)["properties"]["contact"] == "0551-65550001"


def test_a_form_opened_before_another_admins_save_is_refused(app):
    first, second = _admin(app, "admin"), _admin(app, "admin2")
    opened = _station(first, "S-1")  # the first admin opens the form
    renamed = _form_save(second, _station(second, "S-1"), name="风格城市党群服务站（新址）")
    assert renamed.status_code == 200
    before, logged = _file_station(app), _log_size(app)
    answer = _form_save(first, opened, contact="0551-65550002")
    assert answer.status_code == 409
    error = answer.get_json()
    assert error["parameter"] == "expected"
    assert error["error"] == ("服务站点 风格城市党群服务站（新址）（S-1）在你打开表单后已被另一次"
                              "保存修改（名称）：请点“取消”，重新打开看到最新内容后再修改")
    assert _file_station(app) == before  # the rename stands, the contact is not written
    assert _log_size(app) == logged
    # reopened, the same change saves and keeps the other admin's name
    again = _form_save(first, _station(first, "S-1"), contact="0551-65550002")
    assert again.status_code == 200
    assert _file_station(app)["properties"]["name"] == "风格城市党群服务站（新址）"


def test_a_move_from_a_stale_position_is_refused(app):
    first, second = _admin(app, "admin"), _admin(app, "admin2")
    opened = _station(first, "S-1")
    lon, lat = opened["geometry"]["coordinates"]
    moved = second.post("/admin/api/layers/stations/S-1", headers={"X-CSRFToken": second.token},
                        json={"lon": lon + 0.0001, "lat": lat})
    assert moved.status_code == 200
    stale = first.post("/admin/api/layers/stations/S-1", headers={"X-CSRFToken": first.token},
                       json={"lon": lon, "lat": lat + 0.0001,
                             "expected": {"coordinates": [lon, lat]}})
    assert stale.status_code == 409
    assert "（位置）" in stale.get_json()["error"]
    assert _file_station(app)["geometry"]["coordinates"] == pytest.approx([lon + 0.0001, lat])


def test_a_form_opened_before_a_restore_is_refused(app):
    first, second = _admin(app, "admin"), _admin(app, "admin2")
    assert _form_save(second, _station(second, "S-1"), contact="0551-65550003").status_code == 200
    opened = _station(first, "S-1")  # contact 0551-65550003
    kept = second.get("/admin/api/layers/history").get_json()["versions"][0]["name"]
    restored = second.post(f"/admin/layers/history/{kept}/restore",
                           data={"csrf_token": second.token})
    assert restored.status_code == 302
    assert _file_station(app)["properties"]["contact"] != "0551-65550003"
    answer = _form_save(first, opened, address="金宁路 1 号")
    assert answer.status_code == 409
    assert "联系电话" in answer.get_json()["error"]


@pytest.mark.parametrize("expected", ["名称", ["name"], 3])
def test_expected_must_be_an_object(app, expected):
    client = _admin(app, "admin")
    answer = client.post("/admin/api/layers/stations/S-1", headers={"X-CSRFToken": client.token},
                         json={"properties": {"name": "x"}, "expected": expected})
    assert answer.status_code == 400
    assert answer.get_json()["parameter"] == "expected"
