"""Budget lines (dự toán) and their adjustments, transfers and reversals (DOMAIN rules 1, 2, 8).

A line's allocation is its original estimate plus the sum of its posted adjustments; it may never
fall below zero nor below what is already committed or paid on it. Adjustments are never edited or
deleted: a wrong one is reversed by an opposite entry that points to it.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.domain import clock, codes
from ledger.domain.errors import NotFound, PermissionDenied, ValidationError, problem
from ledger.domain.formatting import format_amount, parse_year
from ledger.domain.validation import Problems
from ledger.queries import records
from ledger.queries.records import Record
from ledger.services import tokens
from ledger.services.reference import policy_named, unit_by_code, valid_budget_code
from ledger.store import audit, cache
from ledger.store.access import SYSTEM, Actor, current_user, require_writer, scope_unit_ids
from ledger.store.balances import line_balance, load_line
from ledger.store.db import Database
from ledger.store.models import Adjustment, BudgetLine, Category, FiscalYear, Source, Stage


def resolve_code(session: Session, model, value: Any) -> str | None:
    """The code that ``value`` names in the list behind a catalogue table (``model``: Category, Source
    or Stage, seeded from ``ledger.domain.codes``): its code or its label in either language."""
    return codes.code_for(value, {Category: codes.CATEGORIES, Source: codes.SOURCES, Stage: codes.STAGES}[model])


# --- the figures a write checks ---------------------------------------------------------------

def adjustments_total(session: Session, line_id: int) -> int:
    return line_balance(session, line_id).adjustments


def line_used(session: Session, line_id: int) -> int:
    """What is committed or paid on a line: the floor its allocation may not go below."""
    return line_balance(session, line_id).used


def line_allocated(session: Session, line: BudgetLine) -> int:
    return line_balance(session, line.id).allocated


def get_line(session: Session, actor: Actor, line_id: int) -> BudgetLine:
    """A line the actor may read; a line outside the scope is reported as not found."""
    line = session.get(BudgetLine, line_id)
    scope = scope_unit_ids(session, actor)
    if line is None or (scope is not None and line.unit_id not in scope):
        raise NotFound(problem("line.unknown", value=line_id))
    return line


def find_line(session: Session, year: int, code: str) -> BudgetLine | None:
    """A line by its natural key; a line the transaction already found costs no statement."""
    line = cache.row(session, ("line", year, code))
    known = cache.year_keys(session, "budget_lines", year, lambda: session.scalars(select(BudgetLine.code).where(BudgetLine.year == year)))
    if line is None and (known is None or code in known):
        line = session.scalars(select(BudgetLine).where(BudgetLine.year == year, BudgetLine.code == code)).first()
        if line is not None:
            cache.remember_row(session, ("line", year, code), line)
    return line


# --- writing ----------------------------------------------------------------------------------

def _open_year(session: Session, found: Problems, year: int | None, field: str = "year") -> None:
    if year is None:
        return
    fiscal_year = cache.row(session, ("year", year)) or session.get(FiscalYear, year)
    if fiscal_year is None:
        found.append(problem("year.unknown", field, year=year))
    elif not fiscal_year.is_open:
        found.append(problem("year.closed", field, year=year))


def add_line(db: Database, actor: Actor, **data: Any) -> Record:
    """Record a new budget line. Fields: code, year, unit_code, description, category, source,
    sector_code, sub_item, policy_code, original_estimate, and optionally carried_from (the code of
    the line of the previous year, same unit, whose carry-over opened this one)."""
    with db.write() as session:
        return records.written(session, add_line_in(session, actor, **data))


def add_line_in(session: Session, actor: Actor, **data: Any) -> BudgetLine:
    """``add_line`` inside a caller's write transaction (the importer and the demo use it)."""
    found = Problems()
    code = found.code(data.get("code"), "code", "mã dòng")
    year, error = parse_year(data.get("year"))
    if error:
        found.append(error)
    _open_year(session, found, year)
    unit_code = str(data.get("unit_code") or "").strip()
    unit = unit_by_code(session, unit_code) if unit_code else None
    if unit is None:
        found.append(problem("unit.unknown", "unit_code", value=unit_code or "—"))
    description = found.text(data.get("description"), "description", "nội dung", limit=500)
    category = codes.code_for(data.get("category"), codes.CATEGORIES)
    if category is None:
        found.append(problem("code.unknown", "category", what="nhóm chi", value=data.get("category") or "—"))
    source = codes.code_for(data.get("source"), codes.SOURCES)
    if source is None:
        found.append(problem("code.unknown", "source", what="nguồn", value=data.get("source") or "—"))
    sector = str(data.get("sector_code") or "").strip() or None
    if sector is not None:
        if not re.fullmatch(r"\d{3}-\d{3}", sector):
            found.append(problem("sector.format", "sector_code", value=sector))
        elif year and not valid_budget_code(session, "sector", sector, year):
            found.append(problem("sector.unknown", "sector_code", value=sector, year=year))
    sub_item = (str(data.get("sub_item") or "")).strip() or None
    if sub_item is not None:
        if not (len(sub_item) == 4 and sub_item.isdigit()):
            found.append(problem("sub_item.format", "sub_item", value=sub_item))
        elif year and not valid_budget_code(session, "sub_item", sub_item, year):
            found.append(problem("sub_item.unknown", "sub_item", value=sub_item, year=year))
    policy = policy_named(session, found, data.get("policy_code"))
    estimate = found.amount(data.get("original_estimate"), "original_estimate")
    origin = _carried_from(session, found, data.get("carried_from"), year, unit)
    if code and year and find_line(session, year, code):
        found.append(problem("line.exists", "code", code=code, year=year))
    # Permission problems come first and alone: no point listing field errors to someone who may not write.
    if unit is not None:
        require_writer(session, actor, unit.id)
    else:
        require_writer_any(session, actor)
    found.raise_if_any()
    line = BudgetLine(
        year=year,
        code=code,
        unit_id=unit.id,
        description=description,
        category_code=category,
        source_code=source,
        sector_code=sector,
        sub_item=sub_item,
        policy_id=policy.id if policy else None,
        original_estimate=estimate,
        created_by=actor.username,
        carried_from_id=origin.id if origin else None,
    )
    session.add(line)
    audit.record_change(session, actor.username, "budget_line.create", line, None)
    return line


