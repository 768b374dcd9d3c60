"""The extract's Summary sheet: per budget line, the ledger's figures as formulas over the detail
sheets (SUMIFS by line code and year, through workbook names such as ``ThanhToan_SoTien``), with the
ledger's own figures as cached values, so that Excel or LibreOffice recompute the same numbers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, cast, func, select
from sqlalchemy.orm import Session

from ledger.domain import rules
from ledger.excel import layout as L
from ledger.excel.extract_rows import Selection, SheetStat
from ledger.store.balances import held_expression
from ledger.store.models import (
    Acceptance,
    Adjustment,
    BudgetLine,
    Commitment,
    Payment,
    Unit,
)

if TYPE_CHECKING:
    from ledger.excel.export import Formats



@dataclass
class LineFigures:
    code: str
    year: int
    unit: str
    category: str
    source: str
    estimate: int = 0
    adjustments: int = 0
    committed: int = 0
    accepted: int = 0
    paid: int = 0
    direct: int = 0

    @property
    def allocated(self) -> int:
        return self.estimate + self.adjustments

    @property
    def available(self) -> int:
        return rules.available(self.allocated, self.committed, self.direct)

    @property
    def execution(self) -> float | None:
        return self.paid / self.allocated if self.allocated else None


def line_figures(session: Session, sel: Selection) -> list[LineFigures]:
    """Per-line figures of the extract's lines, aggregated in SQL (the Summary's cached values)."""
    where = sel.lines()

    def by_line(query) -> dict[int, int]:
        return {line_id: int(total or 0) for line_id, total in session.execute(query)}

    def total(column):
        return cast(func.sum(column), BigInteger)

    adjustments = by_line(select(Adjustment.line_id, total(Adjustment.amount)).join(BudgetLine, BudgetLine.id == Adjustment.line_id).where(*where).group_by(Adjustment.line_id))
    committed = by_line(select(Commitment.line_id, total(held_expression())).join(BudgetLine, BudgetLine.id == Commitment.line_id).where(*where).group_by(Commitment.line_id))
    accepted = by_line(
        select(Commitment.line_id, total(Acceptance.accepted_value))
        .join(Commitment, Commitment.id == Acceptance.commitment_id)
        .join(BudgetLine, BudgetLine.id == Commitment.line_id)
        .where(*where)
        .group_by(Commitment.line_id)
    )
    paid = by_line(select(Payment.line_id, total(Payment.amount)).join(BudgetLine, BudgetLine.id == Payment.line_id).where(*where).group_by(Payment.line_id))
    direct = by_line(
        select(Payment.line_id, total(Payment.amount))
        .join(BudgetLine, BudgetLine.id == Payment.line_id)
        .where(*where, Payment.commitment_id.is_(None))
        .group_by(Payment.line_id)
    )
    rows = session.execute(
        select(BudgetLine.id, BudgetLine.code, BudgetLine.year, Unit.code, BudgetLine.category_code, BudgetLine.source_code, BudgetLine.original_estimate)
        .join(Unit, Unit.id == BudgetLine.unit_id)
        .where(*where)
        .order_by(BudgetLine.year, BudgetLine.code)
    )
    return [
        LineFigures(code, year, unit, category, source, estimate, adjustments.get(i, 0), committed.get(i, 0),
                    accepted.get(i, 0), paid.get(i, 0), direct.get(i, 0))
        for i, code, year, unit, category, source, estimate in rows
    ]


SUMMARY_LINE_HEADERS = [
    ("Mã dòng", "Line code"), ("Năm", "Year"), ("Mã đơn vị", "Unit code"), ("Nhóm chi", "Category"), ("Nguồn", "Source"),
    ("Dự toán giao", "Original estimate"), ("Điều chỉnh", "Adjustments"), ("Dự toán được giao", "Allocated"),
    ("Đã cam kết", "Committed"), ("Đã nghiệm thu", "Accepted"), ("Đã chi", "Paid"),
    ("Còn được sử dụng", "Available"), ("Tỷ lệ giải ngân", "Execution %"),
]
SUMMARY_GROUP_HEADERS = [
    ("Nhóm chi", "Category"), ("Nguồn", "Source"), ("Số dòng", "Lines"),
    ("Dự toán giao", "Original estimate"), ("Điều chỉnh", "Adjustments"), ("Dự toán được giao", "Allocated"),
    ("Đã cam kết", "Committed"), ("Đã nghiệm thu", "Accepted"), ("Đã chi", "Paid"),
    ("Còn được sử dụng", "Available"), ("Tỷ lệ giải ngân", "Execution %"),
]
MEASURES = ("estimate", "adjustments", "allocated", "committed", "accepted", "paid", "available")


class Ranges:
    """The detail sheets' data columns as workbook names (e.g. ``ThanhToan_SoTien`` for the Payments
    sheet's amounts), so that the Summary's formulas read like their meaning and stay short."""

    def __init__(self, stats: dict[str, SheetStat]):
        self.stats = stats
        self.names: dict[str, str] = {}  # name -> the range it stands for
        self.known: dict[tuple[str, str], str] = {}  # (sheet, column) -> name

    def __call__(self, key: str, column: str) -> str:
        name = self.known.get((key, column))
        if name is None:
            from xlsxwriter.utility import xl_col_to_name

            spec = L.SHEETS_BY_KEY[key]
            name = self.known[(key, column)] = f"{_ascii_name(spec.vi)}_{_ascii_name(spec.column(column).vi)}"
            stat = self.stats[key]
            letter = xl_col_to_name(spec.index(column))
            self.names[name] = f"='{stat.title}'!${letter}$2:${letter}${max(stat.rows + 1, 2)}"
        return name

    def define(self, book) -> None:
        for name, reference in self.names.items():
            book.define_name(name, reference)


def _ascii_name(text: str) -> str:
    from ledger.domain.codes import fold

    return "".join(word.capitalize() for word in fold(text).replace("-", " ").split() if word.isalnum())


def summary_sheet(book, formats: Formats, sheet, stats: dict[str, SheetStat], figures: list[LineFigures], categories, sources) -> SheetStat:
    r = Ranges(stats)
    try:
        return summary_cells(formats, sheet, r, figures, categories, sources)
    finally:
        r.define(book)


def summary_cells(formats: Formats, sheet, r: Ranges, figures: list[LineFigures], categories, sources) -> SheetStat:
    for index, width in enumerate((16, 8, 12, 11, 8, 18, 18, 18, 18, 18, 18, 18, 12)):
        sheet.set_column(index, index, width)
    for index, (vi, _en) in enumerate(SUMMARY_LINE_HEADERS):
        sheet.write_string(0, index, vi, formats.header)
    sheet.freeze_panes(1, 0)

    def sumifs(key: str, value_col: str, *criteria: tuple[str, str]) -> str:
        parts = [r(key, value_col)]
        for column, criterion in criteria:
            parts += [r(key, column), criterion]
        return f"SUMIFS({','.join(parts)})"

    for n, f in enumerate(figures, start=2):
        row = n - 1
        this_line = (("line", f"$A{n}"), ("year", f"$B{n}"))
        committed = "+".join(
            [
                sumifs("orders", "value", *this_line, ("status", '"DA_KY"')),
                sumifs("orders", "final", *this_line, ("status", '"DA_THANH_LY"')),
                sumifs("courses", "cost", *this_line, ("status", '"DA_KY"')),
                sumifs("courses", "final", *this_line, ("status", '"DA_THANH_LY"')),
                sumifs("it", "portion", *this_line, ("status", '"DA_KY"')),
                sumifs("it", "final", *this_line, ("status", '"DA_THANH_LY"')),
            ]
        )
        direct = sumifs("payments", "amount", *this_line, ("reference", '""'))
        sheet.write_string(row, 0, f.code)
        sheet.write_number(row, 1, f.year)
        sheet.write_string(row, 2, f.unit)
        sheet.write_string(row, 3, f.category)
        sheet.write_string(row, 4, f.source)
        sheet.write_formula(row, 5, "=" + sumifs("lines", "estimate", ("code", f"$A{n}"), ("year", f"$B{n}")), formats.money, f.estimate)
        sheet.write_formula(row, 6, "=" + sumifs("adjustments", "amount", *this_line), formats.money, f.adjustments)
        sheet.write_formula(row, 7, f"=F{n}+G{n}", formats.money, f.allocated)
        sheet.write_formula(row, 8, "=" + committed, formats.money, f.committed)
        sheet.write_formula(row, 9, "=" + sumifs("acceptances", "value", *this_line), formats.money, f.accepted)
        sheet.write_formula(row, 10, "=" + sumifs("payments", "amount", *this_line), formats.money, f.paid)
        sheet.write_formula(row, 11, f"=H{n}-I{n}-{direct}", formats.money, f.available)
        sheet.write_formula(row, 12, f'=IF(H{n}=0,"",K{n}/H{n})', formats.percent, f.execution if f.execution is not None else "")
    last = len(figures) + 1  # last data row (1-based)
    total_row = last  # 0-based index of the row after the data
    sheet.write_string(total_row, 0, "Tổng cộng / Total", formats.bold)
    totals = {m: sum(getattr(f, m) for f in figures) for m in MEASURES}
    for index, measure in zip(range(5, 12), MEASURES, strict=True):
        letter = "FGHIJKL"[index - 5]
        sheet.write_formula(total_row, index, f"=SUM({letter}2:{letter}{max(last, 2)})", formats.money_bold, totals[measure])
    n_total = total_row + 1
    ratio = totals["paid"] / totals["allocated"] if totals["allocated"] else ""
    sheet.write_formula(total_row, 12, f'=IF(H{n_total}=0,"",K{n_total}/H{n_total})', formats.percent_bold, ratio)
    sheet.autofilter(0, 0, max(last - 1, 1), len(SUMMARY_LINE_HEADERS) - 1)

    # Per category × source, over the per-line block above.
    start = total_row + 2
    sheet.write_string(start, 0, "Theo nhóm chi × nguồn / By category × source", formats.bold)
    header = start + 1
    for index, (vi, _en) in enumerate(SUMMARY_GROUP_HEADERS):
        sheet.write_string(header, index, vi, formats.header)
    lo, hi = 2, max(last, 2)
    first_group = header + 1
    row = first_group
    for category in categories:
        for source in sources:
            n = row + 1
            members = [f for f in figures if f.category == category and f.source == source]
            sheet.write_string(row, 0, category)
            sheet.write_string(row, 1, source)
            crit = f"$D${lo}:$D${hi},$A{n},$E${lo}:$E${hi},$B{n}"
            sheet.write_formula(row, 2, f"=COUNTIFS({crit})", None, len(members))
            for index, (measure, letter) in enumerate(zip(MEASURES, "FGHIJKL", strict=True), start=3):
                sheet.write_formula(
                    row, index, f"=SUMIFS(${letter}${lo}:${letter}${hi},{crit})", formats.money, sum(getattr(f, measure) for f in members)
                )
            allocated = sum(f.allocated for f in members)
            share = sum(f.paid for f in members) / allocated if allocated else ""
            sheet.write_formula(row, 10, f'=IF(F{n}=0,"",I{n}/F{n})', formats.percent, share)
            row += 1
    n_total = row + 1
    sheet.write_string(row, 0, "Tổng cộng / Total", formats.bold)
    sheet.write_formula(row, 2, f"=SUM(C{first_group + 1}:C{row})", formats.bold, len(figures))
    for index, (measure, letter) in enumerate(zip(MEASURES, "DEFGHIJ", strict=True), start=3):
        sheet.write_formula(row, index, f"=SUM({letter}{first_group + 1}:{letter}{row})", formats.money_bold, totals[measure])
    sheet.write_formula(row, 10, f'=IF(F{n_total}=0,"",I{n_total}/F{n_total})', formats.percent_bold, ratio)
    return SheetStat("summary", sheet.get_name(), len(figures), totals["allocated"], "Dự toán được giao")
