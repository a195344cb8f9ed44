"""Live edits of the layers: saved, validated as a whole, kept in history, served without restart.

The tiny community of ``test_grid_community``: one street P-1 along latitude LAT+0.001 from
LON to LON+0.004; grid JN-01 west of LON+0.002, JN-02 east of it, both from LAT to LAT+0.002;
station S-1 (10 umbrellas) at (LON+0.001, LAT+0.0015), rest post S-2 (2 umbrellas) at
(LON+0.003, LAT+0.0015). Expected walking distances are worked out by hand — along the street
plus the straight access leg to it, each leg a geodesic on the ellipsoid (pyproj.Geod) — and
checked against the independent networkx reference of ``support.oracle``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from support.accounts import ACCOUNTS, add_accounts, csrf_token_of, login
from support.apps import make_grid_app
from support.grid_community import LAT, LON
from support.layer_editor import STREET_LAT, hand_walk, reference_walk
from support.refusals import assert_api_refusal

from geo_app.cli import main
from geo_app.state.community import get_state
from geo_app.store import get_store
from geo_app.store.audit import entries
from layers import validate_directory

#: A resident standing on the street near 和园 (JN-02).
ORIGIN = (LON + 0.0035, STREET_LAT)
NEW_STATION = {
    "id": "S-3", "name": "和园东门歇歇角", "kind": "rest_post", "hours": "24h",
    "contact": "0551-00000003", "items": {"umbrella": 3},
}



def _editor_app(tmp_path: Path):
    """(app, admin client, its CSRF token, the layer directory)."""
    app = make_grid_app(
        tmp_path,
        LAYER_HISTORY_DIR=str(tmp_path / "history"),
        LAYER_RELOAD_STAMP=str(tmp_path / "layers.reload"),
        LAYER_CHECK_INTERVAL_S=0,
    )
    add_accounts(app, {name: ACCOUNTS[name] for name in ("admin", "leader2")})
    client = app.test_client()
    login(client, "admin")
    return app, client, csrf_token_of(client, "/admin/layers"), Path(app.config["DATA_DIR"])


@pytest.fixture
def setup(tmp_path):
    return _editor_app(tmp_path)


@pytest.fixture(scope="module")
def unchanged_setup(tmp_path_factory):
    """One app for the refused edits: none of them may change anything."""
    return _editor_app(tmp_path_factory.mktemp("refused"))


def post(client, token: str, url: str, body: dict):
    return client.post(url, json=body, headers={"X-CSRFToken": token})


def nearest_umbrella(client, origin=ORIGIN) -> list[tuple[str, int]]:
    body = client.get(f"/api/nearest?lon={origin[0]}&lat={origin[1]}&item=umbrella&k=3")
    assert body.status_code == 200, body.get_json()
    return [(r["station_id"], r["distance_m"]) for r in body.get_json()["results"]]


def layer_bytes(data_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(data_dir.glob("*.geojson"))}


# ---------------------------------------------------------------------- live edits


def test_a_new_umbrella_station_then_a_move_reach_nearest_without_restart(setup):
    _app, client, token, data_dir = setup
    s2 = (LON + 0.003, LAT + 0.0015)
    before = nearest_umbrella(client)
    assert [sid for sid, _ in before] == ["S-2", "S-1"]
    assert abs(before[0][1] - hand_walk(ORIGIN, s2)) <= 1.0  # about 47 m + 55 m

    s3 = (LON + 0.0036, LAT + 0.0012)
    created = post(client, token, "/admin/api/layers/stations",
                   {"properties": NEW_STATION, "lon": s3[0], "lat": s3[1]})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["after"]["properties"]["grid_id"] == "JN-02"  # from its place

    after = nearest_umbrella(client)
    assert [sid for sid, _ in after] == ["S-3", "S-2", "S-1"]
    assert abs(after[0][1] - hand_walk(ORIGIN, s3)) <= 1.0  # about 9 m + 22 m
    assert abs(after[0][1] - reference_walk(data_dir, ORIGIN, s3)) <= 1.0
    assert after[1] == before[0]

    # drag S-2 west of S-1's foot: now farther than S-1 from a resident west of both
    moved_to = (LON + 0.0002, LAT + 0.0011)
    west = (LON + 0.0001, STREET_LAT)
    moved = post(client, token, "/admin/api/layers/stations/S-2",
                 {"lon": moved_to[0], "lat": moved_to[1]})
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["after"]["properties"]["grid_id"] == "JN-01"  # the grid it is in now
    got = dict(nearest_umbrella(client, west))
    assert abs(got["S-2"] - hand_walk(west, moved_to)) <= 1.0  # about 9 m + 11 m
    assert abs(got["S-2"] - reference_walk(data_dir, west, moved_to)) <= 1.0
    stations = {s["station_id"]: s for s in client.get("/api/stations").get_json()["stations"]}
    assert (stations["S-2"]["lon"], stations["S-2"]["lat"]) == pytest.approx(moved_to)
    assert stations["S-3"]["items"] == {"umbrella": 3}  # its stock seeded from the layer


def test_every_save_is_audited_and_the_replaced_file_kept(setup):
    app, client, token, data_dir = setup
    original = (data_dir / "stations.geojson").read_bytes()
    answer = post(client, token, "/admin/api/layers/stations/S-1",
                  {"properties": {"name": "风格城市党群服务中心", "hours": {"mon": "08:00-18:00"}}})
    assert answer.status_code == 200, answer.get_json()
    kept = answer.get_json()["kept"]
    assert (Path(app.config["LAYER_HISTORY_DIR"]) / kept).read_bytes() == original
    on_disk = json.loads((data_dir / "stations.geojson").read_text("utf-8"))
    s1 = next(f for f in on_disk["features"] if f["properties"]["id"] == "S-1")
    assert s1["properties"]["name"] == "风格城市党群服务中心"
    assert s1["properties"]["hours"] == {"mon": "08:00-18:00"}
    assert validate_directory(data_dir) == []
    with app.app_context(), get_store().read() as db:
        (entry,) = [e for e in entries(db) if e.action.startswith("layer.")]
    assert (entry.actor, entry.action, entry.target) == ("admin", "layer.update", "stations/S-1")
    assert entry.before["properties"]["name"] == "风格城市党群服务站"
    assert entry.after["properties"]["name"] == "风格城市党群服务中心"
    listed = client.get("/admin/api/layers/history").get_json()["versions"]
    assert [v["name"] for v in listed] == [kept]


# ---------------------------------------------------------------------- bad edits


def _duplicate_validator_message(data_dir: Path, tmp_path: Path) -> str:
    """What ``geo-app validate`` says of the stations layer with a second S-1 appended, the
    file's path in it replaced by the layer's name (the editor never shows a server path)."""
    copy = tmp_path / "by_hand"
    shutil.copytree(data_dir, copy)
    doc = json.loads((copy / "stations.geojson").read_text("utf-8"))
    doc["features"].append({
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [LON + 0.001, LAT + 0.001]},
        "properties": {**NEW_STATION, "id": "S-1", "grid_id": "JN-01"},
    })
    (copy / "stations.geojson").write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    (issue,) = validate_directory(copy)
    assert str(issue).startswith(f"{copy / 'stations.geojson'}: ")  # the CLI names the file
    return str(issue).replace(str(copy / "stations.geojson"), "服务站点图层")


@pytest.mark.parametrize(
    ("url", "body", "parameter", "says"),
    [
        # outside every grid (east of both, beyond the community)
        ("/admin/api/layers/stations",
         {"properties": NEW_STATION, "lon": LON + 0.0045, "lat": STREET_LAT},
         "lon/lat", "不在任何网格内"),
        ("/admin/api/layers/stations",
         {"properties": {**NEW_STATION, "id": "S-1"}, "lon": LON + 0.001, "lat": LAT + 0.001},
         "id", "id 重复（与要素 #0 相同）"),
        ("/admin/api/layers/stations/S-2",
         {"properties": {"hours": {"mon": "18:00-08:00"}}}, "hours", "结束时间早于开始时间"),
        ("/admin/api/layers/stations/S-2",
         {"properties": {"items": {"umbrella": -1}}}, "items", "不能为负数"),
        ("/admin/api/layers/stations/S-2",
         {"properties": {"contact": None}}, "contact", "缺少必填字段"),
        ("/admin/api/layers/stations/S-2",
         {"properties": {"grid_id": "JN-01"}}, "grid_id", "与所填所属网格 JN-01 不符"),
        ("/admin/api/layers/pois/POI-1",
         {"properties": {"category": "网吧"}}, "category", "不在允许范围内"),
        ("/admin/api/layers/buildings/HY-1",
         {"properties": {"households": -3}}, "households", "不能为负数（-3）"),
        ("/admin/api/layers/buildings/HY-1",
         {"lon": LON, "lat": LAT}, "layer", "不能移动"),
        ("/admin/api/layers/stations/S-2",
         {"properties": {"id": "S-9"}}, "id", "不能在此修改"),
        ("/admin/api/layers/stations/S-404", {"properties": {"name": "x"}}, "id", "没有编号"),
        ("/admin/api/layers/paths", {"properties": {}, "lon": LON, "lat": LAT},
         "layer", "不能新增"),
        ("/admin/api/layers/stations", {"properties": NEW_STATION, "lon": "东"}, "lon", "须为数值"),
    ],
)
def test_a_bad_edit_is_refused_and_the_old_data_still_served(
    unchanged_setup, url, body, parameter, says
):
    app, client, token, data_dir = unchanged_setup
    files = layer_bytes(data_dir)
    served = nearest_umbrella(client)
    answer = post(client, token, url, body)
    assert_api_refusal(answer, parameter, says, status=(400, 404))
    assert layer_bytes(data_dir) == files
    assert list(Path(app.config["LAYER_HISTORY_DIR"]).glob("*.geojson")) == []
    assert nearest_umbrella(client) == served
    with app.app_context(), get_store().read() as db:
        assert not [e for e in entries(db) if e.action.startswith("layer.")]


def test_a_refusal_quotes_the_validators_own_message(setup, tmp_path):
    _app, client, token, data_dir = setup
    expected = _duplicate_validator_message(data_dir, tmp_path)
    answer = post(client, token, "/admin/api/layers/stations",
                  {"properties": {**NEW_STATION, "id": "S-1"}, "lon": LON + 0.001,
                   "lat": LAT + 0.001})
    assert answer.status_code == 400
    assert expected in answer.get_json()["error"]
    assert "服务站点图层: 要素 #2 (id=S-1): 字段 id" in expected
    assert str(data_dir) not in answer.get_json()["error"]


def test_bad_building_attributes_are_flashed_and_not_saved(setup):
    _app, client, token, data_dir = setup
    files = layer_bytes(data_dir)
    page = client.post("/admin/layers/buildings/FG-1", data={"csrf_token": token, "floors": "0"},
                       follow_redirects=True).get_data(as_text=True)
    assert "未保存" in page and "字段 floors: 不能小于 1（0）" in page
    page = client.post("/admin/layers/buildings/FG-1", data={"csrf_token": token, "units": "两"},
                       follow_redirects=True).get_data(as_text=True)
    assert "单元数（units）须为整数，收到 “两”" in page
    page = client.post("/admin/layers/buildings/FG-1",
                       data={"csrf_token": token, "entrances": "117.26"},
                       follow_redirects=True).get_data(as_text=True)
    assert "出入口第 1 行" in page
    assert layer_bytes(data_dir) == files


def test_building_attributes_saved_from_the_form(setup):
    app, client, token, _data_dir = setup
    form = client.get("/admin/layers/buildings/FG-1").get_data(as_text=True)
    assert 'name="households" type="number" min="0" step="1" value="24"' in form
    entrance = f"{LON + 0.00045}, {LAT + 0.0005}"
    page = client.post(
        "/admin/layers/buildings/FG-1",
        data={"csrf_token": token, "name": "风格城市 1栋", "floors": "6", "units": "2",
              "households": "26", "residents": "61", "grid_id": "JN-01", "entrances": entrance},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "已保存楼栋 风格城市 1栋（FG-1）：户数、常住人口、出入口，" in page
    with app.test_request_context():
        building = get_state().community.buildings.set_index("id").loc["FG-1"]
    assert (building["households"], building["residents"]) == (26, 61)
    assert building["entrances"] == [[LON + 0.00045, LAT + 0.0005]]


# ---------------------------------------------------------------------- history


def test_a_kept_version_is_restored(setup):
    app, client, token, data_dir = setup
    original = (data_dir / "stations.geojson").read_bytes()
    post(client, token, "/admin/api/layers/stations/S-2", {"properties": {"name": "临时名称"}})
    assert "临时名称" in client.get("/api/stations").get_data(as_text=True)
    history = client.get("/admin/layers/history").get_data(as_text=True)
    (kept,) = [p.name for p in Path(app.config["LAYER_HISTORY_DIR"]).glob("*.geojson")]
    assert kept.endswith("-stations.geojson") and kept in history
    page = client.post(f"/admin/layers/history/{kept}/restore", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert f"已恢复 服务站点 为历史版本 {kept}（2 → 2 个要素）" in page
    assert (data_dir / "stations.geojson").read_bytes() == original
    names = {s["name"] for s in client.get("/api/stations").get_json()["stations"]}
    assert names == {"风格城市党群服务站", "和园歇歇角"}
    assert len(list(Path(app.config["LAYER_HISTORY_DIR"]).glob("*.geojson"))) == 2  # undoable
    with app.app_context(), get_store().read() as db:
        assert [e.action for e in entries(db)][:2] == ["layer.restore", "layer.update"]


@pytest.mark.parametrize("name", ["../stations.geojson", "nothing.geojson", "x"])
def test_an_unknown_version_is_not_restored(setup, name):
    _app, client, token, data_dir = setup
    files = layer_bytes(data_dir)
    page = client.post(f"/admin/layers/history/{name}/restore", data={"csrf_token": token},
                       follow_redirects=True)
    assert page.status_code in (200, 404)
    assert layer_bytes(data_dir) == files


# ---------------------------------------------------------------------- several workers


def test_two_workers_on_the_same_layers_both_serve_an_edit(tmp_path):
    shared = {
        "LAYER_HISTORY_DIR": str(tmp_path / "history"),
        "LAYER_RELOAD_STAMP": str(tmp_path / "layers.reload"),
        "LAYER_CHECK_INTERVAL_S": 0,
    }
    worker_a = make_grid_app(tmp_path, **shared)
    worker_b = make_grid_app(tmp_path / "b", **shared, DATA_DIR=worker_a.config["DATA_DIR"],
                             DATABASE_URL=worker_a.config["DATABASE_URL"])
    add_accounts(worker_a, {"admin": ACCOUNTS["admin"]})
    client_a, client_b = worker_a.test_client(), worker_b.test_client()
    assert nearest_umbrella(client_b)[0][0] == "S-2"
    login(client_a, "admin")
    token = csrf_token_of(client_a, "/admin/layers")
    s3 = (LON + 0.0036, LAT + 0.0012)
    created = post(client_a, token, "/admin/api/layers/stations",
                   {"properties": NEW_STATION, "lon": s3[0], "lat": s3[1]})
    assert created.status_code == 201
    for client in (client_a, client_b):
        first = nearest_umbrella(client)[0]
        assert first[0] == "S-3" and abs(first[1] - hand_walk(ORIGIN, s3)) <= 1.0


def test_a_worker_checks_the_stamp_at_most_once_per_interval(tmp_path):
    app = make_grid_app(tmp_path, LAYER_CHECK_INTERVAL_S=3600,
                        LAYER_RELOAD_STAMP=str(tmp_path / "layers.reload"))
    client = app.test_client()
    _rename_s2_on_disk(Path(app.config["DATA_DIR"]), "改名的歇歇角")
    assert "改名的歇歇角" not in client.get("/api/stations").get_data(as_text=True)
    app.extensions["geo_app.community"]._next_check = 0.0  # an hour later
    assert "改名的歇歇角" in client.get("/api/stations").get_data(as_text=True)


def _rename_s2_on_disk(data_dir: Path, name: str) -> None:
    doc = json.loads((data_dir / "stations.geojson").read_text("utf-8"))
    doc["features"][1]["properties"]["name"] = name
    (data_dir / "stations.geojson").write_text(json.dumps(doc, ensure_ascii=False), "utf-8")


# ---------------------------------------------------------------------- files replaced on disk


def test_files_replaced_on_disk_are_served_and_a_bad_file_is_not(tmp_path):
    app = make_grid_app(tmp_path, LAYER_CHECK_INTERVAL_S=0,
                        LAYER_RELOAD_STAMP=str(tmp_path / "layers.reload"))
    client = app.test_client()
    data_dir = Path(app.config["DATA_DIR"])
    with app.test_request_context():
        network = get_state().walk_network
    _rename_s2_on_disk(data_dir, "新名字")
    assert "新名字" in client.get("/api/stations").get_data(as_text=True)
    with app.test_request_context():
        assert get_state().walk_network is network  # same paths: the network is reused

    good = (data_dir / "stations.geojson").read_bytes()
    (data_dir / "stations.geojson").write_text('{"type": "FeatureCollection"', "utf-8")
    assert "新名字" in client.get("/api/stations").get_data(as_text=True)  # last good data
    (data_dir / "stations.geojson").write_bytes(good)

    paths = json.loads((data_dir / "paths.geojson").read_text("utf-8"))
    paths["features"][0]["geometry"]["coordinates"][1][0] = LON + 0.005
    (data_dir / "paths.geojson").write_text(json.dumps(paths), "utf-8")
    client.get("/api/stations")
    with app.test_request_context():
        assert get_state().walk_network is not network  # new paths: a new network


def test_geo_app_reload_checks_the_layers_and_replaces_the_stamp(tmp_path):
    stamp = tmp_path / "layers.reload"
    app = make_grid_app(tmp_path, LAYER_RELOAD_STAMP=str(stamp), LAYER_CHECK_INTERVAL_S=0)
    runner = app.test_cli_runner()
    data_dir = Path(app.config["DATA_DIR"])
    stations = data_dir / "stations.geojson"
    good = stations.read_bytes()
    stations.write_text(good.decode("utf-8").replace('"S-2"', '"S-1"'), "utf-8")
    refused = runner.invoke(main, ["reload"])
    assert refused.exit_code == 1
    duplicate = "stations.geojson: 要素 #1 (id=S-1): 字段 id: id 重复（与要素 #0 相同）"
    assert duplicate in refused.output
    assert "未通知重新加载" in refused.output and not stamp.exists()
    stations.write_bytes(good)
    done = runner.invoke(main, ["reload"])
    assert done.exit_code == 0, done.output
    assert stamp.exists() and "图层校验通过" in done.output
    first = stamp.stat().st_ino, stamp.stat().st_mtime_ns
    runner.invoke(main, ["reload"])
    assert (stamp.stat().st_ino, stamp.stat().st_mtime_ns) != first
    state = app.extensions["geo_app.community"]
    before = state.community
    app.test_client().get("/api/stations")
    assert state.community is not before  # the stamp alone makes every worker reload


# ---------------------------------------------------------------------- access


def test_only_the_admin_edits(setup):
    app, client, _token, data_dir = setup
    files = layer_bytes(data_dir)
    leader = app.test_client()
    login(leader, "leader2")
    leader_token = csrf_token_of(leader, "/grid/JN-02")
    for url in ("/admin/api/layers/stations/S-2", "/admin/api/layers/stations"):
        answer = post(leader, leader_token, url, {"properties": {"name": "x"}, "lon": LON,
                                                  "lat": LAT})
        assert answer.status_code == 403
    assert app.test_client().post("/admin/api/layers/stations", json={}).status_code == 401
    assert leader.get("/admin/layers").status_code == 403
    assert layer_bytes(data_dir) == files
    page = client.get("/admin/layers").get_data(as_text=True)
    assert '<script type="application/json" id="layer-editor-config">' in page
    assert "<script>" not in page  # no inline script


def test_the_sample_shipped_in_the_repository_is_never_edited(tmp_path):
    from geo_app.config import BUNDLED_DATA_DIR

    app = make_grid_app(tmp_path, DATA_DIR=str(BUNDLED_DATA_DIR), WTF_CSRF_ENABLED=False)
    add_accounts(app, {"admin": ACCOUNTS["admin"]})
    client = app.test_client()
    login(client, "admin")
    files = layer_bytes(BUNDLED_DATA_DIR)
    answer = client.post("/admin/api/layers/stations/PS-01", json={"properties": {"name": "x"}})
    assert answer.status_code == 409
    assert answer.get_json()["parameter"] == "DATA_DIR" and "自带的样例图层" in answer.json["error"]
    assert layer_bytes(BUNDLED_DATA_DIR) == files
