"""The budget year's calendar and its end, as pure rules: the closing period, the phased plan to
date, and what of a line's unspent allocation carries over into the next year or is cancelled.

The carry-over rules are data, one rule set per range of fiscal years (``RULE_SETS``), each with the
legal basis it applies; ``rule_set(year)`` picks the one in force for a year. The figures a run
starts from are read in SQL (``ledger.services.year_end``); the arithmetic is here, once.

- Up to 2025 (Law 83/2015/QH13 Art 64): the ledger's services (press orders, training, IT services)
  are not on the list: their remainder is cancelled, except amounts added after 30/09.
- From 2026 (Law 89/2025/QH15 Art 66; Decree 73/2026/NĐ-CP Art 30–31): a commitment signed by 31/12
  carries its unpaid remainder (value less what was paid on it, advances included) and its advance
  still to be cleared; amounts added after 30/09 carry over unless their task has ended; XHH
  sponsorship given for a specified task carries over. What does not carry over is cancelled.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

MONTHS = 12
PHASED_MODES = ("off", "warn", "block")
PART_KINDS = ("carry", "cancel")  # what becomes of a part of a line's unspent allocation


# --- the calendar ---------------------------------------------------------------------------------

def closing_end(year: int) -> dt.date:
    """The last day of ``year``'s closing period (chỉnh lý quyết toán): 31/01 of the next year."""
    return dt.date(year + 1, 1, 31)


def in_closing_period(year: int, today: dt.date) -> bool:
    """Whether ``today`` falls in ``year``'s closing period (01/01–31/01 of the next year): payments for
    work accepted by 31/12 may still be posted; nothing new is committed."""
    return dt.date(year + 1, 1, 1) <= today <= closing_end(year)


def may_run_year_end(year: int, today: dt.date) -> bool:
    """The year-end run comes once the closing period is over."""
    return today > closing_end(year)


def refund_deadline(year: int) -> dt.date:
    """Advances neither settled nor carried over are refunded by 15/02 of the next year."""
    return dt.date(year + 1, 2, 15)


# --- phased control -------------------------------------------------------------------------------

def months_to_date(year: int, today: dt.date) -> int:
    """How many months of ``year``'s plan have begun by ``today`` (the current month counts whole)."""
    if today.year > year:
        return MONTHS
    if today.year < year:
        return 1
    return today.month


def phased_plan(allocated: int, weights: list[int] | None, months: int) -> int:
    """A line's plan to the end of month ``months``: its allocation spread in proportion to its own
    phasing's weights, else evenly over twelve months; rounded down to the đồng."""
    if not weights or sum(weights) <= 0:
        return allocated * months // MONTHS
    return allocated * sum(weights[:months]) // sum(weights)


def phased_room(allocated: int, used: int, weights: list[int] | None, months: int) -> int:
    """What may still be committed or paid on a line before its committed and paid pass its plan."""
    return phased_plan(allocated, weights, months) - used


# --- the rule sets --------------------------------------------------------------------------------

@dataclass(frozen=True)
class RuleSet:
    """The carry-over rules of the law in force for a range of fiscal years."""

    code: str
    first_year: int
    last_year: int | None
    law_vi: str
    law_en: str
    commitments_carry: bool  # a commitment signed by 31/12 carries its unpaid remainder
    late_additions_carry: bool  # amounts added after 30/09 carry over
    late_unless_ended: bool  # … unless their task has ended
    sponsorship_carries: bool  # XHH sponsorship for a specified task carries over

    def covers(self, year: int) -> bool:
        return self.first_year <= year and (self.last_year is None or year <= self.last_year)


RULE_SETS = (
    RuleSet("LUAT_83_2015", 2017, 2025, "Luật 83/2015/QH13, Điều 64", "Law 83/2015/QH13, Art 64", False, True, False, False),
    RuleSet("LUAT_89_2025", 2026, None, "Luật 89/2025/QH15, Điều 66; Nghị định 73/2026/NĐ-CP, Điều 30–31", "Law 89/2025/QH15, Art 66; Decree 73/2026/NĐ-CP, Art 30–31", True, True, True, True),
)


def rule_set(year: int) -> RuleSet:
    """The rule set in force for fiscal ``year`` (the earliest one for a year before them all)."""
    for rules in RULE_SETS:
        if rules.covers(year):
            return rules
    return RULE_SETS[0]


# Every basis a carry or a cancellation is recorded with: its clause, in both languages.
BASES = {
    "commitment": ("hợp đồng ký trước 31/12: phần chưa thanh toán (điểm d)", "contract signed by 31/12: unpaid remainder (point d)"),
    "advance": ("tạm ứng chưa thanh toán của hợp đồng chuyển nguồn", "advance still to be cleared on a carried contract"),
    "late_addition": ("kinh phí bổ sung sau 30/09 (điểm a)", "amount added after 30/09 (point a)"),
    "sponsorship": ("tài trợ cho nhiệm vụ xác định (điểm k)", "sponsorship for a specified task (point k)"),
    "not_listed": ("không thuộc trường hợp được chuyển nguồn: hủy dự toán", "not a carry-over case: cancelled"),
    "task_ended": ("nhiệm vụ đã kết thúc: hủy dự toán", "task ended: cancelled"),
    "overspent": ("chi vượt dự toán được giao (chế độ cảnh báo): xử lý khi quyết toán", "paid beyond the allocation (warn mode): to settle"),
}


