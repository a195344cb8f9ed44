"""The layer editor deletes a station or a POI: gone from the editor, the finder and the planner at
once, refused while a station still has loans, goods, activities or stock, kept in history.

The tiny community of ``support.grid_community``: one street P-1 along latitude LAT+0.001 from
LON to LON+0.004; station S-1 风格城市党群服务站 (10 umbrellas, 4 power banks) at (LON+0.001,
LAT+0.0015), rest post S-2 和园歇歇角 (2 umbrellas) at (LON+0.003, LAT+0.0015), POI-1 便利店
at (LON+0.0015, LAT+0.0012); five buildings, 178 households, 425 residents. Walking distances
are worked out by hand (geodesic legs along the street and up to the station, pyproj.Geod) and
checked against the networkx reference of ``support.oracle``.
"""

from __future__ import annotations

import errno
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from support.accounts import ACCOUNTS, csrf_token_of, logged_in
from support.counters import volunteer_with_points
from support.grid_community import LAT, LON
from support.layer_editor import STREET_LAT, hand_walk, reference_walk

from geo_app.cli import main
from geo_app.layers_edit.attached import write_off_stock_of
from geo_app.store import get_store
from geo_app.store.audit import entries
from geo_app.store.loans import lend, return_loan
from geo_app.store.models import Loan, StationStock
from geo_app.store.stock import seed_stock
from geo_app.volunteering.activities import Place, create_activity
from geo_app.volunteering.goods import redeem
from geo_app.web.access import policy_of

S1 = (LON + 0.001, LAT + 0.0015)
S2 = (LON + 0.003, LAT + 0.0015)
#: A resident on the street near 和园: S-2 is nearest, S-1 next.
ORIGIN = (LON + 0.0035, STREET_LAT)
KNOWN_STATIONS = ("S-1", "S-2")
#: Every building of the community (hand sums of support.grid_community.SIZES).
EVERYONE = {"buildings": 5, "households": 178, "residents": 425}
NOBODY = {"buildings": 0, "households": 0, "residents": 0}
ONLY_HERE = "这里只能删除站点和兴趣点（服务站点 stations、便民设施 pois）"


@pytest.fixture
def editor(grid_app_factory, tmp_path):
    """The admin's client on editable layers (every account of the community exists)."""
    app = grid_app_factory(
        accounts=ACCOUNTS,
        LAYER_HISTORY_DIR=str(tmp_path / "history"),
        LAYER_RELOAD_STAMP=str(tmp_path / "layers.reload"),
    )
    client = logged_in(app, "admin")
    client.token = csrf_token_of(client, "/admin/layers")
    client.data_dir = Path(app.config["DATA_DIR"])
    client.history_dir = tmp_path / "history"
    return client


def delete(client, layer: str, feature_id: str, *, write_off: bool = False):
    query = "?stock=write_off" if write_off else ""
    return client.delete(f"/admin/api/layers/{layer}/{feature_id}{query}",
                         headers={"X-CSRFToken": getattr(client, "token", "")})



def files(data_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(data_dir.glob("*.geojson"))}


def editor_ids(client, layer: str) -> list[str]:
    layers = client.get("/admin/api/layers").get_json()["layers"]
    return [f["properties"]["id"] for f in layers[layer]["features"]]


def nearest(client, *, origin=ORIGIN, **query: str) -> dict:
    answer = client.get("/api/nearest", query_string={"lon": origin[0], "lat": origin[1], "k": 3,
                                                      **query})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def coverage(figures: dict) -> dict[str, int]:
    """Buildings, households and residents covered, from a report's coverage block."""
    return {k: figures[f"{k}_covered"] for k in ("buildings", "households", "residents")}


def report(client) -> dict:
    answer = client.get("/planner/report.json?threshold=1000&k=1")
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def layer_audit(client) -> list:
    with client.application.app_context(), get_store().read() as db:
        return [e for e in entries(db) if e.action.startswith("layer.")]


