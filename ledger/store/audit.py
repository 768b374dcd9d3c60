"""The hash-chained audit trail: append an event in the writer's transaction; verify the chain.

Each event's hash is SHA-256 over the previous hash and the event's canonical JSON, so changing or
removing any event breaks every hash after it. ``verify`` also checks that every audited row still
equals the state its latest event recorded, so an UPDATE or DELETE made behind the ledger's back
is named by the event it contradicts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from ledger.store.models import AUDITED_MODELS, AuditEvent, Base, User

GENESIS_HASH = "0" * 64


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


def snapshot(obj: Base) -> dict[str, Any]:
    """The audited state of a row: its column values, JSON-ready. A password hash is fingerprinted
    (so tampering shows) but never copied into the trail. A column with ``info={"audit": "exclude"}``
    is left out (operational state such as a sign-in failure counter); one with ``audit_omit_if`` is
    left out while it holds that value (a column added later: older events still match the row)."""
    state: dict[str, Any] = {}
    for column in inspect(type(obj)).columns:
        value = getattr(obj, column.key)
        if column.info.get("audit") == "exclude":
            continue
        if "audit_omit_if" in column.info and value == column.info["audit_omit_if"]:
            continue
        if column.key == "password_hash" and isinstance(obj, User):
            state["password_fingerprint"] = hashlib.sha256(value.encode()).hexdigest()[:16] if value else None
            continue
        if isinstance(value, dt.datetime):
            value = value.replace(microsecond=0).isoformat()
        elif isinstance(value, dt.date):
            value = value.isoformat()
        state[column.key] = value
    return state


def entity_key(obj: Base) -> str:
    return ":".join(str(v) for v in inspect(obj).identity)


def _event_payload(event: AuditEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "occurred_at": event.occurred_at,
        "actor": event.actor,
        "action": event.action,
        "entity_type": event.entity_type,
        "entity_id": event.entity_id,
        "before": json.loads(event.before) if event.before else None,
        "after": json.loads(event.after) if event.after else None,
    }


def compute_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256((prev_hash + canonical_json(_event_payload(event))).encode()).hexdigest()


def head(session: Session) -> AuditEvent | None:
    return session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).first()


def head_hash(session: Session) -> str:
    last = head(session)
    return last.hash if last else GENESIS_HASH


def record(
    session: Session,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> AuditEvent:
    """Append one event. Must run inside the ledger's write transaction (which serialises writers)."""
    session.flush()
    last = head(session)
    event = AuditEvent(
        seq=(last.seq + 1) if last else 1,
        occurred_at=dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds"),
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        before=canonical_json(before) if before is not None else None,
        after=canonical_json(after) if after is not None else None,
        prev_hash=last.hash if last else GENESIS_HASH,
    )
    event.hash = compute_hash(event.prev_hash, event)
    session.add(event)
    session.flush()
    return event


def record_change(session: Session, actor: str, action: str, obj: Base, before: dict[str, Any] | None) -> AuditEvent:
    """Append the event for a row just created (before=None) or changed."""
    session.flush()
    entity_type = next(name for name, model in AUDITED_MODELS.items() if isinstance(obj, model))
    return record(session, actor, action, entity_type, entity_key(obj), before, snapshot(obj))


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


def verify(session: Session) -> VerifyResult:
    """Walk the chain, then compare every audited row with the latest state its events record."""
    prev_hash = GENESIS_HASH
    expected_seq = 1
    latest: dict[tuple[str, str], AuditEvent] = {}
    count = 0
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).yield_per(5000):
        count += 1
        if event.seq != expected_seq:
            return VerifyResult(False, count, prev_hash, 0, event.seq, f"event {expected_seq} is missing (next found: {event.seq})")
        if event.prev_hash != prev_hash:
            return VerifyResult(False, count, prev_hash, 0, event.seq, "its previous-hash link does not match the event before it (an event was removed or changed)")
        if compute_hash(prev_hash, event) != event.hash:
            return VerifyResult(False, count, prev_hash, 0, event.seq, "its content no longer matches its hash (the event was changed)")
        prev_hash = event.hash
        expected_seq += 1
        if event.entity_type in AUDITED_MODELS:
            latest[(event.entity_type, event.entity_id)] = event
        session.expunge(event)

    rows = 0
    for entity_type, model in AUDITED_MODELS.items():
        for obj in session.scalars(select(model)).yield_per(5000):
            rows += 1
            key = (entity_type, entity_key(obj))
            event = latest.pop(key, None)
            if event is None:
                return VerifyResult(False, count, prev_hash, rows, None, f"{entity_type} {key[1]} has no audit event (row added behind the ledger's back)")
            recorded = json.loads(event.after) if event.after else None
            if recorded != snapshot(obj):
                return VerifyResult(False, count, prev_hash, rows, event.seq, f"{entity_type} {key[1]} no longer matches the state this event recorded (row changed behind the ledger's back)")
            session.expunge(obj)
    for (entity_type, entity_id), event in sorted(latest.items(), key=lambda kv: kv[1].seq):
        if event.after is not None:
            return VerifyResult(False, count, prev_hash, rows, event.seq, f"{entity_type} {entity_id} recorded by this event is missing (row deleted behind the ledger's back)")
    return VerifyResult(True, count, prev_hash, rows)


def event_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent)) or 0
