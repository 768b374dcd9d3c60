"""The settlement statement (báo cáo quyết toán) of a unit's subtree for a year: per line and per
category × source, the estimate, the adjustments, the allocation, what was paid, carried over and
cancelled; and the sponsorship (XHH) received and used (Decree 73/2026 Art 36). As rows for the
screen, and as an .xlsx written by the extract's rules (integer đồng as ``#,##0``, text as text,
frozen and filtered headers).

Filters are validated, the sums are read in SQL (one grouped aggregate per figure), then shaped here.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass

import xlsxwriter
from sqlalchemy import BigInteger, cast, func, select
from sqlalchemy.orm import Session

from ledger.domain import codes
from ledger.domain.errors import NotFound, problem
from ledger.i18n import t
from ledger.services.reference import unit_by_code
from ledger.store.access import Actor, scope_unit_ids, subtree
from ledger.store.db import Database
from ledger.store.models import Adjustment, BudgetLine, Contribution, Payment, Unit, YearEndEntry

MONEY = "#,##0"  # the extract's amount format (ledger.excel.export.MONEY)
FIGURES = ("estimate", "adjustments", "allocated", "paid", "carried", "cancelled")


@dataclass(frozen=True)
class SettlementGroup:
    """The figures of one category × source (and, with the line's own fields, of one line)."""

    category_code: str
    source_code: str
    estimate: int
    adjustments: int
    allocated: int
    paid: int
    carried: int
    cancelled: int


@dataclass(frozen=True)
class SettlementLine(SettlementGroup):
    code: str = ""
    unit_code: str = ""
    description: str = ""
    carried_from: str | None = None
    received: int = 0  # XHH contributions received (0 on an NSNN line)


@dataclass(frozen=True)
class Settlement:
    year: int
    unit_code: str | None
    lines: tuple[SettlementLine, ...]
    groups: tuple[SettlementGroup, ...]
    sponsorship_received: int
    sponsorship_used: int

    def total(self, figure: str) -> int:
        return sum(getattr(group, figure) for group in self.groups)


def _sum(column):
    return func.coalesce(cast(func.sum(column), BigInteger), 0)


def _by_line(session: Session, query) -> dict[int, int]:
    return dict(session.execute(query).all())


def _scope(session: Session, actor: Actor, unit_code: str | None) -> set[int] | None:
    ids = None
    if unit_code:
        unit = unit_by_code(session, unit_code.strip())
        if unit is None:
            raise NotFound(problem("unit.unknown", value=unit_code))
        ids = subtree(session, unit.id)
    readable = scope_unit_ids(session, actor)
    if readable is None:
        return ids
    if ids is not None and not ids & readable:  # outside the scope looks like no such unit
        raise NotFound(problem("unit.unknown", value=unit_code))
    return readable if ids is None else ids & readable


def settlement_in(session: Session, actor: Actor, year: int, unit_code: str | None = None) -> Settlement:
    ids = _scope(session, actor, unit_code)
    of_year = BudgetLine.year == year
    adjustments = _by_line(session, select(Adjustment.line_id, _sum(Adjustment.amount)).join(BudgetLine, BudgetLine.id == Adjustment.line_id).where(of_year).group_by(Adjustment.line_id))
    paid = _by_line(session, select(Payment.line_id, _sum(Payment.amount)).where(Payment.year == year).group_by(Payment.line_id))
    received = _by_line(session, select(Contribution.line_id, _sum(Contribution.amount)).where(Contribution.year == year).group_by(Contribution.line_id))
    ended: dict[tuple[int, str], int] = {
        (line_id, kind): amount for line_id, kind, amount in session.execute(
            select(YearEndEntry.line_id, YearEndEntry.kind, _sum(YearEndEntry.amount)).join(BudgetLine, BudgetLine.id == YearEndEntry.line_id).where(of_year).group_by(YearEndEntry.line_id, YearEndEntry.kind)
        )
    }
    units = dict(session.execute(select(Unit.id, Unit.code)).all())
    origins = dict(session.execute(select(BudgetLine.id, BudgetLine.code).where(BudgetLine.year == year - 1)).all())
    lines, groups = [], defaultdict(lambda: [0] * len(FIGURES))
    for line in session.scalars(select(BudgetLine).where(of_year).order_by(BudgetLine.code)):
        if ids is not None and line.unit_id not in ids:
            continue
        adjusted = adjustments.get(line.id, 0)
        row = SettlementLine(
            line.category_code, line.source_code, line.original_estimate, adjusted, line.original_estimate + adjusted, paid.get(line.id, 0),
            ended.get((line.id, "carry"), 0), ended.get((line.id, "cancel"), 0),
            code=line.code, unit_code=units.get(line.unit_id, ""), description=line.description, carried_from=origins.get(line.carried_from_id), received=received.get(line.id, 0),
        )
        lines.append(row)
        group = groups[(line.category_code, line.source_code)]
        for index, figure in enumerate(FIGURES):
            group[index] += getattr(row, figure)
    order = {code: n for n, code in enumerate(codes.CATEGORIES)}
    shaped = tuple(SettlementGroup(c, s, *values) for (c, s), values in sorted(groups.items(), key=lambda item: (order.get(item[0][0], 99), item[0][1])))
    xhh = [row for row in lines if row.source_code == "XHH"]
    return Settlement(year, unit_code, tuple(lines), shaped, sum(r.received for r in xhh), sum(r.paid for r in xhh))


def settlement(db: Database, actor: Actor, year: int, unit_code: str | None = None) -> Settlement:
    """The settlement statement of ``year`` for ``unit_code``'s subtree (or every unit in scope)."""
    with db.read() as session:
        return settlement_in(session, actor, year, unit_code)


# --- as a workbook --------------------------------------------------------------------------------

LINE_COLUMNS = ("code", "unit_code", "description", "category_code", "source_code", "carried_from", *FIGURES, "received")
GROUP_COLUMNS = ("category_code", "source_code", *FIGURES)
COLUMN_KEYS = LINE_COLUMNS  # the texts ``settlement.<column>`` of both sheets' headers


def _sheet(book, header, money, name: str, columns: tuple[str, ...], rows, lang: str) -> None:
    sheet = book.add_worksheet(name)
    for index, column in enumerate(columns):
        sheet.write_string(0, index, t(f"settlement.{column}", lang), header)
    for number, row in enumerate(rows, start=1):
        for index, column in enumerate(columns):
            value = getattr(row, column)
            if isinstance(value, int):
                sheet.write_number(number, index, value, money)
            else:
                sheet.write_string(number, index, "" if value is None else str(value))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(rows), 1), len(columns) - 1)


def settlement_xlsx(statement: Settlement, lang: str = "vi") -> bytes:
    """The statement as an .xlsx: a sheet by category × source (with totals), one by line, and the
    sponsorship received and used."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False})
    header = book.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#E8EEF7", "bottom": 1})
    money = book.add_format({"num_format": MONEY})
    total = SettlementGroup(t("settlement.total", lang), "", *(statement.total(f) for f in FIGURES))
    _sheet(book, header, money, t("settlement.sheet_groups", lang), GROUP_COLUMNS, [*statement.groups, total], lang)
    _sheet(book, header, money, t("settlement.sheet_lines", lang), LINE_COLUMNS, list(statement.lines), lang)
    sheet = book.add_worksheet(t("settlement.sheet_sponsorship", lang))
    sheet.write_string(0, 0, t("settlement.title", lang, year=statement.year, unit=statement.unit_code or "—"), header)
    for row, (key, amount) in enumerate((("settlement.sponsorship_received", statement.sponsorship_received), ("settlement.sponsorship_used", statement.sponsorship_used)), start=1):
        sheet.write_string(row, 0, t(key, lang))
        sheet.write_number(row, 1, amount, money)
    book.close()
    return out.getvalue()
