"""The leaders' dashboard as small pure steps: validate filters → aggregate in SQL → shape.

Every figure is a SQL aggregate over the lines the filters select inside the actor's scope, so the
work does not grow with what is shown; results are cached per (database, audit head, scope,
filters) and so invalidated by any write, from this process or another. The rows behind one bar
are ``ledger.reports.drilldown``'s.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, case, cast, extract, func, or_, select
from sqlalchemy.orm import Session

from ledger.domain import codes, rules
from ledger.domain.errors import Problem, ValidationError, problem
from ledger.reports.coverage import course_participants_expression
from ledger.reports.dashboard_rows import (  # re-exported: callers import the rows from here
    Bar,
    CodeFigures,
    Dashboard,
    DashboardFilters,
    Figures,
    Headline,
    ItServices,
    MonthFigures,
    PressOrders,
    Training,
    UnitFigures,
)
from ledger.store.access import Actor, scope_unit_ids, subtree
from ledger.store.balances import held_expression
from ledger.store.db import Database
from ledger.store.models import (
    Adjustment,
    AuditEvent,
    BudgetLine,
    Category,
    Commitment,
    FiscalYear,
    LinePhasing,
    Payment,
    Policy,
    PressAgency,
    Source,
    Unit,
)

MEASURES = ("allocated", "committed", "paid")
TOP_AGENCIES = 10


@dataclass(frozen=True)
class Selection:
    """What the filters select: the year and the unit ids (``None``: every unit)."""

    year: int
    unit_ids: frozenset[int] | None
    root_unit_id: int | None
    source: str | None
    category: str | None
    policy_id: int | None
    # A period inside the year (the report to the Ministry's date range; ``None``: the whole year):
    # paid counts payments dated in it, commitments count when signed by its last day, and what is
    # available is the balance on that day (payments without a commitment dated up to it).
    date_from: dt.date | None = None
    date_to: dt.date | None = None


# --- step 1: validate filters -------------------------------------------------------------------

def validate(session: Session, actor: Actor, filters: DashboardFilters) -> Selection:
    """Resolve the filters within the actor's scope; every problem at once."""
    found: list[Problem] = []
    if session.get(FiscalYear, filters.year) is None:
        found.append(problem("year.unknown", "year", year=filters.year))
    scope = scope_unit_ids(session, actor)
    unit_ids = None if scope is None else frozenset(scope)
    root = actor.unit_id
    if filters.unit_code:
        unit = session.scalars(select(Unit).where(Unit.code == filters.unit_code)).first()
        if unit is None or (scope is not None and unit.id not in scope):
            found.append(problem("unit.unknown", "unit_code", value=filters.unit_code))
        else:
            unit_ids = frozenset(subtree(session, unit.id))
            root = unit.id
    if filters.source and session.get(Source, filters.source) is None:
        found.append(problem("code.unknown", "source", what="nguồn", value=filters.source))
    if filters.category and session.get(Category, filters.category) is None:
        found.append(problem("code.unknown", "category", what="nhóm chi", value=filters.category))
    policy_id = None
    if filters.policy_code:
        policy_id = session.scalar(select(Policy.id).where(Policy.code == filters.policy_code))
        if policy_id is None:
            found.append(problem("policy.unknown", "policy_code", value=filters.policy_code))
    if found:
        raise ValidationError(found)
    return Selection(filters.year, unit_ids, root, filters.source, filters.category, policy_id)


def line_conditions(sel: Selection, year: int | None = None) -> list[Any]:
    conditions = [BudgetLine.year == (sel.year if year is None else year)]
    if sel.unit_ids is not None:
        conditions.append(BudgetLine.unit_id.in_(sel.unit_ids))
    if sel.source:
        conditions.append(BudgetLine.source_code == sel.source)
    if sel.category:
        conditions.append(BudgetLine.category_code == sel.category)
    if sel.policy_id is not None:
        conditions.append(BudgetLine.policy_id == sel.policy_id)
    return conditions


# --- step 2: aggregate in SQL -------------------------------------------------------------------

