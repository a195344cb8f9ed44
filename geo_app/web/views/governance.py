"""微协商 pages: residents send a view and follow it; everyone sees the governance items; the
grid's staff handle views, record meetings, carry items, report monthly and see the heat map.

Public pages: ``/views/new`` (send a view: pin, category, text, photo; deep links prefill it,
e.g. ``/views/new?lon=117.2535&lat=31.9615&category=greening``), ``/v/<code>`` (its status and
the answers), ``/items`` and ``/items/<id>`` (the public board). Staff pages (admin, 网格长,
红色小管家) under ``/staff/``. Pages take their data as JSON blocks or text; no inline script.
Forms post with their CSRF token and call the same functions as the JSON API.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from geo_app.formats.numbers import whole_number
from geo_app.governance import items as item_service
from geo_app.governance import lifecycle
from geo_app.governance import views as view_service
from geo_app.governance.chart import category_chart
from geo_app.governance.duplicates import open_views_near
from geo_app.governance.errors import (
    GovernanceError,
    NotFoundError,
    RoleRefusedError,
    TransitionError,
)
from geo_app.governance.heat import counts_by_building, counts_by_path, heat_cells
from geo_app.governance.meetings import (
    EARLIEST_YEAR,
    MEETING_KINDS,
    MeetingInput,
    create_meeting,
    get_meeting,
    grid_meetings,
    split_names,
)
from geo_app.governance.photos import photo_path
from geo_app.governance.reports import monthly_report, months_with_views, report_csv
from geo_app.state.clock import community_timezone, now
from geo_app.state.community import get_community
from geo_app.store import get_store
from geo_app.store.accounts import list_accounts
from geo_app.store.audit_text import actor_name
from geo_app.store.governance_models import View
from geo_app.store.roles import BUILDING_ROLES
from geo_app.store.visits import display_names
from geo_app.web import governance_support as support
from geo_app.web.access import public, require_grid, require_roles
from geo_app.web.device import set_device_cookie
from geo_app.web.errors import ApiError
from geo_app.web.paging import list_page
from geo_app.web.route_ids import MAX_ROW_ID
from geo_app.web.views.governance_api import (
    apply_step,
    caller_grid,
    decide,
    item_json,
    meeting_json,
    status_of,
)
from layers.quoting import quoted

STAFF = lifecycle.STAFF_ROLES
bp = Blueprint("governance", __name__)
bp.after_request(set_device_cookie)
#: The log's entries that are not lifecycle steps, and the actor of a resident's own entries,
#: in the staff's words (the log showed "submitted", "resident rated").
LOG_ENTRIES = {"submitted": "提交", "rated": "评价"}


@bp.context_processor
def _staff_links() -> dict[str, Any]:
    """The grids whose report and heat map the staff links point at."""
    user = g.get("user")
    return {"staff_grid_ids": support.staff_grids() if user and user.role in STAFF else []}

#: Map styles of the 微协商 maps (drawn by static/gov_map.js).
GRID_STYLE = {"color": "#b71c1c", "weight": 2, "dashArray": "6 4", "fillOpacity": 0.03}
BUILDING_STYLE = {"color": "#8d6e63", "weight": 1, "fillColor": "#d7ccc8", "fillOpacity": 0.5}


def _map_base(*, grid_ids: list[str] | None = None) -> dict[str, Any]:
    """The grids and buildings under every 微协商 map (limited to ``grid_ids`` if given)."""
    places = support.places()
    grids = places.grids_geojson
    if grid_ids is not None:
        grids = {**grids, "features": [f for f in grids["features"]
                                       if f["properties"]["id"] in grid_ids]}
    return {"layers": [
        {"name": "网格", "data": grids, "style": GRID_STYLE, "tooltip": "name"},
        {"name": "楼栋", "data": places.buildings_geojson, "style": BUILDING_STYLE,
         "tooltip": "name"},
    ]}


def _points(rows: list[dict[str, Any]], *, name: str, colour: str, tooltip: str) -> dict:
    return {
        "name": name, "tooltip": tooltip, "style": {"color": colour, "radius": 7},
        "data": {"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
             "properties": r} for r in rows
        ]},
    }


# ---------------------------------------------------------------- residents


@bp.get("/views/new")
@public
def submit_page() -> str:
    """反映问题：选点或选楼栋、选类别、写内容、可附照片；深链接可预填位置与类别。"""
    prefill, problems = _prefill(request.args)
    config = current_app.config
    page = {
        **_map_base(),
        "categories": support.category_labels(),
        "limits": support.text_limits(),
        "radius_m": float(config["VIEW_DUPLICATE_RADIUS_M"]),
        "photo_max_bytes": int(config["VIEW_PHOTO_MAX_BYTES"]),
        "prefill": prefill,
        "pick": True,
    }
    return render_template("gov_submit.html", page=page, categories=support.category_labels(),
                           limits=support.text_limits(), prefill_problems=problems)


def _prefill(args: Any) -> tuple[dict[str, Any], list[str]]:
    """What a deep link (a QR code) fills in, and why any part of it was left out: the page
    says so, instead of silently dropping it or pinning a point outside the community."""
    prefill: dict[str, Any] = {}
    problems: list[str] = []
    building = args.get("building", "").strip()
    if building:
        if building in support.places().building_names:
            prefill["building"] = building
        else:
            problems.append(f"链接中的楼栋 building={building} 不存在，"
                            "请在地图上点选位置或搜索楼栋。")
    raw = {key: args.get(key, "").strip() for key in ("lon", "lat")}
    if any(raw.values()) and "building" not in prefill:
        try:
            lon, lat = float(raw["lon"]), float(raw["lat"])
            support.route_submission(lon, lat, None)  # inside one of the grids, or ApiError
            prefill.update(lon=lon, lat=lat)
        except ValueError:
            problems.append(f"链接中的位置 lon={raw['lon']}、lat={raw['lat']} 不是经纬度数字，"
                            "请在地图上点选位置。")
        except ApiError as exc:
            problems.append(f"链接中的{exc.message}。")
    category = args.get("category", "").strip()
    if category:
        if category in support.categories():
            prefill["category"] = category
        else:
            problems.append(f"链接中的类别 category={category} 不存在，请在下面选择类别。")
    return prefill, problems


@bp.get("/v")
@public
def lookup() -> ResponseReturnValue:
    """凭查询码查进度。"""
    code = request.args.get("code", "").strip()
    if code:
        return redirect(url_for("governance.status_page", code=view_service.normalise_code(code)))
    return render_template("gov_lookup.html")


@bp.get("/v/<code>")
@public
def status_page(code: str) -> str:
    """一条意见的办理进度与答复（不含任何个人信息）。"""
    return render_template("gov_status.html", status=status_of(code),
                           just_sent=request.args.get("sent") == "1")


@bp.post("/v/<code>/rating")
@public
def rate_form(code: str) -> ResponseReturnValue:
    try:
        rating = int(request.form.get("rating", ""))
    except ValueError:
        rating = 0
    try:
        with get_store().write() as db:
            view_service.rate(db, code, rating, at=now())
        flash("感谢您的评价！", "ok")
    except NotFoundError:
        raise
    except GovernanceError as exc:
        flash(str(exc), "error")
    return redirect(url_for("governance.status_page", code=code))


@bp.get("/items")
@public
def items_board() -> str:
    """治理项目公开栏：每个项目的进度、背后的意见数，在地图上。"""
    with get_store().read() as db:
        rows = [item_json(db, i, with_timeline=False) for i in item_service.published_items(db)]
    page = _map_base()
    page["layers"].append(_points(rows, name="治理项目", colour="#1565c0", tooltip="title"))
    return render_template("gov_items.html", items=rows, page=page)


@bp.get("/items/<int:item_id>")
@public
def item_page(item_id: int) -> str:
    """一个治理项目：时间线，以及步行 300 米内的楼栋和来自它们的意见。"""
    with get_store().read() as db:
        row = item_json(db, item_service.get_item(db, item_id, None), with_timeline=True)
    return render_template("gov_item.html", item=row, page=_item_map(row), staff=False)


def _item_map(row: dict[str, Any]) -> dict[str, Any]:
    page = _map_base()
    reached = {b["id"]: b for b in row["reach"]["buildings"]}
    labels = {b: f"{r['name']}：步行 {r['distance_m']:.0f} 米，意见 {r['views']} 条"
              for b, r in reached.items()}
    buildings = support.places().buildings_geojson
    page["layers"].append({
        "name": f"步行 {row['reach']['radius_m'] or ''} 米内的楼栋",
        "style": {"color": "#1565c0", "weight": 2, "fillColor": "#64b5f6", "fillOpacity": 0.6},
        "tooltip": "label",
        "fit": True,
        "data": {"type": "FeatureCollection", "features": [
            {**f, "properties": {**f["properties"], "label": labels[f["properties"]["id"]]}}
            for f in buildings["features"] if f["properties"]["id"] in reached
        ]},
    })
    page["layers"].append(_points(row["view_points"], name="背后的意见（已公开）",
                                  colour="#ef6c00", tooltip="category_label"))
    page["layers"].append(_points([row], name="项目地点", colour="#c62828", tooltip="title"))
    for layer in page["layers"][-2:]:
        layer["fit"] = True
    # the map opens on the place, the buildings within the walk and the views (not on the
    # place alone at zoom 18, which showed 2 of the 7 buildings the page lists)
    return page


# ---------------------------------------------------------------- staff: views


def _grid_filter() -> list[str]:
    grids = support.staff_grids()
    chosen = request.args.get("grid")
    return [chosen] if chosen in grids else grids


def _grid_keep() -> list[tuple[str, str]]:
    """The ``?grid=`` a staff list was narrowed to, for its page links (none: all grids)."""
    chosen = request.args.get("grid", "")
    return [("grid", chosen)] if chosen in support.staff_grids() else []


@bp.get("/staff")
@require_roles(*STAFF)
def staff_home() -> ResponseReturnValue:
    return redirect(url_for("governance.staff_views"))


@bp.get("/staff/views")
@require_roles(*STAFF)
def staff_views() -> str:
    """本网格的意见：超期未反馈的在前（超期最久的排最前），可按状态筛选；含居民留下的联系方式。"""
    state = request.args.get("state") or None
    if state not in lifecycle.STATES:
        state = None
    moment = now()
    grids = _grid_filter()
    with get_store().read() as db:
        views = [v for v in view_service.views_in_scope(db, g.user, state=state)
                 if v.grid_id in grids]
        records = {
            v.id: view_service.staff_record(
                v, with_contact=view_service.sees_contact(g.user, v),
                categories=support.categories(), moment=moment)
            for v in views
        }
        overdue = [records[v.id] for v in view_service.overdue_first(views, moment)]
    only_overdue = request.args.get("overdue") == "1"
    rows = overdue if only_overdue else [records[v.id] for v in views]
    page = list_page(len(rows))
    names = support.places().building_names
    chosen_grid = request.args.get("grid", "")
    keep = [(k, v) for k, v in (("grid", chosen_grid if chosen_grid in grids else ""),
                                ("state", state or ""), ("overdue", "1" if only_overdue else ""))
            if v]
    return render_template("gov_staff_views.html", rows=rows[page.start:page.stop],
                           total=len(rows), page=page, keep=keep, overdue=overdue, state=state,
                           states=lifecycle.STATES, grids=support.staff_grids(),
                           grid_names=support.grid_names(), building_names=names,
                           chosen_grid=chosen_grid, only_overdue=only_overdue)


@bp.get("/my/views")
@require_roles(*sorted(BUILDING_ROLES))
def building_views() -> str:
    """楼栋党员、业主代表：本人负责楼栋的公开意见（只读，不含联系方式），超期的标出，点开看办理经过。"""
    moment = now()
    with get_store().read() as db:
        views = view_service.views_in_scope(db, g.user, own_buildings=support.own_buildings())
        rows = [view_service.staff_record(v, with_contact=False, categories=support.categories(),
                                          moment=moment) for v in views]
    page = list_page(len(rows))
    return render_template("gov_my_views.html", rows=rows[page.start:page.stop], total=len(rows),
                           overdue=sum(r["overdue"] for r in rows), page=page,
                           building_names=support.places().building_names)


def _step_forms(view: View) -> list[dict[str, Any]]:
    return [
        {"to": step, "label": lifecycle.STEPS[step],
         "note": lifecycle.NOTE_REQUIRED.get(step, "说明（选填）"),
         "public": step in lifecycle.PUBLIC_NOTE_STEPS,
         "required": step in lifecycle.NOTE_REQUIRED}
        for step in lifecycle.TRANSITIONS[view.state]
        if g.user.role in lifecycle.roles_for(step)
    ]


@bp.get("/staff/views/<int:view_id>")
@require_roles(*STAFF)
def staff_view(view_id: int) -> str:
    """一条意见：内容、联系方式、照片、日志，及可进行的下一步。"""
    return _view_page(view_id)


def _view_page(view_id: int, *, typed: Mapping[str, Any] | None = None) -> str:
    """A view's staff page; after a refused step, that step's form holds what was typed."""
    moment = now()
    radius = float(current_app.config["VIEW_DUPLICATE_RADIUS_M"])
    with get_store().read() as db:
        view = view_service.get_view(db, view_id, g.user)
        record = view_service.staff_record(view, with_contact=True,
                                           categories=support.categories(), moment=moment)
        names = support.grid_names()
        people = display_names(db, {e.actor for e in view.events})
        log = [{"at": e.at, "actor": actor_name(e.actor, people),
                "step": {**lifecycle.STEPS, **LOG_ENTRIES}.get(e.action, e.action),
                "state": lifecycle.STATES.get(e.to_state, e.to_state), "note": e.note,
                "public": e.public,
                "grids": (names.get(e.from_grid or "", e.from_grid),
                          names.get(e.to_grid or "", e.to_grid))} for e in view.events]
        near = [n for n in open_views_near(db, view.lon, view.lat, category=view.category,
                                           radius_m=radius, public_only=False,
                                           exclude_id=view.id)
                if n.view.grid_id == view.grid_id and n.view.state != "duplicate"]
        candidates = [{"id": n.view.id, "text": n.view.text, "distance_m": n.distance_m}
                      for n in near]
        forms = _step_forms(view)
    page = _map_base(grid_ids=[record["grid_id"]])
    page["layers"].append(_points([record], name="意见位置", colour="#c62828", tooltip="text"))
    page["center"] = [record["lat"], record["lon"]]
    grids = {k: v for k, v in names.items() if k != record["grid_id"]}
    return render_template(
        "gov_staff_view.html", view=record, log=log, forms=forms, candidates=candidates,
        other_grids=grids, page=page, grid_name=names.get(record["grid_id"], record["grid_id"]),
        building_name=support.places().building_names.get(record["building_id"] or "", ""),
        typed=typed or {},
    )


@bp.post("/staff/views/<int:view_id>/transition")
@require_roles(*STAFF)
def staff_transition(view_id: int) -> ResponseReturnValue:
    form = request.form
    # 重复: the number typed (any view of the grid) wins over the nearby one picked.
    duplicate = (form.get("duplicate_other", "").strip().lstrip("#")
                 or form.get("duplicate_of", "").strip())
    step = view_service.Step(
        to=form.get("to", "").strip(), note=form.get("note", ""),
        assignee=form.get("assignee") or None, grid_id=form.get("grid_id") or None,
        duplicate_of=int(duplicate) if duplicate.isdigit() else None,
    )
    try:
        if step.duplicate_of is not None and step.duplicate_of > MAX_ROW_ID:  # no row has it
            raise view_service.unknown_original(step.duplicate_of)
        record = apply_step(view_id, step)
    except (NotFoundError, RoleRefusedError):
        raise
    except TransitionError as exc:  # the state moved on: the page as it now is, and why
        flash(str(exc), "error")
        return redirect(url_for("governance.staff_view", view_id=view_id), code=303)
    except GovernanceError as exc:  # a field refused: shown above the forms, the note kept
        flash(str(exc), "error")
        return _view_page(view_id, typed=form), 400
    flash(f"已{lifecycle.STEPS[step.to]}：意见现为「{record['state_label']}」", "ok")
    if not view_service.sees_grid(g.user, record["grid_id"]):  # transferred away
        return redirect(url_for("governance.staff_views"), code=303)
    return redirect(url_for("governance.staff_view", view_id=view_id), code=303)


@bp.get("/staff/views/<int:view_id>/photo")
@require_roles(*STAFF)
def staff_photo(view_id: int) -> Response:
    """意见的照片（已去除 EXIF/GPS），仅本网格网格员可见。"""
    with get_store().read() as db:
        view = view_service.get_view(db, view_id, g.user)
        name = view.photo
    path = photo_path(support.photo_folder(), name) if name else None
    if path is None:
        abort(404)
    response = send_file(path, mimetype="image/jpeg", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------- staff: meetings and items


def _place_choices(grid_ids: list[str]) -> list[dict[str, Any]]:
    """Meeting places: the grids' stations, their compounds' squares, their buildings."""
    community = get_community()
    places = support.places()
    choices = support.stations_of(grid_ids)
    choices += [{**s, "key": f"chat:{s['key']}", "name": f"金大姐聊天室（{s['name']}）"}
                for s in support.stations_of(grid_ids)]
    grids = community.grids[community.grids["id"].isin(grid_ids)]
    for grid in grids.itertuples():
        centre = grid.geometry.representative_point()
        choices.append({"key": f"grid:{grid.id}", "name": f"{grid.name} 广场议事角",
                        "lon": centre.x, "lat": centre.y})
    for building_id, name in places.building_names.items():
        if support.building_grids().get(building_id) in grid_ids:
            row = places.building_ids.index(building_id)
            lon, lat = (float(c) for c in places.building_points[row])
            choices.append({"key": f"building:{building_id}", "name": name, "lon": lon,
                            "lat": lat})
    return choices


def _open_views(db: Any, grid_ids: list[str]) -> list[View]:
    query = select(View).where(View.grid_id.in_(grid_ids),
                               View.state.notin_(["rejected", "duplicate"]))
    return list(db.scalars(query.order_by(View.created_at.desc())))


@bp.get("/staff/meetings")
@require_roles(*STAFF)
def staff_meetings() -> str:
    """走访与座谈：记录（地点、时间、议题、参会人、纪要、所议意见）。"""
    return _meetings_page()


def _meetings_page(form: Mapping[str, Any] | None = None) -> str:
    """The meetings page; after a refused record, its form still holds what was typed."""
    grids = _grid_filter()
    with get_store().read() as db:
        everything = grid_meetings(db, grids)
        page = list_page(len(everything))
        meetings = [meeting_json(m) for m in everything[page.start:page.stop]]
        views = [{"id": v.id, "text": v.text, "state": lifecycle.STATES[v.state]}
                 for v in _open_views(db, grids)]
        people = [a.display_name or a.username for a in list_accounts(db)
                  if a.active and a.grid_id in grids]
    return render_template(
        "gov_meetings.html", meetings=meetings, total=len(everything), page=page,
        keep=_grid_keep(), views=views, people=people,
        places=_place_choices(grids), kinds=MEETING_KINDS, grids=grids,
        grid_names=support.grid_names(), now=now().strftime("%Y-%m-%dT%H:%M"),
        form=form or MultiDict(),
    )


@bp.post("/staff/meetings")
@require_roles(*STAFF)
def staff_create_meeting() -> ResponseReturnValue:
    form = request.form
    try:
        grid = caller_grid(form.get("grid_id") or g.user.grid_id)
        place = next((p for p in _place_choices([grid]) if p["key"] == form.get("place")), None)
        if place is None:
            raise ApiError("place", "请选择会议地点")
        attendees = form.getlist("attendee") + split_names(form.get("others", ""))
        data = MeetingInput(
            kind=form.get("kind", ""),
            held_at=support.parse_moment(form.get("held_at", ""), parameter="held_at",
                                         tz=community_timezone()),
            topic=form.get("topic", ""), place_name=place["name"], lon=place["lon"],
            lat=place["lat"], attendees=attendees, minutes=form.get("minutes", ""),
            view_ids=[int(v) for v in form.getlist("view_ids") if v.isdigit()],
        )
        with get_store().write() as db:
            meeting = create_meeting(db, data, grid_id=grid, actor=g.user.username,
                                     now=now())
    except (GovernanceError, ApiError) as exc:  # shown above the form, nothing typed lost
        flash(getattr(exc, "message", None) or str(exc), "error")
        return _meetings_page(form), 400
    flash("已记录。", "ok")
    return redirect(url_for("governance.staff_meeting", meeting_id=meeting.id), code=303)


@bp.get("/staff/meetings/<int:meeting_id>")
@require_roles(*STAFF)
def staff_meeting(meeting_id: int) -> str:
    """一次会议：纪要、所议意见，以及会议决定（新建或推进治理项目）。"""
    return _meeting_page(meeting_id)


def _meeting_page(meeting_id: int, form: Mapping[str, Any] | None = None) -> str:
    """A meeting's page; after a refused decision, its form still holds what was typed."""
    with get_store().read() as db:
        meeting = get_meeting(db, meeting_id, g.user)
        record = meeting_json(meeting)
        views = {v.id: v for v in db.scalars(select(View).where(View.id.in_(meeting.view_ids)))}
        taken = [{"id": i, "text": views[i].text, "state": lifecycle.STATES[views[i].state]}
                 for i in meeting.view_ids if i in views]
        grid_items = [{"id": i.id, "title": i.title, "progress": i.progress}
                      for i in item_service.grid_items(db, [meeting.grid_id])]
        decided = [item_json(db, i, with_timeline=False)
                   for i in item_service.grid_items(db, [meeting.grid_id])
                   if i.meeting_id == meeting.id]
    return render_template(
        "gov_meeting.html", meeting=record, taken=taken, items=grid_items, decided=decided,
        categories=support.category_labels(), statuses=item_service.ITEM_STATUSES,
        budgets=current_app.config["ITEM_BUDGET_SOURCES"], form=form or MultiDict(),
    )


