"""A tiny two-grid community for the grid-management tests, and accounts in it.

Imported by the other ``test_grid*``, ``test_access*``, ``test_admin*`` and ``test_auth*``
files: a fixed, hand-written community lets their expected figures be read off this file.

Grid ``JN-01`` (风格城市) holds buildings FG-1, FG-2, FG-3; grid ``JN-02`` (和园) holds HY-1
and HY-2. Station S-1 (JN-01) stocks 10 umbrellas and 4 power banks; rest post S-2 (JN-02)
stocks 2 umbrellas.
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import fresh_database_url

from geo_app import create_app
from geo_app.store import get_store
from geo_app.store.accounts import create_account
from geo_app.store.buildings import effective_building_grids
from layers import load_community

LON, LAT = 117.26, 31.96
GRID_OF = {"FG-1": "JN-01", "FG-2": "JN-01", "FG-3": "JN-01", "HY-1": "JN-02", "HY-2": "JN-02"}
#: id → (floors, units, households, residents)
SIZES = {
    "FG-1": (6, 2, 24, 60),
    "FG-2": (6, 2, 24, 55),
    "FG-3": (11, 1, 22, 50),
    "HY-1": (6, 3, 36, 90),
    "HY-2": (18, 2, 72, 170),
}
PASSWORD = "correct horse battery"
#: username → (role, grid, buildings)
ACCOUNTS = {
    "admin": ("admin", None, []),
    "leader1": ("grid_leader", "JN-01", []),
    "leader2": ("grid_leader", "JN-02", []),
    "steward1": ("steward", "JN-01", []),
    "member1": ("building_member", "JN-01", ["FG-1"]),
    "rep1": ("owner_rep", "JN-01", ["FG-2"]),
    "member2": ("building_member", "JN-02", ["HY-1"]),
}
#: username → the buildings it may see, worked out by hand from the rules above.
EXPECTED_VISIBLE = {
    "admin": {"FG-1", "FG-2", "FG-3", "HY-1", "HY-2"},
    "leader1": {"FG-1", "FG-2", "FG-3"},
    "leader2": {"HY-1", "HY-2"},
    "steward1": {"FG-1", "FG-2", "FG-3"},
    "member1": {"FG-1"},
    "rep1": {"FG-2"},
    "member2": {"HY-1"},
}


def _square(x0: float, y0: float, size: float) -> list[list[list[float]]]:
    return [[[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]]


def _feature(geometry: dict, **properties: object) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def _polygon(x0: float, y0: float, size: float) -> dict:
    return {"type": "Polygon", "coordinates": _square(x0, y0, size)}


def write_community(directory: Path) -> Path:
    """Write the six layers of the tiny community into ``directory``; return it."""
    directory.mkdir(parents=True, exist_ok=True)
    buildings = []
    for index, (bid, grid) in enumerate(GRID_OF.items()):
        floors, units, households, residents = SIZES[bid]
        column = index if grid == "JN-01" else index - 3
        x0 = LON + (0.0003 if grid == "JN-01" else 0.0023) + column * 0.0005
        compound = "风格城市" if grid == "JN-01" else "和园"
        buildings.append(
            _feature(
                _polygon(x0, LAT + 0.0005, 0.0003),
                id=bid, name=f"{compound} {bid[-1]}栋", compound=compound, floors=floors,
                units=units, households=households, residents=residents, grid_id=grid,
            )
        )
    layers = {
        "boundary": [_feature(_polygon(LON, LAT, 0.004), id="340121400", name="金宁社区")],
        "grids": [
            _feature(_polygon(LON, LAT, 0.002),
                     id="JN-01", name="风格城市网格", parent="340121400", leader="张书记",
                     compound="风格城市"),
            _feature(_polygon(LON + 0.002, LAT, 0.002),
                     id="JN-02", name="和园网格", parent="340121400", leader="李书记",
                     compound="和园"),
        ],
        "buildings": buildings,
        "stations": [
            _feature({"type": "Point", "coordinates": [LON + 0.001, LAT + 0.0015]}, id="S-1",
                     name="风格城市党群服务站", kind="party_service_station", grid_id="JN-01",
                     hours="24h", contact="0551-00000001",
                     items={"umbrella": 10, "power_bank": 4}),
            _feature({"type": "Point", "coordinates": [LON + 0.003, LAT + 0.0015]}, id="S-2",
                     name="和园歇歇角", kind="rest_post", grid_id="JN-02", hours="24h",
                     contact="0551-00000002", items={"umbrella": 2}),
        ],
        "paths": [
            _feature({"type": "LineString", "coordinates": [[LON, LAT + 0.001],
                     [LON + 0.004, LAT + 0.001]]}, id="P-1", kind="street", name="金宁路"),
        ],
        "pois": [
            _feature({"type": "Point", "coordinates": [LON + 0.0015, LAT + 0.0012]}, id="POI-1",
                     name="便利店", category="便利店"),
        ],
    }
    for name, features in layers.items():
        doc = {"type": "FeatureCollection", "features": features}
        (directory / f"{name}.geojson").write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    return directory


def make_grid_app(tmp_path: Path, **overrides: object):
    """An app on the tiny community with its own store in ``tmp_path``."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATA_DIR": str(write_community(tmp_path / "layers")),
        "DATABASE_URL": fresh_database_url(tmp_path),
    }
    config.update(overrides)
    return create_app(config)


def add_accounts(app, accounts: dict = ACCOUNTS, *, password: str = PASSWORD) -> None:
    """Create ``accounts`` directly in the app's store."""
    with app.app_context():
        grids = effective_building_grids(GRID_OF, {})
        with get_store().write() as db:
            for username, (role, grid, buildings) in accounts.items():
                create_account(
                    db, username=username, password=password, role=role, grid_id=grid,
                    building_ids=buildings, building_grids=grids,
                    known_grids={"JN-01", "JN-02"}, actor="test",
                )


def login(client, username: str, password: str = PASSWORD):
    """Log in through the real form (fetches a CSRF token first when CSRF is on)."""
    page = client.get("/login").get_data(as_text=True)
    token = _token(page)
    data = {"username": username, "password": password}
    if token:
        data["csrf_token"] = token
    return client.post("/login", data=data)


def _token(html: str) -> str | None:
    import re

    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'<meta name="csrf-token" content="([^"]+)"', html
    )
    return match.group(1) if match else None


def csrf_token_of(client, path: str = "/login") -> str:
    token = _token(client.get(path).get_data(as_text=True))
    assert token, f"no CSRF token on {path}"
    return token


def test_the_tiny_community_loads_as_written(tmp_path):
    community = load_community(write_community(tmp_path))
    got = dict(zip(community.buildings["id"], community.buildings["grid_id"], strict=True))
    assert got == GRID_OF
    assert list(community.grids["id"]) == ["JN-01", "JN-02"]
    assert list(community.stations["id"]) == ["S-1", "S-2"]
