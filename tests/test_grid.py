"""The grid leader's pages and JSON: exactly their buildings, with the right figures."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from sqlalchemy import func, select
from support.accounts import AuthActions
from support.grid_community import SIZES

from geo_app.cli import main
from geo_app.store import get_store
from geo_app.store.models import BuildingContact, Household, Resident


@pytest.fixture(scope="module")
def app(grid_app_factory):
    app = grid_app_factory()
    assert app.test_cli_runner().invoke(main, ["seed-people"]).exit_code == 0
    return app


def _client(app, username):
    client = app.test_client()
    assert AuthActions(client).login(username).status_code == 302
    return client


def _roster_facts(app, building_id):
    """Party members, contacts and tagged households, counted straight from the tables."""
    with app.app_context(), get_store().read() as db:
        party = db.scalar(
            select(func.count(Resident.id))
            .join(Household)
            .where(Household.building_id == building_id, Resident.party_member)
        )
        contacts = dict(
            db.execute(
                select(BuildingContact.role, Resident.name)
                .join(Resident, Resident.id == BuildingContact.resident_id)
                .where(BuildingContact.building_id == building_id)
            ).all()
        )
        tags = [t for ts in db.scalars(select(Household.tags).where(
            Household.building_id == building_id)) for t in ts]
    return party, contacts, {tag: tags.count(tag) for tag in ("独居老人", "困难家庭", "残疾人")}


def test_the_leaders_table_lists_exactly_their_buildings_with_their_figures(app):
    html = _client(app, "leader1").get("/grid/JN-01").get_data(as_text=True)
    rows = re.findall(r'<tr data-building-id="([^"]+)">(.*?)</tr>', html, re.S)
    assert [r[0] for r in rows] == ["FG-1", "FG-2", "FG-3"]
    for building_id, row in rows:
        raw_cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in raw_cells]
        _, units, households, residents = SIZES[building_id]
        party, contacts, attention = _roster_facts(app, building_id)
        # on a phone care needs and contacts come first: 楼栋, 重点关注, 楼栋党员, 业主代表, …
        care = dict(re.findall(r"(独居老人|困难家庭|残疾人) (\d+)", cells[1]))
        assert care == {t: str(n) for t, n in attention.items() if n}
        assert cells[1] != "—" or not any(attention.values())
        assert cells[2:4] == [contacts["building_member"], contacts["owner_rep"]]
        assert cells[4:8] == [str(households), str(residents), str(party), str(units)]
    assert "HY-" not in html


def test_the_map_highlights_the_callers_buildings_and_dims_the_rest_of_the_grid(app):
    html = _client(app, "member1").get("/grid/JN-01").get_data(as_text=True)
    mine = re.findall(r'"id": "([^"]+)", "layer": "my_buildings"', html)
    dimmed = re.findall(r'"id": "([^"]+)", "layer": "other_buildings"', html)
    assert (sorted(mine), sorted(dimmed)) == (["FG-1"], ["FG-2", "FG-3"])
    assert re.findall(r'<tr data-building-id="([^"]+)"', html) == ["FG-1"]
    _, contacts, _ = _roster_facts(app, "FG-2")
    for name in contacts.values():  # a dimmed building shows no people, raw or JSON-escaped
        assert name not in html
        assert json.dumps(name)[1:-1] not in html
    assets = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert assets and all(url.startswith("/") for url in assets)


def test_the_csv_export_holds_the_callers_buildings(app):
    response = _client(app, "leader2").get("/grid/JN-02/export.csv")
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:8] == ["楼栋编号", "楼栋名称", "所在小区", "所属网格", "层数", "单元数",
                           "户数", "常住人口"]
    assert [r[0] for r in rows[1:]] == ["HY-1", "HY-2"]
    for row in rows[1:]:
        floors, units, households, residents = SIZES[row[0]]
        party, contacts, attention = _roster_facts(app, row[0])
        assert row[3:11] == ["JN-02", str(floors), str(units), str(households), str(residents),
                             str(party), contacts["building_member"], contacts["owner_rep"]]
        assert row[11:] == [str(attention[t]) for t in ("独居老人", "困难家庭", "残疾人")]


def test_my_buildings_json_carries_households_and_people(app):
    data = _client(app, "rep1").get("/api/my/buildings").get_json()
    assert data["count"] == 1
    (building,) = data["buildings"]
    assert building["id"] == "FG-2"
    households = building["household_list"]
    assert len(households) == SIZES["FG-2"][2]
    assert sum(len(h["members"]) for h in households) == SIZES["FG-2"][3]
    assert {"name", "gender", "birth_year", "relation", "party_member"} <= set(
        households[0]["members"][0]
    )


def test_one_buildings_record_has_its_outline(app):
    record = _client(app, "leader1").get("/api/buildings/FG-3").get_json()
    assert record["id"] == "FG-3"
    assert record["geometry"]["type"] == "Polygon"
    assert record["households"] == 22
    assert set(record["contacts"]) == {"building_member", "owner_rep"}


def test_the_household_page_lists_every_household(app):
    html = _client(app, "member1").get("/grid/buildings/FG-1").get_data(as_text=True)
    assert len(re.findall(r'<tr data-household-id="FG-1-', html)) == SIZES["FG-1"][2]


def test_grid_pages_redirect_to_the_callers_grid_and_list_grids_for_the_admin(app):
    response = _client(app, "steward1").get("/grid/")
    assert response.headers["Location"] == "/grid/JN-01"
    html = _client(app, "admin").get("/grid/").get_data(as_text=True)
    assert "/grid/JN-01" in html and "/grid/JN-02" in html


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize(("accept", "page"), [
    (BROWSER_ACCEPT, True),  # a download link clicked in a browser
    ("*/*", False),  # curl
    (None, False),
    ("application/json", False),
])
def test_a_refused_download_answers_a_browser_with_a_page_and_a_program_with_json(
    app, accept, page
):
    """Another grid's CSV clicked in a browser showed a line of raw JSON."""
    headers = {"Accept": accept} if accept else {}
    response = _client(app, "leader2").get("/grid/JN-01/export.csv", headers=headers)
    assert response.status_code == 403
    if page:
        assert response.mimetype == "text/html"
        assert "<h1>" in response.get_data(as_text=True)
    else:
        assert response.mimetype == "application/json"
        assert set(response.get_json()) == {"error", "parameter"}


def test_an_api_error_is_json_even_for_a_browser(app):
    response = app.test_client().get("/api/my/buildings", headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 401 and response.mimetype == "application/json"
