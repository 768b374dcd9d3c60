"""What the auditors' extract holds: the rows of each sheet for a selection (a fiscal year or all, a
unit's subtree or the actor's whole scope), streamed from SQL in the order they were recorded."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, String, case, cast, func, or_, select
from sqlalchemy.orm import Session, aliased

from ledger.domain.errors import NotFound, problem
from ledger.excel import extract_team
from ledger.excel import layout as L
from ledger.reports.audit_trail import scope_condition, to_vietnam
from ledger.services.reference import unit_by_code
from ledger.store.access import Actor, scope_unit_ids, subtree
from ledger.store.models.core import Adjustment, AuditEvent, BudgetLine, FiscalYear, Policy, Unit
from ledger.store.models.plans import PlanActivity
from ledger.store.models.spending import Acceptance, Commitment, CommitmentItem, Contribution, Payment, PressAgency
from ledger.store.models.year_end import YearEndEntry

STREAM_ROWS = 2000
MAX_CELL_TEXT = 32_767  # Excel's limit for one cell


@dataclass
class SheetStat:
    key: str
    title: str
    rows: int = 0
    amount: int | None = None
    amount_column: str | None = None


# --- what to export ------------------------------------------------------------------------------

@dataclass
class Selection:
    """The rows an extract covers: a year (or every year) and a set of units (None: every unit)."""

    year: int | None
    unit_ids: set[int] | None
    unit_label: str

    def lines(self) -> list:
        where = []
        if self.year is not None:
            where.append(BudgetLine.year == self.year)
        if self.unit_ids is not None:
            where.append(BudgetLine.unit_id.in_(self.unit_ids))
        return where


def select_scope(session: Session, actor: Actor, year: int | None, unit_code: str | None) -> Selection:
    """The units of the extract: the actor's scope, narrowed to ``unit_code``'s subtree when given."""
    scope = scope_unit_ids(session, actor)
    if unit_code:
        unit = unit_by_code(session, unit_code)
        if unit is None or (scope is not None and unit.id not in scope):
            raise NotFound(problem("unit.unknown", value=unit_code))
        ids = subtree(session, unit.id)
        if scope is not None:
            ids &= scope
        return Selection(year, ids, f"{unit.code} – {unit.name} (và các đơn vị trực thuộc / with its subordinate units)")
    if scope is None:
        return Selection(year, None, "Tất cả đơn vị / All units")
    own = session.get(Unit, actor.unit_id) if actor.unit_id else None
    label = f"{own.code} – {own.name}" if own else "—"
    return Selection(year, scope, f"{label} (phạm vi của người xuất / the exporter's scope)")


def _stream(session: Session, query) -> Iterator[Any]:
    yield from session.execute(query, execution_options={"yield_per": STREAM_ROWS})


def _units(session: Session, sel: Selection) -> Iterator[tuple]:
    units = list(session.execute(select(Unit.id, Unit.code, Unit.name, Unit.parent_id, Unit.chapter_code, Unit.kind,
                                        Unit.commitment_control, Unit.advance_limit_pct, Unit.xhh_control)))
    codes = {u.id: u.code for u in units}
    chosen = [u for u in units if sel.unit_ids is None or u.id in sel.unit_ids]
    ids = {u.id for u in chosen}
    children: dict[int | None, list] = {}
    for u in chosen:
        children.setdefault(u.parent_id if u.parent_id in ids else None, []).append(u)
    stack = sorted(children.get(None, []), key=lambda u: u.code, reverse=True)
    while stack:  # parents before their children, siblings by code
        u = stack.pop()
        yield (u.code, u.name, codes.get(u.parent_id), u.chapter_code, u.kind, u.commitment_control,
               u.advance_limit_pct, u.xhh_control)
        stack.extend(sorted(children.get(u.id, []), key=lambda c: c.code, reverse=True))


def _press(session: Session, sel: Selection) -> Iterator[tuple]:
    query = select(PressAgency.code, PressAgency.name, PressAgency.media_type, PressAgency.governing_body, PressAgency.level)
    yield from _stream(session, query.order_by(PressAgency.code))


def _years(session: Session, sel: Selection) -> Iterator[tuple]:
    query = select(FiscalYear.year, FiscalYear.is_open).order_by(FiscalYear.year)
    if sel.year is not None:
        query = query.where(FiscalYear.year == sel.year)
    for year, is_open in session.execute(query):
        yield (year, "MO" if is_open else "KHOA")


def policy_ids(sel: Selection):
    """The policies an extract carries: every one for all units; else those owned in scope or used
    (by lines, commitments, plans or comments in scope)."""
    if sel.unit_ids is None:
        return select(Policy.id)
    used_by_lines = select(BudgetLine.policy_id).where(*sel.lines(), BudgetLine.policy_id.is_not(None))
    used_by_commitments = (
        select(Commitment.policy_id)
        .join(BudgetLine, BudgetLine.id == Commitment.line_id)
        .where(*sel.lines(), Commitment.policy_id.is_not(None))
    )
    return select(Policy.id).where(
        or_(Policy.owner_unit_id.in_(sel.unit_ids), Policy.id.in_(used_by_lines), Policy.id.in_(used_by_commitments),
            extract_team.policies_of_plans_and_comments(sel))
    )


def _policies(session: Session, sel: Selection) -> Iterator[tuple]:
    query = (
        select(Policy.code, Policy.name, Unit.code, Policy.document_type, Policy.large_impact, Policy.proposed_on, Policy.issued_on,
               Policy.policy_consulted_on, Policy.drafting_on, Policy.draft_consulted_on, Policy.submitted_on, Policy.effective_on)
        .join(Unit, Unit.id == Policy.owner_unit_id)
        .where(Policy.id.in_(policy_ids(sel)))
        .order_by(Policy.code)
    )
    for r in _stream(session, query):
        yield (*r[:4], None if r[4] is None else "CO" if r[4] else "KHONG", *r[5:])


def _ended(kind: str):
    """What the year-end run did with a line's unspent allocation (``carry`` or ``cancel``), or None."""
    return select(cast(func.sum(YearEndEntry.amount), BigInteger)).where(YearEndEntry.line_id == BudgetLine.id, YearEndEntry.kind == kind).scalar_subquery()


