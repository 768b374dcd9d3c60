"""Reports as small pure steps: validate filters → aggregate in SQL → shape rows for a table or chart."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from ledger.domain.errors import ValidationError, problem
from ledger.services.reference import unit_by_code
from ledger.store.access import Actor, scope_unit_ids, subtree
from ledger.store.db import Database
from ledger.store.models import Adjustment, BudgetLine, Category, FiscalYear, Source


@dataclass(frozen=True)
class OverviewFilters:
    year: int
    unit_code: str | None = None


def overview(db: Database, actor: Actor, filters: OverviewFilters) -> list[dict[str, Any]]:
    """Estimate, adjustments and allocation by category × source for the actor's scope.

    One row per category × source pair of the catalogues (zeros included, so the table's shape is
    stable), in catalogue order.
    """
    with db.read() as session:
        units = scope_unit_ids(session, actor)
        # Validate first (issue 10): an unknown year or a unit outside the scope is refused with a
        # sentence, never answered with zeros or an empty table.
        found = []
        if session.get(FiscalYear, filters.year) is None:
            found.append(problem("year.unknown", "year", year=filters.year))
        if filters.unit_code:
            unit = unit_by_code(session, filters.unit_code)
            # A unit above the scope narrows to the scope; one beside it is as unknown as a typo.
            chosen = subtree(session, unit.id) if unit is not None else set()
            if units is not None:
                chosen = units & chosen
            if not chosen:
                found.append(problem("unit.unknown", "unit_code", value=filters.unit_code))
            units = chosen
        if found:
            raise ValidationError(found)
        adjustments = (
            select(Adjustment.line_id, func.sum(Adjustment.amount).label("amount")).group_by(Adjustment.line_id).subquery()
        )
        query = (
            select(
                BudgetLine.category_code,
                BudgetLine.source_code,
                func.count(BudgetLine.id),
                func.sum(BudgetLine.original_estimate),
                func.sum(func.coalesce(adjustments.c.amount, 0)),
            )
            .outerjoin(adjustments, adjustments.c.line_id == BudgetLine.id)
            .where(BudgetLine.year == filters.year)
            .group_by(BudgetLine.category_code, BudgetLine.source_code)
        )
        if units is not None:
            query = query.where(BudgetLine.unit_id.in_(units))
        sums = {(c, s): (int(n), int(e or 0), int(a or 0)) for c, s, n, e, a in session.execute(query)}
        categories = session.execute(select(Category.code, Category.label_vi, Category.label_en).order_by(Category.sort_order)).all()
        sources = session.execute(select(Source.code, Source.label_vi, Source.label_en).order_by(Source.sort_order)).all()
        rows = []
        for c_code, c_vi, c_en in categories:
            for s_code, s_vi, s_en in sources:
                lines, estimate, adjusted = sums.get((c_code, s_code), (0, 0, 0))
                rows.append(
                    {
                        "category_code": c_code,
                        "category_vi": c_vi,
                        "category_en": c_en,
                        "source_code": s_code,
                        "source_vi": s_vi,
                        "source_en": s_en,
                        "lines": lines,
                        "original_estimate": estimate,
                        "adjustments": adjusted,
                        "allocated": estimate + adjusted,
                    }
                )
        return rows


def totals(rows: list[dict[str, Any]], *keys: str) -> dict[str, int]:
    return {key: sum(int(r[key]) for r in rows) for key in keys}
