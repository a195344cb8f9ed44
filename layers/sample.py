"""A deterministic sample of 金宁社区, drawn the way a planner would draw it.

No public map data of 金宁社区 is available, so this script invents a faithful one: a
community of 1.8 km × 1.2 km around 31.96°N 117.26°E, cut into six blocks by 金宁路, 凤霞路 and
双凤大道, with seven gated 小区 whose internal roads reach the street network only through their
gates. Everything is laid out on a plan in metres (x east, y north, origin at the centre),
turned by :data:`PLAN_ROTATION_DEG` and placed in EPSG:4548, then converted to WGS84 lon/lat.

Grids (网格) follow the three streets, one per block::

    y=600 ┌──────────────┬────────────────┬──────────────╲
          │ 01 风格城市   │ 02 凤栖苑       │ 03 金宁花园    │
          │    PS-01 ●   │  ● PS-02 凤栖路  │               │
    y=0   ├── 金宁路 ─────┼──── 天桥 ───────┼── ● RP-01 ─────┤
          │ 04 锦湖苑     │ 05 凤翔小区     │ 06 双凤家园    │
          │    PS-03 ●   │  凤翔路         │    金色港湾    │
    y=-600└──────────────┴────────────────┴──────────────┘
        x=-900        凤霞路 x=-300     双凤大道 x=350       x=900

Planted planning problems, for the analyses to find:

* grids 05 (凤翔小区) and 06 (双凤家园、金色港湾) have no station at all;
* 金色港湾 (6 buildings JG-01…JG-06, south-east corner) has one gate, on the dead-end 港湾路
  facing away from every station: its buildings are 1.3–1.6 km from the nearest station on foot
  although only 490–690 m away in a straight line;
* the east column of 风格城市 (FG-06, FG-12 … FG-36) stands 60–260 m from PS-01 in a straight
  line, but its east gate is at the north end, 250 m away: on foot it is 340–750 m;
* the only 菜市场 is at the west end of 金宁路, so the east of the community has none within
  1,000 m; 洗染店 and 托育服务 are absent entirely.

Run ``python -m layers.sample OUT_DIR`` (``make sample``); every run writes byte-identical files.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyproj import Transformer
from shapely.geometry import Point, Polygon, box
from shapely.geometry.polygon import orient

from layers.schema import ITEM_LABELS, WEEKDAYS
from layers.source import GeoJSONDirectory

Coord = tuple[float, float]

CENTRE_LONLAT: Coord = (117.26, 31.96)
LOCAL_CRS = "EPSG:4548"
#: The plan is turned anticlockwise by this angle: 金宁路 runs a little north of east.
PLAN_ROTATION_DEG = 8.0
COORD_DECIMALS = 7

COMMUNITY_ID = "340121400001"
COMMUNITY_NAME = "金宁社区"
CITY_PREFIX = "合肥市长丰县双凤经济开发区"

#: Distances inside a 小区 (metres): fence to its outer internal lanes, lane to the facade of
#: the row north of it, and how far an entrance stands in front of that facade.
FENCE_TO_LANE_M = 10.0
LANE_TO_FACADE_M = 12.0
ENTRANCE_OFFSET_M = 3.0
#: Half the width of a carriageway: a gate met by a crossing stops at the kerb.
KERB_M = 6.0
#: Residents per household (2.6 in the sixth census for Hefei's urban districts).
PERSONS_PER_HOUSEHOLD = 2.6

# ---------------------------------------------------------------------------------------------
# The plan (metres)
# ---------------------------------------------------------------------------------------------

BOUNDARY_RING: tuple[Coord, ...] = (
    (-900, -600), (-300, -600), (350, -600), (900, -600), (900, 0), (900, 450),
    (720, 600), (350, 600), (-300, 600), (-900, 600), (-900, 0),
)  # fmt: skip


@dataclass(frozen=True)
class Street:
    """A street modelled as one walkable line from ``start`` to ``end``."""

    id: str
    name: str
    start: Coord
    end: Coord


STREETS: tuple[Street, ...] = (
    Street("ST-01", "金宁路", (-900, 0), (900, 0)),
    Street("ST-02", "凤霞路", (-300, -600), (-300, 600)),
    Street("ST-03", "双凤大道", (350, -600), (350, 600)),
    Street("ST-04", "凤栖路", (-300, 330), (350, 330)),
    Street("ST-05", "凤翔路", (-300, -300), (350, -300)),
    Street("ST-06", "港湾路", (350, -585), (880, -585)),
)


@dataclass(frozen=True)
class Grid:
    """A grid: its polygon on the plan (a block between streets) and its people."""

    number: int
    ring: tuple[Coord, ...]
    leader: str
    compounds: tuple[str, ...]

    @property
    def id(self) -> str:
        return f"{COMMUNITY_ID}-{self.number:02d}"

    @property
    def name(self) -> str:
        ordinal = "一二三四五六七八九十"[self.number - 1]
        return f"第{ordinal}网格（{'、'.join(self.compounds)}）"


GRIDS: tuple[Grid, ...] = (
    Grid(1, ((-900, 0), (-300, 0), (-300, 600), (-900, 600)), "王秀兰", ("风格城市",)),
    Grid(2, ((-300, 0), (350, 0), (350, 600), (-300, 600)), "李建国", ("凤栖苑",)),
    Grid(3, ((350, 0), (900, 0), (900, 450), (720, 600), (350, 600)), "张敏", ("金宁花园",)),
    Grid(4, ((-900, -600), (-300, -600), (-300, 0), (-900, 0)), "刘芳", ("锦湖苑",)),
    Grid(5, ((-300, -600), (350, -600), (350, 0), (-300, 0)), "陈志强", ("凤翔小区",)),
    Grid(6, ((350, -600), (900, -600), (900, 0), (350, 0)), "赵丽华", ("双凤家园", "金色港湾")),
)


@dataclass(frozen=True)
class Gate:
    """A 小区 gate.

    ``side`` is the fence side (``"N"``, ``"S"``, ``"E"``, ``"W"``); ``lane`` the internal lane
    that runs out to it (a column boundary for N/S, a row boundary for E/W); ``street`` the street
    it opens onto. With ``crossing`` the gate stops at the kerb, where that crossing starts.
    """

    name: str
    side: str
    lane: int
    street: str
    crossing: str | None = None


@dataclass(frozen=True)
class Compound:
    """A gated 小区: fence, rows × columns of buildings on a lattice of internal lanes.

    Lanes run east–west south of every row of buildings (and north of the last), and
    north–south just inside the west and east fences and at the column boundaries in
    ``spines``. Buildings face south: each entrance opens onto the lane south of its row.
    Floors rise from the front rows to the back rows through ``floors``.
    """

    name: str
    prefix: str
    fence: tuple[float, float, float, float]
    rows: int
    cols: int
    footprint: tuple[float, float]
    floors: tuple[int, ...]
    units: int
    per_floor: int
    gates: tuple[Gate, ...]
    spines: tuple[int, ...] = ()
    occupancy: float = 1.0

    @property
    def inner(self) -> tuple[float, float, float, float]:
        x0, y0, x1, y1 = self.fence
        m = FENCE_TO_LANE_M
        return x0 + m, y0 + m, x1 - m, y1 - m

    @property
    def lane_xs(self) -> list[float]:
        x0, _, x1, _ = self.inner
        return [x0 + k * (x1 - x0) / self.cols for k in range(self.cols + 1)]

    @property
    def lane_ys(self) -> list[float]:
        _, y0, _, y1 = self.inner
        return [y0 + r * (y1 - y0) / self.rows for r in range(self.rows + 1)]

    @property
    def spine_columns(self) -> list[int]:
        return sorted({0, self.cols, *self.spines})


COMPOUNDS: tuple[Compound, ...] = (
    Compound(
        "风格城市", "FG", (-820, 20, -320, 580), rows=6, cols=6, footprint=(36, 16),
        floors=(18, 26, 32, 33), units=2, per_floor=2, spines=(3,), occupancy=0.92,
        gates=(
            Gate("风格城市南门", "S", 3, "金宁路", crossing="CR-01"),
            Gate("风格城市东门", "E", 5, "凤霞路"),
        ),
    ),
    Compound(
        "凤栖苑", "FQ", (-285, 345, 335, 585), rows=2, cols=8, footprint=(34, 15),
        floors=(11, 18), units=2, per_floor=2, spines=(5,), occupancy=0.95,
        gates=(
            Gate("凤栖苑南门", "S", 5, "凤栖路", crossing="CR-02"),
            Gate("凤栖苑西门", "W", 1, "凤霞路"),
        ),
    ),
    Compound(
        "金宁花园", "JN", (370, 20, 850, 440), rows=4, cols=5, footprint=(45, 13),
        floors=(6, 11), units=3, per_floor=2, spines=(3,),
        gates=(
            Gate("金宁花园南门", "S", 3, "金宁路", crossing="CR-04"),
            Gate("金宁花园西门", "W", 2, "双凤大道"),
        ),
    ),
    Compound(
        "锦湖苑", "JH", (-820, -580, -320, -20), rows=5, cols=6, footprint=(42, 12),
        floors=(6, 7), units=3, per_floor=2, spines=(3,),
        gates=(
            Gate("锦湖苑北门", "N", 3, "金宁路", crossing="CR-01"),
            Gate("锦湖苑东门", "E", 2, "凤霞路"),
        ),
    ),
    Compound(
        "凤翔小区", "FX", (-285, -585, 335, -315), rows=2, cols=8, footprint=(40, 12),
        floors=(5, 6), units=3, per_floor=2, spines=(5,),
        gates=(
            Gate("凤翔小区北门", "N", 5, "凤翔路", crossing="CR-03"),
            Gate("凤翔小区西门", "W", 1, "凤霞路"),
        ),
    ),
    Compound(
        "双凤家园", "SF", (370, -280, 850, -20), rows=3, cols=10, footprint=(34, 14),
        floors=(11, 18), units=2, per_floor=3, spines=(6,), occupancy=0.97,
        gates=(
            Gate("双凤家园北门", "N", 6, "金宁路", crossing="CR-04"),
            Gate("双凤家园西门", "W", 2, "双凤大道"),
        ),
    ),
    Compound(
        "金色港湾", "JG", (560, -570, 880, -330), rows=2, cols=3, footprint=(36, 16),
        floors=(18, 26), units=2, per_floor=2, occupancy=0.8,
        gates=(Gate("金色港湾南门", "S", 3, "港湾路"),),
    ),
)  # fmt: skip


@dataclass(frozen=True)
class Crossing:
    """A pedestrian crossing of ``street`` at ``at``, perpendicular to it."""

    id: str
    name: str
    street: str
    at: Coord


CROSSINGS: tuple[Crossing, ...] = (
    Crossing("CR-01", "金宁路人行横道（风格城市—锦湖苑）", "金宁路", (-570, 0)),
    Crossing("CR-02", "凤栖路人行横道（凤栖公园）", "凤栖路", (100, 330)),
    Crossing("CR-03", "凤翔路人行横道（凤栖公园）", "凤翔路", (100, -300)),
    Crossing("CR-04", "金宁路人行横道（金宁花园—双凤家园）", "金宁路", (656, 0)),
)


@dataclass(frozen=True)
class Footpath:
    """A public footpath; its ends join whatever they touch, never the street it passes over."""

    id: str
    name: str
    points: tuple[Coord, ...]


FOOTPATHS: tuple[Footpath, ...] = (
    Footpath("FP-01", "凤栖公园步道", ((100, 330 - KERB_M), (100, 180), (100, 30))),
    Footpath("FP-02", "金宁路人行天桥", ((100, 30), (100, -30))),
    Footpath("FP-03", "凤栖公园南段步道", ((100, -30), (100, -150), (100, -300 + KERB_M))),
)

_WORKDAYS = ("mon", "tue", "wed", "thu", "fri")


def weekly_hours(weekdays: str, sat: str, sun: str) -> dict[str, str]:
    """Opening hours with one span for Monday–Friday and one each for the weekend."""
    return {
        day: weekdays if day in _WORKDAYS else (sat if day == "sat" else sun) for day in WEEKDAYS
    }


@dataclass(frozen=True)
class Station:
    """A 党群服务站 or the 歇歇角 (schema fields; ``at`` on the plan)."""

    id: str
    name: str
    kind: str
    at: Coord
    hours: str | dict[str, str]
    contact: str
    items: dict[str, int]
    address: str


STATIONS: tuple[Station, ...] = (
    Station(
        "PS-01", "风格城市党群服务站", "party_service_station", (-310, 230),
        weekly_hours("08:00-18:00", "09:00-17:00", "closed"), "0551-66128801",
        {"umbrella": 15, "first_aid_kit": 3, "power_bank": 6, "sewing_kit": 4,
         "drinking_water": 36, "reading_glasses": 5, "bicycle_pump": 1, "wheelchair": 1,
         "cane": 2, "phone_charging": 4},
        f"{CITY_PREFIX}凤霞路风格城市东侧",
    ),
    Station(
        "PS-02", "凤栖苑党群服务站", "party_service_station", (-160, 336),
        weekly_hours("08:00-12:00,14:00-18:00", "09:00-12:00", "closed"), "0551-66128802",
        {"umbrella": 12, "first_aid_kit": 2, "power_bank": 0, "sewing_kit": 3,
         "drinking_water": 24, "reading_glasses": 4, "bicycle_pump": 1, "wheelchair": 1,
         "phone_charging": 3},
        f"{CITY_PREFIX}凤栖路凤栖苑南门西侧",
    ),
    Station(
        "PS-03", "锦湖苑党群服务站", "party_service_station", (-310, -250),
        weekly_hours("08:30-17:30", "08:30-17:30", "09:00-12:00"), "0551-66128803",
        {"umbrella": 18, "first_aid_kit": 4, "power_bank": 5, "drinking_water": 30,
         "reading_glasses": 6, "bicycle_pump": 2, "wheelchair": 2, "cane": 3},
        f"{CITY_PREFIX}凤霞路与凤翔路交口西北角",
    ),
    Station(
        "RP-01", "金宁路歇歇角", "rest_post", (430, 8),
        "24h", "0551-66128805",
        {"umbrella": 10, "first_aid_kit": 2, "power_bank": 8, "sewing_kit": 5,
         "drinking_water": 48, "microwave": 1, "phone_charging": 6, "bicycle_pump": 1},
        f"{CITY_PREFIX}金宁路北侧金宁花园沿街商铺",
    ),
)  # fmt: skip

#: Everyday shops and services, street side (name, category, position on the plan).
#: The only 菜市场 is at the west end; no 洗染店 and no 托育服务 anywhere.
POIS: tuple[tuple[str, str, Coord], ...] = (
    ("双凤菜市场", "菜市场", (-860, -12)),
    ("金宁路便利店", "便利店", (-700, 10)),
    ("金宁早餐店", "早餐店", (-650, -10)),
    ("风格城市快递驿站", "邮政快递综合服务点", (-450, 10)),
    ("百姓大药房（金宁路店）", "药店", (-520, 10)),
    ("锦湖发艺", "美容美发店", (-480, -10)),
    ("老张家电维修", "维修点", (-380, -10)),
    ("金宁路凤霞路公交站", "公交站", (-330, 10)),
    ("风格城市垃圾分类收集点", "垃圾收集点", (-720, 562)),
    ("凤霞路幼儿园", "幼儿园", (-290, -120)),
    ("锦湖苑垃圾分类收集点", "垃圾收集点", (-804, -300)),
    ("凤霞路早点铺", "早餐店", (-310, -420)),
    ("锦湖苑社区食堂", "社区食堂", (-310, -520)),
    ("金宁社区综合服务站", "社区服务站", (-250, 10)),
    ("凤凰生活超市", "综合超市", (-180, -10)),
    ("凤栖书屋", "书店", (-100, 10)),
    ("一杯茶饮（金宁路店）", "茶饮咖啡", (-40, -10)),
    ("金宁图文快印", "照相文印店", (30, -10)),
    ("好帮手家政", "家政服务点", (160, -10)),
    ("凤栖公园健身广场", "健身场所", (110, 180)),
    ("金宁社区卫生服务站", "社区卫生服务站", (0, 320)),
    ("金宁幼儿园", "幼儿园", (220, 320)),
    ("凤栖生鲜店", "生鲜超市/菜店", (-80, 340)),
    ("凤栖路便利店", "便利店", (240, 340)),
    ("凤栖苑快递驿站", "邮政快递综合服务点", (-290, 420)),
    ("金宁社区老年日间照料中心", "养老服务", (-20, -290)),
    ("凤翔路早餐店", "早餐店", (200, -290)),
    ("凤翔修鞋配钥匙", "维修点", (-200, -310)),
    ("凤翔理发店", "美容美发店", (40, -310)),
    ("凤翔小区垃圾分类收集点", "垃圾收集点", (-290, -560)),
    ("金宁路双凤大道公交站", "公交站", (320, 10)),
    ("双凤大道凤翔路公交站", "公交站", (340, -320)),
    ("金宁花园便利店", "便利店", (470, 10)),
    ("康宁药房", "药店", (520, -10)),
    ("金宁路快递驿站", "邮政快递综合服务点", (700, 10)),
    ("港湾早餐", "早餐店", (760, -10)),
    ("丝路美发", "美容美发店", (800, 10)),
    ("金宁花园健身房", "健身场所", (360, 120)),
    ("双凤大道手机维修", "维修点", (360, -200)),
    ("双凤家园社区食堂", "社区食堂", (360, -60)),
    ("双凤大道便民超市", "综合超市", (340, 450)),
    ("双凤家园老年活动中心", "养老服务", (360, -250)),
    ("港湾便利店", "便利店", (500, -575)),
    ("金色港湾垃圾分类收集点", "垃圾收集点", (820, -595)),
    ("双凤大道港湾路公交站", "公交站", (360, -570)),
    ("金宁花园垃圾分类收集点", "垃圾收集点", (830, 200)),
)

# ---------------------------------------------------------------------------------------------
# Building the layers on the plan
# ---------------------------------------------------------------------------------------------


@dataclass
class PlanFeature:
    """A feature on the plan: properties and a GeoJSON-like geometry in plan metres."""

    properties: dict[str, Any]
    geometry_type: str
    coordinates: Any


@dataclass
class StreetJoins:
    """Points where other paths join each street; they become vertices of its line."""

    points: dict[str, set[Coord]] = field(default_factory=dict)

    def add(self, street: str, point: Coord) -> None:
        self.points.setdefault(street, set()).add(point)


def street_by_name(name: str) -> Street:
    for street in STREETS:
        if street.name == name:
            return street
    msg = f"未知街道 {name!r}"
    raise KeyError(msg)


def foot_on_street(street: Street, point: Coord) -> Coord:
    """The perpendicular foot of ``point`` on the street's line."""
    (ax, ay), (bx, by) = street.start, street.end
    dx, dy = bx - ax, by - ay
    t = ((point[0] - ax) * dx + (point[1] - ay) * dy) / (dx * dx + dy * dy)
    if not 0.0 < t < 1.0:
        msg = f"{point} 的垂足不在 {street.name} 上"
        raise ValueError(msg)
    return (ax + t * dx, ay + t * dy)


