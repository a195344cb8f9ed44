"""What the 微协商 pages and JSON API share: configuration, the community's indexes, routing a
submission, the walking reach, rate limits and the caller's scope.

Indexes (grids, buildings, map layers) are built once per loaded community
(:func:`~geo_app.state.cache.per_community`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from flask import current_app, g

from geo_app.auth.limits import POSTING, POSTING_DEVICE, client_address, count_post, counters
from geo_app.governance.heat import PathIndex, path_index
from geo_app.governance.reach import Reach, walk_reach
from geo_app.governance.routing import (
    BuildingIndex,
    GridIndex,
    building_at,
    building_index,
    grid_index,
    route_point,
)
from geo_app.governance.sample import SampleCounts, seed_governance
from geo_app.maps.base import feature_collection
from geo_app.state.cache import per_community
from geo_app.state.community import get_community, get_state
from geo_app.store.roles import ADMIN, BUILDING_ROLES
from geo_app.walking import feature_points
from geo_app.web.access import building_grids, visible_building_ids
from geo_app.web.device import device_hash
from geo_app.web.errors import ApiError
from layers import Community
from layers.quoting import quoted

PHOTO_FOLDER = "view_photos"


def categories() -> dict[str, dict[str, Any]]:
    """Category code → {label, due_hours} (config ``VIEW_CATEGORIES``)."""
    return current_app.config["VIEW_CATEGORIES"]


def category_labels() -> dict[str, str]:
    return {code: spec["label"] for code, spec in categories().items()}


def text_limits() -> dict[str, int]:
    config = current_app.config
    return {
        "min_chars": int(config["VIEW_TEXT_MIN_CHARS"]),
        "max_chars": int(config["VIEW_TEXT_MAX_CHARS"]),
        "name_chars": int(config["VIEW_NAME_MAX_CHARS"]),
    }


def photo_folder() -> Path:
    """Config ``VIEW_PHOTO_DIR``, else ``view_photos`` in the instance folder."""
    configured = current_app.config.get("VIEW_PHOTO_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / PHOTO_FOLDER


# ---------------------------------------------------------------- the community, indexed


@dataclass(frozen=True, eq=False)
class Places:
    """The community's grids, buildings and paths, indexed for routing, the maps and the
    heat map."""

    grids: GridIndex
    buildings: BuildingIndex
    paths: PathIndex
    building_ids: tuple[str, ...]
    building_points: np.ndarray
    building_names: dict[str, str]
    grid_names: dict[str, str]
    grids_geojson: dict[str, Any]
    buildings_geojson: dict[str, Any]


def _build_places(community: Community) -> Places:
    buildings, grids = community.buildings, community.grids
    ids = tuple(str(b) for b in buildings["id"])
    return Places(
        grids=grid_index(grids),
        buildings=building_index(buildings),
        paths=path_index(community.paths),
        building_ids=ids,
        building_points=feature_points(buildings),
        building_names=dict(zip(ids, (str(n) for n in buildings["name"]), strict=True)),
        grid_names={str(i): str(n) for i, n in zip(grids["id"], grids["name"], strict=True)},
        grids_geojson=feature_collection(grids[["id", "name", "geometry"]], "grids"),
        buildings_geojson=feature_collection(buildings[["id", "name", "geometry"]], "buildings"),
    )


def places() -> Places:
    return per_community("governance.places", _build_places)


def known_grids() -> set[str]:
    return set(places().grid_names)


@dataclass(frozen=True)
class Routed:
    """Where a submission goes: its point, grid and building."""

    lon: float
    lat: float
    grid_id: str
    building_id: str | None


def route_submission(lon: float | None, lat: float | None, building_id: str | None) -> Routed:
    """The grid (and building) of a view: the chosen building's grid, else the pin's grid."""
    index = places()
    if building_id:
        if building_id not in index.building_names:
            raise ApiError("building_id", f"没有编号为 {building_id} 的楼栋")
        grid = building_grids().get(building_id)
        if grid is None:
            raise ApiError("building_id", f"楼栋 {building_id} 不属于任何网格")
        if lon is None or lat is None:
            row = index.building_ids.index(building_id)
            lon, lat = (float(c) for c in index.building_points[row])
        return Routed(float(lon), float(lat), grid, building_id)
    if lon is None or lat is None:
        raise ApiError("lon/lat", "请在地图上选择位置（lon、lat），或选择楼栋（building_id）")
    grid = route_point(index.grids, lon, lat)
    if grid is None:
        raise ApiError(
            "lon/lat",
            f"位置 ({lon:.6f}, {lat:.6f}) 不在本社区任何网格内，请在社区范围内重新选点"
            "（lon 是经度，lat 是纬度）",
        )
    snap = float(current_app.config["VIEW_BUILDING_SNAP_M"])
    return Routed(lon, lat, grid, building_at(index.buildings, lon, lat, snap_m=snap))


def item_reach(place: tuple[float, float]) -> Reach:
    """Buildings within ``ITEM_WALK_RADIUS_M`` walk of ``place`` (the walking engine)."""
    index = places()
    config = current_app.config
    return walk_reach(
        get_state().walk_network, place, index.building_ids, index.building_points,
        radius_m=float(config["ITEM_WALK_RADIUS_M"]), max_attach_m=float(config["MAX_ATTACH_M"]),
    )


def reach_radius() -> float:
    return float(current_app.config["ITEM_WALK_RADIUS_M"])


# ---------------------------------------------------------------- callers and limits


def own_buildings() -> frozenset[str]:
    """The building roles' buildings (what a 楼栋党员 or 业主代表 sees views of)."""
    user = g.get("user")
    if user is None or user.role not in BUILDING_ROLES:
        return frozenset()
    return visible_building_ids()


