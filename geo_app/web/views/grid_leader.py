"""The grid leader's pages: their grid on a map, their buildings in a table, CSV export.

Every grid role (网格长, 红色小管家, 楼栋党员, 业主代表) and the admin use these pages; what each
sees is decided by :mod:`geo_app.web.access`: highlighted on the map and listed in the table are
exactly the buildings the account may see, the rest of the grid is drawn dimmed (outline and
name only, as on the public map).
"""

from __future__ import annotations

from collections.abc import Collection

from flask import Blueprint, Response, abort, current_app, g, redirect, render_template, url_for

from geo_app.maps.base import render_map_parts
from geo_app.maps.grid import build_grid_map
from geo_app.state.community import get_community
from geo_app.store import get_store
from geo_app.store.people import ATTENTION_TAGS
from geo_app.store.records import BuildingRow, building_records, building_rows, rows_to_csv
from geo_app.store.roles import ADMIN, ORGANISER
from geo_app.web.access import (
    ANY_ROLE,
    building_grids,
    require_building,
    require_grid,
    require_roles,
    visible_building_ids,
    visible_grid_ids,
)

bp = Blueprint("grid", __name__, url_prefix="/grid")

def _grid_buildings(grid_id: str) -> tuple[list[str], list[str]]:
    """(the caller's buildings in the grid, the grid's other buildings), in layer order."""
    grids = building_grids()
    visible = visible_building_ids()
    in_grid = [b for b in get_community().buildings["id"] if grids.get(b) == grid_id]
    return [b for b in in_grid if b in visible], [b for b in in_grid if b not in visible]


def _rows(ids: Collection[str]) -> list[BuildingRow]:
    with get_store().read() as db:
        return building_rows(db, get_community().buildings, ids, grids=building_grids())


@bp.get("/")
@require_roles(*ANY_ROLE)
def my_grid() -> Response | str:
    """我的网格：网格员进入本网格；管理员看到网格列表。"""
    if g.user.role == ADMIN:
        grids = get_community().grids
        return render_template(
            "grid_index.html",
            grids=[(gid, name) for gid, name in zip(grids["id"], grids["name"], strict=True)],
        )
    if g.user.role == ORGANISER:  # organisers belong to no grid: their pages are activities
        return redirect(url_for("organise.index"))
    if not g.user.grid_id:
        abort(403)
    return redirect(url_for("grid.grid_page", grid_id=g.user.grid_id))


@bp.get("/<grid_id>")
@require_roles(*ANY_ROLE)
def grid_page(grid_id: str) -> str:
    """一个网格：地图（我的楼栋高亮、其余楼栋淡化）与楼栋台账。"""
    require_grid(grid_id)
    mine_ids, others = _grid_buildings(grid_id)
    rows = _rows(mine_ids)
    grids = get_community().grids
    grid_name = grids.loc[grids["id"] == grid_id, "name"].iloc[0]
    totals = {
        "households": sum(r.households for r in rows),
        "residents": sum(r.residents for r in rows),
        "party_members": sum(r.party_members for r in rows),
        **{tag: sum(r.attention[tag] for r in rows) for tag in ATTENTION_TAGS},
    }
    config = current_app.config
    parts = render_map_parts(
        build_grid_map(
            get_community(), grid_id, rows, others,
            building_url=lambda bid: url_for("grid.building_page", building_id=bid),
            basemap=config["BASEMAP"], tianditu_key=config["TIANDITU_KEY"],
        )
    )
    return render_template(
        "grid_page.html",
        grid_id=grid_id,
        grid_name=grid_name,
        rows=rows,
        totals=totals,
        attention_tags=ATTENTION_TAGS,
        map=parts,
        other_grids=sorted(visible_grid_ids() - {grid_id}),
    )


@bp.get("/<grid_id>/export.csv")
@require_roles(*ANY_ROLE)
def export_csv(grid_id: str) -> Response:
    """导出本网格中我的楼栋台账（CSV）。"""
    require_grid(grid_id)
    mine_ids, _ = _grid_buildings(grid_id)
    body = rows_to_csv(_rows(mine_ids))
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="grid-{grid_id}-buildings.csv"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/buildings/<building_id>")
@require_roles(*ANY_ROLE)
def building_page(building_id: str) -> str:
    """一栋楼的住户台账：各户成员与关注标签。"""
    require_building(building_id)
    with get_store().read() as db:
        records = building_records(
            db, get_community().buildings, [building_id], grids=building_grids()
        )
    if not records:
        abort(404)
    return render_template(
        "grid_building.html", building=records[0], attention_tags=ATTENTION_TAGS
    )
