"""The rulebook: each money figure and each status's allowed actions, computed here once.

Services check against these, reports and the workbook show them, and screens offer exactly the
actions ``commitment_actions`` allows. Pure arithmetic on ints of đồng; the sums they start from
are read in SQL by ``ledger.store.balances``.

- A commitment holds its ``value`` on its line while signed, its ``final_value`` once closed out,
  nothing as a draft or when cancelled.
- A line's available balance = allocated − commitments held − payments made outside commitments.
- Advances are cleared by acceptances: the uncleared advance is advances − min(advances, accepted).
- An entry (adjustment, acceptance, payment, contribution) is reversed by an opposite entry that
  points to it; a reversal cannot itself be reversed, and an entry is reversed at most once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

HOLDING_STATUSES = ("signed", "closed")


def held(status: str, value: int, final_value: int | None) -> int:
    """What a commitment in ``status`` holds on its line."""
    if status == "signed":
        return value
    if status == "closed":
        return final_value or 0
    return 0


def available(allocated: int, committed: int, direct_paid: int) -> int:
    """A line's available balance: allocated less commitments held less payments outside commitments."""
    return allocated - committed - direct_paid


def final_or_value(status: str, value: int, final_value: int | None) -> int:
    """The value a list shows for a commitment: the final value once closed out, else its value."""
    return (final_value or 0) if status == "closed" else value


def uncleared_advance(advanced: int, accepted: int) -> int:
    return advanced - min(advanced, accepted)


def outstanding(held_amount: int, paid: int) -> int:
    """What remains to be paid against what a commitment holds."""
    return max(0, held_amount - paid)


def payable(accepted: int, paid: int) -> int:
    """What may still be paid as a regular payment: accepted − paid (advances counted in)."""
    return max(0, accepted - paid)


def advance_limit(value: int, limit_pct: int) -> int:
    """The most that may be advanced on a commitment of ``value`` under a limit of ``limit_pct`` %."""
    return value * limit_pct // 100


def advance_room(value: int, advanced: int, limit_pct: int) -> int:
    """How much more may be advanced on a commitment of ``value`` under a limit of ``limit_pct`` %."""
    return max(0, advance_limit(value, limit_pct) - advanced)


def year_portion(total: int, start: dt.date, end: dt.date, year: int) -> int:
    """The part of a contract's value falling in ``year``, pro rata by days, in whole đồng.

    Computed as the difference of rounded-down cumulative shares, so the portions of all the years
    of a term add up to the total exactly (no đồng lost to rounding)."""
    days = (end - start).days + 1

    def share_until(day: dt.date) -> int:
        elapsed = min(max((day - start).days + 1, 0), days)
        return total * elapsed // days

    return share_until(dt.date(year, 12, 31)) - share_until(dt.date(year - 1, 12, 31))


def is_reversible(reverses_id: int | None, already_reversed: bool) -> bool:
    """Whether an entry may still be reversed: not a reversal itself, and not reversed yet."""
    return reverses_id is None and not already_reversed


@dataclass(frozen=True)
class LineBalance:
    """The money state of a budget line."""

    line_id: int
    original_estimate: int
    adjustments: int
    committed: int
    direct_paid: int
    paid: int
    accepted: int
    contributions: int

    @property
    def allocated(self) -> int:
        return self.original_estimate + self.adjustments

    @property
    def used(self) -> int:
        """What is committed or paid on the line: the floor its allocation may not go below."""
        return self.committed + self.direct_paid

    @property
    def available(self) -> int:
        return available(self.allocated, self.committed, self.direct_paid)

    @property
    def xhh_room(self) -> int:
        """What an XHH line may still spend out of the contributions received for it."""
        return self.contributions - self.paid


@dataclass(frozen=True)
class CommitmentBalance:
    """The money state of a commitment (press order, course or IT contract)."""

    commitment_id: int
    status: str
    value: int
    final_value: int | None
    accepted: int
    advanced: int
    paid_regular: int

    @property
    def paid(self) -> int:
        """Everything paid on the commitment, advances included."""
        return self.advanced + self.paid_regular

    @property
    def held(self) -> int:
        return held(self.status, self.value, self.final_value)

    @property
    def uncleared_advance(self) -> int:
        return uncleared_advance(self.advanced, self.accepted)

    @property
    def payable(self) -> int:
        return payable(self.accepted, self.paid)

    @property
    def outstanding(self) -> int:
        return outstanding(self.held, self.paid)

    @property
    def acceptable(self) -> int:
        """What may still be accepted: the value less what was accepted."""
        return max(0, self.value - self.accepted)


# --- what each status allows ----------------------------------------------------------------------
# Every action a commitment screen can offer, and the service that performs it.
COMMITMENT_ACTIONS = ("sign", "edit", "advance", "accept", "pay", "close", "cancel", "reverse_acceptance", "reverse_payment")


def commitment_actions(
    balance: CommitmentBalance,
    *,
    reversible_acceptances: int = 0,
    reversible_payments: int = 0,
) -> tuple[str, ...]:
    """The actions the ledger allows on a commitment now, in display order. The services refuse
    exactly the others (each with its sentence); screens offer exactly these."""
    status = balance.status
    allowed: list[str] = []
    if status == "draft":
        allowed += ["sign", "edit", "cancel"]
    elif status == "signed":
        allowed += ["advance"]
        if balance.acceptable > 0:
            allowed.append("accept")
        if balance.payable > 0:
            allowed.append("pay")
        if balance.paid <= balance.accepted:
            allowed.append("close")
        if balance.accepted == 0 and balance.paid == 0:
            allowed.append("cancel")
        if reversible_acceptances:
            allowed.append("reverse_acceptance")
        if reversible_payments:
            allowed.append("reverse_payment")
    elif status == "closed":
        if balance.payable > 0:
            allowed.append("pay")
        if reversible_payments:
            allowed.append("reverse_payment")
    return tuple(allowed)


def can_cancel(status: str, accepted: int, paid: int) -> bool:
    """A draft may always be cancelled; a signed commitment only with nothing accepted or paid."""
    return status == "draft" or (status == "signed" and accepted == 0 and paid == 0)


def can_close(status: str, accepted: int, paid: int) -> bool:
    """Close-out needs a signed commitment whose advances are cleared by acceptances."""
    return status == "signed" and paid <= accepted


def can_pay(status: str) -> bool:
    """Regular payments need a signed or closed-out commitment (what was accepted is still owed)."""
    return status in HOLDING_STATUSES


def can_accept(status: str) -> bool:
    """Acceptances are recorded (and reversed) on a signed commitment only."""
    return status == "signed"


def can_advance(status: str) -> bool:
    """Advances are made on a signed commitment only."""
    return status == "signed"


def can_reverse_acceptance(balance: CommitmentBalance, amount: int) -> bool:
    """An acceptance of ``amount`` may be undone unless regular payments already rest on it (what was
    paid would then exceed what stays accepted)."""
    return not (balance.paid_regular and balance.paid > balance.accepted - amount)
