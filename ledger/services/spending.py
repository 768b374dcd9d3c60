"""Commitments and actuals: press orders, training courses, IT-service contracts, acceptances,
socialised contributions and payments (DOMAIN rules 3–8).

Every public writer runs in one serialised write transaction (``@writer``) and is also available
inside a caller's transaction as ``fn.in_session(session, actor, ...)`` for the importer and demo.
Balance checks read committed state under the write lock, so two sessions racing for the last
đồng of a line cannot both succeed.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import BigInteger, cast, func, or_, select
from sqlalchemy.orm import Session

from ledger.domain import codes
from ledger.domain.errors import NotFound, PermissionDenied, ValidationError, problem
from ledger.domain.formatting import format_amount, format_date, parse_year
from ledger.domain.validation import Problems
from ledger.services.budget import find_line, fold, require_writer_any, resolve_code
from ledger.services.reference import policy_by_code
from ledger.store import audit
from ledger.store.access import Actor, current_user, require_writer, scope_unit_ids
from ledger.store.balances import CommitmentBalance, commitment_balance, held_expression, line_balance
from ledger.store.db import Database
from ledger.store.models import (
    Acceptance,
    BudgetLine,
    Commitment,
    CommitmentItem,
    Contribution,
    FiscalYear,
    Payment,
    Policy,
    PressAgency,
    Stage,
    Unit,
)

F = TypeVar("F", bound=Callable[..., Any])
KIND_CATEGORY = codes.KIND_CATEGORY
SERVICE_LABELS = codes.SERVICE_TYPES
MEDIA_LABELS = codes.MEDIA_TYPES
PAYMENT_KIND_LABELS = codes.PAYMENT_KINDS


def writer(fn: F) -> F:
    """Expose ``fn(session, actor, ...)`` as ``fn(db, actor, ...)`` in its own write transaction."""

    @functools.wraps(fn)
    def in_transaction(db: Database, actor: Actor, *args: Any, **kwargs: Any) -> Any:
        with db.write() as session:
            return fn(session, actor, *args, **kwargs)

    in_transaction.in_session = fn  # type: ignore[attr-defined]
    return in_transaction  # type: ignore[return-value]


_code_from_labels = codes.code_for


# --- press agencies ---------------------------------------------------------------------------

def press_agency_by_code(session: Session, code: str) -> PressAgency | None:
    return session.scalars(select(PressAgency).where(PressAgency.code == (code or "").strip())).first()


def press_agencies(session: Session) -> list[PressAgency]:
    return list(session.scalars(select(PressAgency).order_by(PressAgency.name)))


@writer
def create_press_agency(session: Session, actor: Actor, code: Any, name: Any, media_type: Any = None, governing_body: Any = "", level: Any = "central") -> PressAgency:
    """Add a press agency to the catalogue (administrators and finance officers)."""
    user = current_user(session, actor) if actor.user_id else None
    if user is not None and user.role not in ("admin", "officer"):
        raise PermissionDenied(problem("perm.read_only", role=user.role))
    found = Problems()
    clean_code = found.code(code, "code", "mã cơ quan báo chí")
    clean_name = found.text(name, "name", "tên cơ quan báo chí", limit=255)
    media = _code_from_labels(media_type or "newspaper", MEDIA_LABELS)
    if media is None:
        found.append(problem("code.unknown", "media_type", what="loại hình", value=media_type))
    clean_level = (level or "central").strip().lower()
    if clean_level not in ("central", "local"):
        clean_level = "local" if fold(clean_level) in ("dia phuong",) else "central"
    if clean_code and press_agency_by_code(session, clean_code):
        found.append(problem("press.exists", "code", value=clean_code))
    found.raise_if_any()
    agency = PressAgency(code=clean_code, name=clean_name, media_type=media, governing_body=(governing_body or "").strip(), level=clean_level)
    session.add(agency)
    audit.record_change(session, actor.username, "press_agency.create", agency, None)
    return agency


# --- shared checks ----------------------------------------------------------------------------

def _resolve_line(session: Session, actor: Actor, found: Problems, line: Any, year: int | None, field: str = "line") -> BudgetLine | None:
    """A line given by id (screens) or by code within ``year`` (workbooks), checked for writing."""
    target = None
    if isinstance(line, int) and not isinstance(line, bool):
        target = session.get(BudgetLine, line)
    elif isinstance(line, str) and line.strip() and year:
        target = find_line(session, year, line.strip())
    if target is None:
        require_writer_any(session, actor)
        found.append(problem("line.unknown", field, value=line if line not in (None, "") else "—"))
        return None
    require_writer(session, actor, target.unit_id)
    if year is not None and target.year != year:
        found.append(problem("line.other_year", field, line=target.code, year=year))
    fiscal_year = session.get(FiscalYear, target.year)
    if fiscal_year is not None and not fiscal_year.is_open:
        found.append(problem("year.closed", "year", year=target.year))
    return target


def _within_year(found: Problems, value: Any, field: str, year: int | None, *, grace: bool = False, future: bool = False) -> dt.date | None:
    """A date in the fiscal year (with ``grace``: up to 31/01 of the next, the closing period); not in the
    future unless ``future`` (a course may be planned ahead; money cannot move ahead of time)."""
    date = found.date(value, field, not_future=not future)
    if date is None or year is None:
        return date
    last = dt.date(year + 1, 1, 31) if grace else dt.date(year, 12, 31)
    if not dt.date(year, 1, 1) <= date <= last:
        found.append(problem("date.outside_year", field, date=format_date(date), year=year))
        return None
    return date


def _control_line(session: Session, actor: Actor, line: BudgetLine, amount: int, action: str, reference: str) -> int:
    """Commitment control (rule 3): refuse, or in ``warn`` mode record, an excess over the available balance.

    Returns the excess in đồng (0 when within the balance)."""
    balance = line_balance(session, line.id)
    if amount <= balance.available:
        return 0
    unit = session.get(Unit, line.unit_id)
    if unit.commitment_control != "warn":
        raise ValidationError(
            problem("commit.over_available", "amount", line=line.code, available=format_amount(balance.available), amount=format_amount(amount))
        )
    excess = amount - max(balance.available, 0)
    audit.record(
        session,
        actor.username,
        "control.warning",
        "control_warning",
        str(line.id),
        None,
        {"line": line.code, "available": balance.available, "amount": amount, "excess": excess, "action": action, "reference": reference},
    )
    return excess


def _control_xhh(session: Session, actor: Actor, line: BudgetLine, amount: int, reference: str) -> int:
    """Rule 7: spending on an XHH line stays within the contributions received for it."""
    if line.source_code != "XHH" or amount <= 0:
        return 0
    balance = line_balance(session, line.id)
    room = balance.contributions - balance.paid
    if amount <= room:
        return 0
    unit = session.get(Unit, line.unit_id)
    if unit.xhh_control == "block":
        raise ValidationError(
            problem("xhh.over_contributions", "amount", line=line.code, received=format_amount(balance.contributions), paid=format_amount(balance.paid), amount=format_amount(amount))
        )
    excess = amount - max(room, 0)
    audit.record(
        session,
        actor.username,
        "control.xhh_warning",
        "control_warning",
        str(line.id),
        None,
        {"line": line.code, "contributions": balance.contributions, "paid": balance.paid, "amount": amount, "excess": excess, "reference": reference},
    )
    return excess


def _commitment_for_write(session: Session, actor: Actor, commitment_id: Any = None, *, year: int | None = None, reference: str | None = None) -> Commitment:
    commitment = None
    if commitment_id is not None:
        commitment = session.get(Commitment, commitment_id)
    elif reference and year:
        commitment = session.scalars(select(Commitment).where(Commitment.year == year, Commitment.reference == reference.strip())).first()
    if commitment is None:
        require_writer_any(session, actor)
        raise NotFound(problem("commitment.unknown", value=reference or commitment_id))
    require_writer(session, actor, commitment.line.unit_id)
    return commitment


def _check_version(commitment: Commitment, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != commitment.version:
        raise ValidationError(problem("commitment.stale", reference=commitment.reference, by=commitment.version))


def _change(session: Session, actor: Actor, commitment: Commitment, action: str, change: Callable[[], None]) -> Commitment:
    before = audit.snapshot(commitment)
    change()
    commitment.version += 1
    audit.record_change(session, actor.username, action, commitment, before)
    return commitment


# --- creating commitments (drafts) ------------------------------------------------------------

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
    line = _resolve_line(session, actor, found, data.get("line"), year)
    if line is not None and line.category_code != KIND_CATEGORY[kind]:
        found.append(problem("commitment.wrong_category", "line", line=line.code, category=KIND_CATEGORY[kind]))
    if year is None and line is not None:
        year = line.year
    if reference and year and session.scalar(select(Commitment.id).where(Commitment.year == year, Commitment.reference == reference)):
        found.append(problem("commitment.exists", "reference", value=reference, year=year))
    policy = None
    policy_code = str(data.get("policy_code") or "").strip()
    if policy_code:
        policy = policy_by_code(session, policy_code)
        if policy is None:
            found.append(problem("policy.unknown", "policy_code", value=policy_code))
    elif line is not None and line.policy_id:
        policy = session.get(Policy, line.policy_id)
    stage = None
    if data.get("stage"):
        stage = resolve_code(session, Stage, data.get("stage"))
        if stage is None:
            found.append(problem("code.unknown", "stage", what="giai đoạn", value=data.get("stage")))
    return {"year": year, "reference": reference, "line": line, "policy_id": policy.id if policy else None, "stage_code": stage}


def _save_draft(session: Session, actor: Actor, kind: str, common: dict[str, Any], fields: dict[str, Any], items: list[CommitmentItem]) -> Commitment:
    line = common["line"]
    commitment = Commitment(
        kind=kind,
        year=common["year"],
        reference=common["reference"],
        line_id=line.id,
        policy_id=common["policy_id"],
        stage_code=common["stage_code"],
        status="draft",
        version=1,
        excess_amount=0,
        created_by=actor.username,
        **fields,
    )
    session.add(commitment)
    audit.record_change(session, actor.username, f"{kind}.create", commitment, None)
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
        signed_on = _within_year(found, data.get("signed_on"), "signed_on", common["year"])
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
    start = _within_year(found, data.get("start_date"), "start_date", common["year"], future=True)
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


def year_portion(total: int, start: dt.date, end: dt.date, year: int) -> int:
    """The part of a contract's value falling in ``year``, pro rata by days, in whole đồng.

    Computed as the difference of rounded-down cumulative shares, so the portions of all the years
    of a term add up to the total exactly (no đồng lost to rounding)."""
    days = (end - start).days + 1

    def share_until(day: dt.date) -> int:
        elapsed = min(max((day - start).days + 1, 0), days)
        return total * elapsed // days

    return share_until(dt.date(year, 12, 31)) - share_until(dt.date(year - 1, 12, 31))


@writer
def create_it_contract(session: Session, actor: Actor, **data: Any) -> Commitment:
    """A draft IT-service contract. Fields: year, reference, line, vendor, service_type, stage,
    start_date, end_date, value (the whole contract; a term spanning years commits this year's part)."""
    found = Problems()
    common = _common_fields(session, actor, found, "it_service", data)
    vendor = found.text(data.get("vendor"), "vendor", "nhà cung cấp", limit=255)
    service = _code_from_labels(data.get("service_type"), SERVICE_LABELS)
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
    portion = year_portion(total, start, end, year)
    description = str(data.get("description") or "").strip() or f"{SERVICE_LABELS[service][0]} – {vendor}"
    return _save_draft(
        session, actor, "it_service", common,
        {"vendor": vendor, "service_type": service, "description": description[:500], "start_date": start, "end_date": end, "total_value": total, "value": portion},
        [],
    )


@writer
def update_draft(session: Session, actor: Actor, commitment_id: int, expected_version: int, **changes: Any) -> Commitment:
    """Change a draft's description, value, items or dates; refused if someone else changed it first."""
    commitment = _commitment_for_write(session, actor, commitment_id)
    _check_version(commitment, expected_version)
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
            commitment.value = year_portion(commitment.total_value, commitment.start_date, commitment.end_date, commitment.year)

    return _change(session, actor, commitment, f"{commitment.kind}.update", apply)


# --- lifecycle --------------------------------------------------------------------------------

@writer
def sign(session: Session, actor: Actor, commitment_id: int, signed_on: Any = None, expected_version: int | None = None) -> Commitment:
    """Sign a draft: its value is committed on the line, under the unit's commitment control."""
    commitment = _commitment_for_write(session, actor, commitment_id)
    _check_version(commitment, expected_version)
    if commitment.status != "draft":
        raise ValidationError(problem("commitment.not_draft", reference=commitment.reference))
    found = Problems()
    default = commitment.signed_on or min(max(dt.date.today(), dt.date(commitment.year, 1, 1)), dt.date(commitment.year, 12, 31))
    when = _within_year(found, signed_on or default, "signed_on", commitment.year)
    found.raise_if_any()
    excess = _control_line(session, actor, commitment.line, commitment.value, "sign", commitment.reference)

    def apply() -> None:
        commitment.status = "signed"
        commitment.signed_on = when
        commitment.excess_amount = excess

    return _change(session, actor, commitment, f"{commitment.kind}.sign", apply)


@writer
def cancel(session: Session, actor: Actor, commitment_id: int, reason: Any, expected_version: int | None = None) -> Commitment:
    """Cancel a draft or a signed commitment with nothing accepted or paid: its commitment is released."""
    commitment = _commitment_for_write(session, actor, commitment_id)
    _check_version(commitment, expected_version)
    found = Problems()
    found.text(reason, "reason", "lý do", limit=2000)
    if commitment.status not in ("draft", "signed"):
        found.append(problem("commitment.cannot_cancel", reference=commitment.reference, status=commitment.status))
    balance = commitment_balance(session, commitment)
    if balance.accepted or balance.paid:
        found.append(problem("commitment.has_activity", reference=commitment.reference))
    found.raise_if_any()
    return _change(session, actor, commitment, f"{commitment.kind}.cancel", lambda: setattr(commitment, "status", "cancelled"))


@writer
def close(session: Session, actor: Actor, commitment_id: int, reason: Any = "", expected_version: int | None = None) -> Commitment:
    """Close-out (thanh lý): the final value becomes what was accepted; the rest is released to the line.
    Every advance must be cleared by acceptances first."""
    commitment = _commitment_for_write(session, actor, commitment_id)
    _check_version(commitment, expected_version)
    if commitment.status != "signed":
        raise ValidationError(problem("commitment.not_signed", reference=commitment.reference))
    balance = commitment_balance(session, commitment)
    if balance.paid > balance.accepted:
        raise ValidationError(
            problem("commitment.advance_uncleared", reference=commitment.reference, paid=format_amount(balance.paid), accepted=format_amount(balance.accepted))
        )

    def apply() -> None:
        commitment.status = "closed"
        commitment.final_value = balance.accepted

    return _change(session, actor, commitment, f"{commitment.kind}.close", apply)


def _reversal_number(session: Session, column, number: str, *where: Any) -> str:
    """The voucher/record number of a reversal: '<original>/HUY', made unique if someone used it already."""
    candidate, n = f"{number}/HUY"[:64], 1
    while session.scalar(select(column).where(column == candidate, *where)) is not None:
        n += 1
        candidate = f"{number}/HUY{n}"[-64:]
    return candidate


# --- acceptances ------------------------------------------------------------------------------

@writer
def accept(session: Session, actor: Actor, commitment_id: Any = None, record_no: Any = None, date: Any = None, accepted_value: Any = None, evidence: Any = "", *, reference: str | None = None, year: int | None = None) -> Acceptance:
    """Record an acceptance (nghiệm thu), in part or in full; the accepted total never exceeds the value."""
    commitment = _commitment_for_write(session, actor, commitment_id, year=year, reference=reference)
    found = Problems()
    record = found.code(record_no, "record_no", "số biên bản", limit=64)
    when = _within_year(found, date, "date", commitment.year, grace=True)
    value = found.amount(accepted_value, "accepted_value")
    if value == 0:
        found.append(problem("acceptance.zero", "accepted_value"))
    clean_evidence = found.text(evidence, "evidence", "minh chứng", limit=2000, required=False) or ""
    if commitment.status != "signed":
        found.append(problem("acceptance.status", reference=commitment.reference, status=commitment.status))
    if when and commitment.signed_on and when < commitment.signed_on:
        found.append(problem("acceptance.before_signing", "date", date=format_date(when), signed=format_date(commitment.signed_on)))
    if record and session.scalar(select(Acceptance.id).where(Acceptance.commitment_id == commitment.id, Acceptance.record_no == record)):
        found.append(problem("acceptance.exists", "record_no", value=record))
    found.raise_if_any()
    balance = commitment_balance(session, commitment)
    if balance.accepted + value > commitment.value:
        raise ValidationError(
            problem("acceptance.over_value", "accepted_value", reference=commitment.reference, value=format_amount(commitment.value), accepted=format_amount(balance.accepted), amount=format_amount(value))
        )
    acceptance = Acceptance(commitment_id=commitment.id, record_no=record, date=when, accepted_value=value, evidence=clean_evidence, created_by=actor.username)
    session.add(acceptance)
    audit.record_change(session, actor.username, "acceptance.post", acceptance, None)
    return acceptance


@writer
def reverse_acceptance(session: Session, actor: Actor, acceptance_id: int, reason: Any, date: Any = None) -> Acceptance:
    original = session.get(Acceptance, acceptance_id)
    if original is None:
        require_writer_any(session, actor)
        raise NotFound(problem("acceptance.unknown", value=acceptance_id))
    commitment = _commitment_for_write(session, actor, original.commitment_id)
    found = Problems()
    why = found.text(reason, "reason", "lý do", limit=2000)
    if original.reverses_id is not None or session.scalar(select(Acceptance.id).where(Acceptance.reverses_id == original.id)):
        found.append(problem("reversal.done"))
    if commitment.status != "signed":
        found.append(problem("acceptance.status", reference=commitment.reference, status=commitment.status))
    when = _within_year(found, date or min(dt.date.today(), dt.date(commitment.year + 1, 1, 31)), "date", commitment.year, grace=True)
    found.raise_if_any()
    balance = commitment_balance(session, commitment)
    if balance.paid_regular and balance.paid > balance.accepted - original.accepted_value:
        raise ValidationError(problem("acceptance.paid_beyond", reference=commitment.reference))
    reversal = Acceptance(
        commitment_id=commitment.id,
        record_no=_reversal_number(session, Acceptance.record_no, original.record_no, Acceptance.commitment_id == original.commitment_id),
        date=when,
        accepted_value=-original.accepted_value,
        evidence=why,
        reverses_id=original.id,
        created_by=actor.username,
    )
    session.add(reversal)
    audit.record_change(session, actor.username, "acceptance.reverse", reversal, None)
    return reversal


# --- contributions and payments ---------------------------------------------------------------

@writer
def record_contribution(session: Session, actor: Actor, **data: Any) -> Contribution:
    """Socialised money received for an XHH line. Fields: year, voucher_no, line, date, donor, amount."""
    found = Problems()
    year, error = parse_year(data.get("year"))
    if error:
        found.append(error)
    line = _resolve_line(session, actor, found, data.get("line"), year)
    year = year or (line.year if line else None)
    voucher = found.code(data.get("voucher_no"), "voucher_no", "số chứng từ", limit=64)
    when = _within_year(found, data.get("date"), "date", year, grace=True)
    donor = found.text(data.get("donor"), "donor", "nhà tài trợ", limit=255)
    amount = found.amount(data.get("amount"), "amount")
    if amount == 0:
        found.append(problem("amount.zero_payment", "amount"))
    if line is not None and line.source_code != "XHH":
        found.append(problem("contribution.not_xhh", "line", line=line.code))
    if voucher and year and session.scalar(select(Contribution.id).where(Contribution.year == year, Contribution.voucher_no == voucher)):
        found.append(problem("voucher.exists", "voucher_no", value=voucher, year=year))
    found.raise_if_any()
    contribution = Contribution(year=year, voucher_no=voucher, line_id=line.id, date=when, donor=donor, amount=amount, created_by=actor.username)
    session.add(contribution)
    audit.record_change(session, actor.username, "contribution.post", contribution, None)
    return contribution


@writer
def record_payment(session: Session, actor: Actor, **data: Any) -> Payment:
    """An advance or a payment. Fields: year, voucher_no, date, kind (TAM_UNG/THANH_TOAN), commitment
    (id) or reference (contract no./course code), line (for direct spending), amount."""
    found = Problems()
    year, error = parse_year(data.get("year"))
    if error:
        found.append(error)
    kind = _code_from_labels(data.get("kind") or "THANH_TOAN", PAYMENT_KIND_LABELS)
    if kind is None:
        found.append(problem("code.unknown", "kind", what="loại thanh toán", value=data.get("kind")))
    commitment = None
    reference = (data.get("reference") or "").strip() if isinstance(data.get("reference"), str) else None
    if data.get("commitment") is not None or reference:
        commitment = _commitment_for_write(session, actor, data.get("commitment"), year=year, reference=reference)
        line = commitment.line
        year = year or commitment.year
        if data.get("line") not in (None, "") and data.get("line") not in (line.id, line.code):
            found.append(problem("payment.line_mismatch", "line", line=data.get("line"), reference=commitment.reference))
    else:
        line = _resolve_line(session, actor, found, data.get("line"), year)
        year = year or (line.year if line else None)
        if kind == "TAM_UNG":
            found.append(problem("payment.advance_needs_commitment", "kind"))
    voucher = found.code(data.get("voucher_no"), "voucher_no", "số chứng từ", limit=64)
    when = _within_year(found, data.get("date"), "date", year, grace=True)
    amount = found.amount(data.get("amount"), "amount")
    if amount == 0:
        found.append(problem("amount.zero_payment", "amount"))
    if voucher and year and session.scalar(select(Payment.id).where(Payment.year == year, Payment.voucher_no == voucher)):
        found.append(problem("voucher.exists", "voucher_no", value=voucher, year=year))
    found.raise_if_any()

    excess = 0
    if commitment is not None:
        balance = commitment_balance(session, commitment)
        _check_commitment_payment(session, commitment, balance, kind, amount)
    else:
        excess = _control_line(session, actor, line, amount, "direct_payment", voucher)
    excess += _control_xhh(session, actor, line, amount, voucher)
    payment = Payment(
        year=year, voucher_no=voucher, date=when, kind=kind, commitment_id=commitment.id if commitment else None,
        line_id=line.id, amount=amount, excess_amount=excess, created_by=actor.username,
    )
    session.add(payment)
    audit.record_change(session, actor.username, "payment.advance" if kind == "TAM_UNG" else "payment.post", payment, None)
    return payment


def _check_commitment_payment(session: Session, commitment: Commitment, balance: CommitmentBalance, kind: str, amount: int) -> None:
    """Rules 5 and 6: advances within the unit's limit, payments within what was accepted."""
    ref = commitment.reference
    if commitment.status in ("draft", "cancelled"):
        raise ValidationError(problem("payment.status", reference=ref, status=commitment.status))
    if kind == "TAM_UNG":
        if commitment.status != "signed":
            raise ValidationError(problem("payment.status", reference=ref, status=commitment.status))
        percent = session.get(Unit, commitment.line.unit_id).advance_limit_pct
        limit = commitment.value * percent // 100
        if balance.advanced + amount > limit:
            raise ValidationError(
                problem("payment.advance_limit", "amount", reference=ref, percent=percent, limit=format_amount(limit), advanced=format_amount(balance.advanced), amount=format_amount(amount))
            )
        return
    if balance.accepted <= 0:
        raise ValidationError(problem("payment.before_acceptance", "amount", reference=ref))
    if balance.paid + amount > balance.accepted:
        raise ValidationError(
            problem("payment.over_accepted", "amount", reference=ref, accepted=format_amount(balance.accepted), paid=format_amount(balance.paid), amount=format_amount(amount))
        )


@writer
def reverse_payment(session: Session, actor: Actor, payment_id: int, reason: Any, date: Any = None) -> Payment:
    """Reverse a payment or advance by an opposite entry (the money came back or was posted wrongly)."""
    original = session.get(Payment, payment_id)
    if original is None:
        require_writer_any(session, actor)
        raise NotFound(problem("payment.unknown", value=payment_id))
    line = session.get(BudgetLine, original.line_id)
    require_writer(session, actor, line.unit_id)
    found = Problems()
    why = found.text(reason, "reason", "lý do", limit=2000)
    if original.reverses_id is not None or session.scalar(select(Payment.id).where(Payment.reverses_id == original.id)):
        found.append(problem("reversal.done"))
    when = _within_year(found, date or min(dt.date.today(), dt.date(original.year + 1, 1, 31)), "date", original.year, grace=True)
    found.raise_if_any()
    reversal = Payment(
        year=original.year, voucher_no=_reversal_number(session, Payment.voucher_no, original.voucher_no, Payment.year == original.year), date=when, kind=original.kind,
        commitment_id=original.commitment_id, line_id=original.line_id, amount=-original.amount,
        excess_amount=0, note=why, reverses_id=original.id, created_by=actor.username,
    )
    session.add(reversal)
    audit.record_change(session, actor.username, "payment.reverse", reversal, None)
    return reversal


@writer
def reverse_contribution(session: Session, actor: Actor, contribution_id: int, reason: Any, date: Any = None) -> Contribution:
    original = session.get(Contribution, contribution_id)
    if original is None:
        require_writer_any(session, actor)
        raise NotFound(problem("contribution.unknown", value=contribution_id))
    line = session.get(BudgetLine, original.line_id)
    require_writer(session, actor, line.unit_id)
    found = Problems()
    why = found.text(reason, "reason", "lý do", limit=2000)
    if original.reverses_id is not None or session.scalar(select(Contribution.id).where(Contribution.reverses_id == original.id)):
        found.append(problem("reversal.done"))
    when = _within_year(found, date or min(dt.date.today(), dt.date(original.year + 1, 1, 31)), "date", original.year, grace=True)
    found.raise_if_any()
    balance = line_balance(session, line.id)
    if balance.paid > balance.contributions - original.amount and session.get(Unit, line.unit_id).xhh_control == "block":
        raise ValidationError(
            problem("xhh.over_contributions", "amount", line=line.code, received=format_amount(balance.contributions - original.amount), paid=format_amount(balance.paid), amount=format_amount(0))
        )
    reversal = Contribution(
        year=original.year, voucher_no=_reversal_number(session, Contribution.voucher_no, original.voucher_no, Contribution.year == original.year), line_id=original.line_id,
        date=when, donor=original.donor, amount=-original.amount,
        note=why, reverses_id=original.id, created_by=actor.username,
    )
    session.add(reversal)
    audit.record_change(session, actor.username, "contribution.reverse", reversal, None)
    return reversal


# --- reading ----------------------------------------------------------------------------------

def _money_subqueries():
    accepted = (
        select(Acceptance.commitment_id, cast(func.sum(Acceptance.accepted_value), BigInteger).label("accepted"))
        .group_by(Acceptance.commitment_id)
        .subquery()
    )
    paid = (
        select(
            Payment.commitment_id,
            cast(func.sum(func.coalesce(Payment.amount, 0)).filter(Payment.kind == "TAM_UNG"), BigInteger).label("advanced"),
            cast(func.sum(Payment.amount), BigInteger).label("paid"),
        )
        .where(Payment.commitment_id.is_not(None))
        .group_by(Payment.commitment_id)
        .subquery()
    )
    return accepted, paid


def find_commitments(
    db: Database,
    actor: Actor,
    year: int,
    kind: str | None = None,
    search: str | None = None,
    status: str | None = None,
    line_id: int | None = None,
    limit: int = 5000,
) -> list[dict[str, Any]]:
    """Commitments in scope with their money state, aggregated in SQL. ``search`` matches the
    reference, the description, the press agency (code or name), the vendor and the policy."""
    with db.read() as session:
        scope = scope_unit_ids(session, actor)
        accepted, paid = _money_subqueries()
        query = (
            select(
                Commitment.id,
                Commitment.kind,
                Commitment.reference,
                Commitment.status,
                Commitment.description,
                Commitment.signed_on,
                Commitment.start_date,
                Commitment.end_date,
                Commitment.participants,
                Commitment.vendor,
                Commitment.service_type,
                Commitment.stage_code,
                Commitment.total_value,
                Commitment.value,
                Commitment.final_value,
                Commitment.excess_amount,
                Commitment.version,
                held_expression().label("held"),
                BudgetLine.id.label("line_id"),
                BudgetLine.code.label("line_code"),
                Unit.code.label("unit_code"),
                PressAgency.code.label("press_agency_code"),
                PressAgency.name.label("press_agency"),
                PressAgency.media_type,
                Policy.code.label("policy_code"),
                Policy.name.label("policy_name"),
                func.coalesce(accepted.c.accepted, 0).label("accepted"),
                func.coalesce(paid.c.advanced, 0).label("advanced"),
                func.coalesce(paid.c.paid, 0).label("paid"),
            )
            .join(BudgetLine, BudgetLine.id == Commitment.line_id)
            .join(Unit, Unit.id == BudgetLine.unit_id)
            .outerjoin(PressAgency, PressAgency.id == Commitment.press_agency_id)
            .outerjoin(Policy, Policy.id == Commitment.policy_id)
            .outerjoin(accepted, accepted.c.commitment_id == Commitment.id)
            .outerjoin(paid, paid.c.commitment_id == Commitment.id)
            .where(Commitment.year == year)
            .order_by(Commitment.reference)
            .limit(limit)
        )
        if scope is not None:
            query = query.where(BudgetLine.unit_id.in_(scope))
        if kind:
            query = query.where(Commitment.kind == kind)
        if status:
            query = query.where(Commitment.status == status)
        if line_id is not None:
            query = query.where(Commitment.line_id == line_id)
        if search and search.strip():
            like = f"%{search.strip()}%"
            query = query.where(
                or_(
                    Commitment.reference.ilike(like),
                    Commitment.description.ilike(like),
                    PressAgency.name.ilike(like),
                    PressAgency.code.ilike(like),
                    Commitment.vendor.ilike(like),
                    Policy.name.ilike(like),
                    Policy.code.ilike(like),
                )
            )
        rows = []
        for row in session.execute(query).mappings():
            item = dict(row)
            item["outstanding"] = max(0, item["held"] - item["paid"])
            item["uncleared_advance"] = item["advanced"] - min(item["advanced"], item["accepted"])
            rows.append(item)
        return rows


def commitment_detail(db: Database, actor: Actor, commitment_id: int) -> dict[str, Any]:
    """One commitment with its items, acceptances, payments, money state and its line's balance."""
    with db.read() as session:
        commitment = session.get(Commitment, commitment_id)
        scope = scope_unit_ids(session, actor)
        if commitment is None or (scope is not None and commitment.line.unit_id not in scope):
            raise NotFound(problem("commitment.unknown", value=commitment_id))
        balance = commitment_balance(session, commitment)
        line = line_balance(session, commitment.line_id)
        items = [audit.snapshot(i) for i in session.scalars(select(CommitmentItem).where(CommitmentItem.commitment_id == commitment.id).order_by(CommitmentItem.id))]
        acceptances = [audit.snapshot(a) for a in session.scalars(select(Acceptance).where(Acceptance.commitment_id == commitment.id).order_by(Acceptance.id))]
        payments = [audit.snapshot(p) for p in session.scalars(select(Payment).where(Payment.commitment_id == commitment.id).order_by(Payment.id))]
        for rows in (acceptances, payments):
            reversed_ids = {r["reverses_id"] for r in rows if r["reverses_id"]}
            for r in rows:
                r["reversed"] = r["id"] in reversed_ids
        return {
            **audit.snapshot(commitment),
            "line_code": commitment.line.code,
            "unit_code": commitment.line.unit.code,
            "line_source": commitment.line.source_code,
            "press_agency": commitment.press_agency.name if commitment.press_agency else None,
            "press_agency_code": commitment.press_agency.code if commitment.press_agency else None,
            "policy_code": commitment.policy.code if commitment.policy else None,
            "items": items,
            "acceptances": acceptances,
            "payments": payments,
            "accepted": balance.accepted,
            "advanced": balance.advanced,
            "paid": balance.paid,
            "held": balance.held,
            "payable": balance.payable,
            "outstanding": balance.outstanding,
            "uncleared_advance": balance.uncleared_advance,
            "line_allocated": line.allocated,
            "line_available": line.available,
        }


def line_activity(db: Database, actor: Actor, line_id: int) -> dict[str, Any]:
    """Everything charged to a line: its balance, commitments, direct payments and contributions."""
    with db.read() as session:
        line = session.get(BudgetLine, line_id)
        scope = scope_unit_ids(session, actor)
        if line is None or (scope is not None and line.unit_id not in scope):
            raise NotFound(problem("line.unknown", value=line_id))
        balance = line_balance(session, line_id)
        direct = [audit.snapshot(p) for p in session.scalars(select(Payment).where(Payment.line_id == line_id, Payment.commitment_id.is_(None)).order_by(Payment.id))]
        contributions = [audit.snapshot(c) for c in session.scalars(select(Contribution).where(Contribution.line_id == line_id).order_by(Contribution.id))]
        year = line.year
    return {
        "balance": balance,
        "commitments": find_commitments(db, actor, year, line_id=line_id),
        "direct_payments": direct,
        "contributions": contributions,
    }


def payments_in_scope(db: Database, actor: Actor, year: int, limit: int = 5000) -> list[dict[str, Any]]:
    """The year's payments in scope, newest first."""
    with db.read() as session:
        scope = scope_unit_ids(session, actor)
        query = (
            select(
                Payment.id, Payment.voucher_no, Payment.date, Payment.kind, Payment.amount, Payment.excess_amount,
                Payment.reverses_id, Commitment.reference, BudgetLine.code.label("line_code"), Unit.code.label("unit_code"),
                Payment.created_by,
            )
            .join(BudgetLine, BudgetLine.id == Payment.line_id)
            .join(Unit, Unit.id == BudgetLine.unit_id)
            .outerjoin(Commitment, Commitment.id == Payment.commitment_id)
            .where(Payment.year == year)
            .order_by(Payment.id.desc())
            .limit(limit)
        )
        if scope is not None:
            query = query.where(BudgetLine.unit_id.in_(scope))
        return [dict(r) for r in session.execute(query).mappings()]


