"""The community admin and the stations' staff: accounts, building grids, stock, loans, the log.

Every change goes through the store in one transaction with its audit entry. Loans are handled
by the admin and by the 红色小管家 of the station's grid
(:func:`geo_app.web.access.require_station`); everything else here is the admin's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue

from geo_app.state.clock import community_timezone, now
from geo_app.state.community import get_community
from geo_app.stations.current import current_station_ids
from geo_app.stations.levels import get_stock_levels
from geo_app.store import StoreError, get_store
from geo_app.store.accounts import (
    create_account,
    deactivate,
    get_account,
    list_accounts,
    one_time_password,
    reactivate,
    reset_password,
    set_assignment,
)
from geo_app.store.audit_text import (
    KINDS,
    MAX_ROWS,
    AuditFilter,
    Names,
    count_entries,
    entries_csv,
    filtered_entries,
    local_minute,
    log_actors,
    logged_station_names,
    what_happened,
)
from geo_app.store.buildings import assign_building as store_assign_building
from geo_app.store.loans import (
    LoanClosedError,
    LoanError,
    LoanNotFoundError,
    default_due,
    get_loan,
    lend,
    list_loans,
    return_loan,
)
from geo_app.store.roles import ADMIN, ROLE_LABELS, STEWARD
from geo_app.store.stock import MOVEMENTS, move_stock, parse_quantity
from geo_app.store.visits import VisitError, parse_day
from geo_app.web.access import building_grids, require_roles, require_station, staffed_station_ids
from geo_app.web.building_search import MAX_BUILDING_QUERY, building_search
from geo_app.web.counter_openapi import LEND, MOVE_STOCK, RETURN_LOAN
from geo_app.web.errors import ApiError, json_object_body
from geo_app.web.openapi import documented
from geo_app.web.paging import list_page
from geo_app.web.submissions import (
    ALREADY_SENT,
    AlreadySubmitted,
    Answer,
    answered,
    claim_request,
)
from layers.quoting import quoted
from layers.schema import ITEM_LABELS

T = TypeVar("T")

bp = Blueprint("admin", __name__, url_prefix="/admin")

AUDIT_PAGE_SIZE = 100
#: Who handles loans at a station (the steward only at their grid's stations).
LOAN_STAFF = (ADMIN, STEWARD)


def _known_grids() -> dict[str, str]:
    grids = get_community().grids
    return dict(zip(grids["id"], grids["name"], strict=True))


def _layer_grids() -> dict[str, str]:
    buildings = get_community().buildings
    return dict(zip(buildings["id"], buildings["grid_id"], strict=True))


def _station_names() -> dict[str, str]:
    stations = get_community().stations
    return dict(zip(stations["id"], stations["name"], strict=True))


def _split_ids(text: str) -> list[str]:
    return [part.strip() for part in text.replace("，", ",").split(",") if part.strip()]


def _no_store(body: str) -> Response:
    """A page that must not be kept by the browser or a proxy (a password on it)."""
    response = make_response(body)
    response.headers["Cache-Control"] = "no-store"
    return response


# ---- accounts ---------------------------------------------------------------------------


@bp.get("/")
@require_roles(ADMIN)
def accounts() -> str:
    """人员分工：新建账号、调整角色与分工、重设密码、停用。"""
    with get_store().read() as db:
        rows = list_accounts(db)
    buildings = get_community().buildings
    return render_template(
        "admin_accounts.html", accounts=rows, roles=ROLE_LABELS, grids=_known_grids(),
        buildings=list(zip(buildings["id"], buildings["name"], strict=True)),
        form=request.args,
    )


@bp.post("/accounts/new")
@require_roles(ADMIN)
def create() -> ResponseReturnValue:
    """新建账号：角色、网格、负责楼栋（四级网格的层级规则）；一次性密码只显示这一次。"""
    form = request.form
    password = one_time_password()
    try:
        with get_store().write() as db:
            account = create_account(
                db,
                username=form.get("username", "").strip(),
                password=password,
                role=form.get("role", ""),
                grid_id=form.get("grid") or None,
                building_ids=_split_ids(form.get("buildings", "")),
                display_name=form.get("display_name", "").strip()[:64],
                building_grids=building_grids(),
                known_grids=_known_grids(),
                actor=g.user.username,
            )
            username = account.username
    except StoreError as exc:
        flash(f"未创建：{exc}", "error")
        # url_for's **values are Any: a dict[str, str] would also match its _external: bool
        kept: dict[str, Any] = {
            k: form.get(k, "") for k in ("username", "display_name", "role", "grid", "buildings")
        }
        return redirect(url_for("admin.accounts", **kept) + "#new-account")
    return _no_store(render_template(
        "admin_password.html", username=username, password=password, created=True,
    ))


def _account_or_flash(db: Any, account_id: int) -> Any:
    account = get_account(db, account_id)
    if account is None:
        flash(f"账号 {account_id} 不存在", "error")
    return account


def _on_other_account(
    account_id: int, *, refuse_own: str, action: Callable[[Any, Any], T]
) -> tuple[str, T] | None:
    """Run ``action(db, account)`` in one write on an account other than the admin's own.

    (username, what ``action`` returned); None after flashing ``refuse_own`` (the admin's own
    account) or "不存在" (no such account).
    """
    if account_id == g.user.id:
        flash(refuse_own, "error")
        return None
    with get_store().write() as db:
        account = _account_or_flash(db, account_id)
        if account is None:
            return None
        return account.username, action(db, account)


@bp.post("/accounts/<int:account_id>")
@require_roles(ADMIN)
def update_account(account_id: int) -> ResponseReturnValue:
    """调整一个账号的角色与分工（层级规则：楼栋须在其网格内等）。

    The admin's own row may not drop its admin role nor switch itself off: that would end
    the session at once and leave the community without the admin who did it (the web has
    no way back; 停用 and 重设密码 refuse the own account for the same reason).
    """
    form = request.form
    if account_id == g.user.id and (form.get("role") != ADMIN or form.get("active") != "on"):
        flash("未保存：不能停用自己正在使用的账号，也不能取消自己的社区管理员角色"
              "（会立即失去管理权限）；请由另一位社区管理员操作", "error")
        return redirect(url_for("admin.accounts"))
    try:
        with get_store().write() as db:
            account = _account_or_flash(db, account_id)
            if account is None:
                return redirect(url_for("admin.accounts"))
            changed = set_assignment(
                db,
                account,
                role=form.get("role", ""),
                grid_id=form.get("grid") or None,
                building_ids=_split_ids(form.get("buildings", "")),
                active=form.get("active") == "on",
                building_grids=building_grids(),
                known_grids=_known_grids(),
                actor=g.user.username,
            )
            username = account.username
    except StoreError as exc:
        flash(f"未保存：{exc}", "error")
    else:
        flash(f"已保存 {username} 的分工" if changed else f"{username} 的分工没有变化", "ok")
    return redirect(url_for("admin.accounts"))


@bp.post("/accounts/<int:account_id>/password")
@require_roles(ADMIN)
def reset(account_id: int) -> ResponseReturnValue:
    """重设密码：生成新的一次性密码（只显示这一次），旧密码与其登录立即失效。"""
    done = _on_other_account(
        account_id,
        refuse_own="不能在这里重设自己正在使用的账号的密码（会立即退出登录）",
        action=lambda db, account: reset_password(db, account, actor=g.user.username),
    )
    if done is None:
        return redirect(url_for("admin.accounts"))
    username, password = done
    return _no_store(render_template(
        "admin_password.html", username=username, password=password, created=False,
    ))


@bp.post("/accounts/<int:account_id>/deactivate")
@require_roles(ADMIN)
def deactivate_account(account_id: int) -> ResponseReturnValue:
    """停用账号：不能再登录，已登录的会话随即失效；记录保留。最后一个启用的社区管理员不能停用。"""
    try:
        done = _on_other_account(
            account_id,
            refuse_own="不能停用自己正在使用的账号",
            action=lambda db, account: deactivate(db, account, actor=g.user.username),
        )
    except StoreError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.accounts"))
    if done is not None:
        username, changed = done
        flash(f"已停用 {username}" if changed else f"{username} 已是停用状态", "ok")
    return redirect(url_for("admin.accounts"))


@bp.post("/accounts/<int:account_id>/reactivate")
@require_roles(ADMIN)
def reactivate_account(account_id: int) -> ResponseReturnValue:
    """启用一个已停用的账号：用原来的密码即可再登录（密码遗失时再点“重设密码”）。"""
    with get_store().write() as db:
        account = _account_or_flash(db, account_id)
        if account is not None:
            changed = reactivate(db, account, actor=g.user.username)
            flash(f"已启用 {account.username}，可用原密码登录" if changed
                  else f"{account.username} 已是启用状态", "ok")
    return redirect(url_for("admin.accounts"))


# ---- buildings and stock ----------------------------------------------------------------


@bp.get("/buildings")
@require_roles(ADMIN)
def buildings() -> str:
    """楼栋划分：每栋楼属于哪个网格；按名称、编号、小区搜索或按当前网格筛选，分页显示
    （区级规模有上万栋楼，每行都有一个网格选择框，不能一次全列出）。"""
    community = get_community()
    current = building_grids()
    grids = _known_grids()
    search = building_search(request.args, grids)
    rows = [
        {"id": b.id, "name": b.name, "compound": b.compound, "layer_grid": b.grid_id,
         "grid": current[b.id]}
        for b in community.buildings.itertuples()
        if search.matches(grid=current[b.id], texts=(b.name, b.id, b.compound))
    ]
    page = list_page(len(rows))
    return render_template(
        "admin_buildings.html", rows=rows[page.start:page.stop], found=len(rows),
        total=len(community.buildings), page=page, search=search, keep=search.keep,
        grids=grids, max_query=MAX_BUILDING_QUERY,
    )


@bp.post("/buildings/<building_id>")
@require_roles(ADMIN)
def assign_building(building_id: str) -> ResponseReturnValue:
    """把一栋楼划入另一个网格（有楼栋党员/业主代表负责时先调整其分工）；之后回到原来的
    搜索与页码。"""
    grid_id = request.form.get("grid", "")
    grids = _known_grids()
    back: dict[str, Any] = {
        k: v for k in ("q", "grid", "page") if (v := request.form.get(f"back_{k}", "").strip())
    }
    try:
        with get_store().write() as db:
            changed = store_assign_building(
                db, building_id, grid_id, layer_grids=_layer_grids(),
                known_grids=grids, actor=g.user.username,
            )
    except StoreError as exc:
        flash(f"未保存：{exc}", "error")
    else:
        names = _building_names()
        building = f"{names.get(building_id, building_id)}（{building_id}）"
        flash(f"楼栋 {building}已划入 {grids.get(grid_id, grid_id)}" if changed
              else f"楼栋 {building}的网格没有变化", "ok")
    return redirect(url_for("admin.buildings", **back))


def _building_names() -> dict[str, str]:
    buildings = get_community().buildings
    return dict(zip(buildings["id"], buildings["name"], strict=True))


def _movement(data: Any) -> Answer:
    """Apply the movement described by ``data`` (form or JSON); the API's answer
    ({station, item, before, after}, 200)."""
    quantity = parse_quantity(data.get("quantity"))
    station_id, item = str(data.get("station", "")), str(data.get("item", ""))
    with get_store().write() as db:
        claim_request(db)
        before, after = move_stock(
            db, station_id, item,
            movement=str(data.get("movement", "")),
            quantity=quantity,
            known_stations=current_station_ids(),
            actor=g.user.username,
        )
        return answered(db, {"station": station_id, "item": item, "before": before,
                             "after": after})


@bp.get("/stock")
@require_roles(ADMIN)
def stock() -> str:
    """物资库存：借出、归还、补货、报损。"""
    stations = get_community().stations
    return render_template(
        "admin_stock.html",
        stations=list(zip(stations["id"], stations["name"], strict=True)),
        levels=get_stock_levels(),
        items=ITEM_LABELS,
        movements={k: label for k, (label, _) in MOVEMENTS.items()},
    )


@bp.post("/stock")
@require_roles(ADMIN)
def move() -> ResponseReturnValue:
    """登记一次借出、归还、补货或报损。"""
    try:
        moved, _ = _movement(request.form)
    except AlreadySubmitted:
        flash(ALREADY_SENT, "ok")
    except StoreError as exc:
        flash(f"未保存：{exc}", "error")
    else:
        station = _station_names().get(moved["station"], moved["station"])
        flash(f"已登记：{station} {MOVEMENTS[request.form['movement']][0]} "
              f"{ITEM_LABELS[moved['item']]} {moved['before']} → {moved['after']}", "ok")
    return redirect(url_for("admin.stock"))


@bp.post("/api/stock")
@require_roles(ADMIN)
@documented(MOVE_STOCK)
def move_json() -> Answer:
    """JSON: {station, item, movement, quantity} → {before, after}（需 X-CSRFToken 头）。"""
    return _movement(json_object_body())


# ---- loans ------------------------------------------------------------------------------


#: The borrower's fields given as text (a JSON number would lose a landline's leading 0).
LOAN_TEXT_FIELDS = {"borrower_name": "借用人姓名", "borrower_phone": "联系电话", "due": "应还日期"}


def _lend(data: Any) -> Answer:
    """Lend from form or JSON ``data`` at a station the caller staffs; the API's answer
    ({id, due, stock_after}, 201)."""
    station_id, item = str(data.get("station") or ""), str(data.get("item") or "")
    for name, label in LOAN_TEXT_FIELDS.items():
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            raise ApiError(name, f"{label}（{name}）须为文本，收到 {quoted(value)}")
    require_station(station_id)
    if item not in ITEM_LABELS:
        raise ApiError("item", f"未知物资 {quoted(item)}（可选：{'、'.join(ITEM_LABELS)}）")
    moment = now()
    config = current_app.config
    due = data.get("due") or default_due(
        item, today=moment.date(), loan_days=config["LOAN_DAYS"],
        default_days=config["LOAN_DEFAULT_DAYS"],
    )
    with get_store().write() as db:
        claim_request(db)
        loan, after = lend(
            db, station_id=station_id, item=item, borrower_name=data.get("borrower_name"),
            borrower_phone=data.get("borrower_phone"), due=due, now=moment,
            known_stations=current_station_ids(), actor=g.user.username,
        )
        return answered(db, {"id": loan.id, "due": loan.due.isoformat(), "stock_after": after},
                        status=201)


def _return(loan_id: int) -> Answer:
    """Close loan ``loan_id`` (a station the caller staffs); the API's answer
    ({id, stock_after}, 200)."""
    try:
        with get_store().write() as db:
            claim_request(db)
            loan = get_loan(db, loan_id)
            require_station(loan.station_id, parameter="loan")
            after = return_loan(
                db, loan, now=now(), known_stations=current_station_ids(),
                actor=g.user.username,
            )
            return answered(db, {"id": loan_id, "stock_after": after})
    except LoanNotFoundError as exc:
        raise ApiError("loan", str(exc), status=404) from None
    except LoanClosedError as exc:
        raise ApiError("loan", str(exc), status=409) from None


def _loan_rows(status: str) -> list[dict[str, Any]]:
    with get_store().read() as db:
        rows = list_loans(
            db, station_ids=staffed_station_ids(), status=status, today=now().date()
        )
    names = _station_names()
    return [{**r.as_dict(), "station_name": names.get(r.loan.station_id, "")} for r in rows]


@bp.get("/loans")
@require_roles(*LOAN_STAFF)
def loans() -> str:
    """借还登记：借出（借用人、电话、应还日期）、归还、逾期未还的联系电话。"""
    return _loans_page()


def _loans_page(typed: Mapping[str, str] | None = None) -> str:
    """The loans page; ``typed``: the loan form's values to show again after a refusal."""
    names = _station_names()
    mine = sorted(staffed_station_ids())
    moment = now()
    config = current_app.config
    due_days = {
        item: default_due(item, today=moment.date(), loan_days=config["LOAN_DAYS"],
                          default_days=config["LOAN_DEFAULT_DAYS"]).isoformat()
        for item in ITEM_LABELS
    }
    return render_template(
        "admin_loans.html",
        stations=[(sid, names[sid]) for sid in mine],
        levels=get_stock_levels(),
        items=ITEM_LABELS,
        due_days=due_days,
        today=moment.date().isoformat(),
        open_loans=_loan_rows("open"),
        overdue=_loan_rows("overdue"),
        typed=typed or {},
    )


