"""Every 微协商 JSON route is in /api/openapi.json — POSTs with their bodies, categories and states
as enums — and the answers keep to the documented schemas."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from support.accounts import logged_in
from support.governance import IN_JN01, governance_app, make_view

from geo_app.config import VIEW_CATEGORIES
from geo_app.governance.views import Step
from geo_app.web.openapi import openapi_path

STATES = ["submitted", "published", "hidden", "accepted", "assigned", "in_progress", "answered",
          "closed", "rejected", "duplicate"]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return governance_app(tmp_path_factory.mktemp("gov_openapi"))


@pytest.fixture(scope="module")
def document(app):
    return app.test_client().get("/api/openapi.json").get_json()


def check(document: dict, name: str, instance: object) -> None:
    Draft202012Validator({"$ref": f"#/components/schemas/{name}", **document}).validate(instance)


def test_the_document_is_valid_and_covers_every_governance_route(app, document):
    validate(document)
    rules = [r for r in app.url_map.iter_rules()
             if r.endpoint.startswith("governance_api.")]
    assert len(rules) >= 14
    for rule in rules:
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in document["paths"][openapi_path(rule.rule)], rule


def test_post_operations_document_their_bodies_enums_and_security(document):
    submit = document["paths"]["/api/views"]["post"]
    body = submit["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["lon", "lat", "category", "text"]
    assert body["properties"]["category"]["enum"] == list(VIEW_CATEGORIES)
    assert body["properties"]["text"]["maxLength"] == 500
    assert "201" in submit["responses"] and "429" in submit["responses"]
    assert "security" not in submit
    assert any(p["name"] == "X-CSRFToken" for p in submit["parameters"])
    transition = document["paths"]["/api/views/{view_id}/transitions"]["post"]
    assert transition["security"] == [{"session": []}]
    assert {"401", "403", "404", "409"} <= set(transition["responses"])
    assert transition["parameters"][0] == {
        "name": "view_id", "in": "path", "required": True, "description": "意见编号",
        "schema": {"type": "integer", "minimum": 1}, "example": 1}
    schemas = document["components"]["schemas"]
    assert schemas["ViewStatus"]["properties"]["state"]["enum"] == STATES
    photo = document["paths"]["/api/views/{code}/photo"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in photo


def test_answers_keep_to_their_schemas(app, document):
    client = app.test_client()
    created = client.post("/api/views", json={"lon": IN_JN01[0], "lat": IN_JN01[1],
                                               "category": "safety", "text": "楼道灯坏了"})
    check(document, "ViewCreated", created.get_json())
    code = created.get_json()["code"]
    check(document, "ViewStatus", client.get(f"/api/views/{code}").get_json())
    leader = logged_in(app, "leader1")
    moved = leader.post(f"/api/views/{created.get_json()['id']}/transitions",
                        json={"to": "published"})
    check(document, "StaffView", moved.get_json())
    check(document, "StaffViewList", leader.get("/api/my/views").get_json())
    nearby = client.get("/api/views/nearby", query_string={
        "lon": IN_JN01[0], "lat": IN_JN01[1], "category": "safety"}).get_json()
    check(document, "NearbyViews", nearby)
    assert len(nearby["views"]) == 1
    view_id, _ = make_view(app, steps=(Step("published"),))
    meeting = leader.post("/api/meetings", json={
        "kind": "visit", "held_at": "2025-06-01T10:00", "topic": "入户走访",
        "place_name": "3栋", "lon": IN_JN01[0], "lat": IN_JN01[1], "view_ids": [view_id]})
    check(document, "Meeting", meeting.get_json())
    check(document, "MeetingList", leader.get("/api/my/meetings").get_json())
    item = leader.post(f"/api/meetings/{meeting.get_json()['id']}/decisions", json={
        "title": "楼道灯维修", "category": "safety", "owner": "物业公司",
        "budget_source": "社区党建项目"})
    check(document, "Item", item.get_json())
    check(document, "ItemList", client.get("/api/items").get_json())
    for error in (client.get("/api/views/NOPE"), client.post("/api/views", json={}),
                  leader.post(f"/api/views/{view_id}/transitions", json={"to": "closed"})):
        assert error.status_code in (400, 404, 409)
        check(document, "Error", error.get_json())
