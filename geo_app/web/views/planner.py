"""The planners' page: coverage, 应设尽设, the 15-minute circle, proposed sites and "what if".

Aggregate planning data only (no personal data), so every view is public. Proposed sites are
named (:mod:`geo_app.planning.places`) and carry what each adds; a planner tries a station of
their own with ``/planner/whatif.json`` (:mod:`geo_app.planning.whatif`), computed once per
(rounded) point in the per-community cache.

The page carries no map data: its map script (``/planner/map.js``) and the map's big layers
(``/planner/layers.json``, drawn by ``static/map_layers.js``) are separate, cacheable answers
of the same report.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for

from geo_app.auth.limits import count_new_report
from geo_app.maps.base import MapParts, render_map_parts
from geo_app.maps.delivery import external_script_parts, map_script_response, revalidated
from geo_app.maps.planner import (
    build_planner_map,
    legend_entries,
    planner_layer_data,
    print_map_svg,
    target_level,
)
from geo_app.planning import published
from geo_app.planning.chart import coverage_chart
from geo_app.planning.errors import BadParameterError
from geo_app.planning.export import (
    GRID_COLUMNS,
    UNCOVERED_COLUMNS,
    grid_rows,
    report_geojson,
    table_csv,
    uncovered_rows,
)
from geo_app.planning.places import PlaceNamer
from geo_app.planning.report import PARTY, PlannerReport
from geo_app.planning.service import (
    current_distances,
    current_isochrones,
    current_map_layers,
    current_map_parts,
    current_report,
    current_settings,
)
from geo_app.planning.settings import validate_k, validate_threshold
from geo_app.planning.whatif import what_if
from geo_app.state.cache import per_community
from geo_app.state.community import get_community, get_state
from geo_app.stations.levels import get_stock_levels, levels_key
from geo_app.web.access import public
from geo_app.web.errors import ApiError, back_within_site
from geo_app.web.openapi import QueryParameter, documented, parse_query, refuse_unknown
from geo_app.web.planner_schema import REPORT_OPERATION, REPORT_PARAMETERS
from layers import Community
from layers.schema import BASIC_CATEGORIES, ITEM_LABELS, QUALITY_CATEGORIES, STATION_KINDS

bp = Blueprint("planner", __name__, url_prefix="/planner")

#: The answers of the siting report whose sites are named and measured.
SITE_ANSWERS = (("maximal_covering", "exact"), ("maximal_covering", "greedy"),
                ("set_covering", "exact"), ("set_covering", "greedy"))

WHATIF_PARAMETERS = (
    QueryParameter("lon", "假设站点的经度（WGS84）", {"type": "number", "minimum": -180,
                                                 "maximum": 180}, required=True),
    QueryParameter("lat", "假设站点的纬度（WGS84）", {"type": "number", "minimum": -90,
                                                 "maximum": 90}, required=True),
    QueryParameter("threshold", "步行距离（米），默认 500", {"type": "number", "minimum": 50,
                                                     "maximum": 5000}),
    QueryParameter("kind", "站点类型", {"type": "string", "enum": list(STATION_KINDS)},
                   choice_labels=STATION_KINDS),
)


def _threshold() -> float:
    raw = request.args.get("threshold", "").strip()
    threshold = (validate_threshold(raw, label="步行距离") if raw
                 else float(current_app.config["DEFAULT_THRESHOLD_M"]))
    return normalised_threshold(threshold)


def _k() -> int:
    raw = request.args.get("k", "").strip()
    return validate_k(raw, label="建议新增站点数") if raw else current_settings().siting_k


def _parameters() -> tuple[float, int]:
    return _threshold(), _k()


def normalised_threshold(metres: float) -> float:
    """``metres`` rounded to ``THRESHOLD_STEP_M`` (10 m): 503.7 and 497 share one report, so a
    visitor cannot make a new report per decimal."""
    step = float(current_app.config["THRESHOLD_STEP_M"])
    return float(round(metres / step) * step)


def _report(parameters: tuple[float, int] | None = None) -> PlannerReport:
    threshold, k = parameters or _parameters()
    return current_report(threshold_m=threshold, k=k, before_build=count_new_report)


def _refused_form() -> tuple[str, int]:
    """The parameters form alone (400): what was typed kept, each refused parameter's message
    next to its field, and a link to the default analysis — no report."""
    errors: dict[str, str] = {}
    for name, read in (("threshold", _threshold), ("k", _k)):
        try:
            read()
        except (BadParameterError, ApiError) as error:
            errors[name] = str(error)
    settings = current_settings()
    typed = {name: request.args.get(name, "").strip() for name in ("threshold", "k")}
    page = render_template(
        "planner_refused.html", errors=errors, settings=settings,
        args=typed, quick_k=settings.siting_k if "k" in errors or not typed["k"] else typed["k"],
        default_threshold=float(current_app.config["DEFAULT_THRESHOLD_M"]),
        back=back_within_site(),
    )
    return page, 400


def coverage_targets() -> tuple[float, ...]:
    """The configured targets (shares, ascending), checked."""
    return published.coverage_targets(current_app.config["COVERAGE_TARGETS"])


def _namer() -> PlaceNamer:
    return per_community(
        ("planning.places",), lambda c: PlaceNamer(c, crs=get_state().walk_network.crs)
    )


def _named_sites(report: PlannerReport) -> published.NamedSites:
    """Each answer's sites with ``near`` and ``gain``, once per report parameters."""
    settings = current_settings()

    def build(community: Community) -> published.NamedSites:
        return published.name_sites(report, community, _namer())

    return per_community(("planning.sites", report.threshold_m, report.siting.k, settings), build)


