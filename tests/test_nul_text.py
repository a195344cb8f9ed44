"""NUL (U+0000) in any field is a 400 naming the field, before any view or database sees it
(PostgreSQL refuses it in text columns: it was a 500 there; this file runs on both stores)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from support.governance import IN_JN01, governance_app
from support.refusals import assert_api_refusal

from geo_app.store import get_store

GOOD = {"lon": IN_JN01[0], "lat": IN_JN01[1], "category": "greening",
        "text": "花坛里的树被砍了好几棵", "name": "李阿姨", "phone": "0551-66128801"}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return governance_app(tmp_path_factory.mktemp("nul"))


def _views(app) -> int:
    with app.app_context(), get_store().read() as db:
        return db.execute(text("SELECT count(*) FROM gov_views")).scalar_one()


@pytest.mark.parametrize(
    ("body", "parameter"),
    [
        ({**GOOD, "text": "测试\u0000内容测试一下"}, "text"),
        ({**GOOD, "name": "\u0000"}, "name"),
        ({**GOOD, "extra": {"notes": ["好", "坏\u0000"]}}, "extra.notes[1]"),
    ],
)
def test_nul_in_a_json_body_is_a_400_naming_the_field(app, body, parameter):
    before = _views(app)
    answer = app.test_client().post("/api/views", json=body)
    assert_api_refusal(answer, parameter, "空字符")
    assert _views(app) == before


def test_a_backslash_u0000_typed_as_text_is_kept(app):
    # the resident typed the six characters \u0000: JSON escapes the backslash, no NUL
    body = json.dumps({**GOOD, "text": "路灯编号 \\u0000 不亮了"})
    assert "\\\\u0000" in body
    answer = app.test_client().post("/api/views", data=body, content_type="application/json")
    assert answer.status_code == 201, answer.json
    status = app.test_client().get(f"/api/views/{answer.json['code']}").json
    assert status["text"] == "路灯编号 \\u0000 不亮了"


def test_nul_in_a_query_a_form_and_a_path(app):
    client = app.test_client()
    query = client.get("/api/nearest?lon=117.26&lat=31.96&item=umb%00rella")
    assert query.status_code == 400 and query.json["parameter"] == "item"
    page = client.post("/login", data={"username": "admin\x00", "password": "x" * 12})
    assert page.status_code == 400
    words = page.get_data(as_text=True)
    assert "username" in words and "空字符" in words and "<html" in words.lower()
    path = client.get("/api/views/ABC%00DEF")
    assert path.status_code == 400 and path.json["parameter"] == "code"
