"""Loans of station items: who borrowed what, their phone, until when, who lent it; returns.

Lending is one transaction: the stock decrement (:func:`geo_app.store.stock.move_stock`, which
refuses to go below zero and audits the count), the loan row and the loan's audit entry.
Returning closes the loan with a conditional ``UPDATE … WHERE returned_at IS NULL`` and puts
the loan's quantity back, so a loan is returned at most once and a return never puts back more
than is out. The stations' public stock is the store's count: what is on the shelf.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from geo_app.formats.numbers import number_text
from geo_app.state.clock import local_time_text
from geo_app.store import audit
from geo_app.store.errors import StoreError
from geo_app.store.models import Loan
from geo_app.store.roster import check_name, check_phone
from geo_app.store.stock import move_stock
from layers.quoting import quoted
from layers.schema import ITEM_LABELS

STATUSES = ("open", "overdue", "returned", "all")
#: Longest loan a station gives (a wheelchair for a season, not for ever).
MAX_LOAN_DAYS = 180


class LoanError(StoreError):
    """A loan cannot be made or returned as asked."""


class LoanClosedError(LoanError):
    """The loan was returned already (a second return is a conflict, not bad input)."""


class LoanNotFoundError(LoanError):
    """No such loan (or none the caller may see)."""


def default_due(item: str, *, today: date, loan_days: Mapping[str, int], default_days: int) -> date:
    """The due date of a loan of ``item`` made ``today``: the item's days, else the default."""
    return today + timedelta(days=int(loan_days.get(item, default_days)))


def mask_name(name: str) -> str:
    """A borrower's name for the audit log and lists: surname and stars (张三丰 → 张**)."""
    return name[:1] + "*" * max(1, len(name) - 1) if name else ""


def _due(value: Any, *, today: date) -> date:
    if isinstance(value, date):
        due = value
    else:
        try:  # full-width digits and dash as typed in a Chinese input method read too
            due = date.fromisoformat(number_text(str(value)))
        except ValueError:
            msg = f"应还日期 {quoted(value)} 格式不对，应为 年-月-日（如 2026-11-30）"
            raise LoanError(msg, parameter="due") from None
    if due < today:
        msg = f"应还日期 {due.isoformat()} 早于今天 {today.isoformat()}"
        raise LoanError(msg, parameter="due")
    if due > today + timedelta(days=MAX_LOAN_DAYS):
        msg = f"应还日期 {due.isoformat()} 太晚：借用期最长 {MAX_LOAN_DAYS} 天"
        raise LoanError(msg, parameter="due")
    return due


def lend(
    session: Session,
    *,
    station_id: str,
    item: str,
    borrower_name: Any,
    borrower_phone: Any,
    due: Any,
    now: datetime,
    known_stations: Collection[str],
    actor: str,
    quantity: int = 1,
) -> tuple[Loan, int]:
    """Lend ``quantity`` of ``item`` at a station; (the loan, the count left on the shelf).

    ``due`` is a date or ``YYYY-MM-DD`` text, from today (``now``'s date) on.
    """
    name = check_name(borrower_name, parameter="borrower_name")
    phone = check_phone(borrower_phone, parameter="borrower_phone", required=True)
    due_day = _due(due, today=now.date())
    _, after = move_stock(
        session, station_id, item, movement="lent", quantity=quantity,
        known_stations=known_stations, actor=actor,
    )
    loan = Loan(
        station_id=station_id, item=item, quantity=quantity, borrower_name=name,
        borrower_phone=phone, lent_by=actor, lent_at=now.astimezone(UTC), due=due_day,
    )
    audit.add_and_record(
        session, loan, actor=actor, action="loan.lend", target=lambda added: f"loan:{added.id}",
        after={"station_id": station_id, "item": item, "quantity": quantity,
               "borrower": mask_name(name), "due": due_day.isoformat(), "stock_after": after},
    )
    return loan, after


def get_loan(session: Session, loan_id: int) -> Loan:
    loan = session.get(Loan, loan_id)
    if loan is None:
        msg = f"借用记录 {loan_id} 不存在"
        raise LoanNotFoundError(msg, parameter="loan")
    return loan


def return_loan(
    session: Session, loan: Loan, *, now: datetime, known_stations: Collection[str], actor: str
) -> int:
    """Close ``loan`` and put its items back on the shelf; the count after. Once only."""
    closed = session.execute(
        update(Loan)
        .where(Loan.id == loan.id, Loan.returned_at.is_(None))
        .values(returned_at=now.astimezone(UTC), returned_to=actor)
        .returning(Loan.id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if closed is None:
        session.refresh(loan)
        when = local_time_text(loan.returned_at) if loan.returned_at else "此前"
        msg = (f"借用记录 {loan.id} 已于 {when} 归还，不能重复归还"
               f"（{ITEM_LABELS.get(loan.item, loan.item)} 借出 {loan.quantity}，已全部归还）")
        raise LoanClosedError(msg, parameter="loan")
    _, after = move_stock(
        session, loan.station_id, loan.item, movement="returned", quantity=loan.quantity,
        known_stations=known_stations, actor=actor,
    )
    session.refresh(loan)
    audit.record(
        session, actor=actor, action="loan.return", target=f"loan:{loan.id}",
        before={"returned": False}, after={
            "station_id": loan.station_id, "item": loan.item, "quantity": loan.quantity,
            "borrower": mask_name(loan.borrower_name), "stock_after": after,
        },
    )
    return after


@dataclass(frozen=True)
class LoanRow:
    """A loan as the lists show it."""

    loan: Loan
    overdue_days: int  # days past due (0 when not overdue or returned)

    def as_dict(self) -> dict[str, Any]:
        loan = self.loan
        return {
            "id": loan.id,
            "station": loan.station_id,
            "item": loan.item,
            "item_label": ITEM_LABELS.get(loan.item, loan.item),
            "quantity": loan.quantity,
            "borrower_name": loan.borrower_name,
            "borrower_phone": loan.borrower_phone,
            "lent_by": loan.lent_by,
            "lent_at": local_time_text(loan.lent_at),
            "due": loan.due.isoformat(),
            "returned_at": local_time_text(loan.returned_at) if loan.returned_at else None,
            "overdue_days": self.overdue_days,
        }


def list_loans(
    session: Session, *, station_ids: Collection[str], status: str, today: date
) -> list[LoanRow]:
    """Loans of ``station_ids`` by ``status`` (open, overdue, returned, all).

    Overdue: still out after its due day. Overdue loans come longest overdue first; the others
    newest first.
    """
    if status not in STATUSES:
        msg = f"status 须为 {'、'.join(STATUSES)} 之一，收到 {quoted(status)}"
        raise LoanError(msg, parameter="status")
    query = select(Loan).where(Loan.station_id.in_(list(station_ids)))
    if status in ("open", "overdue"):
        query = query.where(Loan.returned_at.is_(None))
    if status == "overdue":
        query = query.where(Loan.due < today)
    if status == "returned":
        query = query.where(Loan.returned_at.is_not(None))
    rows = [
        LoanRow(loan, max(0, (today - loan.due).days) if loan.returned_at is None else 0)
        for loan in session.scalars(query.order_by(Loan.id.desc()))
    ]
    if status == "overdue":
        rows.sort(key=lambda r: (-r.overdue_days, r.loan.id))
    return rows