@bp.post("/loans")
@require_roles(*LOAN_STAFF)
def lend_form() -> ResponseReturnValue:
    """登记一次借出（表单）；未借出时带着填写的内容回到表单（400），不必重填。"""
    try:
        lent, _ = _lend(request.form)
    except AlreadySubmitted:
        flash(ALREADY_SENT, "ok")
    except (StoreError, ApiError) as exc:
        flash(f"未借出：{getattr(exc, 'message', exc)}", "error")
        return _loans_page(request.form), 400
    else:
        item = ITEM_LABELS[request.form["item"]]
        flash(f"已借出 {item}（借用记录 {lent['id']}），应还日期 {lent['due']}，"
              f"架上还剩 {lent['stock_after']}", "ok")
    return redirect(url_for("admin.loans"))


@bp.post("/loans/<int:loan_id>/return")
@require_roles(*LOAN_STAFF)
def return_form(loan_id: int) -> ResponseReturnValue:
    """登记一次归还（表单）。"""
    try:
        returned, _ = _return(loan_id)
    except AlreadySubmitted:
        flash(ALREADY_SENT, "ok")
    except ApiError as exc:
        flash(f"未登记：{exc.message}", "error")
    else:
        flash(f"借用记录 {loan_id} 已归还，架上现有 {returned['stock_after']}", "ok")
    return redirect(url_for("admin.loans"))


