"""Unit tests of today's date (ledger/domain/clock.py): the calendar, or LEDGER_TODAY."""

from __future__ import annotations

import datetime as dt

import pytest

from ledger.domain import clock


def test_today_is_the_calendar_date_without_an_override():
    assert clock.today({}) == dt.date.today()
    assert clock.override_text({"LEDGER_TODAY": "  "}) is None


def test_ledger_today_sets_the_date_for_a_rehearsal():
    assert clock.today({"LEDGER_TODAY": "31/01/2027"}) == dt.date(2027, 1, 31)
    assert clock.today({"LEDGER_TODAY": "1/2/2027"}) == dt.date(2027, 2, 1)
    assert clock.override_text({"LEDGER_TODAY": "1/2/2027"}) == "01/02/2027"


def test_the_process_environment_is_read_when_none_is_given(monkeypatch):
    monkeypatch.setenv("LEDGER_TODAY", "15/12/2026")
    assert clock.today() == dt.date(2026, 12, 15)


@pytest.mark.parametrize("value", ["2027-01-31", "31/13/2027", "30/02/2027", "tomorrow"])
def test_a_value_that_is_not_a_real_date_is_refused(value):
    with pytest.raises(ValueError, match="LEDGER_TODAY"):
        clock.today({"LEDGER_TODAY": value})