def _carried_from(session: Session, found: Problems, value: Any, year: int | None, unit: Any) -> BudgetLine | None:
    """The line of ``year`` − 1 and the same unit that ``value`` (a line code) names, or None (blank);
    a code naming no such line is a problem (no statement when blank)."""
    origin_code = str(value or "").strip()
    if not origin_code or year is None:
        return None
    origin = find_line(session, year - 1, origin_code)
    if origin is None or unit is None or origin.unit_id != unit.id:
        found.append(problem("line.carried_from_unknown", "carried_from", value=origin_code, year=year - 1, unit=unit.code if unit else "—"))
        return None
    return origin


def require_writer_any(session: Session, actor: Actor) -> None:
    """Refuse read-only roles and admins even before the target unit is known."""
    if actor == SYSTEM:
        return
    user = current_user(session, actor)
    if user.role in ("leader", "auditor"):
        raise PermissionDenied(problem("perm.read_only", role=user.role))
    if user.role == "admin":
        raise PermissionDenied(problem("perm.admin_no_ledger"))


def _line_for_write(session: Session, actor: Actor, line_id: int) -> BudgetLine:
    """The line with its fiscal year and balance (one statement), checked for writing."""
    line, _ = load_line(session, line_id) if isinstance(line_id, int) and not isinstance(line_id, bool) else (None, ())
    if line is None:
        require_writer_any(session, actor)
        raise NotFound(problem("line.unknown", value=line_id))
    require_writer(session, actor, line.unit_id)
    return line


