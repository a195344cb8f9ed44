"""The life of a view: every legal step allowed, every illegal one refused (409, nothing changed),
roles and grids enforced, 转办 moving visibility, state and log written together."""

from __future__ import annotations

import pytest
from support.accounts import logged_in
from support.governance import IN_JN01, governance_app, make_view
from support.refusals import assert_api_refusal

from geo_app.governance.views import Step
from geo_app.store import get_store
from geo_app.store.governance_models import View, ViewEvent

#: The lifecycle of the issue, written out by hand: state → the steps it allows.
LEGAL = {
    "submitted": {"published", "hidden", "rejected", "duplicate", "transferred"},
    "published": {"hidden", "accepted", "rejected", "duplicate", "transferred"},
    "hidden": {"published", "accepted", "rejected", "duplicate", "transferred"},
    "accepted": {"assigned", "rejected", "transferred"},
    "assigned": {"assigned", "in_progress"},
    "in_progress": {"answered"},
    "answered": {"closed", "in_progress"},
    "closed": set(),
    "rejected": set(),
    "duplicate": set(),
}
STEPS = sorted(set().union(*LEGAL.values()))
#: How to bring a new view to each state.
PATHS = {
    "submitted": (),
    "published": (Step("published"),),
    "hidden": (Step("hidden", note="含个人信息"),),
    "accepted": (Step("published"), Step("accepted")),
    "assigned": (Step("published"), Step("accepted"), Step("assigned", assignee="物业公司")),
}
PATHS["in_progress"] = (*PATHS["assigned"], Step("in_progress"))
PATHS["answered"] = (*PATHS["in_progress"], Step("answered", note="已处理"))
PATHS["closed"] = (*PATHS["answered"], Step("closed"))
PATHS["rejected"] = (Step("rejected", note="不属于社区事务"),)
#: Where each legal step leads (转办 keeps the reviewed visibility, in the other grid).
AFTER = {"transferred": {"submitted": "submitted", "published": "published", "hidden": "hidden",
                         "accepted": "published"}}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return governance_app(tmp_path_factory.mktemp("lifecycle"))


@pytest.fixture(scope="module")
def original(app):
    return make_view(app, steps=(Step("published"),))[0]


def _body(step: str, original: int) -> dict:
    return {"to": step, "note": "说明", "assignee": "物业公司", "grid_id": "JN-02",
            "duplicate_of": original}


def _snapshot(app, view_id: int) -> tuple:
    with app.app_context(), get_store().read() as db:
        view = db.get(View, view_id)
        events = db.query(ViewEvent).filter_by(view_id=view_id).count()
        return view.state, view.grid_id, view.public, view.assignee, events


@pytest.mark.parametrize("state", list(LEGAL))
def test_every_step_from_every_state(app, original, state):
    client = logged_in(app, "admin")
    for step in STEPS:
        path = PATHS[state] if state in PATHS else (Step("duplicate", duplicate_of=original),)
        view_id, _ = make_view(app, steps=path)
        before = _snapshot(app, view_id)
        assert before[0] == state
        response = client.post(f"/api/views/{view_id}/transitions",
                               json=_body(step, original))
        if step in LEGAL[state]:
            assert response.status_code == 200, (state, step, response.get_json())
            expected = AFTER.get(step, {}).get(state, step)
            assert response.get_json()["state"] == expected, (state, step)
            assert _snapshot(app, view_id)[4] == before[4] + 1  # one log entry more
        else:
            assert response.status_code == 409, (state, step, response.get_json())
            assert response.get_json()["parameter"] == "to"
            assert _snapshot(app, view_id) == before  # nothing changed, nothing logged


def test_the_log_records_actor_time_and_note(app):
    view_id, _ = make_view(app)
    client = logged_in(app, "leader1")
    client.post(f"/api/views/{view_id}/transitions", json={"to": "hidden", "note": "含电话号码"})
    with app.app_context(), get_store().read() as db:
        last = db.query(ViewEvent).filter_by(view_id=view_id).order_by(ViewEvent.id.desc()).first()
        assert (last.actor, last.action, last.from_state, last.to_state, last.note) == (
            "leader1", "hidden", "submitted", "hidden", "含电话号码")
        assert last.at is not None


