"""The national-scale demo's random plan of the spending: commitments and their activity.

Pure arithmetic on ints of đồng and day ordinals, drawn from the caller's ``rng`` (so the same seed
gives the same plan). A commitment's value is fixed first, so the line's estimate can be set to
cover it; its activity (advance, acceptances, payments) keeps the rules by construction: the
advance within the unit's limit, acceptances within the value, regular payments within what is
accepted. ``ledger.store.bulk`` checks every row against the rulebook all the same.
"""

from __future__ import annotations

import datetime as dt
import random

from ledger.demo.small import PRODUCTS
from ledger.domain.rules import year_portion

# Payment-quota weights by line kind (index into small.LINE_KINDS); kind 5 is paid directly.
KIND_WEIGHTS = (30, 25, 10, 8, 6, 25, 8, 4)
PAYMENTS_PER = {"order": (1, 1, 2, 2, 2, 3, 3, 4, 5, 6), "course": (1, 1, 2, 2, 3), "it_service": (2, 3, 4, 6, 8, 12)}
KIND_OF_CATEGORY = {"BAO_CHI": "order", "DAO_TAO": "course", "CNTT": "it_service"}


def round5m(value: int) -> int:
    """A budget figure: ``value`` rounded up to 5 million đồng (at least 5 million)."""
    return max(5_000_000, -(-value // 5_000_000) * 5_000_000)


class Spec:
    """A commitment planned on a line: its value is fixed first, so the line's estimate can cover it."""

    __slots__ = ("kind", "fate", "payments", "value", "total_value", "items", "participants", "start", "end", "service")

    def __init__(self, kind: str, fate: str, payments: int):
        self.kind = kind
        self.fate = fate  # active, idle (signed, nothing done), cancelled, cancelled_draft
        self.payments = payments
        self.value = 0
        self.total_value = 0
        self.items: list[tuple[int, int, int]] = []
        self.participants = None
        self.start: dt.date | None = None
        self.end: dt.date | None = None
        self.service = None


def _price(rng: random.Random, low: int, high: int) -> int:
    if high >= 10_000_000:
        return rng.randrange(low // 1_000_000, high // 1_000_000 + 1) * 1_000_000
    return rng.randrange(low // 100_000, high // 100_000 + 1) * 100_000


def plan_commitments(rng: random.Random, category: str, description: str, quota: int, year: int, last_year: int, window: tuple[dt.date, dt.date]) -> list[Spec]:
    kind = KIND_OF_CATEGORY[category]
    counts: list[int] = []
    total = 0
    while total < quota:
        counts.append(rng.choice(PAYMENTS_PER[kind]))
        total += counts[-1]
    if counts:
        counts[-1] -= total - quota
    specs = []
    for count in counts:
        specs.append(Spec(kind, "active", count))
        draw = rng.random()
        if draw < 0.08:
            specs.append(Spec(kind, "idle", 0))
        elif draw < 0.11:
            specs.append(Spec(kind, rng.choice(("cancelled", "cancelled_draft")), 0))
    for spec in specs:
        scale = max(1, spec.payments)
        if kind == "order":
            for index in sorted(rng.sample(range(len(PRODUCTS)), rng.choice((1, 2, 2, 3)))):
                low, high = PRODUCTS[index][2]
                quantity = rng.randrange(1, 6) * scale
                spec.items.append((index, quantity, _price(rng, low, high)))
            spec.value = spec.total_value = sum(q * p for _, q, p in spec.items)
        elif kind == "course":
            spec.participants = rng.randrange(30, 150)
            spec.value = spec.total_value = spec.participants * rng.randrange(15, 50) * 100_000 + rng.randrange(10, 60) * 1_000_000
            spec.start = window[0] + dt.timedelta(days=rng.randrange(max(1, (window[1] - window[0]).days * 2 // 3)))
            spec.end = spec.start + dt.timedelta(days=2)
        else:
            spec.service = "RA_QUET" if "Rà quét" in description else "THAM_DO"
            spec.total_value = rng.randrange(40, 200) * 5_000_000 * (1 + scale // 4)
            spec.start = dt.date(year, rng.choice((1, 2, 3)), 1)
            spec.end = dt.date(year, 12, 31)
            if spec.service == "RA_QUET" and year < last_year and rng.random() < 0.3:
                spec.end = dt.date(year + 1, 2, 28)  # a monitoring contract running into the next year
            spec.value = year_portion(spec.total_value, spec.start, spec.end, year)
    return specs


def split(rng: random.Random, total: int, parts: int, unit: int = 1000) -> list[int]:
    """``total`` in ``parts`` positive pieces, rounded to ``unit`` đồng where that leaves every piece positive."""
    if parts == 1:
        return [total]
    if total < parts * unit * 4:
        unit = 1
    weights = [rng.randrange(5, 15) for _ in range(parts)]
    whole = sum(weights)
    pieces = [max(unit, total * w // whole // unit * unit) for w in weights[:-1]]
    pieces.append(total - sum(pieces))
    assert all(p > 0 for p in pieces), (total, parts, pieces)
    return pieces


def _split_count(rng: random.Random, total: int, parts: int) -> list[int]:
    counts = [1] * parts
    for _ in range(total - parts):
        counts[rng.randrange(parts)] += 1
    return counts


def _days(rng: random.Random, first: int, last: int, k: int) -> list[int]:
    """``k`` sorted day ordinals in [first, last]."""
    if last <= first:
        return [first] * k
    return sorted(rng.randint(first, last) for _ in range(k))


def activity(rng: random.Random, value: int, payments: int, pct: int, first: int, last: int, close_chance: float) -> tuple[list[tuple[str, int, int]], int, bool]:
    """Advance, acceptances and payments of a signed commitment with exactly ``payments`` payments.

    Returns the chronological steps (``TAM_UNG``/``NT``/``THANH_TOAN``, day ordinal, amount), the
    accepted total and whether the commitment is then closed out."""
    limit = value * pct // 100
    advance = 0
    if limit >= 1000 and rng.random() < (0.3 if payments == 1 else 0.4):
        advance = max(1000, limit * rng.choice((40, 60, 100)) // 100 // 1000 * 1000)
    regular = payments - (1 if advance else 0)
    advance_day = first + rng.randrange(max(1, (last - first) // 6 + 1))
    if regular == 0:
        return [("TAM_UNG", advance_day, advance)], 0, False
    share = 100 if rng.random() < 0.55 else rng.randrange(50, 96)
    accepted = value * share // 100
    if accepted - advance < regular * 4000:  # a tiny commitment: no advance, accept it whole
        advance, regular, accepted = 0, payments, value
    closed = rng.random() < close_chance
    rounds = min(regular, rng.choice((1, 1, 2, 2, 3, 4)))
    counts = _split_count(rng, regular, rounds)
    parts = split(rng, accepted - advance, rounds)
    steps: list[tuple[str, int, int]] = []
    start = first
    if advance:
        steps.append(("TAM_UNG", advance_day, advance))
        start = advance_day
    accept_days = _days(rng, start, last, rounds)
    for number, (count, part, day) in enumerate(zip(counts, parts, accept_days, strict=True)):
        steps.append(("NT", day, part + (advance if number == 0 else 0)))
        to_pay = part
        if number == rounds - 1 and not closed and rng.random() < 0.25 and part >= count * 20_000:
            to_pay = part * rng.randrange(60, 96) // 100  # the last acceptance not yet fully paid
        until = accept_days[number + 1] if number + 1 < rounds else last
        for pay_day, amount in zip(_days(rng, day, until, count), split(rng, to_pay, count), strict=True):
            steps.append(("THANH_TOAN", pay_day, amount))
    return steps, accepted, closed