def street_features(joins: StreetJoins) -> list[PlanFeature]:
    """Every street as one line through all the points joined to it, in order along it."""
    features = []
    for street in STREETS:
        start = street.start

        def along(p: Coord, start: Coord = start) -> float:
            return math.dist(start, p)

        inner = sorted(joins.points.get(street.name, set()) - {street.start, street.end}, key=along)
        coords = [street.start, *inner, street.end]
        features.append(
            PlanFeature(
                {"id": street.id, "kind": "street", "name": street.name}, "LineString", coords
            )
        )
    return features


def crossing_ends(crossing: Crossing) -> tuple[Coord, Coord]:
    """The two kerb points of a crossing (left and right of the street's direction)."""
    street = street_by_name(crossing.street)
    (ax, ay), (bx, by) = street.start, street.end
    length = math.dist(street.start, street.end)
    nx, ny = -(by - ay) / length, (bx - ax) / length
    x, y = crossing.at
    return (x + nx * KERB_M, y + ny * KERB_M), (x - nx * KERB_M, y - ny * KERB_M)


def crossing_features(joins: StreetJoins) -> list[PlanFeature]:
    features = []
    for crossing in CROSSINGS:
        left, right = crossing_ends(crossing)
        joins.add(crossing.street, crossing.at)
        features.append(
            PlanFeature(
                {"id": crossing.id, "kind": "crossing", "name": crossing.name},
                "LineString",
                [left, crossing.at, right],
            )
        )
    return features


