"""Two admins on the same building form (/admin/layers/buildings/<id>): a save from a form
opened before a colleague's save no longer writes the older values back over it.

The form carries what it started from (hidden ``expected_*`` inputs) and the save hands them to
the editor's ``expected`` check. On a conflict nothing is written or logged; the form comes
back (409) with the current values, the fields the admin had changed still as typed, and a
Chinese message naming the fields, their change, and who saved last and when. The tiny
community of ``support.grid_community``: FG-1 风格城市 1栋 has 24 households, 60 residents.
"""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest
from support.accounts import ACCOUNTS, csrf_token_of, logged_in

from geo_app.store import get_store
from geo_app.store.accounts import find_account
from geo_app.store.audit import entries

ADMINS = {**ACCOUNTS, "admin2": ("admin", None, [])}
FORM = "/admin/layers/buildings/FG-1"


@pytest.fixture
def app(grid_app_factory, tmp_path):
    app = grid_app_factory(accounts=ADMINS, LAYER_HISTORY_DIR=str(tmp_path / "history"),
                           LAYER_RELOAD_STAMP=str(tmp_path / "layers.reload"))
    with app.app_context(), get_store().write() as db:
        find_account(db, "admin2").display_name = "王书记"
    return app


def _admin(app, username: str):
    client = logged_in(app, username)
    client.token = csrf_token_of(client, "/admin/layers")
    return client


def _form(html: str) -> dict[str, str]:
    """What the browser sends for the form on ``html``: every input, the textarea, the select."""
    form = html.split('data-testid="building-form"')[1].split("</form>")[0]
    data = {name: unescape(value) for name, value in
            re.findall(r'<input name="(\w+)"[^>]*?value="([^"]*)"', form)}
    data |= {name: unescape(value) for name, value in
             re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form)}
    data |= {name: unescape(text) for name, text in
             re.findall(r'<textarea name="(\w+)"[^>]*>([^<]*)</textarea>', form)}
    (grid,) = re.findall(r'<option value="([^"]+)" selected>', form)
    return data | {"grid_id": grid}


def _opened(client) -> dict[str, str]:
    return _form(client.get(FORM).get_data(as_text=True))


def _save(client, form: dict[str, str], **typed: str):
    data = {**form, **typed, "csrf_token": client.token}
    data.pop("csrf_token_", None)
    return client.post(FORM, data=data)


def _fg1(app) -> dict:
    doc = json.loads((Path(app.config["DATA_DIR"]) / "buildings.geojson").read_text("utf-8"))
    return next(f["properties"] for f in doc["features"] if f["properties"]["id"] == "FG-1")


def _log_size(app) -> int:
    with app.app_context(), get_store().read() as db:
        return len(entries(db, limit=10_000))


def _flashes(html: str) -> list[str]:
    return [unescape(f) for f in re.findall(r'data-testid="flash">(.*?)</p>', html)]


def test_the_form_carries_what_it_started_from(app):
    form = _opened(_admin(app, "admin"))
    assert {k: v for k, v in form.items() if k.startswith("expected_")} == {
        "expected_name": "风格城市 1栋", "expected_floors": "6", "expected_units": "2",
        "expected_households": "24", "expected_residents": "60", "expected_grid_id": "JN-01",
        "expected_entrances": "",
    }


def test_a_save_over_a_colleagues_newer_save_is_refused_and_the_form_merged(app):
    first, second = _admin(app, "admin"), _admin(app, "admin2")
    opened = _opened(first)  # the first admin opens the form …
    assert _save(second, _opened(second), households="30").status_code == 302  # … 王书记 saves
    before, logged = _fg1(app), _log_size(app)

    answer = _save(first, opened, residents="61")  # typed from the older form
    html = answer.get_data(as_text=True)
    assert answer.status_code == 409
    (message,) = _flashes(html)
    assert re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d", "<北京时间>", message) == (
        "未保存：楼栋 风格城市 1栋（FG-1）在你打开表单后已被另一次保存修改（户数 “24” → “30”，"
        "最近一次由 王书记（admin2）于 <北京时间> 保存）。表单已换成最新内容，"
        "你改过的常住人口保留了你填写的值，请核对后再点“保存”")
    assert _fg1(app) == before  # 30 households stand; the refused save wrote nothing
    assert _log_size(app) == logged
    shown = _form(html)
    assert (shown["households"], shown["residents"]) == ("30", "61")  # current · typed
    assert (shown["expected_households"], shown["expected_residents"]) == ("30", "60")

    again = _save(first, shown)  # the merged form, sent as shown
    assert again.status_code == 302
    saved = _fg1(app)
    assert (saved["households"], saved["residents"]) == (30, 61)


def test_both_changing_the_same_field_keep_the_typed_value_and_say_the_newer_one(app):
    first, second = _admin(app, "admin"), _admin(app, "admin2")
    opened = _opened(first)
    _save(second, _opened(second), households="30", name="风格城市 一栋")
    answer = _save(first, opened, households="26")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 409
    (message,) = _flashes(html)
    assert "（名称 “风格城市 1栋” → “风格城市 一栋”、户数 “24” → “30”，" in message
    assert "你改过的户数保留了你填写的值" in message
    shown = _form(html)
    assert (shown["name"], shown["households"]) == ("风格城市 一栋", "26")
    assert "<h1>风格城市 一栋（FG-1）</h1>" in html
    assert _fg1(app)["households"] == 30


def test_a_restore_after_the_form_was_opened_is_named(app):
    first = _admin(app, "admin")
    _save(first, _opened(first), residents="61")  # a save: the older file is kept
    opened = _opened(first)  # the form now starts from 61 residents
    history = first.get("/admin/layers/history").get_data(as_text=True)
    (version,) = re.findall(r'data-version="([^"]+)"', history)
    second = _admin(app, "admin2")
    assert second.post(f"/admin/layers/history/{version}/restore",
                       data={"csrf_token": second.token}).status_code == 302
    answer = _save(first, opened, floors="7")
    (message,) = _flashes(answer.get_data(as_text=True))
    assert answer.status_code == 409
    assert re.search(r"（常住人口 “61” → “60”，最近一次由 王书记（admin2）于 "
                     r"\d{4}-\d\d-\d\d \d\d:\d\d 恢复历史版本）", message), message
    assert "你改过的层数保留了你填写的值" in message


def test_an_unchanged_form_still_saves(app):
    first = _admin(app, "admin")
    answer = _save(first, _opened(first), units="3")
    assert answer.status_code == 302
    assert _fg1(app)["units"] == 3
