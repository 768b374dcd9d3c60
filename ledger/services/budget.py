"""Budget lines (dự toán) and their adjustments, transfers and reversals (DOMAIN rules 1, 2, 8).

A line's allocation is its original estimate plus the sum of its posted adjustments; it may never
fall below zero nor below what is already committed or paid on it. Adjustments are never edited or
deleted: a wrong one is reversed by an opposite entry that points to it.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, cast, func, or_, select
from sqlalchemy.orm import Session

from ledger.domain.codes import fold
from ledger.domain.errors import NotFound, PermissionDenied, ValidationError, problem
from ledger.domain.formatting import format_amount, parse_year
from ledger.domain.validation import Problems
from ledger.services.reference import policy_by_code, unit_by_code, valid_budget_code
from ledger.store import audit
from ledger.store.access import SYSTEM, Actor, current_user, require_writer, scope_unit_ids, subtree
from ledger.store.balances import line_balance
from ledger.store.db import Database
from ledger.store.models import Adjustment, AuditEvent, BudgetLine, Category, FiscalYear, Policy, Source, Unit


def resolve_code(session: Session, model, value: Any) -> str | None:
    """The catalogue code that ``value`` names: its code or its label in either language."""
    if value is None:
        return None
    wanted = fold(value)
    for row in session.scalars(select(model)):
        if wanted in (fold(row.code), fold(row.label_vi), fold(row.label_en)):
            return row.code
    return None


# --- reading ----------------------------------------------------------------------------------

def _sum_amounts():
    """SUM of adjustment amounts as a BIGINT: PostgreSQL's SUM(bigint) is NUMERIC (a Decimal in Python)."""
    return cast(func.sum(Adjustment.amount), BigInteger)


def adjustments_total(session: Session, line_id: int) -> int:
    return session.scalar(select(func.coalesce(_sum_amounts(), 0)).where(Adjustment.line_id == line_id)) or 0


def line_used(session: Session, line_id: int) -> int:
    """What is committed or paid on a line: the floor its allocation may not go below."""
    return line_balance(session, line_id).used


def line_allocated(session: Session, line: BudgetLine) -> int:
    return line.original_estimate + adjustments_total(session, line.id)


def _adjustment_sums():
    return (
        select(Adjustment.line_id, _sum_amounts().label("adjustments"))
        .group_by(Adjustment.line_id)
        .subquery()
    )


@dataclass(frozen=True)
class LineFilters:
    year: int
    unit_code: str | None = None
    category: str | None = None
    source: str | None = None
    policy_code: str | None = None
    search: str | None = None


def list_lines(db: Database, actor: Actor, filters: LineFilters) -> list[dict[str, Any]]:
    """Lines of a year in the actor's scope with their allocation, aggregated in SQL."""
    with db.read() as session:
        scope = scope_unit_ids(session, actor)
        sums = _adjustment_sums()
        query = (
            select(
                BudgetLine.id,
                BudgetLine.code,
                BudgetLine.year,
                Unit.code.label("unit_code"),
                Unit.name.label("unit_name"),
                BudgetLine.description,
                BudgetLine.category_code,
                BudgetLine.source_code,
                BudgetLine.sector_code,
                BudgetLine.sub_item,
                Policy.code.label("policy_code"),
                Policy.name.label("policy_name"),
                BudgetLine.original_estimate,
                func.coalesce(sums.c.adjustments, 0).label("adjustments"),
            )
            .join(Unit, Unit.id == BudgetLine.unit_id)
            .outerjoin(Policy, Policy.id == BudgetLine.policy_id)
            .outerjoin(sums, sums.c.line_id == BudgetLine.id)
            .where(BudgetLine.year == filters.year)
            .order_by(BudgetLine.code)
        )
        if scope is not None:
            query = query.where(BudgetLine.unit_id.in_(scope))
        if filters.unit_code:
            unit = unit_by_code(session, filters.unit_code)
            if unit is None:
                return []
            query = query.where(BudgetLine.unit_id.in_(subtree(session, unit.id)))
        if filters.category:
            query = query.where(BudgetLine.category_code == filters.category)
        if filters.source:
            query = query.where(BudgetLine.source_code == filters.source)
        if filters.policy_code:
            query = query.where(Policy.code == filters.policy_code)
        if filters.search:
            like = f"%{filters.search.strip()}%"
            query = query.where(or_(BudgetLine.code.ilike(like), BudgetLine.description.ilike(like)))
        rows = []
        for row in session.execute(query).mappings():
            item = dict(row)
            item["allocated"] = item["original_estimate"] + item["adjustments"]
            rows.append(item)
        return rows


