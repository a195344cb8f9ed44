"""The grid members' pages: their grid on a map, the roster, its changes, and visits (走访).

Every grid role (网格长, 红色小管家, 楼栋党员, 业主代表) and the admin use these pages; what each
sees is decided by :mod:`geo_app.web.access`: highlighted on the map and listed in the tables
are exactly the buildings the account may see, the rest of the grid is drawn dimmed (outline
and name only, as on the public map). The roster (households, people, phones, care tags) is
changed by the admin, the 网格长, the 红色小管家 and the 楼栋党员 of the building; every grid
role records visits and closes the follow-ups (需要跟进) visits asked for, by a 已跟进 note or
by a later visit that resolves them. Each change is audited with its before and after.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

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
    url_for,
)
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from geo_app.maps.base import render_map_parts
from geo_app.maps.grid import build_grid_map
from geo_app.state.clock import now
from geo_app.state.community import get_community
from geo_app.store import StoreError, get_store
from geo_app.store.errors import NotFound
from geo_app.store.models import Household, Visit
from geo_app.store.people import (
    ATTENTION_TAGS,
    household_matches,
    households_of,
    living_members,
    roster_matches,
)
from geo_app.store.records import BuildingRow, building_records, building_rows, rows_to_csv
from geo_app.store.roles import ADMIN, BUILDING_MEMBER, GRID_LEADER, ORGANISER, STEWARD
from geo_app.store.roster import (
    GENDERS,
    RELATIONS,
    add_household,
    add_person,
    edit_household,
    edit_person,
    get_household,
    get_person,
    move_out_household,
    move_out_person,
)
from geo_app.store.visits import (
    MAX_CLOSING_NOTE_LENGTH,
    VisitError,
    buildings_not_visited,
    close_follow_up,
    closures_of,
    display_names,
    open_follow_up_count,
    open_follow_ups,
    overdue_care,
    parse_day,
    record_visit,
    visits_in,
)
from geo_app.web.access import (
    ANY_ROLE,
    building_grids,
    require_building,
    require_grid,
    require_roles,
    visible_building_ids,
    visible_grid_ids,
)
from geo_app.web.flashing import flash_outcome
from geo_app.web.paging import list_page
from geo_app.web.return_to import known_page
from geo_app.web.route_ids import MAX_ROW_ID
from geo_app.web.submissions import (
    ALREADY_SENT,
    AlreadySubmitted,
    claim_request,
)
from layers.quoting import quoted

bp = Blueprint("grid", __name__, url_prefix="/grid")

#: The latest visits the 走访 page lists (a grid records hundreds a month).
VISITS_SHOWN = 200
#: Who may change the roster (within the buildings they see); 业主代表 read it and record visits.
ROSTER_EDITORS = (ADMIN, GRID_LEADER, STEWARD, BUILDING_MEMBER)


def _grid_name(grid_id: str) -> str:
    grids = get_community().grids
    return str(grids.loc[grids["id"] == grid_id, "name"].iloc[0])


def _grid_names() -> dict[str, str]:
    grids = get_community().grids
    return dict(zip(grids["id"], grids["name"], strict=True))


def _grid_buildings(grid_id: str) -> tuple[list[str], list[str]]:
    """(the caller's buildings in the grid, the grid's other buildings), in layer order."""
    grids = building_grids()
    visible = visible_building_ids()
    in_grid = [b for b in get_community().buildings["id"] if grids.get(b) == grid_id]
    return [b for b in in_grid if b in visible], [b for b in in_grid if b not in visible]


def _rows(ids: Collection[str]) -> list[BuildingRow]:
    with get_store().read() as db:
        return building_rows(db, get_community().buildings, ids, grids=building_grids())


def _building_names() -> dict[str, str]:
    buildings = get_community().buildings
    return dict(zip(buildings["id"], buildings["name"], strict=True))


def _today() -> date:
    return now().date()


@bp.get("/")
@require_roles(*ANY_ROLE)
def my_grid() -> ResponseReturnValue:
    """我的网格：网格员进入本网格；管理员看到网格列表。"""
    if g.user.role == ADMIN:
        grids = get_community().grids
        return render_template(
            "grid_index.html",
            grids=[(gid, name) for gid, name in zip(grids["id"], grids["name"], strict=True)],
        )
    if g.user.role == ORGANISER:  # organisers belong to no grid: their pages are activities
        return redirect(url_for("organise.index"))
    if not g.user.grid_id:
        abort(403)
    return redirect(url_for("grid.grid_page", grid_id=g.user.grid_id))


@bp.get("/<grid_id>")
@require_roles(*ANY_ROLE)
def grid_page(grid_id: str) -> str:
    """一个网格：地图（我的楼栋高亮、久未走访的楼栋标出）与楼栋台账。"""
    require_grid(grid_id)
    mine_ids, others = _grid_buildings(grid_id)
    rows = _rows(mine_ids)
    totals = {
        "households": sum(r.households for r in rows),
        "residents": sum(r.residents for r in rows),
        "party_members": sum(r.party_members for r in rows),
        **{tag: sum(r.attention[tag] for r in rows) for tag in ATTENTION_TAGS},
    }
    config = current_app.config
    days = int(config["VISIT_BUILDING_DAYS"])
    with get_store().read() as db:
        stale = buildings_not_visited(db, mine_ids, today=_today(), days=days)
        open_count = open_follow_up_count(db, mine_ids)
    parts = render_map_parts(
        build_grid_map(
            get_community(), grid_id, rows, others,
            building_url=lambda bid: url_for("grid.building_page", building_id=bid),
            not_visited=stale, not_visited_days=days, today=_today(),
            basemap=config["BASEMAP"], tianditu_key=config["TIANDITU_KEY"],
        )
    )
    names = _grid_names()
    return render_template(
        "grid_page.html",
        grid_id=grid_id,
        grid_name=names[grid_id],
        rows=rows,
        totals=totals,
        attention_tags=ATTENTION_TAGS,
        map=parts,
        stale=stale,
        stale_days=days,
        open_follow_ups=open_count,
        other_grids=[(gid, names[gid]) for gid in sorted(visible_grid_ids() - {grid_id})],
    )


@bp.get("/<grid_id>/export.csv")
@require_roles(*ANY_ROLE)
def export_csv(grid_id: str) -> Response:
    """导出本网格中我的楼栋台账（CSV）。"""
    require_grid(grid_id)
    mine_ids, _ = _grid_buildings(grid_id)
    body = rows_to_csv(_rows(mine_ids))
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="grid-{grid_id}-buildings.csv"',
            "Cache-Control": "no-store",
        },
    )


def _filters() -> tuple[str, str]:
    tag = request.args.get("tag", "")
    return (tag if tag in ATTENTION_TAGS else ""), request.args.get("q", "").strip()[:50]


@bp.get("/<grid_id>/roster")
@require_roles(*ANY_ROLE)
def roster(grid_id: str) -> str:
    """住户名册：我的楼栋的全部住户，按关注标签筛选，按姓名、房号、电话查找，分页浏览。"""
    require_grid(grid_id)
    mine_ids, _ = _grid_buildings(grid_id)
    tag, query = _filters()
    with get_store().read() as db:
        by_building = households_of(db, mine_ids)
    names = _building_names()
    found = [
        (names[b], h) for b in mine_ids for h in by_building[b]
        if household_matches(h, tag=tag, query=query)
    ]
    page = list_page(len(found))
    return render_template(
        "grid_roster.html", grid_id=grid_id, grid_name=_grid_name(grid_id),
        found=found[page.start:page.stop], found_count=len(found), page=page,
        total=sum(len(v) for v in by_building.values()), tag=tag, query=query,
        attention_tags=ATTENTION_TAGS, living_members=living_members,
    )


@bp.get("/<grid_id>/visits")
@require_roles(*ANY_ROLE)
def visits(grid_id: str) -> str:
    """走访：我的和本网格的走访记录、逾期未走访的重点关注户、久未走访的楼栋。"""
    require_grid(grid_id)
    mine_ids, _ = _grid_buildings(grid_id)
    only_mine = request.args.get("mine") == "1"
    config = current_app.config
    today = _today()
    with get_store().read() as db:
        listed = visits_in(db, mine_ids, visitor=g.user.username if only_mine else None,
                           limit=VISITS_SHOWN)
        overdue = overdue_care(db, mine_ids, today=today, care_days=config["VISIT_CARE_DAYS"])
        stale = buildings_not_visited(
            db, mine_ids, today=today, days=int(config["VISIT_BUILDING_DAYS"])
        )
        visitors = display_names(db, {v.visitor for v, _ in listed})
        open_count = open_follow_up_count(db, mine_ids)
        closed = closures_of(db, [v.id for v, _ in listed if v.follow_up])
    page = list_page(len(overdue))
    return render_template(
        "grid_visits.html", grid_id=grid_id, grid_name=_grid_name(grid_id), visits=listed,
        visits_shown=VISITS_SHOWN, overdue=overdue[page.start:page.stop],
        overdue_count=len(overdue), page=page, stale=stale,
        stale_days=int(config["VISIT_BUILDING_DAYS"]),
        care_days=config["VISIT_CARE_DAYS"], only_mine=only_mine, today=today,
        names=_building_names(), visitors=visitors, open_follow_ups=open_count, closed=closed,
    )


@bp.get("/<grid_id>/follow-ups")
@require_roles(*ANY_ROLE)
def follow_ups(grid_id: str) -> str:
    """待跟进：我的楼栋中走访时标了“需要跟进”、尚未办结的事项，最早的在前，分页浏览。"""
    return _follow_ups_page(grid_id)


def _follow_ups_page(
    grid_id: str, *, page_asked: str | None = None, typed: Typed | None = None
) -> str:
    """The 待跟进 list (``page_asked``: its page when the request's ``?page=`` is not the
    one); after a refused 已跟进 sent from it, that form open and holding what was typed."""
    require_grid(grid_id)
    mine_ids, _ = _grid_buildings(grid_id)
    today = _today()
    with get_store().read() as db:
        count = open_follow_up_count(db, mine_ids)
        page = list_page(count, asked=page_asked)
        rows = open_follow_ups(db, mine_ids, today=today, start=page.start, stop=page.stop)
        visitors = display_names(db, {r.visit.visitor for r in rows})
    return render_template(
        "grid_follow_ups.html", grid_id=grid_id, grid_name=_grid_name(grid_id), rows=rows,
        count=count, page=page, today=today, names=_building_names(), visitors=visitors,
        closing_note_max=MAX_CLOSING_NOTE_LENGTH, typed=typed,
        # shown in the answer to a 已跟进 POST, the page links need the list's own path
        pager_path=url_for("grid.follow_ups", grid_id=grid_id) if page_asked else "",
    )


def _follow_ups_list_page(target: str | None, *, building_id: str) -> str | None:
    """The page number of the 待跟进 list of ``building_id``'s grid that a 已跟进 form's
    ``next`` names, or ``None`` when it names anything else (another site, another grid's
    list, any other page): the form then returns to the household's page."""
    page = known_page(target)
    grid_id = building_grids().get(building_id)
    if page is None or page.endpoint != "grid.follow_ups" or page.args.get("grid_id") != grid_id:
        return None
    number = page.query.get("page", "1").strip()
    return number if number.isdigit() and int(number) >= 1 else "1"


