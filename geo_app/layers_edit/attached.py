"""What is still at a station the admin wants to delete: the store's records that point to it.

A station is more than a point on the map: residents have its items on loan, its shelf holds
stock (``station_stock``), its counter holds 微积分 goods (``goods_stock``), and activities may be
announced there. Deleting it while any of these is open would strand them (a loan could never
be returned to it: a return names a station of the layer). So a deletion is refused with a
409 that lists them, except the shelf's stock, which the admin may write off explicitly in the
same transaction as the deletion (audited per item, :func:`write_off_stock_of`).

What is past stays: returned loans, movements, redemptions and the audit log keep the
station's id and are shown by it once the station is gone.

Plain SQLAlchemy (SQLite and PostgreSQL). The station is locked
(:func:`geo_app.store.station_lock.lock_station`) before the check and until the deletion
commits; a movement takes the same lock and then checks the station against the layers on
disk, so none slips in between the check and the deletion.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo_app.state.clock import local_time_text
from geo_app.store.models import Loan, StationStock
from geo_app.store.station_lock import lock_station
from geo_app.store.stock import MAX_QUANTITY, move_stock
from geo_app.volunteering.models import Activity, Goods, GoodsStock
from layers.editing import LayerEditError
from layers.schema import ITEM_LABELS

#: Activities still to come at a station: announced (报名中) and not over yet.
OPEN_ACTIVITY_STATUS = "planned"
#: What the admin does about each kind of thing still at a station.
HINTS: dict[str, str] = {
    "loans": "未归还的借用须先在“借还登记”登记归还",
    "goods": "兑换物品须先在站点柜台报损或转到其他站点",
    "activities": "活动须先改到其他地点或取消",
    "stock": "库存可确认报损清零后一并删除",
}
#: A restore writes stock off when its form's box is ticked.
RESTORE_STOCK_HINT = "库存可勾选“库存一并报损清零”后再恢复"
#: Which refusal is named as the parameter when several apply: the one the admin must handle
#: elsewhere first (stock alone can be written off with the deletion itself).
PARAMETER_ORDER = ("loans", "goods", "activities", "stock")


@dataclass(frozen=True)
class StationHoldings:
    """What the store still holds at one station: item → quantity on loan and on the shelf,
    (goods name, count, unit) at the counter, (title, start) of the activities to come."""

    loans: dict[str, int] = field(default_factory=dict)
    stock: dict[str, int] = field(default_factory=dict)
    goods: list[tuple[str, int, str]] = field(default_factory=list)
    activities: list[tuple[str, datetime]] = field(default_factory=list)

    def open_kinds(self, *, stock_written_off: bool) -> list[str]:
        """The kinds that stop the deletion (stock not, when it is to be written off)."""
        kinds = [k for k in ("loans", "stock", "goods", "activities") if getattr(self, k)]
        return [k for k in kinds if not (k == "stock" and stock_written_off)]


def _item_order(counts: Mapping[str, int]) -> dict[str, int]:
    """``counts`` in the order of the schema's items (unknown items last, by code)."""
    order = list(ITEM_LABELS)
    return dict(sorted(counts.items(),
                       key=lambda kv: (order.index(kv[0]) if kv[0] in order else len(order),
                                       kv[0])))


def station_holdings(db: Session, station_id: str, *, moment: datetime) -> StationHoldings:
    """What is at ``station_id`` now (its stock rows locked until the transaction ends)."""
    loans = db.execute(
        select(Loan.item, func.sum(Loan.quantity))
        .where(Loan.station_id == station_id, Loan.returned_at.is_(None))
        .group_by(Loan.item)
    ).all()
    stock = db.execute(
        select(StationStock.item, StationStock.count)
        .where(StationStock.station_id == station_id, StationStock.count > 0)
        .with_for_update()
    ).all()
    goods = db.execute(
        select(Goods.name, GoodsStock.count, Goods.unit)
        .join(Goods, Goods.id == GoodsStock.goods_id)
        .where(GoodsStock.station_id == station_id, GoodsStock.count > 0)
        .order_by(Goods.id)
    ).all()
    activities = db.execute(
        select(Activity.title, Activity.starts_at)
        .where(Activity.place_kind == "station", Activity.place_ref == station_id,
               Activity.status == OPEN_ACTIVITY_STATUS, Activity.ends_at > moment)
        .order_by(Activity.starts_at, Activity.id)
    ).all()
    return StationHoldings(
        loans=_item_order({item: int(n) for item, n in loans}),
        stock=_item_order({item: int(n) for item, n in stock}),
        goods=[(name, int(n), unit) for name, n, unit in goods],
        activities=[(title, starts) for title, starts in activities],
    )