@pytest.mark.parametrize(
    ("body", "parameter"),
    [
        ({"to": "hidden"}, "note"),  # a reason is required
        ({"to": "rejected", "note": " "}, "note"),
        ({"to": "transferred", "grid_id": "JN-01"}, "grid_id"),  # not to itself
        ({"to": "transferred", "grid_id": "JN-99"}, "grid_id"),
        ({"to": "duplicate"}, "duplicate_of"),
        ({"to": "fly"}, "to"),
        ({"note": "x"}, "to"),
        ({"to": "published", "colour": "red"}, "colour"),
        ({"to": "published", "note": 5}, "note"),
    ],
)
def test_bad_steps_are_400_naming_the_field_and_change_nothing(app, body, parameter):
    view_id, _ = make_view(app)
    before = _snapshot(app, view_id)
    response = logged_in(app, "admin").post(f"/api/views/{view_id}/transitions", json=body)
    assert_api_refusal(response, parameter)
    assert _snapshot(app, view_id) == before


def test_roles_and_grids_are_enforced_and_nothing_changes(app):
    view_id, _ = make_view(app)
    before = _snapshot(app, view_id)
    # another grid's leader: as if the view did not exist
    other = logged_in(app, "leader2").post(f"/api/views/{view_id}/transitions",
                                           json={"to": "published"})
    assert other.status_code == 404
    # a steward may not moderate (the grid leader's decision) …
    steward = logged_in(app, "steward1")
    assert steward.post(f"/api/views/{view_id}/transitions",
                        json={"to": "published"}).status_code == 403
    # … and building roles may not move views at all
    member = logged_in(app, "member1")
    assert member.post(f"/api/views/{view_id}/transitions",
                       json={"to": "published"}).status_code == 403
    assert _snapshot(app, view_id) == before
    # the steward may dispatch, work on and answer once the leader has accepted
    leader = logged_in(app, "leader1")
    for step in ({"to": "published"}, {"to": "accepted"}):
        assert leader.post(f"/api/views/{view_id}/transitions", json=step).status_code == 200
    for step in ({"to": "assigned", "assignee": "红色小管家 王"}, {"to": "in_progress"},
                 {"to": "answered", "note": "已清理"}):
        response = steward.post(f"/api/views/{view_id}/transitions", json=step)
        assert response.status_code == 200, response.get_json()
    assert steward.post(f"/api/views/{view_id}/transitions",
                        json={"to": "closed"}).status_code == 403


def test_a_transfer_moves_visibility_to_the_receiving_grid(app):
    view_id, code = make_view(app, steps=(Step("published"), Step("accepted")))
    leader1, leader2 = logged_in(app, "leader1"), logged_in(app, "leader2")
    mine = {v["id"] for v in leader1.get("/api/my/views").get_json()["views"]}
    assert view_id in mine
    assert view_id not in {v["id"] for v in leader2.get("/api/my/views").get_json()["views"]}
    moved = leader1.post(f"/api/views/{view_id}/transitions",
                         json={"to": "transferred", "grid_id": "JN-02", "note": "属和园"})
    assert moved.status_code == 200
    assert moved.get_json()["grid_id"] == "JN-02"
    assert moved.get_json()["state"] == "published"  # reviewed before: waits for 立案 there
    assert view_id not in {v["id"] for v in leader1.get("/api/my/views").get_json()["views"]}
    received = leader2.get("/api/my/views").get_json()["views"]
    assert view_id in {v["id"] for v in received}
    assert next(v for v in received if v["id"] == view_id)["contact"]["phone"] == "13912345678"
    assert leader1.get(f"/staff/views/{view_id}").status_code == 404
    assert leader2.get(f"/staff/views/{view_id}").status_code == 200
    assert leader1.post(f"/api/views/{view_id}/transitions",
                        json={"to": "accepted"}).status_code == 404
    assert leader2.post(f"/api/views/{view_id}/transitions",
                        json={"to": "accepted"}).status_code == 200
    # the resident sees the hand-over, not who did it
    replies = app.test_client().get(f"/api/views/{code}").get_json()["replies"]
    assert [r["step"] for r in replies][-2:] == ["transferred", "accepted"]
    assert "leader" not in str(replies)