@bp.post("/api/loans")
@require_roles(*LOAN_STAFF)
@documented(LEND)
def lend_json() -> Answer:
    """JSON：{station, item, borrower_name, borrower_phone, due} → 201 {id, due, stock_after}。"""
    return _lend(json_object_body())


@bp.post("/api/loans/<int:loan_id>/return")
@require_roles(*LOAN_STAFF)
@documented(RETURN_LOAN)
def return_json(loan_id: int) -> Answer:
    """JSON：归还 → 200 {id, stock_after}；已归还的再次归还 → 409。"""
    return _return(loan_id)


@bp.get("/api/loans")
@require_roles(*LOAN_STAFF)
def loans_json() -> dict[str, Any]:
    """JSON：?status=open|overdue|returned|all → 我负责的站点的借用记录（逾期最久的在前）。"""
    status = request.args.get("status", "open")
    try:
        rows = _loan_rows(status)
    except LoanError as exc:
        raise ApiError(exc.parameter, str(exc)) from None
    return {"status": status, "count": len(rows), "loans": rows}


# ---- the audit log ----------------------------------------------------------------------


def _audit_filter() -> AuditFilter:
    """The log's filter from ``?person=&kind=&since=&until=``; a bad day, a 从 (since) after
    its 到 (until) or an unknown kind: :class:`ApiError` naming the parameter(s)."""
    args = request.args
    try:
        since = parse_day(args["since"], parameter="since") if args.get("since") else None
        until = parse_day(args["until"], parameter="until") if args.get("until") else None
    except VisitError as exc:
        raise ApiError(exc.parameter, f"参数 {exc.parameter}：{exc}") from None
    if since is not None and until is not None and since > until:
        raise ApiError("since/until", f"日期范围有误：“从”（since）{since.isoformat()} 晚于"
                       f"“到”（until）{until.isoformat()}，这样筛不出任何记录；"
                       "请把“从”改为不晚于“到”的日期，或对调两者")
    kind = args.get("kind", "")
    if kind and kind not in KINDS:
        choices = "、".join(f"{key}（{label}）" for key, (label, _) in KINDS.items())
        raise ApiError("kind", f"参数 kind：未知类别 {quoted(kind[:40])}（可选：{choices}）")
    return AuditFilter(actor=args.get("person", ""), kind=kind, since=since, until=until)


