"""The report as downloads: per-grid and uncovered-building CSV, and GeoJSON for a GIS.

The CSVs are for people: Chinese headers, grid names first (codes in a second column), shares
as percentages and yes/no as 是/否. The GeoJSON keeps machine-readable keys for a GIS.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from shapely.geometry import mapping

from geo_app.formats.csv_text import csv_text
from geo_app.planning.coverage import CoverageReport, Figures
from geo_app.planning.report import PlannerReport
from layers import Community

FIGURE_COLUMNS = ("buildings", "buildings_covered", "households", "households_covered",
                  "residents", "residents_covered")


def grid_rows(coverage: CoverageReport) -> list[dict[str, object]]:
    """One row per grid and one for the whole community: walk and buffer figures side by side."""
    rows = [_grid_row(g.grid_id, g.name, g.network, g.buffer) for g in coverage.grids]
    # the total row: no code (a planner in Excel reads 全社区, an English code among grid codes)
    rows.append(_grid_row("", "全社区", coverage.network, coverage.buffer))
    return rows


def _grid_row(grid_id: str, name: str, walk: Figures, line: Figures) -> dict[str, object]:
    row: dict[str, object] = {"grid_id": grid_id, "name": name}
    for prefix, figures in (("network", walk), ("buffer", line)):
        values = figures.as_dict()
        for column in (*FIGURE_COLUMNS, "residents_share"):
            row[f"{prefix}_{column}"] = values[column]
    return row


def uncovered_rows(
    coverage: CoverageReport, *, grid_names: Mapping[str, str] | None = None
) -> list[dict[str, object]]:
    """Buildings no station reaches on foot within the threshold, farthest first."""
    buffer_only = {b.building_id for b in coverage.buffer_only}
    names = grid_names or {}
    return [
        {**b.as_dict(), "grid_name": names.get(b.grid_id, b.grid_id),
         "threshold_m": coverage.threshold_m,
         "buffer_counts_covered": b.building_id in buffer_only}
        for b in coverage.uncovered
    ]


#: A CSV column: the row's key, the Chinese header, and how to write the value.
PERCENT, YES_NO, NUMBER = "percent", "yes_no", "number"
GRID_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("name", "网格", NUMBER),
    ("grid_id", "网格编码", NUMBER),
    ("network_buildings", "楼栋数", NUMBER),
    ("network_buildings_covered", "步行范围内楼栋", NUMBER),
    ("network_households", "户数", NUMBER),
    ("network_households_covered", "步行范围内户数", NUMBER),
    ("network_residents", "居民", NUMBER),
    ("network_residents_covered", "步行范围内居民", NUMBER),
    ("network_residents_share", "居民步行覆盖率", PERCENT),
    ("buffer_residents_covered", "按直线距离算的居民", NUMBER),
    ("buffer_residents_share", "按直线距离算的覆盖率（仅作对照）", PERCENT),
)
UNCOVERED_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("name", "楼栋", NUMBER),
    ("building_id", "楼栋编号", NUMBER),
    ("grid_name", "网格", NUMBER),
    ("grid_id", "网格编码", NUMBER),
    ("households", "户数", NUMBER),
    ("residents", "居民", NUMBER),
    ("distance_m", "到最近党群服务站的步行距离（米）", NUMBER),
    ("buffer_distance_m", "直线距离（米）", NUMBER),
    ("threshold_m", "步行距离标准（米）", NUMBER),
    ("buffer_counts_covered", "按直线距离会误算为已覆盖", YES_NO),
)


def _cell(value: object, how: str) -> object:
    if value is None:
        return ""
    if how == PERCENT:
        return f"{float(value) * 100:.1f}%"  # type: ignore[arg-type]
    if how == YES_NO:
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def table_csv(rows: Sequence[dict[str, object]], columns: Sequence[tuple[str, str, str]]) -> str:
    """Rows as CSV with Chinese headers, percentages and 是/否 (UTF-8 with a BOM)."""
    return csv_text(
        [header for _, header, _ in columns],
        ([_cell(row.get(key), how) for key, _, how in columns] for row in rows),
        line_end="\n",
    )


def to_csv(rows: Sequence[dict[str, object]], columns: Iterable[str] | None = None) -> str:
    """Rows as CSV text (UTF-8 with a BOM, so spreadsheet programs read the Chinese); text
    that a spreadsheet would run as a formula is written as text
    (:mod:`geo_app.formats.csv_text`)."""
    fields = list(columns) if columns is not None else (list(rows[0]) if rows else [])
    return csv_text(
        fields, (["" if row.get(k) is None else row.get(k) for k in fields] for row in rows),
        line_end="\n",
    )


def report_geojson(report: PlannerReport, community: Community) -> dict[str, Any]:
    """Uncovered buildings, grids with their figures, and the proposed sites, as features."""
    features = []
    footprints = dict(zip(community.buildings["id"], community.buildings.geometry, strict=True))
    for row in uncovered_rows(report.stations):
        geometry = mapping(footprints[row["building_id"]])
        features.append(_feature(geometry, {"feature": "uncovered_building", **row}))
    outlines = dict(zip(community.grids["id"], community.grids.geometry, strict=True))
    for row in grid_rows(report.stations)[:-1]:
        geometry = mapping(outlines[row["grid_id"]])
        features.append(_feature(geometry, {"feature": "grid", **row}))
    siting = report.siting
    answers = (("maximal_covering", siting.shown_maximal),
               ("set_covering", siting.shown_covering))
    for problem, answer in answers:
        for site in siting.sites(answer):
            point = {"type": "Point", "coordinates": [site["lon"], site["lat"]]}
            properties = {"feature": "proposed_site", "problem": problem,
                          "candidate": site["candidate"], "threshold_m": siting.threshold_m,
                          "method": answer.method, "proven_optimal": answer.proven_optimal}
            features.append(_feature(point, properties))
    return {"type": "FeatureCollection", "features": features}


def _feature(geometry: object, properties: Mapping[str, object]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}
