"""The current time in the community's time zone.

Views ask :func:`now` rather than :func:`datetime.now`, so a test can pin the clock with
``app.config["CLOCK"] = lambda: datetime(2025, 6, 2, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app

Clock = Callable[[], datetime]


class NaiveClockError(ValueError):
    """The configured clock returned a datetime without a time zone."""


def community_timezone() -> ZoneInfo:
    """The configured local time zone (config ``TIMEZONE``, Asia/Shanghai by default)."""
    return ZoneInfo(current_app.config.get("TIMEZONE", "Asia/Shanghai"))


def now() -> datetime:
    """The current local time of the community: config ``CLOCK()`` when set, else the system's."""
    tz = community_timezone()
    clock: Clock | None = current_app.config.get("CLOCK")
    moment = clock() if clock is not None else datetime.now(tz)
    if moment.tzinfo is None or moment.utcoffset() is None:
        msg = f"CLOCK 返回了不带时区的时间 {moment.isoformat()}，请返回带时区的 datetime"
        raise NaiveClockError(msg)
    return moment.astimezone(tz)


def local_time_text(moment: datetime) -> str:
    """A stored time (naive means UTC, as SQLite returns it) as community local time text."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(community_timezone()).strftime("%Y-%m-%d %H:%M:%S")


def local_minute_text(stamp: str | datetime) -> str:
    """A stored time, or the ISO text of one in a JSON answer (UTC), as community local time
    to the minute: ``2026-11-28T04:41:00+00:00`` reads 2026-11-28 12:41 in Hefei."""
    moment = datetime.fromisoformat(stamp) if isinstance(stamp, str) else stamp
    return local_time_text(moment)[:16]
