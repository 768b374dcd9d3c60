"""File → typed rows, no database: the recognised sheets found by name, the header row by its
required columns, the data rows streamed in read-only mode, and every cell typed by its column's kind
(text, whole amounts, dates, years, whole numbers, codes of a list). Every problem is located: sheet,
row, column (as written in the file), what, and the value.

Hostile files are refused with problems, never a crash or a hang (the package checks are in
package.py):
- a formula or an error value (#REF!…) in a cell the ledger reads: refused, values only;
- merged cells below the header row: refused (the merged-away cells would read as blank);
- a hidden sheet carrying one of the ledger's sheet names: refused (nobody should import what
  they cannot see); other hidden sheets are ignored like any unknown sheet;
- blank rows are skipped; after ``BLANK_ROWS_STOP`` consecutive blank rows reading stops (a million
  formatted empty rows costs nothing), and a note says where.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ledger.domain import codes
from ledger.domain.errors import Problem
from ledger.domain.formatting import format_date, parse_amount, parse_date, parse_year
from ledger.excel.fastsheet import Declined, FastSheet
from ledger.excel.layout import (
    AMOUNT,
    CODE,
    CODE_LISTS,
    COMPUTED,
    DATA_SHEETS,
    DATE,
    INT,
    SIGNED,
    TEXT,
    YEAR,
    Sheet,
    header_key,
)
from ledger.excel.package import (  # noqa: F401  (re-exported: the reader is where callers look for them)
    MAX_FILE_BYTES,
    MAX_RATIO,
    MAX_UNCOMPRESSED_BYTES,
    OpenedWorkbook,
    Source,
    WorkbookRefused,
    check_zip,
    load_bytes,
    open_workbook,
)
from ledger.excel.texts import Localized, located, xproblem

BLANK_ROWS_STOP = 1000
HEADER_SCAN_ROWS = 30
CodeLists = dict[tuple[str, str], dict[str, tuple[str, str]]]
# A commitment still a draft or cancelled need not have been signed.
UNSIGNED_STATUSES = ("DU_THAO", "DA_HUY")
COMMITMENT_SHEETS = ("orders", "courses", "it")


@dataclass
class Row:
    number: int  # the row number the user sees in Excel
    values: dict[str, Any]  # column key -> the cell as read (None when blank)
    problems: list[Problem] = field(default_factory=list)
    typed: dict[str, Any] | None = None  # column key -> typed value; None while untyped or refused


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
    """The header and data rows of one recognised sheet; its problems go to ``book``. A plain sheet
    is read by fastsheet.py; one it declines (at any point) is read again by openpyxl's parser."""
    marks = (len(book.problems), len(book.notes))
    try:
        fast = FastSheet(worksheet.parent._archive.read(worksheet._path), worksheet._shared_strings,
                         workbook._date_formats, workbook._timedelta_formats, workbook.epoch)
        return _read_rows(fast.rows(), lambda: fast.merged_cells, worksheet.title, spec, book)
    except Declined:
        del book.problems[marks[0]:], book.notes[marks[1]:]
    source, parser = _sheet_parser(workbook, worksheet)
    try:
        return _read_rows(_cells(parser.parse()), lambda: parser.merged_cells, worksheet.title, spec, book)
    finally:
        source.close()


def _read_rows(rows, merged_cells, title: str, spec: Sheet, book: Book) -> SheetRows | None:
    """Find the header among the first rows, then take the data rows (``merged_cells()``: the
    sheet's merges, known once its rows are read)."""
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
    computed = {key for key in used.values() if spec.column(key).kind == "computed"}
    read = [key for key in used.values() if key not in computed]
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
            if cell["data_type"] == "f":
                values[key] = None
                if key not in computed:
                    row.problems.append(xproblem("xl.formula", **result.where(row, key, str(cell["value"]))))
                continue
            if cell["data_type"] == "e":
                values[key] = None
                if key not in computed:
                    row.problems.append(xproblem("xl.cell_error", **result.where(row, key, str(cell["value"]))))
                continue
            values[key] = _clean(cell["value"])
        if all(values[key] is None for key in read) and not row.problems:
            blank_run += 1
            if blank_run >= BLANK_ROWS_STOP:
                stopped_at = number
                break
            continue
        blank_run = 0
        result.rows.append(row)
    if stopped_at is not None:
        book.notes.append(xproblem("xl.blank_stop", sheet=title, row=stopped_at, count=BLANK_ROWS_STOP))
    elif merged_cells() is not None:
        _check_merges(merged_cells(), result, used, book)
    return result


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


