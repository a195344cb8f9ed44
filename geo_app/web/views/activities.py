"""微活动 for residents and volunteers: upcoming activities on a map, sign-up and
cancellation, self check-in from the activity's QR code, and a volunteer's own points.

A volunteer proves who they are with their card number and 6-digit PIN (wrong PINs limited per
card and per client address; right ones never count); nothing here shows anyone else's personal
data.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from datetime import UTC, datetime
from typing import Any, TypeVar

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from geo_app.auth.limits import guarded_secret
from geo_app.maps.activities import ActivityPin, build_activities_map
from geo_app.maps.base import MapParts, render_map_parts
from geo_app.state.clock import community_timezone, now
from geo_app.state.community import get_community
from geo_app.stations.goods import GoodsPlace, building_entrance, goods_places
from geo_app.store import get_store
from geo_app.volunteering.activities import (
    ACTIVITY_KINDS,
    PLACE_KINDS,
    ScanRefused,
    ScanResult,
    cancel_sign_up,
    check_in,
    checkin_window,
    log_scan_failure,
    sign_up,
    signup_closed,
    status_label,
)
from geo_app.volunteering.errors import NotFoundError, VolunteeringError
from geo_app.volunteering.goods import catalogue, goods_levels
from geo_app.volunteering.ledger import ENTRY_KINDS, balance_of, entries_of
from geo_app.volunteering.models import Activity, ServiceHours, SignUp, Volunteer
from geo_app.volunteering.registry import check_pin, find_volunteer, normalise_card, teams_of
from geo_app.volunteering.report import local_text, upcoming
from geo_app.web.access import public
from geo_app.web.flashing import flash_outcome
from geo_app.web.openapi import Operation, documented, parse_query

bp = Blueprint("activities", __name__)

GOODS = Operation(
    "goods",
    "微积分兑换目录",
    "可用志愿服务积分兑换的生活用品（纸巾、洗洁精、洗衣液等）、所需积分及各站点现有数量。",
    "GoodsList",
)
ACTIVITIES = Operation(
    "activities",
    "近期活动",
    "尚未结束且未取消的志愿服务、文体活动与宣讲：时间、地点（WGS84 经纬度）、名额与候补人数。",
    "ActivityList",
)

SESSION_CARD = "volunteer_card"


def activity_pin(activity: Activity) -> ActivityPin:
    return ActivityPin(
        activity.id,
        activity.title,
        activity.kind,
        ACTIVITY_KINDS[activity.kind],
        local_text(activity.starts_at, community_timezone()),
        activity.place_name,
        activity.lon,
        activity.lat,
    )


def activities_map(
    activities: Iterable[Activity], *, unreached: Collection[str] | None = None
) -> MapParts:
    """The activities as pins on the community map, each popup linking to its page; with
    ``unreached`` (building ids), the buildings shaded by the reach of activities."""
    config = current_app.config
    return render_map_parts(
        build_activities_map(
            get_community(),
            [activity_pin(a) for a in activities],
            link=lambda i: url_for("activities.detail", activity_id=i),
            unreached=unreached,
            basemap=config["BASEMAP"],
            tianditu_key=config["TIANDITU_KEY"],
        )
    )


def activity_view(activity: Activity, waitlisted: int = 0) -> dict[str, Any]:
    """What a page shows of an activity (no personal data)."""
    tz = community_timezone()
    return {
        "id": activity.id,
        "title": activity.title,
        "kind": ACTIVITY_KINDS[activity.kind],
        "topic": activity.topic,
        "place": activity.place_name,
        "place_kind": PLACE_KINDS[activity.place_kind],
        "lon": round(activity.lon, 6),
        "lat": round(activity.lat, 6),
        "starts_at": local_text(activity.starts_at, tz),
        "ends_at": local_text(activity.ends_at, tz),
        "capacity": activity.capacity,
        "confirmed": activity.confirmed,
        "places_left": activity.capacity - activity.confirmed,
        "waitlisted": waitlisted,
        "points_per_hour": activity.points_per_hour,
        "points_per_attendance": activity.points_per_attendance,
        "status": status_label(activity, now()),
        "description": activity.description,
    }


def _waitlist_counts(db: Any, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    return dict(
        db.execute(
            select(SignUp.activity_id, func.count())
            .where(SignUp.activity_id.in_(ids), SignUp.status == "waitlisted")
            .group_by(SignUp.activity_id)
        ).all()
    )


@bp.get("/activities")
@public
def index() -> str:
    """近期活动：地图与列表，点开报名。"""
    with get_store().read() as db:
        coming = upcoming(db, now=now())
        waiting = _waitlist_counts(db, [a.id for a in coming])
    return render_template(
        "activities.html",
        map=activities_map(coming),
        activities=[activity_view(a, waiting.get(a.id, 0)) for a in coming],
    )


def _activity_or_404(db: Any, activity_id: int) -> Activity:
    activity = db.get(Activity, activity_id)
    if activity is None:
        raise NotFoundError(f"活动 {activity_id} 不存在", parameter="activity")
    return activity


@bp.get("/activities/<int:activity_id>")
@public
def detail(activity_id: int) -> str:
    """一场活动：时间、地点、名额；凭志愿者卡号和查询密码报名或取消。"""
    with get_store().read() as db:
        activity = _activity_or_404(db, activity_id)
        waiting = _waitlist_counts(db, [activity_id]).get(activity_id, 0)
    return render_template("activity.html", activity=activity_view(activity, waiting),
                           signup_closed=_signup_closed(activity),
                           card=normalise_card(request.args.get("card", ""))[:20])


def _signup_closed(activity: Activity) -> str | None:
    """Why the activity takes no sign-up any more (the rule ``sign_up`` refuses by), or None:
    the page then offers no form to fill in for nothing."""
    closed = signup_closed(activity, now())
    if closed is None:
        return None
    return "本活动已取消，不再接受报名。" if closed == "已取消" else f"本活动{closed}，报名已截止。"


class WrongPinError(VolunteeringError):
    """A card and PIN that do not match (the only refusal that counts as a guess)."""


_T = TypeVar("_T")


def _pin_checked(run: Callable[[], _T]) -> _T:
    """Run ``run`` (which checks the form's card and PIN with :func:`_volunteer_by_pin`) unless
    this card or this client address has had too many wrong PINs lately (429); a wrong PIN
    counts once for the card and once for the address, a right one nowhere. ``run`` opens its
    own transaction: the failures are counted in the store after it has ended."""
    card = normalise_card(request.form.get("card", ""))
    return guarded_secret(f"pin|{card}", run, wrong=WrongPinError)


def _volunteer_by_pin(db: Any, form: Any) -> Volunteer:
    """The volunteer whose card and PIN the form gives (inside :func:`_pin_checked`)."""
    card = normalise_card(form.get("card", ""))
    volunteer = find_volunteer(db, card) if card else None
    if not check_pin(volunteer, form.get("pin", "")):
        raise WrongPinError("卡号或查询密码不正确", parameter="pin")
    assert volunteer is not None
    return volunteer


def _volunteer_change(activity_id: int, change: Callable[[Any, Volunteer], str]) -> Response:
    """Run ``change(db, volunteer)`` in one write for the volunteer whose card and PIN the form
    gives (wrong PINs limited), flash its message or the refusal, back to the activity."""

    def write() -> str:
        with get_store().write() as db:
            return change(db, _volunteer_by_pin(db, request.form))

    def act() -> str:
        return _pin_checked(write)

    if not flash_outcome(act, refused="未成功"):  # keep the card typed (never the PIN)
        card = normalise_card(request.form.get("card", ""))[:20]
        return redirect(url_for("activities.detail", activity_id=activity_id, card=card or None))
    return redirect(url_for("activities.detail", activity_id=activity_id))


@bp.post("/activities/<int:activity_id>/signup")
@public
def signup(activity_id: int) -> Response:
    """报名（名额满时进入候补，有人取消时按先后递补）。"""

    def join(db: Any, volunteer: Volunteer) -> str:
        result = sign_up(db, activity_id, volunteer, actor=f"volunteer:{volunteer.card}", now=now())
        if result.status == "confirmed":
            return "已报名，届时请到现场签到" if not result.repeat else "您已报名本活动"
        return f"名额已满，您在候补名单第 {result.position} 位，有人取消时按先后递补"

    return _volunteer_change(activity_id, join)


@bp.post("/activities/<int:activity_id>/cancel")
@public
def cancel(activity_id: int) -> Response:
    """取消报名。"""

    def leave(db: Any, volunteer: Volunteer) -> str:
        cancel_sign_up(db, activity_id, volunteer, actor=f"volunteer:{volunteer.card}", now=now())
        return "已取消报名"

    return _volunteer_change(activity_id, leave)


def checkin_status(activity: Activity, moment: datetime) -> dict[str, Any]:
    """When self check-in is open (the window ``check_in`` enforces), in 北京时间, and where
    ``moment`` falls: ``early``, ``open``, ``over`` or ``cancelled`` (with a sentence)."""
    tz = community_timezone()
    opens, closes = checkin_window(activity)
    opens_text, closes_text = local_text(opens, tz), local_text(closes, tz)
    if closes_text[:10] == opens_text[:10]:
        closes_text = closes_text[11:]
    at = moment.astimezone(UTC)
    if activity.status == "cancelled":
        state, note = "cancelled", "本活动已取消，无需签到。"
    elif at < opens:
        state, note = "early", f"还没到签到时间，{opens_text} 起可以签到。"
    elif at > closes:
        state, note = "over", "签到已结束。"
    else:
        state, note = "open", "现在可以签到。"
    return {"text": f"{opens_text} 至 {closes_text}", "state": state, "note": note}


def _check_in_by_pin(activity_id: int) -> ScanResult:
    """Check in the volunteer whose card and PIN the form gives (one write)."""
    with get_store().write() as db:
        volunteer = _volunteer_by_pin(db, request.form)
        return check_in(db, activity_id, volunteer.card, method="self",
                        actor=f"volunteer:{volunteer.card}", now=now())


@bp.route("/activities/<int:activity_id>/checkin", methods=["GET", "POST"])
@public
def self_check_in(activity_id: int) -> ResponseReturnValue:
    """现场签到：扫活动二维码后输入卡号和查询密码（签到时间写在页面上）。"""
    with get_store().read() as db:
        record = _activity_or_404(db, activity_id)
        activity = activity_view(record)
        window = checkin_status(record, now())
    if request.method == "POST":
        card = normalise_card(request.form.get("card", ""))
        signed = False
        try:
            result = _pin_checked(lambda: _check_in_by_pin(activity_id))
            flash("您已签到过，无需重复签到" if result.repeat else "签到成功", "ok")
            signed = True
        except ScanRefused as exc:
            with get_store().write() as db:
                log_scan_failure(db, activity_id, card, str(exc), actor="self", now=now())
            flash(f"签到未成功：{exc}", "error")
        except VolunteeringError as exc:
            flash(f"签到未成功：{exc}", "error")
        kept = None if signed else card[:20] or None  # keep the card typed (never the PIN)
        return redirect(url_for("activities.self_check_in", activity_id=activity_id, card=kept))
    return render_template("activity_checkin.html", activity=activity, window=window,
                           card=normalise_card(request.args.get("card", ""))[:20])


def goods_for(db: Any, volunteer: Volunteer, balance: int) -> list[dict[str, Any]]:
    """What the volunteer can get with ``balance`` points, each good with how many that buys
    (or how many points are missing) and where to get it (:mod:`geo_app.stations.goods`)."""
    goods = catalogue(db)
    where = goods_places(
        [g.id for g in goods], goods_levels(db), origin=building_entrance(volunteer.building_id),
        moment=now().astimezone(community_timezone()),
    )
    return [
        {
            "name": g.name,
            "unit": g.unit,
            "points": g.points,
            "affordable": balance // g.points if g.points > 0 else 0,
            "missing": max(0, g.points - balance),
            "where": where.get(g.id, []),
        }
        for g in goods
    ]


def place_text(place: GoodsPlace, unit: str) -> str:
    """One station line: name, walk (when known), today's hours and stock."""
    walk = f" · {place.walk[0]} 米，步行约 {place.walk[1]} 分钟" if place.walk else ""
    return f"{place.name}{walk} · {place.hours_today} · 现有 {place.stock} {unit}"


@bp.route("/me", methods=["GET", "POST"])
@public
def my_points() -> ResponseReturnValue:
    """我的积分：凭卡号和查询密码查看余额、服务时长与积分记录。"""
    if request.method == "POST":
        def read() -> Volunteer:
            with get_store().read() as db:
                return _volunteer_by_pin(db, request.form)

        try:
            signed_in = _pin_checked(read)
        except VolunteeringError as exc:
            flash(str(exc), "error")
            typed = normalise_card(request.form.get("card", ""))
            return render_template("my_points.html", me=None, card=typed), 401
        session[SESSION_CARD] = signed_in.card
        return redirect(url_for("activities.my_points"))
    card = session.get(SESSION_CARD)
    if not card:
        return render_template("my_points.html", me=None)
    with get_store().read() as db:
        volunteer = find_volunteer(db, card)
        if volunteer is None:
            session.pop(SESSION_CARD, None)
            return render_template("my_points.html", me=None)
        minutes = db.scalar(
            select(func.coalesce(func.sum(ServiceHours.minutes), 0)).where(
                ServiceHours.volunteer_id == volunteer.id
            )
        )
        tz = community_timezone()
        balance = balance_of(db, volunteer.id)
        me = {
            "card": volunteer.card,
            "name": volunteer.name,
            "balance": balance,
            "goods": goods_for(db, volunteer, balance),
            "from_home": volunteer.building_id is not None
            and building_entrance(volunteer.building_id) is not None,
            "hours": round(int(minutes or 0) / 60, 1),
            "teams": [t.name for t in teams_of(db, volunteer)],
            "entries": [
                {
                    "at": local_text(e.at, tz),
                    "kind": ENTRY_KINDS[e.kind],
                    "points": e.points,
                    "balance": e.balance_after,
                    "reason": e.reason,
                }
                for e in entries_of(db, volunteer.id, limit=100)
            ],
        }
    response = current_app.make_response(
        render_template("my_points.html", me=me, place_text=place_text)
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/me/logout")
@public
def my_points_logout() -> Response:
    session.pop(SESSION_CARD, None)
    return redirect(url_for("activities.my_points"))


@bp.get("/api/goods")
@public
@documented(GOODS)
def goods_json() -> Response:
    """兑换目录：物品、所需积分与各站点库存（不含个人信息）。"""
    parse_query(GOODS.parameters)
    with get_store().read() as db:
        levels = goods_levels(db)
        rows = [
            {
                "id": g.id,
                "name": g.name,
                "unit": g.unit,
                "points": g.points,
                "stations": levels.get(g.id, {}),
            }
            for g in catalogue(db)
        ]
    return jsonify(rows)


@bp.get("/api/activities")
@public
@documented(ACTIVITIES)
def activities_json() -> Response:
    """近期活动（不含报名者信息）。"""
    parse_query(ACTIVITIES.parameters)
    with get_store().read() as db:
        coming = upcoming(db, now=now())
        waiting = _waitlist_counts(db, [a.id for a in coming])
        return jsonify([activity_view(a, waiting.get(a.id, 0)) for a in coming])
