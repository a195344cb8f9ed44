"""Building records for the grid views: the layer's facts joined with the store's roster.

Callers pass only buildings the account may see (see
:func:`geo_app.web.access.visible_building_ids`); nothing here checks access.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import geopandas as gpd
from shapely.geometry import mapping
from sqlalchemy.orm import Session

from geo_app.formats.csv_text import csv_text
from geo_app.store.models import PERSON_DETAILS, Household, fields_of
from geo_app.store.people import (
    ATTENTION_TAGS,
    contacts_of,
    households_of,
    living_members,
    roster_summaries,
)


@dataclass(frozen=True)
class BuildingRow:
    """One row of a grid leader's building table."""

    id: str
    name: str
    compound: str
    grid_id: str
    floors: int
    units: int
    households: int
    residents: int
    party_members: int
    building_member: str | None
    owner_rep: str | None
    attention: dict[str, int]


def building_rows(
    session: Session,
    buildings: gpd.GeoDataFrame,
    building_ids: Collection[str],
    *,
    grids: Mapping[str, str],
) -> list[BuildingRow]:
    """Rows for ``building_ids`` in the layer's order; ``grids`` gives each building's grid now."""
    wanted = buildings[buildings["id"].isin(list(building_ids))]
    summaries = roster_summaries(session, list(wanted["id"]))
    rows = []
    for b in wanted.itertuples():
        summary = summaries[b.id]
        rows.append(
            BuildingRow(
                id=b.id,
                name=b.name,
                compound=b.compound,
                grid_id=grids.get(b.id, b.grid_id),
                floors=int(b.floors),
                units=int(b.units),
                households=int(b.households),
                residents=int(b.residents),
                party_members=summary.party_members,
                building_member=summary.building_member,
                owner_rep=summary.owner_rep,
                attention=summary.attention,
            )
        )
    return rows


def household_record(household: Household) -> dict[str, Any]:
    return {
        **fields_of(household, ("id", "unit", "room")),
        "tags": list(household.tags or []),
        "members": [
            {"id": m.id, **fields_of(m, PERSON_DETAILS)} for m in living_members(household)
        ],
    }


def building_records(
    session: Session,
    buildings: gpd.GeoDataFrame,
    building_ids: Collection[str],
    *,
    grids: Mapping[str, str],
    with_geometry: bool = False,
) -> list[dict[str, Any]]:
    """Full records (figures, contacts, households and their people) for ``building_ids``."""
    rows = building_rows(session, buildings, building_ids, grids=grids)
    ids = [r.id for r in rows]
    households = households_of(session, ids)
    contacts = contacts_of(session, ids)
    geometries = dict(zip(buildings["id"], buildings.geometry, strict=True))
    records = []
    for row in rows:
        record = asdict(row)
        record["contacts"] = {
            role: fields_of(r, ("name", "gender", "birth_year", "phone"))
            for role, r in contacts[row.id].items()
        }
        record["household_list"] = [household_record(h) for h in households[row.id]]
        if with_geometry:
            record["geometry"] = mapping(geometries[row.id])
        records.append(record)
    return records


CSV_HEADER: tuple[str, ...] = (
    "楼栋编号", "楼栋名称", "所在小区", "所属网格", "层数", "单元数", "户数", "常住人口",
    "党员人数", "楼栋党员", "业主代表", *ATTENTION_TAGS,
)


def rows_to_csv(rows: Iterable[BuildingRow]) -> str:
    """The rows as CSV text (with a BOM so spreadsheet programs read the Chinese right)."""
    return csv_text(
        CSV_HEADER,
        (
            [
                r.id, r.name, r.compound, r.grid_id, r.floors, r.units, r.households,
                r.residents, r.party_members, r.building_member or "", r.owner_rep or "",
                *(r.attention[tag] for tag in ATTENTION_TAGS),
            ]
            for r in rows
        ),
    )