def _shown(report: PlannerReport, problem: str) -> str:
    return published.shown_method(report, problem)


def report_data(report: PlannerReport) -> dict[str, Any]:
    """The report as JSON, with named sites and the targets (as ``geo-app coverage`` gives)."""
    return published.report_data(report, _named_sites(report), coverage_targets())


@bp.get("")
@public
def page() -> str | tuple[str, int]:
    """规划分析：步行范围内的居民、应设尽设、15 分钟生活圈、建议新增站点与“假如在这里设站”。

    A refused parameter answers 400 with the form alone (:func:`_refused_form`); the JSON and
    CSV routes keep the one JSON error answer (:mod:`geo_app.web.errors`)."""
    started = time.perf_counter()
    settings = current_settings()
    try:
        parameters = _parameters()
    except (BadParameterError, ApiError):
        return _refused_form()
    report = _report(parameters)
    map_parts = _map_parts(report)
    chart = coverage_chart(report.curve, marks=settings.thresholds_m, current=report.threshold_m)
    return render_template(
        "planner.html",
        map=map_parts,
        report=report,
        data=report_data(report),
        chart=chart,
        settings=settings,
        targets=coverage_targets(),
        level=lambda share: target_level(share, coverage_targets()),
        grid_names=_grid_names(),
        feature_name=_feature_namer(),
        args={"threshold": f"{report.threshold_m:g}", "k": report.siting.k},
        uncovered_rows=settings.uncovered_rows,
        # the grades count both classes (提升型 needs 养老服务 and 托育服务, 品质型 4 quality ones)
        circle_categories=(("基本保障类", BASIC_CATEGORIES), ("品质提升类", QUALITY_CATEGORIES)),
        station_kinds=STATION_KINDS,
        item_labels=ITEM_LABELS,
        legend=legend_entries(report.threshold_m),
        layers_url=url_for(".map_layers", threshold=f"{report.threshold_m:g}", k=report.siting.k),
        seconds=time.perf_counter() - started,
    )