def _form_int(name: str, *, label: str, high: int) -> int | None:
    """The form's whole number ``name`` in 0–``high`` (full-width digits too); None if blank."""
    raw = request.form.get(name, "")
    if not raw.strip():
        return None
    return whole_number(raw, low=0, high=high, label=label, parameter=name,
                        error=GovernanceError)


@bp.post("/staff/meetings/<int:meeting_id>/decision")
@require_roles(*STAFF)
def staff_decision(meeting_id: int) -> ResponseReturnValue:
    form = request.form
    with get_store().read() as db:
        get_meeting(db, meeting_id, g.user)
    try:
        args = {
            "item_id": _form_int("item_id", label="推进的项目", high=MAX_ROW_ID),
            "title": form.get("title", "").strip() or None,
            "category": form.get("category") or None,
            "owner": form.get("owner", "").strip() or None,
            "budget_source": form.get("budget_source") or None,
            "status": form.get("status") or None,
            "progress": _form_int("progress", label="进度（%）", high=100),
            "published": form.get("published") == "1", "note": form.get("note", ""),
            "description": form.get("description", ""),
            "view_ids": [int(v) for v in form.getlist("view_ids") if v.isdigit()],
        }
        row, _ = decide(meeting_id, args)
    except (NotFoundError, RoleRefusedError):
        raise
    except (GovernanceError, ApiError) as exc:  # shown above the form, nothing typed lost
        flash(getattr(exc, "message", None) or str(exc), "error")
        return _meeting_page(meeting_id, form), 400
    flash(f"已记入治理项目「{row['title']}」。", "ok")
    return redirect(url_for("governance.staff_item", item_id=row["id"]), code=303)