def _lines(session: Session, sel: Selection) -> Iterator[tuple]:
    origin = aliased(BudgetLine)
    query = (
        select(BudgetLine.code, BudgetLine.year, Unit.code, BudgetLine.description, BudgetLine.category_code,
               BudgetLine.source_code, BudgetLine.sector_code, BudgetLine.sub_item, Policy.code, BudgetLine.original_estimate,
               _ended("carry"), _ended("cancel"), origin.code)
        .join(Unit, Unit.id == BudgetLine.unit_id)
        .outerjoin(Policy, Policy.id == BudgetLine.policy_id)
        .outerjoin(origin, origin.id == BudgetLine.carried_from_id)
        .where(*sel.lines())
        .order_by(BudgetLine.year, BudgetLine.code)
    )
    yield from _stream(session, query)


def _adjustments(session: Session, sel: Selection) -> Iterator[tuple]:
    query = (
        select(Adjustment.id, BudgetLine.code, BudgetLine.year, Adjustment.date, Adjustment.amount, Adjustment.decision_no,
               Adjustment.reason, Adjustment.transfer_key, Adjustment.reverses_id)
        .join(BudgetLine, BudgetLine.id == Adjustment.line_id)
        .where(*sel.lines())
        .order_by(Adjustment.id)
    )
    rows: dict[int, int] = {}  # adjustment id -> its row in the sheet, for "Reverses row"
    number = 1
    for a in _stream(session, query):
        number += 1
        rows[a.id] = number
        yield (a.code, a.year, a.date, a.amount, a.decision_no, a.reason, a.transfer_key, rows.get(a.reverses_id))


_STATUS = case(*((Commitment.status == ledger, code) for ledger, code in L.STATUS_FROM_LEDGER.items()), else_=Commitment.status)


def _commitments(sel: Selection, kind: str, *columns):
    return (
        select(*columns)
        .join(BudgetLine, BudgetLine.id == Commitment.line_id)
        .outerjoin(PressAgency, PressAgency.id == Commitment.press_agency_id)
        .outerjoin(Policy, Policy.id == Commitment.policy_id)
        .outerjoin(PlanActivity, PlanActivity.id == Commitment.activity_id)
        .where(*sel.lines(), Commitment.kind == kind)
        .order_by(Commitment.id)
    )


def _orders(session: Session, sel: Selection) -> Iterator[tuple]:
    query = _commitments(
        sel, "order", Commitment.reference, Commitment.year, BudgetLine.code, PressAgency.code, Commitment.signed_on,
        Commitment.description, Policy.code, Commitment.stage_code, Commitment.total_value, _STATUS, Commitment.final_value, PlanActivity.code,
    )
    yield from _stream(session, query)


def _items(session: Session, sel: Selection) -> Iterator[tuple]:
    query = (
        select(Commitment.reference, CommitmentItem.product, CommitmentItem.quantity, CommitmentItem.unit_of_measure,
               CommitmentItem.unit_price, CommitmentItem.amount, Commitment.year)
        .join(Commitment, Commitment.id == CommitmentItem.commitment_id)
        .join(BudgetLine, BudgetLine.id == Commitment.line_id)
        .where(*sel.lines(), Commitment.kind == "order")
        .order_by(Commitment.id, CommitmentItem.id)
    )
    yield from _stream(session, query)


