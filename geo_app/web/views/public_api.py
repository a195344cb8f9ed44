"""The public JSON API (used by the resident page; a WeChat mini-program could use it too).

Thin HTTP layer: validate the query against the declared parameters (the same declarations
build ``/api/openapi.json``), call :mod:`geo_app.stations.finder` or
:mod:`geo_app.stations.places`, and return JSON. Bad input answers 400 with
``{"error": ..., "parameter": ...}`` (:mod:`geo_app.web.errors`); unknown routes and methods
under ``/api/`` answer JSON too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response, current_app, jsonify

from geo_app.state.clock import now
from geo_app.stations.finder import (
    ClosedNearer,
    NearestAnswer,
    NearestQuery,
    StationOffer,
    StationState,
    current_station_index,
    find_nearest,
    station_states,
)
from geo_app.stations.levels import get_stock_levels
from geo_app.stations.places import MAX_QUERY_CHARS, Place, current_place_index, search_places
from geo_app.web.access import public
from geo_app.web.errors import ApiError
from geo_app.web.openapi import (
    ITEM_CHOICES,
    Operation,
    QueryParameter,
    build_document,
    documented,
    parse_query,
)
from layers.schema import ITEM_LABELS, STATION_KINDS

bp = Blueprint("public_api", __name__, url_prefix="/api")

MAX_RESULTS = 10
COORDINATE_DECIMALS = 6  # about 0.1 m


def _coordinate(name: str, word: str, *, limit: int, example: float) -> QueryParameter:
    """The required ``lon`` or ``lat`` (``word``) of the caller's position: WGS84 degrees
    within ±``limit``, out of range with a hint that the two may be swapped."""
    return QueryParameter(
        name,
        f"所在位置的{word}（WGS84，度），如 {example}",
        {"type": "number", "minimum": -limit, "maximum": limit},
        required=True,
        example=example,
        range_hint="（经纬度是否写反了？lon 是经度，lat 是纬度）",
    )


LON = _coordinate("lon", "经度", limit=180, example=117.26)
LAT = _coordinate("lat", "纬度", limit=90, example=31.96)
ITEM = QueryParameter(
    "item",
    "要借用的物资代码；any 或不填表示任意站点。"
    + "、".join(f"{k}={v}" for k, v in ITEM_CHOICES.items()),
    {"type": "string", "enum": list(ITEM_CHOICES), "default": "any"},
    example="umbrella",
    choice_labels=ITEM_CHOICES,
)
KIND = QueryParameter(
    "kind",
    "只找某类站点：" + "、".join(f"{k}={v}" for k, v in STATION_KINDS.items()) + "；不填为全部",
    {"type": "string", "enum": list(STATION_KINDS)},
    example="rest_post",
    choice_labels=STATION_KINDS,
)
K = QueryParameter(
    "k",
    f"最多返回几个站点（1 至 {MAX_RESULTS}）",
    {"type": "integer", "minimum": 1, "maximum": MAX_RESULTS, "default": 3},
    example=3,
)
SPEED = QueryParameter(
    "speed",
    "步行速度（千米/小时），默认 4；长者可用 3",
    {"type": "number", "minimum": 1, "maximum": 8},
    example=3,
)
QUERY = QueryParameter(
    "q",
    "楼栋或小区名称的一部分，如 风格城市 3栋（不区分全角半角，忽略空格）",
    {"type": "string", "minLength": 1, "maxLength": MAX_QUERY_CHARS},
    required=True,
    example="风格城市 3栋",
)

NEAREST = Operation(
    "nearest",
    "离我最近、现在有某物资的服务站",
    "沿步行路网找最近的站点：只给出有货且现在开放（或今天稍后开放，opens_later_today 注明时间）"
    "的站点，现在开放的在前；有货但现在关门、步行更近的站点在 closed_nearer 中注明何时开门。"
    "搜索范围为步行 max_distance_m 米（默认 2000 米，配置 "
    "NEAREST_MAX_DISTANCE_M）；没有结果时 message 说明原因。位置离步行路网超过 MAX_ATTACH_M "
    "（默认 300 米）时返回 400，parameter 为 lon/lat。",
    "NearestAnswer",
    (LON, LAT, ITEM, KIND, K, SPEED),
)
STATIONS = Operation(
    "stations",
    "全部服务站及其开放状态与库存",
    "党群服务站和歇歇角：位置、开放时间、现在是否开放、当前库存与联系电话（不含个人信息）。",
    "StationList",
)
BUILDINGS = Operation(
    "buildings",
    "按名称查找楼栋或小区",
    "名称包含 q 的小区与楼栋（最多 20 个），及其步行出发点（出入口或楼栋中心）。",
    "PlaceList",
    (QUERY,),
)
OPENAPI = Operation(
    "openapi",
    "本接口的 OpenAPI 3.1 文档",
    "描述全部公共接口及参数。",
    "OpenApiDocument",
)


# ---------------------------------------------------------------- routes


@bp.get("/nearest")
@public
@documented(NEAREST)
def nearest() -> Response:
    from geo_app.walking import PointTooFarError

    args = parse_query(NEAREST.parameters)
    item = None if args["item"] in (None, "any") else args["item"]
    config = current_app.config
    query = NearestQuery(
        item=item,
        kind=args["kind"],
        k=int(args["k"]),
        speed_kmh=float(args["speed"] or config["WALK_SPEED_KMH"]),
        max_distance_m=float(config["NEAREST_MAX_DISTANCE_M"]),
        max_attach_m=float(config["MAX_ATTACH_M"]),
    )
    moment = now()
    origin = (float(args["lon"]), float(args["lat"]))
    try:
        answer = find_nearest(
            current_station_index(), origin, query, moment=moment, stock=get_stock_levels()
        )
    except PointTooFarError as exc:
        raise ApiError(
            "lon/lat",
            f"该位置离最近的步行道路约 {exc.distance_m:.0f} 米，超过 {exc.limit_m:.0f} 米，"
            "不在社区步行网络范围内，请在社区地图上重新选择位置",
            distance_m=round(float(exc.distance_m), 1),
            limit_m=float(exc.limit_m),
        ) from None
    return jsonify(_nearest_json(answer, query, moment))


@bp.get("/stations")
@public
@documented(STATIONS)
def stations() -> Response:
    parse_query(STATIONS.parameters)
    moment = now()
    states = station_states(current_station_index(), moment=moment, stock=get_stock_levels())
    counts = {item: sum(item in s.stock for s in states) for item in ITEM_LABELS}
    return jsonify(
        time=moment.isoformat(),
        stations=[_station_json(s) for s in states],
        items=[
            {"item": item, "label": ITEM_LABELS[item], "stations": n}
            for item, n in counts.items()
            if n > 0
        ],
    )


@bp.get("/buildings")
@public
@documented(BUILDINGS)
def buildings() -> Response:
    args = parse_query(BUILDINGS.parameters)
    places = search_places(current_place_index(), args["q"])
    return jsonify(query=args["q"], places=[_place_json(p) for p in places])


@bp.get("/openapi.json")
@public
@documented(OPENAPI)
def openapi() -> Response:
    parse_query(OPENAPI.parameters)
    return jsonify(build_document(current_app))


# ---------------------------------------------------------------- JSON shapes


def _station_json(state: StationState) -> dict[str, Any]:
    station, status = state.station, state.status
    return {
        "station_id": station.station_id,
        "name": station.name,
        "kind": station.kind,
        "kind_label": STATION_KINDS.get(station.kind, station.kind),
        "lon": round(station.lon, COORDINATE_DECIMALS),
        "lat": round(station.lat, COORDINATE_DECIMALS),
        "open_now": status.open_now,
        "opens_later_today": status.opens_later_today,
        "closes_at": status.closes_at,
        "hours_known": status.known,
        "hours": station.hours_text,
        "hours_today": state.today,
        "contact": station.contact,
        "address": station.address,
        "items": state.stock,
    }


def _offer_json(offer: StationOffer, item: str | None) -> dict[str, Any]:
    coordinates = [
        [round(x, COORDINATE_DECIMALS), round(y, COORDINATE_DECIMALS)]
        for x, y in offer.route.coords
    ]
    return {
        **_station_json(offer.station),
        "distance_m": round(offer.distance_m),
        "minutes": round(offer.minutes, 1),
        "stock": offer.station.stock.get(item) if item else None,
        "route": {"type": "LineString", "coordinates": coordinates},
    }


def _nearest_json(answer: NearestAnswer, query: NearestQuery, moment: datetime) -> dict[str, Any]:
    return {
        "origin": {"lon": answer.origin[0], "lat": answer.origin[1]},
        "access_m": round(answer.access_m, 1),
        "item": query.item,
        "item_label": ITEM_LABELS[query.item] if query.item else None,
        "kind": query.kind,
        "k": query.k,
        "speed_kmh": query.speed_kmh,
        "max_distance_m": query.max_distance_m,
        "time": moment.isoformat(),
        "results": [_offer_json(o, query.item) for o in answer.offers],
        "message": answer.message,
        "closed_nearer": _closed_nearer_json(answer.closed_nearer),
    }


def _closed_nearer_json(closed: ClosedNearer | None) -> dict[str, Any] | None:
    if closed is None:
        return None
    station = closed.offer.station.station
    return {
        "station_id": station.station_id,
        "name": station.name,
        "lon": round(station.lon, COORDINATE_DECIMALS),
        "lat": round(station.lat, COORDINATE_DECIMALS),
        "distance_m": round(closed.offer.distance_m),
        "minutes": round(closed.offer.minutes, 1),
        "opens": closed.opens,
        "text": closed.text,
    }


def _place_json(place: Place) -> dict[str, Any]:
    return {
        "kind": place.kind,
        "id": place.id,
        "name": place.name,
        "compound": place.compound,
        "lon": round(place.lon, COORDINATE_DECIMALS),
        "lat": round(place.lat, COORDINATE_DECIMALS),
    }