def items_text(counts: Mapping[str, int]) -> str:
    """``雨伞 1、充电宝 1``: item labels and counts."""
    return "、".join(f"{ITEM_LABELS.get(item, item)} {n}" for item, n in counts.items())


def _part(holdings: StationHoldings, kind: str) -> str:
    """One kind of holding in words: ``2 件未归还的借用（雨伞 1、充电宝 1）``."""
    if kind == "loans":
        return f"{sum(holdings.loans.values())} 件未归还的借用（{items_text(holdings.loans)}）"
    if kind == "stock":
        return f"{sum(holdings.stock.values())} 件库存（{items_text(holdings.stock)}）"
    if kind == "goods":
        listed = "、".join(f"{name} {n}{unit}" for name, n, unit in holdings.goods)
        return f"{sum(n for _, n, _ in holdings.goods)} 件兑换物品（{listed}）"
    listed = "、".join(f"“{title}” {local_time_text(starts)[:16]}"
                       for title, starts in holdings.activities)
    return f"{len(holdings.activities)} 场未举办的活动（{listed}）"


def refusal(
    station_name: str, holdings: StationHoldings, kinds: list[str], *, restoring: bool = False
) -> LayerEditError:
    """The 409 naming everything still at the station, and what to do about each (when
    ``restoring`` a version without the station, rather than deleting it)."""
    parts = [_part(holdings, kind) for kind in kinds]
    listed = parts[0] if len(parts) == 1 else "、".join(parts[:-1]) + "和 " + parts[-1]
    hints = "；".join(RESTORE_STOCK_HINT if restoring and kind == "stock" else HINTS[kind]
                     for kind in kinds)
    if restoring:
        message = (f"这个历史版本没有站点 {station_name}，而它还有 {listed}，"
                   f"请先处理后再恢复（{hints}）")
    else:
        message = f"站点 {station_name} 还有 {listed}，请先处理后再删除（{hints}）"
    parameter = next(kind for kind in PARAMETER_ORDER if kind in kinds)
    return LayerEditError(message, parameter=parameter, status=409)


def write_off_stock_of(
    db: Session, station_id: str, stock: Mapping[str, int], *, actor: str
) -> dict[str, int]:
    """Take the station's shelf ``stock`` (as read, rows locked) off with the counter's own 报损
    movement (:func:`geo_app.store.stock.move_stock`: the guarded UPDATE and its audit entry),
    at most ``MAX_QUANTITY`` a movement; what was written off."""
    for item, count in stock.items():
        left = count
        while left:
            quantity = min(left, MAX_QUANTITY)
            move_stock(db, station_id, item, movement="written_off", quantity=quantity,
                       known_stations=(station_id,), actor=actor)
            left -= quantity
    return dict(stock)


def clear_station(
    db: Session, station_id: str, name: str, *, moment: datetime, write_off_stock: bool,
    actor: str, restoring: bool = False,
) -> dict[str, int]:
    """Make sure nothing is left at station ``station_id`` (called ``name``) before it is
    deleted (or a version without it restored): refuse (409) while anything is, its shelf
    stock written off first when asked; the stock written off (item → count). The station
    stays locked until the transaction commits, so no movement begun meanwhile lands on it."""
    lock_station(db, station_id)
    holdings = station_holdings(db, station_id, moment=moment)
    blocking = holdings.open_kinds(stock_written_off=write_off_stock)
    if blocking:
        raise refusal(name, holdings, blocking, restoring=restoring)
    return write_off_stock_of(db, station_id, holdings.stock, actor=actor)