@dataclass(frozen=True)
class Typed:
    """What was typed into the one refused roster form (``which``: ``new_household`` on a
    building's page; ``visit``, ``household``, ``new_person``, ``person:<id>`` or
    ``close:<visit id>`` (已跟进) on a household's; ``close:<visit id>`` on the 待跟进 list),
    shown again with the refusal so nothing typed is lost."""

    which: str
    values: Mapping[str, Any]

    def person(self) -> dict[str, Any]:
        """The person fields as typed (the shape of grid_person_fields.html's ``p``)."""
        keys = ("name", "gender", "birth_year", "relation", "phone")
        return {**{k: self.values.get(k, "") for k in keys},
                "party_member": self.values.get("party_member") == "on"}


@bp.get("/buildings/<building_id>")
@require_roles(*ANY_ROLE)
def building_page(building_id: str) -> str:
    """一栋楼的住户台账：关注标签与联系电话在前，可筛选、查找；可登记新住户。"""
    return _building_page(building_id)


def _building_page(building_id: str, *, typed: Typed | None = None) -> str:
    """A building's page; after a refused 登记新住户, that form open with what was typed."""
    require_building(building_id)
    tag, query = _filters()
    with get_store().read() as db:
        records = building_records(
            db, get_community().buildings, [building_id], grids=building_grids()
        )
    if not records:
        abort(404)
    building = records[0]
    shown = [
        h for h in building["household_list"] if _record_matches(h, tag=tag, query=query)
    ]
    return render_template(
        "grid_building.html", building=building, households=shown, tag=tag, query=query,
        attention_tags=ATTENTION_TAGS, may_edit=g.user.role in ROSTER_EDITORS,
        grid_name=_grid_names().get(building["grid_id"], building["grid_id"]), typed=typed,
    )