@bp.get("/staff/items")
@require_roles(*STAFF)
def staff_items() -> str:
    """本网格的治理项目（含未公开的）。"""
    with get_store().read() as db:
        everything = item_service.grid_items(db, _grid_filter())
        page = list_page(len(everything))
        rows = [item_json(db, i, with_timeline=False) for i in everything[page.start:page.stop]]
    return render_template("gov_staff_items.html", items=rows, total=len(everything),
                           page=page, keep=_grid_keep())


@bp.get("/staff/items/<int:item_id>")
@require_roles(*STAFF)
def staff_item(item_id: int) -> str:
    return _staff_item_page(item_id)


def _staff_item_page(item_id: int, form: Mapping[str, Any] | None = None) -> str:
    """An item's staff page; after a refused update, its form holds what was typed."""
    with get_store().read() as db:
        item = item_service.get_item(db, item_id, g.user)
        row = item_json(db, item, with_timeline=True)
        published = item.published
    return render_template("gov_item.html", item=row, page=_item_map(row), staff=True,
                           published=published, statuses=item_service.ITEM_STATUSES,
                           form=form or MultiDict())


@bp.post("/staff/items/<int:item_id>")
@require_roles(*STAFF)
def staff_update_item(item_id: int) -> ResponseReturnValue:
    form = request.form
    try:
        change = item_service.ItemUpdate(
            status=form.get("status") or None,
            progress=_form_int("progress", label="进度（%）", high=100),
            published=form.get("published") == "1", note=form.get("note", ""),
        )
        with get_store().write() as db:
            updated = item_service.update_item(db, item_id, change, caller=g.user, at=now())
            done = (f"已更新项目「{updated.title}」："
                    f"{item_service.ITEM_STATUSES[updated.status]} {updated.progress}%")
    except (NotFoundError, RoleRefusedError):
        raise
    except GovernanceError as exc:  # shown above the form, nothing typed lost
        flash(str(exc), "error")
        return _staff_item_page(item_id, form), 400
    flash(done, "ok")
    return redirect(url_for("governance.staff_item", item_id=item_id), code=303)


