"""Every map of the service credits Leaflet and the data, without the national flag Leaflet
1.9 puts in its prefix: the Folium maps (maps/base) and the hand-written ones (gov_map.js)."""

from __future__ import annotations

import pytest

PAGES = ["/", "/map", "/planner", "/activities", "/views/new"]


@pytest.mark.parametrize("path", PAGES)
def test_the_map_credit_is_leaflet_and_the_community(live_server, offline_page, path):
    session = offline_page(1280, 800)
    page = session.page
    page.goto(f"{live_server}{path}", wait_until="networkidle")
    credit = page.locator(".leaflet-control-attribution")
    assert credit.count() == 1, path
    assert credit.locator("svg").count() == 0, path  # Leaflet 1.9's flag
    assert credit.inner_text().startswith("Leaflet"), path
    assert "地图数据 © 金宁社区" in credit.inner_text(), path
    assert session.errors == [] and session.blocked == []
