"""Which grid each building lies in: the layer's ``grid_id`` unless the admin reassigned it."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from geo_app.store import audit
from geo_app.store.errors import AssignmentError, require_known
from geo_app.store.models import Account, AccountBuilding, BuildingGrid
from geo_app.store.roles import ROLE_LABELS


def grid_overrides(session: Session) -> dict[str, str]:
    """Building id → grid id, for the buildings the admin moved to another grid."""
    return dict(session.execute(select(BuildingGrid.building_id, BuildingGrid.grid_id)).all())


def effective_building_grids(
    layer_grids: Mapping[str, str], overrides: Mapping[str, str]
) -> dict[str, str]:
    """Building id → grid id now: the layer's value, replaced where an override exists."""
    return {b: overrides.get(b, grid) for b, grid in layer_grids.items()}


def assign_building(
    session: Session,
    building_id: str,
    grid_id: str,
    *,
    layer_grids: Mapping[str, str],
    known_grids: Collection[str],
    actor: str,
) -> bool:
    """Move a building to a grid (audited); ``False`` when it already lies there.

    Refused while a 楼栋党员 or 业主代表 of the old grid still looks after the building, since
    their buildings must lie in their grid.
    """
    require_known(building_id, layer_grids, what="楼栋", parameter="building",
                  error=AssignmentError)
    require_known(grid_id, known_grids, what="网格", parameter="grid", error=AssignmentError)
    row = session.get(BuildingGrid, building_id)
    before = row.grid_id if row is not None else layer_grids[building_id]
    if before == grid_id:
        return False
    holders = session.execute(
        select(Account.username, Account.role)
        .join(AccountBuilding)
        .where(AccountBuilding.building_id == building_id, Account.grid_id != grid_id)
        .order_by(Account.username)
    ).all()
    if holders:
        names = "、".join(f"{ROLE_LABELS[role]} {name}" for name, role in holders)
        msg = f"楼栋 {building_id} 仍由 {names} 负责，请先调整其分工再改变网格"
        raise AssignmentError(msg, parameter="building")
    if grid_id == layer_grids[building_id]:
        session.delete(row)
    elif row is None:
        session.add(BuildingGrid(building_id=building_id, grid_id=grid_id))
    else:
        row.grid_id = grid_id
    session.flush()
    audit.record(
        session, actor=actor, action="building.grid", target=f"building:{building_id}",
        before={"grid_id": before}, after={"grid_id": grid_id},
    )
    return True
