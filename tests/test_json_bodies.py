"""Every JSON API that takes a body answers a body it cannot read with a 400 naming ``body``
in Chinese — nested past the parser's depth, NaN, not an object — never a 500 (a body nested
100,000 deep raised RecursionError through ``request.get_json`` in five views)."""

from __future__ import annotations

import re

import pytest
from support.accounts import logged_in
from support.governance import governance_app

BAD_BODIES = {
    "nested": "[" * 100_000,
    "nested-object": '{"a":' * 50_000 + "1" + "}" * 50_000,
    "nan": '{"quantity": NaN}',
    "array": "[1, 2]",
}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return governance_app(tmp_path_factory.mktemp("json_bodies"))


def _json_posts(app) -> list[str]:
    """Every POST route under /api/ and /admin/api/, with ids filled in."""
    paths = []
    for rule in app.url_map.iter_rules():
        if "POST" in (rule.methods or ()) and rule.rule.startswith(("/api/", "/admin/api/")):
            paths.append(re.sub(r"<(?:int:)?[^>]+>", "1", rule.rule))
    return sorted(paths)


def test_there_are_json_posts_to_check(app):
    assert len(_json_posts(app)) >= 10


@pytest.mark.parametrize("kind", sorted(BAD_BODIES))
def test_an_unreadable_body_is_a_400_not_a_500(app, kind):
    admin = logged_in(app, "admin")
    for path in _json_posts(app):
        answer = admin.post(path, data=BAD_BODIES[kind], content_type="application/json")
        assert answer.status_code != 500, (path, kind)
        assert answer.is_json, (path, kind)
        if answer.status_code == 400 and path not in ("/api/views/1/photo",):
            assert answer.json["parameter"] in ("body", "card", "photo"), (path, kind)