def get_line(session: Session, actor: Actor, line_id: int) -> BudgetLine:
    """A line the actor may read; a line outside the scope is reported as not found."""
    line = session.get(BudgetLine, line_id)
    scope = scope_unit_ids(session, actor)
    if line is None or (scope is not None and line.unit_id not in scope):
        raise NotFound(problem("line.unknown", value=line_id))
    return line


def find_line(session: Session, year: int, code: str) -> BudgetLine | None:
    return session.scalars(select(BudgetLine).where(BudgetLine.year == year, BudgetLine.code == code)).first()


def line_detail(db: Database, actor: Actor, line_id: int) -> dict[str, Any]:
    """A line, its adjustments (oldest first) and its audit events."""
    with db.read() as session:
        line = get_line(session, actor, line_id)
        adjustments = [
            {
                "id": a.id,
                "date": a.date,
                "amount": a.amount,
                "decision_no": a.decision_no,
                "reason": a.reason,
                "transfer_key": a.transfer_key,
                "reverses_id": a.reverses_id,
                "created_by": a.created_by,
                "created_at": a.created_at,
            }
            for a in session.scalars(select(Adjustment).where(Adjustment.line_id == line.id).order_by(Adjustment.id))
        ]
        reversed_ids = {a["reverses_id"] for a in adjustments if a["reverses_id"]}
        for a in adjustments:
            a["reversed"] = a["id"] in reversed_ids
        adjustment_ids = [str(a["id"]) for a in adjustments]
        events = [
            {"seq": e.seq, "occurred_at": e.occurred_at, "actor": e.actor, "action": e.action, "hash": e.hash}
            for e in session.scalars(
                select(AuditEvent)
                .where(
                    or_(
                        (AuditEvent.entity_type == "budget_line") & (AuditEvent.entity_id == str(line.id)),
                        (AuditEvent.entity_type == "adjustment") & (AuditEvent.entity_id.in_(adjustment_ids)),
                    )
                )
                .order_by(AuditEvent.seq)
            )
        ]
        total = sum(a["amount"] for a in adjustments)
        return {
            "id": line.id,
            "code": line.code,
            "year": line.year,
            "unit_code": line.unit.code,
            "unit_name": line.unit.name,
            "description": line.description,
            "category_code": line.category_code,
            "source_code": line.source_code,
            "sector_code": line.sector_code,
            "sub_item": line.sub_item,
            "policy_code": line.policy.code if line.policy else None,
            "original_estimate": line.original_estimate,
            "adjustments_total": total,
            "allocated": line.original_estimate + total,
            "used": line_used(session, line.id),
            "adjustments": adjustments,
            "events": events,
        }


# --- writing ----------------------------------------------------------------------------------

def _open_year(session: Session, found: Problems, year: int | None, field: str = "year") -> None:
    if year is None:
        return
    fiscal_year = session.get(FiscalYear, year)
    if fiscal_year is None:
        found.append(problem("year.unknown", field, year=year))
    elif not fiscal_year.is_open:
        found.append(problem("year.closed", field, year=year))


def add_line(db: Database, actor: Actor, **data: Any) -> BudgetLine:
    """Record a new budget line. Fields: code, year, unit_code, description, category, source,
    sector_code, sub_item, policy_code, original_estimate."""
    with db.write() as session:
        return add_line_in(session, actor, **data)


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
    category = resolve_code(session, Category, data.get("category"))
    if category is None:
        found.append(problem("code.unknown", "category", what="nhóm chi", value=data.get("category") or "—"))
    source = resolve_code(session, Source, data.get("source"))
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
    policy = None
    policy_code = str(data.get("policy_code") or "").strip()
    if policy_code:
        policy = policy_by_code(session, policy_code)
        if policy is None:
            found.append(problem("policy.unknown", "policy_code", value=policy_code))
    estimate = found.amount(data.get("original_estimate"), "original_estimate")
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
    )
    session.add(line)
    audit.record_change(session, actor.username, "budget_line.create", line, None)
    return line


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
    line = session.get(BudgetLine, line_id)
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


