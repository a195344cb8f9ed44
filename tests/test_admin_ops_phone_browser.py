"""In Chromium on a 375×667 phone, the pages this pass changed: the building form refusing a
save over a colleague's newer one (the browser's own submission carries the hidden
``expected_*`` inputs, entrances' line breaks included), the layer history with its 恢复后
texts, the accounts with a 启用 button, and the audit log refusing a 从 after its 到. Each
fits the width and every control is at least a finger (44 px) high."""

from __future__ import annotations

import json
from pathlib import Path

from support.accounts import ACCOUNTS, add_accounts, logged_in
from support.apps import make_grid_app
from support.browser import PHONE, log_in, served, small_controls
from support.grid_community import LAT, LON

from geo_app.store import get_store
from geo_app.store.accounts import deactivate, find_account

ENTRANCE = f"{LON + 0.00045}, {LAT + 0.0005}"


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} scrolls sideways: {width} px"
    assert small_controls(page) == [], page.url


def _fg1(data_dir: Path) -> dict:
    doc = json.loads((data_dir / "buildings.geojson").read_text("utf-8"))
    return next(f["properties"] for f in doc["features"] if f["properties"]["id"] == "FG-1")


def test_the_changed_admin_pages_on_a_phone(tmp_path, offline_page):
    app = make_grid_app(tmp_path, LAYER_HISTORY_DIR=str(tmp_path / "history"),
                        LAYER_RELOAD_STAMP=str(tmp_path / "layers.reload"))
    add_accounts(app, {"admin": ACCOUNTS["admin"], "admin2": ("admin", None, []),
                       "steward1": ACCOUNTS["steward1"]})
    with app.app_context(), get_store().write() as db:
        deactivate(db, find_account(db, "steward1"), actor="test")
    data_dir = Path(app.config["DATA_DIR"])
    view = offline_page(**PHONE)
    page = view.page
    with served(app) as base:
        log_in(page, base, "admin")

        # a save with an entrance: the browser's form, hidden inputs and all
        page.goto(f"{base}/admin/layers/buildings/FG-1")
        page.fill("textarea[name=entrances]", ENTRANCE)
        page.click("[data-testid=building-form] button[type=submit]")
        page.wait_for_load_state()
        assert _fg1(data_dir)["entrances"] == [[LON + 0.00045, LAT + 0.0005]]

        # the form opened again (it now starts from the entrance) … a colleague saves …
        page.goto(f"{base}/admin/layers/buildings/FG-1")
        colleague = logged_in(app, "admin2")
        form = colleague.get("/admin/layers/buildings/FG-1").get_data(as_text=True)
        token = form.split('name="csrf_token" value="')[1].split('"')[0]
        expected = {"expected_households": "24", "expected_entrances": ENTRANCE}
        assert colleague.post("/admin/layers/buildings/FG-1", data={
            "csrf_token": token, "households": "30", **expected}).status_code == 302
        # … and the phone's save is refused: only the households conflict, not the entrance
        page.fill("input[name=residents]", "61")
        page.click("[data-testid=building-form] button[type=submit]")
        page.wait_for_load_state()
        flash = page.locator("[data-testid=flash]").inner_text()
        assert flash.startswith("未保存：楼栋 风格城市 1栋（FG-1）在你打开表单后已被另一次保存修改"
                                "（户数 “24” → “30”，"), flash
        assert page.input_value("input[name=households]") == "30"
        assert page.input_value("input[name=residents]") == "61"
        _fits(page)
        page.click("[data-testid=building-form] button[type=submit]")  # the merged form saves
        page.wait_for_load_state()
        saved = _fg1(data_dir)
        assert (saved["households"], saved["residents"]) == (30, 61)

        page.goto(f"{base}/admin/layers/history")
        previews = page.locator("[data-testid=restore-preview]").all_inner_texts()
        assert previews[0] == "恢复后：楼栋 风格城市 1栋（FG-1）的常住人口改回 60"
        _fits(page)

        page.goto(f"{base}/admin/")
        page.click("[data-testid=reactivate-steward1]")
        page.wait_for_load_state()
        assert "已启用 steward1" in page.locator("[data-testid=flash]").inner_text()
        _fits(page)

        page.goto(f"{base}/admin/audit?since=2026-05-10&until=2026-05-01")
        assert page.locator("[data-testid=filter-error]").inner_text().startswith(
            "日期范围有误")
        assert page.input_value("input[name=since]") == "2026-05-10"
        _fits(page)
    assert view.errors == []
