"""JSON for the grid views: the caller's buildings, and one building's full record.

``GET /api/my/buildings`` and ``GET /api/buildings/<building_id>`` carry personal data, so both
answer only inside the caller's assignment (another grid's building is a 404, as if absent).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort

from geo_app.state.community import get_community
from geo_app.store import get_store
from geo_app.store.records import building_records
from geo_app.web.access import (
    ANY_ROLE,
    building_grids,
    require_building,
    require_roles,
    visible_building_ids,
)

bp = Blueprint("grid_api", __name__, url_prefix="/api")

@bp.get("/my/buildings")
@require_roles(*ANY_ROLE)
def my_buildings() -> dict[str, Any]:
    """The caller's buildings with their people and households."""
    ids = visible_building_ids()
    with get_store().read() as db:
        records = building_records(db, get_community().buildings, ids, grids=building_grids())
    return {"count": len(records), "buildings": records}


@bp.get("/buildings/<building_id>")
@require_roles(*ANY_ROLE)
def building(building_id: str) -> dict[str, Any]:
    """One building's full record: figures, contacts, households, people and outline."""
    require_building(building_id)
    with get_store().read() as db:
        records = building_records(
            db, get_community().buildings, [building_id], grids=building_grids(), with_geometry=True
        )
    if not records:
        abort(404)
    return records[0]
