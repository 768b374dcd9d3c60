"""The communication team's rules as functions, no database: when an assignment is active, the
window of "trained within the last 24 months", a course's participant count when it has a list,
and the cost per person (letter 837, item 1).

The store and the reports express the same rules in SQL (``ledger.reports.coverage``); the
functions here are their definition, tested on their own at each boundary.
"""

from __future__ import annotations

import calendar
import datetime as dt

TRAINING_MONTHS = 24


def months_before(day: dt.date, months: int) -> dt.date:
    """The same calendar day ``months`` earlier, clamped to the month's last day (29/02 → 28/02)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def training_window(on: dt.date, months: int = TRAINING_MONTHS) -> tuple[dt.date, dt.date]:
    """The first and last day (both counted) of "the last ``months`` months" as of ``on``.

    The window ends on ``on`` and starts the day after the same day ``months`` earlier, so it spans
    exactly ``months`` months: on 01/12/2026 a course that ended on 02/12/2024 counts, one that ended
    on 01/12/2024 does not. A course is dated by its last day (the day its participants completed it).
    """
    return months_before(on, months) + dt.timedelta(days=1), on


def is_active(start: dt.date, end: dt.date | None, on: dt.date) -> bool:
    """Whether an assignment from ``start`` to ``end`` (both counted; open when None) holds on ``on``."""
    return start <= on and (end is None or end >= on)


def course_participants(listed: int, declared: int | None) -> int | None:
    """A course's participant count: its attendance list when it has one, else the declared number."""
    return listed if listed else declared


def per_person(cost: int, people: int | None) -> int | None:
    """Whole đồng per person (rounded down), or None when nobody is counted."""
    return cost // people if people else None
