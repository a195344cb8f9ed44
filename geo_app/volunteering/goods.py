"""微积分's goods: the catalogue, each station's stock as a movement log, and redemptions.

A station's count of a good is the sum of its movements (received − redeemed − written off),
kept as a counter that only conditional updates move, each in the same transaction as its
movement row and audit entry. A redemption debits the volunteer's points and the station's
goods together: both or neither.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from geo_app.store import audit
from geo_app.store.station_lock import require_station
from geo_app.volunteering.checks import check_kind, whole_in_range
from geo_app.volunteering.counters import append_movement, move_counter
from geo_app.volunteering.errors import ConflictError, NotFoundError, VolunteeringError
from geo_app.volunteering.ledger import post_entry
from geo_app.volunteering.models import Goods, GoodsMovement, GoodsStock, Redemption
from geo_app.volunteering.registry import get_volunteer
from layers.quoting import quoted

#: Movement kinds and the sign they apply.
GOODS_MOVEMENTS: dict[str, tuple[str, int]] = {
    "received": ("入库", +1),
    "redeemed": ("兑换", -1),
    "written_off": ("报损", -1),
}
MAX_QUANTITY = 1000
MAX_REDEEM_QUANTITY = 20


def _quantity(value: object, *, high: int) -> int:
    return whole_in_range(value, low=1, high=high, label="数量", parameter="quantity")


def add_goods(
    session: Session, *, goods_id: str, name: str, unit: str, points: int, actor: str
) -> Goods:
    """Add a good to the catalogue (id like ``tissue``, price in points)."""
    if session.get(Goods, goods_id) is not None:
        msg = f"物品 {goods_id} 已在目录中"
        raise ConflictError(msg, parameter="goods")
    if not 1 <= points <= 10_000:
        msg = f"兑换积分应在 1–10000 之间，收到 {points}"
        raise VolunteeringError(msg, parameter="points")
    return audit.add_and_record(
        session, Goods(id=goods_id, name=name, unit=unit, points=points), actor=actor,
        action="goods.add", target=f"goods:{goods_id}", after={"name": name, "points": points},
        note="加入兑换目录",
    )


def _goods(session: Session, goods_id: str) -> Goods:
    goods = session.get(Goods, goods_id)
    if goods is None:
        known = "、".join(session.scalars(select(Goods.id).order_by(Goods.id)))
        msg = f"物品 {quoted(goods_id)} 不在兑换目录中（目录：{known or '空'}）"
        raise NotFoundError(msg, parameter="goods")
    return goods


def move_goods(
    session: Session,
    station_id: str,
    goods_id: str,
    *,
    kind: str,
    quantity: object,
    actor: str,
    known_stations: Collection[str],
    ref: str = "",
    at: datetime | None = None,
) -> int:
    """One movement at a station (audited); returns the count after it."""
    require_station(session, station_id, known_stations, error=NotFoundError)
    goods = _goods(session, goods_id)
    check_kind(kind, GOODS_MOVEMENTS, label="物品操作")
    label, sign = GOODS_MOVEMENTS[kind]
    amount = _quantity(quantity, high=MAX_QUANTITY)
    delta = sign * amount
    key = {"station_id": station_id, "goods_id": goods_id}
    after = move_counter(session, GoodsStock, key, counter="count", delta=delta)
    if after is None:
        have = session.scalar(
            select(GoodsStock.count).where(
                GoodsStock.station_id == station_id, GoodsStock.goods_id == goods_id
            )
        )
        msg = (
            f"{goods.name}库存不足：站点现有 {have or 0}{goods.unit}，{label} {amount}{goods.unit}"
        )
        raise ConflictError(msg, parameter="quantity")
    movement = GoodsMovement(
        station_id=station_id, goods_id=goods_id, kind=kind, quantity=delta, ref=ref, actor=actor
    )
    append_movement(
        session,
        movement,
        at=at,
        counter="count",
        after=after,
        delta=delta,
        actor=actor,
        action=f"goods.{kind}",
        target=f"station:{station_id}/{goods_id}",
        note=f"{goods.name} {label} {amount}{goods.unit}",
    )
    return after


@dataclass(frozen=True)
class RedemptionResult:
    redemption_id: int
    card: str
    goods: str
    quantity: int
    points: int
    balance_after: int
    stock_after: int


def redeem(
    session: Session,
    *,
    card: str,
    station_id: str,
    goods_id: str,
    quantity: object,
    actor: str,
    known_stations: Collection[str],
    at: datetime | None = None,
) -> RedemptionResult:
    """Exchange points for goods at a station: points and stock debited together (or neither).

    Raises :class:`ConflictError` (409) when the points or the station's stock fall short.
    """
    volunteer = get_volunteer(session, card)
    require_station(session, station_id, known_stations, error=NotFoundError)
    goods = _goods(session, goods_id)
    amount = _quantity(quantity, high=MAX_REDEEM_QUANTITY)
    cost = goods.points * amount
    redemption = Redemption(
        volunteer_id=volunteer.id,
        station_id=station_id,
        goods_id=goods_id,
        quantity=amount,
        points=cost,
        actor=actor,
    )
    if at is not None:
        redemption.at = at
    session.add(redemption)
    session.flush()
    ref = f"redemption:{redemption.id}"
    stock_after = move_goods(
        session,
        station_id,
        goods_id,
        kind="redeemed",
        quantity=amount,
        actor=actor,
        known_stations=known_stations,
        ref=ref,
        at=at,
    )
    entry = post_entry(
        session,
        volunteer,
        kind="redeem",
        points=-cost,
        actor=actor,
        reason=f"兑换{goods.name} {amount}{goods.unit}",
        ref=ref,
        at=at,
    )
    return RedemptionResult(
        redemption.id, volunteer.card, goods_id, amount, cost, entry.balance_after, stock_after
    )


def goods_levels(session: Session) -> dict[str, dict[str, int]]:
    """Goods id → station id → count now."""
    levels: dict[str, dict[str, int]] = {}
    for station_id, goods_id, count in session.execute(
        select(GoodsStock.station_id, GoodsStock.goods_id, GoodsStock.count)
    ):
        levels.setdefault(goods_id, {})[station_id] = count
    return levels


def catalogue(session: Session) -> list[Goods]:
    return list(session.scalars(select(Goods).order_by(Goods.points, Goods.id)))