def _post_adjustment(
    session: Session,
    actor: Actor,
    line: BudgetLine,
    amount: int,
    date: dt.date,
    decision_no: str,
    reason: str,
    *,
    transfer_key: str | None = None,
    reverses_id: int | None = None,
    action: str = "adjustment.post",
    token: str | None = None,
) -> Adjustment:
    allocated = line_allocated(session, line) + amount
    if allocated < 0:
        raise ValidationError(
            problem("line.below_zero", "amount", line=line.code, amount=format_amount(amount), allocated=format_amount(allocated))
        )
    used = line_used(session, line.id)
    if allocated < used:
        raise ValidationError(
            problem("line.below_used", "amount", line=line.code, allocated=format_amount(allocated), used=format_amount(used))
        )
    adjustment = Adjustment(
        line_id=line.id,
        date=date,
        amount=amount,
        decision_no=decision_no,
        reason=reason or "",
        transfer_key=transfer_key,
        reverses_id=reverses_id,
        created_by=actor.username,
        posting_token=tokens.clean(token),
    )
    session.add(adjustment)
    audit.record_change(session, actor.username, action, adjustment, None)
    return adjustment


def _check_adjustment_fields(session: Session, line: BudgetLine, amount: Any, date: Any, decision_no: Any, reason: Any, *, signed: bool) -> tuple[int, dt.date, str, str]:
    found = Problems()
    value = found.amount(amount, "amount", allow_negative=signed)
    if value == 0 and signed:
        found.append(problem("amount.zero", "amount"))
    if value is not None and not signed and value <= 0:
        found.append(problem("transfer.positive", "amount"))
    when = found.date(date, "date", year=line.year)
    decision = (decision_no or "").strip() if isinstance(decision_no, str) or decision_no is None else str(decision_no)
    if not decision:
        found.append(problem("adjustment.decision_required", "decision_no"))
    elif len(decision) > 64:
        found.append(problem("text.too_long", "decision_no", what="số quyết định", limit=64))
    why = found.text(reason, "reason", "lý do", limit=2000, required=False) or ""
    _open_year(session, found, line.year)
    found.raise_if_any()
    return value, when, decision, why


def adjust_line(db: Database, actor: Actor, line_id: int, amount: Any, date: Any, decision_no: Any, reason: Any = "", *, token: str | None = None) -> Record:
    """Post a supplement (+) or reduction (−) to a line under a decision (``token``: the posting
    form's, ``ledger.services.tokens``: a second posting with it is refused)."""
    with tokens.guarded(db, token), db.write() as session:
        return records.written(session, adjust_line_in(session, actor, line_id, amount, date, decision_no, reason, token=token))


def adjust_line_in(session: Session, actor: Actor, line_id: int, amount: Any, date: Any, decision_no: Any, reason: Any = "", *, token: str | None = None) -> Adjustment:
    line = _line_for_write(session, actor, line_id)
    value, when, decision, why = _check_adjustment_fields(session, line, amount, date, decision_no, reason, signed=True)
    return _post_adjustment(session, actor, line, value, when, decision, why, token=token)


def transfer(db: Database, actor: Actor, from_line_id: int, to_line_id: int, amount: Any, date: Any, decision_no: Any, reason: Any = "", *, token: str | None = None) -> tuple[Record, Record]:
    """Move an amount between two lines of one year and one source under one decision (nets to zero)."""
    with tokens.guarded(db, token), db.write() as session:
        return records.written(session, transfer_in(session, actor, from_line_id, to_line_id, amount, date, decision_no, reason, token=token))