def stock_of(client, station_id: str) -> dict[str, int]:
    with client.application.app_context(), get_store().read() as db:
        rows = db.execute(select(StationStock.item, StationStock.count)
                          .where(StationStock.station_id == station_id))
        return dict(rows.all())


# ---------------------------------------------------------------------- deleting


def test_a_deleted_poi_is_gone_from_the_editor_and_the_planners_circle(editor):
    original = (editor.data_dir / "pois.geojson").read_bytes()
    circle_before = report(editor)["circle"]["community"]["category_share"]
    # every building is within 0.003° of longitude and 0.0008° of latitude of POI-1: well under
    # 1,000 m (the 15-minute walk at 4 km/h) on foot, so every household reaches the shop
    assert circle_before["便利店"] == 1.0
    assert editor_ids(editor, "pois") == ["POI-1"]

    answer = delete(editor, "pois", "POI-1")
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["after"] is None and body["written_off"] == {}
    assert body["before"]["properties"] == {"id": "POI-1", "name": "便利店", "category": "便利店"}
    assert (editor.history_dir / body["kept"]).read_bytes() == original  # restorable

    assert editor_ids(editor, "pois") == []
    circle_after = report(editor)["circle"]["community"]["category_share"]
    assert circle_after["便利店"] == 0.0
    assert {k: v for k, v in circle_after.items() if k != "便利店"} == {
        k: v for k, v in circle_before.items() if k != "便利店"}
    (entry,) = layer_audit(editor)
    assert (entry.actor, entry.action, entry.target) == ("admin", "layer.delete", "pois/POI-1")
    assert entry.before["properties"]["name"] == "便利店" and entry.after is None
    assert editor.get("/admin/layers").status_code == 200


def test_a_deleted_station_is_gone_from_nearest_and_the_planner(editor):
    data_dir = editor.data_dir
    assert [r["station_id"] for r in nearest(editor, item="umbrella")["results"]] == ["S-2", "S-1"]
    before = report(editor)
    # every building is within about 300 m on foot of each station (the community is 0.004° ×
    # 0.004°): at 1,000 m both kinds cover everyone
    assert coverage(before["network"]) == EVERYONE
    assert coverage(before["rest_post"]["network"]) == EVERYONE

    answer = delete(editor, "stations", "S-2", write_off=True)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["written_off"] == {"umbrella": 2}

    assert editor_ids(editor, "stations") == ["S-1"]
    listed = editor.get("/api/stations").get_json()["stations"]
    assert [s["station_id"] for s in listed] == ["S-1"]
    (first,) = nearest(editor, item="umbrella")["results"]
    assert first["station_id"] == "S-1"
    assert abs(first["distance_m"] - hand_walk(ORIGIN, S1)) <= 1.0  # about 236 m + 55 m
    assert abs(first["distance_m"] - reference_walk(data_dir, ORIGIN, S1)) <= 1.0
    rest = nearest(editor, kind="rest_post")
    assert rest["results"] == [] and rest["message"] == "步行 2000 米内没有歇歇角"

    after = report(editor)
    assert coverage(after["network"]) == EVERYONE  # the party station still covers everyone
    assert coverage(after["rest_post"]["network"]) == NOBODY
    for page in ("/", "/map/map.js", "/resident/map.js", "/planner", "/planner/map.js"):
        response = editor.get(page)
        assert response.status_code == 200, page
        assert "和园歇歇角" not in response.get_data(as_text=True), page

    assert stock_of(editor, "S-2") == {"umbrella": 0}  # written off, the row kept for history
    with editor.application.app_context(), get_store().read() as db:
        actions = [(e.action, e.target, e.before, e.after) for e in entries(db)][:2]
    assert actions[0][:2] == ("layer.delete", "stations/S-2")
    assert actions[1] == ("stock.written_off", "station:S-2/umbrella", {"count": 2}, {"count": 0})


