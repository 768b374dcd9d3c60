"""What an import reports: per sheet, rows read, new and already there, the amounts (all and new), the
first new rows for the preview; the problems (every one at once) and notes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ledger.domain.errors import Problem
from ledger.excel.reader import Row, SheetRows, loose_amount
from ledger.excel.texts import xproblem

PREVIEW_ROWS = 200


@dataclass
class SheetReport:
    key: str
    title: str
    rows: int = 0
    new: int = 0
    unchanged: int = 0
    amount: int | None = None
    new_amount: int | None = None
    new_rows: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ImportResult:
    dry_run: bool
    written: bool = False
    sheets: list[SheetReport] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def new(self) -> int:
        return sum(s.new for s in self.sheets)

    @property
    def unchanged(self) -> int:
        return sum(s.unchanged for s in self.sheets)

    def summary(self, lang: str = "vi") -> str:
        from ledger.i18n import t

        if self.problems:
            return t("xl.result_refused", lang, count=len(self.problems))
        key = "xl.result_written" if self.written else "xl.result_dry_run"
        return t(key, lang, created=self.new, unchanged=self.unchanged)


def row_amount(sheet: SheetRows, values: dict[str, Any]) -> int:
    key = sheet.spec.amount
    if key is None:
        return 0
    if sheet.spec.key == "items":
        return (values.get("quantity") or 0) * (values.get("price") or 0)
    return values.get(key) or 0


class Tally:
    """Counts rows as new or already there, and rows skipped because a row they need was refused."""

    def __init__(self) -> None:
        self.reports: dict[str, SheetReport] = {}
        self.dependent: dict[str, list[int]] = {}
        self._new_rows: dict[str, list[dict[str, Any]]] = {}

    def report(self, sheet: SheetRows) -> SheetReport:
        if sheet.spec.key not in self.reports:
            amount = 0 if sheet.spec.amount is not None else None
            self.reports[sheet.spec.key] = SheetReport(sheet.spec.key, sheet.title, len(sheet.rows), amount=amount, new_amount=amount)
        return self.reports[sheet.spec.key]

    def count(self, sheet: SheetRows, row: Row, values: dict[str, Any], new: bool, shown: str) -> None:
        report = self.report(sheet)
        if not new:
            report.unchanged += 1
            return
        amount = row_amount(sheet, values)
        report.new += 1
        if report.new_amount is not None:
            report.new_amount += amount
        self._new_rows.setdefault(sheet.spec.key, []).append(
            {"row": row.number, "key": shown, "amount": amount if report.amount is not None else None}
        )

    def skip(self, sheet: SheetRows, row: Row) -> None:
        self.dependent.setdefault(sheet.spec.key, []).append(row.number)

    def finish(self, sheets: dict[str, SheetRows], order: tuple, result: ImportResult) -> None:
        """The sheet reports in the layout's order, and a note per sheet with skipped rows."""
        for key, numbers in self.dependent.items():
            if numbers:
                first = min(numbers)
                result.notes.append(xproblem("xl.dependent", sheet=sheets[key].title, row=first, count=len(numbers), first=first))
        for spec in order:
            sheet = sheets.get(spec.key)
            if sheet is None:
                continue
            report = self.report(sheet)
            report.rows = len(sheet.rows)
            report.new_rows = sorted(self._new_rows.get(spec.key, []), key=lambda r: r["row"])[:PREVIEW_ROWS]
            if report.amount is not None:
                report.amount = sum(row_amount(sheet, _loose(sheet, row)) for row in sheet.rows)
            result.sheets.append(report)


def _loose(sheet: SheetRows, row: Row) -> dict[str, int]:
    if row.typed is not None:
        return row.typed
    return {key: loose_amount(row, key) for key in ("estimate", "amount", "value", "cost", "quantity", "price")}