def _record_matches(record: dict[str, Any], *, tag: str, query: str) -> bool:
    """:func:`roster_matches` over a household record (the building page's rows)."""
    return roster_matches(
        unit=record["unit"], room=record["room"], tags=record["tags"],
        people=((m["name"], m["phone"]) for m in record["members"]), tag=tag, query=query,
    )


@bp.get("/buildings/<building_id>/households/<household_id>")
@require_roles(*ANY_ROLE)
def household_page(building_id: str, household_id: str) -> str:
    """一户：成员与电话、关注标签；修改、迁出、登记走访。"""
    return _household_page(building_id, household_id)


def _household_page(building_id: str, household_id: str, *, typed: Typed | None = None) -> str:
    """A household's page; after a refused form, that form open and holding what was typed."""
    require_building(building_id)
    with get_store().read() as db:
        household = _household_or_404(db, building_id, household_id)
        members = living_members(household)
        history = [v for v, _ in visits_in(db, [building_id], limit=500)
                   if v.household_id == household.id][:20]
        pending = open_follow_ups(db, [building_id], today=_today(),
                                  household_id=household.id)
        closed = closures_of(db, [v.id for v in history if v.follow_up])
        visitors = display_names(
            db, {v.visitor for v in history} | {c.closed_by for c in closed.values()}
            | {p.visit.visitor for p in pending}
        )
    units = _units(building_id)
    return render_template(
        "grid_household.html", building_id=building_id,
        building_name=_building_names()[building_id], household=household, members=members,
        history=history, units=units, attention_tags=ATTENTION_TAGS,
        may_edit=g.user.role in ROSTER_EDITORS, genders=GENDERS, relations=RELATIONS,
        visit_kinds=current_app.config["VISIT_KINDS"], today=_today(),
        typed=typed, visitors=visitors, pending=pending, closed=closed,
        closing_note_max=MAX_CLOSING_NOTE_LENGTH,
    )