def test_a_duplicate_is_linked_and_adds_its_voices_to_the_original(app):
    original, _ = make_view(app, steps=(Step("published"),))
    copy, code = make_view(app)
    leader = logged_in(app, "leader1")
    before = leader.get("/api/my/views").get_json()["views"]
    supporters = next(v for v in before if v["id"] == original)["supporters"]
    response = leader.post(f"/api/views/{copy}/transitions",
                           json={"to": "duplicate", "duplicate_of": original})
    assert response.get_json()["duplicate_of"] == original
    after = leader.get("/api/my/views").get_json()["views"]
    assert next(v for v in after if v["id"] == original)["supporters"] == supporters + 1
    status = app.test_client().get(f"/api/views/{code}").get_json()
    assert status["state"] == "duplicate" and status["merged_into"]["state"] == "published"
    # a duplicate cannot be the original of another
    third, _ = make_view(app)
    refused = leader.post(f"/api/views/{third}/transitions",
                          json={"to": "duplicate", "duplicate_of": copy})
    assert (refused.status_code, refused.get_json()["parameter"]) == (400, "duplicate_of")


def test_state_and_log_are_written_in_one_transaction(app, monkeypatch):
    view_id, _ = make_view(app)
    before = _snapshot(app, view_id)

    def broken_log(**_fields):
        raise RuntimeError("log store down")

    monkeypatch.setattr("geo_app.governance.views.ViewEvent", broken_log)
    with pytest.raises(RuntimeError, match="log store down"):
        logged_in(app, "leader1").post(f"/api/views/{view_id}/transitions",
                                       json={"to": "published"})
    monkeypatch.undo()
    assert _snapshot(app, view_id) == before  # the state change was rolled back too


def test_satisfaction_only_after_an_answer_and_only_once(app):
    view_id, code = make_view(app, steps=PATHS["in_progress"])
    client = app.test_client()
    early = client.post(f"/api/views/{code}/rating", json={"rating": 5})
    assert early.status_code == 409
    logged_in(app, "leader1").post(f"/api/views/{view_id}/transitions",
                                   json={"to": "answered", "note": "已修好"})
    for bad in (0, 6, "5", 4.5, True):
        response = client.post(f"/api/views/{code}/rating", json={"rating": bad})
        assert (response.status_code, response.get_json()["parameter"]) == (400, "rating"), bad
    rated = client.post(f"/api/views/{code}/rating", json={"rating": 4})
    assert rated.status_code == 200 and rated.get_json()["satisfaction"] == 4
    assert client.post(f"/api/views/{code}/rating", json={"rating": 5}).status_code == 409


def test_the_staff_page_takes_the_same_steps_by_form(app):
    view_id, _ = make_view(app, point=IN_JN01)
    leader = logged_in(app, "leader1")
    page = leader.get(f"/staff/views/{view_id}").get_data(as_text=True)
    assert 'data-testid="step-published"' in page and "13912345678" in page
    response = leader.post(f"/staff/views/{view_id}/transition", data={"to": "accepted"})
    assert response.status_code == 303  # refused: told why on the page
    assert _snapshot(app, view_id)[0] == "submitted"
    assert "不能立案" in leader.get(f"/staff/views/{view_id}").get_data(as_text=True)
    leader.post(f"/staff/views/{view_id}/transition", data={"to": "published"})
    assert _snapshot(app, view_id)[0] == "published"
    assert logged_in(app, "leader2").post(f"/staff/views/{view_id}/transition",
                                          data={"to": "accepted"}).status_code == 404
