"""微活动、微积分 for staff: organisers (the admin, 红色小管家, team leaders) publish activities,
check volunteers in, confirm hours; station counters redeem points for goods; the register of
volunteers, the community's report and the reach of activities on the walking map.

Personal data of volunteers is shown only inside the caller's scope
(:func:`geo_app.web.access.visible_volunteer_ids`); every write goes through the volunteering
modules, in one transaction with its audit entry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import segno
from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from geo_app.formats.csv_text import csv_text
from geo_app.state.cache import per_community
from geo_app.state.clock import community_timezone, now
from geo_app.state.community import get_community, get_state
from geo_app.stations.current import current_station_ids
from geo_app.stations.goods import building_entrance, goods_places
from geo_app.store import get_store
from geo_app.store.models import Household
from geo_app.store.roles import ADMIN, ORGANISING_ROLES
from geo_app.store.utc_time import as_utc
from geo_app.volunteering.activities import (
    ACTIVITY_KINDS,
    MINUTES_PER_DAY,
    PLACE_KINDS,
    SIGNUP_LABELS,
    TALK_TOPICS,
    ScanRefused,
    check_in,
    confirm_hours,
    create_activity,
    log_scan_failure,
    participants,
    record_beneficiaries,
    sign_up,
)
from geo_app.volunteering.checks import whole_in_range
from geo_app.volunteering.errors import VolunteeringError
from geo_app.volunteering.goods import GOODS_MOVEMENTS, catalogue, goods_levels, move_goods, redeem
from geo_app.volunteering.ledger import ENTRY_KINDS, balance_of, entries_of, reverse_entry
from geo_app.volunteering.models import Activity, ScanFailure, ServiceHours, Volunteer
from geo_app.volunteering.places import resolve_place, squares_of
from geo_app.volunteering.reach import activity_reach
from geo_app.volunteering.registry import (
    get_volunteer,
    register_volunteer,
    set_pin,
    teams_of,
)
from geo_app.volunteering.report import Period, community_report, local_text
from geo_app.web.access import (
    require_activity,
    require_roles,
    require_station,
    require_volunteer,
    staffed_station_ids,
    visible_volunteer_ids,
)
from geo_app.web.counter_openapi import CHECK_IN, REDEEM
from geo_app.web.errors import ApiError, json_object_body
from geo_app.web.openapi import QueryParameter, documented, parse_query
from geo_app.web.submissions import (
    ALREADY_SENT,
    AlreadySubmitted,
    Answer,
    answered,
    claim_request,
)
from geo_app.web.views.activities import activities_map, activity_view
from layers.quoting import quoted

bp = Blueprint("organise", __name__)

STAFF = ORGANISING_ROLES
#: Goods movements entered at the counter by hand: a 兑换 is only ever recorded by a
#: redemption, which takes the points in the same transaction.
HAND_MOVEMENTS = {k: label for k, (label, _) in GOODS_MOVEMENTS.items() if k != "redeemed"}
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
#: The activity form's fields as the organiser sees them (messages name these, the JSON
#: "parameter" keeps the code).
ACTIVITY_FIELDS = {
    "title": "名称",
    "kind": "类型",
    "topic": "讲题",
    "place_kind": "地点类型",
    "place_ref": "服务站 / 广场 / 楼栋编号",
    "place_name": "地图选点名称",
    "starts_at": "开始时间",
    "minutes": "时长（分钟）",
    "capacity": "名额",
    "points_per_hour": "每小时积分",
    "points_per_attendance": "每次参加积分",
    "description": "说明",
}


def _actor() -> str:
    return str(g.user.username)


def _station_names() -> dict[str, str]:
    stations = get_community().stations
    return dict(zip(stations["id"], stations["name"], strict=True))


def _my_activities(db: Session) -> list[Activity]:
    query = select(Activity).order_by(Activity.starts_at.desc(), Activity.id.desc())
    if g.user.role != ADMIN:
        query = query.where(Activity.organiser == g.user.username)
    return list(db.scalars(query.limit(200)))


def _activity(db: Session, activity_id: int) -> Activity:
    activity = db.get(Activity, activity_id)
    if activity is None:
        raise ApiError("activity", f"活动 {activity_id} 不存在", status=404)
    require_activity(activity.organiser)
    return activity


def _local(value: str, parameter: str) -> datetime:
    """A form's local date and time (``<input type="datetime-local">``) in the community's
    time zone; the refusal names the field by its label in :data:`ACTIVITY_FIELDS`."""
    try:
        moment = datetime.strptime(value.strip(), DATETIME_FORMAT)
    except ValueError:
        label = ACTIVITY_FIELDS.get(parameter, parameter)
        msg = f"{label}应为 年-月-日 时:分，如 2026-12-06 09:30，收到 {quoted(value)}"
        raise VolunteeringError(msg, parameter=parameter) from None
    return moment.replace(tzinfo=community_timezone())


def _done(message: str, endpoint: str, **values: Any) -> Response:
    flash(message, "ok")
    return redirect(url_for(endpoint, **values))


def _refused(exc: VolunteeringError, endpoint: str, **values: Any) -> Response:
    flash(f"未成功：{exc}", "error")
    return redirect(url_for(endpoint, **values))


# ---------------------------------------------------------------- activities


@bp.get("/organise/")
@require_roles(*STAFF)
def index() -> str:
    """活动组织：我发布的活动与发布新活动。"""
    return _index_page()


def _index_page(typed: Mapping[str, str] | None = None) -> str:
    """The organiser's page; ``typed``: the activity form's values to show again after a
    refusal."""
    community = get_community()
    with get_store().read() as db:
        mine = [activity_view(a) for a in _my_activities(db)]
    return render_template(
        "organise_index.html",
        activities=mine,
        kinds=ACTIVITY_KINDS,
        topics=TALK_TOPICS,
        place_kinds=PLACE_KINDS,
        stations=_station_names(),
        squares=list(squares_of(community)),
        default_start=(now() + timedelta(days=7)).strftime("%Y-%m-%dT09:00"),
        typed=typed or {},
    )


@bp.post("/organise/activities")
@require_roles(*STAFF)
def create() -> ResponseReturnValue:
    """发布活动或宣讲；未发布时带着填写的内容回到表单（400），不必重填。"""
    form = request.form
    try:
        place = resolve_place(get_community(), form)
        starts, ends = _schedule(form)
        with get_store().write() as db:
            claim_request(db)
            activity = create_activity(
                db,
                title=form.get("title", ""),
                kind=form.get("kind", ""),
                topic=form.get("topic"),
                place=place,
                starts_at=starts,
                ends_at=ends,
                capacity=form.get("capacity", ""),
                points_per_hour=form.get("points_per_hour", "0"),
                points_per_attendance=form.get("points_per_attendance", "0"),
                audience=[],
                organiser=_actor(),
                description=form.get("description", ""),
                now=now(),
                known_stations=current_station_ids(),
            )
            activity_id = activity.id
    except AlreadySubmitted:
        return _done(ALREADY_SENT, "organise.index")
    except VolunteeringError as exc:
        flash(f"未发布：{exc}", "error")
        return _index_page(form), 400
    return _done("已发布活动", "organise.activity_page", activity_id=activity_id)


def _schedule(form: Mapping[str, str]) -> tuple[datetime, datetime]:
    """The activity form's start and end (start + 时长); a start at the calendar's end
    (9999-12-31) is refused, not a 500."""
    starts = _local(form.get("starts_at", ""), "starts_at")
    minutes = _minutes(form.get("minutes", ""))
    try:
        return starts, starts + timedelta(minutes=minutes)
    except OverflowError:
        typed = quoted(form.get("starts_at"))
        msg = f"{ACTIVITY_FIELDS['starts_at']} {typed} 超出日历范围，请检查年份"
        raise VolunteeringError(msg, parameter="starts_at") from None


def _minutes(text: str) -> int:
    """The activity form's 时长（分钟）: blank is the default 120 minutes, at most a day."""
    return whole_in_range(text.strip() or "120", low=1, high=MINUTES_PER_DAY,
                          label=ACTIVITY_FIELDS["minutes"], parameter="minutes")


