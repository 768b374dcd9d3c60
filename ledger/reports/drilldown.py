"""Drill-down of the leaders' dashboard: the rows behind one bar (lines, commitments or payments),
with a total computed in SQL over all of them, so that it equals the bar even when more rows exist
than are returned.

Only the chart × measure pairs it can answer are answered (``ANSWERS``): a budget line belongs to no
press agency, month or stage, and a commitment to no month of payment, so those pairs are refused
with a sentence instead of answered with every row of the scope. ``for_screen`` shapes the rows as a
report: column names in the user's language, labels instead of codes, blanks instead of None."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, func, literal, select
from sqlalchemy.orm import Session

from ledger.domain import codes
from ledger.domain.errors import ValidationError, problem
from ledger.domain.formatting import format_date, format_vnd
from ledger.i18n import t
from ledger.reports.dashboard import (
    MEASURES,
    DashboardFilters,
    Selection,
    line_conditions,
    payment_month,
    press_orders,
    validate,
)
from ledger.store.access import Actor, subtree
from ledger.store.balances import held_expression
from ledger.store.db import Database
from ledger.store.models import Adjustment, BudgetLine, Commitment, Payment, Policy, PressAgency, Unit

DRILL_LIMIT = 2000

DIMENSIONS = ("category", "source", "unit", "month", "agency", "media", "policy", "stage", "service_type", "all")
_LINE_DIMENSIONS = frozenset({"category", "source", "unit", "all"})
# What each measure can be listed by: lines by their own attributes; commitments also by theirs
# (agency, media, policy, stage, service type); payments by all of these and by month.
ANSWERS = {
    "allocated": _LINE_DIMENSIONS,
    "committed": frozenset(DIMENSIONS) - {"month"},
    "paid": frozenset(DIMENSIONS),
}


def check_pair(dimension: str, measure: str) -> None:
    """Refuse, with a sentence, a chart × measure pair the drill-down cannot answer."""
    if dimension not in DIMENSIONS or measure not in MEASURES:
        raise ValidationError(problem("code.unknown", "dimension", what="biểu đồ", value=f"{dimension}/{measure}"))
    if dimension not in ANSWERS[measure]:
        raise ValidationError(problem(f"drill.unanswerable.{measure}", "measure"))


def _dimension_condition(session: Session, sel: Selection, dimension: str, value: Any) -> list[Any]:
    if dimension == "category":
        return [BudgetLine.category_code == value]
    if dimension == "source":
        return [BudgetLine.source_code == value]
    if dimension == "unit":
        unit = session.scalars(select(Unit).where(Unit.code == value)).first()
        if unit is None:
            return [literal(False)]
        # The bar of the selected unit, or (for an actor without a unit) of a top unit, holds its own
        # lines only: its subordinate units have bars of their own (see _rollup_targets).
        if unit.id == sel.root_unit_id or (sel.root_unit_id is None and unit.parent_id is None):
            return [BudgetLine.unit_id == unit.id]
        return [BudgetLine.unit_id.in_(subtree(session, unit.id))]
    return []


def drill(db: Database, actor: Actor, filters: DashboardFilters, dimension: str, value: Any, measure: str, limit: int = DRILL_LIMIT) -> dict[str, Any]:
    """The rows behind one bar: lines (allocated), commitments (committed) or payments (paid).

    ``total`` is computed in SQL over all the rows, so it equals the bar even when more rows exist
    than ``limit`` returns; ``count`` says how many there are."""
    check_pair(dimension, measure)
    with db.read() as session:
        sel = validate(session, actor, filters)
        conditions = [*line_conditions(sel), *_dimension_condition(session, sel, dimension, value)]
        if measure == "allocated":
            adjustments = select(Adjustment.line_id, func.sum(Adjustment.amount).label("amount")).group_by(Adjustment.line_id).subquery()
            amount = BudgetLine.original_estimate + func.coalesce(adjustments.c.amount, 0)
            query: Select = (
                select(BudgetLine.code.label("line"), Unit.code.label("unit"), BudgetLine.description, BudgetLine.category_code.label("category"), BudgetLine.source_code.label("source"), amount.label("amount"))
                .join(Unit, Unit.id == BudgetLine.unit_id)
                .outerjoin(adjustments, adjustments.c.line_id == BudgetLine.id)
                .where(*conditions)
                .order_by(BudgetLine.code)
            )
        elif measure == "committed":
            extra = _commitment_extra(session, sel, dimension, value)
            query = (
                select(Commitment.reference, Commitment.kind, Commitment.status, BudgetLine.code.label("line"), Unit.code.label("unit"), PressAgency.name.label("press_agency"), Commitment.vendor, Commitment.description, held_expression().label("amount"))
                .join(BudgetLine, BudgetLine.id == Commitment.line_id)
                .join(Unit, Unit.id == BudgetLine.unit_id)
                .outerjoin(PressAgency, PressAgency.id == Commitment.press_agency_id)
                .outerjoin(Policy, Policy.id == Commitment.policy_id)
                .where(Commitment.year == sel.year, Commitment.status.in_(("signed", "closed")), *conditions, *extra)
                .order_by(Commitment.reference)
            )
        else:
            # A payment charts under its commitment's agency, media, policy, stage or service type.
            extra = [payment_month() == int(value)] if dimension == "month" else _commitment_extra(session, sel, dimension, value)
            query = (
                select(Payment.voucher_no, Payment.date, Payment.kind, Commitment.reference, BudgetLine.code.label("line"), Unit.code.label("unit"), Payment.amount.label("amount"))
                .join(BudgetLine, BudgetLine.id == Payment.line_id)
                .join(Unit, Unit.id == BudgetLine.unit_id)
                .outerjoin(Commitment, Commitment.id == Payment.commitment_id)
                .outerjoin(PressAgency, PressAgency.id == Commitment.press_agency_id)
                .outerjoin(Policy, Policy.id == Commitment.policy_id)
                .where(Payment.year == sel.year, *conditions, *extra)
                .order_by(Payment.date, Payment.voucher_no)
            )
        summary = session.execute(select(func.count(), func.coalesce(func.sum(query.subquery().c.amount), 0))).one()
        rows = [dict(r) for r in session.execute(query.limit(limit)).mappings()]
        for row in rows:
            row["amount"] = int(row["amount"] or 0)
        return {"rows": rows, "count": int(summary[0]), "total": int(summary[1]), "truncated": summary[0] > len(rows)}


def _commitment_extra(session: Session, sel: Selection, dimension: str, value: Any) -> list[Any]:
    """The conditions on the commitment (and its agency, policy) that one bar of a commitment chart means."""
    extra = _commitment_dimension(dimension, value)
    if dimension == "agency" and value is None:  # "the rest": every agency outside the top N
        top_codes = [a.code for a in press_orders(session, sel).agencies if a.code]
        extra.append(PressAgency.code.not_in(top_codes))
    return extra


def _commitment_dimension(dimension: str, value: Any) -> list[Any]:
    if dimension == "agency":
        if value is None:
            return [Commitment.kind == "order"]
        return [Commitment.kind == "order", PressAgency.code == value]
    if dimension == "media":
        return [Commitment.kind == "order", PressAgency.media_type == value]
    if dimension == "policy":
        return [Commitment.kind == "order", Policy.code == value if value is not None else Commitment.policy_id.is_(None)]
    if dimension == "stage":
        return [Commitment.kind == "order", Commitment.stage_code == value if value is not None else Commitment.stage_code.is_(None)]
    if dimension == "service_type":
        return [Commitment.kind == "it_service", Commitment.service_type == value]
    return []



# --- the rows as a report ------------------------------------------------------------------------

_LABELS = {"category": codes.CATEGORIES, "source": codes.SOURCES, "status": codes.COMMITMENT_STATUSES}


def for_screen(rows: list[dict[str, Any]], measure: str, lang: str) -> list[dict[str, str]]:
    """The drill-down rows as a reader sees them: headers in ``lang``, labels for codes, dates as
    dd/mm/yyyy, amounts as ``1.234.567 đ`` and blanks where there is nothing."""
    kinds = codes.PAYMENT_KINDS if measure == "paid" else codes.COMMITMENT_KINDS
    shown = []
    for row in rows:
        out = {}
        for name, value in row.items():
            if name == "amount":
                text = format_vnd(value)
            elif name == "date":
                text = format_date(value)
            elif name == "kind":
                text = codes.label(kinds, value, lang)
            elif name in _LABELS:
                text = codes.label(_LABELS[name], value, lang)
            else:
                text = "" if value is None else str(value)
            out[t(f"drill.col.{name}", lang)] = text
        shown.append(out)
    return shown


def caption(measure: str, result: dict[str, Any], bar: str, lang: str) -> str:
    """The sentence above the rows: which bar was picked, how many rows and their total (from SQL)."""
    text = t("drill.caption", lang, bar=bar, measure=t(f"chart.{measure}", lang), count=f"{result['count']:,}".replace(",", "."), total=format_vnd(result["total"]))
    if result["truncated"]:
        text += " " + t("drill.truncated", lang, shown=f"{len(result['rows']):,}".replace(",", "."), count=f"{result['count']:,}".replace(",", "."))
    return text


def workbook(rows: list[dict[str, Any]], measure: str, lang: str) -> bytes:
    """The rows as an .xlsx written as the extract writes (``ledger.excel.export``): amounts as whole
    numbers in ``#,##0``, dates as dates in dd/mm/yyyy, every text as text (never a formula)."""
    import io

    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    sheet = book.add_worksheet(t("drill.sheet", lang)[:31])
    bold, money, day = book.add_format({"bold": True}), book.add_format({"num_format": "#,##0"}), book.add_format({"num_format": "dd/mm/yyyy"})
    shown = for_screen(rows, measure, lang)
    names = list(rows[0]) if rows else []
    for column, name in enumerate(names):
        sheet.write_string(0, column, t(f"drill.col.{name}", lang), bold)
        sheet.set_column(column, column, 16 if name != "description" else 48)
    for number, (row, text) in enumerate(zip(rows, shown, strict=True), start=1):
        for column, (name, value) in enumerate(row.items()):
            if name == "amount":
                sheet.write_number(number, column, int(value or 0), money)
            elif name == "date" and value is not None:
                sheet.write_datetime(number, column, dt.datetime.combine(value, dt.time()), day)
            else:
                sheet.write_string(number, column, list(text.values())[column])
    sheet.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()
