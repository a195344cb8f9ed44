"""The audit log's 从 (since) after its 到 (until): refused in words naming both parameters, on
the page (400, not an empty list and not a 500), with what the admin typed still in the
filter; the CSV export refuses the same range in the one JSON shape of errors."""

from __future__ import annotations

import re

import pytest
from support.accounts import AuthActions


@pytest.fixture
def admin(grid_app_factory):
    client = grid_app_factory().test_client()
    assert AuthActions(client).login("admin").status_code == 302
    return client


RANGE = "日期范围有误：“从”（since）2026-05-10 晚于“到”（until）2026-05-01"


def test_a_from_day_after_the_to_day_is_refused_and_kept_in_the_filter(admin):
    answer = admin.get("/admin/audit?person=admin&kind=account&since=2026-05-10&until=2026-05-01")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400
    (error,) = re.findall(r'data-testid="filter-error">(.*?)</p>', html)
    assert error.startswith(RANGE) and "对调" in error
    assert 'name="since" value="2026-05-10" aria-invalid="true"' in html
    assert 'name="until" value="2026-05-01" aria-invalid="true"' in html
    assert '<option value="account" selected>' in html
    assert '<option value="admin" selected>' in html
    assert "没有符合条件的记录" not in html  # not an empty list that looks like an answer
    assert "Traceback" not in html


def test_the_same_day_twice_is_a_range(admin):
    answer = admin.get("/admin/audit?since=2026-05-01&until=2026-05-01")
    assert answer.status_code == 200
    assert 'data-testid="filter-error"' not in answer.get_data(as_text=True)


def test_a_mistyped_day_is_named_and_kept(admin):
    answer = admin.get("/admin/audit?since=2026-13-01&until=2026-05-01")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert "参数 since" in html
    assert 'name="since" value="2026-13-01" aria-invalid="true"' in html
    assert 'name="until" value="2026-05-01">' in html  # the good one is not marked


def test_the_csv_export_refuses_the_same_range(admin):
    answer = admin.get("/admin/audit.csv?since=2026-05-10&until=2026-05-01",
                       headers={"Accept": "application/json"})
    assert answer.status_code == 400
    body = answer.get_json()
    assert body["parameter"] == "since/until" and body["error"].startswith(RANGE)