def test_deleting_the_last_station_of_each_kind_leaves_every_page_answering(editor):
    for station in KNOWN_STATIONS:
        assert delete(editor, "stations", station, write_off=True).status_code == 200
    answer = nearest(editor)
    assert answer["results"] == [] and answer["message"] == "步行 2000 米内没有服务站"
    assert nearest(editor, item="umbrella")["results"] == []
    after = report(editor)
    assert coverage(after["network"]) == NOBODY
    assert coverage(after["rest_post"]["network"]) == NOBODY
    assert [(u["building_id"], u["distance_m"]) for u in after["uncovered"]] == [
        ("FG-1", None), ("FG-2", None), ("FG-3", None), ("HY-1", None), ("HY-2", None)]
    rules = {r["rule"]: r for r in after["rules"]}
    assert [v["feature_id"] for v in rules["grid_has_station"]["violations"]] == ["JN-01", "JN-02"]
    for page in ("/", "/?item=umbrella", "/map", "/map/map.js", "/planner", "/planner/print",
                 "/planner/grids.csv", "/admin/layers", "/admin/stock", "/admin/loans"):
        assert editor.get(page).status_code == 200, page
    whatif = editor.get(f"/planner/whatif.json?lon={S1[0]}&lat={S1[1]}")
    assert whatif.status_code == 200, whatif.get_json()


def test_the_community_map_answers_after_the_last_poi_is_deleted(editor):
    assert delete(editor, "pois", "POI-1").status_code == 200
    assert editor.get("/map").status_code == 200


# ---------------------------------------------------------------------- refused


def _lend(client, item: str) -> int:
    with client.application.app_context(), get_store().write() as db:
        loan, _ = lend(db, station_id="S-1", item=item, borrower_name="王阿姨",
                       borrower_phone="13900000001", due=datetime.now(UTC).date() + timedelta(7),
                       now=datetime.now(UTC), known_stations=KNOWN_STATIONS, actor="admin")
        return loan.id


def test_a_station_with_loans_and_stock_is_refused_with_what_is_still_there(editor):
    loans = [_lend(editor, "umbrella"), _lend(editor, "power_bank")]
    layers = files(editor.data_dir)
    answer = delete(editor, "stations", "S-1")
    assert answer.status_code == 409
    assert answer.get_json() == {
        "error": "站点 风格城市党群服务站 还有 2 件未归还的借用（雨伞 1、充电宝 1）和 12 件库存"
                 "（雨伞 9、充电宝 3），请先处理后再删除（未归还的借用须先在“借还登记”登记归还；"
                 "库存可确认报损清零后一并删除）",
        "parameter": "loans",
    }
    # writing the stock off does not lift the loans' refusal, and writes nothing off
    answer = delete(editor, "stations", "S-1", write_off=True)
    assert answer.status_code == 409
    assert answer.get_json()["error"] == (
        "站点 风格城市党群服务站 还有 2 件未归还的借用（雨伞 1、充电宝 1），请先处理后再删除"
        "（未归还的借用须先在“借还登记”登记归还）")
    assert stock_of(editor, "S-1") == {"umbrella": 9, "power_bank": 3}
    assert files(editor.data_dir) == layers
    assert list(editor.history_dir.glob("*.geojson")) == []
    assert layer_audit(editor) == []
    assert "S-1" in editor_ids(editor, "stations")

    # returned, the stock alone is left: refused until written off, then deleted
    with editor.application.app_context(), get_store().write() as db:
        for loan_id in loans:
            return_loan(db, db.get(Loan, loan_id), now=datetime.now(UTC),
                        known_stations=KNOWN_STATIONS, actor="admin")
    answer = delete(editor, "stations", "S-1")
    assert answer.status_code == 409
    assert answer.get_json() == {
        "error": "站点 风格城市党群服务站 还有 14 件库存（雨伞 10、充电宝 4），请先处理后再删除"
                 "（库存可确认报损清零后一并删除）",
        "parameter": "stock",
    }
    answer = delete(editor, "stations", "S-1", write_off=True)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["written_off"] == {"umbrella": 10, "power_bank": 4}