# ---------------------------------------------------------------- staff: reports and heat map


def _month(grid_id: str, views: list[View]) -> tuple[int, int, list[str]]:
    tz = community_timezone()
    months = months_with_views(views, grid_id=grid_id, tz=tz)
    raw = request.args.get("month", "").strip()
    if raw:
        try:
            year, month = (int(p) for p in raw.split("-"))
            datetime(year, month, 1)
        except ValueError:
            msg = f"month 应为 YYYY-MM，如 2024-05，实际为 {quoted(raw)}"
            raise ApiError("month", msg) from None
        today = now()
        if not (EARLIEST_YEAR, 1) <= (year, month) <= (today.year, today.month):
            msg = (f"month {quoted(raw)} 不在 {EARLIEST_YEAR}-01 至本月"
                   f"（{today.year}-{today.month:02d}）之间")
            raise ApiError("month", msg)
        return year, month, months
    if months:
        year, month = (int(p) for p in months[0].split("-"))
        return year, month, months
    today = now()
    return today.year, today.month, months


def _report(grid_id: str) -> tuple[Any, list[str]]:
    require_grid(grid_id)
    with get_store().read() as db:
        views = list(db.scalars(select(View).where(View.grid_id == grid_id)))
    year, month, months = _month(grid_id, views)
    report = monthly_report(views, grid_id=grid_id, year=year, month=month,
                            tz=community_timezone(), moment=now(),
                            categories=support.categories())
    return report, months


