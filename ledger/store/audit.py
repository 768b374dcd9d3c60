"""The hash-chained audit trail: append an event in the writer's transaction; the audited state of a row.

Each event's hash is SHA-256 over the previous hash and the event's canonical JSON, so changing or
removing any event breaks every hash after it. ``ledger.store.verify`` walks the chain and checks
that every audited row still equals the state (``snapshot``) its latest event recorded, so an UPDATE
or DELETE made behind the ledger's back is named by the event it contradicts.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from ledger.store import batch, cache
from ledger.store.models import AUDITED_MODELS, AuditEvent, Base, User

GENESIS_HASH = "0" * 64


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


# Built once: json.dumps would build an encoder for every call, and the chain encodes every event.
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_json_default)
_text = json.encoder.encode_basestring  # a JSON string literal, non-ASCII kept (as ensure_ascii=False)


def canonical_json(value: Any) -> str:
    """JSON with sorted keys, no spaces, non-ASCII kept: one text for one value, on every backend."""
    return _CANONICAL.encode(value)


def snapshot(obj: Base) -> dict[str, Any]:
    """The audited state of a row: its column values, JSON-ready. A password hash is fingerprinted
    (so tampering shows) but never copied into the trail. A column with ``info={"audit": "exclude"}``
    is left out (operational state such as a sign-in failure counter); one with ``audit_omit_if`` is
    left out while it holds that value (a column added later: older events still match the row)."""
    model = type(obj)
    return snapshot_values(model, [getattr(obj, column.key) for column in inspect(model).columns])


_KEEP = object()  # "no audit_omit_if": a marker no column value equals


@functools.cache
def _audited_columns(model: type[Base]) -> tuple[tuple[int, str, Any, bool], ...]:
    """Per audited column of ``model``: its position in ``inspect(model).columns``, its key, the value
    that leaves it out (or ``_KEEP``) and whether it is fingerprinted instead of copied."""
    return tuple(
        (index, column.key, column.info.get("audit_omit_if", _KEEP), column.key == "password_hash" and issubclass(model, User))
        for index, column in enumerate(inspect(model).columns)
        if column.info.get("audit") != "exclude"
    )


def snapshot_values(model: type[Base], values: Sequence[Any]) -> dict[str, Any]:
    """``snapshot`` of a row of ``model`` given as its values in ``inspect(model).columns`` order: the
    same rules for an ORM object and for a Core row (``verify`` reads the tables without the ORM)."""
    state: dict[str, Any] = {}
    for index, key, omit_if, fingerprinted in _audited_columns(model):
        value = values[index]
        if omit_if is not _KEEP and value == omit_if:
            continue
        if fingerprinted:
            state["password_fingerprint"] = hashlib.sha256(value.encode()).hexdigest()[:16] if value else None
            continue
        if isinstance(value, dt.datetime):
            value = value.replace(microsecond=0).isoformat()
        elif isinstance(value, dt.date):
            value = value.isoformat()
        state[key] = value
    return state


def entity_key(obj: Base) -> str:
    """The ``entity_id`` of a row: its identity once flushed, else its primary key as assigned
    (``ledger.store.batch`` assigns it before the flush)."""
    state = inspect(obj)
    return key_of(state.identity if state.identity is not None else state.mapper.primary_key_from_instance(obj))


def key_of(identity: Iterable[Any]) -> str:
    """The ``entity_id`` of the row whose primary key values are ``identity`` (in mapper order)."""
    return ":".join(str(v) for v in identity)


def digest(data: bytes | str) -> str:
    """SHA-256 hex of bytes or text: a report version's content hash, a key's fingerprint (hashing
    stays in this one module)."""
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def compute_hash(prev_hash: str, event: AuditEvent) -> str:
    """SHA-256 over the previous hash and the canonical JSON of the event's fields (seq, occurred_at,
    actor, action, entity_type, entity_id, before and after as JSON values).

    The event's ``before``/``after`` are stored as canonical JSON already, so they are spliced in
    as stored instead of parsed and encoded again: the same text, hence the same hash, for every
    event the ledger wrote, at a fraction of the cost (the chain is hashed on every ``verify``). A
    stored state edited into another spelling of the same JSON no longer matches its hash."""
    return hashlib.sha256((prev_hash + _payload_text(event)).encode()).hexdigest()


def _payload_text(event: AuditEvent) -> str:
    """The canonical JSON of the event's fields, built directly (keys in sorted order)."""
    return (
        f'{{"action":{_text(event.action)},"actor":{_text(event.actor)},'
        f'"after":{event.after or "null"},"before":{event.before or "null"},'
        f'"entity_id":{_text(event.entity_id)},"entity_type":{_text(event.entity_type)},'
        f'"occurred_at":{_text(event.occurred_at)},"seq":{int(event.seq)}}}'
    )


def head(session: Session) -> AuditEvent | None:
    """The last event, as the database holds it."""
    return session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).first()


def head_hash(session: Session) -> str:
    return _head_state(session)[1]


def head_columns():
    """The head's seq and hash as scalar subqueries, for a caller that reads them with something
    else in one statement (``access.current_user`` does, in a write transaction)."""
    last = select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    return last.with_only_columns(AuditEvent.seq).scalar_subquery(), last.with_only_columns(AuditEvent.hash).scalar_subquery()


def head_unknown(session: Session) -> bool:
    """Whether the transaction has yet to read the head (nothing kept for it)."""
    kept = cache.of(session)
    return kept is None or kept.head is None


def remember_head(session: Session, seq: int | None, hash_: str | None) -> None:
    """Keep the head for the rest of a write transaction (never in a read one: it could move)."""
    kept = cache.of(session)
    if kept is not None and cache.writing(session):
        kept.head = (seq or 0, hash_ or GENESIS_HASH)