def signed_by(sel: Selection, commitment=Commitment) -> list[Any]:
    """A period's condition on commitments: signed by its last day (undated ones count)."""
    if sel.date_to is None:
        return []
    return [or_(commitment.signed_on.is_(None), commitment.signed_on <= sel.date_to)]


def paid_in(sel: Selection) -> list[Any]:
    """A period's condition on payments: dated inside it."""
    if sel.date_to is None:
        return []
    return [Payment.date >= sel.date_from, Payment.date <= sel.date_to]


def _per_line(sel: Selection):
    """One row per selected line with its allocated, committed, direct-paid and paid amounts."""
    adjustments = select(Adjustment.line_id, func.sum(Adjustment.amount).label("amount")).group_by(Adjustment.line_id).subquery()
    commitments = (
        select(Commitment.line_id, func.sum(held_expression()).label("amount"))
        .where(Commitment.year == sel.year, *signed_by(sel))
        .group_by(Commitment.line_id)
        .subquery()
    )
    paid = Payment.amount if sel.date_from is None else case((Payment.date >= sel.date_from, Payment.amount), else_=0)
    payments = (
        select(
            Payment.line_id,
            func.sum(paid).label("paid"),
            func.sum(case((Payment.commitment_id.is_(None), Payment.amount), else_=0)).label("direct"),
        )
        .where(Payment.year == sel.year, *([] if sel.date_to is None else [Payment.date <= sel.date_to]))
        .group_by(Payment.line_id)
        .subquery()
    )
    return (
        select(
            BudgetLine.id.label("line_id"),
            BudgetLine.unit_id,
            BudgetLine.category_code,
            BudgetLine.source_code,
            (BudgetLine.original_estimate + func.coalesce(adjustments.c.amount, 0)).label("allocated"),
            func.coalesce(commitments.c.amount, 0).label("committed"),
            func.coalesce(payments.c.direct, 0).label("direct"),
            func.coalesce(payments.c.paid, 0).label("paid"),
        )
        .outerjoin(adjustments, adjustments.c.line_id == BudgetLine.id)
        .outerjoin(commitments, commitments.c.line_id == BudgetLine.id)
        .outerjoin(payments, payments.c.line_id == BudgetLine.id)
        .where(*line_conditions(sel))
        .subquery()
    )


CUBE_KEYS = ("unit_id", "category_code", "source_code")


def _cube(session: Session, sel: Selection) -> list[dict[str, Any]]:
    """The selection's money summed in SQL by unit × category × source (at most a few thousand rows),
    once per session and selection: headline, category, source and unit views roll up from it
    instead of each scanning the year's payments again."""
    memo = session.info.setdefault("dashboard_cube", {})
    if sel not in memo:
        lines = _per_line(sel)
        columns = [lines.c[k] for k in CUBE_KEYS]
        query = select(
            *columns,
            func.count().label("lines"),
            func.sum(lines.c.allocated).label("allocated"),
            func.sum(lines.c.committed).label("committed"),
            func.sum(lines.c.direct).label("direct"),
            func.sum(lines.c.paid).label("paid"),
        ).group_by(*columns)
        memo[sel] = [_money_row(dict(r)) for r in session.execute(query).mappings()]
    return memo[sel]


def _grouped(session: Session, sel: Selection, *keys: str) -> list[dict[str, Any]]:
    """Money by some of the cube's keys."""
    totals: dict[tuple, dict[str, Any]] = {}
    for row in _cube(session, sel):
        group = tuple(row[k] for k in keys)
        bucket = totals.setdefault(group, {**dict(zip(keys, group, strict=True)), "lines": 0, "allocated": 0, "committed": 0, "direct": 0, "paid": 0})
        for measure in ("lines", "allocated", "committed", "direct", "paid"):
            bucket[measure] += row[measure]
    return [_money_row(bucket) for bucket in totals.values()]


def _money_row(row: dict[str, Any]) -> dict[str, Any]:
    for key in ("allocated", "committed", "direct", "paid"):
        if key in row:
            row[key] = int(row[key] or 0)
    if "allocated" in row:
        row["available"] = rules.available(row["allocated"], row["committed"], row["direct"])
    return row


def execution_percent(paid: int, allocated: int) -> float | None:
    """Paid as a percentage of allocated (a display ratio, not money); None when nothing is allocated."""
    return None if not allocated else round(paid * 100 / allocated, 1)