def transfer_in(session: Session, actor: Actor, from_line_id: int, to_line_id: int, amount: Any, date: Any, decision_no: Any, reason: Any = "", *, transfer_key: str | None = None, token: str | None = None) -> tuple[Adjustment, Adjustment]:
    """``transfer`` inside a caller's transaction; ``transfer_key`` keeps a workbook's key (else a new UUID)."""
    source_line = _line_for_write(session, actor, from_line_id)
    target_line = _line_for_write(session, actor, to_line_id)
    if source_line.id == target_line.id:
        raise ValidationError(problem("transfer.same_line", "to_line"))
    if source_line.year != target_line.year:
        raise ValidationError(problem("transfer.year", "to_line"))
    if source_line.source_code != target_line.source_code:
        raise ValidationError(problem("transfer.source", "to_line", a=source_line.source_code, b=target_line.source_code))
    value, when, decision, why = _check_adjustment_fields(session, source_line, amount, date, decision_no, reason, signed=False)
    key = _new_transfer_key(session, transfer_key)
    # The token goes on the first leg: it is unique, and the two legs are one posting.
    out = _post_adjustment(session, actor, source_line, -value, when, decision, why, transfer_key=key, action="transfer.out", token=token)
    into = _post_adjustment(session, actor, target_line, value, when, decision, why, transfer_key=key, action="transfer.in")
    return out, into


def _new_transfer_key(session: Session, wanted: str | None) -> str:
    """A fresh UUID, or the caller's key (a workbook's) when it is well-formed and not in use yet."""
    if wanted is None:
        return str(uuid.uuid4())
    key = str(wanted).strip()
    if not key or len(key) > 36:
        raise ValidationError(problem("transfer.key", "transfer_key", value=wanted))
    if session.scalar(select(Adjustment.id).where(Adjustment.transfer_key == key).limit(1)) is not None:
        raise ValidationError(problem("transfer.key_used", "transfer_key", value=key))
    return key


def reverse_adjustment(db: Database, actor: Actor, adjustment_id: int, reason: Any, date: Any | None = None, *, token: str | None = None) -> list[Record]:
    """Cancel a posted adjustment (both legs of a transfer) by opposite entries that point to it."""
    with tokens.guarded(db, token), db.write() as session:
        return records.written(session, reverse_adjustment_in(session, actor, adjustment_id, reason, date, token=token))


def reverse_adjustment_in(session: Session, actor: Actor, adjustment_id: int, reason: Any, date: Any | None = None, *, transfer_key: str | None = None, token: str | None = None) -> list[Adjustment]:
    """``reverse_adjustment`` inside a caller's transaction (``transfer_key``: see ``transfer_in``)."""
    original = session.get(Adjustment, adjustment_id)
    if original is None:
        require_writer_any(session, actor)
        raise NotFound(problem("adjustment.unknown", value=adjustment_id))
    require_writer(session, actor, original.line.unit_id)
    legs = [original]
    if original.transfer_key:
        legs = list(session.scalars(select(Adjustment).where(Adjustment.transfer_key == original.transfer_key, Adjustment.reverses_id.is_(None))))
    for leg in legs:
        require_writer(session, actor, leg.line.unit_id)
    if original.reverses_id is not None:
        raise ValidationError(problem("adjustment.is_reversal"))
    for leg in legs:
        if session.scalar(select(Adjustment.id).where(Adjustment.reverses_id == leg.id)):
            raise ValidationError(problem("adjustment.already_reversed"))
    found = Problems()
    why = found.text(reason, "reason", "lý do", limit=2000)
    when = found.date(date or min(clock.today(), dt.date(original.line.year, 12, 31)), "date", year=original.line.year)
    _open_year(session, found, original.line.year)
    found.raise_if_any()
    new_key = _new_transfer_key(session, transfer_key) if original.transfer_key else None
    # Post the increase first so that reversing a transfer never dips a line below zero on the way.
    ordered = sorted(legs, key=lambda leg: leg.amount)
    return [
        _post_adjustment(session, actor, leg.line, -leg.amount, when, leg.decision_no, why, transfer_key=new_key, reverses_id=leg.id, action="adjustment.reverse", token=token if number == 0 else None)
        for number, leg in enumerate(ordered)
    ]
