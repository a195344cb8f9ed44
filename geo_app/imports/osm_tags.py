"""OpenStreetMap tags → the service's layers: the tables, written once and documented.

Walkable ways (``paths``): ``highway`` values in :data:`WALKABLE_HIGHWAYS` unless ``foot=no``,
or ``access=private|no`` without an explicit ``foot`` permission; motorways and trunk roads only
with a sidewalk tagged on them or ``foot=yes``; cycle- and bridleways only with ``foot`` allowed.

Barrier nodes on a way (``barrier=*``): a gate, bollard, stile… lets walkers through unless it is
``locked=yes`` or closed to them by ``access``/``foot``; any other barrier (a wall across the
way, a ``barrier=block``…) stops them. ``barrier=gate`` and ``entrance=*`` are the gates of 小区.

Buildings: households are not in OpenStreetMap, so they are **estimated** (and marked so):
``households = floor(footprint m² × levels ÷ FLAT_AREA_M2)`` for residential buildings (at
least 1; ``building=residential|apartments|house…``, and ``building=yes`` outside commercial or
industrial land and without shop/office/amenity tags), 0 for others;
``residents = round(households × PERSONS_PER_HOUSEHOLD)``;
``units = ceil(households ÷ (levels × FLATS_PER_FLOOR_PER_UNIT))``. Levels come from
``building:levels``, else ``height ÷ METRES_PER_LEVEL``, else 1.

POIs: :data:`POI_CATEGORY_TAGS`, first match wins, to the categories of ``layers/schema.py``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

#: Average floor area of a flat, m² (a typical Chinese 两室/三室 home).
FLAT_AREA_M2 = 90.0
#: Average household size, China's 2020 census (2.62 persons).
PERSONS_PER_HOUSEHOLD = 2.62
#: Flats on each floor of one 单元 (stairwell) of a slab block.
FLATS_PER_FLOOR_PER_UNIT = 2
METRES_PER_LEVEL = 3.0

Tags = Mapping[str, str]

#: ``highway`` values walked on, with the path kind they become.
WALKABLE_HIGHWAYS: dict[str, str] = {
    "footway": "footpath",
    "path": "footpath",
    "pedestrian": "footpath",
    "steps": "footpath",
    "track": "footpath",
    "platform": "footpath",
    "living_street": "street",
    "residential": "street",
    "service": "street",
    "unclassified": "street",
    "road": "street",
    "tertiary": "street",
    "tertiary_link": "street",
    "secondary": "street",
    "secondary_link": "street",
    "primary": "street",
    "primary_link": "street",
}
#: Roads walked on only where a sidewalk is tagged or foot access granted.
SIDEWALK_ONLY = frozenset({"motorway", "motorway_link", "trunk", "trunk_link"})
#: Ways for other traffic walked on only when ``foot`` allows it.
FOOT_TAG_ONLY = frozenset({"cycleway", "bridleway"})
FOOT_ALLOWED = frozenset({"yes", "designated", "permissive", "official"})
NO_ACCESS = frozenset({"no", "private"})
SIDEWALK_PRESENT = frozenset({"both", "left", "right", "yes"})

#: Barrier nodes that are gates of a gated 小区.
GATE_BARRIERS = frozenset({
    "gate", "entrance", "lift_gate", "swing_gate", "sliding_gate", "wicket_gate", "kissing_gate",
    "turnstile", "full-height_turnstile",
})
#: Barrier nodes a walker passes (unless locked or closed by access tags): every gate, and these.
PASSABLE_BARRIERS = GATE_BARRIERS | {
    "bollard", "stile", "cycle_barrier", "chain", "height_restrictor", "toll_booth",
    "border_control", "bump_gate",
}
#: Barrier ways that enclose a gated 小区.
FENCE_BARRIERS = frozenset({"wall", "fence"})

#: ``landuse`` values whose ``building=yes`` are taken as not lived in.
NON_RESIDENTIAL_LANDUSE = frozenset(
    {
        "commercial",
        "retail",
        "industrial",
        "railway",
        "military",
        "religious",
        "education",
        "construction",
        "cemetery",
        "port",
        "depot",
        "garages",
    }
)
#: Tags on a building that say it is not (only) homes.
NON_RESIDENTIAL_KEYS = frozenset({"amenity", "shop", "office", "tourism", "craft", "leisure"})
RESIDENTIAL_BUILDINGS = frozenset(
    {
        "residential",
        "apartments",
        "house",
        "detached",
        "semidetached_house",
        "terrace",
        "dormitory",
        "bungalow",
    }
)

#: Category → the OSM tags that make an object one, ``key=value``, with ``&key=value`` for an
#: extra tag it must also have. Categories and their tags are rules in this order: the first
#: that matches an object wins.
POI_CATEGORY_TAGS: dict[str, tuple[str, ...]] = {
    "便利店": ("shop=convenience",),
    "综合超市": ("shop=supermarket",),
    "菜市场": ("amenity=marketplace",),
    "生鲜超市/菜店": ("shop=greengrocer", "shop=butcher", "shop=seafood"),
    "早餐店": ("amenity=fast_food&cuisine=breakfast", "shop=bakery"),
    "洗染店": ("shop=laundry", "shop=dry_cleaning"),
    "美容美发店": ("shop=hairdresser", "shop=beauty"),
    "照相文印店": ("shop=copyshop", "shop=photo"),
    "家政服务点": ("office=housekeeping",),
    "维修点": ("shop=repair", "shop=shoe_repair", "craft=shoemaker", "craft=key_cutter",
              "craft=electronics_repair"),
    "药店": ("amenity=pharmacy",),
    "邮政快递综合服务点": ("amenity=post_office", "amenity=parcel_locker"),
    "健身场所": ("leisure=fitness_centre", "leisure=fitness_station", "leisure=sports_centre"),
    "书店": ("shop=books",),
    "茶饮咖啡": ("amenity=cafe", "shop=tea", "shop=coffee"),
    "养老服务": ("amenity=social_facility&social_facility:for=senior", "amenity=nursing_home"),
    "托育服务": ("amenity=childcare",),
    "社区食堂": ("amenity=canteen",),
    "幼儿园": ("amenity=kindergarten",),
    "社区卫生服务站": ("amenity=clinic", "amenity=doctors", "healthcare=clinic"),
    "社区服务站": ("amenity=community_centre", "amenity=social_centre"),
    "垃圾收集点": ("amenity=waste_disposal", "amenity=recycling"),
    "公交站": ("highway=bus_stop",),
}


def _poi_rule(expression: str, category: str) -> tuple[str, str, tuple[str, str] | None, str]:
    main, _, extra = expression.partition("&")
    key, value = main.split("=")
    condition = None
    if extra:
        extra_key, extra_value = extra.split("=")
        condition = (extra_key, extra_value)
    return key, value, condition, category


#: :data:`POI_CATEGORY_TAGS` as rules (key, value, extra tag or None, category), in order.
POI_TAGS: tuple[tuple[str, str | None, tuple[str, str] | None, str], ...] = tuple(
    _poi_rule(expression, category)
    for category, expressions in POI_CATEGORY_TAGS.items()
    for expression in expressions
)
#: Keys any POI rule looks at (a reader's filter).
POI_KEYS = frozenset(key for key, _, _, _ in POI_TAGS)


def path_kind(tags: Tags) -> str | None:
    """The path kind of a way with these tags, or ``None`` when it is not walked on."""
    highway = tags.get("highway")
    foot = tags.get("foot")
    if highway is None or foot == "no":
        return None
    if tags.get("access") in NO_ACCESS and foot not in FOOT_ALLOWED:
        return None
    if highway in SIDEWALK_ONLY:
        sidewalk = {
            tags.get(k) for k in ("sidewalk", "sidewalk:both", "sidewalk:left", "sidewalk:right")
        }
        has_sidewalk = bool(sidewalk & SIDEWALK_PRESENT)
        return "street" if has_sidewalk or foot in FOOT_ALLOWED else None
    if highway in FOOT_TAG_ONLY:
        return "footpath" if foot in FOOT_ALLOWED else None
    kind = WALKABLE_HIGHWAYS.get(highway)
    if kind is not None and (tags.get("footway") == "crossing" or tags.get("path") == "crossing"):
        return "crossing"
    return kind


def why_not_walkable(tags: Tags) -> str:
    """A short reason a highway is left out (for the summary)."""
    highway = tags.get("highway", "")
    if tags.get("foot") == "no":
        return "禁止步行（foot=no）"
    if tags.get("access") in NO_ACCESS:
        return f"不对外开放（access={tags['access']}）"
    if highway in SIDEWALK_ONLY:
        return f"{highway} 无人行道"
    return f"不可步行的道路类型（highway={highway}）"


def barrier_blocks(tags: Tags) -> bool:
    """Whether a barrier node on a way stops a walker."""
    barrier = tags.get("barrier")
    if barrier is None:
        return False
    if barrier not in PASSABLE_BARRIERS:
        return True
    if tags.get("locked") == "yes" or tags.get("foot") == "no":
        return True
    return tags.get("access") in NO_ACCESS and tags.get("foot") not in FOOT_ALLOWED


def is_gate(tags: Tags) -> bool:
    """Whether a node is a gate or an entrance walkers may use."""
    return (tags.get("barrier") in GATE_BARRIERS or "entrance" in tags) and not barrier_blocks(tags)


def _rules_by_tag() -> dict[tuple[str, str | None], list[tuple[int, tuple[str, str] | None, str]]]:
    rules: dict[tuple[str, str | None], list[tuple[int, tuple[str, str] | None, str]]] = {}
    for index, (key, value, extra, category) in enumerate(POI_TAGS):
        rules.setdefault((key, value), []).append((index, extra, category))
    return rules


#: :data:`POI_TAGS` by (key, value), each list in table order, for :func:`poi_category`.
_POI_RULES = _rules_by_tag()


def poi_category(tags: Tags) -> str | None:
    """The POI category of an object with these tags (first rule of :data:`POI_TAGS` that
    matches, found through the rules for the object's own POI tags)."""
    best: tuple[int, str] | None = None
    for key in POI_KEYS:
        if key not in tags:
            continue
        for value in (tags[key], None):
            for index, extra, category in _POI_RULES.get((key, value), ()):
                if best is not None and index > best[0]:
                    break
                if extra is None or tags.get(extra[0]) == extra[1]:
                    best = (index, category)
                    break
    return best[1] if best is not None else None


def _first_number(text: str | None) -> float | None:
    match = re.search(r"\d+(\.\d+)?", text or "")
    return float(match.group()) if match else None


def building_levels(tags: Tags) -> int:
    """Floors above ground: ``building:levels``, else ``height`` ÷ 3 m, else 1."""
    levels = _first_number(tags.get("building:levels"))
    if levels is None:
        height = _first_number(tags.get("height"))
        levels = height / METRES_PER_LEVEL if height is not None else 1.0
    return max(1, round(levels))


def is_residential(tags: Tags, *, in_non_residential_area: bool) -> bool:
    """Residential by its ``building`` value; ``building=yes`` too, unless it stands in a
    commercial, industrial… area or carries shop, office, amenity… tags."""
    value = tags.get("building", "yes")
    if value in RESIDENTIAL_BUILDINGS:
        return True
    return (
        value == "yes" and not in_non_residential_area and not (NON_RESIDENTIAL_KEYS & tags.keys())
    )


def estimate_households(area_m2: float, levels: int, *, residential: bool) -> tuple[int, int, int]:
    """(households, residents, units) estimated from the footprint, as documented above."""
    if not residential:
        return 0, 0, 1
    households = max(1, math.floor(area_m2 * levels / FLAT_AREA_M2))
    residents = round(households * PERSONS_PER_HOUSEHOLD)
    units = max(1, math.ceil(households / (levels * FLATS_PER_FLOOR_PER_UNIT)))
    return households, residents, units


def display_name(tags: Tags) -> str | None:
    """``name:zh``, ``name``, or the street address, whichever is tagged first."""
    for key in ("name:zh", "name"):
        if tags.get(key):
            return tags[key]
    street, number = tags.get("addr:street"), tags.get("addr:housenumber")
    if street and number:
        return f"{street} {number}"
    return None
