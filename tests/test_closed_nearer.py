"""A nearer station that has the item but is closed now is named beside the open one offered.

On the tiny gated layout (:mod:`support.resident_layout`). Walks by hand, checked against the
reference walk (:mod:`support.oracle`): from 风格城市 3栋's entrance (220, 170) west 20 m to the
internal road, 70 m south and 80 m east to PS-A (10 m access) = 170 m; out by the south gate
(20 + 150 + 20) and 180 m east on 金宁路 to RP-A (10 m access) = 380 m; to PS-B out of the gate,
west 200 m, north 240 m on 西街 and 100 m east on 北街 (10 m access) = 740 m. From (180, 232), just
north of the fence: 8 m to 北街, 80 m west to PS-B (10 m access) = 98 m; east 220, south 240
and west 20 to RP-A (10 m access) = 498 m; round to the gate and in to PS-A = 808 m.
Hours: PS-A weekdays 08:00-18:00, PS-B daily 14:00-18:00, RP-A 24 hours.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from support.geo import lonlat
from support.oracle import reference_walk_m
from support.resident_layout import BUILDINGS, STATIONS, layout_lines_xy

SHANGHAI = ZoneInfo("Asia/Shanghai")
STATION_XY = {sid: xy for sid, _, _, xy, _, _ in STATIONS}
NAMES = {sid: name for sid, name, _, _, _, _ in STATIONS}
ENTRANCE_3 = next(b[4] for b in BUILDINGS if b[0] == "B-3")
NORTH_OF_FENCE = (180.0, 232.0)
HAND_WALKS = {
    ENTRANCE_3: {"PS-A": 170, "RP-A": 380, "PS-B": 740},
    NORTH_OF_FENCE: {"PS-B": 98, "RP-A": 498, "PS-A": 808},
}
#: The layer's stock: RP-A has no umbrellas.
LAYOUT_STOCK = {sid: items for sid, _, _, _, _, items in STATIONS}
#: Umbrellas everywhere: the 24-hour rest post RP-A has them too.
EVERYWHERE = {"PS-A": {"umbrella": 5}, "PS-B": {"umbrella": 2}, "RP-A": {"umbrella": 7}}


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of June 2025 (2 June is a Monday)."""
    return datetime(2025, 6, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(scope="module")
def layout_app(layout_app_factory):
    return layout_app_factory()


@pytest.fixture
def ask(layout_app, monkeypatch):
    """``ask(start, moment, stock=None, **params)``: the /api/nearest answer at a pinned clock."""
    from geo_app.web.views import public_api

    def asking(start, moment, stock=None, **params):
        monkeypatch.setitem(layout_app.config, "CLOCK", lambda: moment)
        if stock is not None:
            monkeypatch.setattr(public_api, "get_stock_levels", lambda: stock)
        lon, lat = lonlat(*start)
        response = layout_app.test_client().get(
            "/api/nearest", query_string={"lon": lon, "lat": lat, "item": "umbrella", **params}
        )
        assert response.status_code == 200
        return response.get_json()

    return asking


def test_hand_walks_are_the_reference_walks():
    for start, walks in HAND_WALKS.items():
        for station, metres in walks.items():
            assert reference_walk_m(layout_lines_xy(), start, STATION_XY[station]) == (
                pytest.approx(metres, abs=1e-6)
            )


@pytest.mark.parametrize(
    ("moment", "opens"),
    [
        (at(2, 7, 30), "今天 08:00"),  # Monday before opening
        (at(2, 19), "明天 08:00"),  # Monday after closing
        (at(6, 19), "周一 08:00"),  # Friday evening: closed all Saturday and Sunday
        (at(7, 10), "后天 08:00"),  # Saturday: closed all day, and all of tomorrow
    ],
)
def test_the_open_station_is_offered_and_the_nearer_closed_one_named(ask, moment, opens):
    for k in (1, 3):
        body = ask(ENTRANCE_3, moment, EVERYWHERE, k=k)
        first = body["results"][0]
        assert (first["station_id"], first["open_now"]) == ("RP-A", True)
        assert abs(first["distance_m"] - HAND_WALKS[ENTRANCE_3]["RP-A"]) <= 1
        closed = body["closed_nearer"]
        assert closed["station_id"] == "PS-A" and closed["opens"] == opens
        assert closed["distance_m"] == HAND_WALKS[ENTRANCE_3]["PS-A"]
        assert closed["minutes"] == pytest.approx(170 / (4000 / 60), abs=0.1)
        assert closed["text"] == f"更近的 风格城市党群服务站（步行 170 米）{opens} 开门"
        assert body["message"] is None


def test_sent_to_a_station_opening_later_with_a_nearer_one_opening_tomorrow(ask):
    # Sunday 10:00, RP-A out of umbrellas: PS-B (740 m) opens at 14:00 today, PS-A (170 m)
    # is closed all Sunday and opens on Monday at 08:00
    body = ask(ENTRANCE_3, at(8, 10), LAYOUT_STOCK)
    assert [(r["station_id"], r["opens_later_today"]) for r in body["results"]] == [
        ("PS-B", "14:00")
    ]
    assert body["closed_nearer"]["text"] == (
        "更近的 风格城市党群服务站（步行 170 米）明天 08:00 开门"
    )


def test_nearer_only_by_walk_counts_not_in_a_straight_line(ask):
    # Monday 07:30 north of the fence, PS-B out of umbrellas: PS-A is 152 m away in a straight
    # line against RP-A's 314 m, but its walk (808 m, round by the gate) is longer than RP-A's
    walks = HAND_WALKS[NORTH_OF_FENCE]
    assert walks["PS-A"] > walks["RP-A"]
    no_b = {**EVERYWHERE, "PS-B": {"umbrella": 0}}
    body = ask(NORTH_OF_FENCE, at(2, 7, 30), no_b)
    assert body["results"][0]["station_id"] == "RP-A"
    assert body["closed_nearer"] is None
    # with umbrellas at PS-B (98 m, opens at 14:00) that one is really nearer
    body = ask(NORTH_OF_FENCE, at(2, 7, 30), EVERYWHERE)
    assert body["results"][0]["station_id"] == "RP-A"
    assert body["closed_nearer"]["text"] == "更近的 北街党群服务站（步行 98 米）今天 14:00 开门"


def test_nothing_is_added_when_the_first_offer_is_the_nearest(ask):
    body = ask(ENTRANCE_3, at(2, 10), EVERYWHERE)  # Monday 10:00: PS-A (170 m) is open
    assert body["results"][0]["station_id"] == "PS-A"
    assert body["closed_nearer"] is None
    # nothing offered at all: the message names the nearest closed one instead
    body = ask(ENTRANCE_3, at(2, 19), LAYOUT_STOCK)  # RP-A, the one open, has no umbrellas
    assert body["results"] == [] and body["closed_nearer"] is None
    assert NAMES["PS-A"] in body["message"]


def test_a_nearer_station_out_of_the_item_is_not_named(ask):
    only_rp = {"PS-A": {"umbrella": 0}, "PS-B": {"umbrella": 0}, "RP-A": {"umbrella": 7}}
    body = ask(ENTRANCE_3, at(2, 19), only_rp)
    assert [r["station_id"] for r in body["results"]] == ["RP-A"]
    assert body["closed_nearer"] is None