def adjust_line(db: Database, actor: Actor, line_id: int, amount: Any, date: Any, decision_no: Any, reason: Any = "") -> Adjustment:
    """Post a supplement (+) or reduction (−) to a line under a decision."""
    with db.write() as session:
        return adjust_line_in(session, actor, line_id, amount, date, decision_no, reason)


def adjust_line_in(session: Session, actor: Actor, line_id: int, amount: Any, date: Any, decision_no: Any, reason: Any = "") -> Adjustment:
    line = _line_for_write(session, actor, line_id)
    value, when, decision, why = _check_adjustment_fields(session, line, amount, date, decision_no, reason, signed=True)
    return _post_adjustment(session, actor, line, value, when, decision, why)


def transfer(db: Database, actor: Actor, from_line_id: int, to_line_id: int, amount: Any, date: Any, decision_no: Any, reason: Any = "") -> tuple[Adjustment, Adjustment]:
    """Move an amount between two lines of one year and one source under one decision (nets to zero)."""
    with db.write() as session:
        return transfer_in(session, actor, from_line_id, to_line_id, amount, date, decision_no, reason)


def transfer_in(session: Session, actor: Actor, from_line_id: int, to_line_id: int, amount: Any, date: Any, decision_no: Any, reason: Any = "", *, transfer_key: str | None = None) -> tuple[Adjustment, Adjustment]:
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
    out = _post_adjustment(session, actor, source_line, -value, when, decision, why, transfer_key=key, action="transfer.out")
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


def reverse_adjustment(db: Database, actor: Actor, adjustment_id: int, reason: Any, date: Any | None = None) -> list[Adjustment]:
    """Cancel a posted adjustment (both legs of a transfer) by opposite entries that point to it."""
    with db.write() as session:
        return reverse_adjustment_in(session, actor, adjustment_id, reason, date)


def reverse_adjustment_in(session: Session, actor: Actor, adjustment_id: int, reason: Any, date: Any | None = None, *, transfer_key: str | None = None) -> list[Adjustment]:
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
    when = found.date(date or min(dt.date.today(), dt.date(original.line.year, 12, 31)), "date", year=original.line.year)
    _open_year(session, found, original.line.year)
    found.raise_if_any()
    new_key = _new_transfer_key(session, transfer_key) if original.transfer_key else None
    # Post the increase first so that reversing a transfer never dips a line below zero on the way.
    ordered = sorted(legs, key=lambda leg: leg.amount)
    return [
        _post_adjustment(session, actor, leg.line, -leg.amount, when, leg.decision_no, why, transfer_key=new_key, reverses_id=leg.id, action="adjustment.reverse")
        for leg in ordered
    ]


def adjustments_in_scope(db: Database, actor: Actor, year: int, limit: int = 2000) -> list[dict[str, Any]]:
    """The year's adjustments in the actor's scope, newest first."""
    with db.read() as session:
        scope = scope_unit_ids(session, actor)
        query = (
            select(
                Adjustment.id,
                Adjustment.date,
                BudgetLine.id.label("line_id"),
                BudgetLine.code.label("line_code"),
                Unit.code.label("unit_code"),
                Adjustment.amount,
                Adjustment.decision_no,
                Adjustment.reason,
                Adjustment.transfer_key,
                Adjustment.reverses_id,
                Adjustment.created_by,
            )
            .join(BudgetLine, BudgetLine.id == Adjustment.line_id)
            .join(Unit, Unit.id == BudgetLine.unit_id)
            .where(BudgetLine.year == year)
            .order_by(Adjustment.id.desc())
            .limit(limit)
        )
        if scope is not None:
            query = query.where(BudgetLine.unit_id.in_(scope))
        return [dict(r) for r in session.execute(query).mappings()]
