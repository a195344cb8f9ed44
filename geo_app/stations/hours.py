"""Station opening hours: parse the layer's value, tell whether a station is open at a moment.

A station's ``hours`` (see :mod:`layers.schema`) is ``"24h"``, or an object weekday →
``"HH:MM-HH:MM[,HH:MM-HH:MM]"`` or ``"closed"`` (a weekday left out is closed), or absent
(``None``: hours not recorded, never reported as open). Times are local (Asia/Shanghai); the
caller passes a local datetime (:func:`geo_app.state.clock.now`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from layers.quoting import quoted
from layers.schema import WEEKDAY_LABELS, WEEKDAYS

MINUTES_PER_DAY = 24 * 60
_SPAN = re.compile(r"^\s*([01]\d|2[0-3]):([0-5]\d)\s*-\s*([01]\d|2[0-4]):([0-5]\d)\s*$")


class HoursFormatError(ValueError):
    """An opening-hours value that does not follow the stations layer's format."""


@dataclass(frozen=True)
class Span:
    """One opening span of a day, in minutes after midnight; ``end`` may be 1440 (24:00)."""

    start: int
    end: int

    def __str__(self) -> str:
        return f"{clock_text(self.start)}-{clock_text(self.end)}"


@dataclass(frozen=True)
class WeeklyHours:
    """A station's week: open around the clock, or the spans of each weekday (Monday first)."""

    always_open: bool
    days: tuple[tuple[Span, ...], ...] = ((),) * 7


@dataclass(frozen=True)
class OpeningStatus:
    """Whether a station is open at a moment, and when it closes or opens later that day."""

    known: bool
    open_now: bool
    closes_at: str | None = None
    opens_later_today: str | None = None


UNKNOWN = OpeningStatus(known=False, open_now=False)


def clock_text(minutes: int) -> str:
    """``"HH:MM"`` for minutes after midnight (1440 is ``"24:00"``)."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_hours(value: Any) -> WeeklyHours | None:
    """The :class:`WeeklyHours` of a layer value; ``None`` when the hours are not recorded."""
    if value is None:
        return None
    if value == "24h":
        return WeeklyHours(always_open=True)
    if not isinstance(value, dict):
        msg = f'开放时间应为 "24h" 或按星期的对象，实际为 {quoted(value)}'
        raise HoursFormatError(msg)
    unknown = set(value) - set(WEEKDAYS)
    if unknown:
        msg = f"开放时间含未知星期 {sorted(unknown)}（可选：{'、'.join(WEEKDAYS)}）"
        raise HoursFormatError(msg)
    return WeeklyHours(
        always_open=False, days=tuple(_parse_day(day, value.get(day)) for day in WEEKDAYS)
    )


def _parse_day(day: str, text: Any) -> tuple[Span, ...]:
    if text is None or text == "closed":
        return ()
    if not isinstance(text, str):
        msg = f'{day} 的开放时间应为字符串，如 "08:00-18:00"，实际为 {quoted(text)}'
        raise HoursFormatError(msg)
    spans = []
    for part in text.split(","):
        match = _SPAN.match(part)
        if not match:
            msg = f"{day} 的时段 {quoted(part)} 格式应为 HH:MM-HH:MM"
            raise HoursFormatError(msg)
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        span = Span(h1 * 60 + m1, h2 * 60 + m2)
        if span.end <= span.start or span.end > MINUTES_PER_DAY:
            msg = f"{day} 的时段 {quoted(part.strip())} 结束时间不晚于开始时间"
            raise HoursFormatError(msg)
        spans.append(span)
    return tuple(sorted(spans, key=lambda s: s.start))


def status_at(hours: WeeklyHours | None, moment: datetime) -> OpeningStatus:
    """Open at ``moment`` (local time)? If not, the next opening later the same day, if any."""
    if hours is None:
        return UNKNOWN
    if hours.always_open:
        return OpeningStatus(known=True, open_now=True)
    minute = moment.hour * 60 + moment.minute
    spans = hours.days[moment.weekday()]
    for span in spans:
        if span.start <= minute < span.end:
            return OpeningStatus(known=True, open_now=True, closes_at=clock_text(span.end))
    later = next((s for s in spans if s.start > minute), None)
    return OpeningStatus(
        known=True,
        open_now=False,
        opens_later_today=clock_text(later.start) if later else None,
    )


def next_opening_text(hours: WeeklyHours | None, moment: datetime) -> str | None:
    """When a station closed for the rest of ``moment``'s day opens next, in words: ``"明天
    08:00"``, ``"后天 14:00"``, ``"周一 09:00"``; ``None`` when it never opens."""
    if hours is None:
        return None
    if hours.always_open:
        return "随时"
    for ahead in range(1, 8):
        spans = hours.days[(moment.weekday() + ahead) % 7]
        if spans:
            day = {1: "明天", 2: "后天"}.get(ahead) or WEEKDAY_LABELS[
                WEEKDAYS[(moment.weekday() + ahead) % 7]]
            return f"{day} {clock_text(spans[0].start)}"
    return None


def describe_hours(hours: WeeklyHours | None) -> str:
    """The week in words, same consecutive days grouped: ``"周一至周五 08:00-18:00；…"``."""
    if hours is None:
        return "开放时间未登记"
    if hours.always_open:
        return "24 小时开放"
    texts = [_day_text(spans) for spans in hours.days]
    if len(set(texts)) == 1:
        return f"每天 {texts[0]}"
    groups: list[tuple[int, int, str]] = []  # first day, last day, text
    for index, text in enumerate(texts):
        if groups and groups[-1][2] == text and groups[-1][1] == index - 1:
            groups[-1] = (groups[-1][0], index, text)
        else:
            groups.append((index, index, text))
    return "；".join(f"{_day_range(first, last)} {text}" for first, last, text in groups)


def today_text(hours: WeeklyHours | None, moment: datetime) -> str:
    """Today's hours in words: ``"今天 08:00-18:00"``, ``"今天休息"``, ``"24 小时开放"``."""
    if hours is None:
        return "开放时间未登记"
    if hours.always_open:
        return "24 小时开放"
    spans = hours.days[moment.weekday()]
    return f"今天 {_day_text(spans)}" if spans else "今天休息"


def _day_text(spans: tuple[Span, ...]) -> str:
    return "、".join(str(s) for s in spans) if spans else "休息"


def _day_range(first: int, last: int) -> str:
    label_first = WEEKDAY_LABELS[WEEKDAYS[first]]
    if first == last:
        return label_first
    label_last = WEEKDAY_LABELS[WEEKDAYS[last]]
    return f"{label_first}、{label_last}" if last == first + 1 else f"{label_first}至{label_last}"