def headline(session: Session, sel: Selection) -> Headline:
    """Allocated, committed, paid, available and execution % for NSNN and XHH apart, and in all."""
    rows = {r["source_code"]: r for r in _grouped(session, sel, "source_code")}
    nsnn, xhh = (_figures(rows.get(source, _zero())) for source in ("NSNN", "XHH"))
    total = {k: nsnn[k] + xhh[k] for k in ("allocated", "committed", "direct", "paid", "available", "lines")}
    total["execution"] = execution_percent(total["paid"], total["allocated"])
    return Headline(Figures(**nsnn), Figures(**xhh), Figures(**total))


def _figures(row: dict[str, Any]) -> dict[str, Any]:
    """The fields of ``Figures`` from a money row of the cube."""
    return {
        "allocated": row["allocated"],
        "committed": row["committed"],
        "direct": row["direct"],
        "paid": row["paid"],
        "available": row["available"],
        "lines": row.get("lines", 0),
        "execution": execution_percent(row["paid"], row["allocated"]),
    }


def _by_code_list(session: Session, sel: Selection, key: str, code_list: type[Category] | type[Source]) -> tuple[CodeFigures, ...]:
    """One bar per entry of a code list (categories or sources), in its order, empty ones included."""
    rows = {r[key]: r for r in _grouped(session, sel, key)}
    listed = select(code_list.code, code_list.label_vi, code_list.label_en).order_by(code_list.sort_order)
    return tuple(
        CodeFigures(**_figures(rows.get(code, _zero())), code=code, label_vi=vi, label_en=en) for code, vi, en in session.execute(listed)
    )


def by_category(session: Session, sel: Selection) -> tuple[CodeFigures, ...]:
    return _by_code_list(session, sel, "category_code", Category)


def by_source(session: Session, sel: Selection) -> tuple[CodeFigures, ...]:
    return _by_code_list(session, sel, "source_code", Source)


def _zero() -> dict[str, int]:
    return {"allocated": 0, "committed": 0, "direct": 0, "paid": 0, "available": 0, "lines": 0}


def _rollup_targets(session: Session, sel: Selection) -> tuple[dict[int, int], dict[int, tuple[str, str]]]:
    """Map every unit to the child of the root it rolls into (or the root itself for its own lines)."""
    units = {uid: (parent, code, name) for uid, parent, code, name in session.execute(select(Unit.id, Unit.parent_id, Unit.code, Unit.name))}
    if sel.root_unit_id is not None:
        tops = {sel.root_unit_id} | {uid for uid, (parent, _, _) in units.items() if parent == sel.root_unit_id}
    else:
        roots = {uid for uid, (parent, _, _) in units.items() if parent is None}
        tops = roots | {uid for uid, (parent, _, _) in units.items() if parent in roots}
    target: dict[int, int] = {}
    for uid in units:
        current = uid
        while current is not None and current not in tops:
            current = units[current][0]
        if current is not None:
            target[uid] = current
    labels = {uid: (units[uid][1], units[uid][2]) for uid in tops}
    return target, labels


def by_unit(session: Session, sel: Selection) -> tuple[UnitFigures, ...]:
    """Per unit directly under the selected unit (its subordinates rolled into it), largest first."""
    target, labels = _rollup_targets(session, sel)
    totals: dict[int, dict[str, int]] = {}
    for row in _grouped(session, sel, "unit_id"):
        top = target.get(row["unit_id"])
        if top is None:
            continue
        bucket = totals.setdefault(top, _zero())
        for key in ("allocated", "committed", "direct", "paid", "lines"):
            bucket[key] += row[key]
    rows = [
        UnitFigures(**_figures(_money_row(figures)), unit_id=uid, code=labels[uid][0], name=labels[uid][1], own=uid == sel.root_unit_id)
        for uid, figures in totals.items()
    ]
    return tuple(sorted(rows, key=lambda r: (-r.allocated, r.code)))


def payment_month():
    """The month of the fiscal year a payment belongs to: closing-period payments (January of the next
    year) count in December."""
    return case((extract("year", Payment.date) > Payment.year, 12), else_=extract("month", Payment.date))


