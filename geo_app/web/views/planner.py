"""The planners' page: coverage, 应设尽设 rules, the 15-minute circle and siting, with downloads.

Aggregate planning data only (no personal data), so every view is public.
"""

from __future__ import annotations

import json
import time

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from geo_app.auth.limits import count_new_report
from geo_app.maps.base import render_map_parts
from geo_app.maps.planner import build_planner_map
from geo_app.planning.chart import coverage_chart
from geo_app.planning.export import grid_rows, report_geojson, to_csv, uncovered_rows
from geo_app.planning.report import PlannerReport
from geo_app.planning.service import (
    current_isochrones,
    current_map_parts,
    current_report,
    current_settings,
)
from geo_app.planning.settings import validate_k, validate_threshold
from geo_app.state.community import get_community
from geo_app.web.access import public
from layers.schema import BASIC_CATEGORIES, ITEM_LABELS, STATION_KINDS

bp = Blueprint("planner", __name__, url_prefix="/planner")


def _parameters() -> tuple[float, int]:
    settings = current_settings()
    raw_threshold = request.args.get("threshold", "").strip()
    raw_k = request.args.get("k", "").strip()
    threshold = (
        validate_threshold(raw_threshold) if raw_threshold
        else float(current_app.config["DEFAULT_THRESHOLD_M"])
    )
    k = validate_k(raw_k) if raw_k else settings.siting_k
    return normalised_threshold(threshold), k


def normalised_threshold(metres: float) -> float:
    """``metres`` rounded to ``THRESHOLD_STEP_M`` (10 m): 503.7 and 497 share one report, so a
    visitor cannot make a new report per decimal."""
    step = float(current_app.config["THRESHOLD_STEP_M"])
    return float(round(metres / step) * step)


def _report() -> PlannerReport:
    threshold, k = _parameters()
    return current_report(threshold_m=threshold, k=k, before_build=count_new_report)


@bp.get("")
@public
def page() -> str:
    """规划分析：覆盖、应设尽设、15 分钟生活圈与新增站点选址。"""
    started = time.perf_counter()
    settings = current_settings()
    report = _report()
    config = current_app.config
    map_parts = current_map_parts(
        report,
        (request.script_root, config["BASEMAP"], config["TIANDITU_KEY"]),
        lambda: render_map_parts(
            build_planner_map(
                get_community(), report, current_isochrones(),
                basemap=config["BASEMAP"], tianditu_key=config["TIANDITU_KEY"],
            )
        ),
    )
    chart = coverage_chart(report.curve, marks=settings.thresholds_m, current=report.threshold_m)
    return render_template(
        "planner.html",
        map=map_parts,
        report=report,
        data=report.as_dict(),
        chart=chart,
        settings=settings,
        args={"threshold": f"{report.threshold_m:g}", "k": report.siting.k},
        basic_categories=BASIC_CATEGORIES,
        station_kinds=STATION_KINDS,
        item_labels=ITEM_LABELS,
        seconds=time.perf_counter() - started,
    )


@bp.get("/report.json")
@public
def report_json() -> Response:
    """The whole report as JSON (same as ``geo-app coverage --format json``)."""
    return jsonify(_report().as_dict())


@bp.get("/grids.csv")
@public
def grids_csv() -> Response:
    """Per-grid coverage, walk and buffer side by side."""
    report = _report()
    return _download(to_csv(grid_rows(report.stations)), "text/csv",
                     f"grid_coverage_{report.threshold_m:g}m.csv")


@bp.get("/uncovered.csv")
@public
def uncovered_csv() -> Response:
    """Buildings beyond the threshold of every 党群服务站 on foot."""
    report = _report()
    rows = uncovered_rows(report.stations)
    columns = ["building_id", "name", "grid_id", "households", "residents", "distance_m",
               "buffer_distance_m", "threshold_m", "buffer_counts_covered"]
    return _download(to_csv(rows, columns), "text/csv",
                     f"uncovered_buildings_{report.threshold_m:g}m.csv")


@bp.get("/report.geojson")
@public
def report_geojson_download() -> Response:
    """Uncovered buildings, grids with their figures and the proposed sites as GeoJSON."""
    report = _report()
    text = json.dumps(report_geojson(report, get_community()), ensure_ascii=False)
    return _download(text, "application/geo+json", f"planning_{report.threshold_m:g}m.geojson")


def _download(text: str, mimetype: str, filename: str) -> Response:
    response = Response(text, mimetype=f"{mimetype}; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
