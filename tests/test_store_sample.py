"""The invented roster: deterministic, faithful to the layer's figures, tags that fit the data."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from geo_app.store import Store
from geo_app.store.migrate import upgrade
from geo_app.store.models import BuildingContact, Household, Resident
from geo_app.store.people import roster_summaries
from geo_app.store.sample import REFERENCE_YEAR, BuildingFacts, generate_roster, seed_people

BUILDINGS = [
    BuildingFacts("B1", units=2, floors=6, households=24, residents=60),
    BuildingFacts("B2", units=3, floors=18, households=100, residents=260),
    BuildingFacts("B3", units=1, floors=5, households=10, residents=4),  # mostly vacant
]


def _snapshot(households):
    return [
        (h.id, h.unit, h.room, tuple(h.tags), [(m.name, m.birth_year) for m in h.members])
        for h in households
    ]


@pytest.mark.parametrize("facts", BUILDINGS, ids=lambda f: f.id)
def test_the_roster_meets_the_layer_figures(facts):
    households, _ = generate_roster(facts)
    assert len(households) == facts.households
    assert sum(len(h.members) for h in households) == facts.residents
    assert len({h.id for h in households}) == facts.households
    assert {h.unit for h in households} == set(range(1, facts.units + 1))
    # units are filled evenly: sizes differ by at most one
    per_unit = [sum(1 for h in households if h.unit == u) for u in range(1, facts.units + 1)]
    assert max(per_unit) - min(per_unit) <= 1
    if facts.residents >= facts.households:
        assert all(h.members for h in households)


def test_the_roster_is_the_same_every_time_and_differs_between_buildings():
    first, _ = generate_roster(BUILDINGS[0])
    again, _ = generate_roster(BUILDINGS[0])
    other, _ = generate_roster(BuildingFacts("B9", 2, 6, 24, 60))
    assert _snapshot(first) == _snapshot(again)
    assert [m for *_, m in _snapshot(first)] != [m for *_, m in _snapshot(other)]


def test_tags_and_contacts_agree_with_the_people():
    households, contacts = generate_roster(BUILDINGS[1])
    for h in households:
        alone_and_old = len(h.members) == 1 and REFERENCE_YEAR - h.members[0].birth_year >= 70
        assert ("独居老人" in h.tags) == alone_and_old, h.id
        assert set(h.tags) <= {"独居老人", "困难家庭", "残疾人"}
    residents = {id(m) for h in households for m in h.members}
    member, rep = contacts["building_member"], contacts["owner_rep"]
    assert id(member) in residents and id(rep) in residents and member is not rep
    assert member.party_member
    assert rep.relation == "户主"
    assert REFERENCE_YEAR - member.birth_year >= 18


def test_seeding_is_idempotent_and_counted_by_the_summaries(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 's.sqlite3'}")
    upgrade(store.engine)
    with store.write() as db:
        assert seed_people(db, BUILDINGS, actor="t") == 3
    with store.write() as db:
        assert seed_people(db, BUILDINGS, actor="t") == 0
    with store.read() as db:
        assert db.scalar(select(func.count(Household.id))) == 24 + 100 + 10
        assert db.scalar(select(func.count(Resident.id))) == 60 + 260 + 4
        assert db.scalar(select(func.count(BuildingContact.id))) == 6
        summaries = roster_summaries(db, ["B1", "B2", "B3", "B404"])
        party_b2 = db.scalar(
            select(func.count(Resident.id))
            .join(Household)
            .where(Household.building_id == "B2", Resident.party_member)
        )
        elderly_alone_b2 = sum(
            "独居老人" in tags
            for tags in db.scalars(select(Household.tags).where(Household.building_id == "B2"))
        )
    assert (summaries["B1"].households, summaries["B1"].residents) == (24, 60)
    assert (summaries["B3"].households, summaries["B3"].residents) == (10, 4)
    assert summaries["B2"].party_members == party_b2
    assert summaries["B2"].attention["独居老人"] == elderly_alone_b2
    assert summaries["B404"].households == 0
    assert summaries["B404"].building_member is None
    store.dispose()
