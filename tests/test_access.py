"""Access control over EVERY route of the app: declared, and refused outside the assignment.

The routes are read from ``app.url_map``, so routes added later are checked too: each must
declare a policy; each non-public one must refuse anonymous callers, the roles it does not
name, and (for a ``building_id`` or ``grid_id`` in its URL) buildings and grids outside the
caller's assignment — with none of their personal data in the answer.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import g
from support.accounts import ACCOUNTS, EXPECTED_VISIBLE, login
from support.grid_community import GRID_OF
from werkzeug.routing import IntegerConverter

from geo_app.cli import main
from geo_app.store import get_store
from geo_app.store.buildings import assign_building
from geo_app.store.models import Household, Resident
from geo_app.web.access import PUBLIC, policy_of, visible_building_ids

#: Endpoints that must be open to everyone (those known when this test was written).
EXPECTED_PUBLIC = {"static", "auth.login", "vendor.asset", "map_page.community_map"}
#: Blueprints that carry personal data or change the store: never public.
PRIVATE_BLUEPRINTS = ("grid.", "grid_api.", "admin.")
SKIPPED_METHODS = {"HEAD", "OPTIONS"}
#: URL arguments naming an object that belongs to a grid: outside the caller's grid, a 403/404.
SCOPED_ARGUMENTS = {"building_id", "grid_id", "view_id", "meeting_id", "item_id"}
#: grid → a view (id and tracking code), a meeting and an item of it (made by the app fixture).
OBJECTS: dict[str, dict[str, object]] = {}
#: Open to every role and would end the shared clients' sessions (tested in test_auth.py).
ENDS_SESSION = {"auth.logout"}


@pytest.fixture(scope="module")
def app(grid_app_factory):
    app = grid_app_factory(WTF_CSRF_ENABLED=False)
    result = app.test_cli_runner().invoke(main, ["seed-people"])
    assert result.exit_code == 0, result.output
    OBJECTS.update(_governance_objects(app))
    return app


def _governance_objects(app) -> dict[str, dict[str, object]]:
    """In each grid: a view with a contact, a meeting taking it up and an item it decided."""
    from geo_app.governance.items import ItemInput, create_item
    from geo_app.governance.meetings import MeetingInput, create_meeting
    from geo_app.governance.reach import Reach
    from geo_app.governance.views import Submission, create_view
    from geo_app.web.governance_support import categories, text_limits

    objects = {}
    with app.app_context(), get_store().write() as db:
        for grid, lon in (("JN-01", 117.261), ("JN-02", 117.263)):
            view = create_view(
                db, Submission(lon=lon, lat=31.9615, category="other", text="访问控制测试意见",
                               grid_id=grid, name="访问测试人", phone="13900000000"),
                categories=categories(), limits=text_limits(), at=datetime.now(UTC))
            meeting = create_meeting(
                db, MeetingInput(kind="meeting", held_at=datetime.now(UTC), topic="访问测试",
                                 place_name="议事角", lon=lon, lat=31.9615, view_ids=[view.id]),
                grid_id=grid, actor="test", now=datetime.now(UTC))
            item = create_item(
                db, ItemInput(title="访问测试项目", category="other", owner="社区",
                              budget_source="居民自筹", lon=lon, lat=31.9615,
                              view_ids=[view.id]),
                grid_id=grid, actor="test", at=datetime.now(UTC), categories=categories(),
                budget_sources=["居民自筹"], reach=lambda place: Reach(300.0, (), 0.0, True),
                radius_m=300.0)
            objects[grid] = {"view_id": view.id, "code": view.code, "meeting_id": meeting.id,
                             "item_id": item.id}
    return objects


@pytest.fixture(scope="module")
def clients(app):
    clients = {}
    for username in ACCOUNTS:
        client = app.test_client()
        assert login(client, username).status_code == 302
        clients[username] = client
    return clients


@pytest.fixture(scope="module")
def personal_data(app) -> dict[str, set[str]]:
    """Building id → strings that identify its residents (household ids, 3-character names)."""
    found: dict[str, set[str]] = {b: set() for b in GRID_OF}
    with app.app_context(), get_store().read() as db:
        for building_id, household_id, name in db.execute(
            Household.__table__.join(Resident.__table__)
            .select()
            .with_only_columns(Household.building_id, Household.id, Resident.name)
        ):
            found[building_id].add(household_id)
            if len(name) >= 3:
                found[building_id].add(name)
    assert all(found.values())
    return found


def _rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint != "static"]


def _url(rule, *, building: str, grid: str) -> str:
    values = {}
    for name in rule.arguments:
        if name == "building_id":
            values[name] = building
        elif name == "grid_id":
            values[name] = grid
        elif name in OBJECTS.get(grid, {}):
            values[name] = OBJECTS[grid][name]
        elif isinstance(rule._converters.get(name), IntegerConverter):
            values[name] = 1
        else:
            values[name] = "x"
    return rule.build(values, append_unknown=False)[1]


def _call(client, method: str, url: str):
    return client.open(url, method=method, data={}, follow_redirects=False)


def _outside(username: str) -> tuple[str, str]:
    """A building and a grid outside ``username``'s assignment."""
    _, grid, buildings = ACCOUNTS[username]
    other_grid = "JN-02" if grid == "JN-01" else "JN-01"
    if buildings:  # a building of their own grid that is not theirs
        same_grid = [b for b, gid in GRID_OF.items() if gid == grid and b not in buildings]
        return same_grid[0], other_grid
    return next(b for b, gid in GRID_OF.items() if gid == other_grid), other_grid


