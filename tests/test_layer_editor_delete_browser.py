"""In Chromium, on a 375×667 phone and a 1280×800 desktop: the admin deletes the POI and the rest
post S-2 from the layer editor's map — each after confirming; S-2's umbrellas refuse the first
try in Chinese, and the offered write-off deletes it. The service drops both at once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.accounts import PASSWORD
from support.layer_editor import served_editor

REFUSED = ("站点 和园歇歇角 还有 2 件库存（雨伞 2），请先处理后再删除"
           "（库存可确认报损清零后一并删除）")


@pytest.fixture
def editor_site(tmp_path) -> Iterator[tuple[str, Path]]:
    """A live server on a copy of the tiny community (CSRF on); yields (base URL, layer dir)."""
    with served_editor(tmp_path) as site:
        yield site


def _ids(data_dir: Path, layer: str) -> list[str]:
    features = json.loads((data_dir / f"{layer}.geojson").read_text("utf-8"))["features"]
    return [f["properties"]["id"] for f in features]


def _deleted(page, what: str) -> None:
    """Wait for the map to say ``what`` (layer/id) was deleted, then forget it."""
    page.wait_for_selector(f"[data-testid=editor-map][data-deleted='{what}']")
    page.evaluate("document.querySelector('[data-testid=editor-map]').removeAttribute('data-deleted')")


def _in_view(page, selector: str) -> bool:
    """Whether the element lies within the window as it is scrolled now."""
    return page.evaluate(
        "(s) => { const r = document.querySelector(s).getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= window.innerHeight; }", selector)


@pytest.mark.parametrize(("width", "height"), [(375, 667), (1280, 800)])
def test_the_admin_deletes_a_poi_and_a_station_from_the_map(
    editor_site, offline_page, tmp_path, width, height
):
    base, data_dir = editor_site
    view = offline_page(width=width, height=height)
    page = view.page
    page.goto(f"{base}/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{base}/admin/layers")
    page.wait_for_selector("[data-testid=editor-map][data-ready=true]")

    # the POI: open its form, ask to delete, think again, then confirm
    page.locator(".editor-poi").click()
    poi_form = page.locator("[data-testid=poi-form]")
    poi_form.wait_for(state="visible")
    page.click("[data-testid=delete-poi]")
    confirm = page.locator("[data-testid=confirm-poi]")
    assert "删除便民设施“便利店”（POI-1）？" in confirm.text_content()
    page.click("[data-testid=confirm-poi] [data-role=keep]")
    assert confirm.is_hidden() and _ids(data_dir, "pois") == ["POI-1"]
    page.click("[data-testid=delete-poi]")
    page.click("[data-testid=confirm-delete-poi]")
    _deleted(page, "pois/POI-1")
    assert "已删除便民设施 POI-1" in page.locator("[data-testid=editor-status]").text_content()
    assert _ids(data_dir, "pois") == []
    assert page.locator(".editor-poi").count() == 0

    # the rest post: refused while its umbrellas are on the shelf, then written off and deleted
    page.locator(".editor-station[title='和园歇歇角']").click()
    form = page.locator("[data-testid=station-form]")
    form.wait_for(state="visible")
    page.click("[data-testid=delete-station]")
    page.screenshot(path=str(tmp_path / f"delete_confirm_{width}.png"), full_page=True)
    page.click("[data-testid=confirm-delete-station]")
    error = page.locator("[data-testid=delete-error-station]")
    error.wait_for(state="visible")  # beside the buttons just pressed, in view on the phone
    assert error.text_content() == f"未删除：{REFUSED}"
    assert error.is_visible() and _in_view(page, "[data-testid=delete-error-station]")
    assert _ids(data_dir, "stations") == ["S-1", "S-2"]
    write_off = page.locator("[data-testid=write-off-delete-station]")
    assert write_off.is_visible()
    assert page.locator("[data-testid=confirm-delete-station]").is_hidden()  # would refuse again
    page.screenshot(path=str(tmp_path / f"delete_refused_{width}.png"), full_page=True)
    write_off.click()
    _deleted(page, "stations/S-2")
    status = page.locator("[data-testid=editor-status]").text_content()
    assert "已删除服务站 S-2（库存报损清零：雨伞 2）" in status
    assert _ids(data_dir, "stations") == ["S-1"]
    page.wait_for_function("document.querySelectorAll('.editor-station').length === 1")
    assert page.locator(".editor-station[title='和园歇歇角']").count() == 0

    stations = page.request.get(f"{base}/api/stations").json()["stations"]
    assert [s["station_id"] for s in stations] == ["S-1"]
    assert view.errors == [] and view.blocked == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width