def _map_parts(report: PlannerReport) -> MapParts:
    """The page's map of ``report`` (no inline script: its script is ``/planner/map.js``)."""
    config = current_app.config
    sites = _named_sites(report)
    return current_map_parts(
        report,
        (request.script_root, config["BASEMAP"], config["TIANDITU_KEY"]),
        lambda: external_script_parts(render_map_parts(
            build_planner_map(
                get_community(), report,
                sites=sites[("maximal_covering", _shown(report, "maximal_covering"))],
                targets=coverage_targets(),
                basemap=config["BASEMAP"], tianditu_key=config["TIANDITU_KEY"],
            )
        )),
    )


@bp.get("/map.js")
@public
def map_script() -> Response:
    """规划地图的脚本（与页面分开提供：页面没有内联脚本）。"""
    return map_script_response(_map_parts(_report()))


@bp.get("/layers.json")
@public
def map_layers() -> Response:
    """规划地图的大图层（路网、楼栋覆盖、生活圈缺项、各站点步行范围），由 map_layers.js 绘制。"""
    report = _report()
    covering = _named_sites(report)[("set_covering", _shown(report, "set_covering"))]
    body = current_map_layers(report, lambda: json.dumps(
        planner_layer_data(get_community(), report, current_isochrones(),
                           covering_sites=covering),
        ensure_ascii=False, separators=(",", ":"),
    ).encode("utf-8"))
    return revalidated(body, "application/json")


def _grid_names() -> dict[str, str]:
    grids = get_community().grids
    return dict(zip(grids["id"], grids["name"], strict=True))


def _feature_namer() -> Callable[[str, str], str]:
    """``name(layer, id)``: a feature's name, with its code in brackets (the rules' lists)."""
    community = get_community()
    names = {
        layer: dict(zip(frame["id"], frame["name"], strict=True))
        for layer, frame in (("grids", community.grids), ("stations", community.stations),
                             ("buildings", community.buildings),
                             ("boundary", community.boundary))
    }

    def name(layer: str, feature_id: str) -> str:
        found = names.get(layer, {}).get(feature_id)
        return f"{found}（{feature_id}）" if found else feature_id

    return name


#: What one A4 sheet holds besides the map and the key figures: grid rows and listed sites
#: (measured in Chromium's print layout; tests/test_qa_plan2_print.py prints 64 grids, k = 50).
PRINT_GRID_ROWS = 10
PRINT_SITES = 6


def _printed_grids(data: dict[str, Any]) -> tuple[list[tuple[dict[str, Any], Any]], int]:
    """The grid rows of the printed sheet with their 生活圈 figures, and how many are left out:
    every grid when they fit, else the :data:`PRINT_GRID_ROWS` with the lowest share of
    residents within reach (the ones a meeting talks about), lowest first."""
    rows = list(zip(data["grids"], data["circle"]["grids"], strict=True))
    if len(rows) <= PRINT_GRID_ROWS:
        return rows, 0

    def share(row: tuple[dict[str, Any], Any]) -> float:
        value = row[0]["network"]["residents_share"]
        return 2.0 if value is None or value != value else float(value)  # no residents: last

    return sorted(rows, key=share)[:PRINT_GRID_ROWS], len(rows) - PRINT_GRID_ROWS


@bp.get("/print")
@public
def print_page() -> str:
    """一页 A4 打印版：全部结论、地图与建议站点，供社区开会用（网格多时列覆盖率最低的几个）。"""
    report = _report()
    data = report_data(report)
    sites = data["siting"]["maximal_covering"]["exact"]["sites"]
    grid_rows, more_grids = _printed_grids(data)
    svg = per_community(
        ("planning.print_map", report.threshold_m, report.siting.k, current_settings(),
         coverage_targets()),
        lambda community: print_map_svg(
            community, report, sites, crs=get_state().walk_network.crs,
            targets=coverage_targets(),
        ),
    )
    return render_template(
        "planner_print.html", data=data, report=report, svg=svg, settings=current_settings(),
        grid_rows=grid_rows, more_grids=more_grids, sites=sites[:PRINT_SITES],
        more_sites=max(len(sites) - PRINT_SITES, 0),
        targets=coverage_targets(), grid_names=_grid_names(), feature_name=_feature_namer(),
        level=lambda share: target_level(share, coverage_targets()),
        args={"threshold": f"{report.threshold_m:g}", "k": report.siting.k},
    )


