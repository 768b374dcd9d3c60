"""What the commitment and payment services share: the ``@writer`` pattern, finding a write's target
(a line, a commitment) with the checks every write makes on it, dates within the fiscal year, the
line's commitment and XHH controls, the optimistic version check and the numbering of reversals.

A target is loaded with what its checks need in one statement (``ledger.store.balances``): the row,
its fiscal year, its balances, and the caller's duplicate check (``taken``) when it has one.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from ledger.domain import clock, year_end
from ledger.domain.errors import NotFound, ValidationError, problem
from ledger.domain.formatting import format_amount, format_date
from ledger.domain.validation import Problems
from ledger.queries import records
from ledger.services import tokens
from ledger.services.budget import require_writer_any
from ledger.store import audit, cache
from ledger.store.access import Actor, require_writer
from ledger.store.balances import line_balance, load_commitment, load_line
from ledger.store.db import Database
from ledger.store.models import BudgetLine, Commitment, FiscalYear, LinePhasing, Unit

F = TypeVar("F", bound=Callable[..., Any])


def writer(fn: F) -> F:
    """Expose ``fn(session, actor, ...)`` as ``fn(db, actor, ...)`` in its own write transaction,
    returning the rows it wrote as frozen records (``ledger.queries.records``), and as
    ``fn.in_session(session, actor, ...)`` inside a caller's (the importer's, the demo's), returning
    the ORM rows themselves for that caller's next step. A ``token=`` (a posting form's,
    ``ledger.services.tokens``) refuses a second posting with it."""

    @functools.wraps(fn)
    def in_transaction(db: Database, actor: Actor, *args: Any, **kwargs: Any) -> Any:
        with tokens.guarded(db, kwargs.get("token")), db.write() as session:
            return records.written(session, fn(session, actor, *args, **kwargs))

    in_transaction.in_session = fn  # type: ignore[attr-defined]
    return in_transaction  # type: ignore[return-value]


def taken(column, number: str | None, *where: Any):
    """SQL: whether ``number`` is already used in ``column`` (within ``where``), for ``also=``; None
    when there is no number to check (it was refused already)."""
    if not number:
        return None
    return exists().where(column == number, *where)


def voucher_check(session: Session, model, year: int | None, number: str | None):
    """The ``taken`` check of a voucher number to read with the target; None when a bulk caller primed
    the year's numbers (``cache.prime_numbers``: then no statement is needed) or there is no number."""
    if not year or cache.numbers(session, model, year) is not None:
        return None
    return taken(model.voucher_no, number, model.year == year)


def voucher_used(session: Session, model, year: int, number: str, read: bool | None) -> bool:
    """Whether a voucher number is taken: from the primed numbers, else as ``read`` with the target,
    else (the year was only known from the target) by one statement."""
    known = cache.numbers(session, model, year)
    if known is not None:
        return number in known
    if read is not None:
        return read
    return bool(session.scalar(taken(model.voucher_no, number, model.year == year).select()))


def _also(*checks: Any) -> tuple:
    return tuple(check for check in checks if check is not None)


def resolve_line(session: Session, actor: Actor, found: Problems, line: Any, year: int | None, field: str = "line", *, check: Any = None) -> tuple[BudgetLine | None, bool]:
    """A line given by id (screens) or by code within ``year`` (workbooks), checked for writing; and
    whether ``check`` (a ``taken`` expression, read in the same statement) holds."""
    target, extras = None, ()
    if isinstance(line, int) and not isinstance(line, bool):
        target, extras = load_line(session, line, also=_also(check))
    elif isinstance(line, str) and line.strip() and year:
        target, extras = load_line(session, year=year, code=line.strip(), also=_also(check))
    elif check is not None:
        extras = tuple(session.execute(select(check)).one())
    if target is None:
        require_writer_any(session, actor)
        found.append(problem("line.unknown", field, value=line if line not in (None, "") else "—"))
        return None, bool(extras and extras[0])
    require_writer(session, actor, target.unit_id)
    if year is not None and target.year != year:
        found.append(problem("line.other_year", field, line=target.code, year=year))
    fiscal_year = session.get(FiscalYear, target.year)
    if (fiscal_year is not None and not fiscal_year.is_open) or target.closed_run_id is not None:
        found.append(problem("year.closed", "year", year=target.year))
    return target, bool(extras and extras[0])


def within_year(found: Problems, value: Any, field: str, year: int | None, *, grace: bool = False, future: bool = False) -> dt.date | None:
    """A date in the fiscal year (with ``grace``: up to 31/01 of the next, the closing period); not in the
    future unless ``future`` (a course may be planned ahead; money cannot move ahead of time)."""
    date = found.date(value, field, not_future=not future)
    if date is None or year is None:
        return date
    last = dt.date(year + 1, 1, 31) if grace else dt.date(year, 12, 31)
    if not dt.date(year, 1, 1) <= date <= last:
        found.append(problem("date.outside_year", field, date=format_date(date), year=year))
        return None
    return date


def reversal_date(found: Problems, date: Any, year: int) -> dt.date | None:
    """A reversal's date: the one given, else today (at the latest the end of the closing period)."""
    return within_year(found, date or min(clock.today(), dt.date(year + 1, 1, 31)), "date", year, grace=True)