def _household_or_404(db: Any, building_id: str, household_id: str) -> Household:
    try:
        return get_household(db, household_id, building_id=building_id)
    except StoreError:
        abort(404)


def _flash_household_change(
    building_id: str,
    household_id: str,
    change: Callable[[Any, Household], str],
    *,
    refused: str = "未保存",
    typed: Typed,
) -> ResponseReturnValue:
    """Run ``change(db, household)`` in one write and flash the message it returns, back to
    the household's page; when the store refuses, the page again (400) with the reason, prefixed
    with ``refused``, above the form still holding what was typed (``typed``). A household not
    in the building is a 404."""

    def write() -> str:
        with get_store().write() as db:
            return change(db, _household_or_404(db, building_id, household_id))

    if flash_outcome(write, refused=refused):
        return _back(building_id, household_id)
    return _household_page(building_id, household_id, typed=typed), 400


def _units(building_id: str) -> int:
    buildings = get_community().buildings
    return int(buildings.loc[buildings["id"] == building_id, "units"].iloc[0])


def _require_editor(building_id: str) -> None:
    require_building(building_id)
    if g.user.role not in ROSTER_EDITORS:
        abort(403)


def _back(building_id: str, household_id: str | None = None) -> ResponseReturnValue:
    if household_id is None:
        return redirect(url_for("grid.building_page", building_id=building_id))
    return redirect(url_for("grid.household_page", building_id=building_id,
                            household_id=household_id))


