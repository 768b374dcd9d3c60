"""Today's date, from one place: the calendar, or ``LEDGER_TODAY`` (dd/mm/yyyy) for tests and for
rehearsing a year end. Every rule that asks "is this in the future?" or "which year is it?" reads
``today()``; the app shows a banner while the override is set (``override_text``)."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping

TODAY_VARIABLE = "LEDGER_TODAY"
_PATTERN = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")


def override(environ: Mapping[str, str] | None = None) -> dt.date | None:
    """The date ``LEDGER_TODAY`` sets, or None when it is unset or blank. A value that is not a
    real dd/mm/yyyy date is refused loudly: a rehearsal on the wrong day would be worse than none."""
    raw = (os.environ if environ is None else environ).get(TODAY_VARIABLE, "")
    if not raw.strip():
        return None
    match = _PATTERN.match(raw)
    if match is None:
        raise ValueError(f"{TODAY_VARIABLE} must be a date dd/mm/yyyy, not {raw!r}")
    day, month, year = (int(part) for part in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError as error:
        raise ValueError(f"{TODAY_VARIABLE} must be a real date dd/mm/yyyy, not {raw!r}") from error


def today(environ: Mapping[str, str] | None = None) -> dt.date:
    """Today: ``LEDGER_TODAY`` when set, else the machine's calendar date."""
    return override(environ) or dt.date.today()


def override_text(environ: Mapping[str, str] | None = None) -> str | None:
    """``dd/mm/yyyy`` of the override while one is set (for the app's banner), else None."""
    date = override(environ)
    return date.strftime("%d/%m/%Y") if date else None
