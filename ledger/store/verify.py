"""Verify the audit trail: the hash chain, then every audited row against the state its latest event
recorded, streaming, so memory stays flat however large the ledger (``python -m ledger verify``).

Each pass is a stream the database orders, read without the ORM in batches of ``BATCH``:

1. the chain in ``seq`` order: each event's number, previous-hash link and hash (``audit.compute_hash``
   over the Core row, which has the event's fields); only the last hash is kept;
2. per audited table (``AUDITED_MODELS`` order), a merge of two streams in the same key order: the
   latest event of each entity of that type, and the table's rows (``audit.snapshot_values``, the
   rules of ``audit.snapshot``). The key is the ``entity_id`` text (``audit.key_of``), ordered code
   point by code point on both backends (SQLite's BINARY, PostgreSQL's "C" collation, whatever the
   column's own), the order in which Python compares strings, so the merge holds one event and one
   row at a time; a key out of that order stops ``verify`` with an error rather than a wrong answer.

The first finding is reported, in this order: the first chain problem by ``seq``; else the first row
of the first table (in the order above) with no event or unlike its latest event; else, among the
rows deleted behind the ledger's back, the one whose latest event is the earliest. The messages are
those of the earlier, in-memory ``verify``; its row order within a table was the scan order of the
database, now it is the key order.

Last, the year end's invariant (``year_end_invariant``): every line a year-end run closed balances,
allocated = paid + carried over + cancelled, one SQL aggregate per closed year.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, cast, func, inspect, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement, Select

from ledger.i18n import t
from ledger.store.audit import GENESIS_HASH, compute_hash, key_of, snapshot_values
from ledger.store.models import (
    AUDITED_MODELS,
    Adjustment,
    AuditEvent,
    Base,
    BudgetLine,
    Payment,
    YearEndEntry,
    YearEndRun,
)

BATCH = 5000  # rows per fetch: large enough to amortise the round trip, small enough to stay flat


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    events: int
    head_hash: str
    rows: int
    broken_seq: int | None = None
    reason: str = ""

    def summary(self) -> str:
        if self.ok:
            return f"OK: {self.events} events, {self.rows} audited rows match, head {self.head_hash}"
        if self.broken_seq is None:  # a row with no event at all: there is no event to name
            return f"BROKEN: {self.reason}"
        return f"BROKEN at event {self.broken_seq}: {self.reason}"


@dataclass(frozen=True)
class _Finding:
    seq: int | None
    reason: str


def verify(session: Session) -> VerifyResult:
    """Walk the chain, then compare every audited row with the latest state its events record."""
    events, head, broken = _walk_chain(session)
    if broken is not None:
        return VerifyResult(False, events, head, 0, broken.seq, broken.reason)
    rows = 0
    deleted: _Finding | None = None  # of all tables: a row gone missing is reported only if none is wrong
    for entity_type, model in AUDITED_MODELS.items():
        seen, wrong, gone = _check_table(session, entity_type, model)
        rows += seen
        if wrong is not None:
            return VerifyResult(False, events, head, rows, wrong.seq, wrong.reason)
        if gone is not None and (deleted is None or gone.seq < deleted.seq):
            deleted = gone
    if deleted is not None:
        return VerifyResult(False, events, head, rows, deleted.seq, deleted.reason)
    unbalanced = year_end_invariant(session)
    if unbalanced is not None:
        return VerifyResult(False, events, head, rows, None, unbalanced)
    return VerifyResult(True, events, head, rows)


def year_end_invariant(session: Session, lang: str = "en") -> str | None:
    """For every line a year-end run closed: allocated = paid + carried over + cancelled, to the đồng.
    One aggregate per year with an applied run; the first line that does not balance, as a sentence."""
    years = session.scalars(select(YearEndRun.year).where(YearEndRun.status == "applied").distinct().order_by(YearEndRun.year))
    for year in list(years):
        lines = select(BudgetLine.id).where(BudgetLine.year == year, BudgetLine.closed_run_id.is_not(None))
        adjusted = _per_line(lines, Adjustment.line_id, Adjustment.amount)
        paid = _per_line(lines, Payment.line_id, Payment.amount, Payment.year == year)
        ended = _per_line(lines, YearEndEntry.line_id, YearEndEntry.amount)
        gap = (BudgetLine.original_estimate + func.coalesce(adjusted.c.total, 0) - func.coalesce(paid.c.total, 0) - func.coalesce(ended.c.total, 0))
        found = session.execute(
            select(BudgetLine.code, gap)
            .outerjoin(adjusted, adjusted.c.line_id == BudgetLine.id).outerjoin(paid, paid.c.line_id == BudgetLine.id).outerjoin(ended, ended.c.line_id == BudgetLine.id)
            .where(BudgetLine.year == year, BudgetLine.closed_run_id.is_not(None), gap != 0)
            .order_by(BudgetLine.code).limit(1)
        ).first()
        if found is not None:
            return t("verify.year_end_unbalanced", lang, line=found[0], year=year, gap=int(found[1]))
    return None


def _per_line(lines: Select, line_column: Any, amount: Any, *where: Any) -> Any:
    """SUM(amount) per line of ``lines``, as a subquery to join."""
    return select(line_column.label("line_id"), func.sum(amount).label("total")).where(line_column.in_(lines), *where).group_by(line_column).subquery()


def _walk_chain(session: Session) -> tuple[int, str, _Finding | None]:
    """Events read, the last good hash, and the first broken link (or None)."""
    prev_hash = GENESIS_HASH
    count = 0
    for event in _stream(session, select(AuditEvent.__table__).order_by(AuditEvent.seq)):
        count += 1
        if event.seq != count:
            return count, prev_hash, _Finding(event.seq, f"event {count} is missing (next found: {event.seq})")
        if event.prev_hash != prev_hash:
            return count, prev_hash, _Finding(event.seq, "its previous-hash link does not match the event before it (an event was removed or changed)")
        if compute_hash(prev_hash, event) != event.hash:
            return count, prev_hash, _Finding(event.seq, "its content no longer matches its hash (the event was changed)")
        prev_hash = event.hash
    return count, prev_hash, None


def _check_table(session: Session, entity_type: str, model: type[Base]) -> tuple[int, _Finding | None, _Finding | None]:
    """Rows read, the first wrong row (reading stops there, that row counted) and, of the rows gone
    missing, the one whose latest event is the earliest."""
    seen = 0
    deleted: _Finding | None = None
    for key, event, state in _merge(_latest_events(session, entity_type), _rows(session, model)):
        if state is _GONE:
            if event.after is not None and (deleted is None or event.seq < deleted.seq):
                deleted = _Finding(event.seq, f"{entity_type} {key} recorded by this event is missing (row deleted behind the ledger's back)")
            continue
        seen += 1
        if event is None:
            return seen, _Finding(None, f"{entity_type} {key} has no audit event (row added behind the ledger's back)"), deleted
        recorded = json.loads(event.after) if event.after else None
        if recorded != state:
            return seen, _Finding(event.seq, f"{entity_type} {key} no longer matches the state this event recorded (row changed behind the ledger's back)"), deleted
    return seen, None, deleted


_GONE = object()  # the state of an entity whose events name it but whose row is not in the table


def _merge(events: Iterator[Any], rows: Iterator[tuple[str, dict[str, Any]]]) -> Iterator[tuple[str, Any, Any]]:
    """Full outer merge of two streams in the same key order: ``(key, latest event or None, state or
    _GONE)``."""
    event = next(events, None)
    for key, state in rows:
        while event is not None and event.entity_id < key:
            yield event.entity_id, event, _GONE
            event = next(events, None)
        if event is not None and event.entity_id == key:
            yield key, event, state
            event = next(events, None)
        else:
            yield key, None, state
    if event is not None:
        yield event.entity_id, event, _GONE
    for event in events:
        yield event.entity_id, event, _GONE


def _latest_events(session: Session, entity_type: str) -> Iterator[Any]:
    """The latest event (entity_id, seq, after) of each entity of ``entity_type``, in key order."""
    statement = (
        select(AuditEvent.entity_id, AuditEvent.seq, AuditEvent.after)
        .where(AuditEvent.entity_type == entity_type)
        .order_by(_by_code_point(session, AuditEvent.entity_id), AuditEvent.seq)
    )
    latest = None
    for event in _stream(session, statement):
        if latest is not None and event.entity_id != latest.entity_id:
            _in_order(latest.entity_id, event.entity_id)
            yield latest
        latest = event
    if latest is not None:
        yield latest


def _rows(session: Session, model: type[Base]) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(entity_id, snapshot)`` of every row of ``model``, in key order."""
    mapper = inspect(model)
    columns = list(mapper.columns)
    positions = [columns.index(column) for column in mapper.primary_key]
    statement = select(*columns).order_by(_by_code_point(session, _key_expression(mapper.primary_key)))
    previous = None
    for row in _stream(session, statement):
        key = key_of(row[i] for i in positions)
        if previous is not None:
            _in_order(previous, key)
        previous = key
        yield key, snapshot_values(model, row)