def footpath_features() -> list[PlanFeature]:
    return [
        PlanFeature({"id": f.id, "kind": "footpath", "name": f.name}, "LineString", list(f.points))
        for f in FOOTPATHS
    ]


def gate_fence_point(compound: Compound, gate: Gate) -> Coord:
    """Where ``gate`` pierces the fence."""
    x0, y0, x1, y1 = compound.fence
    if gate.side in ("N", "S"):
        return (compound.lane_xs[gate.lane], y1 if gate.side == "N" else y0)
    return (x1 if gate.side == "E" else x0, compound.lane_ys[gate.lane])


def internal_lanes(compound: Compound) -> list[tuple[str, list[Coord]]]:
    """The lattice of internal lanes (id suffix, points), stubs out to the gates included."""
    xs, ys = compound.lane_xs, compound.lane_ys
    x0, y0, x1, y1 = compound.fence
    spine_xs = [xs[k] for k in compound.spine_columns]
    lanes = []
    for r, y in enumerate(ys):
        points = [(x, y) for x in spine_xs]
        sides = {g.side for g in compound.gates if g.side in ("W", "E") and g.lane == r}
        if "W" in sides:
            points.insert(0, (x0, y))
        if "E" in sides:
            points.append((x1, y))
        lanes.append((f"H{r}", points))
    for k in compound.spine_columns:
        points = [(xs[k], y) for y in ys]
        sides = {g.side for g in compound.gates if g.side in ("N", "S") and g.lane == k}
        if "S" in sides:
            points.insert(0, (xs[k], y0))
        if "N" in sides:
            points.append((xs[k], y1))
        lanes.append((f"V{k}", points))
    return lanes


