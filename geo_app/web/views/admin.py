"""The community admin: people to roles, buildings to grids, station stock, the audit log.

Every change goes through the store in one transaction with its audit entry.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from geo_app.state.community import get_community
from geo_app.stations.levels import get_stock_levels
from geo_app.store import StoreError, get_store
from geo_app.store.accounts import get_account, list_accounts, set_assignment
from geo_app.store.audit import entries
from geo_app.store.buildings import assign_building as store_assign_building
from geo_app.store.roles import ADMIN, ROLE_LABELS
from geo_app.store.stock import MOVEMENTS, move_stock, parse_quantity
from geo_app.web.access import building_grids, require_roles
from geo_app.web.errors import json_object_body
from layers.schema import ITEM_LABELS

bp = Blueprint("admin", __name__, url_prefix="/admin")

AUDIT_PAGE_SIZE = 100


def _known_grids() -> dict[str, str]:
    grids = get_community().grids
    return dict(zip(grids["id"], grids["name"], strict=True))


def _layer_grids() -> dict[str, str]:
    buildings = get_community().buildings
    return dict(zip(buildings["id"], buildings["grid_id"], strict=True))


def _split_ids(text: str) -> list[str]:
    return [part.strip() for part in text.replace("，", ",").split(",") if part.strip()]


@bp.get("/")
@require_roles(ADMIN)
def accounts() -> str:
    """人员分工：每个账号的角色、网格与负责楼栋。"""
    with get_store().read() as db:
        rows = list_accounts(db)
    return render_template(
        "admin_accounts.html", accounts=rows, roles=ROLE_LABELS, grids=_known_grids()
    )


@bp.post("/accounts/<int:account_id>")
@require_roles(ADMIN)
def update_account(account_id: int) -> Response:
    """调整一个账号的角色与分工（层级规则：楼栋须在其网格内等）。"""
    form = request.form
    try:
        with get_store().write() as db:
            account = get_account(db, account_id)
            if account is None:
                flash(f"账号 {account_id} 不存在", "error")
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


@bp.get("/buildings")
@require_roles(ADMIN)
def buildings() -> str:
    """楼栋划分：每栋楼属于哪个网格。"""
    community = get_community()
    current = building_grids()
    rows = [
        {"id": b.id, "name": b.name, "compound": b.compound, "layer_grid": b.grid_id,
         "grid": current[b.id]}
        for b in community.buildings.itertuples()
    ]
    return render_template("admin_buildings.html", rows=rows, grids=_known_grids())


@bp.post("/buildings/<building_id>")
@require_roles(ADMIN)
def assign_building(building_id: str) -> Response:
    """把一栋楼划入另一个网格（有楼栋党员/业主代表负责时先调整其分工）。"""
    grid_id = request.form.get("grid", "")
    try:
        with get_store().write() as db:
            changed = store_assign_building(
                db, building_id, grid_id, layer_grids=_layer_grids(),
                known_grids=_known_grids(), actor=g.user.username,
            )
    except StoreError as exc:
        flash(f"未保存：{exc}", "error")
    else:
        flash(f"楼栋 {building_id} 已划入 {grid_id}" if changed else "网格没有变化", "ok")
    return redirect(url_for("admin.buildings"))


def _movement(data: Any) -> tuple[int, int]:
    """Apply the movement described by ``data`` (form or JSON); (before, after)."""
    quantity = parse_quantity(data.get("quantity"))
    station_id, item = str(data.get("station", "")), str(data.get("item", ""))
    with get_store().write() as db:
        return move_stock(
            db, station_id, item,
            movement=str(data.get("movement", "")),
            quantity=quantity,
            known_stations=set(get_community().stations["id"]),
            actor=g.user.username,
        )


@bp.get("/stock")
@require_roles(ADMIN)
def stock() -> str:
    """物资库存：借出、归还、补货。"""
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
def move() -> Response:
    """登记一次借出、归还或补货。"""
    try:
        before, after = _movement(request.form)
    except StoreError as exc:
        flash(f"未保存：{exc}", "error")
    else:
        flash(f"已登记：{request.form['station']} {ITEM_LABELS[request.form['item']]} "
              f"{before} → {after}", "ok")
    return redirect(url_for("admin.stock"))


@bp.post("/api/stock")
@require_roles(ADMIN)
def move_json() -> tuple[dict[str, Any], int]:
    """JSON: {station, item, movement, quantity} → {before, after}（需 X-CSRFToken 头）。"""
    data = json_object_body()
    before, after = _movement(data)
    return {"station": data["station"], "item": data["item"], "before": before, "after": after}, 200


@bp.get("/audit")
@require_roles(ADMIN)
def audit() -> str:
    """操作日志（只增不改）：谁、做了什么、改前、改后、何时。"""
    page = max(1, request.args.get("page", 1, type=int) or 1)
    with get_store().read() as db:
        rows = entries(db, limit=AUDIT_PAGE_SIZE + 1, offset=(page - 1) * AUDIT_PAGE_SIZE)
    return render_template(
        "admin_audit.html", entries=rows[:AUDIT_PAGE_SIZE], page=page,
        has_more=len(rows) > AUDIT_PAGE_SIZE,
    )
