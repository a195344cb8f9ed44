"""Station stock in the store: seeded from the layer once, then moved by atomic updates.

A movement is one ``UPDATE … SET count = count + :delta WHERE … AND count + :delta >= 0``
and its audit entry, in one transaction: concurrent movements never lose a count and a
failed one leaves both the count and the log as they were.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from sqlalchemy import and_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from geo_app.store import audit
from geo_app.store.errors import StockError
from geo_app.store.models import StationStock
from layers.schema import ITEM_LABELS

#: Movement kinds: label and the sign they apply to the count.
MOVEMENTS: dict[str, tuple[str, int]] = {
    "lent": ("借出", -1),
    "returned": ("归还", +1),
    "restocked": ("补货", +1),
}


def stock_levels(session: Session) -> dict[str, dict[str, int]]:
    """Station id → item → count, as the store holds them."""
    levels: dict[str, dict[str, int]] = {}
    query = select(StationStock.station_id, StationStock.item, StationStock.count).order_by(
        StationStock.station_id, StationStock.item
    )
    for station_id, item, count in session.execute(query):
        levels.setdefault(station_id, {})[item] = count
    return levels


def _present_keys(session: Session) -> set[tuple[str, str]]:
    query = select(StationStock.station_id, StationStock.item)
    return {(station, item) for station, item in session.execute(query)}


def _insert_missing(session: Session, rows: list[dict[str, object]]) -> None:
    """Insert stock rows, skipping any (station, item) that already exists."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}.get(dialect)
    if insert is None:  # another database: the caller's transaction keeps this race-free enough
        present = _present_keys(session)
        session.add_all(
            StationStock(**r) for r in rows if (r["station_id"], r["item"]) not in present
        )
        session.flush()
        return
    session.execute(insert(StationStock).values(rows).on_conflict_do_nothing())


def seed_stock(
    session: Session, layer_items: Mapping[str, Mapping[str, int]], *, actor: str = "system"
) -> int:
    """Copy the layer's counts for every (station, item) the store does not hold yet (audited).

    Returns how many (station, item) rows were added; counts already in the store are kept.
    """
    present = _present_keys(session)
    added: dict[str, dict[str, int]] = {}
    for station_id, items in layer_items.items():
        for item, count in (items or {}).items():
            if (station_id, item) not in present:
                added.setdefault(station_id, {})[item] = int(count)
    rows = [
        {"station_id": s, "item": i, "count": c}
        for s, items in added.items()
        for i, c in items.items()
    ]
    _insert_missing(session, rows)
    for station_id, items in added.items():
        audit.record(
            session, actor=actor, action="stock.seed", target=f"station:{station_id}",
            after=items, note="由图层初始化库存",
        )
    return len(rows)


def move_stock(
    session: Session,
    station_id: str,
    item: str,
    *,
    movement: str,
    quantity: int,
    known_stations: Collection[str],
    actor: str,
) -> tuple[int, int]:
    """Apply one movement (借出/归还/补货) atomically with its audit entry; (before, after)."""
    if station_id not in known_stations:
        msg = f"站点 {station_id!r} 不存在"
        raise StockError(msg, parameter="station")
    if item not in ITEM_LABELS:
        msg = f"未知物资 {item!r}"
        raise StockError(msg, parameter="item")
    if movement not in MOVEMENTS:
        msg = f"未知操作 {movement!r}（可选：{'、'.join(MOVEMENTS)}）"
        raise StockError(msg, parameter="movement")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        msg = "数量须为正整数"
        raise StockError(msg, parameter="quantity")
    label, sign = MOVEMENTS[movement]
    delta = sign * quantity
    if delta > 0:
        _insert_missing(session, [{"station_id": station_id, "item": item, "count": 0}])
    row_matches = and_(StationStock.station_id == station_id, StationStock.item == item)
    after = session.execute(
        update(StationStock)
        .where(row_matches, StationStock.count + delta >= 0)
        .values(count=StationStock.count + delta)
        .returning(StationStock.count)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if after is None:
        have = session.execute(select(StationStock.count).where(row_matches)).scalar_one_or_none()
        msg = f"{ITEM_LABELS[item]}库存不足：现有 {have or 0}，{label} {quantity}"
        raise StockError(msg, parameter="quantity")
    before = after - delta
    audit.record(
        session, actor=actor, action=f"stock.{movement}", target=f"station:{station_id}/{item}",
        before={"count": before}, after={"count": after}, note=f"{label} {quantity}",
    )
    return before, after
