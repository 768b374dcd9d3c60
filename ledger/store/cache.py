"""Per-transaction caches: what a transaction has read once, kept up to date as its rows apply.

A bulk import runs thousands of service calls in one write transaction; each would otherwise re-read
the unit tree, the actor, the audit head and a line's sums. The caches live on ``session.info`` of
the sessions ``Database`` hands out (others get none, and the callers read the database each time):

- the unit tree, every unit row loaded once (``access`` reads it; a unit flushed drops it);
- the actor's user row, read together with the audit head in one statement (``access``);
- the audit head (seq, hash): write transactions only, advanced by ``audit.record``;
- line and commitment balances (``balances``), computed once and moved by each row the session
  flushes (a payment adds its amount to its line's and its commitment's figures; a commitment
  whose status or value changes is read again);
- rows found by natural key (a line by year and code, a commitment by year and reference), and
  the voucher numbers of a year when a bulk caller primed them (``prime_numbers``);
- in a batched transaction (``ledger.store.batch``), the id allocators, and the rows whose figures
  moved when they were recorded (``apply_now``) rather than when flushed, so none counts twice.

Nothing survives the transaction: the caches are dropped when it ends, and whenever a SAVEPOINT
rolls back (what it wrote, and so what the caches learnt from it, is undone). A statement run
through the session that the caches cannot follow (a Core INSERT, UPDATE or DELETE, as a bulk load
runs) drops them all, the audit head included; a writer going round the session (its connection)
must call ``drop`` itself.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from ledger.domain.rules import CommitmentBalance, LineBalance, held
from ledger.store.models import Acceptance, Adjustment, BudgetLine, Commitment, Contribution, Payment, Unit

MANAGED = "ledger.managed"  # set on the sessions of ``Database``: they keep caches
WRITING = "ledger.writing"  # set on write transactions (under the write lock): they keep the audit head
BATCHED = "ledger.batched"  # set on a write transaction whose rows are not flushed one by one (``batch``)
_KEY = "ledger.cache"


@dataclass
class TransactionCache:
    """What one transaction keeps. Rows are held here so the identity map keeps them too
    (``session.get`` of a held row costs no statement)."""

    units: dict[int, Unit] | None = None
    children: dict[int | None, list[int]] | None = None
    subtrees: dict[int, frozenset[int]] = field(default_factory=dict)
    users: dict[int, Any] = field(default_factory=dict)
    head: tuple[int, str] | None = None
    lines: dict[int, LineBalance] = field(default_factory=dict)
    commitments: dict[int, CommitmentBalance] = field(default_factory=dict)
    rows: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    numbers: dict[tuple[str, int], set[str]] = field(default_factory=dict)
    ids: dict[type, Any] = field(default_factory=dict)
    # Rows whose figures ``apply_now`` moved already (by ``id()``, with the row: it stays alive), and
    # commitments with the money state (status, value, final value, line) the figures reflect.
    applied: dict[int, Any] = field(default_factory=dict)
    settled: dict[int, tuple[Any, tuple]] = field(default_factory=dict)

    def forget_money(self) -> None:
        self.lines.clear()
        self.commitments.clear()
        self.rows.clear()
        self.numbers.clear()

    def forget_units(self) -> None:
        self.units = self.children = None
        self.subtrees.clear()


def of(session: Session) -> TransactionCache | None:
    """The session's cache, or None for a session not made by ``Database`` (it reads every time)."""
    if not session.info.get(MANAGED):
        return None
    found = session.info.get(_KEY)
    if found is None:
        found = session.info[_KEY] = TransactionCache()
    return found


def writing(session: Session) -> bool:
    """Whether the session is a write transaction holding the ledger's write lock."""
    return bool(session.info.get(WRITING))


def drop(session: Session) -> None:
    session.info.pop(_KEY, None)


def remember_row(session: Session, key: tuple[Any, ...], row: Any) -> None:
    """Keep a row found by a natural key (``key`` names the table and the key's values)."""
    found = of(session)
    if found is not None:
        found.rows[key] = row


def row(session: Session, key: tuple[Any, ...]) -> Any:
    found = of(session)
    return found.rows.get(key) if found is not None else None


