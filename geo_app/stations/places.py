"""Find a building or 小区 by (part of) its name, to walk from it.

Names are compared after NFKC normalisation (full-width letters and digits become ASCII),
with whitespace and separators removed, case folded and 号楼/幢/座 read as 栋, so
"风格城市3栋", "风格城市 ３ 栋" and "风格城市3号楼" all find "风格城市 3栋". A 小区 is found by its
own name too. Only what the public map shows is returned: names and a point to walk from.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import geopandas as gpd
import numpy as np

from geo_app.state.cache import per_community
from layers import Community

_SEPARATORS = re.compile(r"[\s·\-_—–.,，。/()（）]+")
_BUILDING_WORDS = re.compile(r"号楼|号栋|幢|座|楼")
_NUMBER = re.compile(r"(\d+)")
MAX_QUERY_CHARS = 50


@dataclass(frozen=True)
class Place:
    """A building or a 小区 with the point to walk from (entrance, or a building of the 小区)."""

    kind: str  # "building" or "compound"
    id: str
    name: str
    compound: str
    lon: float
    lat: float


@dataclass(frozen=True)
class PlaceIndex:
    """Places with their normalised search keys, in display order, and the buildings by id
    (a QR code's ``?b=`` is looked up, not searched for)."""

    places: tuple[Place, ...]
    keys: tuple[str, ...]
    buildings: Mapping[str, Place] = field(default_factory=dict)


def normalize(text: str) -> str:
    """The search key of ``text``: NFKC, no whitespace or separators, lower case, 栋 for 号楼."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _SEPARATORS.sub("", text)
    return _BUILDING_WORDS.sub("栋", text)


def natural_key(text: str) -> tuple[tuple[int, str], ...]:
    """Sort key that puts "2栋" before "10栋"."""
    return tuple((int(part), "") if part.isdigit() else (0, part) for part in _NUMBER.split(text))


def build_place_index(buildings: gpd.GeoDataFrame, points: np.ndarray) -> PlaceIndex:
    """Index ``buildings`` (rows match ``points``, lon/lat to walk from) and their 小区."""
    rows = list(zip(buildings["id"], buildings["name"], buildings["compound"], strict=True))
    places: list[Place] = []
    keys: list[str] = []
    # rows of each 小区, grouped in one pass (a district has thousands of 小区: scanning every
    # building for each of them took 16 s for 24,576 buildings in 4,096 小区)
    members_of: dict[str, list[int]] = {}
    for i, (_, _, c) in enumerate(rows):
        members_of.setdefault(str(c), []).append(i)
    for compound in sorted(members_of, key=natural_key):
        members = members_of[compound]
        middle = points[members].mean(axis=0)
        # The member building nearest to the middle (a few hundred metres at most: degrees
        # are fine for choosing among neighbours, never for measuring).
        centre = members[int(np.argmin(((points[members] - middle) ** 2).sum(axis=1)))]
        places.append(
            Place("compound", f"compound:{compound}", compound, compound, *_lonlat(points, centre))
        )
        keys.append(normalize(compound))
    order = sorted(
        range(len(rows)), key=lambda i: (natural_key(str(rows[i][2])), natural_key(str(rows[i][1])))
    )
    for i in order:
        building_id, name, compound = (str(v) for v in rows[i])
        places.append(Place("building", building_id, name, compound, *_lonlat(points, i)))
        key = normalize(name)
        keys.append(key if normalize(compound) in key else normalize(compound) + key)
    buildings_by_id = {p.id: p for p in places if p.kind == "building"}
    return PlaceIndex(tuple(places), tuple(keys), MappingProxyType(buildings_by_id))


def _lonlat(points: np.ndarray, row: int) -> tuple[float, float]:
    return float(points[row, 0]), float(points[row, 1])


def search_places(index: PlaceIndex, query: str, *, limit: int = 20) -> list[Place]:
    """Places whose name contains ``query`` (normalised): exact, then prefix, then the rest."""
    wanted = normalize(query)
    if not wanted:
        return []
    hits = [
        (0 if key == wanted else 1 if key.startswith(wanted) else 2, position)
        for position, key in enumerate(index.keys)
        if wanted in key
    ]
    hits.sort()
    return [index.places[position] for _, position in hits[:limit]]


def current_place_index() -> PlaceIndex:
    """The place index of the running app's community (built on first use)."""

    def build(community: Community) -> PlaceIndex:
        from geo_app.walking import feature_points

        return build_place_index(community.buildings, feature_points(community.buildings))

    return per_community("place_index", build)
