"""A resident who scanned a building's QR poster (/?b=<building>) and taps 反映问题 reaches the
form with that building already chosen; without ?b= the link is the plain form."""

from __future__ import annotations

import re

from support.browser import PHONE


def _report_links(client, path: str) -> list[str]:
    html = client.get(path).get_data(as_text=True)
    return re.findall(r'<a href="([^"]*)">反映问题</a>', html)


def test_the_report_link_carries_only_the_building_the_page_was_opened_with(grid_app_factory):
    client = grid_app_factory(accounts=None).test_client()
    assert _report_links(client, "/?b=FG-1") == ["/views/new?building=FG-1"]
    assert _report_links(client, "/?b=FG-1&item=umbrella") == ["/views/new?building=FG-1"]
    assert _report_links(client, "/") == ["/views/new"]
    assert _report_links(client, "/?s=S-1") == ["/views/new"]
    unknown = client.get("/?b=NO-SUCH")  # an unknown id: the error page, no link carrying it
    assert unknown.status_code == 404
    assert "NO-SUCH" not in "".join(re.findall(r'<a href="([^"]*)"', unknown.get_data(True)))
    assert _report_links(client, "/views/new") == ["/views/new"]  # other pages: unchanged


def test_from_a_building_qr_the_form_opens_with_the_building_chosen(live_server, offline_page):
    phone = offline_page(**PHONE)
    page = phone.page
    page.goto(f"{live_server}/?b=FG-01")
    link = page.locator(".topnav a", has_text="反映问题")
    assert link.get_attribute("href") == "/views/new?building=FG-01"
    link.click()
    page.wait_for_url(re.compile(r"/views/new\?building=FG-01$"))
    status = page.locator("[data-testid=pin-status]")
    assert status.inner_text() == "已选楼栋：风格城市 1栋"
    assert status.get_attribute("data-lon") is not None
    assert not page.locator("[data-testid=prefill-problem]").count()
    assert phone.errors == [] and phone.blocked == []
