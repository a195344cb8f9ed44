"""Station stock in the store: seeded from the layer once, then moved by atomic updates.

A movement is one ``UPDATE … SET count = count + :delta WHERE … AND count + :delta >= 0``
and its audit entry, in one transaction: concurrent movements never lose a count and a
failed one leaves both the count and the log as they were. The same UPDATE keeps
``lent_out`` (lent and not returned): a return can never exceed what is out, and no count
leaves 0…``MAX_STOCK_COUNT`` (the schema refuses it too).

Reads are frequent (every ``/api/nearest``), writes rare: :class:`StockReader` keeps the
levels and reads them again only when the database has changed since.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Collection, Iterable, Mapping
from typing import Any, NoReturn

from sqlalchemy import Engine, and_, select, update
from sqlalchemy.orm import Session

from geo_app.store import audit
from geo_app.store.errors import StockError
from geo_app.store.models import MAX_STOCK_COUNT, StationStock
from geo_app.store.station_lock import require_station
from geo_app.store.upsert import insert_missing
from layers.quoting import quoted
from layers.schema import ITEM_LABELS

#: Movement kinds: label and the sign they apply to the count. 报损 takes broken or lost
#: items off the shelf (what is lent out is not on the shelf and stays lent out).
MOVEMENTS: dict[str, tuple[str, int]] = {
    "lent": ("借出", -1),
    "returned": ("归还", +1),
    "restocked": ("补货", +1),
    "written_off": ("报损", -1),
}
#: The sign each movement applies to what is lent out (a return cannot exceed it).
LENT_OUT_SIGN = {"lent": +1, "returned": -1, "restocked": 0, "written_off": 0}
#: Most units one movement may move.
MAX_QUANTITY = 10_000


def parse_quantity(value: object, *, parameter: str = "quantity") -> int:
    """A movement's quantity: a whole number from 1 to :data:`MAX_QUANTITY`.

    Accepts an ``int`` (JSON) or a string of digits (a form); refuses ``true``, ``2.7``,
    ``1e30``, ``Infinity``, signs, blanks and anything else with a :class:`StockError`.
    """
    quantity: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        quantity = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        digits = value.strip()
        quantity = int(digits) if len(digits) <= len(str(MAX_QUANTITY)) else MAX_QUANTITY + 1
    if quantity is None or not 1 <= quantity <= MAX_QUANTITY:
        shown = quoted(value[:40] + "…" if isinstance(value, str) and len(value) > 40 else value)
        msg = f"数量须为 1–{MAX_QUANTITY:,} 的整数，收到 {shown}"
        raise StockError(msg, parameter=parameter)
    return quantity


#: Every stock row, in a stable order (station, then item).
LEVELS_QUERY = select(StationStock.station_id, StationStock.item, StationStock.count).order_by(
    StationStock.station_id, StationStock.item
)


def _levels_of(rows: Iterable[tuple[str, str, int]]) -> dict[str, dict[str, int]]:
    levels: dict[str, dict[str, int]] = {}
    for station_id, item, count in rows:
        levels.setdefault(station_id, {})[item] = count
    return levels


def stock_levels(session: Session) -> dict[str, dict[str, int]]:
    """Station id → item → count, as the store holds them."""
    return _levels_of(session.execute(LEVELS_QUERY))


class StockReader:
    """The store's stock levels, read again only when the database may have changed.

    On an SQLite file, a connection of the reader's own (per process, never used to write)
    asks ``PRAGMA data_version``, which changes whenever any other connection, of this
    process or another, has committed: so the next read after any stock movement sees it,
    and reads in between cost one pragma. On other databases (and in-memory SQLite, where
    every connection has its own database) every read is one SELECT.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        database = engine.url.database
        self.watches_version = engine.dialect.name == "sqlite" and database not in (
            None,
            "",
            ":memory:",
        )
        self._sql = str(LEVELS_QUERY.compile(dialect=engine.dialect))
        self._lock = threading.Lock()
        self._connection: Any = None  # the pool's wrapper of the reader's own connection
        self._pid = -1
        self._version: object = None
        self._levels: dict[str, dict[str, int]] = {}

    def levels(self) -> dict[str, dict[str, int]]:
        """Station id → item → count, as committed now (shared: do not modify it)."""
        if not self.watches_version:
            with self.engine.connect() as connection:
                return _levels_of(connection.execute(LEVELS_QUERY))
        with self._lock:
            cursor = self._own_connection().cursor()
            try:
                version = cursor.execute("PRAGMA data_version").fetchone()[0]
                if version != self._version:  # read after the pragma: never older than it
                    self._levels = _levels_of(cursor.execute(self._sql).fetchall())
                    self._version = version
            finally:
                cursor.close()
            return self._levels

    def _own_connection(self) -> Any:
        """The reader's DBAPI connection, opened once per process (never shared over a fork)."""
        if self._pid != os.getpid():
            connection = self.engine.raw_connection()
            connection.detach()  # the reader's own: never returned to the pool
            self._connection, self._pid, self._version = connection, os.getpid(), None
        return self._connection.dbapi_connection

    def close(self) -> None:
        """Close the reader's own connection (in the process that opened it)."""
        with self._lock:
            if self._connection is not None and self._pid == os.getpid():
                self._connection.close()
            self._connection, self._pid, self._version = None, -1, None


