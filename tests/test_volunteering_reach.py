"""The reach of activities on the walking map, worked out by hand on one street.

A 1 km street along y = 0; three buildings with entrances 10 m north of it at x = 100, 500 and
900 m; an activity on the street at x = 120 m. On foot: building A 10 + 20 = 30 m, B 10 + 380
= 390 m, C 10 + 780 = 790 m. Within a 300 m walk only A is reached; B and C are not, C first
(more residents). A straight-line buffer of 300 m would say the same here, so a second case
bends the street: there a building 150 m from the activity in a straight line is 450 m away
on foot.
"""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from support.geo import frame, line, lonlats

from geo_app.volunteering.reach import activity_reach, nearest_goods_station
from geo_app.walking import attach, build_network, prepare


def _buildings(entrances: dict[str, tuple[float, float]], residents: dict[str, int],
               compounds: dict[str, str]) -> gpd.GeoDataFrame:
    rows = []
    for bid, (x, y) in entrances.items():
        (lon, lat), = lonlats([(x, y)])
        footprint = shapely.Polygon(lonlats([(x - 8, y), (x + 8, y), (x + 8, y + 12),
                                            (x - 8, y + 12)]))
        rows.append({"id": bid, "name": f"{bid}栋", "compound": compounds[bid],
                     "grid_id": "G-1", "residents": residents[bid],
                     "entrances": [[lon, lat]], "geometry": footprint})
    return gpd.GeoDataFrame(rows, crs="EPSG:4326")


def test_buildings_beyond_a_ten_minute_walk_ranked_by_residents_and_care():
    network = prepare(build_network(frame([line((0, 0), (1000, 0))])))
    buildings = _buildings(
        {"A": (100, 10), "B": (500, 10), "C": (900, 10)},
        {"A": 60, "B": 80, "C": 120},
        {"A": "东苑", "B": "东苑", "C": "西苑"},
    )
    activity = tuple(lonlats([(120, 0)])[0])
    report = activity_reach(buildings, network, [activity], reach_m=300,
                            care_households={"B": 3}, max_attach_m=50)
    assert [b.building_id for b in report.unreached] == ["C", "B"]
    assert [b.nearest_m for b in report.unreached] == [pytest.approx(790, abs=0.5),
                                                      pytest.approx(390, abs=0.5)]
    assert report.unreached[1].care_households == 3
    assert (report.reached_residents, report.total_residents) == (60, 260)
    compounds = {c.compound: (c.buildings, c.unreached_buildings, c.unreached_residents)
                 for c in report.compounds}
    assert compounds == {"西苑": (1, 1, 120), "东苑": (2, 1, 80)}
    assert report.compounds[0].compound == "西苑"  # most unreached residents first


def test_a_bent_street_puts_a_near_building_out_of_reach():
    # An activity at (0, 0) on a street that runs east 300 m, north 150 m and back west 300 m.
    # The building's entrance at (0, 160) is 160 m from it as the crow flies; it joins the top
    # street at (0, 150), 300 + 150 + 300 = 750 m along it: 10 + 750 = 760 m on foot.
    network = prepare(build_network(frame([line((0, 0), (300, 0), (300, 150), (0, 150))])))
    buildings = _buildings({"N": (0, 160)}, {"N": 40}, {"N": "北苑"})
    activity = tuple(lonlats([(0, 0)])[0])
    report = activity_reach(buildings, network, [activity], reach_m=667,
                            care_households={}, max_attach_m=50)
    assert [b.building_id for b in report.unreached] == ["N"]
    assert report.unreached[0].nearest_m == pytest.approx(760, abs=0.5)


def test_no_activity_at_all_leaves_every_building_unreached():
    network = prepare(build_network(frame([line((0, 0), (1000, 0))])))
    buildings = _buildings({"A": (100, 10)}, {"A": 10}, {"A": "东苑"})
    report = activity_reach(buildings, network, [], reach_m=300, care_households={},
                            max_attach_m=50)
    assert [(b.building_id, b.nearest_m) for b in report.unreached] == [("A", None)]


def test_the_nearest_station_that_stocks_a_good_is_found_on_foot():
    network = prepare(build_network(frame([line((0, 0), (1000, 0))])))
    stations = attach(network, lonlats([(100, 0), (400, 0), (800, 0)]), max_attach_m=50)
    origin = tuple(lonlats([(700, 10)])[0])
    # S-3 at 800 m is nearest (10 + 100 = 110 m) but has none; S-2 at 400 m: 10 + 300 = 310 m.
    found = nearest_goods_station(network, stations, ["S-1", "S-2", "S-3"], origin,
                                  stock={"S-1": 4, "S-2": 1, "S-3": 0}, speed_kmh=4.0,
                                  max_attach_m=50)
    assert found is not None
    assert (found.station_id, found.stock) == ("S-2", 1)
    assert found.distance_m == pytest.approx(310, abs=0.5)
    assert found.minutes == pytest.approx(310 / (4000 / 60), abs=0.01)
    assert nearest_goods_station(network, stations, ["S-1", "S-2", "S-3"], origin, stock={},
                                 speed_kmh=4.0, max_attach_m=50) is None
