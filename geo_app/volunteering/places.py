"""Where an activity happens, resolved against the layers: a station, a 小区's square, a
building (its entrance), or a pin on the map inside the community."""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import shapely

from geo_app.formats.numbers import decimal_number
from geo_app.volunteering.activities import PLACE_KINDS, Place
from geo_app.volunteering.errors import VolunteeringError
from geo_app.walking import feature_points
from layers import Community
from layers.quoting import quoted


def squares_of(community: Community) -> dict[str, tuple[float, float]]:
    """Each 小区's 广场议事角 (a point inside its fence), or the community's square."""
    if community.compounds.empty:
        point = community.boundary.geometry.representative_point().iloc[0]
        return {"社区广场": (point.x, point.y)}
    return {
        f"{name}广场议事角": (point.x, point.y)
        for name, point in zip(
            community.compounds["name"],
            community.compounds.geometry.representative_point(),
            strict=True,
        )
    }


def resolve_place(community: Community, form: Mapping[str, str]) -> Place:
    """The place a form names: ``place_kind`` and ``place_ref``, or for a pin ``lon``,
    ``lat`` and ``place_name``."""
    kind = (form.get("place_kind") or "").strip()
    ref = (form.get("place_ref") or "").strip()
    if kind not in PLACE_KINDS:
        msg = f"请选择活动地点类型（{'、'.join(PLACE_KINDS.values())}）"
        raise VolunteeringError(msg, parameter="place_kind")
    if kind == "station":
        return _feature_place(community.stations, "station", ref, "服务站")
    if kind == "building":
        return _feature_place(community.buildings, "building", ref, "楼栋")
    if kind == "square":
        squares = squares_of(community)
        if ref not in squares:
            msg = f"广场 {quoted(ref)} 不存在（可选：{'、'.join(squares)}）"
            raise VolunteeringError(msg, parameter="place_ref")
        return Place("square", None, ref, *squares[ref])
    return _pin(community, form)


def _feature_place(frame: gpd.GeoDataFrame, kind: str, ref: str, label: str) -> Place:
    rows = np.flatnonzero(frame["id"].to_numpy() == ref)
    if not len(rows):
        msg = f"{label} {quoted(ref)} 不存在"
        raise VolunteeringError(msg, parameter="place_ref")
    row = int(rows[0])
    lon, lat = feature_points(frame.iloc[[row]])[0]
    return Place(kind, ref, str(frame["name"].iloc[row]), float(lon), float(lat))


def _pin(community: Community, form: Mapping[str, str]) -> Place:
    name = (form.get("place_name") or "").strip()
    if not name or len(name) > 64:
        msg = "地图选点须填写地点名称（不超过 64 个字）"
        raise VolunteeringError(msg, parameter="place_name")
    try:
        lon, lat = (decimal_number(form.get(axis) or "") for axis in ("lon", "lat"))
    except ValueError:
        msg = "地图选点须给出经度和纬度（数字）"
        raise VolunteeringError(msg, parameter="lon/lat") from None
    if not (np.isfinite(lon) and np.isfinite(lat)) or not shapely.intersects(
        community.boundary.union_all(), shapely.Point(lon, lat)
    ):
        msg = f"地点 ({lon}, {lat}) 不在社区范围内（经纬度是否写反了？）"
        raise VolunteeringError(msg, parameter="lon/lat")
    return Place("pin", None, name, lon, lat)