@bp.get("/report.json")
@public
@documented(REPORT_OPERATION)
def report_json() -> Response:
    """The whole report as JSON; each proposed site has ``lon``, ``lat``, ``near``, ``gain``."""
    refuse_unknown(REPORT_PARAMETERS)
    return jsonify(report_data(_report()))


@bp.get("/whatif.json")
@public
def whatif_json() -> Response:
    """假如在这里设站：覆盖、应设尽设与 15 分钟生活圈按加上该站重新计算（不改动任何数据）。"""
    args = parse_query(WHATIF_PARAMETERS)
    decimals = int(current_app.config["WHATIF_DECIMALS"])
    lon, lat = round(float(args["lon"]), decimals), round(float(args["lat"]), decimals)
    threshold = (
        validate_threshold(args["threshold"]) if args["threshold"] is not None
        else float(current_app.config["DEFAULT_THRESHOLD_M"])
    )
    kind = args["kind"] or PARTY
    settings = current_settings()
    stock = get_stock_levels()

    def build(community: Community) -> dict[str, Any]:
        result = what_if(
            community, get_state().walk_network, current_distances(), settings, _namer(),
            lon=lon, lat=lat, threshold_m=threshold, kind=kind, stock=stock,
        )
        return {**result.as_dict(), "targets": list(coverage_targets())}

    key = ("planning.whatif", lon, lat, threshold, kind, settings, levels_key(stock))
    return jsonify(per_community(key, build))


@bp.get("/grids.csv")
@public
def grids_csv() -> Response:
    """分网格覆盖：步行与直线距离并列（中文表头，百分比）。"""
    report = _report()
    return _download(table_csv(grid_rows(report.stations), GRID_COLUMNS), "text/csv",
                     f"grid_coverage_{report.threshold_m:g}m.csv")


@bp.get("/uncovered.csv")
@public
def uncovered_csv() -> Response:
    """步行超出范围的楼栋（中文表头，是/否）。"""
    report = _report()
    rows = uncovered_rows(report.stations, grid_names=_grid_names())
    return _download(table_csv(rows, UNCOVERED_COLUMNS), "text/csv",
                     f"uncovered_buildings_{report.threshold_m:g}m.csv")


@bp.get("/report.geojson")
@public
def report_geojson_download() -> Response:
    """Uncovered buildings, grids with their figures and the proposed sites as GeoJSON."""
    report = _report()
    collection = report_geojson(report, get_community())
    _name_site_features(collection["features"], _named_sites(report))
    text = json.dumps(collection, ensure_ascii=False)
    return _download(text, "application/geo+json", f"planning_{report.threshold_m:g}m.geojson")


def _name_site_features(
    features: Sequence[dict[str, Any]], sites: dict[tuple[str, str], list[dict[str, Any]]]
) -> None:
    """Add ``near`` and the residents gained to the proposed-site features."""
    by_point = {
        (problem, round(s["lon"], 7), round(s["lat"], 7)): s
        for (problem, method), named in sites.items() if method == "exact" for s in named
    }
    for feature in features:
        props = feature["properties"]
        if props.get("feature") != "proposed_site":
            continue
        lon, lat = feature["geometry"]["coordinates"]
        site = by_point.get((props["problem"], round(lon, 7), round(lat, 7)))
        if site is not None:
            props["near"] = site["near"]
            props["gain_residents"] = (site["gain"] or {}).get("residents")


def _download(text: str, mimetype: str, filename: str) -> Response:
    # content_type, not mimetype: Flask appends its own charset to a text/* mimetype, which
    # gave "text/csv; charset=utf-8; charset=utf-8"
    response = Response(text, content_type=f"{mimetype}; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
