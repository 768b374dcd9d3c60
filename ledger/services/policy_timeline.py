"""A policy in full (letter 837, item 2): its document type, whether it is within Decision 407's scope,
its timeline through the fine stages; and the communication unit's comments on its drafts.

Writers follow the ``@writer`` pattern: ``fn(db, actor, ...)`` in its own write transaction, and
``fn.in_session(session, actor, ...)`` inside a caller's (the workbook importer, the demo), per row.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.domain import codes
from ledger.domain.errors import NotFound, problem
from ledger.domain.policy_stages import STAGE_COLUMNS, out_of_order
from ledger.domain.validation import Problems
from ledger.services.reference import policies_in_scope, policy_by_code, unit_by_code
from ledger.services.shared import writer
from ledger.store import audit
from ledger.store.access import SYSTEM, Actor, current_user, require_writer
from ledger.store.models import DraftComment, Policy

PROFILE_FIELDS = ("document_type", "large_impact", *STAGE_COLUMNS.values())
_STAGE_OF_COLUMN = {column: stage for stage, column in STAGE_COLUMNS.items()}


def find_policy(session: Session, found: Problems, value: Any, field: str = "policy") -> Policy | None:
    """A policy given by id (screens) or code (workbooks); a problem when it names none."""
    policy = None
    if isinstance(value, int) and not isinstance(value, bool):
        policy = session.get(Policy, value)
    elif isinstance(value, str) and value.strip():
        policy = policy_by_code(session, value)
    if policy is None:
        found.append(problem("policy.unknown", field, value=value if value not in (None, "") else "—"))
    return policy


def _require_policy_writer(session: Session, actor: Actor, policy: Policy) -> None:
    """An administrator (the catalogue), or an officer of the policy's owner unit or above it."""
    if actor == SYSTEM:
        return
    if current_user(session, actor).role == "admin":
        return
    require_writer(session, actor, policy.owner_unit_id)


def _flag(found: Problems, value: Any) -> bool | None:
    """Decision 407's scope: a bool (screens) or CO/KHONG or their labels (workbooks); blank = unknown."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and not value.strip():
        return None
    code = codes.code_for(value, codes.YES_NO)
    if code is None:
        found.append(problem("plans.code_unknown", "large_impact", what="tác động lớn", value=value, allowed=codes.codes_hint(codes.YES_NO)))
        return None
    return code == "CO"


def _profile(found: Problems, data: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    kind = data.get("document_type")
    if kind in (None, ""):
        clean["document_type"] = None
    else:
        clean["document_type"] = codes.code_for(kind, codes.DOCUMENT_TYPES)
        if clean["document_type"] is None:
            found.append(problem("plans.code_unknown", "document_type", what="loại văn bản", value=kind, allowed=codes.codes_hint(codes.DOCUMENT_TYPES)))
    clean["large_impact"] = _flag(found, data.get("large_impact"))
    for column in STAGE_COLUMNS.values():
        value = data.get(column)
        # A stage may lie ahead (a planned issuance): only the order of the dates is checked.
        clean[column] = None if value in (None, "") else found.date(value, column, not_future=False)
    starts = {_STAGE_OF_COLUMN[c]: clean[c] for c in STAGE_COLUMNS.values()}
    for earlier, later in out_of_order(starts):
        found.append(
            problem(
                "policy.stage_order",
                STAGE_COLUMNS[later],
                later=codes.label(codes.POLICY_STAGES, later),
                earlier=codes.label(codes.POLICY_STAGES, earlier),
            )
        )
    return clean


@writer
def set_policy_profile(session: Session, actor: Actor, policy: Any, **changes: Any) -> Policy:
    """Change a policy's document type, Decision-407 flag and stage dates (``PROFILE_FIELDS``; the
    fields not given keep their value, a blank one clears it). Admins, or officers of its owner unit."""
    found = Problems()
    target = find_policy(session, found, policy)
    unknown = sorted(set(changes) - set(PROFILE_FIELDS))
    if unknown:
        found.append(problem("policy.unknown_field", unknown[0], value=", ".join(unknown)))
    found.raise_if_any()
    _require_policy_writer(session, actor, target)
    merged = {name: getattr(target, name) for name in PROFILE_FIELDS} | changes
    clean = _profile(found, merged)
    found.raise_if_any()
    audit.record_update(session, actor.username, "policy.profile", target, clean)
    return target


# --- comments on drafts --------------------------------------------------------------------------

@writer
def add_draft_comment(session: Session, actor: Actor, policy: Any, unit_code: Any, date: Any, comment: Any, response: Any = None) -> DraftComment:
    """Record a unit's comment (góp ý) on a policy's draft: the unit writes it, about a policy it
    can see (owned by itself or a unit above it); ``response``: how it was taken up, if known."""
    found = Problems()
    target = find_policy(session, found, policy)
    unit = unit_by_code(session, str(unit_code or ""))
    if unit is None:
        found.append(problem("unit.unknown", "unit_code", value=unit_code or "—"))
    when = found.date(date, "date")
    text = found.text(comment, "comment", "nội dung góp ý", limit=4000)
    answer = found.text(response, "response", "tiếp thu", limit=4000, required=False)
    if target is None or unit is None:
        found.raise_if_any()
    require_writer(session, actor, unit.id)
    seen_by_unit = Actor(0, "", "officer", unit.id)
    if target.id not in {p.id for p in policies_in_scope(session, seen_by_unit)}:
        found.append(problem("comment.policy_outside", "policy", policy=target.code, unit=unit.code))
    found.raise_if_any()
    row = DraftComment(policy_id=target.id, unit_id=unit.id, date=when, comment=text, response=answer, created_by=actor.username)
    session.add(row)
    audit.record_change(session, actor.username, "draft_comment.create", row, None)
    return row


@writer
def record_comment_response(session: Session, actor: Actor, comment_id: int, response: Any) -> DraftComment:
    """Write down how a comment was taken up (tiếp thu), by the commenting unit."""
    row = session.get(DraftComment, comment_id) if isinstance(comment_id, int) else None
    if row is None:
        raise NotFound(problem("comment.unknown", value=comment_id))
    require_writer(session, actor, row.unit_id)
    found = Problems()
    answer = found.text(response, "response", "tiếp thu", limit=4000)
    found.raise_if_any()
    before = audit.snapshot(row)
    row.response = answer
    audit.record_change(session, actor.username, "draft_comment.response", row, before)
    return row


def comments_of(session: Session, policy_id: int) -> list[DraftComment]:
    return list(session.scalars(select(DraftComment).where(DraftComment.policy_id == policy_id).order_by(DraftComment.date, DraftComment.id)))
