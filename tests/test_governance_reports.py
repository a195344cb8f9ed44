"""The monthly report of a grid, with figures worked out by hand on six views."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from support.accounts import logged_in
from support.governance import TZ, governance_app

from geo_app.config import VIEW_CATEGORIES
from geo_app.governance.chart import category_chart
from geo_app.governance.reports import monthly_report, report_csv
from geo_app.store import get_store
from geo_app.store.governance_models import View

AS_OF = datetime(2025, 6, 10, 12, 0, tzinfo=TZ)


def _utc(local: datetime | None) -> datetime | None:
    """A 合肥 wall-clock time as stored: in UTC (the store keeps UTC)."""
    return local.replace(tzinfo=TZ).astimezone(UTC) if local else None


def _view(n, *, grid="JN-01", category, created, due_h, state, answered=None, closed=None,
          rating=None) -> View:
    return View(
        id=n, code=f"CODE{n:06d}", grid_id=grid, lon=117.261, lat=31.961, category=category,
        text="测试", state=state, public=True, supporters=0, source="web",
        created_at=_utc(created), due_at=_utc(created + timedelta(hours=due_h)),
        answered_at=_utc(answered), closed_at=_utc(closed), satisfaction=rating,
    )


def fixture_views() -> list[View]:
    return [
        # 00:30 on 1 May in 合肥 is still 30 April in UTC: counted in May
        _view(1, category="environment", created=datetime(2025, 5, 1, 0, 30), due_h=72,
              state="rejected"),
        # 23:59 on 30 April: April
        _view(2, category="environment", created=datetime(2025, 4, 30, 23, 59), due_h=72,
              state="closed", answered=datetime(2025, 5, 1, 9), closed=datetime(2025, 5, 2, 9),
              rating=1),
        # safety, due in 48 h, answered after 72 h (overdue), closed after 120 h, rated 2
        _view(3, category="safety", created=datetime(2025, 5, 10, 9), due_h=48, state="closed",
              answered=datetime(2025, 5, 13, 9), closed=datetime(2025, 5, 15, 9), rating=2),
        # greening, answered after 24 h, closed after 48 h, rated 5
        _view(4, category="greening", created=datetime(2025, 5, 20, 10), due_h=120,
              state="closed", answered=datetime(2025, 5, 21, 10), closed=datetime(2025, 5, 22, 10),
              rating=5),
        # noise, sent 31 May 23:00, due 3 June 23:00, still unanswered on 10 June: overdue
        _view(5, category="noise", created=datetime(2025, 5, 31, 23), due_h=72,
              state="published"),
        # another grid
        _view(6, grid="JN-02", category="noise", created=datetime(2025, 5, 15, 8), due_h=72,
              state="submitted"),
    ]


def test_monthly_figures_match_the_hand_count():
    report = monthly_report(fixture_views(), grid_id="JN-01", year=2025, month=5, tz=TZ,
                            moment=AS_OF, categories=VIEW_CATEGORIES)
    total = report.total
    assert total.received == 4  # views 1, 3, 4, 5
    assert total.closed == 2  # views 3 and 4
    assert total.median_close_hours == pytest.approx((120 + 48) / 2)
    assert total.overdue == 2  # view 3 answered late, view 5 unanswered past due
    assert total.satisfaction_mean == pytest.approx(3.5)
    assert total.satisfaction_count == 2
    assert {s: n for s, n in report.by_state.items() if n} == {
        "rejected": 1, "closed": 2, "published": 1}
    assert report.by_category["safety"].overdue == 1
    assert report.by_category["safety"].median_close_hours == pytest.approx(120)
    assert report.by_category["environment"].received == 1
    assert report.by_category["roads"].received == 0
    assert report.ratings == {1: 0, 2: 1, 3: 0, 4: 0, 5: 1}
    april = monthly_report(fixture_views(), grid_id="JN-01", year=2025, month=4, tz=TZ,
                           moment=AS_OF, categories=VIEW_CATEGORIES)
    assert (april.total.received, april.total.satisfaction_mean) == (1, 1.0)


def test_the_csv_and_the_chart_carry_the_same_figures():
    report = monthly_report(fixture_views(), grid_id="JN-01", year=2025, month=5, tz=TZ,
                            moment=AS_OF, categories=VIEW_CATEGORIES)
    rows = list(csv.reader(io.StringIO(report_csv(report, categories=VIEW_CATEGORIES)
                                       .lstrip("\ufeff"))))
    assert rows[0][:4] == ["网格", "月份", "类别", "收到"]
    assert rows[-1] == ["JN-01", "2025-05", "合计", "4", "2", "2", "84.0", "3.50", "2"]
    safety = next(r for r in rows if r[2] == "安全隐患")
    assert safety[3:] == ["1", "1", "1", "120.0", "2.00", "1"]
    chart = str(category_chart(report, categories=VIEW_CATEGORIES))
    assert chart.startswith("<svg") and "安全隐患 结案：1 条" in chart
    assert "噪音扰民 办理中：1 条" in chart and "环境卫生 不予受理/重复：1 条" in chart


def test_the_report_page_and_csv_answer_inside_the_grid_only(tmp_path):
    app = governance_app(tmp_path, CLOCK=lambda: AS_OF)
    with app.app_context(), get_store().write() as db:
        for view in fixture_views():
            db.add(view)
    leader = logged_in(app, "leader1")
    page = leader.get("/staff/grids/JN-01/report?month=2025-05")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'data-testid="received">4<' in text and 'data-testid="overdue">2<' in text
    assert "84.0 小时" in text and "3.50" in text and "<svg" in text
    download = leader.get("/staff/grids/JN-01/report.csv?month=2025-05")
    assert download.mimetype == "text/csv"
    assert "JN-01,2025-05,合计,4,2,2,84.0,3.50,2" in download.get_data(as_text=True)
    assert leader.get("/staff/grids/JN-01/report?month=2025-13").status_code == 400
    # the year 0001 read as "1-01", and months not yet come were reported as empty months
    for month, shown in (("0001-01", "“0001-01”"), ("2025-07", "“2025-07”"),
                         ("9999-12", "“9999-12”")):
        refused = leader.get(f"/staff/grids/JN-01/report.csv?month={month}")
        assert refused.status_code == 400, month
        assert refused.get_json() == {"parameter": "month", "error":
                                      f"month {shown} 不在 2000-01 至本月（2025-06）之间"}
    assert leader.get("/staff/grids/JN-01/report?month=2025-06").status_code == 200
    assert leader.get("/staff/grids/JN-02/report").status_code == 403
    assert logged_in(app, "member1").get("/staff/grids/JN-01/report").status_code == 403
    heat = leader.get("/staff/grids/JN-01/heatmap")
    assert heat.status_code == 200 and "gov-map-data" in heat.get_data(as_text=True)


def test_the_heat_map_is_hottest_where_the_views_are_and_paths_count_nearby_pins():
    import geopandas as gpd
    import numpy as np
    from shapely.geometry import LineString, Point, shape

    from geo_app.governance.heat import (
        counts_by_building,
        counts_by_path,
        heat_cells,
        path_index,
    )

    pins = np.array([[117.261, 31.9612], [117.261, 31.9612], [117.2635, 31.9612]])
    cells = heat_cells(pins, cell_m=20, bandwidth_m=35)["features"]
    hottest = max(cells, key=lambda f: f["properties"]["share"])
    assert hottest["properties"]["share"] == 1.0
    assert shape(hottest["geometry"]).buffer(1e-5).contains(Point(117.261, 31.9612))
    assert all(0.05 <= f["properties"]["share"] <= 1 for f in cells)
    # the single pin's cell: about half as hot as the double one (exp(-d²/2h²) ≈ 0 between)
    lone = max((f for f in cells if shape(f["geometry"]).centroid.x > 117.263),
               key=lambda f: f["properties"]["share"])
    assert lone["properties"]["share"] == pytest.approx(0.5, abs=0.05)
    paths = gpd.GeoDataFrame({"id": ["P-1", "P-2"], "name": ["金宁路", None]}, geometry=[
        LineString([(117.260, 31.961), (117.264, 31.961)]),  # 22 m south of the pins
        LineString([(117.260, 31.9625), (117.264, 31.9625)]),  # 144 m north
    ], crs="EPSG:4326")
    assert counts_by_path(path_index(paths), pins, snap_m=30) == [("金宁路", 3)]
    assert counts_by_path(path_index(paths.iloc[:0]), pins, snap_m=30) == []
    assert counts_by_building(["FG-1", None, "FG-1", "FG-2"]) == [("FG-1", 2), ("FG-2", 1)]
