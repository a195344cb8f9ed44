"""Planner QA pass 4: a bad parameter in the planner's URL answers 400 with the planner's own
form (what was typed kept, the message next to its field), not the generic error page."""

from __future__ import annotations

import re
from html import unescape

import pytest
from support.browser import FINGER, PHONE, small_controls


@pytest.fixture(scope="module")
def reader(app_factory):
    return app_factory().test_client()


def _field(html: str, name: str) -> str:
    found = re.search(rf'<input name="{name}"[^>]*>', html)
    assert found, f"no {name} field"
    return found.group(0)


def _value(tag: str) -> str:
    found = re.search(r'value="([^"]*)"', tag)
    assert found
    return unescape(found.group(1))


@pytest.mark.parametrize(("query", "field", "typed", "words"), [
    ("threshold=abc", "threshold", "abc", "步行距离（threshold）应为以米计的数值，实际为 “abc”"),
    ("threshold=10", "threshold", "10", "步行距离（threshold）应在 50–5000 米之间，实际为 “10”"),
    ("threshold=1_000", "threshold", "1_000",
     "步行距离（threshold）应为以米计的数值，实际为 “1_000”"),
    ("k=0", "k", "0", "建议新增站点数（k）应在 1–50 之间，实际为 “0”"),
])
def test_a_refused_parameter_answers_the_planners_form(reader, query, field, typed, words):
    answer = reader.get(f"/planner?{query}")
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    assert 'data-testid="planner-refused"' in html
    assert "回到首页" not in html  # not the generic error page
    tag = _field(html, field)
    assert _value(tag) == typed  # what was typed is kept
    assert f'aria-describedby="planner-{field}-error"' in tag and 'aria-invalid="true"' in tag
    message = re.search(rf'<p [^>]*id="planner-{field}-error"[^>]*>([^<]*)</p>', html)
    assert message and 'role="alert"' in message.group(0)
    assert words in unescape(message.group(1))
    assert re.search(r'<a href="/planner" data-testid="planner-default">', html)
    # no report below the form: no map, no summary, no siting table, no print link
    for part in ("planner-map", "planner-summary", "siting-table", "print-link"):
        assert f'data-testid="{part}"' not in html


def test_both_refused_parameters_are_named_each_at_its_field(reader):
    html = reader.get("/planner?k=0&threshold=10").get_data(as_text=True)
    assert "应在 50–5000 米之间" in html and "应在 1–50 之间" in html
    assert _value(_field(html, "threshold")) == "10" and _value(_field(html, "k")) == "0"


def test_a_good_field_beside_a_bad_one_stays_a_number_field(reader):
    html = reader.get("/planner?threshold=abc&k=3").get_data(as_text=True)
    k = _field(html, "k")
    assert 'type="number"' in k and "aria-invalid" not in k and _value(k) == "3"
    # the quick links keep the planner's k
    assert 'href="/planner?threshold=500&amp;k=3"' in html


def test_the_default_link_answers_the_analysis(reader):
    assert reader.get("/planner").status_code == 200


@pytest.mark.parametrize("path", ["/planner/report.json", "/planner/grids.csv",
                                  "/planner/uncovered.csv"])
def test_downloads_keep_their_json_400(reader, path):
    answer = reader.get(f"{path}?threshold=abc", headers={"Accept": "application/json"})
    assert answer.status_code == 400 and answer.mimetype == "application/json"
    assert answer.get_json()["parameter"] == "threshold"


def test_the_refused_form_on_a_phone(live_server, offline_page):
    """Chromium at 375 px: the form fits, the message sits under its field and is announced,
    every control is a finger high, and the default link opens the analysis."""
    view = offline_page(**PHONE)
    page = view.page
    answer = page.goto(f"{live_server}/planner?threshold=1_000&k=2")
    assert answer.status == 400
    field = page.locator('input[name="threshold"]')
    assert field.input_value() == "1_000"
    message = page.locator("#planner-threshold-error")
    assert message.is_visible() and "应为以米计的数值" in message.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    field_box, message_box = field.bounding_box(), message.bounding_box()
    assert message_box["y"] >= field_box["y"] + field_box["height"] - 1  # just below it
    assert message_box["y"] - (field_box["y"] + field_box["height"]) < 60
    assert message_box["x"] + message_box["width"] <= PHONE["width"]
    # the field's description is the message (what a screen reader reads with it)
    described = page.evaluate(
        "document.getElementById(document.querySelector('input[name=threshold]')"
        ".getAttribute('aria-describedby')).textContent")
    assert "应为以米计的数值" in described
    assert small_controls(page) == [], f"controls under {FINGER} px"
    assert view.errors == []
    field.fill("600")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "threshold=600" in page.url and page.locator('[data-testid="planner-summary"]').count()
    page.goto(f"{live_server}/planner?threshold=abc")
    page.click('[data-testid="planner-default"]')
    page.wait_for_load_state()
    assert page.url.endswith("/planner") and page.locator('[data-testid="planner-map"]').count()