@bp.get("/staff/grids/<grid_id>/report")
@require_roles(*STAFF)
def report_page(grid_id: str) -> str:
    """月报：收到的意见（按类别、状态）、办结用时中位数、超期、满意度，附图与 CSV。"""
    report, months = _report(grid_id)
    categories = support.categories()
    return render_template(
        "gov_report.html", report=report, months=months, categories=categories,
        states=lifecycle.STATES, chart=category_chart(report, categories=categories),
        grid_name=support.grid_names().get(grid_id, grid_id),
    )


@bp.get("/staff/grids/<grid_id>/report.csv")
@require_roles(*STAFF)
def report_download(grid_id: str) -> Response:
    report, _ = _report(grid_id)
    body = report_csv(report, categories=support.categories())
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="views-{grid_id}-{report.label}.csv"',
    })


#: The longest look-back of the heat map's ``?days=`` (ten years: a grid's whole record).
HEAT_MAX_DAYS = 3660


def _heat_days() -> int | None:
    """The heat map's ``?days=`` (only views of the last N days); ``None``: all of them."""
    text = request.args.get("days", "").strip()
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= HEAT_MAX_DAYS:
        msg = f"days（只看近几天）应为 1–{HEAT_MAX_DAYS} 的整数，实际为 {quoted(text[:20])}"
        raise ApiError("days", msg)
    return int(text)


