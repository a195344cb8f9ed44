"""The report as downloads: per-grid and uncovered-building CSV, and GeoJSON for a GIS."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from shapely.geometry import mapping

from geo_app.csv_safe import safe_cell
from geo_app.planning.coverage import CoverageReport, Figures
from geo_app.planning.report import PlannerReport
from layers import Community

FIGURE_COLUMNS = ("buildings", "buildings_covered", "households", "households_covered",
                  "residents", "residents_covered")


def grid_rows(coverage: CoverageReport) -> list[dict[str, object]]:
    """One row per grid and one for the whole community: walk and buffer figures side by side."""
    rows = [_grid_row(g.grid_id, g.name, g.network, g.buffer) for g in coverage.grids]
    rows.append(_grid_row("community", "全社区", coverage.network, coverage.buffer))
    return rows


def _grid_row(grid_id: str, name: str, walk: Figures, line: Figures) -> dict[str, object]:
    row: dict[str, object] = {"grid_id": grid_id, "name": name}
    for prefix, figures in (("network", walk), ("buffer", line)):
        values = figures.as_dict()
        for column in (*FIGURE_COLUMNS, "residents_share"):
            row[f"{prefix}_{column}"] = values[column]
    return row


def uncovered_rows(coverage: CoverageReport) -> list[dict[str, object]]:
    """Buildings no station reaches on foot within the threshold, farthest first."""
    buffer_only = {b.building_id for b in coverage.buffer_only}
    return [
        {**b.as_dict(), "threshold_m": coverage.threshold_m,
         "buffer_counts_covered": b.building_id in buffer_only}
        for b in coverage.uncovered
    ]


def to_csv(rows: Sequence[dict[str, object]], columns: Iterable[str] | None = None) -> str:
    """Rows as CSV text (UTF-8 with a BOM, so spreadsheet programs read the Chinese); text
    that a spreadsheet would run as a formula is written as text (:mod:`geo_app.csv_safe`)."""
    out = io.StringIO()
    out.write("\ufeff")
    fields = list(columns) if columns is not None else (list(rows[0]) if rows else [])
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row.get(k) is None else safe_cell(row.get(k)) for k in fields})
    return out.getvalue()


def report_geojson(report: PlannerReport, community: Community) -> dict[str, object]:
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
    answers = (("maximal_covering", siting.maximal), ("set_covering", siting.covering))
    for problem, answer in answers:
        for site in siting.sites(answer):
            point = {"type": "Point", "coordinates": [site["lon"], site["lat"]]}
            properties = {"feature": "proposed_site", "problem": problem,
                          "candidate": site["candidate"], "threshold_m": siting.threshold_m,
                          "proven_optimal": answer.proven_optimal}
            features.append(_feature(point, properties))
    return {"type": "FeatureCollection", "features": features}


def _feature(geometry: object, properties: dict[str, object]) -> dict[str, object]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}
