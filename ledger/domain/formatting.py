"""Reading and writing amounts, dates and years the Vietnamese way.

Parsers never guess: they return ``(value, None)`` or ``(None, Problem)``; a fractional amount is a
problem, not something to round. Formatters use Babel's Vietnamese locale ("." groups thousands).
"""

from __future__ import annotations

import datetime as dt
import numbers
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import format_decimal

from ledger.domain.errors import Problem, problem

MAX_AMOUNT = 10**15  # anything above a quadrillion đồng is a typo, not a policy-communication budget

_AMOUNT_TEXT = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+$|^[+-]?\d+$")
_CURRENCY_MARKS = ("đồng", "vnđ", "vnd", "đ", "₫")
_SCALES = {"dong": 1, "nghin": 1_000, "trieu": 1_000_000, "ty": 1_000_000_000}
SCALE_LABELS = {
    "dong": {"vi": "đồng", "en": "đồng"},
    "nghin": {"vi": "nghìn đồng", "en": "thousand đồng"},
    "trieu": {"vi": "triệu đồng", "en": "million đồng"},
    "ty": {"vi": "tỷ đồng", "en": "billion đồng"},
}


def parse_amount(value: Any, *, allow_negative: bool = False, field: str = "amount") -> tuple[int | None, Problem | None]:
    """An integer number of đồng from a number or Vietnamese-style text, or the problem with it."""
    shown = value if not isinstance(value, str) else value.strip()
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, problem("amount.required", field)
    if isinstance(value, bool):
        return None, problem("amount.not_integer", field, value=value)
    if isinstance(value, numbers.Integral):  # int, and numpy's integers (pandas, data editors)
        amount = int(value)
    elif isinstance(value, float | Decimal):
        try:
            exact = Decimal(str(value)) if isinstance(value, float) else value
        except InvalidOperation:
            return None, problem("amount.not_integer", field, value=value)
        if not exact.is_finite():
            return None, problem("amount.not_integer", field, value=value)
        if exact != exact.to_integral_value():
            return None, problem("amount.fractional", field, value=value)
        amount = int(exact)
    elif isinstance(value, str):
        text = value.strip().lower()
        for mark in _CURRENCY_MARKS:
            if text.endswith(mark):
                text = text[: -len(mark)].strip()
                break
        text = text.replace(" ", "").replace("\u00a0", "")
        if _AMOUNT_TEXT.match(text):
            digits = text.replace(".", "")
            if len(digits.lstrip("+-").lstrip("0")) > len(str(MAX_AMOUNT)):
                # Checked before int(): Python refuses to convert strings of more than 4300 digits.
                short = shown if len(shown) <= 32 else shown[:32] + "…"
                return None, problem("amount.too_large", field, value=short, limit=format_amount(MAX_AMOUNT))
            amount = int(digits)
        elif re.match(r"^[+-]?\d[\d.]*,\d+$", text):
            return None, problem("amount.fractional", field, value=shown)
        else:
            return None, problem("amount.not_integer", field, value=shown)
    else:
        return None, problem("amount.not_integer", field, value=shown)
    if amount < 0 and not allow_negative:
        return None, problem("amount.negative", field, value=_describe(amount))
    if abs(amount) > MAX_AMOUNT:
        return None, problem("amount.too_large", field, value=_describe(amount), limit=format_amount(MAX_AMOUNT))
    return amount, None


def _describe(amount: int) -> str:
    """An amount for a message: grouped when Babel can group it, else in scientific notation."""
    return format_amount(amount) if abs(amount) < 10**27 else f"{Decimal(amount):.3E}"


def parse_date(value: Any, *, field: str = "date") -> tuple[dt.date | None, Problem | None]:
    """A date from a date/datetime or text dd/mm/yyyy (ISO yyyy-mm-dd also accepted)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, problem("date.required", field)
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    if isinstance(value, str):
        text = value.strip()
        for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
            try:
                return dt.datetime.strptime(text, fmt).date(), None
            except ValueError:
                continue
    return None, problem("date.invalid", field, value=value)


def parse_year(value: Any, *, field: str = "year") -> tuple[int | None, Problem | None]:
    if isinstance(value, bool):
        return None, problem("year.invalid", field, value=value)
    if isinstance(value, numbers.Integral) and 1900 <= value <= 2999:
        return int(value), None
    if isinstance(value, float) and value.is_integer() and 1900 <= value <= 2999:
        return int(value), None
    if isinstance(value, str) and re.fullmatch(r"[0-9]{4}", value.strip()) and 1900 <= int(value.strip()) <= 2999:
        return int(value.strip()), None
    return None, problem("year.invalid", field, value=value)


def format_amount(amount: int | None, *, currency: bool = False) -> str:
    """1234567 -> '1.234.567' (with ' đ' when ``currency``)."""
    if amount is None:
        return ""
    text = format_decimal(amount, format="#,##0", locale="vi")
    return f"{text} đ" if currency else text


def format_vnd(amount: int | None) -> str:
    return format_amount(amount, currency=True)


def format_scaled(amount: int, scale: str = "dong") -> str:
    """An amount in nghìn/triệu/tỷ đồng for reports (the unit goes in the header, not the cell)."""
    divisor = _SCALES[scale]
    if divisor == 1:
        return format_amount(amount)
    return format_decimal(Decimal(amount) / divisor, format="#,##0.##", locale="vi")


def format_date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    return value.strftime("%d/%m/%Y")


def format_datetime(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return value.strftime("%d/%m/%Y %H:%M")


def format_percent(ratio_num: int, ratio_den: int) -> str:
    """Execution percentage with one decimal, Vietnamese decimal comma; '–' when nothing is planned."""
    if not ratio_den:
        return "–"
    return format_decimal(Decimal(ratio_num * 100) / ratio_den, format="0.0", locale="vi") + " %"
