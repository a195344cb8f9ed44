"""``/api/openapi.json`` describes every API route and parameter, and the API keeps to it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from support.geo import lonlat
from support.resident_layout import BUILDINGS

MONDAY_10 = datetime(2025, 6, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
ENTRANCE_3 = next(b[4] for b in BUILDINGS if b[0] == "B-3")


@pytest.fixture(scope="module")
def layout_app(layout_app_factory):
    app = layout_app_factory()
    app.config["CLOCK"] = lambda: MONDAY_10
    return app


@pytest.fixture(scope="module")
def document(layout_app):
    response = layout_app.test_client().get("/api/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def schema_validator(document: dict, name: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": f"#/components/schemas/{name}", **document})


def response_schema(document: dict, path: str) -> str:
    ref = document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
    return ref["schema"]["$ref"].rsplit("/", 1)[1]


def public_gets(document: dict) -> list[str]:
    """The documented public GET operations without path parameters (callable as they are)."""
    return [
        path for path, item in document["paths"].items()
        if "get" in item and "security" not in item["get"] and "{" not in path
    ]


def valid_query(document: dict, path: str) -> dict[str, object]:
    """Every documented parameter at its documented example (lon/lat: a real entrance)."""
    query = {p["name"]: p["example"] for p in document["paths"][path]["get"]["parameters"]}
    if "lon" in query:
        query["lon"], query["lat"] = lonlat(*ENTRANCE_3)
    return query


def test_document_is_valid_openapi_3_1(document):
    validate(document)  # raises on any violation of the OpenAPI 3.1 schema
    assert document["openapi"] == "3.1.0"


def public_api_rules(app) -> list:
    """The ``/api/`` routes anyone may use (role-protected ones are not the public API)."""
    from geo_app.web.access import PUBLIC, policy_of

    with app.app_context():
        return [
            rule
            for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/api/") and PUBLIC in (policy_of(rule.endpoint) or ())
        ]


def test_every_public_api_route_is_documented_and_nothing_else(layout_app, document):
    from geo_app.web.openapi import openapi_path

    rules = public_api_rules(layout_app)
    for rule in rules:
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in document["paths"][openapi_path(rule.rule)], (rule, method)
    routes = {(openapi_path(r.rule), m.lower()) for r in layout_app.url_map.iter_rules()
              for m in r.methods}
    documented = {(path, m) for path, item in document["paths"].items() for m in item}
    assert documented <= routes  # nothing documented that does not exist
    assert {"/api/nearest", "/api/stations", "/api/buildings", "/api/openapi.json"} <= set(
        document["paths"]
    )
    for rule in rules:
        if rule.endpoint.startswith("public_api."):  # the finder's API is read-only
            assert rule.methods - {"HEAD", "OPTIONS"} == {"GET"}, rule


def test_documented_examples_answer_200_matching_the_response_schema(layout_app, document):
    client = layout_app.test_client()
    for path in public_gets(document):
        response = client.get(path, query_string=valid_query(document, path))
        assert response.status_code == 200, (path, response.get_json())
        schema_validator(document, response_schema(document, path)).validate(response.get_json())


def test_each_documented_parameter_is_read_and_each_undocumented_one_refused(layout_app, document):
    client = layout_app.test_client()
    for path in public_gets(document):
        parameters = document["paths"][path]["get"]["parameters"]
        query = valid_query(document, path)
        for parameter in parameters:
            name = parameter["name"]
            alone = {k: v for k, v in query.items() if k != name}
            if parameter["required"]:
                response = client.get(path, query_string=alone)
                assert response.status_code == 400 and response.get_json()["parameter"] == name
            else:
                assert client.get(path, query_string=alone).status_code == 200, (path, name)
            for bad in _violations(parameter["schema"]):
                response = client.get(path, query_string={**query, name: bad})
                assert response.status_code == 400, (path, name, bad)
                assert response.get_json()["parameter"] == name
                schema_validator(document, "Error").validate(response.get_json())
        response = client.get(path, query_string={**query, "undocumented": "1"})
        assert response.status_code == 400
        assert response.get_json()["parameter"] == "undocumented"


def _violations(schema: dict) -> list[str]:
    """Values the documented schema forbids."""
    bad = []
    if "enum" in schema:
        bad.append("not-a-choice")
    if "maximum" in schema:
        bad.append(str(schema["maximum"] + 1))
    if "minimum" in schema:
        bad.append(str(schema["minimum"] - 1))
    if schema.get("type") in ("number", "integer"):
        bad.append("abc")
    if schema.get("type") == "integer":
        bad.append("1.5")
    if "maxLength" in schema:
        bad.append("x" * (schema["maxLength"] + 1))
    return bad


def test_every_documented_enum_value_is_accepted(layout_app, document):
    client = layout_app.test_client()
    query = valid_query(document, "/api/nearest")
    for parameter in document["paths"]["/api/nearest"]["get"]["parameters"]:
        for value in parameter["schema"].get("enum", []):
            response = client.get("/api/nearest", query_string={**query, parameter["name"]: value})
            assert response.status_code == 200, (parameter["name"], value)
            schema_validator(document, "NearestAnswer").validate(response.get_json())


def test_error_answers_match_the_error_schema(layout_app, document):
    client = layout_app.test_client()
    errors = schema_validator(document, "Error")
    for response in (
        client.get("/api/nearest"),
        client.get("/api/nearest", query_string={"lon": 118.5, "lat": 31.96}),
        client.get("/api/nowhere"),
        client.post("/api/stations"),
    ):
        assert response.status_code in (400, 404, 405)
        errors.validate(response.get_json())