def test_every_endpoint_declares_a_policy(app):
    with app.app_context():
        undeclared = sorted({r.endpoint for r in _rules(app) if policy_of(r.endpoint) is None})
        assert undeclared == []
        public = {r.endpoint for r in _rules(app) if PUBLIC in policy_of(r.endpoint)}
    assert EXPECTED_PUBLIC - {"static"} <= public
    assert not [e for e in public if e.startswith(PRIVATE_BLUEPRINTS)]


def test_an_undeclared_view_is_refused(grid_app_factory):
    app = grid_app_factory(accounts=None)
    app.add_url_rule("/forgotten", "forgotten", lambda: "secret")
    assert app.test_client().get("/forgotten").status_code == 403


def test_every_private_route_refuses_anonymous_callers(app):
    client = app.test_client()
    checked = 0
    with app.app_context():
        rules = [r for r in _rules(app) if PUBLIC not in policy_of(r.endpoint)]
    for rule in rules:
        url = _url(rule, building="FG-1", grid="JN-01")
        for method in rule.methods - SKIPPED_METHODS:
            response = _call(client, method, url)
            if response.status_code == 302:
                assert response.headers["Location"].startswith("/login?next="), (method, url)
            else:
                assert response.status_code == 401, (method, url, response.status_code)
            checked += 1
    assert checked >= 10


@pytest.mark.parametrize("username", list(ACCOUNTS))
def test_every_private_route_refuses_other_roles_and_other_assignments(
    app, clients, personal_data, username
):
    role = ACCOUNTS[username][0]
    client = clients[username]
    outside_building, outside_grid = _outside(username)
    leaks = personal_data[outside_building]
    with app.app_context():
        rules = [(r, policy_of(r.endpoint)) for r in _rules(app)]
    scoped = 0
    for rule, policy in rules:
        if PUBLIC in policy or rule.endpoint in ENDS_SESSION:
            continue
        url = _url(rule, building=outside_building, grid=outside_grid)
        for method in rule.methods - SKIPPED_METHODS:
            response = _call(client, method, url)
            body = response.get_data(as_text=True)
            where = (username, method, url, response.status_code)
            if role not in policy:
                assert response.status_code == 403, where
            elif role != "admin" and SCOPED_ARGUMENTS & set(rule.arguments):
                assert response.status_code in (403, 404), where
                scoped += 1
            else:
                assert response.status_code not in (401, 403), where
                continue
            assert not [s for s in leaks if s in body], where
    if role != "admin":
        assert scoped >= 4  # the grid page, its export, the household page, the building API
    if role in ("grid_leader", "steward"):  # and another grid's views, meetings, items, reports
        assert scoped >= 4 + 13


def test_an_id_past_the_database_key_is_no_such_page_on_every_route(app, clients):
    """Every ``<int:…>`` of every route, anonymous or logged in as any role: an id no database
    key holds is "no such page", never a 500 from the query."""
    rules = [r for r in _rules(app)
             if any(isinstance(c, IntegerConverter) for c in r._converters.values())]
    assert len(rules) >= 20
    callers = {"anonymous": app.test_client(), **clients}
    for rule in rules:
        values = {name: 2**31 if isinstance(rule._converters[name], IntegerConverter) else "x"
                  for name in rule.arguments}
        url = rule.build(values, append_unknown=False)[1]
        for who, client in callers.items():
            for method in rule.methods - SKIPPED_METHODS:
                response = _call(client, method, url)
                # (werkzeug checks a rule's methods before its converters: a POST beside a
                # GET-only rule of the same path may say 405 instead)
                expected = {404} if method == "GET" else {404, 405}
                assert response.status_code in expected, (who, method, url, response.status_code)
    with app.test_request_context():
        largest = {name: 2**31 - 1 for name in rules[0].arguments}
        assert rules[0].build(largest, append_unknown=False)  # the largest key still routes