@bp.get("/organise/activities/<int:activity_id>")
@require_roles(*STAFF)
def activity_page(activity_id: int) -> str:
    """一场活动的组织页：报名与候补、扫码签到、确认时长、受益人数。"""
    tz = community_timezone()
    with get_store().read() as db:
        activity = _activity(db, activity_id)
        rows = participants(db, activity_id)
        confirmed = {
            v: m
            for v, m in db.execute(
                select(ServiceHours.volunteer_id, ServiceHours.minutes).where(
                    ServiceHours.activity_id == activity_id
                )
            )
        }
        failures = db.scalars(
            select(ScanFailure)
            .where(ScanFailure.activity_id == activity_id)
            .order_by(ScanFailure.id.desc())
            .limit(20)
        ).all()
        people = [
            {
                "card": s.volunteer.card,
                "name": s.volunteer.name,
                "phone": s.volunteer.phone,
                "status": SIGNUP_LABELS[s.status],
                "checked_in": local_text(c.at, tz) if c else None,
                "minutes": confirmed.get(s.volunteer_id),
            }
            for s, c in rows
        ]
        view = activity_view(activity)
        view["beneficiaries"] = activity.beneficiaries
        # the whole length: a 24-hour activity's timedelta has 0 .seconds and 1 .days
        length = as_utc(activity.ends_at) - as_utc(activity.starts_at)
        default_minutes = int(length.total_seconds() // 60)
        failed = [{"at": local_text(f.at, tz), "raw": f.raw, "reason": f.reason} for f in failures]
    checkin_url = url_for("activities.self_check_in", activity_id=activity_id, _external=True)
    return render_template(
        "organise_activity.html",
        activity=view,
        people=people,
        failures=failed,
        default_minutes=default_minutes,
        checkin_qr=segno.make(checkin_url, error="m").svg_inline(scale=4, title="签到二维码"),
        checkin_url=checkin_url,
    )


def _scan(activity_id: int, raw: str, method: str) -> tuple[str, Answer | None]:
    """(message, the API's answer ({message, repeat}, 201 or 200 for a repeat scan)); a
    refused scan has no answer and is logged with its reason."""
    moment = now()
    try:
        with get_store().write() as db:
            claim_request(db)
            _activity(db, activity_id)
            result = check_in(db, activity_id, raw, method=method, actor=_actor(), now=moment)
            name = f"{result.volunteer.name}（{result.volunteer.card}）"
            message = (f"{name} 已签到过（重复扫码，不重复计）" if result.repeat
                       else f"{name} 签到成功")
            answer = answered(db, {"message": message, "repeat": result.repeat},
                              status=200 if result.repeat else 201)
    except ScanRefused as exc:
        with get_store().write() as db:
            log_scan_failure(db, activity_id, raw, str(exc), actor=_actor(), now=moment)
        return str(exc), None
    return message, answer


@bp.post("/organise/activities/<int:activity_id>/scan")
@require_roles(*STAFF)
def scan(activity_id: int) -> Response:
    """扫志愿者卡二维码或输入卡号签到。"""
    try:
        message, answer = _scan(activity_id, request.form.get("card", ""), "card")
        ok = answer is not None
    except AlreadySubmitted:
        ok, message = True, ALREADY_SENT
    flash(message, "ok" if ok else "error")
    return redirect(url_for("organise.activity_page", activity_id=activity_id))


@bp.post("/api/activities/<int:activity_id>/checkins")
@require_roles(*STAFF)
@documented(CHECK_IN)
def scan_json(activity_id: int) -> Answer:
    """JSON {card} → 201 签到成功 / 200 重复；409 签不到（原因），均记录。"""
    data = json_object_body()
    if not isinstance(data.get("card"), str):
        raise ApiError("card", "请求体须为 JSON 对象 {card: 卡号}")
    message, answer = _scan(activity_id, data["card"], "card")
    if answer is None:
        raise ApiError("card", message, status=409)
    return answer


def _on_activity(activity_id: int, change: Callable[[Session], str]) -> Response:
    """Run ``change(db)`` on one of my activities in one write; back to the activity's page
    with the message it returns, or with the refusal."""
    try:
        with get_store().write() as db:
            claim_request(db)
            _activity(db, activity_id)
            message = change(db)
    except AlreadySubmitted:
        message = ALREADY_SENT
    except VolunteeringError as exc:
        return _refused(exc, "organise.activity_page", activity_id=activity_id)
    return _done(message, "organise.activity_page", activity_id=activity_id)


@bp.post("/organise/activities/<int:activity_id>/signup")
@require_roles(*STAFF)
def signup_for(activity_id: int) -> Response:
    """代志愿者报名（凭卡号，适合不用手机的居民）。"""

    def enrol(db: Session) -> str:
        volunteer = get_volunteer(db, request.form.get("card", ""))
        result = sign_up(db, activity_id, volunteer, actor=_actor(), now=now())
        return f"{volunteer.name}：{SIGNUP_LABELS[result.status]}"

    return _on_activity(activity_id, enrol)


@bp.post("/organise/activities/<int:activity_id>/hours")
@require_roles(*STAFF)
def hours(activity_id: int) -> Response:
    """确认签到志愿者的服务时长，并按活动规则计入积分。"""
    minutes = {
        key.removeprefix("minutes-"): value
        for key, value in request.form.items()
        if key.startswith("minutes-") and value.strip()
    }
    config = current_app.config

    def confirm(db: Session) -> str:
        credited = confirm_hours(
            db,
            activity_id,
            minutes,
            actor=_actor(),
            cap_per_activity=int(config["POINTS_CAP_PER_ACTIVITY"]),
            cap_per_day=int(config["POINTS_CAP_PER_DAY"]),
            timezone=community_timezone(),
        )
        return f"已确认 {len(credited)} 人的时长，计入积分 {sum(credited.values())} 分"

    return _on_activity(activity_id, confirm)


@bp.post("/organise/activities/<int:activity_id>/beneficiaries")
@require_roles(*STAFF)
def beneficiaries(activity_id: int) -> Response:
    """登记受益群众人数。"""

    def record(db: Session) -> str:
        record_beneficiaries(
            db, activity_id, request.form.get("beneficiaries", ""), actor=_actor()
        )
        return "已登记受益人数"

    return _on_activity(activity_id, record)


# ---------------------------------------------------------------- volunteers


def _volunteer_rows(db: Session) -> list[dict[str, Any]]:
    visible = visible_volunteer_ids(db)
    query = select(Volunteer).order_by(Volunteer.card)
    if visible is not None:
        query = query.where(Volunteer.id.in_(visible))
    volunteers = list(db.scalars(query))
    minutes = dict(
        db.execute(
            select(ServiceHours.volunteer_id, func.sum(ServiceHours.minutes)).group_by(
                ServiceHours.volunteer_id
            )
        ).all()
    )
    return [
        {
            "card": v.card,
            "name": v.name,
            "phone": v.phone,
            "building": v.building_id,
            "balance": balance_of(db, v.id),
            "hours": round(int(minutes.get(v.id) or 0) / 60, 1),
        }
        for v in volunteers
    ]


@bp.get("/organise/volunteers")
@require_roles(*STAFF)
def volunteers() -> str:
    """志愿者名册（只含本人可见范围）与登记新志愿者。"""
    with get_store().read() as db:
        rows = _volunteer_rows(db)
    return render_template("organise_volunteers.html", volunteers=rows)


@bp.post("/organise/volunteers")
@require_roles(*STAFF)
def register() -> Response:
    """登记志愿者（发放卡号）。"""
    form = request.form
    try:
        with get_store().write() as db:
            claim_request(db)
            volunteer = register_volunteer(
                db,
                name=form.get("name", ""),
                phone=form.get("phone", ""),
                building_id=form.get("building"),
                known_buildings=set(get_community().buildings["id"]),
                actor=_actor(),
                skills=form.get("skills", "").replace("，", ",").split(","),
                alliance_unit=form.get("alliance_unit"),
                pin=form.get("pin") or None,
            )
            card = volunteer.card  # its registrar sees it (access.visible_volunteer_ids)
    except AlreadySubmitted:
        return _done(ALREADY_SENT, "organise.volunteers")
    except VolunteeringError as exc:
        return _refused(exc, "organise.volunteers")
    return _done(f"已登记，卡号 {card}", "organise.volunteer_page", card=card)


def _visible_volunteer(db: Session, card: str) -> Volunteer:
    volunteer = get_volunteer(db, card)
    require_volunteer(db, volunteer.id)
    return volunteer


def _points_view(db: Session, volunteer: Volunteer) -> dict[str, Any]:
    tz = community_timezone()
    minutes = db.scalar(
        select(func.coalesce(func.sum(ServiceHours.minutes), 0)).where(
            ServiceHours.volunteer_id == volunteer.id
        )
    )
    return {
        "card": volunteer.card,
        "name": volunteer.name,
        "balance": balance_of(db, volunteer.id),
        "hours": round(int(minutes or 0) / 60, 1),
        "entries": [
            {
                "id": e.id,
                "at": local_text(e.at, tz),
                "kind": e.kind,
                "kind_label": ENTRY_KINDS[e.kind],
                "points": e.points,
                "balance_after": e.balance_after,
                "reason": e.reason,
                "ref": e.ref,
            }
            for e in entries_of(db, volunteer.id)
        ],
    }


@bp.get("/organise/volunteers/<card>")
@require_roles(*STAFF)
def volunteer_page(card: str) -> str:
    """一位志愿者：卡号二维码、积分、时长、队伍。"""
    with get_store().read() as db:
        volunteer = _visible_volunteer(db, card)
        view = _points_view(db, volunteer)
        view.update(
            phone=volunteer.phone,
            building=volunteer.building_id,
            skills=volunteer.skills,
            alliance_unit=volunteer.alliance_unit,
            teams=[t.name for t in teams_of(db, volunteer)],
        )
    qr = segno.make(view["card"], error="m").svg_inline(scale=5, title=f"志愿者卡 {view['card']}")
    return render_template("organise_volunteer.html", v=view, card_qr=qr)


@bp.post("/organise/volunteers/<card>/pin")
@require_roles(*STAFF)
def set_volunteer_pin(card: str) -> Response:
    """设置志愿者的查询密码（6 位数字）。"""
    try:
        with get_store().write() as db:
            set_pin(db, _visible_volunteer(db, card), request.form.get("pin", ""), actor=_actor())
    except VolunteeringError as exc:
        return _refused(exc, "organise.volunteer_page", card=card)
    return _done("已设置查询密码", "organise.volunteer_page", card=card)


@bp.post("/organise/entries/<int:entry_id>/reverse")
@require_roles(ADMIN)
def reverse(entry_id: int) -> Response:
    """冲正一笔积分记录（须写明原因；只能冲正一次）。"""
    card = request.form.get("card", "")
    try:
        with get_store().write() as db:
            claim_request(db)
            reverse_entry(db, entry_id, actor=_actor(), reason=request.form.get("reason", ""))
    except AlreadySubmitted:
        return _done(ALREADY_SENT, "organise.volunteer_page", card=card)
    except VolunteeringError as exc:
        return _refused(exc, "organise.volunteer_page", card=card)
    return _done("已冲正", "organise.volunteer_page", card=card)


@bp.get("/api/volunteers")
@require_roles(*STAFF)
def volunteers_json() -> Response:
    """本人可见范围内的志愿者：卡号、姓名、积分余额、服务时长。"""
    with get_store().read() as db:
        rows = _volunteer_rows(db)
    response = jsonify([{k: r[k] for k in ("card", "name", "balance", "hours")} for r in rows])
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/api/volunteers/<card>/points")
@require_roles(*STAFF)
def points_json(card: str) -> Response:
    """一位志愿者的积分余额、服务时长与积分记录。"""
    with get_store().read() as db:
        view = _points_view(db, _visible_volunteer(db, card))
    response = jsonify(view)
    response.headers["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------- goods and redemption


@bp.get("/organise/redeem")
@require_roles(*STAFF)
def counter() -> str:
    """站点柜台：积分兑换物品、物品入库与报损。"""
    return _counter_page()


def _counter_page(typed: Mapping[str, str] | None = None) -> str:
    """The counter; ``typed``: the redemption form's values to show again after a refusal.

    The 查找 (``?card=&goods=``) of an unknown card, or one outside the caller's scope, is
    said on the page (it was a 404 page in place of the counter).
    """
    stations = {s: n for s, n in _station_names().items() if s in staffed_station_ids()}
    with get_store().read() as db:
        goods = catalogue(db)
        levels = goods_levels(db)
    nearest, lookup_error = None, None
    card = request.args.get("card", "").strip()
    goods_id = request.args.get("goods", "").strip()
    if card and goods_id:
        try:
            nearest = _nearest_goods_station(card, goods_id, levels.get(goods_id, {}))
        except (VolunteeringError, NotFound):
            lookup_error = f"卡号 {quoted(card[:20])} 不存在，或不是您范围内的志愿者"
    return render_template(
        "organise_redeem.html",
        stations=stations,
        goods=goods,
        levels=levels,
        movements=HAND_MOVEMENTS,
        nearest=nearest,
        lookup_error=lookup_error,
        card=card,
        goods_id=goods_id,
        typed=typed or {},
    )


def _nearest_goods_station(
    card: str, goods_id: str, stock: dict[str, int]
) -> dict[str, Any] | None:
    """The nearest station on foot from the volunteer's building that stocks the good
    (``{"place": None}`` when none has it); None when the volunteer's building is not known."""
    with get_store().read() as db:
        origin = building_entrance(_visible_volunteer(db, card).building_id)
    if origin is None:
        return None
    moment = now().astimezone(community_timezone())
    found = goods_places([goods_id], {goods_id: stock}, origin=origin, moment=moment)[goods_id]
    return {"place": found[0] if found else None}


def _redeem(data: Any) -> Answer:
    """Redeem as form or JSON ``data`` asks; the API's answer (the redemption, 201)."""
    station = str(data.get("station", ""))
    require_station(station)
    with get_store().write() as db:
        claim_request(db)
        result = redeem(
            db,
            card=str(data.get("card", "")),
            station_id=station,
            goods_id=str(data.get("goods", "")),
            quantity=data.get("quantity"),
            actor=_actor(),
            known_stations=current_station_ids(),
        )
        return answered(db, {
            "id": result.redemption_id,
            "card": result.card,
            "goods": result.goods,
            "quantity": result.quantity,
            "points": result.points,
            "balance_after": result.balance_after,
            "stock_after": result.stock_after,
        }, status=201)


@bp.post("/organise/redeem")
@require_roles(*STAFF)
def redeem_form() -> ResponseReturnValue:
    """兑换：扫志愿者卡、选物品与数量，积分与库存同时扣减。"""
    try:
        done, _ = _redeem(request.form)
    except AlreadySubmitted:
        return _done(ALREADY_SENT, "organise.counter")
    except VolunteeringError as exc:  # back with the card scanned, not to scan again
        flash(f"未成功：{exc}", "error")
        return _counter_page(request.form), 400
    return _done(
        f"已兑换，扣 {done['points']} 分，余额 {done['balance_after']} 分，"
        f"站点余 {done['stock_after']}",
        "organise.counter",
    )


@bp.post("/api/redemptions")
@require_roles(*STAFF)
@documented(REDEEM)
def redeem_json() -> Answer:
    """JSON {card, station, goods, quantity} → 201 {balance_after, stock_after}；不足时 409。"""
    return _redeem(json_object_body())


@bp.post("/organise/goods")
@require_roles(*STAFF)
def goods_movement() -> Response:
    """物品入库或报损。"""
    form = request.form
    station = form.get("station", "")
    require_station(station)
    kind = form.get("kind", "")
    try:
        if kind not in HAND_MOVEMENTS:
            choices = "、".join(f"{label}（{k}）" for k, label in HAND_MOVEMENTS.items())
            raise VolunteeringError(
                f"操作（kind）须为 {choices}，收到 {quoted(kind)}；"
                "兑换请用上方的兑换表单（同时扣积分）",
                parameter="kind",
            )
        with get_store().write() as db:
            claim_request(db)
            after = move_goods(
                db,
                station,
                form.get("goods", ""),
                kind=kind,
                quantity=form.get("quantity", ""),
                actor=_actor(),
                known_stations=current_station_ids(),
                ref=form.get("note", "")[:64],
            )
    except AlreadySubmitted:
        return _done(ALREADY_SENT, "organise.counter")
    except VolunteeringError as exc:
        return _refused(exc, "organise.counter")
    return _done(f"已登记，站点现有 {after}", "organise.counter")


# ---------------------------------------------------------------- report and reach


#: The report's and the reach page's period (a missing one means this year, all the year, this
#: quarter): full-width digits and each parameter's own range are checked by ``parse_query``.
YEAR = QueryParameter("year", "年份（缺省为今年）",
                      {"type": "integer", "minimum": 2000, "maximum": 2100})
MONTH = QueryParameter("month", "月份（缺省为全年）",
                       {"type": "integer", "minimum": 1, "maximum": 12})
QUARTER = QueryParameter("quarter", "季度（缺省为本季度）",
                         {"type": "integer", "minimum": 1, "maximum": 4})


def _period() -> Period:
    query = parse_query((YEAR, MONTH))
    return Period(query["year"] or now().year, query["month"])


def _report() -> tuple[Period, dict[str, Any]]:
    """The period asked for (``?year=&month=``) and the community's report over it."""
    period = _period()
    with get_store().read() as db:
        return period, community_report(db, period, timezone=community_timezone()).as_dict()


@bp.get("/organise/report")
@require_roles(*STAFF)
def report() -> str:
    """社区活动与积分报表（按月或按年）。"""
    period, figures = _report()
    return render_template("organise_report.html", report=figures, period=period)


@bp.get("/organise/report.json")
@require_roles(*STAFF)
def report_json() -> Response:
    return jsonify(_report()[1])


@bp.get("/organise/report.csv")
@require_roles(*STAFF)
def report_csv() -> Response:
    period, figures = _report()
    rows: list[list[object]] = []
    for key, label in REPORT_LABELS.items():
        value = figures[key]
        if isinstance(value, dict):
            rows.extend([f"{label}：{name}", count] for name, count in value.items())
        else:
            rows.append([label, value])
    return Response(
        csv_text(["项目", "数值"], rows),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="report-{period.year}.csv"'},
    )


REPORT_LABELS = {
    "activities_held": "举办活动（场）",
    "activities_by_kind": "按类型",
    "participants": "参与志愿者（人次）",
    "beneficiaries": "受益群众（人次）",
    "talks_by_topic": "宣讲按讲题",
    "talks_by_place": "宣讲按地点",
    "volunteer_hours": "志愿服务时长（小时）",
    "points_earned": "发放积分",
    "points_redeemed": "兑换积分",
    "exchanges": "兑换次数",
    "goods_given": "兑出物品",
    "members_by_team_kind": "队伍人数",
}


def _quarter_bounds() -> tuple[datetime, datetime, str]:
    today = now()
    query = parse_query((YEAR, QUARTER))
    year = query["year"] or today.year
    quarter = query["quarter"] or (today.month - 1) // 3 + 1
    tz = community_timezone()
    start = datetime(year, 3 * quarter - 2, 1, tzinfo=tz)
    end = datetime(year + (quarter == 4), (3 * quarter) % 12 + 1, 1, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC), f"{year} 年第 {quarter} 季度"


@bp.get("/organise/reach")
@require_roles(*STAFF)
def reach() -> str:
    """活动覆盖：本季度哪些楼栋、小区步行 10 分钟内没有活动，按居民与关爱户排序。"""
    start, end, label = _quarter_bounds()
    config = current_app.config
    with get_store().read() as db:
        held = list(
            db.scalars(
                select(Activity).where(
                    Activity.starts_at >= start,
                    Activity.starts_at < end,
                    Activity.status != "cancelled",
                )
            )
        )
        care = dict(
            db.execute(
                select(Household.building_id, func.count())
                .where(func.json_array_length(Household.tags) > 0)
                .group_by(Household.building_id)
            ).all()
        )
    minutes = float(config["ACTIVITY_REACH_MINUTES"])
    reach_m = float(config["WALK_SPEED_KMH"]) * 1000 / 60 * minutes
    points = tuple((a.lon, a.lat) for a in held)
    # the walks from this quarter's places: measured once, until the activities or care change
    figures = per_community(
        ("activity_reach", points, reach_m, tuple(sorted(care.items()))),
        lambda c: activity_reach(
            c.buildings, get_state().walk_network, points, reach_m=reach_m,
            care_households=care, max_attach_m=float(config["MAX_ATTACH_M"]),
        ),
    )
    return render_template(
        "organise_reach.html",
        reach=figures,
        label=label,
        minutes=minutes,
        map=activities_map(held, unreached={b.building_id for b in figures.unreached}),
    )
