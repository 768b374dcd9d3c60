"""Field checks shared by services and the importer; each appends to a list of problems.

Services gather every problem first and raise once, so a form or a workbook row shows all that
is wrong with it at the same time.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from ledger.domain import clock
from ledger.domain.errors import Problem, ValidationError, problem
from ledger.domain.formatting import format_date, parse_amount, parse_date

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/\-]*$")


class Problems(list[Problem]):
    """A list of problems with the checks that add to it."""

    def text(self, value: Any, field: str, what: str, *, limit: int, required: bool = True) -> str | None:
        text = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
        if not text:
            if required:
                self.append(problem("text.required", field, what=what))
            return None
        if len(text) > limit:
            self.append(problem("text.too_long", field, what=what, limit=limit))
            return None
        return text

    def code(self, value: Any, field: str, what: str, *, limit: int = 32) -> str | None:
        text = self.text(value, field, what, limit=10_000)
        if text is None:
            return None
        if len(text) > limit or not CODE_PATTERN.match(text):
            self.append(problem("code.format", field, what=what, limit=limit, value=text))
            return None
        return text

    def amount(self, value: Any, field: str = "amount", *, allow_negative: bool = False) -> int | None:
        amount, error = parse_amount(value, allow_negative=allow_negative, field=field)
        if error:
            self.append(error)
        return amount

    def date(self, value: Any, field: str = "date", *, year: int | None = None, not_future: bool = True) -> dt.date | None:
        date, error = parse_date(value, field=field)
        if error:
            self.append(error)
            return None
        if year is not None and date.year != year:
            self.append(problem("date.outside_year", field, date=format_date(date), year=year))
            return None
        if not_future and date > clock.today():
            self.append(problem("date.future", field, date=format_date(date)))
            return None
        return date

    def raise_if_any(self) -> None:
        if self:
            raise ValidationError(list(self))
