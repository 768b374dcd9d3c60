"""A lean reader for the plain worksheets a ledger workbook holds (what xlsxwriter writes, so every
extract, and what Excel or LibreOffice save): rows of cells holding numbers, dates, shared or inline
strings, read from the sheet's XML with a few regular expressions instead of one element object per
cell — the same values as openpyxl's reader in a fraction of its time.

It reads only what it fully understands: a sheet of moderate size in the main namespace whose cells
carry a value or an inline string and nothing else. Anything else — a formula, an error value, a
boolean, rich text, an escaped character (``_x000D_``), a prefixed namespace, a very large part —
makes it decline (``None``), and the caller reads the sheet with openpyxl's parser as before, so the
refusals of the reader (formulas, error values, merged cells) stay openpyxl's.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl.utils.datetime import WINDOWS_EPOCH, days_to_time

MAX_PART_BYTES = 64 * 2**20  # larger parts are streamed by openpyxl (their text would sit in memory here)

_SHEET_DATA = re.compile(rb"<sheetData\s*/>|<sheetData>(.*?)</sheetData>", re.S)
# A row with its number (any other attributes), and a cell as xlsxwriter, Excel and LibreOffice write
# one: its reference, then optionally its style and type, then a value, an inline string or nothing.
_ROW = re.compile(r'<row r="([0-9]+)"[^>]*?(?:/>|>(.*?)</row>)', re.S)
_CELL = re.compile(
    r'<c r="([A-Z]{1,3})[0-9]+"(?: s="([0-9]+)")?(?: t="(s|n|inlineStr)")?\s*'
    r'(?:/>|>(?:<v>([^<]*)</v>|<is><t(?: xml:space="preserve")?>([^<]*)</t></is>|<is><t(?: xml:space="preserve")?/></is>)?</c>)'
)
_MERGES = re.compile(rb"<mergeCells\b[^>]*>(.*?)</mergeCells>", re.S)
_MERGE = re.compile(rb'<mergeCell ref="([A-Z0-9:]+)"\s*/>')
_ENTITY = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|lt|gt|amp|quot|apos);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


class Declined(Exception):
    """Something this reader does not handle: read the sheet with openpyxl instead."""


@dataclass
class _Merge:
    ref: str


@dataclass
class Merges:
    mergeCell: list[_Merge]  # noqa: N815  (openpyxl's name, which the reader's merge check reads)


def _text(raw: str) -> str:
    if "&" not in raw:
        return raw

    def entity(found: re.Match) -> str:
        name = found.group(1)
        if name in _NAMED:
            return _NAMED[name]
        return chr(int(name[2:], 16) if name[1] == "x" else int(name[1:]))

    text = _ENTITY.sub(entity, raw)
    if "&" in _ENTITY.sub("", raw):
        raise Declined  # an entity XML does not define: not a well-formed part
    return text


class FastSheet:
    """The rows of one worksheet part, or ``Declined`` (on opening or while reading)."""

    def __init__(self, data: bytes, shared_strings: list[Any], date_formats: set[int], timedelta_formats: set[int], epoch: Any):
        if len(data) > MAX_PART_BYTES or b"_x" in data:
            raise Declined
        found = _SHEET_DATA.search(data)
        if found is None:
            raise Declined
        self.body = (found.group(1) or b"").decode("utf-8")
        merges = _MERGES.search(data, found.end())
        self.merged_cells = None
        if merges is not None:
            refs = _MERGE.findall(merges.group(1))
            if len(refs) != merges.group(1).count(b"<mergeCell"):
                raise Declined
            self.merged_cells = Merges([_Merge(ref.decode()) for ref in refs])
        self.shared_strings, self.date_formats, self.timedelta_formats, self.epoch = shared_strings, date_formats, timedelta_formats, epoch
        self.columns: dict[str, int] = {}

    def rows(self) -> Iterator[tuple[int, dict[int, dict[str, Any]]]]:
        """(row number, {column number: {"value", "data_type"}}) for each row, blank cells left out."""
        position = 0
        body = self.body
        for row in _ROW.finditer(body):
            if row.start() != position and body[position:row.start()].strip():
                raise Declined  # something between rows
            position = row.end()
            yield int(row.group(1)), self._cells(row.group(2) or "")
        if body[position:].strip():
            raise Declined

    def _cells(self, content: str) -> dict[int, dict[str, Any]]:
        if not content:
            return {}
        if _CELL.sub("", content).strip():
            raise Declined  # a cell this reader does not parse (a formula, another attribute…)
        cells: dict[int, dict[str, Any]] = {}
        columns = self.columns
        for letters, style, kind, raw, text in _CELL.findall(content):
            if raw:
                if kind == "inlineStr":
                    raise Declined
                value = self._value(kind, raw, int(style) if style else 0)
                data_type = "s" if kind == "s" else ("n" if isinstance(value, int | float) else "d")
            elif text:
                if kind != "inlineStr":
                    raise Declined
                value, data_type = _text(text), "s"
            else:
                continue
            column = columns.get(letters) or self._column(letters)
            cells[column] = {"column": column, "value": value, "data_type": data_type}
        return cells

    def _column(self, letters: str) -> int:
        column = self.columns.get(letters)
        if column is None:
            column = 0
            for letter in letters:
                column = column * 26 + ord(letter) - 64
            self.columns[letters] = column
        return column

    def _value(self, kind: str, raw: str, style: int) -> Any:
        if kind == "s":
            try:
                return self.shared_strings[int(raw)]
            except (ValueError, IndexError):
                raise Declined from None
        try:
            # Exact, never through float: money is whole đồng end to end. A decimal or exponent
            # spelling that is whole becomes an int; a fraction stays an exact Decimal, which the
            # amount checks refuse as fractional.
            number = Decimal(raw) if "." in raw or "E" in raw or "e" in raw else int(raw)
        except (ValueError, InvalidOperation):
            raise Declined from None
        if isinstance(number, Decimal):
            if not number.is_finite():
                raise Declined
            if number == number.to_integral_value():
                number = int(number)
        if style in self.date_formats:
            try:
                return from_serial(number, self.epoch, duration=style in self.timedelta_formats)
            except (OverflowError, ValueError):
                raise Declined from None
        return number


def from_serial(number: int | Decimal, epoch: dt.datetime, duration: bool = False) -> Any:
    """openpyxl's ``from_excel`` in exact arithmetic (no float anywhere in the reader): the serial's
    whole days, and its fraction (the time of day) rounded to the millisecond, as openpyxl rounds it;
    a serial in [0, 1) is a time of day, and the 1900 epoch skips Excel's phantom 29/02/1900."""
    day, fraction = divmod(number, 1)
    diff = dt.timedelta(milliseconds=round(fraction * 86_400_000))
    if duration:
        return dt.timedelta(days=int(day)) + diff
    if 0 <= number < 1 and diff.days == 0:
        return days_to_time(diff)
    day = int(day)
    if 0 < number < 60 and epoch == WINDOWS_EPOCH:
        day += 1
    return epoch + dt.timedelta(days=day) + diff
