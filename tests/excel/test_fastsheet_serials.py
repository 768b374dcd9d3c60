"""The lean sheet reader turns date serials into dates exactly as openpyxl does, without float."""

from __future__ import annotations

import inspect
import random
from decimal import Decimal

import pytest
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel

from ledger.excel import fastsheet
from ledger.excel.fastsheet import from_serial

WHOLE = [0, 1, 59, 60, 61, 45_292, 46_022, 2_958_465]
FRACTIONS = [Decimal(s) for s in ("0.5", "0.75", "0.0000001", "59.9999", "60.5", "46000.5", "46000.123456789", "45291.999999")]


@pytest.mark.parametrize("epoch", [WINDOWS_EPOCH, MAC_EPOCH])
@pytest.mark.parametrize("duration", [False, True])
def test_a_serial_gives_what_openpyxl_gives(epoch, duration):
    rng = random.Random(9)
    drawn = [Decimal(rng.randrange(1, 60_000)) + Decimal(rng.randrange(1, 10**9)) / 10**9 for _ in range(500)]
    for serial in [*WHOLE, *FRACTIONS, *drawn]:
        assert _outcome(from_serial, serial, epoch, duration) == _outcome(lambda s, e, d: from_excel(float(s), e, timedelta=d), serial, epoch, duration), serial


def _outcome(convert, serial, epoch, duration):
    """The value, or the error past the last date Python can hold (the reader then declines the sheet)."""
    try:
        return convert(serial, epoch, duration)
    except OverflowError:
        return OverflowError


def test_the_day_of_a_whole_serial_is_exact():
    assert from_serial(46_022, WINDOWS_EPOCH).date().isoformat() == "2025-12-31"
    assert from_serial(Decimal("46022.75"), WINDOWS_EPOCH).isoformat() == "2025-12-31T18:00:00"
    assert from_serial(60, WINDOWS_EPOCH).date().isoformat() == "1900-02-28"  # Excel's phantom 29/02/1900 skipped


def test_the_reader_never_goes_through_float():
    assert "float(" not in inspect.getsource(fastsheet)