def basis_text(code: str, rules: RuleSet, lang: str = "vi") -> str:
    """A basis as a sentence: its clause and the law it is in."""
    clause = BASES[code][1 if lang == "en" else 0]
    return f"{clause} — {rules.law_en if lang == 'en' else rules.law_vi}"


# --- one line's end of year -----------------------------------------------------------------------

@dataclass(frozen=True)
class CommitmentAtYearEnd:
    """A commitment's state at the year end, as the run reads it."""

    commitment_id: int
    reference: str
    status: str
    value: int
    signed_on: dt.date | None
    paid: int  # advances included
    advanced: int
    accepted: int

    @property
    def uncleared_advance(self) -> int:
        return self.advanced - min(self.advanced, self.accepted)


@dataclass(frozen=True)
class LineAtYearEnd:
    """What the year-end run knows of a line: allocation, paid, late additions, contributions, open commitments."""

    line_id: int
    year: int
    source_code: str
    allocated: int
    paid: int
    late_additions: int  # the net of the adjustments dated after 30/09, when positive
    contributions: int
    commitments: tuple[CommitmentAtYearEnd, ...]


@dataclass(frozen=True)
class Part:
    """A part of a line's unspent allocation: carried (``carry``) or cancelled (``cancel``)."""

    kind: str
    basis: str
    amount: int
    commitment_id: int | None = None


@dataclass(frozen=True)
class LineOutcome:
    """What the year end makes of a line's unspent allocation: its parts (carried or cancelled) and refunds."""

    line_id: int
    unspent: int
    parts: tuple[Part, ...]
    refunds: tuple[tuple[int, str, int], ...]  # (commitment id, reference, advance to refund by 15/02)

    def total(self, kind: str) -> int:
        return sum(part.amount for part in self.parts if part.kind == kind)

    @property
    def carried(self) -> int:
        return self.total("carry")

    @property
    def cancelled(self) -> int:
        return self.total("cancel")


def _carries(commitment: CommitmentAtYearEnd, year: int) -> bool:
    return commitment.status == "signed" and commitment.signed_on is not None and commitment.signed_on <= dt.date(year, 12, 31)


def line_outcome(line: LineAtYearEnd, rules: RuleSet) -> LineOutcome:
    """What of a line's unspent allocation (allocated − paid) carries over and what is cancelled,
    each part with its basis; the parts add up to the unspent amount plus the advances carried.

    A carried commitment carries its unpaid remainder and, as an advance to clear in the next year,
    what it was advanced beyond what was accepted (that advance leaves the year's payments: the
    line's paid goes down and its carried amount up by the same đồng). An advance on a commitment
    that does not carry is to be refunded by 15/02."""
    room = line.allocated - line.paid
    parts: list[Part] = []
    refunds: list[tuple[int, str, int]] = []
    open_task = False
    for commitment in line.commitments:
        if rules.commitments_carry and _carries(commitment, line.year):
            open_task = True
            remainder = min(max(commitment.value - commitment.paid, 0), max(room, 0))
            if remainder:
                parts.append(Part("carry", "commitment", remainder, commitment.commitment_id))
                room -= remainder
            if commitment.uncleared_advance:
                parts.append(Part("carry", "advance", commitment.uncleared_advance, commitment.commitment_id))
        elif commitment.uncleared_advance:
            refunds.append((commitment.commitment_id, commitment.reference, commitment.uncleared_advance))
    late = min(max(line.late_additions, 0), max(room, 0))
    if late and rules.late_additions_carry:
        if rules.late_unless_ended and not open_task and not _task_open(line):
            parts.append(Part("cancel", "task_ended", late))
        else:
            parts.append(Part("carry", "late_addition", late))
        room -= late
    if line.source_code == "XHH" and rules.sponsorship_carries:
        sponsorship = min(max(line.contributions - line.paid, 0), max(room, 0))
        if sponsorship:
            parts.append(Part("carry", "sponsorship", sponsorship))
            room -= sponsorship
    if room > 0:
        parts.append(Part("cancel", "not_listed", room))
    elif room < 0:  # paid past the allocation (a unit in warn mode): settled as a negative cancellation
        parts.append(Part("cancel", "overspent", room))
    return LineOutcome(line.line_id, line.allocated - line.paid, tuple(parts), tuple(refunds))


def _task_open(line: LineAtYearEnd) -> bool:
    """A line's task is open while it has a commitment still signed (not closed out nor cancelled),
    or no commitment at all yet (the task it was added for has not started)."""
    return not line.commitments or any(c.status == "signed" for c in line.commitments)