def compound_paths(compound: Compound, joins: StreetJoins) -> list[PlanFeature]:
    """A 小区's internal lanes and its gates (each gate joined to its street or crossing)."""
    features = [
        PlanFeature(
            {
                "id": f"IN-{compound.prefix}-{suffix}",
                "kind": "internal",
                "name": f"{compound.name}内部道路",
            },
            "LineString",
            points,
        )
        for suffix, points in internal_lanes(compound)
    ]
    crossings = {c.id: c for c in CROSSINGS}
    for number, gate in enumerate(compound.gates, start=1):
        inside = gate_fence_point(compound, gate)
        if gate.crossing is None:
            outside = foot_on_street(street_by_name(gate.street), inside)
            joins.add(gate.street, outside)
        else:
            outside = min(
                crossing_ends(crossings[gate.crossing]), key=lambda p: math.dist(p, inside)
            )
        features.append(
            PlanFeature(
                {"id": f"GT-{compound.prefix}-{number}", "kind": "gate", "name": gate.name},
                "LineString",
                [inside, outside],
            )
        )
    return features


def households_and_residents(compound: Compound, floors: int) -> tuple[int, int]:
    households = floors * compound.units * compound.per_floor
    residents = int(households * PERSONS_PER_HOUSEHOLD * compound.occupancy + 0.5)
    return households, residents


