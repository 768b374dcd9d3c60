"""Reading an uploaded workbook safely: size and zip checks before parsing, then sheets by name,
the header row by its required columns, and rows streamed in read-only mode.

Hostile files are refused with problems, never a crash or a hang:
- more than ``MAX_FILE_BYTES`` (checked before anything is parsed), not a zip (an .xls, a CSV, an
  encrypted or broken file), a zip whose members would inflate past ``MAX_UNCOMPRESSED_BYTES`` or
  by more than ``MAX_RATIO`` to 1 (a zip bomb; read from the central directory, nothing inflated);
- a formula or an error value (#REF!…) in a cell the ledger reads: refused, values only;
- merged cells below the header row: refused (the merged-away cells would read as blank);
- a hidden sheet carrying one of the ledger's sheet names: refused (nobody should import what
  they cannot see); other hidden sheets are ignored like any unknown sheet;
- blank rows are skipped; after ``BLANK_ROWS_STOP`` consecutive blank rows reading stops (a million
  formatted empty rows costs nothing), and a note says where.
"""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ledger.domain.errors import Problem
from ledger.excel.layout import DATA_SHEETS, Sheet, header_key
from ledger.excel.texts import Localized, xproblem

MAX_FILE_BYTES = 50 * 2**20
MAX_UNCOMPRESSED_BYTES = 200 * 2**20
MAX_RATIO = 100
RATIO_MIN_BYTES = 2**20  # small members (styles, shared strings of a few rows) may compress very well
BLANK_ROWS_STOP = 1000
HEADER_SCAN_ROWS = 30

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


@dataclass
class Row:
    number: int  # the row number the user sees in Excel
    values: dict[str, Any]  # column key -> value (None when blank)
    problems: list[Problem] = field(default_factory=list)


@dataclass
class SheetRows:
    spec: Sheet
    title: str  # the sheet's name in the file
    header_row: int
    headers: dict[str, str]  # column key -> header text in the file
    rows: list[Row] = field(default_factory=list)

    def where(self, row: Row | int | None, column: str | None = None, value: Any = None) -> dict[str, Any]:
        """Sheet, row and column (as written in the file) for a problem."""
        number = row.number if isinstance(row, Row) else row
        shown = None
        if column is not None:
            shown = self.headers.get(column) or Localized(self.spec.column(column).vi, self.spec.column(column).en)
        return {"sheet": self.title, "row": number, "column": shown, "value": value}


@dataclass
class Book:
    sheets: dict[str, SheetRows] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _cells(parser_rows):
    """(row number, {column number: cell dict}) from openpyxl's sheet parser."""
    for number, cells in parser_rows:
        yield number, {cell["column"]: cell for cell in cells if cell["value"] is not None or cell["data_type"] == "f"}


def _sheet_parser(workbook, worksheet):
    from openpyxl.worksheet._reader import WorkSheetParser

    source = worksheet._get_source()
    parser = WorkSheetParser(
        source,
        worksheet._shared_strings,
        data_only=False,
        epoch=workbook.epoch,
        date_formats=workbook._date_formats,
        timedelta_formats=workbook._timedelta_formats,
    )
    return source, parser


def _match_header(spec: Sheet, cells: dict[int, dict]) -> tuple[dict[str, int], dict[str, str], list[tuple[str, int, int]]]:
    """Column key -> column number and header text for one candidate header row; duplicates found."""
    found: dict[str, int] = {}
    texts: dict[str, str] = {}
    duplicates = []
    for number, cell in sorted(cells.items()):
        if not isinstance(cell["value"], str):
            continue
        name = header_key(cell["value"])
        for column in spec.columns:
            if name in column.names:
                if column.key in found:
                    duplicates.append((column.key, found[column.key], number))
                else:
                    found[column.key] = number
                    texts[column.key] = cell["value"].strip()
                break
    return found, texts, duplicates


