"""The schema of every layer, written down once.

Each layer is one GeoJSON FeatureCollection (RFC 7946, WGS84 lon/lat) under ``data/geojson/``.
A :class:`LayerSchema` names the layer's file, its allowed geometry types and its properties;
validation (:mod:`layers.validate`) and the README's table are both derived from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Station kinds: the grid 党群服务站 and the 歇歇角 red rest post.
STATION_KINDS: dict[str, str] = {
    "party_service_station": "党群服务站",
    "rest_post": "歇歇角",
}

#: Items a station may stock, with the label residents see.
ITEM_LABELS: dict[str, str] = {
    "umbrella": "雨伞",
    "first_aid_kit": "急救药箱",
    "power_bank": "充电宝",
    "sewing_kit": "针线盒",
    "drinking_water": "饮用水",
    "reading_glasses": "老花镜",
    "bicycle_pump": "打气筒",
    "microwave": "微波炉",
    "wheelchair": "轮椅",
    "cane": "拐杖",
    "phone_charging": "手机充电",
}

#: Path kinds of the walking network.
PATH_KINDS: dict[str, str] = {
    "street": "街道人行道",
    "crossing": "人行横道",
    "footpath": "步行道",
    "internal": "小区内部道路",
    "gate": "小区大门",
}

#: 商务部《城市一刻钟便民生活圈建设指南》 basic categories (基本保障类), in the guide's order.
BASIC_CATEGORIES: tuple[str, ...] = (
    "便利店",
    "综合超市",
    "菜市场",
    "生鲜超市/菜店",
    "早餐店",
    "洗染店",
    "美容美发店",
    "照相文印店",
    "家政服务点",
    "维修点",
    "药店",
    "邮政快递综合服务点",
)

#: Quality categories (品质提升类).
QUALITY_CATEGORIES: tuple[str, ...] = (
    "健身场所",
    "书店",
    "茶饮咖啡",
    "养老服务",
    "托育服务",
    "社区食堂",
)

#: Facilities GB 50180-2018 adds at the 5-minute level.
FIVE_MINUTE_CATEGORIES: tuple[str, ...] = (
    "幼儿园",
    "社区卫生服务站",
    "社区服务站",
    "垃圾收集点",
    "公交站",
)

#: Every POI category, mapped to its class label.
POI_CATEGORIES: dict[str, str] = {
    **{c: "基本保障类" for c in BASIC_CATEGORIES},
    **{c: "品质提升类" for c in QUALITY_CATEGORIES},
    **{c: "五分钟生活圈配套" for c in FIVE_MINUTE_CATEGORIES},
}

#: Weekday keys of a station's opening hours, Monday first (``datetime.weekday()`` order).
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_LABELS: dict[str, str] = {
    "mon": "周一",
    "tue": "周二",
    "wed": "周三",
    "thu": "周四",
    "fri": "周五",
    "sat": "周六",
    "sun": "周日",
}


@dataclass(frozen=True)
class Field:
    """One property of a layer's features.

    ``kind`` is one of ``str``, ``int``, ``number``, ``bool``, ``hours``, ``items``, ``points``.
    ``choices`` limits a ``str`` field; ``ref`` names the layer its value must reference.
    """

    name: str
    kind: str
    required: bool = True
    label: str = ""
    choices: tuple[str, ...] = ()
    ref: str | None = None
    minimum: float | None = None


@dataclass(frozen=True)
class LayerSchema:
    """A layer: its name (file stem), geometry types and properties."""

    name: str
    label: str
    geometry_types: tuple[str, ...]
    fields: tuple[Field, ...] = field(default_factory=tuple)
    #: An optional layer may be absent (it then loads empty); a present one is validated.
    optional: bool = False
    #: Why the layer may not be empty, when it may not (the service cannot work without it).
    needed_for: str | None = None

    @property
    def filename(self) -> str:
        return f"{self.name}.geojson"

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


_ID = Field("id", "str", label="唯一编号")
_NAME = Field("name", "str", label="名称")

BOUNDARY = LayerSchema(
    "boundary",
    "社区边界",
    ("Polygon", "MultiPolygon"),
    (Field("id", "str", label="社区代码"), _NAME),
    needed_for="网格、楼栋与地图都以社区边界为准",
)

GRIDS = LayerSchema(
    "grids",
    "网格",
    ("Polygon", "MultiPolygon"),
    (
        Field("id", "str", label="网格编码（社区代码-网格号）"),
        _NAME,
        Field("parent", "str", label="上级（社区代码或上级网格编码）", ref="boundary|grids"),
        Field("leader", "str", label="网格长（小区党支部书记）姓名"),
        Field("compound", "str", required=False, label="所在小区"),
        Field(
            "provisional",
            "bool",
            required=False,
            label="暂定网格（导入时按街区自动划分，待社区确认）",
        ),
    ),
)

BUILDINGS = LayerSchema(
    "buildings",
    "楼栋",
    ("Polygon", "MultiPolygon"),
    (
        _ID,
        Field("name", "str", label="楼栋名称，如 风格城市 3栋"),
        Field("compound", "str", label="所在小区"),
        Field("floors", "int", label="层数", minimum=1),
        Field("units", "int", label="单元数", minimum=1),
        Field("households", "int", label="户数", minimum=0),
        Field("residents", "int", label="常住人口", minimum=0),
        Field("grid_id", "str", label="所属网格编码", ref="grids"),
        Field("entrances", "points", required=False, label="出入口 [[经度, 纬度], …]"),
        Field(
            "estimated",
            "bool",
            required=False,
            label="户数、人口、单元数为估算值（由占地面积 × 层数推算），待台账核实",
        ),
    ),
)

STATIONS = LayerSchema(
    "stations",
    "服务站点",
    ("Point",),
    (
        _ID,
        _NAME,
        Field("kind", "str", label="类型", choices=tuple(STATION_KINDS)),
        Field("grid_id", "str", label="所属网格编码", ref="grids"),
        Field(
            "hours",
            "hours",
            required=False,
            label='开放时间："24h"，或 {"mon": "08:00-12:00,14:00-18:00", …, "sun": "closed"}',
        ),
        Field("contact", "str", label="联系电话"),
        Field("items", "items", label="物资及数量 {umbrella: 10, …}"),
        Field("address", "str", required=False, label="地址"),
    ),
)

PATHS = LayerSchema(
    "paths",
    "步行路网",
    ("LineString", "MultiLineString"),
    (
        _ID,
        Field("kind", "str", label="类型", choices=tuple(PATH_KINDS)),
        Field("name", "str", required=False, label="名称"),
    ),
    needed_for="所有步行距离都沿路网计算",
)

POIS = LayerSchema(
    "pois",
    "便民设施",
    ("Point",),
    (
        _ID,
        _NAME,
        Field("category", "str", label="业态类别", choices=tuple(POI_CATEGORIES)),
    ),
)

COMPOUNDS = LayerSchema(
    "compounds",
    "封闭小区围墙",
    ("Polygon", "MultiPolygon"),
    (
        _ID,
        Field("name", "str", label="小区名称（与楼栋的 compound 一致）"),
    ),
    optional=True,
)

#: All layers, in load order (a layer is loaded after the layers it references).
SCHEMAS: tuple[LayerSchema, ...] = (BOUNDARY, GRIDS, BUILDINGS, STATIONS, PATHS, POIS, COMPOUNDS)
SCHEMA_BY_NAME: dict[str, LayerSchema] = {s.name: s for s in SCHEMAS}
