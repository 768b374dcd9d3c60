"""Fuzzing with hypothesis: whatever a form field or a workbook cell holds, the parsers return
``(value, None)`` or ``(None, Problem)`` — never raise — and every problem reads as a sentence in
Vietnamese and English; the code resolvers return a catalogue code or None; a workbook row of random
cells is checked by the importer without an exception and without writing anything.

Bounded: at most 300 examples per property (fewer for the database-backed ones), no deadline, no
example database written to disk. Derandomized, so that a run is repeatable (CI never fails on a
new draw); LEDGER_FUZZ_RANDOM=1 draws fresh examples on every run, to explore. The number of inputs
tried is printed (pytest -s).
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from workbook_support import LINE_HEADERS, build

from ledger.domain.codes import fold
from ledger.domain.errors import Problem
from ledger.domain.formatting import MAX_AMOUNT, format_amount, format_date, parse_amount, parse_date, parse_year
from ledger.services.budget import resolve_code
from ledger.store.models import Category, Source, Stage

TRIED: Counter[str] = Counter()
FIXED = os.environ.get("LEDGER_FUZZ_RANDOM") != "1"
PURE = settings(max_examples=300, deadline=None, database=None, derandomize=FIXED)
WITH_DB = settings(
    max_examples=120, deadline=None, database=None, derandomize=FIXED,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
WITH_IMPORT = settings(
    max_examples=40, deadline=None, database=None, derandomize=FIXED,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# What people type into an amount, a date or a year: digits with dots, commas, spaces, signs and
# currency marks, Vietnamese letters, and everything else Unicode has.
typed = st.one_of(
    st.text(),
    st.text(alphabet="0123456789.,+- \u00a0đĐvndVND₫/eE", max_size=40),
    st.from_regex(r"\A[+-]?\d{1,3}(\.\d{3}){0,6}(,\d{1,3})?\s?(đ|đồng|vnd|VNĐ|₫)?\Z"),
    st.from_regex(r"\A\d{1,2}/\d{1,2}/\d{1,5}\Z"),
    st.from_regex(r"\A\d{4}-\d{2}-\d{2}\Z"),
    st.from_regex(r"\A\s*\d{1,6}\s*\Z"),
)
anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.dates(),
    st.datetimes(),
    st.binary(max_size=20),
    st.lists(st.integers(), max_size=3),
    typed,
)


def is_parsed(result: object, kind: type) -> bool:
    """``(value, None)`` with a value of ``kind``, or ``(None, Problem)`` whose sentences render."""
    assert isinstance(result, tuple) and len(result) == 2
    value, found = result
    if found is None:
        assert isinstance(value, kind) and not isinstance(value, bool) and value is not None
        return True
    assert value is None and isinstance(found, Problem)
    for lang in ("vi", "en"):
        sentence = found.message(lang)
        assert isinstance(sentence, str) and sentence and sentence != found.key
    return False


@PURE
@given(anything, st.booleans())
def test_parse_amount_never_raises(value, allow_negative):
    TRIED["parse_amount"] += 1
    result = parse_amount(value, allow_negative=allow_negative)
    if is_parsed(result, int):
        amount = result[0]
        assert abs(amount) <= MAX_AMOUNT
        assert allow_negative or amount >= 0


@PURE
@given(st.integers(min_value=-MAX_AMOUNT, max_value=MAX_AMOUNT))
def test_amounts_read_back_as_written(amount):
    TRIED["parse_amount"] += 1
    assert parse_amount(format_amount(amount), allow_negative=True) == (amount, None)
    assert parse_amount(format_amount(amount, currency=True), allow_negative=True) == (amount, None)
    assert parse_amount(str(amount), allow_negative=True) == (amount, None)
    assert parse_amount(Decimal(amount), allow_negative=True) == (amount, None)


@PURE
@given(anything)
def test_parse_date_never_raises(value):
    TRIED["parse_date"] += 1
    if is_parsed(parse_date(value), dt.date):
        assert isinstance(parse_date(value)[0], dt.date)


@PURE
@given(st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(9999, 12, 31)))
def test_dates_read_back_as_written(day):
    TRIED["parse_date"] += 1
    assert parse_date(format_date(day)) == (day, None)
    assert parse_date(day.isoformat()) == (day, None)


@PURE
@given(anything)
def test_parse_year_never_raises(value):
    TRIED["parse_year"] += 1
    if is_parsed(parse_year(value), int):
        assert 1900 <= parse_year(value)[0] <= 2999


@PURE
@given(st.text())
def test_fold_is_total_and_stable(text):
    TRIED["fold"] += 1
    folded = fold(text)
    assert isinstance(folded, str)
    assert folded == folded.strip() and "  " not in folded
    assert fold(folded) == folded, "folding twice changes nothing"
    assert fold(text.upper()) == fold(text.lower()) or not text.isascii()


@WITH_DB
@given(value=st.one_of(anything, st.sampled_from(["bao chi", "BÁO CHÍ", "  Đặt hàng báo chí ", "nsnn", "Xã hội hóa", "hoach dinh", "KHAC"])))
def test_code_resolvers_return_a_catalogue_code_or_none(db, value):
    TRIED["resolve_code"] += 1
    with db.read() as session:
        for model in (Category, Source, Stage):
            codes = {row.code for row in session.query(model)}
            found = resolve_code(session, model, value)
            assert found is None or found in codes


@PURE
@given(st.one_of(anything, st.text(max_size=60)))
def test_quantities_and_participants_never_raise(value):
    """What an officer types as an item's quantity, unit price or a course's participants."""
    from ledger.domain.validation import Problems
    from ledger.services.commitments import _items, _participants

    TRIED["quantities"] += 1
    found = Problems()
    participants = _participants(found, value)
    assert (participants is None) == bool(found)
    assert participants is None or (isinstance(participants, int) and participants > 0)
    items = _items(Problems(), [{"product": "Bài viết", "quantity": value, "unit_price": value}])
    assert all(i.quantity > 0 and i.unit_price >= 0 and i.amount == i.quantity * i.unit_price for i in items)


@PURE
@given(st.one_of(anything, st.text(max_size=60)))
def test_workbook_cell_readers_never_raise(value):
    from ledger.excel import layout
    from ledger.excel.importer import _text, _whole

    TRIED["workbook cells"] += 1
    text = _text(value)
    assert text is None or (isinstance(text, str) and text)
    whole = _whole(value)
    assert whole is None or (isinstance(whole, int) and not isinstance(whole, bool))
    code = layout.code_for(value, layout.CONTROL_LABELS)
    assert code is None or code in layout.CONTROL_LABELS


def test_digits_that_int_refuses():
    """Found by this file's fuzzing: str.isdigit() is true for '²', which int() refuses — a crash in an
    item's quantity, a course's participants and a workbook's whole-number cell, all fixed."""
    from ledger.domain.validation import Problems
    from ledger.excel.importer import _whole
    from ledger.services.commitments import _participants

    assert _whole("²") is None
    found = Problems()
    assert _participants(found, "²") is None and [p.key for p in found] == ["course.participants"]
    assert parse_year("2026\x1f") == (2026, None)


# A cell of a user's spreadsheet: what openpyxl can store (no control characters).
cell = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**18), max_value=10**18),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2999, 12, 31)),
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=40).filter(lambda s: not s.startswith("=")),
    typed.filter(lambda s: all(ord(c) >= 32 for c in s) and not s.startswith("=")),
)


@WITH_IMPORT
@given(st.lists(cell, min_size=len(LINE_HEADERS), max_size=len(LINE_HEADERS)))
def test_the_importer_checks_any_row_without_raising(demo_db, cells):
    from ledger.excel.importer import import_workbook
    from ledger.store.access import SYSTEM

    TRIED["workbook rows"] += 1
    data = build({"Dự toán": [LINE_HEADERS, cells]})
    result = import_workbook(demo_db, SYSTEM, data, dry_run=True)
    assert result.written is False
    for found in result.problems:
        assert isinstance(found, Problem)
        for lang in ("vi", "en"):
            assert found.message(lang)


@pytest.fixture(scope="module", autouse=True)
def report_inputs_tried():
    yield
    print("\nhypothesis inputs tried: " + ", ".join(f"{name} {n}" for name, n in sorted(TRIED.items())) + f" (total {sum(TRIED.values())})")