def _head_state(session: Session) -> tuple[int, str]:
    """(seq, hash) of the head: kept by the write transaction, else read (0 and the genesis hash
    for an empty chain)."""
    kept = cache.of(session)
    if kept is not None and kept.head is not None and cache.writing(session):
        return kept.head
    last = session.execute(select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)).first()
    remember_head(session, *(last or (None, None)))
    return (last[0], last[1]) if last else (0, GENESIS_HASH)


def record(
    session: Session,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> AuditEvent:
    """Append one event. Must run inside the ledger's write transaction (which serialises writers);
    the head is read once per transaction and kept (``ledger.store.cache``). A batched transaction
    (``ledger.store.batch``) flushes nothing here: the event goes in with the next flush."""
    if not batch.active(session):
        session.flush()
    seq, prev_hash = _head_state(session)
    event = AuditEvent(
        seq=seq + 1,
        occurred_at=dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds"),
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        before=canonical_json(before) if before is not None else None,
        after=canonical_json(after) if after is not None else None,
        prev_hash=prev_hash,
    )
    event.hash = compute_hash(event.prev_hash, event)
    # Inserted with the next flush (the next row's, a query's, the commit's): one flush less per event.
    session.add(event)
    remember_head(session, event.seq, event.hash)
    return event


def record_change(session: Session, actor: str, action: str, obj: Base, before: dict[str, Any] | None) -> AuditEvent:
    """Append the event for a row just created (before=None) or changed. Flushed first, so that the
    snapshot holds what the database stores; in a batched transaction the row is given instead what
    its flush will store (``batch.prepare``) and the cached figures move now (``cache.apply_now``)."""
    if batch.active(session):
        batch.prepare(session, obj)
        cache.apply_now(session, obj, before)
    else:
        session.flush()
    entity_type = next(name for name, model in AUDITED_MODELS.items() if isinstance(obj, model))
    return record(session, actor, action, entity_type, entity_key(obj), before, snapshot(obj))


def record_update(session: Session, actor: str, action: str, obj: Base, values: Mapping[str, Any]) -> AuditEvent:
    """Set a row's columns to ``values`` (already validated) and append the event of that change."""
    before = snapshot(obj)
    for name, value in values.items():
        setattr(obj, name, value)
    return record_change(session, actor, action, obj, before)


def event_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


@dataclass(frozen=True)
class ChainHead:
    """Where the chain ends: the last event's seq and hash (0 and the genesis hash while it is
    empty) and how many events it holds."""

    seq: int
    hash: str
    events: int


def chain_head(session: Session) -> ChainHead:
    last = head(session)
    if last is None:
        return ChainHead(0, GENESIS_HASH, 0)
    return ChainHead(last.seq, last.hash, event_count(session))


# --- many events in one transaction: the bulk path (``ledger.store.bulk``) -----------------------


class AuditAppender:
    """The events ``record`` appends, built many at a time for a bulk load in one write transaction.

    The head is read once (the transaction serialises writers, so it cannot move); states are
    given as ``snapshot``/``snapshot_values`` dicts and stored as ``canonical_json``; each event is
    hashed by ``compute_hash``, as ``record`` does. The clock is given: event ``n`` of the load
    occurs ``n`` microseconds after ``start`` (or after the existing head, if later), so the same
    load into the same ledger gives the same hashes. ``append`` returns the ``audit_events`` row;
    the caller inserts it in the same transaction, after the rows it names."""

    class _Pending:
        """An event's fields as ``compute_hash`` reads them (an ``AuditEvent`` costs far more to build)."""

        def __init__(self, **fields: Any):
            self.__dict__.update(fields)

    def __init__(self, session: Session, actor: str, start: dt.datetime):
        last = head(session)
        clock = start.replace(microsecond=0)
        if last is not None:  # events stay in time order: a load goes on after what is there
            clock = max(clock, dt.datetime.fromisoformat(last.occurred_at).replace(microsecond=0) + dt.timedelta(seconds=1))
        self.seq = last.seq + 1 if last else 1
        self.prev_hash = last.hash if last else GENESIS_HASH
        self.actor = actor
        self.clock = clock
        self.tick = 0
        self._second: tuple[int, str] = (-1, "")
        self._last: tuple[Any, str | None] = (None, None)  # the last ``after`` and its JSON: often the next ``before``

    def now(self) -> dt.datetime:
        """The moment of the next event, in whole seconds (the precision rows keep)."""
        return self.clock + dt.timedelta(seconds=self.tick // 1_000_000)

    def done(self, session: Session) -> None:
        """Keep the new head for the rest of the transaction: a later ``record`` chains on it."""
        remember_head(session, self.seq - 1, self.prev_hash)

    def _json(self, state: dict[str, Any] | None) -> str | None:
        if state is None:
            return None
        return self._last[1] if state is self._last[0] else canonical_json(state)

    def append(self, action: str, entity_type: str, entity_id: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any]:
        second, micro = divmod(self.tick, 1_000_000)
        if second != self._second[0]:
            self._second = (second, (self.clock + dt.timedelta(seconds=second)).isoformat(timespec="seconds"))
        event = self._Pending(
            seq=self.seq,
            occurred_at=f"{self._second[1]}.{micro:06d}",
            actor=self.actor,
            action=action,
            entity_type=entity_type,
            entity_id=str(entity_id),
            before=self._json(before),
            after=canonical_json(after) if after is not None else None,
            prev_hash=self.prev_hash,
        )
        self._last = (after, event.after)
        event.hash = self.prev_hash = compute_hash(self.prev_hash, event)
        self.seq += 1
        self.tick += 1
        return vars(event)
