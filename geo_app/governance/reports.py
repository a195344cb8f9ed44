"""What the community reports upward, per grid and month: views, states, time to close, overdue,
satisfaction.

Definitions (the page and the CSV say the same):

- *received*: the grid's views (the grid they are in now, after any 转办) sent during the
  month, in community local time (Asia/Shanghai);
- *by state*: where those views stand now;
- *closed* and *median hours to close*: those closed (结案), from sending to closing;
- *overdue*: those answered (反馈) after their due time, or still unanswered past it now;
- *satisfaction*: the mean of the residents' 1–5 ratings of those views, and how many rated.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from geo_app.formats.csv_text import csv_text
from geo_app.governance.lifecycle import STATES, UNANSWERED_STATES
from geo_app.store.governance_models import View
from geo_app.store.utc_time import as_utc

CSV_HEADER = ("网格", "月份", "类别", "收到", "结案", "逾期", "办结用时中位数（小时）",
              "满意度均值", "评价数")
TOTAL = "合计"


@dataclass(frozen=True)
class Figures:
    """The figures of one set of views (a category, or the whole month)."""

    received: int
    closed: int
    median_close_hours: float | None
    overdue: int
    satisfaction_mean: float | None
    satisfaction_count: int


@dataclass(frozen=True)
class MonthlyReport:
    """One grid's month: the totals, per category, per state and the ratings' spread."""

    grid_id: str
    year: int
    month: int
    total: Figures
    by_category: dict[str, Figures]
    by_state: dict[str, int]
    ratings: dict[int, int]
    views: list[View] = field(repr=False, default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.year}-{self.month:02d}"


def local_month(moment: datetime, tz: ZoneInfo) -> tuple[int, int]:
    """(year, month) of a stored time in local time."""
    local = as_utc(moment).astimezone(tz)
    return local.year, local.month


def is_overdue_by(view: View, moment: datetime) -> bool:
    """Answered after its due time, or unanswered and past due at ``moment``."""
    due = as_utc(view.due_at)
    if view.answered_at is not None:
        return as_utc(view.answered_at) > due
    return view.state in UNANSWERED_STATES and due < as_utc(moment)


def figures(views: list[View], *, moment: datetime) -> Figures:
    """The figures of ``views`` as of ``moment``."""
    close_hours = [
        (as_utc(v.closed_at) - as_utc(v.created_at)).total_seconds() / 3600
        for v in views if v.closed_at is not None
    ]
    ratings = [v.satisfaction for v in views if v.satisfaction is not None]
    return Figures(
        received=len(views),
        closed=len(close_hours),
        median_close_hours=statistics.median(close_hours) if close_hours else None,
        overdue=sum(is_overdue_by(v, moment) for v in views),
        satisfaction_mean=statistics.fmean(ratings) if ratings else None,
        satisfaction_count=len(ratings),
    )


def monthly_report(
    views: Iterable[View],
    *,
    grid_id: str,
    year: int,
    month: int,
    tz: ZoneInfo,
    moment: datetime,
    categories: Mapping[str, Any],
) -> MonthlyReport:
    """The report of ``grid_id`` for the month ``year``-``month`` from ``views`` (any grid)."""
    chosen = [
        v for v in views
        if v.grid_id == grid_id and local_month(v.created_at, tz) == (year, month)
    ]
    by_category = {
        code: figures([v for v in chosen if v.category == code], moment=moment)
        for code in categories
    }
    return MonthlyReport(
        grid_id=grid_id,
        year=year,
        month=month,
        total=figures(chosen, moment=moment),
        by_category=by_category,
        by_state={s: sum(v.state == s for v in chosen) for s in STATES},
        ratings={r: sum(v.satisfaction == r for v in chosen) for r in range(1, 6)},
        views=chosen,
    )


def months_with_views(views: Iterable[View], *, grid_id: str, tz: ZoneInfo) -> list[str]:
    """The months (YYYY-MM) in which ``grid_id`` received views, the latest first."""
    months = {local_month(v.created_at, tz) for v in views if v.grid_id == grid_id}
    return [f"{y}-{m:02d}" for y, m in sorted(months, reverse=True)]


def _number(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def report_csv(report: MonthlyReport, *, categories: Mapping[str, Any]) -> str:
    """The report as CSV (UTF-8 with BOM, so that Excel shows the Chinese): one row per
    category, then the month's total."""
    rows = [(categories[c]["label"], f) for c, f in report.by_category.items()]
    return csv_text(
        CSV_HEADER,
        (
            [
                report.grid_id, report.label, label, f.received, f.closed, f.overdue,
                _number(f.median_close_hours), _number(f.satisfaction_mean, 2),
                f.satisfaction_count,
            ]
            for label, f in [*rows, (TOTAL, report.total)]
        ),
        line_end="\n",
    )
