"""Commitments: press orders, training courses and IT-service contracts, from draft to close-out,
and their acceptances (nghiệm thu) (DOMAIN rules 3–6).

A commitment is created as a draft, signed (its value is then held on its line, under the unit's
commitment control), accepted in part or in full, and closed out (its final value becomes what was
accepted) or cancelled. What each status allows is ``ledger.domain.rules``; these services refuse
exactly what the rules do not allow, each with its sentence. Every writer runs in one serialised
write transaction (``@writer``) and is also ``fn.in_session(session, actor, ...)`` for the importer
and the demo.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.domain import clock, codes, rules
from ledger.domain.errors import NotFound, ValidationError, problem
from ledger.domain.formatting import format_amount, format_date, parse_year
from ledger.domain.validation import Problems
from ledger.services import plans, tokens
from ledger.services.budget import require_writer_any
from ledger.services.press import press_agency_by_code
from ledger.services.reference import policy_named
from ledger.services.shared import (
    already_reversed,
    change,
    check_version,
    commitment_for_write,
    control_line,
    refuse_in_closing_period,
    resolve_line,
    reversal_date,
    reversal_number,
    within_year,
    writer,
)
from ledger.store import audit, cache
from ledger.store.access import Actor
from ledger.store.balances import commitment_balance, keep_new_commitment
from ledger.store.models import Acceptance, Commitment, CommitmentItem, Policy

# --- drafts -------------------------------------------------------------------------------------

def _items(found: Problems, items: list[dict[str, Any]] | None) -> list[CommitmentItem]:
    rows = []
    for number, item in enumerate(items or [], start=1):
        product = found.text(item.get("product"), f"items[{number}].product", "sản phẩm", limit=255)
        quantity = item.get("quantity")
        if isinstance(quantity, str) and quantity.strip().isdecimal():
            quantity = int(quantity.strip())
        if isinstance(quantity, float) and quantity.is_integer():
            quantity = int(quantity)
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
            found.append(problem("item.quantity", f"items[{number}].quantity", number=number, value=item.get("quantity")))
            quantity = None
        price = found.amount(item.get("unit_price"), f"items[{number}].unit_price")
        if product and quantity and price is not None:
            rows.append(
                CommitmentItem(
                    product=product,
                    quantity=quantity,
                    unit_of_measure=(item.get("unit_of_measure") or "").strip(),
                    unit_price=price,
                    amount=quantity * price,
                )
            )
    return rows


def _common_fields(session: Session, actor: Actor, found: Problems, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    year, error = parse_year(data.get("year"))
    if error:
        found.append(error)
    reference = found.code(data.get("reference"), "reference", "số hợp đồng" if kind != "course" else "mã khóa", limit=64)
    line, _ = resolve_line(session, actor, found, data.get("line"), year)
    if line is not None and line.category_code != codes.KIND_CATEGORY[kind]:
        found.append(problem("commitment.wrong_category", "line", line=line.code, category=codes.KIND_CATEGORY[kind]))
    if year is None and line is not None:
        year = line.year
    if reference and year and _reference_taken(session, year, reference):
        found.append(problem("commitment.exists", "reference", value=reference, year=year))
    policy = policy_named(session, found, data.get("policy_code"))
    if policy is None and not str(data.get("policy_code") or "").strip() and line is not None and line.policy_id:
        policy = session.get(Policy, line.policy_id)
    stage = None
    if data.get("stage"):
        stage = codes.code_for(data.get("stage"), codes.STAGES)
        if stage is None:
            found.append(problem("code.unknown", "stage", what="giai đoạn", value=data.get("stage")))
    policy_id = policy.id if policy else None
    # The plan activity it carries out (issue 12): same policy, same year, else refused with a sentence.
    activity_id = plans.resolve_activity(session, found, data.get("activity"), year=year, policy_id=policy_id)
    return {"year": year, "reference": reference, "line": line, "policy_id": policy_id, "stage_code": stage, "activity_id": activity_id, "posting_token": tokens.clean(data.get("token"))}


def _reference_taken(session: Session, year: int, reference: str) -> bool:
    """Whether a commitment of ``year`` has this reference (a bulk import reads the year's once)."""
    known = cache.year_keys(session, "commitments", year, lambda: session.scalars(select(Commitment.reference).where(Commitment.year == year)))
    if known is not None:
        return reference in known
    return session.scalar(select(Commitment.id).where(Commitment.year == year, Commitment.reference == reference)) is not None


def _record_taken(session: Session, commitment: Commitment, record: str) -> bool:
    """Whether the commitment has an acceptance with this record number (a bulk import reads those of
    the commitments of its year once)."""
    known = cache.year_keys(
        session, "acceptances", commitment.year,
        lambda: (tuple(row) for row in session.execute(
            select(Acceptance.commitment_id, Acceptance.record_no).join(Commitment, Commitment.id == Acceptance.commitment_id).where(Commitment.year == commitment.year)
        )),
    )
    if known is not None:
        return (commitment.id, record) in known
    return session.scalar(select(Acceptance.id).where(Acceptance.commitment_id == commitment.id, Acceptance.record_no == record)) is not None


def _save_draft(session: Session, actor: Actor, kind: str, common: dict[str, Any], fields: dict[str, Any], items: list[CommitmentItem]) -> Commitment:
    line = common["line"]
    commitment = Commitment(
        kind=kind,
        year=common["year"],
        reference=common["reference"],
        line=line,  # known before any flush (a batched import reads it back from the transaction's cache)
        line_id=line.id,
        policy_id=common["policy_id"],
        stage_code=common["stage_code"],
        activity_id=common["activity_id"],
        status="draft",
        version=1,
        excess_amount=0,
        created_by=actor.username,
        posting_token=common.get("posting_token"),
        **fields,
    )
    session.add(commitment)
    audit.record_change(session, actor.username, f"{kind}.create", commitment, None)
    keep_new_commitment(session, commitment)
    for item in items:
        item.commitment_id = commitment.id
        session.add(item)
        audit.record_change(session, actor.username, "order_item.create", item, None)
    return commitment


@writer
def create_order(session: Session, actor: Actor, **data: Any) -> Commitment:
    """A draft press order. Fields: year, reference (contract no.), line (id or code), press_agency
    (code), description, policy_code, stage, signed_on, items [{product, quantity, unit_of_measure,
    unit_price}], value (required without items; must equal Σ items with them)."""
    found = Problems()
    common = _common_fields(session, actor, found, "order", data)
    agency = press_agency_by_code(session, data.get("press_agency") or "")
    if agency is None:
        found.append(problem("press.unknown", "press_agency", value=data.get("press_agency") or "—"))
    elif agency.is_active is False:  # deactivated: kept for its orders, offered for no new one
        found.append(problem("press.inactive", "press_agency", value=agency.code))
    description = found.text(data.get("description"), "description", "nội dung", limit=500)
    items = _items(found, data.get("items"))
    items_total = sum(item.amount for item in items)
    value = None
    if data.get("value") not in (None, ""):
        value = found.amount(data.get("value"), "value")
        if value is not None and items and value != items_total:
            found.append(problem("order.value_mismatch", "value", value=format_amount(value), items=format_amount(items_total)))
    elif items:
        value = items_total
    elif not data.get("items"):
        found.append(problem("amount.required", "value"))
    signed_on = None
    if data.get("signed_on"):
        signed_on = within_year(found, data.get("signed_on"), "signed_on", common["year"])
    found.raise_if_any()
    return _save_draft(
        session, actor, "order", common,
        {"press_agency_id": agency.id, "description": description, "signed_on": signed_on, "total_value": value, "value": value},
        items,
    )


def _participants(found: Problems, value: Any) -> int | None:
    """A course's number of participants: a positive whole number."""
    participants = value
    if isinstance(participants, str) and participants.strip().isdecimal():
        participants = int(participants.strip())
    if isinstance(participants, float) and participants.is_integer():
        participants = int(participants)
    if not isinstance(participants, int) or isinstance(participants, bool) or participants <= 0:
        found.append(problem("course.participants", "participants", value=value))
        return None
    return participants


@writer
def create_course(session: Session, actor: Actor, **data: Any) -> Commitment:
    """A draft training course. Fields: year, reference (course code), line, title, start_date,
    end_date, participants, cost, policy_code, stage."""
    found = Problems()
    common = _common_fields(session, actor, found, "course", data)
    title = found.text(data.get("title"), "title", "tên khóa", limit=500)
    start = within_year(found, data.get("start_date"), "start_date", common["year"], future=True)
    end = found.date(data.get("end_date"), "end_date", not_future=False)
    if start and end and end < start:
        found.append(problem("dates.order", "end_date"))
    participants = _participants(found, data.get("participants"))
    cost = found.amount(data.get("cost"), "cost")
    found.raise_if_any()
    return _save_draft(
        session, actor, "course", common,
        {"description": title, "start_date": start, "end_date": end, "participants": participants, "total_value": cost, "value": cost},
        [],
    )


@writer
def create_it_contract(session: Session, actor: Actor, **data: Any) -> Commitment:
    """A draft IT-service contract. Fields: year, reference, line, vendor, service_type, stage,
    start_date, end_date, value (the whole contract; a term spanning years commits this year's part)."""
    found = Problems()
    common = _common_fields(session, actor, found, "it_service", data)
    vendor = found.text(data.get("vendor"), "vendor", "nhà cung cấp", limit=255)
    service = codes.code_for(data.get("service_type"), codes.SERVICE_TYPES)
    if service is None:
        found.append(problem("code.unknown", "service_type", what="loại dịch vụ", value=data.get("service_type") or "—"))
    start = found.date(data.get("start_date"), "start_date", not_future=False)
    end = found.date(data.get("end_date"), "end_date", not_future=False)
    year = common["year"]
    if start and end and end < start:
        found.append(problem("dates.order", "end_date"))
    elif start and end and year and (end < dt.date(year, 1, 1) or start > dt.date(year, 12, 31)):
        found.append(problem("it.term_outside_year", "start_date", year=year))
    total = found.amount(data.get("value"), "value")
    found.raise_if_any()
    portion = rules.year_portion(total, start, end, year)
    description = str(data.get("description") or "").strip() or f"{codes.SERVICE_TYPES[service][0]} – {vendor}"
    return _save_draft(
        session, actor, "it_service", common,
        {"vendor": vendor, "service_type": service, "description": description[:500], "start_date": start, "end_date": end, "total_value": total, "value": portion},
        [],
    )


@writer
def update_draft(session: Session, actor: Actor, commitment_id: int, expected_version: int, **changes: Any) -> Commitment:
    """Change a draft's description, value, items, dates or plan activity; refused if someone else changed it first."""
    commitment, _ = commitment_for_write(session, actor, commitment_id)
    check_version(commitment, expected_version)
    if commitment.status != "draft":
        raise ValidationError(problem("commitment.not_draft", reference=commitment.reference))
    found = Problems()
    new_items = None
    if "items" in changes:
        new_items = _items(found, changes["items"])
    updates: dict[str, Any] = {}
    if "description" in changes:
        updates["description"] = found.text(changes["description"], "description", "nội dung", limit=500)
    if "value" in changes:
        value = found.amount(changes["value"], "value")
        updates["total_value"] = value
        updates["value"] = value
    if "participants" in changes:
        updates["participants"] = _participants(found, changes["participants"])
    if "activity" in changes:
        updates["activity_id"] = plans.resolve_activity(session, found, changes["activity"], year=commitment.year, policy_id=commitment.policy_id)
    if updates.get("value") is not None:
        # Rule 4: with items, the value is their total; a different value is refused, not overwritten.
        compare = new_items
        if compare is None:
            compare = list(session.scalars(select(CommitmentItem).where(CommitmentItem.commitment_id == commitment.id)))
        items_total = sum(i.amount for i in compare)
        if compare and updates["value"] != items_total:
            found.append(problem("order.value_mismatch", "value", value=format_amount(updates["value"]), items=format_amount(items_total)))
    found.raise_if_any()

    def apply() -> None:
        for key, value in updates.items():
            setattr(commitment, key, value)
        if new_items is not None:
            for old in session.scalars(select(CommitmentItem).where(CommitmentItem.commitment_id == commitment.id)):
                audit.record(session, actor.username, "order_item.delete", "commitment_item", str(old.id), audit.snapshot(old), None)
                session.delete(old)
            session.flush()
            for item in new_items:
                item.commitment_id = commitment.id
                session.add(item)
                audit.record_change(session, actor.username, "order_item.create", item, None)
            if new_items:
                commitment.value = commitment.total_value = sum(i.amount for i in new_items)
        if commitment.kind == "it_service" and "value" in updates:
            commitment.value = rules.year_portion(commitment.total_value, commitment.start_date, commitment.end_date, commitment.year)

    return change(session, actor, commitment, f"{commitment.kind}.update", apply)


# --- lifecycle --------------------------------------------------------------------------------

@writer
def sign(session: Session, actor: Actor, commitment_id: int, signed_on: Any = None, expected_version: int | None = None, *, token: str | None = None) -> Commitment:
    """Sign a draft: its value is committed on the line, under the unit's commitment control."""
    commitment, _ = commitment_for_write(session, actor, commitment_id)
    check_version(commitment, expected_version)
    if commitment.status != "draft":
        raise ValidationError(problem("commitment.not_draft", reference=commitment.reference))
    refuse_in_closing_period(commitment.year)
    found = Problems()
    default = commitment.signed_on or min(max(clock.today(), dt.date(commitment.year, 1, 1)), dt.date(commitment.year, 12, 31))
    when = within_year(found, signed_on or default, "signed_on", commitment.year)
    found.raise_if_any()
    excess = control_line(session, actor, commitment.line, commitment.value, "sign", commitment.reference)

    def apply() -> None:
        commitment.status = "signed"
        commitment.signed_on = when
        commitment.excess_amount = excess
        commitment.posting_token = tokens.clean(token) or commitment.posting_token

    return change(session, actor, commitment, f"{commitment.kind}.sign", apply)


@writer
def cancel(session: Session, actor: Actor, commitment_id: int, reason: Any, expected_version: int | None = None, *, token: str | None = None) -> Commitment:
    """Cancel a draft or a signed commitment with nothing accepted or paid: its commitment is released."""
    commitment, _ = commitment_for_write(session, actor, commitment_id)
    check_version(commitment, expected_version)
    found = Problems()
    why = found.text(reason, "reason", "lý do", limit=2000)
    balance = commitment_balance(session, commitment)
    if not rules.can_cancel(commitment.status, balance.accepted, balance.paid):
        if commitment.status not in ("draft", "signed"):
            found.append(problem("commitment.cannot_cancel", reference=commitment.reference, status=commitment.status))
        if balance.accepted or balance.paid:
            found.append(problem("commitment.has_activity", reference=commitment.reference))
    found.raise_if_any()

    def apply() -> None:
        # The reason is kept with the row (and so in the event's after state), never thrown away.
        commitment.status, commitment.status_reason = "cancelled", why
        commitment.posting_token = tokens.clean(token) or commitment.posting_token

    return change(session, actor, commitment, f"{commitment.kind}.cancel", apply)


@writer
def close(session: Session, actor: Actor, commitment_id: int, reason: Any = "", expected_version: int | None = None, *, token: str | None = None) -> Commitment:
    """Close-out (thanh lý): the final value becomes what was accepted; the rest is released to the line.
    Every advance must be cleared by acceptances first."""
    commitment, _ = commitment_for_write(session, actor, commitment_id)
    check_version(commitment, expected_version)
    balance = commitment_balance(session, commitment)
    if commitment.status != "signed":
        raise ValidationError(problem("commitment.not_signed", reference=commitment.reference))
    if not rules.can_close(commitment.status, balance.accepted, balance.paid):
        raise ValidationError(
            problem("commitment.advance_uncleared", reference=commitment.reference, paid=format_amount(balance.paid), accepted=format_amount(balance.accepted))
        )

    found = Problems()
    why = found.text(reason, "reason", "lý do", limit=2000, required=False) or None
    found.raise_if_any()

    def apply() -> None:
        commitment.status = "closed"
        commitment.final_value = balance.accepted
        commitment.status_reason = why
        commitment.posting_token = tokens.clean(token) or commitment.posting_token

    return change(session, actor, commitment, f"{commitment.kind}.close", apply)


# --- acceptances ------------------------------------------------------------------------------

@writer
def accept(session: Session, actor: Actor, commitment_id: Any = None, record_no: Any = None, date: Any = None, accepted_value: Any = None, evidence: Any = "", *, reference: str | None = None, year: int | None = None, token: str | None = None) -> Acceptance:
    """Record an acceptance (nghiệm thu), in part or in full; the accepted total never exceeds the value."""
    commitment, _ = commitment_for_write(session, actor, commitment_id, year=year, reference=reference)
    found = Problems()
    record = found.code(record_no, "record_no", "số biên bản", limit=64)
    when = within_year(found, date, "date", commitment.year)  # the closing period pays work accepted by 31/12
    value = found.amount(accepted_value, "accepted_value")
    if value == 0:
        found.append(problem("acceptance.zero", "accepted_value"))
    clean_evidence = found.text(evidence, "evidence", "minh chứng", limit=2000, required=False) or ""
    if not rules.can_accept(commitment.status):
        found.append(problem("acceptance.status", reference=commitment.reference, status=commitment.status))
    if when and commitment.signed_on and when < commitment.signed_on:
        found.append(problem("acceptance.before_signing", "date", date=format_date(when), signed=format_date(commitment.signed_on)))
    if record and _record_taken(session, commitment, record):
        found.append(problem("acceptance.exists", "record_no", value=record))
    found.raise_if_any()
    balance = commitment_balance(session, commitment)
    if value > balance.acceptable:
        raise ValidationError(
            problem("acceptance.over_value", "accepted_value", reference=commitment.reference, value=format_amount(commitment.value), accepted=format_amount(balance.accepted), amount=format_amount(value))
        )
    acceptance = Acceptance(commitment_id=commitment.id, record_no=record, date=when, accepted_value=value, evidence=clean_evidence, created_by=actor.username, posting_token=tokens.clean(token))
    session.add(acceptance)
    audit.record_change(session, actor.username, "acceptance.post", acceptance, None)
    return acceptance


@writer
def reverse_acceptance(session: Session, actor: Actor, acceptance_id: int, reason: Any, date: Any = None, *, token: str | None = None) -> Acceptance:
    original = session.get(Acceptance, acceptance_id)
    if original is None:
        require_writer_any(session, actor)
        raise NotFound(problem("acceptance.unknown", value=acceptance_id))
    commitment, _ = commitment_for_write(session, actor, original.commitment_id)
    found = Problems()
    why = found.text(reason, "reason", "lý do", limit=2000)
    if not rules.is_reversible(original.reverses_id, already_reversed(session, Acceptance, original)):
        found.append(problem("reversal.done"))
    if not rules.can_accept(commitment.status):
        found.append(problem("acceptance.status", reference=commitment.reference, status=commitment.status))
    when = reversal_date(found, date, commitment.year)
    found.raise_if_any()
    if not rules.can_reverse_acceptance(commitment_balance(session, commitment), original.accepted_value):
        raise ValidationError(problem("acceptance.paid_beyond", reference=commitment.reference))
    reversal = Acceptance(
        commitment_id=commitment.id,
        record_no=reversal_number(session, Acceptance.record_no, original.record_no, Acceptance.commitment_id == original.commitment_id),
        date=when,
        accepted_value=-original.accepted_value,
        evidence=why,
        reverses_id=original.id,
        created_by=actor.username,
        posting_token=tokens.clean(token),
    )
    session.add(reversal)
    audit.record_change(session, actor.username, "acceptance.reverse", reversal, None)
    return reversal