def _moment() -> datetime:
    return now()


@bp.post("/buildings/<building_id>/households")
@require_roles(*ROSTER_EDITORS)
def add_household_form(building_id: str) -> ResponseReturnValue:
    """登记新住户（单元、房号、关注标签）。"""
    _require_editor(building_id)
    form = request.form
    added: list[str] = []

    def add() -> str:
        with get_store().write() as db:
            household = add_household(
                db, building_id, unit=form.get("unit"), room=form.get("room"),
                tags=form.getlist("tags"), units=_units(building_id), actor=g.user.username,
            )
            added.append(household.id)
            return f"已登记 {household.unit} 单元 {household.room} 室，请添加成员"

    if flash_outcome(add, refused="未登记"):
        return _back(building_id, *added)
    return _building_page(building_id, typed=Typed("new_household", form)), 400


@bp.post("/buildings/<building_id>/households/<household_id>")
@require_roles(*ROSTER_EDITORS)
def edit_household_form(building_id: str, household_id: str) -> ResponseReturnValue:
    """修改住户的单元、房号与关注标签。"""
    _require_editor(building_id)
    form = request.form

    def edit(db: Any, household: Household) -> str:
        changed = edit_household(
            db, household, unit=form.get("unit"), room=form.get("room"),
            tags=form.getlist("tags"), units=_units(building_id), actor=g.user.username,
        )
        return "已保存" if changed else "没有变化"

    return _flash_household_change(building_id, household_id, edit,
                                   typed=Typed("household", form))


@bp.post("/buildings/<building_id>/households/<household_id>/move-out")
@require_roles(*ROSTER_EDITORS)
def move_out_household_form(building_id: str, household_id: str) -> ResponseReturnValue:
    """登记整户迁出（记录保留在操作日志中）。"""
    _require_editor(building_id)
    with get_store().write() as db:
        household = _household_or_404(db, building_id, household_id)
        move_out_household(db, household, at=_moment(), actor=g.user.username)
        where = f"{household.unit} 单元 {household.room} 室"
    flash(f"已登记 {where} 迁出", "ok")
    return _back(building_id)


@bp.post("/buildings/<building_id>/households/<household_id>/people")
@require_roles(*ROSTER_EDITORS)
def add_person_form(building_id: str, household_id: str) -> ResponseReturnValue:
    """为一户添加成员（姓名、性别、出生年份、关系、电话、党员）。"""
    _require_editor(building_id)

    def add(db: Any, household: Household) -> str:
        person = add_person(db, household, request.form.to_dict(),
                            this_year=_moment().year, actor=g.user.username)
        return f"已添加 {person.name}"

    return _flash_household_change(building_id, household_id, add, refused="未添加",
                                   typed=Typed("new_person", request.form))


def _person_household(db: Any, building_id: str, person_id: int) -> Any:
    try:
        return get_person(db, person_id, building_id=building_id)
    except StoreError:
        abort(404)


@bp.post("/buildings/<building_id>/people/<int:person_id>")
@require_roles(*ROSTER_EDITORS)
def edit_person_form(building_id: str, person_id: int) -> ResponseReturnValue:
    """修改一位居民的信息。"""
    _require_editor(building_id)
    household: list[str] = []

    def edit() -> str:
        with get_store().write() as db:
            person = _person_household(db, building_id, person_id)
            household.append(person.household_id)
            changed = edit_person(db, person, request.form.to_dict(),
                                  this_year=_moment().year, actor=g.user.username)
        return "已保存" if changed else "没有变化"

    if flash_outcome(edit) or not household:
        return _back(building_id, *household)
    typed = Typed(f"person:{person_id}", request.form)
    return _household_page(building_id, household[0], typed=typed), 400


@bp.post("/buildings/<building_id>/people/<int:person_id>/move-out")
@require_roles(*ROSTER_EDITORS)
def move_out_person_form(building_id: str, person_id: int) -> ResponseReturnValue:
    """登记一位居民迁出。"""
    _require_editor(building_id)
    with get_store().write() as db:
        person = _person_household(db, building_id, person_id)
        household_id = person.household_id
        move_out_person(db, person, at=_moment(), actor=g.user.username)
    flash("已登记迁出", "ok")
    return _back(building_id, household_id)


