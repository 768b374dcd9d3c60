"""Actuals: advances and payments (against a commitment or directly on a line), socialised
contributions received for XHH lines, and their reversals (DOMAIN rules 5–8).

A payment on a commitment stays within what was accepted (an advance within the unit's limit on the
value); a direct payment is under the line's commitment control; spending on an XHH line stays
within the contributions received for it. The figures are ``ledger.domain.rules``. A single payment
takes six statements with the write lock and the audit event: its target is loaded with its
balances and the voucher check in one (``ledger.store.balances``), the actor with the audit head in
another, the unit tree in a third, once per transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ledger.domain import codes, rules
from ledger.domain.errors import NotFound, ValidationError, problem
from ledger.domain.formatting import format_amount, parse_year
from ledger.domain.validation import Problems
from ledger.services import tokens
from ledger.services.budget import require_writer_any
from ledger.services.shared import (
    already_reversed,
    commitment_for_write,
    control_line,
    control_xhh,
    resolve_line,
    reversal_date,
    reversal_number,
    voucher_check,
    voucher_used,
    within_year,
    writer,
)
from ledger.store import audit
from ledger.store.access import Actor, require_writer
from ledger.store.balances import commitment_balance, line_balance
from ledger.store.models import BudgetLine, Commitment, Contribution, Payment, Unit


@writer
def record_contribution(session: Session, actor: Actor, **data: Any) -> Contribution:
    """Socialised money received for an XHH line. Fields: year, voucher_no, line, date, donor, amount."""
    found = Problems()
    year, error = parse_year(data.get("year"))
    if error:
        found.append(error)
    voucher = found.code(data.get("voucher_no"), "voucher_no", "số chứng từ", limit=64)
    check = voucher_check(session, Contribution, year, voucher)
    line, voucher_taken = resolve_line(session, actor, found, data.get("line"), year, check=check)
    year = year or (line.year if line else None)
    when = within_year(found, data.get("date"), "date", year, grace=True)
    donor = found.text(data.get("donor"), "donor", "nhà tài trợ", limit=255)
    amount = found.amount(data.get("amount"), "amount")
    if amount == 0:
        found.append(problem("amount.zero_payment", "amount"))
    if line is not None and line.source_code != "XHH":
        found.append(problem("contribution.not_xhh", "line", line=line.code))
    if voucher and year and voucher_used(session, Contribution, year, voucher, voucher_taken if check is not None else None):
        found.append(problem("voucher.exists", "voucher_no", value=voucher, year=year))
    found.raise_if_any()
    contribution = Contribution(year=year, voucher_no=voucher, line_id=line.id, date=when, donor=donor, amount=amount, created_by=actor.username, posting_token=tokens.clean(data.get("token")))
    session.add(contribution)
    audit.record_change(session, actor.username, "contribution.post", contribution, None)
    return contribution


def _target(session: Session, actor: Actor, found: Problems, data: dict[str, Any], year: int | None, kind: str | None, voucher: str | None) -> tuple[Commitment | None, BudgetLine | None, int | None, bool | None]:
    """What a payment is made against: a commitment (by id or reference) or a line; the year; and
    whether the voucher is taken (None: not read with the target)."""
    check = voucher_check(session, Payment, year, voucher)
    reference = (data.get("reference") or "").strip() if isinstance(data.get("reference"), str) else None
    if data.get("commitment") is not None or reference:
        commitment, voucher_taken = commitment_for_write(session, actor, data.get("commitment"), year=year, reference=reference, check=check)
        line = commitment.line
        if data.get("line") not in (None, "") and data.get("line") not in (line.id, line.code):
            found.append(problem("payment.line_mismatch", "line", line=data.get("line"), reference=commitment.reference))
        return commitment, line, year or commitment.year, voucher_taken if check is not None else None
    line, voucher_taken = resolve_line(session, actor, found, data.get("line"), year, check=check)
    if kind == "TAM_UNG":
        found.append(problem("payment.advance_needs_commitment", "kind"))
    return None, line, year or (line.year if line else None), voucher_taken if check is not None else None


@writer
def record_payment(session: Session, actor: Actor, **data: Any) -> Payment:
    """An advance or a payment. Fields: year, voucher_no, date, kind (TAM_UNG/THANH_TOAN), commitment
    (id) or reference (contract no./course code), line (for direct spending), amount."""
    found = Problems()
    year, error = parse_year(data.get("year"))
    if error:
        found.append(error)
    kind = codes.code_for(data.get("kind") or "THANH_TOAN", codes.PAYMENT_KINDS)
    if kind is None:
        found.append(problem("code.unknown", "kind", what="loại thanh toán", value=data.get("kind")))
    voucher = found.code(data.get("voucher_no"), "voucher_no", "số chứng từ", limit=64)
    commitment, line, year, voucher_taken = _target(session, actor, found, data, year, kind, voucher)
    when = within_year(found, data.get("date"), "date", year, grace=kind != "TAM_UNG")  # no advance for the new year's work
    amount = found.amount(data.get("amount"), "amount")
    if amount == 0:
        found.append(problem("amount.zero_payment", "amount"))
    if voucher and year and voucher_used(session, Payment, year, voucher, voucher_taken):
        found.append(problem("voucher.exists", "voucher_no", value=voucher, year=year))
    found.raise_if_any()

    excess = 0
    if commitment is not None:
        _check_commitment_payment(session, commitment, kind, amount)
    else:
        excess = control_line(session, actor, line, amount, "direct_payment", voucher)
    excess += control_xhh(session, actor, line, amount, voucher)
    payment = Payment(
        year=year, voucher_no=voucher, date=when, kind=kind, commitment_id=commitment.id if commitment else None,
        line_id=line.id, amount=amount, excess_amount=excess, created_by=actor.username, posting_token=tokens.clean(data.get("token")),
    )
    session.add(payment)
    audit.record_change(session, actor.username, "payment.advance" if kind == "TAM_UNG" else "payment.post", payment, None)
    return payment


def _check_commitment_payment(session: Session, commitment: Commitment, kind: str, amount: int) -> None:
    """Rules 5 and 6: advances within the unit's limit, payments within what was accepted."""
    ref, status = commitment.reference, commitment.status
    balance = commitment_balance(session, commitment)
    if not (rules.can_advance(status) if kind == "TAM_UNG" else rules.can_pay(status)):
        raise ValidationError(problem("payment.status", reference=ref, status=status))
    if kind == "TAM_UNG":
        percent = session.get(Unit, commitment.line.unit_id).advance_limit_pct
        if amount > rules.advance_room(commitment.value, balance.advanced, percent):
            raise ValidationError(
                problem("payment.advance_limit", "amount", reference=ref, percent=percent, limit=format_amount(rules.advance_limit(commitment.value, percent)), advanced=format_amount(balance.advanced), amount=format_amount(amount))
            )
        return
    if balance.accepted <= 0:
        raise ValidationError(problem("payment.before_acceptance", "amount", reference=ref))
    if amount > balance.payable:
        raise ValidationError(
            problem("payment.over_accepted", "amount", reference=ref, accepted=format_amount(balance.accepted), paid=format_amount(balance.paid), amount=format_amount(amount))
        )