def _payments_by_month(session: Session, sel: Selection, year: int) -> dict[int, int]:
    """Summed in SQL by day (at most ~400 rows a year, read from the covering index), then folded
    into the fiscal year's months here: a date function evaluated on every payment row in SQL costs
    more than the whole aggregate."""
    query = (
        select(Payment.date, func.sum(Payment.amount))
        .join(BudgetLine, BudgetLine.id == Payment.line_id)
        .where(Payment.year == year, *line_conditions(sel, year))
        .group_by(Payment.date)
    )
    months: dict[int, int] = {}
    for day, total in session.execute(query):
        month = 12 if day.year > year else day.month  # closing-period payments count in December
        months[month] = months.get(month, 0) + int(total or 0)
    return months


def _phased_plan(session: Session, sel: Selection) -> list[int]:
    """Cumulative planned payments at the end of each month: a line's own phasing where it has one,
    else its allocation spread evenly; whole đồng, the last month equal to the allocation."""
    lines = _per_line(sel)
    phased_lines = select(LinePhasing.line_id).distinct().subquery()
    # Each line's even plan is rounded down on its own (allocated × m // 12), then summed: so the plan of
    # a selection is the sum of the plans of its parts (sources, units), as every other figure is.
    line_allocated = cast(lines.c.allocated, BigInteger)
    even = session.execute(
        select(*[func.coalesce(func.sum(line_allocated * m // 12), 0) for m in range(1, 13)]).where(
            lines.c.line_id.not_in(select(phased_lines.c.line_id))
        )
    ).one()
    weights = (
        select(LinePhasing.line_id, LinePhasing.month, LinePhasing.amount, lines.c.allocated)
        .join(lines, lines.c.line_id == LinePhasing.line_id)
        .order_by(LinePhasing.line_id, LinePhasing.month)
    )
    per_line: dict[int, tuple[int, list[int]]] = {}
    for line_id, month, amount, allocated in session.execute(weights):
        alloc, months = per_line.setdefault(line_id, (int(allocated), [0] * 12))
        months[month - 1] += int(amount)
    cumulative = [int(amount or 0) for amount in even]
    for allocated, months in per_line.values():
        weight_total = sum(months) or 1
        running = 0
        for index, weight in enumerate(months):
            running += weight
            cumulative[index] += allocated * running // weight_total
    return cumulative


def monthly(session: Session, sel: Selection) -> tuple[MonthFigures, ...]:
    """Cumulative payments by month against the phased plan, with the previous year's curve."""
    this_year = _payments_by_month(session, sel, sel.year)
    last_year = _payments_by_month(session, sel, sel.year - 1)
    plan = _phased_plan(session, sel)
    rows, running, running_last = [], 0, 0
    for month in range(1, 13):
        running += this_year.get(month, 0)
        running_last += last_year.get(month, 0)
        rows.append(MonthFigures(month, this_year.get(month, 0), running, plan[month - 1], running_last))
    return tuple(rows)


def _commitment_base(sel: Selection, kind: str) -> list[Any]:
    return [Commitment.kind == kind, Commitment.year == sel.year, Commitment.status.in_(("signed", "closed")), *signed_by(sel), *line_conditions(sel)]


def press_orders(session: Session, sel: Selection, top: int = TOP_AGENCIES) -> PressOrders:
    """Press orders by agency (top N and the rest), by media type, by policy and by stage."""
    held = func.sum(held_expression())
    base = _commitment_base(sel, "order")

    def grouped(*columns) -> list[tuple]:
        query = select(*columns, held, func.count()).select_from(Commitment).join(BudgetLine, BudgetLine.id == Commitment.line_id)
        for column in columns:
            if column.table is PressAgency.__table__:
                query = query.join(PressAgency, PressAgency.id == Commitment.press_agency_id)
                break
        for column in columns:
            if column.table is Policy.__table__:
                query = query.outerjoin(Policy, Policy.id == Commitment.policy_id)
                break
        # Ordered, so that equal amounts keep one order on every backend (PostgreSQL groups by hash).
        return list(session.execute(query.where(*base).group_by(*columns).order_by(*columns)))

    agencies = sorted(
        (Bar(c, n, int(a or 0), int(k)) for c, n, a, k in grouped(PressAgency.code, PressAgency.name)),
        key=lambda r: (-r.amount, r.code),
    )
    total = sum(r.amount for r in agencies)
    shown = agencies[:top]
    rest = agencies[top:]
    if rest:
        shown.append(Bar(None, None, sum(r.amount for r in rest), sum(r.orders for r in rest), others=len(rest)))
    top_five = sum(r.amount for r in agencies[:5])
    return PressOrders(
        total=total,
        agencies=tuple(shown),
        top_five_share=None if not total else round(top_five * 100 / total, 1),
        media=tuple(sorted((Bar(m, None, int(a or 0), int(k)) for m, a, k in grouped(PressAgency.media_type)), key=lambda r: -r.amount)),
        policy=tuple(sorted((Bar(p, n, int(a or 0), int(k)) for p, n, a, k in grouped(Policy.code, Policy.name)), key=lambda r: -r.amount)),
        stage=tuple(
            sorted(
                (Bar(s, None, int(a or 0), int(k)) for s, a, k in grouped(Commitment.stage_code)),
                key=lambda r: list(codes.STAGES).index(r.code) if r.code in codes.STAGES else len(codes.STAGES),
            )
        ),
    )


def training(session: Session, sel: Selection) -> Training:
    row = session.execute(
        select(func.count(), func.coalesce(func.sum(course_participants_expression()), 0), func.coalesce(func.sum(held_expression()), 0))
        .join(BudgetLine, BudgetLine.id == Commitment.line_id)
        .where(*_commitment_base(sel, "course"))
    ).one()
    courses, participants, cost = int(row[0]), int(row[1]), int(row[2])
    return Training(courses, participants, cost, cost // participants if participants else None)


def it_services(session: Session, sel: Selection) -> tuple[ItServices, ...]:
    query = (
        select(Commitment.service_type, Commitment.stage_code, func.count(), func.sum(held_expression()))
        .join(BudgetLine, BudgetLine.id == Commitment.line_id)
        .where(*_commitment_base(sel, "it_service"))
        .group_by(Commitment.service_type, Commitment.stage_code)
        .order_by(Commitment.service_type, Commitment.stage_code)
    )
    return tuple(ItServices(s, g, int(n), int(a or 0)) for s, g, n, a in session.execute(query))


# --- the whole dashboard, cached ----------------------------------------------------------------

class _Cache:
    """A small LRU of dashboard results; keys include the audit head, so any write invalidates."""

    def __init__(self, size: int = 128):
        self.size = size
        self.items: OrderedDict[tuple, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get_or_make(self, key: tuple, make: Callable[[], Any]) -> Any:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        value = make()
        with self.lock:
            self.items[key] = value
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


CACHE = _Cache()


def audit_head_seq(session: Session) -> int:
    return int(session.scalar(select(func.max(AuditEvent.seq))) or 0)


def cached_figures(session: Session, db: Database, actor: Actor, what: tuple, make: Callable[[], Any]) -> Any:
    """Other screens' figures (coverage, plans) from the same cache while the ledger has not changed:
    keyed by the audit head (every write moves it) and the reader; ``make`` computes them."""
    return CACHE.get_or_make((db.url, audit_head_seq(session), actor.user_id, actor.role, actor.unit_id, *what), make)


def dashboard(db: Database, actor: Actor, filters: DashboardFilters) -> Dashboard:
    """Every figure of the dashboard for these filters, from the cache when the ledger has not changed
    (the result is frozen, so every reader of the cache may share it)."""
    with db.read() as session:
        head = audit_head_seq(session)
        sel = validate(session, actor, filters)
        key = (db.url, head, actor.user_id, actor.role, actor.unit_id, filters)
        return CACHE.get_or_make(
            key,
            lambda: Dashboard(
                filters=filters,
                headline=headline(session, sel),
                category=by_category(session, sel),
                source=by_source(session, sel),
                unit=by_unit(session, sel),
                monthly=monthly(session, sel),
                press=press_orders(session, sel),
                training=training(session, sel),
                it=it_services(session, sel),
            ),
        )
