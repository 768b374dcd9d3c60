"""The year-end run (khóa sổ cuối năm): preview, apply and, by decision only, reopen.

Once a year's closing period is over, a run takes every line of the year in a unit subtree (or in
all units) that no run has closed yet, and splits its unspent allocation into what carries over into
the next year and what is cancelled, by the rule set of that year (``ledger.domain.year_end``).

Applying writes it all in one transaction, each step an audit event: a line of the next year opens
for each line with something to carry (same unit, category, source, policy and codes, naming its
origin in ``carried_from_id``); each carried commitment goes on there as a commitment of the next
year holding its remainder, with its advance still to be cleared moved along as an advance of the
next year, and the commitment it goes on from is closed out at what was accepted (the others keep
their status in the closed year: no write reaches a closed line); the carry-overs and cancellations are recorded as the run's entries; the lines are marked closed by the
run, and the year closes once all its lines are. Applying again finds nothing left to close.

A year reopens only by an administrator, with a decision number and a reason, and only while the
next year holds nothing but the lines the runs opened, untouched: the runs are then undone, each
removal an audit event, and the run rows stay, marked reopened.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, and_, case, cast, func, insert, or_, select
from sqlalchemy.orm import Session

from ledger.domain import clock
from ledger.domain import year_end as rules
from ledger.domain.errors import NotFound, ValidationError, problem
from ledger.domain.formatting import format_date
from ledger.domain.validation import Problems
from ledger.services.reference import unit_by_code
from ledger.services.shared import writer
from ledger.store import audit
from ledger.store.access import SYSTEM, Actor, current_user, require_admin, require_writer, scope_unit_ids, subtree
from ledger.store.db import Database
from ledger.store.models import (
    AUDITED_MODELS,
    Acceptance,
    Adjustment,
    AuditEvent,
    BudgetLine,
    Commitment,
    Contribution,
    FiscalYear,
    Payment,
    Unit,
    YearEndEntry,
    YearEndRun,
    utcnow,
)

CARRIED_VOUCHER = "CN/"  # the voucher prefix of an advance moved into the next year with its contract


@dataclass(frozen=True)
class LinePreview:
    line_id: int
    code: str
    unit_code: str
    description: str
    category_code: str
    source_code: str
    allocated: int
    paid: int
    carried: int
    cancelled: int
    parts: tuple[rules.Part, ...]
    refunds: tuple[tuple[int, str, int], ...]


@dataclass(frozen=True)
class YearEndPreview:
    year: int
    unit_code: str | None
    rule_set: rules.RuleSet
    lines: tuple[LinePreview, ...]
    blockers: tuple[Any, ...]  # problems that keep the run from being applied now

    @property
    def carried(self) -> int:
        return sum(line.carried for line in self.lines)

    @property
    def cancelled(self) -> int:
        return sum(line.cancelled for line in self.lines)

    @property
    def refunds(self) -> int:
        return sum(amount for line in self.lines for _, _, amount in line.refunds)

    @property
    def refund_deadline(self) -> dt.date:
        return rules.refund_deadline(self.year)


def _total(column):
    return func.coalesce(cast(func.sum(column), BigInteger), 0)


def _scope(session: Session, actor: Actor, unit_code: str | None, *, write: bool) -> tuple[Unit | None, set[int] | None]:
    """The unit a run is for (None: all) and the unit ids it covers, checked for the actor."""
    unit = None
    if unit_code:
        unit = unit_by_code(session, unit_code.strip())
        if unit is None:
            raise NotFound(problem("unit.unknown", value=unit_code))
    if write:
        if unit is None or actor == SYSTEM or current_user(session, actor).role == "admin":
            require_admin(session, actor)
        else:
            require_writer(session, actor, unit.id)
    ids = subtree(session, unit.id) if unit is not None else None
    readable = scope_unit_ids(session, actor)
    if readable is not None:
        if unit is not None and unit.id not in readable:  # outside the scope looks like no such unit
            raise NotFound(problem("unit.unknown", value=unit_code))
        ids = readable if ids is None else ids & readable
    return unit, ids


def _figures(session: Session, year: int, ids: set[int] | None) -> list[tuple[BudgetLine, rules.LineAtYearEnd]]:
    """Every line of ``year`` in ``ids`` not closed yet, with its year-end figures: six aggregates."""
    lines = [line for line in session.scalars(select(BudgetLine).where(BudgetLine.year == year, BudgetLine.closed_run_id.is_(None)).order_by(BudgetLine.code)) if ids is None or line.unit_id in ids]
    wanted = {line.id for line in lines}
    late_day = dt.date(year, 9, 30)
    adjustments = {
        row[0]: row[1:] for row in session.execute(
            select(Adjustment.line_id, _total(Adjustment.amount), _total(case((Adjustment.date > late_day, Adjustment.amount), else_=0)))
            .join(BudgetLine, BudgetLine.id == Adjustment.line_id).where(BudgetLine.year == year).group_by(Adjustment.line_id)
        )
    }
    paid = dict(session.execute(select(Payment.line_id, _total(Payment.amount)).where(Payment.year == year).group_by(Payment.line_id)).all())
    contributions = dict(session.execute(select(Contribution.line_id, _total(Contribution.amount)).where(Contribution.year == year).group_by(Contribution.line_id)).all())
    on_commitments = defaultdict(lambda: [0, 0])
    for commitment_id, kind, amount in session.execute(
        select(Payment.commitment_id, Payment.kind, _total(Payment.amount)).where(Payment.year == year, Payment.commitment_id.is_not(None)).group_by(Payment.commitment_id, Payment.kind)
    ):
        on_commitments[commitment_id][0 if kind == "TAM_UNG" else 1] += amount
    accepted = dict(session.execute(
        select(Acceptance.commitment_id, _total(Acceptance.accepted_value)).join(Commitment, Commitment.id == Acceptance.commitment_id).where(Commitment.year == year).group_by(Acceptance.commitment_id)
    ).all())
    commitments = defaultdict(list)
    for c in session.execute(select(Commitment.id, Commitment.line_id, Commitment.reference, Commitment.status, Commitment.value, Commitment.signed_on).where(Commitment.year == year).order_by(Commitment.id)):
        if c.line_id in wanted:
            advanced, regular = on_commitments.get(c.id, (0, 0))
            commitments[c.line_id].append(rules.CommitmentAtYearEnd(c.id, c.reference, c.status, c.value, c.signed_on, advanced + regular, advanced, accepted.get(c.id, 0)))
    result = []
    for line in lines:
        total, late = adjustments.get(line.id, (0, 0))
        result.append((line, rules.LineAtYearEnd(line.id, year, line.source_code, line.original_estimate + total, paid.get(line.id, 0), late, contributions.get(line.id, 0), tuple(commitments[line.id]))))
    return result


def _blockers(session: Session, year: int, today: dt.date) -> list[Any]:
    found = []
    if session.get(FiscalYear, year) is None:
        found.append(problem("year.unknown", year=year))
    elif not rules.may_run_year_end(year, today):
        found.append(problem("year_end.too_early", year=year, date=format_date(rules.closing_end(year))))
    return found


def _preview(session: Session, actor: Actor, year: int, unit_code: str | None, write: bool) -> tuple[YearEndPreview, list]:
    unit, ids = _scope(session, actor, unit_code, write=write)
    rule_set = rules.rule_set(year)
    units = {u.id: u.code for u in session.scalars(select(Unit))}
    shown, figures = [], _figures(session, year, ids)
    for line, state in figures:
        outcome = rules.line_outcome(state, rule_set)
        shown.append(LinePreview(line.id, line.code, units.get(line.unit_id, ""), line.description, line.category_code, line.source_code, state.allocated, state.paid, outcome.carried, outcome.cancelled, outcome.parts, outcome.refunds))
    preview = YearEndPreview(year, unit.code if unit else None, rule_set, tuple(shown), tuple(_blockers(session, year, clock.today())))
    return preview, figures


def preview(db: Database, actor: Actor, year: int, unit_code: str | None = None) -> YearEndPreview:
    """What the run would do for ``year`` (in ``unit_code``'s subtree, or for all units in scope)."""
    with db.read() as session:
        return _preview(session, actor, year, unit_code, write=False)[0]


# --- apply ----------------------------------------------------------------------------------------

class _Run:
    """What one apply keeps: the actor, the next year's codes already taken, the year's open
    commitments, and the audit events, appended together at the end (one flush and one multi-row
    insert instead of one of each per event; ``audit.AuditAppender`` hashes them as ``record`` does)."""

    def __init__(self, session: Session, actor: Actor, year: int, line_ids: set[int], at: dt.datetime | None):
        self.session, self.actor, self.year = session, actor, year
        self.moment = (at or utcnow()).replace(microsecond=0)  # rows' created_at and the events' clock
        nxt = year + 1
        self.line_codes = set(session.scalars(select(BudgetLine.code).where(BudgetLine.year == nxt)))
        self.references = set(session.scalars(select(Commitment.reference).where(Commitment.year == nxt)))
        self.vouchers = {y: set(session.scalars(select(Payment.voucher_no).where(Payment.year == y, Payment.voucher_no.startswith(CARRIED_VOUCHER)))) for y in (year, nxt)}
        self.commitments = {c.id: c for c in session.scalars(select(Commitment).where(Commitment.year == year, Commitment.status.in_(("draft", "signed")))) if c.line_id in line_ids}
        self.events: list[tuple[str, Any, dict[str, Any] | None]] = []
        self.types = {model: name for name, model in AUDITED_MODELS.items()}

    def record(self, action: str, obj: Any, before: dict[str, Any] | None) -> None:
        self.events.append((action, obj, before))

    def write_events(self) -> None:
        self.session.flush()
        appender = audit.AuditAppender(self.session, self.actor.username, self.moment)
        rows = [appender.append(action, self.types[type(obj)], audit.entity_key(obj), before, audit.snapshot(obj)) for action, obj, before in self.events]
        for start in range(0, len(rows), 5000):
            self.session.execute(insert(AuditEvent), rows[start:start + 5000])
        appender.done(self.session)


def _free(taken: set[str], wanted: str, limit: int) -> str:
    """``wanted`` if not taken yet, else with '/CN' (and a number) appended; then taken."""
    candidate, n = wanted[:limit], 1
    while candidate in taken:
        candidate = f"{wanted}/CN{'' if n == 1 else n}"[-limit:]
        n += 1
    taken.add(candidate)
    return candidate


def _open_line(run: _Run, line: BudgetLine, amount: int) -> BudgetLine:
    new = BudgetLine(
        year=line.year + 1, code=_free(run.line_codes, line.code, 32),
        unit_id=line.unit_id, description=line.description, category_code=line.category_code, source_code=line.source_code,
        sector_code=line.sector_code, sub_item=line.sub_item, policy_id=line.policy_id, original_estimate=amount,
        created_at=run.moment, created_by=run.actor.username, carried_from_id=line.id,
    )
    run.session.add(new)
    run.session.flush()  # its id, for the commitments carried onto it
    run.record("year_end.open_line", new, None)
    return new


def _advance(run: _Run, commitment: Commitment, year: int, line_id: int, amount: int, when: dt.date, action: str) -> None:
    voucher = _free(run.vouchers[year], f"{CARRIED_VOUCHER}{commitment.reference}", 64)
    payment = Payment(year=year, voucher_no=voucher, date=when, kind="TAM_UNG", commitment_id=commitment.id, line_id=line_id, amount=amount, excess_amount=0, note="year end", created_at=run.moment, created_by=run.actor.username)
    run.session.add(payment)
    run.record(action, payment, None)


def _carry_commitment(run: _Run, commitment: Commitment, new_line: BudgetLine, remainder: int, advance: int) -> None:
    year = commitment.year
    if advance:
        _advance(run, commitment, year, commitment.line_id, -advance, dt.date(year, 12, 31), "year_end.move_advance")
    follow = Commitment(
        kind=commitment.kind, year=year + 1, reference=_free(run.references, commitment.reference, 64),
        line_id=new_line.id, description=commitment.description, policy_id=commitment.policy_id, stage_code=commitment.stage_code,
        press_agency_id=commitment.press_agency_id, vendor=commitment.vendor, service_type=commitment.service_type,
        signed_on=commitment.signed_on, start_date=commitment.start_date, end_date=commitment.end_date, participants=commitment.participants,
        topic=commitment.topic, total_value=remainder + advance, value=remainder + advance, status="signed", excess_amount=0, version=1,
        created_at=run.moment, created_by=run.actor.username, carried_from_id=commitment.id,
    )
    run.session.add(follow)
    run.record("year_end.carry_commitment", follow, None)
    if advance:
        run.session.flush()  # its id, for the advance it goes on with
        _advance(run, follow, year + 1, new_line.id, advance, dt.date(year + 1, 1, 1), "year_end.carry_advance")


def _end_commitment(run: _Run, commitment: Commitment, state: rules.CommitmentAtYearEnd) -> None:
    """A carried commitment is closed out in its year at what was accepted (as a close-out is): what
    remains goes on in the next year. One that does not carry keeps its status in the closed year
    (its advance not cleared is on the preview's list to refund by 15/02)."""
    before = audit.snapshot(commitment)
    commitment.status, commitment.final_value = "closed", state.accepted
    commitment.version += 1
    run.record("year_end.end_commitment", commitment, before)


def _apply_line(run: _Run, year_run: YearEndRun, line: BudgetLine, state: rules.LineAtYearEnd, outcome: rules.LineOutcome) -> None:
    new_line = _open_line(run, line, outcome.carried) if outcome.carried else None
    remainders, advances = defaultdict(int), defaultdict(int)
    for part in outcome.parts:
        if part.basis == "commitment":
            remainders[part.commitment_id] += part.amount
        elif part.basis == "advance":
            advances[part.commitment_id] += part.amount
    states = {c.commitment_id: c for c in state.commitments}
    for commitment_id in sorted(set(remainders) | set(advances)):
        _carry_commitment(run, run.commitments[commitment_id], new_line, remainders[commitment_id], advances[commitment_id])
        _end_commitment(run, run.commitments[commitment_id], states[commitment_id])
    for part in outcome.parts:
        entry = YearEndEntry(run_id=year_run.id, line_id=line.id, kind=part.kind, basis=part.basis, amount=part.amount, commitment_id=part.commitment_id, new_line_id=new_line.id if new_line and part.kind == "carry" else None)
        run.session.add(entry)
        run.record(f"year_end.{part.kind}", entry, None)
    before = audit.snapshot(line)
    line.closed_run_id = year_run.id
    run.record("year_end.close_line", line, before)


@writer
def apply_year_end(session: Session, actor: Actor, year: int, unit_code: str | None = None, decision_no: Any = None, *, at: dt.datetime | None = None) -> YearEndRun | None:
    """Apply the run for ``year`` (a unit subtree, or all units); None when nothing is left to close.
    ``at``: the moment its rows and events carry (a deterministic demo load gives its own)."""
    found = Problems()
    decision = found.text(decision_no, "decision_no", "số quyết định", limit=64)
    found.raise_if_any()
    shown, figures = _preview(session, actor, year, unit_code, write=True)
    if shown.blockers:
        raise ValidationError(*shown.blockers)
    if not figures:
        return None
    unit = unit_by_code(session, unit_code.strip()) if unit_code else None
    run = _Run(session, actor, year, {line.id for line, _ in figures}, at)
    year_run = YearEndRun(year=year, unit_id=unit.id if unit else None, rule_set=shown.rule_set.code, decision_no=decision, status="applied", carried=shown.carried, cancelled=shown.cancelled, created_at=run.moment, created_by=actor.username)
    session.add(year_run)
    session.flush()
    run.record("year_end.run", year_run, None)
    if shown.carried and session.get(FiscalYear, year + 1) is None:
        next_year = FiscalYear(year=year + 1, is_open=True)
        session.add(next_year)
        session.flush()  # before the lines that name it (no relationship orders them)
        run.record("fiscal_year.open", next_year, None)
    for line, state in figures:
        _apply_line(run, year_run, line, state, rules.line_outcome(state, shown.rule_set))
    session.flush()
    if session.scalar(select(BudgetLine.id).where(BudgetLine.year == year, BudgetLine.closed_run_id.is_(None)).limit(1)) is None:
        fiscal_year = session.get(FiscalYear, year)
        if fiscal_year.is_open:
            before = audit.snapshot(fiscal_year)
            fiscal_year.is_open = False
            run.record("fiscal_year.close", fiscal_year, before)
    run.write_events()
    return year_run


# --- reopen ---------------------------------------------------------------------------------------
def _remove(session: Session, actor: Actor, action: str, row: Any) -> None:
    """Delete a row the run wrote, recording its last state (an undo, by decision, never a silent one)."""
    entity = next(name for name, model in AUDITED_MODELS.items() if isinstance(row, model))
    audit.record(session, actor.username, action, entity, audit.entity_key(row), audit.snapshot(row), None)
    session.delete(row)


def _next_year_untouched(session: Session, year: int) -> bool:
    """Whether ``year`` + 1 holds nothing but the carried lines, their carried commitments and the
    advances moved with them."""
    nxt = year + 1
    others = [
        select(BudgetLine.id).where(BudgetLine.year == nxt, BudgetLine.carried_from_id.is_(None)),
        select(Adjustment.id).join(BudgetLine, BudgetLine.id == Adjustment.line_id).where(BudgetLine.year == nxt),
        select(Commitment.id).where(Commitment.year == nxt, or_(Commitment.carried_from_id.is_(None), Commitment.version != 1)),
        select(Payment.id).where(Payment.year == nxt, or_(Payment.commitment_id.is_(None), Payment.note != "year end", ~Payment.voucher_no.startswith(CARRIED_VOUCHER))),
        select(Acceptance.id).join(Commitment, Commitment.id == Acceptance.commitment_id).where(Commitment.year == nxt),
        select(Contribution.id).where(Contribution.year == nxt),
    ]
    return all(session.scalar(query.limit(1)) is None for query in others)


@writer
def reopen_year(session: Session, actor: Actor, year: int, decision_no: Any, reason: Any) -> list[YearEndRun]:
    """Undo the year-end runs of ``year`` (administrator; a decision number and a reason)."""
    require_admin(session, actor)
    found = Problems()
    decision = found.text(decision_no, "decision_no", "số quyết định", limit=64)
    why = found.text(reason, "reason", "lý do", limit=2000)
    found.raise_if_any()
    runs = list(session.scalars(select(YearEndRun).where(YearEndRun.year == year, YearEndRun.status == "applied")))
    if not runs:
        raise ValidationError(problem("year_end.nothing_to_reopen", year=year))
    run_ids = [run.id for run in runs]
    entries = list(session.scalars(select(YearEndEntry).where(YearEndEntry.run_id.in_(run_ids))))
    new_lines = sorted({entry.new_line_id for entry in entries if entry.new_line_id})
    follows = list(session.scalars(select(Commitment).where(Commitment.line_id.in_(new_lines)))) if new_lines else []
    if not _next_year_untouched(session, year):
        raise ValidationError(problem("year_end.next_year_used", year=year, next=year + 1))
    for payment in session.scalars(select(Payment).where(Payment.note == "year end", Payment.voucher_no.startswith(CARRIED_VOUCHER), or_(Payment.year == year + 1, and_(Payment.year == year, Payment.amount < 0)))):
        _remove(session, actor, "year_end.undo_advance", payment)
    for follow in follows:
        _remove(session, actor, "year_end.undo_commitment", follow)
    for entry in entries:
        _remove(session, actor, "year_end.undo_entry", entry)
    session.flush()
    for line_id in new_lines:
        _remove(session, actor, "year_end.undo_line", session.get(BudgetLine, line_id))
    _restore_commitments(session, actor, year, [line.id for line in session.scalars(select(BudgetLine).where(BudgetLine.closed_run_id.in_(run_ids)))])
    for line in session.scalars(select(BudgetLine).where(BudgetLine.closed_run_id.in_(run_ids))):
        before = audit.snapshot(line)
        line.closed_run_id = None
        audit.record_change(session, actor.username, "year_end.reopen_line", line, before)
    for run in runs:
        before = audit.snapshot(run)
        run.status, run.reopen_decision_no, run.reopen_reason = "reopened", decision, why
        audit.record_change(session, actor.username, "year_end.reopen", run, before)
    fiscal_year = session.get(FiscalYear, year)
    if not fiscal_year.is_open:
        before = audit.snapshot(fiscal_year)
        fiscal_year.is_open = True
        audit.record_change(session, actor.username, "fiscal_year.reopen", fiscal_year, before)
    return runs


def _restore_commitments(session: Session, actor: Actor, year: int, line_ids: list[int]) -> None:
    """Give the year's commitments back the status they had before the run, from the audit trail."""
    if not line_ids:
        return
    for commitment in session.scalars(select(Commitment).where(Commitment.year == year, Commitment.line_id.in_(line_ids))):
        event = session.scalar(
            select(AuditEvent).where(AuditEvent.entity_type == "commitment", AuditEvent.entity_id == str(commitment.id), AuditEvent.action == "year_end.end_commitment").order_by(AuditEvent.seq.desc()).limit(1)
        )
        if event is None:
            continue
        earlier = json.loads(event.before)
        before = audit.snapshot(commitment)
        commitment.status, commitment.final_value = earlier["status"], earlier.get("final_value")
        commitment.version += 1
        audit.record_change(session, actor.username, "year_end.restore_commitment", commitment, before)