def _original(session: Session, actor: Actor, model, entry_id: int, missing: str):
    """The entry a reversal undoes, checked for writing on its line."""
    original = session.get(model, entry_id)
    if original is None:
        require_writer_any(session, actor)
        raise NotFound(problem(missing, value=entry_id))
    line = session.get(BudgetLine, original.line_id)
    require_writer(session, actor, line.unit_id)
    return original, line


def _reversal_fields(session: Session, model, original: Any, reason: Any, date: Any) -> dict[str, Any]:
    """What every reversal of a payment or contribution carries: the opposite amount, a '/HUY' number,
    its reason and date, and the entry it undoes (refused if that is not reversible)."""
    found = Problems()
    why = found.text(reason, "reason", "lý do", limit=2000)
    if not rules.is_reversible(original.reverses_id, already_reversed(session, model, original)):
        found.append(problem("reversal.done"))
    when = reversal_date(found, date, original.year)
    found.raise_if_any()
    number = reversal_number(session, model.voucher_no, original.voucher_no, model.year == original.year)
    return {"year": original.year, "voucher_no": number, "date": when, "line_id": original.line_id, "amount": -original.amount, "note": why, "reverses_id": original.id}


@writer
def reverse_payment(session: Session, actor: Actor, payment_id: int, reason: Any, date: Any = None, *, token: str | None = None) -> Payment:
    """Reverse a payment or advance by an opposite entry (the money came back or was posted wrongly)."""
    original, _line = _original(session, actor, Payment, payment_id, "payment.unknown")
    fields = _reversal_fields(session, Payment, original, reason, date)
    reversal = Payment(kind=original.kind, commitment_id=original.commitment_id, excess_amount=0, created_by=actor.username, posting_token=tokens.clean(token), **fields)
    session.add(reversal)
    audit.record_change(session, actor.username, "payment.reverse", reversal, None)
    return reversal


@writer
def reverse_contribution(session: Session, actor: Actor, contribution_id: int, reason: Any, date: Any = None, *, token: str | None = None) -> Contribution:
    """Reverse a contribution; refused on an XHH line that blocks when what was paid out of it would
    exceed what is left."""
    original, line = _original(session, actor, Contribution, contribution_id, "contribution.unknown")
    fields = _reversal_fields(session, Contribution, original, reason, date)
    balance = line_balance(session, line.id)
    if balance.xhh_room < original.amount and session.get(Unit, line.unit_id).xhh_control == "block":
        raise ValidationError(
            problem("xhh.over_contributions", "amount", line=line.code, received=format_amount(balance.contributions - original.amount), paid=format_amount(balance.paid), amount=format_amount(0))
        )
    reversal = Contribution(donor=original.donor, created_by=actor.username, posting_token=tokens.clean(token), **fields)
    session.add(reversal)
    audit.record_change(session, actor.username, "contribution.reverse", reversal, None)
    return reversal
