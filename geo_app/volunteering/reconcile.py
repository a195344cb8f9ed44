"""Reconciliation: every balance against its ledger, every goods count against its movements.

``geo-app points reconcile`` runs :func:`reconcile` and exits non-zero on any mismatch: a
balance edited by hand, a lost entry or movement shows up here.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo_app.volunteering.models import (
    Goods,
    GoodsMovement,
    GoodsStock,
    PointsBalance,
    PointsEntry,
    Volunteer,
)


def reconcile(session: Session) -> list[str]:
    """Every mismatch, one Chinese line each (empty when the books agree)."""
    problems: list[str] = []
    sums = dict(
        session.execute(
            select(PointsEntry.volunteer_id, func.sum(PointsEntry.points)).group_by(
                PointsEntry.volunteer_id
            )
        ).all()
    )
    balances = dict(
        session.execute(select(PointsBalance.volunteer_id, PointsBalance.balance)).all()
    )
    cards = dict(session.execute(select(Volunteer.id, Volunteer.card)).all())
    for volunteer_id in sorted(set(sums) | set(balances)):
        expected = int(sums.get(volunteer_id) or 0)
        actual = int(balances.get(volunteer_id, 0))
        if expected != actual:
            problems.append(
                f"志愿者 {cards.get(volunteer_id, volunteer_id)}：余额 {actual} 分，"
                f"但积分记录合计 {expected} 分（差 {actual - expected:+d}）"
            )
    last_balance = dict(
        session.execute(
            select(PointsEntry.volunteer_id, PointsEntry.balance_after).where(
                PointsEntry.id.in_(
                    select(func.max(PointsEntry.id)).group_by(PointsEntry.volunteer_id)
                )
            )
        ).all()
    )
    for volunteer_id, after in last_balance.items():
        if int(after) != int(sums.get(volunteer_id) or 0):
            problems.append(
                f"志愿者 {cards.get(volunteer_id, volunteer_id)}：最后一笔记录的余额 {after} 分"
                f"与记录合计 {int(sums.get(volunteer_id) or 0)} 分不符"
            )
    moved = {
        (station, goods): int(total)
        for station, goods, total in session.execute(
            select(
                GoodsMovement.station_id, GoodsMovement.goods_id, func.sum(GoodsMovement.quantity)
            ).group_by(GoodsMovement.station_id, GoodsMovement.goods_id)
        )
    }
    stock = {
        (station, goods): int(count)
        for station, goods, count in session.execute(
            select(GoodsStock.station_id, GoodsStock.goods_id, GoodsStock.count)
        )
    }
    names = {goods_id: name for goods_id, name in session.execute(select(Goods.id, Goods.name))}
    for station, goods in sorted(set(moved) | set(stock)):
        expected = moved.get((station, goods), 0)
        actual = stock.get((station, goods), 0)
        if expected != actual:
            problems.append(
                f"站点 {station} 的 {names.get(goods, goods)}（{goods}）：库存 {actual}，"
                f"但出入库记录合计 {expected}"
                f"（差 {actual - expected:+d}）"
            )
    return problems
