"""Deliberation (议事/座谈) and home visits (走访): where, when, who, which views, what was decided.

A meeting belongs to a grid and takes up views of that grid. Its decision either creates a
governance item (linked to the meeting and to the views it names) or moves an existing item on
(its status, progress and a note on the item's timeline, citing the meeting).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from geo_app.governance.audit_trail import record_meeting
from geo_app.governance.errors import GovernanceError, NotFoundError
from geo_app.governance.items import grid_view_ids
from geo_app.governance.views import Caller, sees_grid
from geo_app.store.governance_models import Meeting, MeetingView
from geo_app.store.utc_time import as_utc
from layers.quoting import quoted

MEETING_KINDS: dict[str, str] = {"meeting": "座谈/议事", "visit": "走访"}
TOPIC_CHARS = (2, 200)
PLACE_CHARS = (1, 100)
MINUTES_MAX_CHARS = 5000
ATTENDEE_MAX_CHARS = 32
MAX_ATTENDEES = 100
#: Meetings before this year are typos (the year 0001 cannot even be turned into UTC).
EARLIEST_YEAR = 2000


@dataclass(frozen=True)
class MeetingInput:
    """A meeting as recorded: kind, time, topic, place, attendees, minutes and views."""

    kind: str
    held_at: datetime
    topic: str
    place_name: str
    lon: float
    lat: float
    attendees: Sequence[str] = field(default_factory=tuple)
    minutes: str = ""
    view_ids: Sequence[int] = field(default_factory=tuple)


#: What people put between names when they type a list on one line: 、 ， , ； ; or a new line.
NAME_SEPARATORS = re.compile(r"[\n\r、，,；;]+")


def split_names(text: str) -> list[str]:
    """The names in ``text`` as typed in a form ("张三、李四" or one a line), blanks dropped."""
    return [n.strip() for n in NAME_SEPARATORS.split(text) if n.strip()]


def _attendees(names: Sequence[str]) -> list[str]:
    cleaned = [n.strip() for n in names if n and n.strip()]
    if len(cleaned) > MAX_ATTENDEES:
        raise GovernanceError(f"attendees 最多 {MAX_ATTENDEES} 人", parameter="attendees")
    for name in cleaned:
        if len(name) > ATTENDEE_MAX_CHARS:
            msg = f"attendees 中的 {name[:10]}… 太长（每人最多 {ATTENDEE_MAX_CHARS} 个字）"
            raise GovernanceError(msg, parameter="attendees")
    return cleaned


def create_meeting(
    session: Session, data: MeetingInput, *, grid_id: str, actor: str, now: datetime
) -> Meeting:
    """Store a meeting of ``grid_id`` and the views (of that grid) it took up.

    It records a meeting or visit that took place: one dated after today (``now`` in the
    meeting's own time zone) is a typo such as 2099 and is refused.
    """
    if data.kind not in MEETING_KINDS:
        choices = "、".join(f"{k}（{v}）" for k, v in MEETING_KINDS.items())
        msg = f"kind 的取值 {quoted(data.kind)} 无效，可选：{choices}"
        raise GovernanceError(msg, parameter="kind")
    topic = data.topic.strip()
    if not TOPIC_CHARS[0] <= len(topic) <= TOPIC_CHARS[1]:
        msg = f"topic（议题）应为 {TOPIC_CHARS[0]} 至 {TOPIC_CHARS[1]} 个字"
        raise GovernanceError(msg, parameter="topic")
    place = data.place_name.strip()
    if not PLACE_CHARS[0] <= len(place) <= PLACE_CHARS[1]:
        msg = f"place_name（地点）应为 {PLACE_CHARS[0]} 至 {PLACE_CHARS[1]} 个字"
        raise GovernanceError(msg, parameter="place_name")
    if len(data.minutes) > MINUTES_MAX_CHARS:
        raise GovernanceError(f"minutes（纪要）最多 {MINUTES_MAX_CHARS} 个字", parameter="minutes")
    if data.held_at.year < EARLIEST_YEAR:  # a typo such as 0001: no meeting, and no UTC for it
        msg = f"held_at（时间）{data.held_at.isoformat()[:10]} 早于 {EARLIEST_YEAR} 年，请核对"
        raise GovernanceError(msg, parameter="held_at")
    today = now.astimezone(data.held_at.tzinfo).date()
    if data.held_at.date() > today:
        msg = (f"held_at（时间）{data.held_at:%Y-%m-%d} 晚于今天 {today:%Y-%m-%d}："
               "这里记录已经举行的走访与座谈，请核对日期")
        raise GovernanceError(msg, parameter="held_at")
    views = grid_view_ids(session, grid_id, data.view_ids)
    meeting = Meeting(
        grid_id=grid_id, kind=data.kind, held_at=as_utc(data.held_at), topic=topic,
        place_name=place, lon=float(data.lon), lat=float(data.lat),
        attendees=_attendees(data.attendees), minutes=data.minutes.strip(), created_by=actor,
        view_links=[MeetingView(view_id=v) for v in views],
    )
    session.add(meeting)
    session.flush()
    record_meeting(session, meeting, actor=actor, held_at=f"{data.held_at:%Y-%m-%d %H:%M}")
    return meeting


def get_meeting(session: Session, meeting_id: int, caller: Caller) -> Meeting:
    """The meeting if ``caller`` is staff of its grid, else :class:`NotFoundError`."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or not sees_grid(caller, meeting.grid_id):
        raise NotFoundError(f"没有编号为 {meeting_id} 的会议记录", parameter="meeting_id")
    return meeting


def grid_meetings(session: Session, grid_ids: Collection[str]) -> list[Meeting]:
    """The meetings of ``grid_ids``, the latest first."""
    query = select(Meeting).where(Meeting.grid_id.in_(sorted(grid_ids)))
    return list(session.scalars(query.order_by(Meeting.held_at.desc(), Meeting.id.desc())))