@bp.get("/staff/grids/<grid_id>/heatmap")
@require_roles(*STAFF)
def heatmap(grid_id: str) -> str:
    """意见热力图：意见集中在哪些楼栋、哪些道路附近。"""
    require_grid(grid_id)
    days = _heat_days()
    with get_store().read() as db:
        query = select(View).where(View.grid_id == grid_id,
                                   View.state.notin_(["duplicate"]))
        if days is not None:
            query = query.where(View.created_at >= now() - timedelta(days=days))
        views = list(db.scalars(query))
    config = current_app.config
    points = np.array([[v.lon, v.lat] for v in views], dtype=float).reshape(-1, 2)
    cells = heat_cells(points, cell_m=float(config["VIEW_HEAT_CELL_M"]),
                       bandwidth_m=float(config["VIEW_HEAT_BANDWIDTH_M"]))
    buildings = counts_by_building(v.building_id for v in views)
    paths = counts_by_path(support.places().paths, points,
                           snap_m=float(config["VIEW_BUILDING_SNAP_M"]))
    page = _map_base(grid_ids=[grid_id])
    page["layers"].insert(0, {"name": "意见热力", "data": cells, "heat": True, "tooltip": None})
    page["fit"] = "grids"
    names = support.places().building_names
    return render_template(
        "gov_heatmap.html", page=page, grid_id=grid_id, count=len(views), days=days,
        grid_name=support.grid_names().get(grid_id, grid_id),
        buildings=[(names.get(b, b), n) for b, n in buildings[:10]], paths=paths[:10],
    )
