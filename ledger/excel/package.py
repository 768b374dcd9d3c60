"""Opening an uploaded workbook safely, before any sheet is parsed: the size checked first, then the
zip's central directory (not a zip, a zip bomb), then openpyxl in read-only mode with worksheets that
are not measured on opening (see ``SheetRef``). The reader (reader.py) takes it from there.

- more than ``MAX_FILE_BYTES`` (checked before anything is parsed), not a zip (an .xls, a CSV, an
  encrypted or broken file), a zip whose members would inflate past ``MAX_UNCOMPRESSED_BYTES`` or
  by more than ``MAX_RATIO`` to 1 (a zip bomb; read from the central directory, nothing inflated).
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path
from typing import IO

from ledger.domain.errors import Problem
from ledger.excel.texts import xproblem

MAX_FILE_BYTES = 50 * 2**20
MAX_UNCOMPRESSED_BYTES = 200 * 2**20
MAX_RATIO = 100
RATIO_MIN_BYTES = 2**20  # small members (styles, shared strings of a few rows) may compress very well

Source = str | os.PathLike | bytes | IO[bytes]


class WorkbookRefused(Exception):
    """The file cannot be read at all; carries the problems saying why."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


def _mb(size: int) -> str:
    return f"{size / 2**20:.1f} MB".replace(".", ",")


def load_bytes(source: Source, limit: int = MAX_FILE_BYTES) -> bytes:
    """The file's bytes, refusing anything above ``limit`` before reading it (a path's size is
    checked with stat; a stream is read at most ``limit`` + 1 bytes)."""
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    elif isinstance(source, str | os.PathLike):
        size = Path(source).stat().st_size
        if size > limit:
            raise WorkbookRefused([xproblem("xl.too_large", size=_mb(size), limit=_mb(limit))])
        data = Path(source).read_bytes()
    else:
        declared = getattr(source, "size", None)  # Streamlit's UploadedFile knows its size
        if isinstance(declared, int) and declared > limit:
            raise WorkbookRefused([xproblem("xl.too_large", size=_mb(declared), limit=_mb(limit))])
        chunks, total = [], 0
        while True:
            chunk = source.read(min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise WorkbookRefused([xproblem("xl.too_large", size=f"> {_mb(limit)}", limit=_mb(limit))])
        data = b"".join(chunks)
    if len(data) > limit:
        raise WorkbookRefused([xproblem("xl.too_large", size=_mb(len(data)), limit=_mb(limit))])
    return data


def check_zip(data: bytes) -> None:
    """Refuse what is not a zip, and a zip bomb, from the central directory alone."""
    if not data:
        raise WorkbookRefused([xproblem("xl.empty")])
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise WorkbookRefused([xproblem("xl.not_xlsx")]) from None
    with archive:
        members = archive.infolist()
        total = sum(m.file_size for m in members)
        if total > MAX_UNCOMPRESSED_BYTES:
            raise WorkbookRefused([xproblem("xl.inflates", size=_mb(total), limit=_mb(MAX_UNCOMPRESSED_BYTES))])
        for member in members:
            if member.file_size > RATIO_MIN_BYTES and member.file_size > MAX_RATIO * max(member.compress_size, 1):
                ratio = member.file_size // max(member.compress_size, 1)
                raise WorkbookRefused([xproblem("xl.ratio", member=member.filename, ratio=ratio, limit=MAX_RATIO)])
        names = {m.filename for m in members}
        if "xl/workbook.xml" not in names:
            raise WorkbookRefused([xproblem("xl.not_xlsx")])


class SheetRef:
    """A worksheet of the package, not parsed yet: its name, visibility and XML part.

    openpyxl's own read-only sheet measures itself on creation, and without a ``<dimension>`` element
    that means parsing the whole sheet: seconds for a sheet of a million blank rows. This one waits."""

    def __init__(self, workbook, title: str, path: str, shared_strings, state: str | None):
        self.parent = workbook
        self.title = title
        self._path = path
        self._shared_strings = shared_strings
        self.sheet_state = state or "visible"
        self.defined_names: dict = {}

    def _get_source(self):
        return self.parent._archive.open(self._path)

    def iter_rows(self, max_col: int | None = None, values_only: bool = True):
        """Cell values row by row (blank rows included), for small key/value sheets."""
        from openpyxl.worksheet._read_only import ReadOnlyWorksheet

        sheet = ReadOnlyWorksheet.__new__(ReadOnlyWorksheet)
        sheet.parent, sheet.title, sheet._worksheet_path = self.parent, self.title, self._path
        sheet._shared_strings, sheet._current_row = self._shared_strings, None
        sheet._min_column = sheet._min_row = 1
        sheet._max_column = sheet._max_row = None
        return sheet.iter_rows(max_col=max_col, values_only=values_only)


def _lazy_reader_class():
    from openpyxl.reader.excel import ExcelReader

    class LazyReader(ExcelReader):
        def read_worksheets(self):
            self.sheet_refs = []
            for sheet, rel in self.parser.find_sheets():
                if rel.target not in self.valid_files or "chartsheet" in rel.Type:
                    continue
                ref = SheetRef(self.wb, sheet.name, rel.target, self.shared_strings, sheet.state)
                self.sheet_refs.append(ref)
                self.wb._sheets.append(ref)  # for names scoped to a sheet (assign_names indexes them)

    return LazyReader


class OpenedWorkbook:
    """What the importer needs of a workbook: its sheets (unparsed), the shared strings, the date formats."""

    def __init__(self, reader):
        self.wb = reader.wb
        self.worksheets: list[SheetRef] = reader.sheet_refs
        self.epoch = reader.wb.epoch
        self._date_formats = reader.wb._date_formats
        self._timedelta_formats = reader.wb._timedelta_formats

    def close(self) -> None:
        self.wb.close()


def open_workbook(data: bytes) -> OpenedWorkbook:
    """The workbook in read-only mode (formulas kept as formulas, so that they can be refused)."""
    check_zip(data)
    try:
        reader = _lazy_reader_class()(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
        reader.read()
        return OpenedWorkbook(reader)
    except WorkbookRefused:
        raise
    except Exception as error:  # openpyxl raises many kinds on a broken package
        raise WorkbookRefused([xproblem("xl.unreadable", detail=type(error).__name__)]) from None