def _names(db: Any, accounts: list[Any]) -> Names:
    """What the log's sentences name things by; a station deleted since by its last name."""
    return Names(
        people={a.username: a.display_name for a in accounts if a.display_name},
        stations={**logged_station_names(db), **_station_names()},
        buildings=_building_names(),
        grids=_known_grids(),
    )


@bp.get("/audit")
@require_roles(ADMIN)
def audit() -> ResponseReturnValue:
    """操作日志（只增不改）：谁、何时（北京时间）、做了什么；按人员、类别、日期筛选。筛选条件
    有误时（日期写错、“从”晚于“到”）页面说明原因，筛选框保留所填内容（400）。"""
    zone = community_timezone()
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    try:
        chosen = _audit_filter()
    except ApiError as exc:
        with get_store().read() as db:
            people = list_accounts(db)
            others = _other_actors(db, people)
        return render_template(
            "admin_audit.html", entries=[], page=None, total=0, people=people, others=others,
            kinds={k: label for k, (label, _) in KINDS.items()},
            chosen=AuditFilter(actor=request.args.get("person", ""),
                               kind=request.args.get("kind", "")),
            typed=request.args, args=args, refusal=exc.message, refused=exc.parameter or "",
        ), exc.status
    with get_store().read() as db:
        total = count_entries(db, chosen, zone=zone)
        page = list_page(total, rows=AUDIT_PAGE_SIZE)
        rows = filtered_entries(db, chosen, zone=zone, limit=AUDIT_PAGE_SIZE, offset=page.start)
        people = list_accounts(db)
        names = _names(db, people)
        others = _other_actors(db, people, names)
    shown = [
        {"at": local_minute(e.at, zone), "who": names.person(e.actor), "username": e.actor,
         "what": what_happened(e, names), "action": e.action}
        for e in rows
    ]
    return render_template(
        "admin_audit.html", entries=shown, page=page, total=total, people=people,
        others=others, kinds={k: label for k, (label, _) in KINDS.items()}, chosen=chosen,
        typed=request.args, args=args, refusal=None, refused="",
    )


def _other_actors(db: Any, people: list[Any], names: Names | None = None) -> list[tuple[str, str]]:
    """The log's actors that are no account (the service, commands), with what they are called."""
    names = names or _names(db, people)
    usernames = {a.username for a in people}
    return [(a, names.person(a)) for a in log_actors(db) if a not in usernames]


@bp.get("/audit.csv")
@require_roles(ADMIN)
def audit_csv() -> Response:
    """按当前筛选导出操作日志（CSV，中文表头，北京时间）。"""
    chosen = _audit_filter()
    zone = community_timezone()
    with get_store().read() as db:
        rows = filtered_entries(db, chosen, zone=zone, limit=MAX_ROWS)
        names = _names(db, list_accounts(db))
    return Response(
        entries_csv(rows, names, zone),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit-log.csv"',
                 "Cache-Control": "no-store"},
    )