def staff_grids() -> list[str]:
    """The grids whose views, meetings and items the caller handles."""
    user = g.get("user")
    if user is None:
        return []
    if user.role == ADMIN:
        return sorted(places().grid_names)
    return [user.grid_id] if user.grid_id else []


def count_public_post() -> None:
    """Count one public submission (views, photos and +1s share the budgets) for the device
    (``VIEW_DEVICE_RATE_LIMIT``, the tight one; a request without the signed cookie is a new
    device, whose cookie the answer sets) and for the client's address (``VIEW_RATE_LIMIT``:
    generous, since a mobile carrier puts many residents behind one address; it stops floods,
    and a client that throws its cookies away still meets it). Past either → 429, and nothing
    is counted."""
    count_post([
        *counters("VIEW_DEVICE_RATE_LIMIT", ("public-posts-of", device_hash()), POSTING_DEVICE),
        *counters("VIEW_RATE_LIMIT", ("public-posts-from", client_address()), POSTING),
    ])


def parse_moment(text: str, *, parameter: str, tz: Any) -> datetime:
    """A local date-time as typed (``2024-05-01T19:30`` or ``2024-05-01 19:30``), aware."""
    try:
        moment = datetime.fromisoformat(text.strip().replace(" ", "T"))
    except ValueError:
        msg = f"{parameter} 应为日期时间，如 2024-05-01T19:30，实际为 {quoted(text)}"
        raise ApiError(parameter, msg) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def stations_of(grid_ids: list[str]) -> list[dict[str, Any]]:
    """The stations of ``grid_ids`` as meeting places (name, lon, lat)."""
    stations = get_community().stations
    chosen = stations[stations["grid_id"].isin(grid_ids)]
    return [
        {"key": f"station:{s.id}", "name": str(s.name), "lon": float(s.geometry.x),
         "lat": float(s.geometry.y)}
        for s in chosen.itertuples()
    ]


def grid_names() -> Mapping[str, str]:
    return places().grid_names


def seed_sample() -> SampleCounts | None:
    """Seed the invented 微协商 sample of 风格城市 into the store (see
    :mod:`geo_app.governance.sample`); ``None`` when there is nothing to do."""
    from geo_app.store import get_store

    config = current_app.config
    with get_store().write() as db:
        return seed_governance(
            db, get_community(), building_grids=building_grids(), categories=categories(),
            budget_sources=list(config["ITEM_BUDGET_SOURCES"]), limits=text_limits(),
            reach=item_reach, radius_m=reach_radius(),
        )