def commitment_for_write(session: Session, actor: Actor, commitment_id: Any = None, *, year: int | None = None, reference: str | None = None, check: Any = None) -> tuple[Commitment, bool]:
    """A commitment by id or by reference within ``year``, checked for writing (with its line and
    balances, and ``check`` as in ``resolve_line``)."""
    commitment, extras = None, ()
    if commitment_id is not None:
        commitment, extras = load_commitment(session, commitment_id, also=_also(check))
    elif reference and year:
        commitment, extras = load_commitment(session, year=year, reference=reference.strip(), also=_also(check))
    if commitment is None:
        require_writer_any(session, actor)
        raise NotFound(problem("commitment.unknown", value=reference or commitment_id))
    require_writer(session, actor, commitment.line.unit_id)
    if commitment.line.closed_run_id is not None:  # its year ended by the year-end run: nothing more on it
        raise ValidationError(problem("year.closed", "year", year=commitment.year))
    return commitment, bool(extras and extras[0])


# --- the line's controls (rules 3 and 7) ------------------------------------------------------------

def _over(session: Session, actor: Actor, line: BudgetLine, amount: int, room: int, refuses: bool, refusal: Callable[[], Any], action: str, payload: dict[str, Any]) -> int:
    """An ``amount`` beyond ``room``: refused (``refusal()``'s problem) when the unit's control blocks,
    else recorded as a warning event. Returns the excess in đồng (0 within the room)."""
    if amount <= room:
        return 0
    if refuses:
        raise ValidationError(refusal())
    excess = amount - max(room, 0)
    audit.record(session, actor.username, action, "control_warning", str(line.id), None, {"line": line.code, **payload, "amount": amount, "excess": excess})
    return excess


def control_line(session: Session, actor: Actor, line: BudgetLine, amount: int, action: str, reference: str) -> int:
    """Commitment control (rule 3): an excess over the line's available balance is refused, or in
    ``warn`` mode recorded. Returns the excess in đồng."""
    balance = line_balance(session, line.id)
    unit = session.get(Unit, line.unit_id)

    def refusal():
        return problem("commit.over_available", "amount", line=line.code, available=format_amount(balance.available), amount=format_amount(amount))

    payload = {"available": balance.available, "action": action, "reference": reference}
    excess = _over(session, actor, line, amount, balance.available, unit.commitment_control != "warn", refusal, "control.warning", payload)
    return max(excess, control_phased(session, actor, line, unit, balance, amount, action, reference))


def _weights(session: Session, line_id: int) -> list[int]:
    """A line's own phasing (twelve weights), or [] for the even twelfths; once per transaction."""
    key = ("line_phasing", line_id)
    weights = cache.row(session, key)
    if weights is None:
        weights = [0] * year_end.MONTHS
        for month, amount in session.execute(select(LinePhasing.month, LinePhasing.amount).where(LinePhasing.line_id == line_id)):
            weights[month - 1] = amount
        weights = weights if any(weights) else []
        cache.remember_row(session, key, weights)
    return weights


def control_phased(session: Session, actor: Actor, line: BudgetLine, unit: Unit, balance: Any, amount: int, action: str, reference: str) -> int:
    """Phased control (per unit: off, warn or block): what is committed and paid on the line may not
    pass its phased plan to the end of the current month. Returns the excess in đồng."""
    mode = unit.phased_control or "off"
    if mode == "off":
        return 0
    months = year_end.months_to_date(line.year, clock.today())
    plan = year_end.phased_plan(balance.allocated, _weights(session, line.id), months)
    room = plan - balance.used

    def refusal():
        return problem("commit.over_phased", "amount", line=line.code, month=months, plan=format_amount(plan), used=format_amount(balance.used), amount=format_amount(amount))

    payload = {"plan_to_date": plan, "months": months, "used": balance.used, "action": action, "reference": reference, "control": "phased"}
    return _over(session, actor, line, amount, room, mode == "block", refusal, "control.warning", payload)


def refuse_in_closing_period(year: int, field: str = "signed_on") -> None:
    """Nothing new is committed on a year once it has ended (from 01/01 of the next year)."""
    today = clock.today()
    if year_end.in_closing_period(year, today):
        raise ValidationError(problem("year.closing_no_commit", field, year=year, date=format_date(today)))


def control_xhh(session: Session, actor: Actor, line: BudgetLine, amount: int, reference: str) -> int:
    """Rule 7: spending on an XHH line stays within the contributions received for it (refused, or
    in ``warn`` mode recorded). Returns the excess in đồng."""
    if line.source_code != "XHH" or amount <= 0:
        return 0
    balance = line_balance(session, line.id)
    unit = session.get(Unit, line.unit_id)

    def refusal():
        return problem("xhh.over_contributions", "amount", line=line.code, received=format_amount(balance.contributions), paid=format_amount(balance.paid), amount=format_amount(amount))

    payload = {"contributions": balance.contributions, "paid": balance.paid, "reference": reference}
    return _over(session, actor, line, amount, balance.xhh_room, unit.xhh_control == "block", refusal, "control.xhh_warning", payload)


def check_version(commitment: Commitment, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != commitment.version:
        raise ValidationError(problem("commitment.stale", reference=commitment.reference, by=commitment.version))


def change(session: Session, actor: Actor, commitment: Commitment, action: str, apply: Callable[[], None]) -> Commitment:
    """Apply a change to a commitment, bump its version and record the event (before and after)."""
    before = audit.snapshot(commitment)
    apply()
    commitment.version += 1
    audit.record_change(session, actor.username, action, commitment, before)
    return commitment


def reversal_number(session: Session, column, number: str, *where: Any) -> str:
    """The voucher/record number of a reversal: '<original>/HUY', made unique if someone used it already."""
    candidate, n = f"{number}/HUY"[:64], 1
    while session.scalar(select(column).where(column == candidate, *where)) is not None:
        n += 1
        candidate = f"{number}/HUY{n}"[-64:]
    return candidate


def already_reversed(session: Session, model, original: Any) -> bool:
    """Whether an entry of ``model`` (a payment, contribution or acceptance) was reversed already."""
    return session.scalar(select(model.id).where(model.reverses_id == original.id).limit(1)) is not None