def _key_expression(primary_key: tuple[ColumnElement, ...]) -> ColumnElement:
    """The SQL twin of ``audit.key_of``: the primary key as ``entity_id`` text."""
    expression: ColumnElement = cast(primary_key[0], String)
    for column in primary_key[1:]:
        expression = expression + literal(":") + cast(column, String)
    return expression


CODE_POINT_COLLATIONS = {"sqlite": "BINARY", "postgresql": "C"}  # byte order of UTF-8 = code-point order


def _by_code_point(session: Session, expression: ColumnElement) -> ColumnElement:
    """Order text as Python compares it, whatever collation the column or the database has (a locale's
    may put "Đ" next to "D" or skip punctuation): BINARY on SQLite, "C" on PostgreSQL."""
    return expression.collate(CODE_POINT_COLLATIONS[session.get_bind().dialect.name])


def _in_order(before: str, after: str) -> None:
    # The merge is only right if the database sorted as Python compares; never trust it silently.
    if not before < after:
        raise RuntimeError(f"verify: the database returned keys out of code-point order ({before!r} before {after!r})")


def _stream(session: Session, statement: Select) -> Iterator[Any]:
    """Core rows in batches (a server-side cursor on PostgreSQL) on the session's connection, in its
    transaction: no ORM identity map to grow, nor ORM result processing to pay for. A stream left
    unfinished (a finding stops the reading) is closed when its generator is."""
    with session.connection().execute(statement.execution_options(yield_per=BATCH)) as result:
        yield from result