def _present_keys(session: Session) -> set[tuple[str, str]]:
    query = select(StationStock.station_id, StationStock.item)
    return {(station, item) for station, item in session.execute(query)}


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
    insert_missing(session, StationStock, rows)
    for station_id, items in added.items():
        audit.record(
            session, actor=actor, action="stock.seed", target=f"station:{station_id}",
            after=items, note="由图层初始化库存",
        )
    return len(rows)


def _refuse(
    session: Session, row_matches: Any, *, item: str, movement: str, quantity: int
) -> NoReturn:
    """Explain why a movement's guarded UPDATE matched no row."""
    row = session.execute(
        select(StationStock.count, StationStock.lent_out).where(row_matches)
    ).one_or_none()
    have, out = (row.count, row.lent_out) if row is not None else (0, 0)
    label, sign = MOVEMENTS[movement]
    name = ITEM_LABELS[item]
    if movement == "returned" and quantity > out:
        msg = f"{name}归还数量超过借出未还的数量：借出未还 {out}，归还 {quantity}"
    elif sign < 0:
        msg = f"{name}库存不足：现有 {have}，{label} {quantity}"
    else:
        msg = f"{name}库存将超过上限 {MAX_STOCK_COUNT:,}：现有 {have}，{label} {quantity}"
    raise StockError(msg, parameter="quantity")


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
    """Apply one movement (借出/归还/补货/报损) atomically with its audit entry; (before, after)."""
    require_station(session, station_id, known_stations, error=StockError)
    if item not in ITEM_LABELS:
        msg = f"未知物资 {quoted(item)}"
        raise StockError(msg, parameter="item")
    if movement not in MOVEMENTS:
        choices = "、".join(f"{label}（{key}）" for key, (label, _) in MOVEMENTS.items())
        msg = f"未知操作 {quoted(movement)}（可选：{choices}）"
        raise StockError(msg, parameter="movement")
    quantity = parse_quantity(quantity)
    label, sign = MOVEMENTS[movement]
    delta = sign * quantity
    out_delta = LENT_OUT_SIGN[movement] * quantity
    if delta > 0:
        row = {"station_id": station_id, "item": item, "count": 0}
        insert_missing(session, StationStock, [row])
    row_matches = and_(StationStock.station_id == station_id, StationStock.item == item)
    after = session.execute(
        update(StationStock)
        .where(
            row_matches,
            StationStock.count + delta >= 0,
            StationStock.count + delta <= MAX_STOCK_COUNT,
            StationStock.lent_out + out_delta >= 0,
            StationStock.lent_out + out_delta <= MAX_STOCK_COUNT,
        )
        .values(count=StationStock.count + delta, lent_out=StationStock.lent_out + out_delta)
        .returning(StationStock.count)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if after is None:
        _refuse(session, row_matches, item=item, movement=movement, quantity=quantity)
    before = after - delta
    audit.record(
        session, actor=actor, action=f"stock.{movement}", target=f"station:{station_id}/{item}",
        before={"count": before}, after={"count": after}, note=f"{label} {quantity}",
    )
    return before, after
