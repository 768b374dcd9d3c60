"""Amounts, dates and years read and written the Vietnamese way (DOMAIN rules 1 and 10).

Parsers return ``(value, None)`` or ``(None, problem)``; a refused value is never rounded or guessed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest

from ledger.domain.formatting import (
    MAX_AMOUNT,
    format_amount,
    format_date,
    format_datetime,
    format_percent,
    format_scaled,
    format_vnd,
    parse_amount,
    parse_date,
    parse_year,
)


def accepted(value, **kwargs) -> int:
    amount, error = parse_amount(value, **kwargs)
    assert error is None, f"{value!r} refused: {error}"
    assert type(amount) is int, f"{value!r} parsed to {type(amount).__name__}, not int"
    return amount


def refusal(value, **kwargs):
    amount, error = parse_amount(value, **kwargs)
    assert amount is None, f"{value!r} was accepted as {amount!r}"
    assert error is not None
    return error


# --- amounts accepted -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, 0),
        (1, 1),
        (1234567, 1_234_567),
        ("1234567", 1_234_567),
        ("1.234.567", 1_234_567),
        ("1.234.567 đ", 1_234_567),
        ("1.234.567đ", 1_234_567),
        ("1.234.567₫", 1_234_567),
        ("1.234.567 ₫", 1_234_567),
        ("1.234.567 đồng", 1_234_567),
        ("1.234.567 VNĐ", 1_234_567),
        ("1.234.567 vnd", 1_234_567),
        ("  1.234.567  ", 1_234_567),
        ("1 234 567", 1_234_567),
        ("1\u00a0234\u00a0567 đ", 1_234_567),
        ("500", 500),
        ("5.000", 5_000),  # a dot groups thousands: five thousand, not five point zero
        (Decimal("1234567"), 1_234_567),
        (Decimal("1.5E+3"), 1_500),
        (2_000_000.0, 2_000_000),  # an integral float is exact below 2**53, so it is taken as is
        (np.int64(1_234_567), 1_234_567),  # what pandas and data editors hand over
    ],
)
def test_amount_accepted(value, expected):
    assert accepted(value) == expected


def test_amount_limit_is_inclusive():
    assert accepted(MAX_AMOUNT) == 10**15
    assert accepted("1.000.000.000.000.000") == 10**15
    assert accepted("1.000.000.000.000.000 đ") == 10**15
    assert accepted(-(10**15), allow_negative=True) == -(10**15)


@pytest.mark.parametrize("value", [10**15 + 1, "1.000.000.000.000.001", Decimal(10**15 + 1), 10**16, 1e300])
def test_amount_above_limit_refused(value):
    error = refusal(value)
    assert error.key == "amount.too_large"
    assert "1.000.000.000.000.000" in error.message("vi")


def test_amount_below_negative_limit_refused():
    assert refusal(-(10**15) - 1, allow_negative=True).key == "amount.too_large"


@pytest.mark.parametrize(
    "value",
    ["9" * 5000, Decimal("1E+5000"), 10**5000, "-" + "9" * 400],
    ids=["5000-digit-text", "decimal-1e5000", "int-10**5000", "negative-400-digit-text"],
)
def test_absurdly_long_amount_is_a_problem_not_a_crash(value):
    error = refusal(value, allow_negative=True)
    assert error.key == "amount.too_large"
    assert len(error.message("en")) < 200


# --- negative amounts -------------------------------------------------------------------------


@pytest.mark.parametrize("value", [-1, "-1", "-1.234.567", "-1.234.567 đ", Decimal("-5")])
def test_negative_refused_by_default(value):
    error = refusal(value)
    assert error.key == "amount.negative"


def test_negative_message_shows_the_amount_grouped():
    error = refusal("-1234567")
    assert "-1.234.567" in error.message("vi")


@pytest.mark.parametrize(
    ("value", "expected"), [(-1, -1), ("-1.234.567", -1_234_567), ("-1.234.567 đ", -1_234_567), (Decimal("-5"), -5)]
)
def test_negative_accepted_when_allowed(value, expected):
    assert accepted(value, allow_negative=True) == expected


# --- fractions and text are refused, never rounded ---------------------------------------------


@pytest.mark.parametrize(
    "value",
    [1.5, 0.5, -0.5, "1.234,5", "1,5", "0,5", "1.234.567,89 đ", Decimal("0.5"), Decimal("1234567.01"), 0.1 + 0.2],
)
def test_fraction_refused_not_rounded(value):
    error = refusal(value, allow_negative=True)
    assert error.key == "amount.fractional"
    assert error.field == "amount"


@pytest.mark.parametrize(
    "value",
    [
        "abc",
        "12abc",
        "1.23",
        "1..000",
        "1.2345",
        "12.34.567",
        "đ",
        "1,234,567.00x",
        [1],
        {"a": 1},
        float("nan"),
        float("inf"),
        Decimal("NaN"),
        object(),
    ],
)
def test_text_and_other_types_refused(value):
    assert refusal(value).key == "amount.not_integer"


@pytest.mark.parametrize("value", [True, False, np.bool_(True)])
def test_bool_refused(value):
    assert refusal(value).key == "amount.not_integer"


@pytest.mark.parametrize("value", [None, "", "   "])
def test_missing_amount(value):
    assert refusal(value).key == "amount.required"


def test_problem_names_the_field_and_value():
    amount, error = parse_amount("abc", field="original_estimate")
    assert amount is None
    assert error.field == "original_estimate"
    assert "abc" in error.message("vi")
    assert "abc" in error.message("en")


# --- formatting amounts -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (1234567, "1.234.567 đ"),
        (0, "0 đ"),
        (999, "999 đ"),
        (1000, "1.000 đ"),
        (-1234567, "-1.234.567 đ"),
        (10**15, "1.000.000.000.000.000 đ"),
    ],
)
def test_format_vnd(amount, expected):
    assert format_vnd(amount) == expected


def test_format_amount_without_currency_and_none():
    assert format_amount(1234567) == "1.234.567"
    assert format_amount(None) == ""
    assert format_vnd(None) == ""


@pytest.mark.parametrize("amount", [0, 7, 1_000, 1_234_567, 987_654_321_012, 10**15])
def test_formatted_amount_parses_back(amount):
    assert accepted(format_vnd(amount)) == amount
    assert accepted(format_amount(amount)) == amount


@pytest.mark.parametrize(
    ("amount", "scale", "expected"),
    [
        (1_234_567_000, "dong", "1.234.567.000"),
        (1_234_567_000, "nghin", "1.234.567"),
        (1_234_567_000, "trieu", "1.234,57"),
        (1_234_567_000, "ty", "1,23"),
        (2_000_000_000, "ty", "2"),
    ],
)
def test_format_scaled(amount, scale, expected):
    assert format_scaled(amount, scale) == expected


def test_format_percent():
    assert format_percent(1, 3) == "33,3 %"
    assert format_percent(5, 5) == "100,0 %"
    assert format_percent(5, 0) == "–"


# --- dates and years --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("05/03/2026", dt.date(2026, 3, 5)),  # day first: 5 March, not 3 May
        ("31/12/2025", dt.date(2025, 12, 31)),
        ("29/02/2024", dt.date(2024, 2, 29)),
        (" 01/01/2026 ", dt.date(2026, 1, 1)),
        ("2026-03-05", dt.date(2026, 3, 5)),
        (dt.date(2026, 3, 5), dt.date(2026, 3, 5)),
        (dt.datetime(2026, 3, 5, 14, 30), dt.date(2026, 3, 5)),
    ],
)
def test_parse_date(value, expected):
    date, error = parse_date(value)
    assert error is None
    assert date == expected
    assert type(date) is dt.date


@pytest.mark.parametrize(
    "value", ["31/02/2026", "29/02/2025", "03/13/2026", "2026/03/05", "5 March 2026", "abc", 20260305]
)
def test_parse_date_refused(value):
    date, error = parse_date(value)
    assert date is None
    assert error.key == "date.invalid"
    assert "dd/mm/yyyy" in error.message("vi")


@pytest.mark.parametrize("value", [None, "", "  "])
def test_parse_date_missing(value):
    assert parse_date(value)[1].key == "date.required"


def test_format_date_is_day_month_year():
    assert format_date(dt.date(2026, 3, 5)) == "05/03/2026"
    assert format_date(dt.datetime(2026, 12, 31, 23, 59)) == "31/12/2026"
    assert format_date(None) == ""
    assert format_datetime(dt.datetime(2026, 3, 5, 9, 7)) == "05/03/2026 09:07"
    assert parse_date(format_date(dt.date(2026, 3, 5)))[0] == dt.date(2026, 3, 5)


@pytest.mark.parametrize(
    ("value", "expected"), [(2026, 2026), ("2026", 2026), (" 2025 ", 2025), (2026.0, 2026), (1900, 1900), (2999, 2999)]
)
def test_parse_year(value, expected):
    year, error = parse_year(value)
    assert error is None
    assert year == expected
    assert type(year) is int


@pytest.mark.parametrize("value", [True, "26", "20266", "2026a", 2026.5, 1899, 3000, None, "", "năm 2026"])
def test_parse_year_refused(value):
    year, error = parse_year(value)
    assert year is None
    assert error.key == "year.invalid"