def test_goods_and_an_activity_to_come_at_a_station_are_listed(editor):
    start = datetime.now(UTC) + timedelta(days=2)
    at_s2 = Place("station", "S-2", "和园歇歇角", *S2)
    with editor.application.app_context(), get_store().write() as db:
        volunteer_with_points(db, points=100, bottles=3)  # 洗洁精 at S-1
        from geo_app.volunteering.goods import move_goods

        move_goods(db, "S-2", "dish_soap", kind="received", quantity=4, actor="t",
                   known_stations=KNOWN_STATIONS)
        for title, begins in (("急救培训", start), ("已结束的宣讲", start - timedelta(days=5))):
            create_activity(db, title=title, kind="service", topic=None, place=at_s2,
                            starts_at=begins, ends_at=begins + timedelta(hours=2), capacity=10,
                            points_per_hour=0, points_per_attendance=0, audience=[],
                            organiser="admin")
    local = (start + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")  # Asia/Shanghai
    answer = delete(editor, "stations", "S-2", write_off=True)
    assert answer.status_code == 409
    assert answer.get_json() == {
        "error": f"站点 和园歇歇角 还有 4 件兑换物品（洗洁精 4瓶）和 1 场未举办的活动（“急救培训” "
                 f"{local}），请先处理后再删除（兑换物品须先在站点柜台报损或转到其他站点；"
                 "活动须先改到其他地点或取消）",
        "parameter": "goods",
    }
    assert stock_of(editor, "S-2") == {"umbrella": 2}  # nothing written off


@pytest.mark.parametrize(
    ("url", "status", "parameter", "error"),
    [
        ("/admin/api/layers/buildings/FG-1", 400, "layer", f"{ONLY_HERE}，楼栋图层的要素不能删除"),
        ("/admin/api/layers/paths/P-1", 400, "layer", f"{ONLY_HERE}，步行路网图层的要素不能删除"),
        ("/admin/api/layers/stations/S-9", 404, "id", "服务站点图层中没有编号为 “S-9” 的要素"),
        ("/admin/api/layers/stations/S-2?stock=all", 400, "stock",
         "参数 stock 的取值 “all” 无效，可选：write_off（报损清零）"),
    ],
)
def test_only_stations_and_pois_are_deleted_here(editor, url, status, parameter, error):
    layers = files(editor.data_dir)
    answer = editor.delete(url, headers={"X-CSRFToken": editor.token})
    assert answer.status_code == status
    assert answer.get_json() == {"error": error, "parameter": parameter}
    assert files(editor.data_dir) == layers
    assert layer_audit(editor) == []


def test_no_other_role_deletes(editor):
    app = editor.application
    with app.app_context():
        assert policy_of("layer_editor.delete_json") == ("admin",)
    layers = files(editor.data_dir)
    for username in (u for u in ACCOUNTS if u != "admin"):
        client = logged_in(app, username)
        client.token = csrf_token_of(client, "/login")
        assert delete(client, "pois", "POI-1").status_code == 403, username
    assert delete(app.test_client(), "pois", "POI-1").status_code == 401
    no_token = editor.delete("/admin/api/layers/pois/POI-1")
    assert no_token.status_code == 400 and no_token.get_json()["parameter"] == "csrf_token"
    assert files(editor.data_dir) == layers


def test_the_sample_shipped_in_the_repository_is_never_deleted_from(grid_app_factory):
    from geo_app.config import BUNDLED_DATA_DIR

    app = grid_app_factory(accounts={"admin": ACCOUNTS["admin"]}, DATA_DIR=str(BUNDLED_DATA_DIR))
    client = logged_in(app, "admin")
    client.token = csrf_token_of(client, "/admin/layers")
    layers = files(BUNDLED_DATA_DIR)
    answer = delete(client, "pois", editor_ids(client, "pois")[0])
    assert answer.status_code == 409
    assert answer.get_json()["parameter"] == "DATA_DIR"
    assert "自带的样例图层不能在线修改" in answer.get_json()["error"]
    assert files(BUNDLED_DATA_DIR) == layers


def test_a_failed_write_leaves_the_layer_file_unchanged(editor, monkeypatch):
    data_dir = editor.data_dir.resolve()
    layers = files(data_dir)
    real_fsync = os.fsync

    def full_disk(fd: int) -> None:
        """The layer directory's disk is full (the history folder's is not)."""
        if Path(f"/proc/self/fd/{fd}").readlink().parent == data_dir:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", full_disk)
    answer = delete(editor, "stations", "S-2", write_off=True)
    monkeypatch.undo()
    assert answer.status_code == 500
    assert answer.get_json() == {
        "error": "服务站点图层写入失败（磁盘空间已满），未保存，原文件未改动",
        "parameter": "stations",
    }
    assert files(data_dir) == layers
    assert not [p for p in data_dir.iterdir() if p.suffix == ".tmp"]
    assert list(editor.history_dir.glob("*.geojson")) == []  # no version of a change not made
    assert layer_audit(editor) == []
    assert stock_of(editor, "S-2") == {"umbrella": 2}  # the write-off rolled back with it
    assert "S-2" in [s["station_id"] for s in editor.get("/api/stations").get_json()["stations"]]


# ---------------------------------------------------------------------- history


def test_restoring_the_kept_version_brings_the_station_back(editor):
    original = (editor.data_dir / "stations.geojson").read_bytes()
    kept = delete(editor, "stations", "S-2", write_off=True).get_json()["kept"]
    assert "S-2" not in editor_ids(editor, "stations")
    page = editor.post(f"/admin/layers/history/{kept}/restore",
                       data={"csrf_token": editor.token}, follow_redirects=True)
    assert f"已恢复 服务站点 为历史版本 {kept}（1 → 2 个要素）" in page.get_data(as_text=True)
    assert (editor.data_dir / "stations.geojson").read_bytes() == original
    assert editor_ids(editor, "stations") == ["S-1", "S-2"]
    first = nearest(editor)["results"][0]
    assert first["station_id"] == "S-2"
    assert abs(first["distance_m"] - hand_walk(ORIGIN, S2)) <= 1.0  # about 47 m + 55 m
    # its umbrellas were written off: back on the map with an empty shelf, not 2 from nowhere
    assert [r["station_id"] for r in nearest(editor, item="umbrella")["results"]] == ["S-1"]
    assert [e.action for e in layer_audit(editor)] == ["layer.restore", "layer.delete"]


def test_the_history_of_a_deleted_station_stays_readable(editor):
    """Loans, redemptions and stock movements at S-1 outlive it: pages show them by its id."""
    loan_id = _lend(editor, "umbrella")
    with editor.application.app_context(), get_store().write() as db:
        volunteer = volunteer_with_points(db, points=100, bottles=3)
        card = volunteer.card
        redeem(db, card=card, station_id="S-1", goods_id="dish_soap", quantity=3, actor="admin",
               known_stations=KNOWN_STATIONS)
        return_loan(db, db.get(Loan, loan_id), now=datetime.now(UTC),
                    known_stations=KNOWN_STATIONS, actor="admin")
    assert delete(editor, "stations", "S-1", write_off=True).status_code == 200

    audit = editor.get("/admin/audit")
    assert audit.status_code == 200
    text = audit.get_data(as_text=True)
    # the log still tells them by the station's name (kept in the deletion's own entry)
    for told in ("借出 风格城市党群服务站 雨伞 1 把",
                 "登记库存归还 风格城市党群服务站 雨伞 1 把（9 → 10）",
                 "洗洁精 兑换 3瓶（风格城市党群服务站）"):
        assert told in text
    assert editor.get("/admin/audit.csv").status_code == 200
    assert editor.get(f"/organise/volunteers/{card}").status_code == 200
    points = editor.get(f"/api/volunteers/{card}/points").get_json()
    assert points["balance"] == 40  # 100 earned − 3 × 20 for the 洗洁精 redeemed at S-1
    assert editor.get("/organise/redeem").status_code == 200
    goods = {g["id"]: g for g in editor.get("/api/goods").get_json()}
    assert goods["dish_soap"]["stations"] == {"S-1": 0}  # by its id, nothing left there
    for page in ("/admin/loans", "/admin/stock", "/activities", "/"):
        assert editor.get(page).status_code == 200, page


def test_the_audit_log_tells_a_deletion_in_words(editor):
    assert delete(editor, "stations", "S-2", write_off=True).status_code == 200
    text = editor.get("/admin/audit").get_data(as_text=True)
    assert "删除服务站点 和园歇歇角（S-2）" in text
    assert "登记库存报损 和园歇歇角 雨伞 2 把（2 → 0）" in text


# ---------------------------------------------------------------------- messages name the layer


def test_editor_refusals_name_the_layer_and_the_cli_names_the_file(editor):
    data_dir = editor.data_dir
    stations = data_dir / "stations.geojson"
    doc = json.loads(stations.read_text("utf-8"))
    doc["features"][1]["properties"]["grid_id"] = "JN-99"  # a grid that does not exist
    stations.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")

    answer = delete(editor, "pois", "POI-1")
    assert answer.status_code == 400
    error = answer.get_json()["error"]
    assert "服务站点图层: 要素 #1 (id=S-2): 字段 grid_id" in error
    assert str(data_dir) not in error and ".geojson" not in error
    broken = editor.post("/admin/api/layers/stations/S-1", headers={"X-CSRFToken": editor.token},
                         json={"properties": {"name": "x"}})
    assert broken.status_code == 400
    assert "服务站点图层: 要素 #1 (id=S-2): 字段 grid_id" in broken.get_json()["error"]

    stations.write_text('{"type": "FeatureCollection"', "utf-8")  # cut short
    answer = delete(editor, "stations", "S-2")
    assert answer.status_code == 400
    assert answer.get_json()["error"].startswith("图层校验未通过，未保存：服务站点图层: ")
    assert str(data_dir) not in answer.get_json()["error"]

    result = editor.application.test_cli_runner().invoke(main, ["validate", str(data_dir)])
    assert result.exit_code != 0
    assert f"{stations}: " in result.output  # the command line keeps naming the file


def test_the_deletion_is_documented(editor):
    document = editor.get("/api/openapi.json").get_json()
    operation = document["paths"]["/admin/api/layers/{layer}/{feature_id}"]["delete"]
    assert operation["x-roles"] == ["admin"]
    assert {"409", "403", "401"} <= set(operation["responses"])
    assert [p["name"] for p in operation["parameters"]] == [
        "layer", "feature_id", "stock", "X-CSRFToken"]


def test_a_shelf_larger_than_one_movement_is_written_off_whole(editor):
    """The write-off goes through the counter's own 报损 movement, at most 10,000 a movement:
    25,000 umbrellas are three movements (10,000, 10,000, 5,000), each audited, and none left."""
    with editor.application.app_context(), get_store().write() as db:
        seed_stock(db, {"S-9": {"umbrella": 25_000}})
        assert write_off_stock_of(db, "S-9", {"umbrella": 25_000}, actor="admin") == {
            "umbrella": 25_000}
    with editor.application.app_context(), get_store().read() as db:
        left = db.scalar(select(StationStock.count).where(StationStock.station_id == "S-9"))
        steps = [(e.before["count"], e.after["count"]) for e in entries(db)
                 if e.action == "stock.written_off" and e.target == "station:S-9/umbrella"]
    assert left == 0
    assert sorted(steps, reverse=True) == [(25_000, 15_000), (15_000, 5_000), (5_000, 0)]