def by_key(session: Session, key: tuple[Any, ...], query: Any) -> Any:
    """A row found by a natural key: the one the transaction found already (no statement), else the
    first of ``query`` (a SELECT of one model), kept when found. A row not found is not kept: it
    may be made later in the transaction."""
    found = row(session, key)
    if found is None:
        found = session.scalars(query).first()
        if found is not None:
            remember_row(session, key, found)
    return found


def batched(session: Session) -> bool:
    """Whether the transaction is batched (``ledger.store.batch``): a bulk import, worth reading a
    whole year's keys once instead of one statement per row."""
    return bool(session.info.get(BATCHED))


def year_keys(session: Session, name: str, year: int | None, load: Any) -> set | None:
    """In a batched transaction, every natural key named ``name`` of ``year`` (commitment references,
    line codes, acceptances' (commitment, record number)), read once by ``load()``; rows made later
    join the set as they apply (``_applied``). None outside a batched transaction or without a year:
    the caller asks the database."""
    found = of(session) if year is not None and batched(session) else None
    if found is None:
        return None
    if (name, year) not in found.numbers:
        found.numbers[(name, year)] = set(load())
    return found.numbers[(name, year)]


def prime_numbers(session: Session, model, year: int) -> None:
    """Read once every voucher number of ``year`` in ``model`` (payments, contributions), for a bulk
    entry: the services' duplicate checks then cost no statement, and numbers flushed join the set."""
    found = of(session)
    if found is not None and (model.__tablename__, year) not in found.numbers:
        found.numbers[(model.__tablename__, year)] = set(session.scalars(select(model.voucher_no).where(model.year == year)))


def numbers(session: Session, model, year: int | None) -> set[str] | None:
    """The voucher numbers of ``year`` in ``model`` if a bulk caller primed them, else None."""
    found = session.info.get(_KEY) if year is not None else None
    return found.numbers.get((model.__tablename__, year)) if found is not None else None


# --- keeping balances up to date as rows are flushed -------------------------------------------------

def _move_line(found: TransactionCache, line_id: int | None, **deltas: int) -> None:
    balance = found.lines.get(line_id) if line_id is not None else None
    if balance is not None:
        found.lines[line_id] = dataclasses.replace(balance, **{k: getattr(balance, k) + v for k, v in deltas.items()})


def _move_commitment(found: TransactionCache, commitment_id: int | None, **deltas: int) -> None:
    balance = found.commitments.get(commitment_id) if commitment_id is not None else None
    if balance is not None:
        found.commitments[commitment_id] = dataclasses.replace(balance, **{k: getattr(balance, k) + v for k, v in deltas.items()})


def _line_of_commitment(session: Session, found: TransactionCache, commitment_id: int) -> int | None:
    """The line of a commitment already in the session, without a statement; None if unknown."""
    commitment = session.identity_map.get(session.identity_key(Commitment, (commitment_id,))) or found.rows.get(("commitment", commitment_id))
    return commitment.line_id if commitment is not None else None


def _join_keys(session: Session, found: TransactionCache, obj: Any) -> None:
    """A new row's natural key joins its year's set (``year_keys``) when the set was read."""
    if isinstance(obj, Commitment):
        joined, key = found.numbers.get(("commitments", obj.year)), obj.reference
    elif isinstance(obj, BudgetLine):
        joined, key = found.numbers.get(("budget_lines", obj.year)), obj.code
    elif isinstance(obj, Acceptance):
        commitment = found.rows.get(("commitment", obj.commitment_id))
        joined = found.numbers.get(("acceptances", commitment.year)) if commitment is not None else None
        key = (obj.commitment_id, obj.record_no)
        if joined is None and commitment is None:  # its year unknown: every year's set may now be short
            for name, year in [k for k in found.numbers if k[0] == "acceptances"]:
                found.numbers.pop((name, year))
    else:
        return
    if joined is not None:
        joined.add(key)