def read_workbook(source: Source, wanted: tuple[Sheet, ...] = DATA_SHEETS, code_lists: CodeLists | None = None) -> Book:
    """Every recognised sheet of the workbook, its rows typed (``code_lists``: the labels of each code
    column, by default the layout's), with the problems of the file and of its cells.

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
    lists = CODE_LISTS if code_lists is None else code_lists
    for sheet in book.sheets.values():
        type_sheet(sheet, lists, book.problems)
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


# --- typing cells -------------------------------------------------------------------------------

def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return format_date(value) if value.time() == dt.time() else value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return format_date(value)
    text = str(value).strip()
    return text or None


def _whole(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():  # not '²' or '٣'
        return int(value.strip())
    return None


Typer = Callable[[Any], tuple[Any, Problem | None]]  # a cell -> its value, or the problem with it (placed by the caller)


def _parsed(parse: Callable[..., tuple[Any, Problem | None]], **options: Any) -> Typer:
    return lambda raw: parse(raw, **options)


def _whole_typer(key: str) -> Typer:
    def typer(raw: Any) -> tuple[Any, Problem | None]:
        value = _whole(raw)
        if key == "advance":
            return value, None if value is not None and 0 <= value <= 100 else xproblem("xl.percent")
        return value, None if value is not None and value > 0 else xproblem("xl.not_whole")

    return typer


def _code_typer(labels: dict[str, tuple[str, str]] | None) -> Typer:
    seen: dict[Any, str | None] = {}  # a code column holds few distinct values: fold each once

    def typer(raw: Any) -> tuple[Any, Problem | None]:
        if not labels:
            return _text(raw), None
        key = (type(raw), raw)
        if key not in seen:
            seen[key] = codes.code_for(_text(raw), labels)
        value = seen[key]
        return value, None if value is not None else xproblem("xl.code_unknown", codes=codes.codes_hint(labels))

    return typer


def _text_typer(key: str) -> Typer:
    def typer(raw: Any) -> tuple[Any, Problem | None]:
        value = _text(raw)
        if key == "chapter" and isinstance(raw, int | float) and value and value.isdigit():
            value = value.zfill(3)  # a chapter code typed as a number lost its leading zeros
        return value, None

    return typer


def _typers(spec: Sheet, code_lists: CodeLists) -> dict[str, Typer]:
    by_kind: dict[str, Callable[[str], Typer]] = {
        AMOUNT: lambda _key: _parsed(parse_amount),
        SIGNED: lambda _key: _parsed(parse_amount, allow_negative=True),
        DATE: lambda _key: _parsed(parse_date),
        YEAR: lambda _key: _parsed(parse_year),
        INT: _whole_typer,
        CODE: lambda key: _code_typer(code_lists.get((spec.key, key))),
        TEXT: _text_typer,
    }
    return {c.key: by_kind[c.kind](c.key) for c in spec.columns if c.kind != COMPUTED}


def type_sheet(sheet: SheetRows, code_lists: CodeLists, problems: list[Problem]) -> None:
    """Type every row of ``sheet`` in place (``row.typed``); a row with any problem stays untyped and
    its problems, each located, go to ``problems``."""
    typers = [(key, typer) for key, typer in _typers(sheet.spec, code_lists).items() if key in sheet.headers]
    required = {c.key for c in sheet.spec.required}
    status_labels = code_lists.get((sheet.spec.key, "status"))
    for row in sheet.rows:
        found = list(row.problems)
        needed = required
        if sheet.spec.key in COMMITMENT_SHEETS and status_labels and "status" in sheet.headers:
            if codes.code_for(_text(row.values.get("status")), status_labels) in UNSIGNED_STATUSES:
                needed = required - {"signed_on"}
        values: dict[str, Any] = {}
        for key, typer in typers:
            raw = row.values.get(key)
            if raw is None:
                values[key] = None
                if key in needed:
                    where = sheet.where(row, key, raw)
                    if not any(p.column == where["column"] for p in found):
                        found.append(xproblem("xl.required", **where))
                continue
            value, error = typer(raw)
            if error is not None:
                found.append(located(error, **sheet.where(row, key, raw)))
            values[key] = value
        if found:
            problems.extend(found)
        else:
            row.typed = values


def loose_amount(row: Row, key: str) -> int:
    """A cell's amount for a sheet's total, 0 when it cannot be read (the total counts what it can)."""
    raw = row.values.get(key)
    if raw is None:
        return 0
    amount, error = parse_amount(raw, allow_negative=True)
    return amount if error is None and amount is not None else 0