def _column_letter(number: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(number)


def read_sheet(workbook, worksheet, spec: Sheet, book: Book) -> SheetRows | None:
    """The header and data rows of one recognised sheet; its problems go to ``book``."""
    source, parser = _sheet_parser(workbook, worksheet)
    title = worksheet.title
    try:
        rows = _cells(parser.parse())
        header: tuple[int, dict[str, int], dict[str, str]] | None = None
        best: tuple[int, set[str]] = (0, set())
        scanned = 0
        for number, cells in rows:
            scanned += 1
            found, texts, duplicates = _match_header(spec, cells)
            if all(c.key in found for c in spec.required) and found:
                header = (number, found, texts)
                for key, first, second in duplicates:
                    book.problems.append(
                        xproblem(
                            "xl.duplicate_column", sheet=title, row=number, column=texts[key], value=texts[key],
                            first=_column_letter(first), second=_column_letter(second),
                        )
                    )
                break
            if len(found) > len(best[1]):
                best = (number, set(found))
            if scanned >= HEADER_SCAN_ROWS:
                break
        if header is None:
            missing = [c for c in spec.required if c.key not in best[1]]
            names = Localized(", ".join(c.vi for c in missing), ", ".join(c.en for c in missing))
            book.problems.append(xproblem("xl.header_missing", sheet=title, row=best[0] or None, missing=names))
            return None
        header_row, columns, texts = header
        result = SheetRows(spec, title, header_row, texts)
        used = {number: key for key, number in columns.items()}
        blank_run = 0
        stopped_at = None
        for number, cells in rows:
            values: dict[str, Any] = {}
            row = Row(number, values)
            for column_number, key in used.items():
                cell = cells.get(column_number)
                if cell is None:
                    values[key] = None
                    continue
                kind = spec.column(key).kind
                if cell["data_type"] == "f":
                    values[key] = None
                    if kind != "computed":
                        row.problems.append(xproblem("xl.formula", **result.where(row, key, str(cell["value"]))))
                    continue
                if cell["data_type"] == "e":
                    values[key] = None
                    if kind != "computed":
                        row.problems.append(xproblem("xl.cell_error", **result.where(row, key, str(cell["value"]))))
                    continue
                values[key] = _clean(cell["value"])
            if all(values.get(key) is None for key in used.values() if spec.column(key).kind != "computed") and not row.problems:
                blank_run += 1
                if blank_run >= BLANK_ROWS_STOP:
                    stopped_at = number
                    break
                continue
            blank_run = 0
            result.rows.append(row)
        if stopped_at is not None:
            book.notes.append(xproblem("xl.blank_stop", sheet=title, row=stopped_at, count=BLANK_ROWS_STOP))
        elif parser.merged_cells is not None:
            _check_merges(parser.merged_cells, result, used, book)
        return result
    finally:
        source.close()


def _check_merges(merged, result: SheetRows, used: dict[int, str], book: Book) -> None:
    from openpyxl.utils.cell import range_boundaries

    for merge in merged.mergeCell:
        try:
            min_col, min_row, max_col, max_row = range_boundaries(merge.ref)
        except (TypeError, ValueError):
            continue
        if max_row <= result.header_row:
            continue  # a merged title above the header is fine
        columns = [used[c] for c in range(min_col, max_col + 1) if c in used]
        if not columns:
            continue
        book.problems.append(xproblem("xl.merged", **result.where(max(min_row, result.header_row + 1), columns[0], merge.ref)))


def find_sheets(workbook, wanted: tuple[Sheet, ...], book: Book) -> dict[str, Any]:
    """Sheet key -> worksheet, by name in either language; hidden or doubled sheets are problems."""
    found: dict[str, Any] = {}
    for worksheet in workbook.worksheets:
        name = header_key(worksheet.title)
        spec = next((s for s in wanted if name in s.names), None)
        if spec is None:
            continue
        if getattr(worksheet, "sheet_state", "visible") != "visible":
            book.problems.append(xproblem("xl.hidden_sheet", sheet=worksheet.title))
            continue
        if spec.key in found:
            book.problems.append(
                xproblem("xl.duplicate_sheet", sheet=worksheet.title, first=found[spec.key].title, second=worksheet.title)
            )
            continue
        found[spec.key] = worksheet
    return found


def read_workbook(source: Source, wanted: tuple[Sheet, ...] = DATA_SHEETS) -> Book:
    """Every recognised sheet of the workbook, with the problems of the file itself.

    Raises ``WorkbookRefused`` when the file cannot be read at all."""
    data = load_bytes(source)
    workbook = open_workbook(data)
    book = Book()
    try:
        worksheets = find_sheets(workbook, wanted, book)
        if not worksheets and not book.problems:
            book.problems.append(xproblem("xl.no_sheets"))
        for spec in wanted:
            worksheet = worksheets.get(spec.key)
            if worksheet is None:
                continue
            try:
                sheet = read_sheet(workbook, worksheet, spec, book)
            except WorkbookRefused:
                raise
            except Exception as error:  # a broken sheet XML: say so, never a traceback
                book.problems.append(xproblem("xl.unreadable_sheet", sheet=worksheet.title, detail=type(error).__name__))
                continue
            if sheet is not None:
                book.sheets[spec.key] = sheet
    finally:
        workbook.close()
    return book


def read_key_values(source: Source, spec: Sheet, max_rows: int = 200) -> dict[str, Any]:
    """A key/value sheet (the extract's About sheet): folded label of column A -> value of column B."""
    data = load_bytes(source)
    workbook = open_workbook(data)
    try:
        book = Book()
        worksheet = find_sheets(workbook, (spec,), book).get(spec.key)
        if worksheet is None:
            raise WorkbookRefused(book.problems or [xproblem("xl.no_about")])
        result: dict[str, Any] = {}
        for number, row in enumerate(worksheet.iter_rows(max_col=2, values_only=True), start=1):
            if number > max_rows:
                break
            if row and isinstance(row[0], str) and len(row) > 1:
                result[header_key(row[0])] = _clean(row[1])
        return result
    finally:
        workbook.close()
