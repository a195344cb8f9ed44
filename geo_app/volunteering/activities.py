"""微活动、微宣讲: activities and talks, sign-up with a waitlist, check-in and service hours.

Sign-up, cancellation and check-in lock the activity's row (``SELECT … FOR UPDATE`` on
PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` write transactions are serial already), and the
confirmed count moves by a conditional update under a CHECK (``confirmed <= capacity``):
concurrent sign-ups never exceed capacity, and a cancelled place goes to the first on the
waitlist (Decidim's registrations, promoted under a lock). A scan is idempotent: scanning a card
twice reports "已签到" and counts once (pretix's check-in); a failed scan says why and is logged.
Hours confirmed by the organiser credit points by the activity's rates, within the per-activity
and per-day caps (config ``POINTS_CAP_PER_ACTIVITY``, ``POINTS_CAP_PER_DAY``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from geo_app.store import audit
from geo_app.store.station_lock import require_station
from geo_app.store.utc_time import as_utc
from geo_app.volunteering.checks import check_kind, required_text, whole_in_range
from geo_app.volunteering.errors import ConflictError, NotFoundError, VolunteeringError
from geo_app.volunteering.ledger import earned_between, post_entry
from geo_app.volunteering.models import (
    Activity,
    CheckIn,
    ScanFailure,
    ServiceHours,
    SignUp,
    Volunteer,
)
from geo_app.volunteering.registry import get_volunteer, normalise_card

ACTIVITY_KINDS: dict[str, str] = {
    "service": "志愿服务",
    "culture": "文体活动",
    "talk": "宣讲",
}
#: Topics of the 红动金宁 talk team.
TALK_TOPICS: tuple[str, ...] = (
    "党的理论",
    "二十大精神",
    "移风易俗",
    "环境卫生",
    "急救科普",
    "法律服务",
    "矛盾调解",
)
PLACE_KINDS: dict[str, str] = {
    "station": "服务站",
    "square": "广场/议事角",
    "building": "楼栋",
    "pin": "地图选点",
}
STATUS_LABELS: dict[str, str] = {"planned": "报名中", "held": "已举办", "cancelled": "已取消"}
SIGNUP_LABELS: dict[str, str] = {"confirmed": "已报名", "waitlisted": "候补", "cancelled": "已取消"}
MAX_CAPACITY = 2000
MAX_RATE = 100
MAX_BENEFICIARIES = 100_000
#: A check-in is accepted from this long before the start to this long after the end.
#: An activity lasts at most a day, and so does one volunteer's service at it.
MINUTES_PER_DAY = 24 * 60
CHECKIN_OPENS_BEFORE = timedelta(hours=1)
CHECKIN_CLOSES_AFTER = timedelta(hours=2)
#: How far ahead an activity may be published (a year typed wrong is refused, not kept).
PUBLISH_AHEAD = timedelta(days=366)


@dataclass(frozen=True)
class Place:
    """Where an activity happens: a kind, the referenced feature (if any), a name, lon/lat."""

    kind: str
    ref: str | None
    name: str
    lon: float
    lat: float


def create_activity(
    session: Session,
    *,
    title: str,
    kind: str,
    topic: str | None,
    place: Place,
    starts_at: datetime,
    ends_at: datetime,
    capacity: object,
    points_per_hour: object,
    points_per_attendance: object,
    audience: list[str],
    organiser: str,
    description: str = "",
    team_id: int | None = None,
    now: datetime | None = None,
    known_stations: Collection[str] | None = None,
) -> Activity:
    """Create an activity or talk (every field checked, audited).

    With ``now`` (an organiser publishing), an activity that is over already or starts more
    than :data:`PUBLISH_AHEAD` later is refused: nobody could sign up or check in. With
    ``known_stations``, an activity at a station is refused unless the station is among them
    once it is locked (one being deleted meanwhile is not).
    """
    if place.kind == "station" and known_stations is not None:
        require_station(session, str(place.ref), known_stations, error=VolunteeringError,
                        parameter="place_ref")
    title = required_text(title, label="活动名称", limit=80, parameter="title")
    check_kind(kind, ACTIVITY_KINDS, label="活动类型", shown=ACTIVITY_KINDS.values())
    topic = (topic or "").strip() or None
    if kind == "talk" and topic not in TALK_TOPICS:
        msg = f"宣讲须选择讲题（{'、'.join(TALK_TOPICS)}）"
        raise VolunteeringError(msg, parameter="topic")
    if kind != "talk":
        topic = None
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        msg = "活动时间须带时区"
        raise VolunteeringError(msg, parameter="starts_at")
    if ends_at <= starts_at:
        msg = "结束时间须晚于开始时间"
        raise VolunteeringError(msg, parameter="ends_at")
    if ends_at - starts_at > timedelta(minutes=MINUTES_PER_DAY):
        msg = "一次活动不超过 24 小时"
        raise VolunteeringError(msg, parameter="ends_at")
    if now is not None:
        _check_publishable(starts_at, ends_at, now=now)
    if len(description) > 2000:
        msg = "活动说明不超过 2000 字"
        raise VolunteeringError(msg, parameter="description")
    activity = Activity(
        title=title,
        kind=kind,
        topic=topic,
        place_kind=place.kind,
        place_ref=place.ref,
        place_name=place.name,
        lon=place.lon,
        lat=place.lat,
        starts_at=starts_at.astimezone(UTC),
        ends_at=ends_at.astimezone(UTC),
        capacity=whole_in_range(capacity, low=1, high=MAX_CAPACITY, label="名额",
                                parameter="capacity"),
        points_per_hour=whole_in_range(points_per_hour, low=0, high=MAX_RATE,
                                       label="每小时积分", parameter="points_per_hour"),
        points_per_attendance=whole_in_range(points_per_attendance, low=0, high=MAX_RATE,
                                             label="每次参加积分",
                                             parameter="points_per_attendance"),
        audience=list(audience),
        organiser=organiser,
        description=description.strip(),
        team_id=team_id,
        confirmed=0,
        beneficiaries=0,
        status="planned",
    )
    return audit.add_and_record(
        session, activity, actor=organiser, action="activity.create",
        target=lambda added: f"activity:{added.id}",
        after={"title": title, "kind": kind, "topic": topic, "place": place.name,
               "capacity": activity.capacity},
        note=f"发布{ACTIVITY_KINDS[kind]}",
    )


def _check_publishable(starts_at: datetime, ends_at: datetime, *, now: datetime) -> None:
    """Refuse publishing at ``now`` an activity already over, or one beyond a year ahead."""
    tz = now.tzinfo
    start_text = starts_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    if ends_at <= now:
        msg = (f"开始时间 {start_text} 的活动在现在（{now.strftime('%Y-%m-%d %H:%M')}）之前已结束，"
               "不能报名和签到，请检查日期和年份")
        raise VolunteeringError(msg, parameter="starts_at")
    if starts_at > now + PUBLISH_AHEAD:
        latest = (now + PUBLISH_AHEAD).strftime("%Y-%m-%d")
        msg = f"开始时间 {start_text} 太远：最晚可发布到 {latest}（一年以内），请检查年份"
        raise VolunteeringError(msg, parameter="starts_at")


def _locked_activity(session: Session, activity_id: int) -> Activity:
    activity = session.scalars(
        select(Activity).where(Activity.id == activity_id).with_for_update()
    ).one_or_none()
    if activity is None:
        msg = f"活动 {activity_id} 不存在"
        raise NotFoundError(msg, parameter="activity")
    return activity


@dataclass(frozen=True)
class SignUpResult:
    status: str  # confirmed / waitlisted
    position: int  # place on the waitlist (0 when confirmed)
    repeat: bool  # the volunteer was already signed up


def _waitlist_position(session: Session, activity_id: int, signup: SignUp) -> int:
    return int(
        session.scalar(
            select(func.count()).where(
                SignUp.activity_id == activity_id,
                SignUp.status == "waitlisted",
                SignUp.id <= signup.id,
            )
        )
        or 0
    )


def signup_closed(activity: Activity, now: datetime) -> str | None:
    """Why ``activity`` takes no sign-up at ``now`` (cancelled, started, held), else None.

    Sign-up stays open until the start even when volunteers checked in early (check-in opens
    :data:`CHECKIN_OPENS_BEFORE` the start and marks the activity held).
    """
    if activity.status == "cancelled":
        return "已取消"
    if as_utc(activity.starts_at) > now.astimezone(UTC):
        return None
    return "已举办" if activity.status == "held" else "已开始"


def status_label(activity: Activity, now: datetime) -> str:
    """The activity's status as pages show it: 签到中 while volunteers check in before the
    start (held, sign-up still open), else :data:`STATUS_LABELS`."""
    if activity.status == "held" and signup_closed(activity, now) is None:
        return "签到中"
    return STATUS_LABELS[activity.status]


def checkin_window(activity: Activity) -> tuple[datetime, datetime]:
    """When check-in at ``activity`` is open (UTC): from :data:`CHECKIN_OPENS_BEFORE` its start
    to :data:`CHECKIN_CLOSES_AFTER` its end — what :func:`check_in` enforces and pages show."""
    return (as_utc(activity.starts_at) - CHECKIN_OPENS_BEFORE,
            as_utc(activity.ends_at) + CHECKIN_CLOSES_AFTER)


def _hours(span: timedelta) -> str:
    return f"{span.total_seconds() / 3600:g}"


def sign_up(
    session: Session, activity_id: int, volunteer: Volunteer, *, actor: str, now: datetime
) -> SignUpResult:
    """A place if one is free, else the end of the waitlist; a repeat is reported, not doubled."""
    activity = _locked_activity(session, activity_id)
    closed = signup_closed(activity, now)
    if closed is not None:
        msg = f"活动「{activity.title}」{closed}，不能再报名"
        raise ConflictError(msg, parameter="activity")
    existing = session.scalars(
        select(SignUp).where(SignUp.activity_id == activity_id, SignUp.volunteer_id == volunteer.id)
    ).one_or_none()
    if existing is not None and existing.status != "cancelled":
        position = (
            0
            if existing.status == "confirmed"
            else _waitlist_position(session, activity_id, existing)
        )
        return SignUpResult(existing.status, position, repeat=True)
    got_place = cast(CursorResult[Any], session.execute(  # an UPDATE's result: typed as Result
        update(Activity)
        .where(Activity.id == activity_id, Activity.confirmed < Activity.capacity)
        .values(confirmed=Activity.confirmed + 1)
        .execution_options(synchronize_session=False)
    )).rowcount
    status = "confirmed" if got_place else "waitlisted"
    if existing is not None:  # signed up again after cancelling: to the end of the queue
        session.delete(existing)
        session.flush()
    signup = audit.add_and_record(
        session, SignUp(activity_id=activity_id, volunteer_id=volunteer.id, status=status),
        actor=actor, action=f"signup.{status}", target=f"activity:{activity_id}",
        after={"card": volunteer.card, "status": status}, note=SIGNUP_LABELS[status],
    )
    position = 0 if got_place else _waitlist_position(session, activity_id, signup)
    return SignUpResult(status, position, repeat=False)


def cancel_sign_up(
    session: Session,
    activity_id: int,
    volunteer: Volunteer,
    *,
    actor: str,
    now: datetime,
) -> Volunteer | None:
    """Cancel the volunteer's sign-up; a freed place goes to the first on the waitlist
    (returned), else the confirmed count drops.

    Refused once the activity has started or been held: its confirmed count is what took
    place (a cancelled activity's sign-ups may still be withdrawn).
    """
    activity = _locked_activity(session, activity_id)
    closed = signup_closed(activity, now) or ("已举办" if activity.status == "held" else None)
    if closed in ("已开始", "已举办"):
        msg = f"活动「{activity.title}」{closed}，不能再取消报名"
        raise ConflictError(msg, parameter="activity")
    signup = session.scalars(
        select(SignUp).where(
            SignUp.activity_id == activity_id,
            SignUp.volunteer_id == volunteer.id,
            SignUp.status != "cancelled",
        )
    ).one_or_none()
    if signup is None:
        msg = f"卡号 {volunteer.card} 没有报名活动「{activity.title}」，无需取消"
        raise NotFoundError(msg, parameter="card")
    was_confirmed = signup.status == "confirmed"
    signup.status = "cancelled"
    promoted: Volunteer | None = None
    if was_confirmed:
        first = session.scalars(
            select(SignUp)
            .where(SignUp.activity_id == activity_id, SignUp.status == "waitlisted")
            .order_by(SignUp.id)
            .limit(1)
        ).one_or_none()
        if first is not None:
            first.status = "confirmed"
            promoted = first.volunteer
        else:
            session.execute(
                update(Activity)
                .where(Activity.id == activity_id)
                .values(confirmed=Activity.confirmed - 1)
                .execution_options(synchronize_session=False)
            )
    session.flush()
    audit.record(
        session, actor=actor, action="signup.cancel", target=f"activity:{activity_id}",
        before={"card": volunteer.card, "status": "confirmed" if was_confirmed else "waitlisted"},
        after={"promoted": promoted.card if promoted else None},
        note="取消报名" + (f"，候补 {promoted.card} 递补" if promoted else ""),
    )
    return promoted


class ScanRefused(VolunteeringError):
    """A scan that checks nobody in; ``reason`` is what the organiser is told."""

    status = 409


@dataclass(frozen=True)
class ScanResult:
    volunteer: Volunteer
    repeat: bool


def check_in(
    session: Session,
    activity_id: int,
    raw_card: str,
    *,
    method: str,
    actor: str,
    now: datetime,
) -> ScanResult:
    """Check a confirmed volunteer in by card (scanned or typed); a repeat is reported only.

    Raises :class:`ScanRefused` with the reason (log it with :func:`log_scan_failure`).
    """
    activity = _locked_activity(session, activity_id)
    if activity.status == "cancelled":
        raise ScanRefused("活动已取消", parameter="activity")
    moment = now.astimezone(UTC)
    opens, closes = checkin_window(activity)
    if moment < opens:
        msg = f"还没到签到时间（开始前 {_hours(CHECKIN_OPENS_BEFORE)} 小时起可签到）"
        raise ScanRefused(msg, parameter="activity")
    if moment > closes:
        msg = f"签到已结束（结束后 {_hours(CHECKIN_CLOSES_AFTER)} 小时内可签到）"
        raise ScanRefused(msg, parameter="activity")
    card = normalise_card(raw_card)
    if not card:
        raise ScanRefused("没有读到卡号：请扫志愿者卡或输入卡号", parameter="card")
    try:
        volunteer = get_volunteer(session, card)
    except NotFoundError:
        raise ScanRefused(f"卡号 {card} 不存在", parameter="card") from None
    signup = session.scalars(
        select(SignUp).where(SignUp.activity_id == activity_id, SignUp.volunteer_id == volunteer.id)
    ).one_or_none()
    if signup is None or signup.status == "cancelled":
        raise ScanRefused(f"{volunteer.name}（{card}）没有报名本活动", parameter="card")
    if signup.status == "waitlisted":
        raise ScanRefused(f"{volunteer.name}（{card}）在候补名单中，尚未获得名额", parameter="card")
    done = session.scalar(
        select(CheckIn.id).where(
            CheckIn.activity_id == activity_id, CheckIn.volunteer_id == volunteer.id
        )
    )
    if done is not None:
        return ScanResult(volunteer, repeat=True)
    activity.status = "held"
    audit.add_and_record(
        session,
        CheckIn(
            activity_id=activity_id, volunteer_id=volunteer.id, method=method, actor=actor,
            at=moment,
        ),
        actor=actor, action="checkin", target=f"activity:{activity_id}",
        after={"card": card, "method": method}, note=f"{volunteer.name} 签到",
    )
    return ScanResult(volunteer, repeat=False)


def log_scan_failure(
    session: Session, activity_id: int, raw: str, reason: str, *, actor: str, now: datetime
) -> None:
    """Keep a failed scan with its reason (its own small write)."""
    if session.get(Activity, activity_id) is None:
        return
    session.add(
        ScanFailure(
            activity_id=activity_id,
            raw=raw.strip()[:64],
            reason=reason[:120],
            actor=actor,
            at=now.astimezone(UTC),
        )
    )


def confirm_hours(
    session: Session,
    activity_id: int,
    minutes_by_card: Mapping[str, object],
    *,
    actor: str,
    cap_per_activity: int,
    cap_per_day: int,
    timezone: ZoneInfo,
    at: datetime | None = None,
) -> dict[str, int]:
    """Record each checked-in volunteer's minutes and credit their points (card → points).

    Points = per attendance + per hour × hours (rounded down), at most ``cap_per_activity``
    for the activity and at most what is left of ``cap_per_day`` on the activity's local day.
    Hours are recorded in full whatever the caps; a volunteer's hours are confirmed once.
    """
    activity = _locked_activity(session, activity_id)
    if not minutes_by_card:  # nothing typed: no "已确认 0 人" and no empty audit entry
        msg = "没有要确认的服务时长：志愿者签到后，在其“服务时长（分钟）”一栏填写分钟数再确认"
        raise VolunteeringError(msg, parameter="minutes")
    day = as_utc(activity.starts_at).astimezone(timezone).date()
    day_start = datetime(day.year, day.month, day.day, tzinfo=timezone).astimezone(UTC)
    same_day = [
        f"activity:{a}"
        for a in session.scalars(
            select(Activity.id).where(
                Activity.starts_at >= day_start,
                Activity.starts_at < day_start + timedelta(days=1),
            )
        )
    ]
    credited: dict[str, int] = {}
    for raw_card, raw_minutes in minutes_by_card.items():
        card = normalise_card(raw_card)
        minutes = whole_in_range(raw_minutes, low=1, high=MINUTES_PER_DAY,
                                 label=f"{card} 的服务时长（分钟）", parameter=f"minutes[{card}]")
        volunteer = get_volunteer(session, card)
        attended = session.scalar(
            select(CheckIn.id).where(
                CheckIn.activity_id == activity_id, CheckIn.volunteer_id == volunteer.id
            )
        )
        if attended is None:
            msg = f"{volunteer.name}（{card}）没有签到，不能确认时长"
            raise ConflictError(msg, parameter=f"minutes[{card}]")
        if (
            session.scalar(
                select(ServiceHours.id).where(
                    ServiceHours.activity_id == activity_id,
                    ServiceHours.volunteer_id == volunteer.id,
                )
            )
            is not None
        ):
            msg = f"{volunteer.name}（{card}）的时长已确认过"
            raise ConflictError(msg, parameter=f"minutes[{card}]")
        hours = ServiceHours(
            activity_id=activity_id, volunteer_id=volunteer.id, minutes=minutes, actor=actor
        )
        if at is not None:
            hours.at = at
        session.add(hours)
        points = activity.points_per_attendance + activity.points_per_hour * minutes // 60
        points = min(points, cap_per_activity)
        points = min(points, max(0, cap_per_day - earned_between(session, volunteer.id, same_day)))
        if points > 0:
            post_entry(
                session,
                volunteer,
                kind="earn",
                points=points,
                actor=actor,
                reason=f"{activity.title}（{minutes} 分钟）",
                ref=f"activity:{activity_id}",
                at=at,
            )
        credited[card] = points
    session.flush()
    audit.record(
        session, actor=actor, action="hours.confirm", target=f"activity:{activity_id}",
        after={
            "minutes": {normalise_card(c): int(str(m)) for c, m in minutes_by_card.items()},
            "points": credited,
        },
        note="确认服务时长",
    )
    return credited


def record_beneficiaries(session: Session, activity_id: int, count: object, *, actor: str) -> None:
    """How many residents the activity served (the report's 受益群众)."""
    activity = _locked_activity(session, activity_id)
    number = whole_in_range(count, low=0, high=MAX_BENEFICIARIES, label="受益人数",
                            parameter="beneficiaries")
    before = activity.beneficiaries
    activity.beneficiaries = number
    if number > 0 and activity.status == "planned":
        activity.status = "held"
    session.flush()
    audit.record(
        session, actor=actor, action="activity.beneficiaries", target=f"activity:{activity_id}",
        before={"beneficiaries": before}, after={"beneficiaries": number}, note="登记受益人数",
    )


def participants(session: Session, activity_id: int) -> list[tuple[SignUp, CheckIn | None]]:
    """Every live sign-up with its check-in (if any), confirmed first, in sign-up order."""
    signups = session.scalars(
        select(SignUp)
        .where(SignUp.activity_id == activity_id, SignUp.status != "cancelled")
        .order_by(SignUp.status, SignUp.id)
    ).all()
    checkins = {
        c.volunteer_id: c
        for c in session.scalars(select(CheckIn).where(CheckIn.activity_id == activity_id))
    }
    return [(s, checkins.get(s.volunteer_id)) for s in signups]
