"""Helpers for the workbook tests: building workbooks the way a user's spreadsheet would, reading
extracts back cell by cell, and the ledger's figures by independent SQL."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import openpyxl
from sqlalchemy import text

from ledger.store.db import Database

# Vietnamese headers exactly as the spec writes them (the Budget lines sheet, the one most tests use).
LINE_HEADERS = ["Mã dòng", "Năm", "Mã đơn vị", "Nội dung", "Nhóm chi", "Nguồn", "Loại-Khoản", "Tiểu mục", "Chính sách", "Dự toán giao"]
YEAR_END_HEADERS = ["Chuyển nguồn", "Hủy dự toán", "Chuyển từ dòng"]  # written by the extract (issue 14); only the last is read on import
SKIPPED_IN_ROUND_TRIP = ("Thông tin", "Nhật ký")  # the About sheet and the audit log naturally differ


def build(sheets: dict[str, list[list[Any]]], hidden: tuple[str, ...] = (), merges: dict[str, list[str]] | None = None) -> bytes:
    """An .xlsx as a user's spreadsheet would hold it: sheet name -> rows of cells (None = blank)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        if name in hidden:
            sheet.sheet_state = "hidden"
        for ref in (merges or {}).get(name, []):
            sheet.merge_cells(ref)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def line_row(code: str, description: str = "Đặt hàng báo chí tuyên truyền Luật Dân số", estimate: Any = 150_000_000,
             unit: str = "BYT-TT", year: Any = 2026, category: Any = "BAO_CHI", source: Any = "NSNN") -> list[Any]:
    return [code, year, unit, description, category, source, "160-171", "6606", None, estimate]


def values(path: Path | bytes, sheet: str, data_only: bool = False) -> list[tuple]:
    source = io.BytesIO(path) if isinstance(path, bytes) else path
    book = openpyxl.load_workbook(source, data_only=data_only)
    return [tuple(row) for row in book[sheet].iter_rows(values_only=True)]


def all_sheets(path: Path, skip: tuple[str, ...] = SKIPPED_IN_ROUND_TRIP) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(path)
    return {name: [tuple(r) for r in book[name].iter_rows(values_only=True)] for name in book.sheetnames if name not in skip}


def sql(db: Database, query: str, **params: Any) -> Any:
    with db.engine.connect() as connection:
        return connection.execute(text(query), params).scalar()


def sql_rows(db: Database, query: str, **params: Any) -> list[tuple]:
    with db.engine.connect() as connection:
        return [tuple(r) for r in connection.execute(text(query), params)]


def line_figures_sql(db: Database, year: int) -> dict[str, dict[str, int]]:
    """Per line of ``year``: estimate, adjustments, allocated, committed, accepted, paid, available — in SQL
    written here, independently of the ledger's and the exporter's code."""
    figures = {}
    for line_id, code, estimate in sql_rows(db, "SELECT id, code, original_estimate FROM budget_lines WHERE year = :y", y=year):
        def total(query: str, line_id: int = line_id) -> int:
            return int(sql(db, query, i=line_id) or 0)

        adjustments = total("SELECT SUM(amount) FROM adjustments WHERE line_id = :i")
        committed = total(
            "SELECT SUM(CASE WHEN status = 'signed' THEN value WHEN status = 'closed' THEN COALESCE(final_value, 0) ELSE 0 END)"
            " FROM commitments WHERE line_id = :i"
        )
        accepted = total("SELECT SUM(a.accepted_value) FROM acceptances a JOIN commitments c ON c.id = a.commitment_id WHERE c.line_id = :i")
        paid = total("SELECT SUM(amount) FROM payments WHERE line_id = :i")
        direct = total("SELECT SUM(amount) FROM payments WHERE line_id = :i AND commitment_id IS NULL")
        allocated = int(estimate) + adjustments
        figures[code] = {
            "estimate": int(estimate), "adjustments": adjustments, "allocated": allocated, "committed": committed,
            "accepted": accepted, "paid": paid, "available": allocated - committed - direct,
        }
    return figures


def summary_lines(rows: list[tuple]) -> dict[str, dict[str, Any]]:
    """The per-line block of a Summary sheet (values, e.g. recomputed by a spreadsheet)."""
    names = ("estimate", "adjustments", "allocated", "committed", "accepted", "paid", "available", "execution")
    found = {}
    for row in rows[1:]:
        if not row or row[0] in (None, "") or str(row[0]).startswith("Tổng cộng"):
            break
        found[row[0]] = dict(zip(names, row[5:13], strict=True))
    return found


def day(text_value: str) -> dt.date:
    return dt.datetime.strptime(text_value, "%d/%m/%Y").date()
