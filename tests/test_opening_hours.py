"""Opening hours: parsing, open now / later today, and the words residents read."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from geo_app.stations.hours import (
    HoursFormatError,
    describe_hours,
    next_opening_text,
    parse_hours,
    status_at,
    today_text,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEEKDAYS_8_18 = {d: "08:00-18:00" for d in ("mon", "tue", "wed", "thu", "fri")}


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """2025-06-02 is a Monday: ``at(0, 9)`` is Monday 09:00 in Shanghai."""
    return datetime(2025, 6, 2 + day, hour, minute, tzinfo=SHANGHAI)


def test_monday_reference_date_is_a_monday():
    assert at(0, 0).weekday() == 0
    assert at(6, 0).strftime("%A") == "Sunday"


@pytest.mark.parametrize(
    ("moment", "open_now", "closes_at", "opens_later"),
    [
        (at(0, 7, 59), False, None, "08:00"),
        (at(0, 8, 0), True, "18:00", None),
        (at(0, 17, 59), True, "18:00", None),
        (at(0, 18, 0), False, None, None),  # the end minute is already closed
        (at(5, 10), False, None, None),  # Saturday: not listed, closed all day
    ],
)
def test_weekday_hours(moment, open_now, closes_at, opens_later):
    status = status_at(parse_hours(WEEKDAYS_8_18), moment)
    assert status.known
    assert status.open_now is open_now
    assert status.closes_at == closes_at
    assert status.opens_later_today == opens_later


def test_split_day_reports_the_afternoon_opening_during_lunch():
    hours = parse_hours({"mon": "14:00-17:30,08:30-11:30"})  # any order in the file
    lunch = status_at(hours, at(0, 12, 15))
    assert (lunch.open_now, lunch.opens_later_today) == (False, "14:00")
    afternoon = status_at(hours, at(0, 15))
    assert (afternoon.open_now, afternoon.closes_at) == (True, "17:30")


def test_day_marked_closed_and_24h_and_unknown():
    hours = parse_hours({**WEEKDAYS_8_18, "sun": "closed"})
    assert not status_at(hours, at(6, 12)).open_now
    always = status_at(parse_hours("24h"), at(6, 3))
    assert always.open_now and always.closes_at is None
    unknown = status_at(parse_hours(None), at(0, 12))
    assert not unknown.known and not unknown.open_now


def test_span_to_midnight_is_open_until_the_last_minute():
    hours = parse_hours({"mon": "20:00-24:00"})
    assert status_at(hours, at(0, 23, 59)).open_now
    assert status_at(hours, at(0, 23, 59)).closes_at == "24:00"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("always", "24h"),
        ({"monday": "08:00-18:00"}, "未知星期"),
        ({"mon": "8-18"}, "HH:MM-HH:MM"),
        ({"mon": "18:00-08:00"}, "结束时间"),
        ({"mon": 8}, "字符串"),
    ],
)
def test_bad_hours_name_the_problem(value, message):
    with pytest.raises(HoursFormatError, match=message):
        parse_hours(value)


def test_describe_groups_consecutive_days():
    week = {**WEEKDAYS_8_18, "sat": "09:00-12:00", "sun": "09:00-12:00"}
    assert describe_hours(parse_hours(week)) == "周一至周五 08:00-18:00；周六、周日 09:00-12:00"
    assert describe_hours(parse_hours(WEEKDAYS_8_18)) == "周一至周五 08:00-18:00；周六、周日 休息"
    every = {d: "08:00-18:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    assert describe_hours(parse_hours(every)) == "每天 08:00-18:00"
    assert describe_hours(parse_hours("24h")) == "24 小时开放"
    assert describe_hours(None) == "开放时间未登记"


def test_today_text():
    hours = parse_hours({"mon": "08:30-11:30,14:00-17:30"})
    assert today_text(hours, at(0, 9)) == "今天 08:30-11:30、14:00-17:30"
    assert today_text(hours, at(1, 9)) == "今天休息"


@pytest.mark.parametrize(
    ("moment", "hours", "opens"),
    [
        # 2025-06-02 is a Monday
        (datetime(2025, 6, 2, 19, 0, tzinfo=SHANGHAI), WEEKDAYS_8_18, "明天 08:00"),
        (datetime(2025, 6, 7, 10, 0, tzinfo=SHANGHAI), WEEKDAYS_8_18, "后天 08:00"),  # Sat
        (datetime(2025, 6, 6, 19, 0, tzinfo=SHANGHAI), WEEKDAYS_8_18, "周一 08:00"),  # Fri
        (datetime(2025, 6, 2, 19, 0, tzinfo=SHANGHAI), {"thu": "09:30-11:00,14:00-17:00"},
         "周四 09:30"),
        (datetime(2025, 6, 2, 19, 0, tzinfo=SHANGHAI), {"mon": "08:00-12:00"}, "周一 08:00"),
        (datetime(2025, 6, 2, 19, 0, tzinfo=SHANGHAI), {}, None),  # never open
    ],
)
def test_when_a_closed_station_opens_next(moment, hours, opens):
    assert next_opening_text(parse_hours(hours), moment) == opens
