"""A tiny two-grid community for the grid-management tests (accounts: :mod:`support.accounts`).

A fixed, hand-written community lets expected figures be read off this file. Coordinates are
plain lon/lat offsets from (117.26°E, 31.96°N).

Grid ``JN-01`` (风格城市) holds buildings FG-1, FG-2, FG-3; grid ``JN-02`` (和园) holds HY-1
and HY-2. Station S-1 (JN-01) stocks 10 umbrellas and 4 power banks; rest post S-2 (JN-02)
stocks 2 umbrellas.
"""

from __future__ import annotations

from pathlib import Path

from support.geojson import feature, point, polygon, write_layers

LON, LAT = 117.26, 31.96
GRID_OF = {"FG-1": "JN-01", "FG-2": "JN-01", "FG-3": "JN-01", "HY-1": "JN-02", "HY-2": "JN-02"}
#: grid id → name, as the grids layer below names them
GRIDS = {"JN-01": "风格城市网格", "JN-02": "和园网格"}
#: id → (floors, units, households, residents)
SIZES = {
    "FG-1": (6, 2, 24, 60),
    "FG-2": (6, 2, 24, 55),
    "FG-3": (11, 1, 22, 50),
    "HY-1": (6, 3, 36, 90),
    "HY-2": (18, 2, 72, 170),
}


def _square(x0: float, y0: float, size: float) -> dict:
    ring = [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]
    return polygon(ring)


def write_community(directory: Path) -> Path:
    """Write the layers of the tiny community into ``directory``; return it."""
    buildings = []
    for index, (bid, grid) in enumerate(GRID_OF.items()):
        floors, units, households, residents = SIZES[bid]
        column = index if grid == "JN-01" else index - 3
        x0 = LON + (0.0003 if grid == "JN-01" else 0.0023) + column * 0.0005
        compound = "风格城市" if grid == "JN-01" else "和园"
        buildings.append(
            feature(
                _square(x0, LAT + 0.0005, 0.0003),
                id=bid, name=f"{compound} {bid[-1]}栋", compound=compound, floors=floors,
                units=units, households=households, residents=residents, grid_id=grid,
            )
        )
    return write_layers(directory, {
        "boundary": [feature(_square(LON, LAT, 0.004), id="340121400", name="金宁社区")],
        "grids": [
            feature(_square(LON, LAT, 0.002),
                    id="JN-01", name=GRIDS["JN-01"], parent="340121400", leader="张书记",
                    compound="风格城市"),
            feature(_square(LON + 0.002, LAT, 0.002),
                    id="JN-02", name=GRIDS["JN-02"], parent="340121400", leader="李书记",
                    compound="和园"),
        ],
        "buildings": buildings,
        "stations": [
            feature(point([LON + 0.001, LAT + 0.0015]), id="S-1",
                    name="风格城市党群服务站", kind="party_service_station", grid_id="JN-01",
                    hours="24h", contact="0551-00000001",
                    items={"umbrella": 10, "power_bank": 4}),
            feature(point([LON + 0.003, LAT + 0.0015]), id="S-2",
                    name="和园歇歇角", kind="rest_post", grid_id="JN-02", hours="24h",
                    contact="0551-00000002", items={"umbrella": 2}),
        ],
        "paths": [
            feature({"type": "LineString", "coordinates": [[LON, LAT + 0.001],
                    [LON + 0.004, LAT + 0.001]]}, id="P-1", kind="street", name="金宁路"),
        ],
        "pois": [
            feature(point([LON + 0.0015, LAT + 0.0012]), id="POI-1", name="便利店",
                    category="便利店"),
        ],
    })