def _applied(session: Session, found: TransactionCache, obj: Any) -> None:
    """Move the cached figures by a row just inserted."""
    if isinstance(obj, Payment | Contribution) and (obj.__tablename__, obj.year) in found.numbers:
        found.numbers[(obj.__tablename__, obj.year)].add(obj.voucher_no)
    _join_keys(session, found, obj)
    if isinstance(obj, Payment):
        direct = obj.amount if obj.commitment_id is None else 0
        _move_line(found, obj.line_id, paid=obj.amount, direct_paid=direct)
        _move_commitment(found, obj.commitment_id, **{"advanced" if obj.kind == "TAM_UNG" else "paid_regular": obj.amount})
    elif isinstance(obj, Adjustment):
        _move_line(found, obj.line_id, adjustments=obj.amount)
    elif isinstance(obj, Contribution):
        _move_line(found, obj.line_id, contributions=obj.amount)
    elif isinstance(obj, Acceptance):
        _move_commitment(found, obj.commitment_id, accepted=obj.accepted_value)
        line_id = _line_of_commitment(session, found, obj.commitment_id)
        if line_id is None:
            found.lines.clear()
        else:
            _move_line(found, line_id, accepted=obj.accepted_value)
    elif isinstance(obj, Commitment):
        _move_line(found, obj.line_id, committed=held(obj.status, obj.value or 0, obj.final_value))
    elif isinstance(obj, Unit):
        found.forget_units()


_MONEY_STATE = ("status", "value", "final_value", "line_id")  # what a commitment's figures depend on


def _money_state(commitment: Commitment) -> tuple:
    return tuple(getattr(commitment, name) for name in _MONEY_STATE)


def _changed(found: TransactionCache, obj: Any) -> None:
    """Drop what a changed or deleted row may have moved (read again when next needed)."""
    if isinstance(obj, Commitment):
        found.commitments.pop(obj.id, None)
        found.lines.pop(obj.line_id, None)
    elif isinstance(obj, BudgetLine):
        found.lines.pop(obj.id, None)
    elif isinstance(obj, Unit):
        found.forget_units()
    elif isinstance(obj, Payment | Adjustment | Contribution | Acceptance):
        found.forget_money()


def apply_now(session: Session, obj: Any, before: dict[str, Any] | None) -> None:
    """Move the figures by a row just recorded (``before`` None: created; else its state before the
    change), in a batched transaction where it is flushed later: the flush then leaves them alone.
    A commitment's change moves its line by what it holds now less what it held (``rules.held``)."""
    found = of(session)
    if found is None:
        return
    if before is None:
        found.applied[id(obj)] = obj
        _applied(session, found, obj)
        return
    if isinstance(obj, Commitment):
        old = tuple(before.get(name) for name in _MONEY_STATE)
        if old[3] == obj.line_id:
            _move_line(found, obj.line_id, committed=held(obj.status, obj.value or 0, obj.final_value) - held(old[0], old[1] or 0, old[2]))
        else:
            _changed(found, obj)
        found.settled[id(obj)] = (obj, _money_state(obj))
        return
    _changed(found, obj)


def _settled(found: TransactionCache, obj: Any) -> bool:
    """Whether the figures already reflect this changed row (``apply_now``), or its change moves none."""
    if not isinstance(obj, Commitment):
        return False
    known = found.settled.pop(id(obj), None)
    if known is not None and known[0] is obj:
        return known[1] == _money_state(obj)
    state = inspect(obj)
    return not any(state.attrs[name].history.has_changes() for name in _MONEY_STATE)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _flush_context: Any) -> None:
    found = session.info.get(_KEY)
    if found is None:
        return
    for obj in session.new:
        found.settled.pop(id(obj), None)
        if found.applied.pop(id(obj), None) is not obj:
            _applied(session, found, obj)
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=False) and not _settled(found, obj):
            _changed(found, obj)
    for obj in session.deleted:
        _changed(found, obj)


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: Any) -> None:
    if (state.is_insert or state.is_update or state.is_delete) and _KEY in state.session.info:
        drop(state.session)  # a bulk path wrote rows (and maybe audit events) the caches cannot follow


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, _previous: Any) -> None:
    drop(session)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        drop(session)
        # A later transaction of this session does not hold the write lock unless it takes it again.
        session.info.pop(WRITING, None)
        session.info.pop(BATCHED, None)