def _courses(session: Session, sel: Selection) -> Iterator[tuple]:
    query = _commitments(
        sel, "course", Commitment.reference, Commitment.year, BudgetLine.code, Commitment.description, Commitment.start_date,
        Commitment.end_date, Commitment.participants, Commitment.total_value, Policy.code, Commitment.stage_code,
        Commitment.signed_on, _STATUS, Commitment.final_value, Commitment.topic, PlanActivity.code,
    )
    yield from _stream(session, query)


def _it_services(session: Session, sel: Selection) -> Iterator[tuple]:
    query = _commitments(
        sel, "it_service", Commitment.reference, Commitment.year, BudgetLine.code, Commitment.vendor, Commitment.service_type,
        Commitment.stage_code, Commitment.start_date, Commitment.end_date, Commitment.total_value, Commitment.description,
        Policy.code, Commitment.signed_on, _STATUS, Commitment.value, Commitment.final_value, PlanActivity.code,
    )
    yield from _stream(session, query)


def _reversible(session: Session, sel: Selection, model, columns: Callable[[Any], tuple], *joins: tuple) -> Iterator[tuple]:
    """Rows of a sheet whose entries can be reversed: ``columns(original)`` ends with the number of the
    entry a reversal reverses (the ``original`` alias)."""
    original = aliased(model)
    query = select(*columns(original))
    for target, condition, outer in joins:
        query = query.outerjoin(target, condition) if outer else query.join(target, condition)
    query = query.outerjoin(original, original.id == model.reverses_id).where(*sel.lines()).order_by(model.id)
    yield from _stream(session, query)


def _contributions(session: Session, sel: Selection) -> Iterator[tuple]:
    return _reversible(session, sel, Contribution, lambda original: (
        Contribution.voucher_no, Contribution.year, BudgetLine.code, Contribution.date, Contribution.donor,
        Contribution.amount, Contribution.note, original.voucher_no,
    ), (BudgetLine, BudgetLine.id == Contribution.line_id, False))


def _acceptances(session: Session, sel: Selection) -> Iterator[tuple]:
    return _reversible(session, sel, Acceptance, lambda original: (
        Acceptance.record_no, Commitment.reference, Acceptance.date, Acceptance.accepted_value, Acceptance.evidence,
        Commitment.year, BudgetLine.code, original.record_no,
    ), (Commitment, Commitment.id == Acceptance.commitment_id, False), (BudgetLine, BudgetLine.id == Commitment.line_id, False))


def _payments(session: Session, sel: Selection) -> Iterator[tuple]:
    return _reversible(session, sel, Payment, lambda original: (
        Payment.voucher_no, Payment.year, Payment.date, Payment.kind, Commitment.reference, BudgetLine.code,
        Payment.amount, Payment.note, original.voucher_no,
    ), (BudgetLine, BudgetLine.id == Payment.line_id, False), (Commitment, Commitment.id == Payment.commitment_id, True))


def _clip(text: str | None) -> str | None:
    if text is None or len(text) <= MAX_CELL_TEXT:
        return text
    return text[: MAX_CELL_TEXT - 1] + "…"


def _audit_log(session: Session, sel: Selection) -> Iterator[tuple]:
    query = select(AuditEvent.seq, AuditEvent.occurred_at, AuditEvent.actor, AuditEvent.action, AuditEvent.entity_type,
                   AuditEvent.entity_id, AuditEvent.before, AuditEvent.after, AuditEvent.prev_hash, AuditEvent.hash)
    condition = scope_condition(session, sel.unit_ids, sel.year, select(cast(Policy.id, String)).where(Policy.id.in_(policy_ids(sel))))
    if condition is not None:
        query = query.where(condition)
    for e in _stream(session, query.order_by(AuditEvent.seq)):
        yield (e.seq, to_vietnam(e.occurred_at), e.actor, e.action, e.entity_type, e.entity_id, _clip(e.before),
               _clip(e.after), e.occurred_at, e.prev_hash, e.hash)


SHEET_ROWS = {
    "units": _units, "press": _press, "years": _years, "policies": _policies, "lines": _lines,
    "adjustments": _adjustments, "orders": _orders, "items": _items, "courses": _courses, "it": _it_services,
    "contributions": _contributions, "acceptances": _acceptances, "payments": _payments, "audit": _audit_log,
    "staff": extract_team.staff, "participants": extract_team.participants, "plans": extract_team.plans,
    "activities": extract_team.activities,
    "comments": lambda session, sel: extract_team.comments(session, sel, policy_ids(sel)),
}


def sheet_rows(session: Session, sel: Selection, key: str) -> Iterator[tuple]:
    """The rows of one sheet of the extract, in column order (also used by the benchmark)."""
    return SHEET_ROWS[key](session, sel)