def compound_buildings(compound: Compound) -> list[tuple[dict[str, Any], Polygon, Coord]]:
    """Buildings row by row from the front (south): properties, footprint and entrance."""
    xs, ys = compound.lane_xs, compound.lane_ys
    width, depth = compound.footprint
    cell_w, cell_h = xs[1] - xs[0], ys[1] - ys[0]
    if width > cell_w - 8 or LANE_TO_FACADE_M + depth > cell_h - 8:
        msg = f"{compound.name}：楼栋 {width}×{depth} 放不进 {cell_w:.0f}×{cell_h:.0f} 的地块"
        raise ValueError(msg)
    buildings = []
    for r in range(compound.rows):
        floors = compound.floors[r * len(compound.floors) // compound.rows]
        for k in range(compound.cols):
            number = r * compound.cols + k + 1
            left = xs[k] + (cell_w - width) / 2
            front = ys[r] + LANE_TO_FACADE_M
            footprint = box(left, front, left + width, front + depth)
            entrance = (left + width / 2, front - ENTRANCE_OFFSET_M)
            households, residents = households_and_residents(compound, floors)
            props = {
                "id": f"{compound.prefix}-{number:02d}",
                "name": f"{compound.name} {number}栋",
                "compound": compound.name,
                "floors": floors,
                "units": compound.units,
                "households": households,
                "residents": residents,
            }
            buildings.append((props, footprint, entrance))
    return buildings


def grid_of(geometry: Point | Polygon) -> Grid:
    """The grid whose block contains ``geometry`` (raises when it straddles a street)."""
    for grid in GRIDS:
        if Polygon(grid.ring).contains(geometry):
            return grid
    msg = f"{geometry.wkt} 不在任何一个网格之内"
    raise ValueError(msg)


def ring_coords(polygon: Polygon) -> list[list[tuple[float, ...]]]:
    return [list(orient(polygon, 1.0).exterior.coords)]


def plan_features() -> dict[str, list[PlanFeature]]:
    """Every layer on the plan, before projection."""
    joins = StreetJoins()
    paths = crossing_features(joins) + footpath_features()
    for compound in COMPOUNDS:
        paths += compound_paths(compound, joins)
    for i, street in enumerate(STREETS):
        for other in STREETS[i + 1 :]:
            meeting = _segment_intersection(street.start, street.end, other.start, other.end)
            if meeting is not None:
                joins.add(street.name, meeting)
                joins.add(other.name, meeting)
    paths += street_features(joins)

    buildings = []
    for compound in COMPOUNDS:
        for props, footprint, entrance in compound_buildings(compound):
            props = {**props, "grid_id": grid_of(footprint).id, "entrances": [entrance]}
            buildings.append(PlanFeature(props, "Polygon", ring_coords(footprint)))

    boundary = PlanFeature(
        {"id": COMMUNITY_ID, "name": COMMUNITY_NAME}, "Polygon", ring_coords(Polygon(BOUNDARY_RING))
    )
    grids = [
        PlanFeature(
            {
                "id": g.id,
                "name": g.name,
                "parent": COMMUNITY_ID,
                "leader": g.leader,
                **({"compound": g.compounds[0]} if len(g.compounds) == 1 else {}),
            },
            "Polygon",
            ring_coords(Polygon(g.ring)),
        )
        for g in GRIDS
    ]
    stations = [
        PlanFeature(
            {
                "id": s.id,
                "name": s.name,
                "kind": s.kind,
                "grid_id": grid_of(Point(s.at)).id,
                "hours": s.hours,
                "contact": s.contact,
                "items": {item: s.items[item] for item in ITEM_LABELS if item in s.items},
                "address": s.address,
            },
            "Point",
            s.at,
        )
        for s in STATIONS
    ]
    pois = [
        PlanFeature({"id": f"POI-{n:03d}", "name": name, "category": category}, "Point", at)
        for n, (name, category, at) in enumerate(POIS, start=1)
    ]
    compounds = [
        PlanFeature({"id": c.prefix, "name": c.name}, "Polygon", ring_coords(box(*c.fence)))
        for c in COMPOUNDS
    ]
    return {
        "boundary": [boundary],
        "grids": grids,
        "buildings": buildings,
        "stations": stations,
        "paths": paths,
        "pois": pois,
        "compounds": compounds,
    }


def _segment_intersection(a: Coord, b: Coord, c: Coord, d: Coord) -> Coord | None:
    """Where segments ab and cd meet (ends included); None when apart or parallel."""
    rx, ry = b[0] - a[0], b[1] - a[1]
    sx, sy = d[0] - c[0], d[1] - c[1]
    denominator = rx * sy - ry * sx
    if denominator == 0:
        return None
    t = ((c[0] - a[0]) * sy - (c[1] - a[1]) * sx) / denominator
    u = ((c[0] - a[0]) * ry - (c[1] - a[1]) * rx) / denominator
    if not (0.0 <= t <= 1.0 and 0.0 <= u <= 1.0):
        return None
    if u in (0.0, 1.0):
        return c if u == 0.0 else d
    if t in (0.0, 1.0):
        return a if t == 0.0 else b
    return (a[0] + t * rx, a[1] + t * ry)


# ---------------------------------------------------------------------------------------------
# From the plan to WGS84 GeoJSON
# ---------------------------------------------------------------------------------------------


class PlanToWGS84:
    """Turn plan metres into rounded WGS84 lon/lat through EPSG:4548."""

    def __init__(self) -> None:
        to_local = Transformer.from_crs("EPSG:4326", LOCAL_CRS, always_xy=True)
        self.origin = to_local.transform(*CENTRE_LONLAT)
        self.to_wgs84 = Transformer.from_crs(LOCAL_CRS, "EPSG:4326", always_xy=True)
        angle = math.radians(PLAN_ROTATION_DEG)
        self.cos, self.sin = math.cos(angle), math.sin(angle)

    def point(self, p: Sequence[float]) -> list[float]:
        x, y = p[0], p[1]
        east = self.origin[0] + x * self.cos - y * self.sin
        north = self.origin[1] + x * self.sin + y * self.cos
        lon, lat = self.to_wgs84.transform(east, north)
        return [round(lon, COORD_DECIMALS), round(lat, COORD_DECIMALS)]

    def coordinates(self, coords: Any) -> Any:
        if coords and isinstance(coords[0], (int, float)):
            return self.point(coords)
        return [self.coordinates(c) for c in coords]


def to_geojson(features: Iterable[PlanFeature], convert: PlanToWGS84) -> dict[str, Any]:
    """A FeatureCollection in WGS84, features sorted by id."""
    out = []
    for f in sorted(features, key=lambda f: str(f.properties["id"])):
        props = dict(f.properties)
        if "entrances" in props:
            props["entrances"] = convert.coordinates(props["entrances"])
        geometry = {"type": f.geometry_type, "coordinates": convert.coordinates(f.coordinates)}
        out.append({"type": "Feature", "properties": props, "geometry": geometry})
    return {"type": "FeatureCollection", "features": out}


_NUMBER_PAIR = re.compile(r"\[\s+(-?\d+(?:\.\d+)?),\s+(-?\d+(?:\.\d+)?)\s+\]")


def dumps(collection: dict[str, Any]) -> str:
    """Readable, stable JSON: indented, with every [lon, lat] pair on one line."""
    text = json.dumps(collection, ensure_ascii=False, indent=1)
    return _NUMBER_PAIR.sub(r"[\1, \2]", text) + "\n"


def generate(out_dir: Path) -> None:
    """Write the sample's layers (the six required ones and the 小区 fences) into ``out_dir``."""
    convert = PlanToWGS84()
    target = GeoJSONDirectory(out_dir)
    for name, features in plan_features().items():
        target.write(name, dumps(to_geojson(features, convert)))


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("用法：python -m layers.sample OUT_DIR", file=sys.stderr)
        return 2
    generate(Path(args[0]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