@pytest.mark.parametrize("username", list(ACCOUNTS))
def test_visible_buildings_follow_the_hierarchy(app, clients, username):
    with app.test_request_context():
        from geo_app.auth.identity import CurrentUser
        from geo_app.store.accounts import find_account

        with get_store().read() as db:
            g.user = CurrentUser.of(find_account(db, username))
        assert visible_building_ids() == EXPECTED_VISIBLE[username]
    listed = clients[username].get("/api/my/buildings").get_json()
    assert {b["id"] for b in listed["buildings"]} == EXPECTED_VISIBLE[username]


def test_crafted_queries_return_only_the_callers_own_buildings(clients):
    client = clients["leader1"]
    listed = client.get("/api/my/buildings?grid_id=JN-02&building_id=HY-1&role=admin").get_json()
    assert {b["id"] for b in listed["buildings"]} == {"FG-1", "FG-2", "FG-3"}
    csv_text = client.get("/grid/JN-01/export.csv?grid_id=JN-02").get_data(as_text=True)
    assert "HY-" not in csv_text
    for crafted in ["/api/buildings/hy-1", "/api/buildings/HY-1 ",
                    "/grid/buildings/..%2FHY-1", "/grid/JN-02%20"]:
        assert client.get(crafted).status_code in (403, 404), crafted
    # NUL is refused alike for the caller's own building and another grid's (nothing told)
    other, own = client.get("/api/buildings/HY-1%00"), client.get("/api/buildings/FG-1%00")
    assert other.status_code == own.status_code == 400 and other.json == own.json
    assert other.json["parameter"] == "building_id"


def test_public_routes_carry_no_personal_data(app, personal_data):
    client = app.test_client()
    everything = set().union(*personal_data.values())
    names = sorted(s for s in everything if not s[0].isascii())[:3]
    with app.app_context():
        rules = [r for r in _rules(app) if PUBLIC in policy_of(r.endpoint) and not r.arguments]
    urls = [(r.rule, "") for r in rules if "GET" in r.methods]
    # a search by a resident's name (the answer may echo the query, nothing more)
    urls += [(f"/api/buildings?q={name}", name) for name in names]
    fetched = 0
    for url, echoed in urls:
        try:
            response = client.get(url)
        except Exception:  # a route that fails on this tiny community leaks nothing
            continue
        body = response.get_data(as_text=True)
        assert not [s for s in everything - {echoed} if s in body], url
        fetched += 1
    assert fetched >= 3


def test_moving_a_building_to_another_grid_moves_its_visibility(grid_app_factory):
    app = grid_app_factory(accounts={k: ACCOUNTS[k] for k in ("leader1", "leader2", "member1")})
    with app.app_context(), get_store().write() as db:
        assign_building(db, "FG-3", "JN-02", layer_grids=GRID_OF,
                        known_grids={"JN-01": "风格城市网格", "JN-02": "和园网格"}, actor="test")
    leader1, leader2 = app.test_client(), app.test_client()
    login(leader1, "leader1")
    login(leader2, "leader2")
    mine1 = {b["id"] for b in leader1.get("/api/my/buildings").get_json()["buildings"]}
    mine2 = {b["id"] for b in leader2.get("/api/my/buildings").get_json()["buildings"]}
    assert (mine1, mine2) == ({"FG-1", "FG-2"}, {"FG-3", "HY-1", "HY-2"})
    assert leader1.get("/api/buildings/FG-3").status_code == 404
    assert leader2.get("/api/buildings/FG-3").get_json()["grid_id"] == "JN-02"


def test_an_api_404_says_whether_the_route_or_the_object_is_missing(clients):
    other_grid = clients["leader1"].get("/api/buildings/HY-1")
    assert other_grid.status_code == 404
    assert "没有这个接口" not in other_grid.json["error"]
    assert "不在您的负责范围内" in other_grid.json["error"]
    no_route = clients["leader1"].get("/api/no-such-route")
    assert no_route.status_code == 404 and "没有这个接口" in no_route.json["error"]