@bp.post("/buildings/<building_id>/households/<household_id>/visits")
@require_roles(*ANY_ROLE)
def visit_form(building_id: str, household_id: str) -> ResponseReturnValue:
    """登记一次走访（日期、方式、情况、是否需要跟进）。"""
    require_building(building_id)
    form = request.form

    def record(db: Any, household: Household) -> str:
        try:
            claim_request(db)
        except AlreadySubmitted:  # nothing written: the first one recorded the visit
            return ALREADY_SENT
        record_visit(
            db, household,
            visited_on=parse_day(form.get("visited_on") or _today().isoformat(),
                                 parameter="visited_on"),
            kind=form.get("kind", ""), note=form.get("note", ""),
            follow_up=form.get("follow_up") == "on",
            kinds=current_app.config["VISIT_KINDS"], today=_today(),
            visitor=g.user.username, resolves=_visit_ids(form.getlist("resolves")),
            at=_moment(),
        )
        return "已登记走访" if "resolves" not in form else "已登记走访，所选跟进事项已办结"

    return _flash_household_change(building_id, household_id, record, refused="未登记",
                                   typed=Typed("visit", form))


def _visit_ids(values: list[str]) -> list[int]:
    """The follow-ups a visit resolves, as the form's checkboxes name them (their visits' ids)."""
    ids = []
    for value in values:
        text = value.strip()
        if not text.isdigit() or not 1 <= int(text) <= MAX_ROW_ID:
            raise VisitError(f"跟进事项编号 {quoted(text[:20])} 不对", parameter="resolves")
        ids.append(int(text))
    return list(dict.fromkeys(ids))


@bp.post("/buildings/<building_id>/visits/<int:visit_id>/follow-up")
@require_roles(*ANY_ROLE)
def close_follow_up_form(building_id: str, visit_id: int) -> ResponseReturnValue:
    """已跟进：办结一次走访所记的跟进事项（日期、做了什么）；原走访记录保留不改。"""
    require_building(building_id)
    form = request.form
    household: list[str] = []

    def close() -> str:
        with get_store().write() as db:
            visit = db.get(Visit, visit_id)
            if visit is None or visit.building_id != building_id:
                abort(404)
            household.append(visit.household_id)
            try:
                claim_request(db)
            except AlreadySubmitted:  # nothing written: the first one closed it
                return ALREADY_SENT
            close_follow_up(
                db, visit_id, building_id=building_id,
                closed_on=parse_day(form.get("closed_on") or _today().isoformat(),
                                    parameter="closed_on"),
                note=form.get("note", ""), today=_today(), actor=g.user.username,
                at=_moment(),
            )
            return f"已办结 {visit.visited_on.isoformat()} 走访所记的跟进事项"

    list_page_asked = _follow_ups_list_page(form.get("next"), building_id=building_id)
    try:
        message = close()
    except StoreError as exc:
        if isinstance(exc, NotFound):  # not a follow-up of this building's living households
            abort(404)
        flash(f"未办结：{exc}", "error")  # closed already (409) or a field refused (400)
        typed = Typed(f"close:{visit_id}", form)
        if list_page_asked is not None:  # back to the list it was sent from, reason on top
            grid_id = building_grids()[building_id]
            return _follow_ups_page(grid_id, page_asked=list_page_asked, typed=typed), exc.status
        if exc.status == 409:  # its form is gone: what was typed goes to 登记走访
            typed = Typed("visit", MultiDict({
                "note": form.get("note", ""),
                "visited_on": form.get("closed_on") or _today().isoformat()}))
        return _household_page(building_id, household[0], typed=typed), exc.status
    flash(message, "ok")
    if list_page_asked is not None:
        grid_id = building_grids()[building_id]
        number = int(list_page_asked)
        return redirect(url_for("grid.follow_ups", grid_id=grid_id,
                                page=number if number > 1 else None), code=303)
    return _back(building_id, household[0])
