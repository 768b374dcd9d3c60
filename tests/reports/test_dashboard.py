"""The leaders' dashboard (ledger/dashboard.py) on SQLite and PostgreSQL.

Every figure is checked against SQL written here, over budget_lines, adjustments, commitments,
payments and units (never ledger.store.balances nor the dashboard's own queries): the headline per source,
the bars by category, source and unit (subordinate units rolled into their parent), the monthly
curves and the phased plan, press orders, training and IT. Every bar drills down to rows that add up
to it; bad filters are refused with every problem at once; results are cached until the next write;
the officer never sees another unit's money.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import FrozenInstanceError, asdict
from typing import Any

import pytest
from conftest import actor_for
from ledger_testkit import assert_typed_frozen, keys, line_id, refused, rows, scalar
from sqlalchemy import bindparam, text

from ledger.domain.errors import NotFound, PermissionDenied, ValidationError
from ledger.reports import dashboard as dash
from ledger.reports.dashboard import TOP_AGENCIES, DashboardFilters, dashboard
from ledger.reports.drilldown import drill
from ledger.services import payments
from ledger.services.budget import add_line, adjust_line
from ledger.services.phasing import set_phasing
from ledger.services.reference import set_year_open
from ledger.services.users import create_user
from ledger.store.db import Database
from ledger.store.verify import verify

ROOTS = {"leader": "QG", "auditor": "QG", "officer": "BYT-TT"}
MONEY = ("allocated", "committed", "paid", "available")
HELD = "CASE c.status WHEN 'signed' THEN c.value WHEN 'closed' THEN COALESCE(c.final_value, 0) ELSE 0 END"

# One row per line of the year with its allocation, what its commitments hold, what was paid on it
# and what was paid on it outside commitments.
LINE_FIGURES = f"""
SELECT l.id AS line_id, u.code AS unit_code, l.category_code, l.source_code, po.code AS policy_code,
  l.original_estimate + COALESCE((SELECT SUM(a.amount) FROM adjustments a WHERE a.line_id = l.id), 0) AS allocated,
  COALESCE((SELECT SUM({HELD}) FROM commitments c WHERE c.line_id = l.id AND c.year = l.year), 0) AS committed,
  COALESCE((SELECT SUM(p.amount) FROM payments p WHERE p.line_id = l.id AND p.year = l.year), 0) AS paid,
  COALESCE((SELECT SUM(p.amount) FROM payments p WHERE p.line_id = l.id AND p.year = l.year
            AND p.commitment_id IS NULL), 0) AS direct
FROM budget_lines l JOIN units u ON u.id = l.unit_id LEFT JOIN policies po ON po.id = l.policy_id
WHERE l.year = :year AND u.code IN :units
"""
FILTER_COLUMNS = {"source": "source_code", "category": "category_code", "policy_code": "policy_code"}


# --- independent SQL ----------------------------------------------------------------------------


def query(db: Database, sql: str, **params: Any) -> list[Any]:
    statement = text(sql)
    if "units" in params:
        statement = statement.bindparams(bindparam("units", expanding=True))
    with db.engine.connect() as connection:
        return list(connection.execute(statement, params))


def subtree(db: Database, root: str) -> list[str]:
    """A unit's code and the codes of all its subordinate units, by a recursive query."""
    found = query(
        db,
        "WITH RECURSIVE tree(id) AS (SELECT id FROM units WHERE code = :root"
        " UNION ALL SELECT u.id FROM units u JOIN tree ON u.parent_id = tree.id)"
        " SELECT code FROM units WHERE id IN (SELECT id FROM tree) ORDER BY code",
        root=root,
    )
    return [r[0] for r in found]


def children(db: Database, root: str) -> list[str]:
    found = query(db, "SELECT c.code FROM units c JOIN units p ON p.id = c.parent_id WHERE p.code = :r ORDER BY c.code", r=root)
    return [r[0] for r in found]


def _where(filters: dict[str, Any], params: dict[str, Any], prefix: str = "f.") -> str:
    conditions = []
    for name, column in FILTER_COLUMNS.items():
        if filters.get(name):
            conditions.append(f"{prefix}{column} = :{name}")
            params[name] = filters[name]
    return (" WHERE " + " AND ".join(conditions)) if conditions else ""


def figures(lines: int, allocated: Any, committed: Any, paid: Any, direct: Any) -> dict[str, Any]:
    allocated, committed, paid, direct = (int(v or 0) for v in (allocated, committed, paid, direct))
    return {
        "allocated": allocated,
        "committed": committed,
        "direct": direct,  # issue 10: the headline shows it, so that allocated − committed − direct = available
        "paid": paid,
        "available": allocated - committed - direct,
        "lines": int(lines),
        "execution": round(paid * 100 / allocated, 1) if allocated else None,
    }


def sql_total(db: Database, year: int, units: list[str], **filters: Any) -> dict[str, Any]:
    params: dict[str, Any] = {"year": year, "units": units}
    where = _where(filters, params)
    row = query(
        db,
        f"SELECT COUNT(*), SUM(f.allocated), SUM(f.committed), SUM(f.paid), SUM(f.direct) FROM ({LINE_FIGURES}) f{where}",
        **params,
    )[0]
    return figures(*row)


def sql_grouped(db: Database, year: int, units: list[str], column: str, **filters: Any) -> dict[str, dict[str, Any]]:
    params: dict[str, Any] = {"year": year, "units": units}
    where = _where(filters, params)
    found = query(
        db,
        f"SELECT f.{column}, COUNT(*), SUM(f.allocated), SUM(f.committed), SUM(f.paid), SUM(f.direct)"
        f" FROM ({LINE_FIGURES}) f{where} GROUP BY f.{column}",
        **params,
    )
    return {r[0]: figures(*r[1:]) for r in found}


def sql_headline(db: Database, year: int, units: list[str], **filters: Any) -> dict[str, dict[str, Any]]:
    by_source = sql_grouped(db, year, units, "source_code", **filters)
    zero = figures(0, 0, 0, 0, 0)
    return {"NSNN": by_source.get("NSNN", zero), "XHH": by_source.get("XHH", zero), "ALL": sql_total(db, year, units, **filters)}


def sql_catalogue(db: Database, year: int, units: list[str], table: str, column: str, **filters: Any) -> list[tuple]:
    grouped = sql_grouped(db, year, units, column, **filters)
    codes = [r[0] for r in query(db, f"SELECT code FROM {table} ORDER BY sort_order")]
    zero = figures(0, 0, 0, 0, 0)
    return [(code, *(grouped.get(code, zero)[k] for k in (*MONEY, "lines"))) for code in codes]


def sql_by_unit(db: Database, year: int, root: str, **filters: Any) -> list[tuple]:
    """The root's own lines in one bar, each child unit with all its subordinates in one bar."""
    buckets = {root: [root], **{child: subtree(db, child) for child in children(db, root)}}
    bars = []
    for code, units in buckets.items():
        total = sql_total(db, year, units, **filters)
        if total["lines"]:
            bars.append((code, *(total[k] for k in MONEY)))
    return sorted(bars, key=lambda bar: (-bar[1], bar[0]))


def payment_month_sql(db: Database) -> str:
    """The fiscal month of a payment: closing-period payments (January of the next year) count in December."""
    if db.engine.dialect.name == "sqlite":
        return (
            "CASE WHEN CAST(strftime('%Y', p.date) AS INTEGER) > p.year THEN 12"
            " ELSE CAST(strftime('%m', p.date) AS INTEGER) END"
        )
    return "CASE WHEN EXTRACT(YEAR FROM p.date) > p.year THEN 12 ELSE CAST(EXTRACT(MONTH FROM p.date) AS INTEGER) END"


def sql_paid_by_month(db: Database, year: int, units: list[str], **filters: Any) -> list[int]:
    params: dict[str, Any] = {"year": year, "units": units}
    where = _where(filters, params, prefix="l.").replace("l.policy_code", "po.code")
    where = where.replace(" WHERE ", " AND ")
    found = query(
        db,
        f"SELECT {payment_month_sql(db)}, SUM(p.amount) FROM payments p JOIN budget_lines l ON l.id = p.line_id"
        " JOIN units u ON u.id = l.unit_id LEFT JOIN policies po ON po.id = l.policy_id"
        f" WHERE p.year = :year AND l.year = :year AND u.code IN :units{where} GROUP BY 1",
        **params,
    )
    months = dict((int(m), int(amount)) for m, amount in found)
    return [months.get(m, 0) for m in range(1, 13)]


def cumulative(values: list[int]) -> list[int]:
    out, running = [], 0
    for value in values:
        running += value
        out.append(running)
    return out


def sql_even_plan(db: Database, year: int, units: list[str], excluded: tuple[int, ...] = (), **filters: Any) -> list[int]:
    """Σ over lines of allocated × m // 12 (each line rounded down on its own), for m = 1..12."""
    params: dict[str, Any] = {"year": year, "units": units}
    where = _where(filters, params)
    if excluded:
        where += (" AND " if where else " WHERE ") + "f.line_id NOT IN (" + ", ".join(str(int(i)) for i in excluded) + ")"
    columns = ", ".join(f"SUM(CAST(f.allocated AS BIGINT) * {m} / 12)" for m in range(1, 13))
    row = query(db, f"SELECT {columns} FROM ({LINE_FIGURES}) f{where}", **params)[0]
    return [int(v or 0) for v in row]


ORDERS = (
    " FROM commitments c JOIN budget_lines l ON l.id = c.line_id JOIN units u ON u.id = l.unit_id"
    " JOIN press_agencies pa ON pa.id = c.press_agency_id LEFT JOIN policies po ON po.id = c.policy_id"
    " WHERE c.kind = 'order' AND c.year = :year AND l.year = :year AND c.status IN ('signed', 'closed')"
    " AND u.code IN :units"
)


def sql_orders_by(db: Database, year: int, units: list[str], column: str) -> dict[Any, tuple[int, int]]:
    found = query(db, f"SELECT {column}, SUM({HELD}), COUNT(*){ORDERS} GROUP BY {column}", year=year, units=units)
    return {key: (int(amount), int(n)) for key, amount, n in found}


def sql_agencies(db: Database, year: int, units: list[str], top: int) -> tuple[list[tuple], int, float | None]:
    """(code, amount, orders) of the top agencies then the rest in one bar; the total; the top five's share."""
    ranked = sorted(sql_orders_by(db, year, units, "pa.code").items(), key=lambda kv: (-kv[1][0], kv[0]))
    total = sum(amount for _, (amount, _) in ranked)
    bars = [(code, amount, n) for code, (amount, n) in ranked[:top]]
    rest = ranked[top:]
    if rest:
        bars.append((None, sum(a for _, (a, _) in rest), sum(n for _, (_, n) in rest)))
    top_five = sum(amount for _, (amount, _) in ranked[:5])
    return bars, total, (round(top_five * 100 / total, 1) if total else None)


def sql_training(db: Database, year: int, units: list[str]) -> dict[str, Any]:
    n, participants, cost = query(
        db,
        # A course with an attendance list counts its list (issue 11), else its declared number.
        f"SELECT COUNT(*), COALESCE(SUM(COALESCE(NULLIF((SELECT COUNT(*) FROM course_participants p WHERE p.course_id = c.id), 0),"
        f" c.participants)), 0), COALESCE(SUM({HELD}), 0)"
        " FROM commitments c JOIN budget_lines l ON l.id = c.line_id JOIN units u ON u.id = l.unit_id"
        " WHERE c.kind = 'course' AND c.year = :year AND l.year = :year AND c.status IN ('signed', 'closed')"
        " AND u.code IN :units",
        year=year,
        units=units,
    )[0]
    n, participants, cost = int(n), int(participants), int(cost)
    return {"courses": n, "participants": participants, "cost": cost, "cost_per_participant": cost // participants if participants else None}


def sql_it(db: Database, year: int, units: list[str]) -> set[tuple]:
    found = query(
        db,
        f"SELECT c.service_type, c.stage_code, COUNT(*), SUM({HELD})"
        " FROM commitments c JOIN budget_lines l ON l.id = c.line_id JOIN units u ON u.id = l.unit_id"
        " WHERE c.kind = 'it_service' AND c.year = :year AND l.year = :year AND c.status IN ('signed', 'closed')"
        " AND u.code IN :units GROUP BY c.service_type, c.stage_code",
        year=year,
        units=units,
    )
    return {(s, g, int(n), int(a)) for s, g, n, a in found}


# --- comparing a whole dashboard ----------------------------------------------------------------


def money_of(row: dash.Figures) -> tuple:
    return tuple(getattr(row, k) for k in MONEY)


def check_dashboard(db: Database, data: dash.Dashboard, year: int, units: list[str], root: str, **filters: Any) -> None:
    """Every figure of ``data`` against the SQL above, for the lines of ``units`` (with ``filters``)."""
    headline = sql_headline(db, year, units, **filters)
    for source in ("NSNN", "XHH", "ALL"):
        assert asdict(data.headline.of(source)) == headline[source], (source, data.headline.of(source), headline[source])
    assert [(r.code, *money_of(r), r.lines) for r in data.category] == sql_catalogue(db, year, units, "categories", "category_code", **filters)
    assert [(r.code, *money_of(r), r.lines) for r in data.source] == sql_catalogue(db, year, units, "sources", "source_code", **filters)
    assert [(r.code, *money_of(r)) for r in data.unit] == sql_by_unit(db, year, root, **filters)
    for row in (*data.category, *data.source, *data.unit):
        assert row.execution == (round(row.paid * 100 / row.allocated, 1) if row.allocated else None)

    paid = sql_paid_by_month(db, year, units, **filters)
    previous = sql_paid_by_month(db, year - 1, units, **filters)
    assert [r.month for r in data.monthly] == list(range(1, 13))
    assert [r.paid for r in data.monthly] == paid
    assert [r.cumulative_paid for r in data.monthly] == cumulative(paid)
    assert [r.cumulative_previous for r in data.monthly] == cumulative(previous)
    assert data.monthly[-1].cumulative_paid == headline["ALL"]["paid"]
    if not query(db, "SELECT 1 FROM line_phasing"):
        plan = sql_even_plan(db, year, units, **filters)
        assert [r.cumulative_plan for r in data.monthly] == plan
        assert plan[-1] == headline["ALL"]["allocated"]

    if not filters:  # the commitment figures below are checked unfiltered
        press = data.press
        bars, total, share = sql_agencies(db, year, units, TOP_AGENCIES)
        assert [(a.code, a.amount, a.orders) for a in press.agencies] == bars
        assert (press.total, press.top_five_share) == (total, share)
        for column, key in (("pa.media_type", "media"), ("c.stage_code", "stage")):
            assert {r.code: (r.amount, r.orders) for r in getattr(press, key)} == sql_orders_by(db, year, units, column), key
        assert {r.code: (r.amount, r.orders) for r in press.policy} == sql_orders_by(db, year, units, "po.code")
        assert [r.amount for r in press.media] == sorted((r.amount for r in press.media), reverse=True)
        assert asdict(data.training) == sql_training(db, year, units)
        assert {(r.service_type, r.stage, r.contracts, r.amount) for r in data.it} == sql_it(db, year, units)


def scope_of(db: Database, role: str) -> list[str]:
    return subtree(db, ROOTS[role]) if role in ROOTS else [r[0] for r in query(db, "SELECT code FROM units")]


# --- every figure, per role and year ------------------------------------------------------------


@pytest.mark.parametrize("role", ["leader", "officer", "admin"])
def test_every_figure_equals_independent_sql(demo_db, role):
    actor = actor_for(demo_db, role)
    units = scope_of(demo_db, role)
    root = ROOTS.get(role, "QG")
    for year in (2026, 2025):
        data = dashboard(demo_db, actor, DashboardFilters(year=year))
        check_dashboard(demo_db, data, year, units, root)
        assert data.headline.of("NSNN").paid > 0 and data.headline.of("XHH").allocated > 0
        assert data.press.total > 0 and data.training.courses > 0 and data.it
        if role == "officer":
            assert [r.code for r in data.unit] == ["BYT-TT"]
        else:
            assert {r.code for r in data.unit} == {"BYT", "HNI", "HCM", "DNG"}
            assert [r.code for r in data.unit] == [bar[0] for bar in sql_by_unit(demo_db, year, "QG")]


def test_unit_and_other_filters(demo_db):
    leader = actor_for(demo_db, "leader")
    byt = subtree(demo_db, "BYT")
    assert byt == ["BYT", "BYT-KCB", "BYT-TT", "BYT-VP"]
    data = dashboard(demo_db, leader, DashboardFilters(year=2026, unit_code="BYT"))
    check_dashboard(demo_db, data, 2026, byt, "BYT")
    # The ministry's own lines in one bar, each subordinate unit in its own.
    assert {r.code for r in data.unit} == {"BYT", "BYT-VP", "BYT-TT", "BYT-KCB"}
    own = next(r for r in data.unit if r.code == "BYT")
    assert own.own and own.allocated == sql_total(demo_db, 2026, ["BYT"])["allocated"]
    assert sum(r.allocated for r in data.unit) == data.headline.of("ALL").allocated

    everything = subtree(demo_db, "QG")
    for filters in ({"source": "XHH"}, {"category": "BAO_CHI"}, {"policy_code": "DE-AN-06"}, {"source": "NSNN", "category": "CNTT"}):
        data = dashboard(demo_db, leader, DashboardFilters(year=2026, **filters))
        check_dashboard(demo_db, data, 2026, everything, "QG", **filters)
        assert data.headline.of("ALL").allocated > 0, filters
    narrowed = dashboard(demo_db, leader, DashboardFilters(year=2025, unit_code="HNI", source="XHH"))
    check_dashboard(demo_db, narrowed, 2025, subtree(demo_db, "HNI"), "HNI", source="XHH")
    assert narrowed.headline.of("NSNN").allocated == 0 and narrowed.headline.of("XHH").allocated > 0


def test_closing_period_payment_counts_in_december_of_its_year(demo_db):
    officer = actor_for(demo_db, "officer")
    line = line_id(demo_db, "BYT-TT-25-02")
    before_2025 = dashboard(demo_db, officer, DashboardFilters(year=2025))
    before_2026 = dashboard(demo_db, officer, DashboardFilters(year=2026))
    payments.record_payment(
        demo_db, officer, year=2025, voucher_no="C-2025-QT", date=dt.date(2026, 1, 15), kind="THANH_TOAN", line=line, amount=3_000_000
    )
    after_2025 = dashboard(demo_db, officer, DashboardFilters(year=2025))
    after_2026 = dashboard(demo_db, officer, DashboardFilters(year=2026))
    units = ["BYT-TT"]
    check_dashboard(demo_db, after_2025, 2025, units, "BYT-TT")
    check_dashboard(demo_db, after_2026, 2026, units, "BYT-TT")
    assert after_2025.monthly[11].paid == before_2025.monthly[11].paid + 3_000_000
    assert after_2025.monthly[0].paid == before_2025.monthly[0].paid
    assert after_2025.headline.of("NSNN").paid == before_2025.headline.of("NSNN").paid + 3_000_000
    # In 2026 it is last year's December, not this year's January.
    assert [r.paid for r in after_2026.monthly] == [r.paid for r in before_2026.monthly]
    assert after_2026.monthly[11].cumulative_previous == before_2026.monthly[11].cumulative_previous + 3_000_000
    assert after_2026.monthly[10].cumulative_previous == before_2026.monthly[10].cumulative_previous
    # The December bar drills down to it.
    december = drill(demo_db, officer, DashboardFilters(year=2025), "month", 12, "paid")
    assert "C-2025-QT" in {r["voucher_no"] for r in december["rows"]}
    assert december["total"] == after_2025.monthly[11].paid


# --- the phased plan ----------------------------------------------------------------------------


def test_even_plan_is_each_lines_plan_summed(demo_db):
    leader = actor_for(demo_db, "leader")
    everything = subtree(demo_db, "QG")
    for year in (2026, 2025):
        plan = [r.cumulative_plan for r in dashboard(demo_db, leader, DashboardFilters(year=year)).monthly]
        assert plan == sql_even_plan(demo_db, year, everything)
        parts = [
            [r.cumulative_plan for r in dashboard(demo_db, leader, DashboardFilters(year=year, source=source)).monthly]
            for source in ("NSNN", "XHH")
        ]
        assert plan == [a + b for a, b in zip(*parts, strict=True)]  # the plan of the whole is the sum of its parts
        units = [
            [r.cumulative_plan for r in dashboard(demo_db, leader, DashboardFilters(year=year, unit_code=code)).monthly]
            for code in children(demo_db, "QG")
        ]
        assert plan == [sum(month) for month in zip(*units, strict=True)]
        assert plan == sorted(plan) and plan[-1] == sql_total(demo_db, year, everything)["allocated"]


def test_a_lines_own_phasing_shapes_the_plan(demo_db):
    officer, leader = actor_for(demo_db, "officer"), actor_for(demo_db, "leader")
    line = line_id(demo_db, "BYT-TT-26-02")
    weights = [1, 0, 0, 2, 0, 0, 3, 0, 0, 4, 0, 7]
    set_phasing(demo_db, officer, line, weights)
    allocated = sql_grouped(demo_db, 2026, ["BYT-TT"], "line_id")[line]["allocated"]
    own = [allocated * running // sum(weights) for running in cumulative(weights)]
    assert own[-1] == allocated and own[0] == allocated // 17

    for actor, units in ((officer, ["BYT-TT"]), (leader, subtree(demo_db, "QG"))):
        plan = [r.cumulative_plan for r in dashboard(demo_db, actor, DashboardFilters(year=2026)).monthly]
        even = sql_even_plan(demo_db, 2026, units, excluded=(line,))
        assert plan == [a + b for a, b in zip(even, own, strict=True)]
        assert plan[-1] == sql_total(demo_db, 2026, units)["allocated"]
    # Another unit's filter does not see the phased line; 2025 is untouched.
    hni = [r.cumulative_plan for r in dashboard(demo_db, leader, DashboardFilters(year=2026, unit_code="HNI")).monthly]
    assert hni == sql_even_plan(demo_db, 2026, subtree(demo_db, "HNI"))
    earlier = [r.cumulative_plan for r in dashboard(demo_db, leader, DashboardFilters(year=2025)).monthly]
    assert earlier == sql_even_plan(demo_db, 2025, subtree(demo_db, "QG"))
    # An adjustment moves the whole phased curve: the weights spread the new allocation.
    adjust_line(demo_db, officer, line, "12.000.000", dt.date(2026, 3, 1), "77/QĐ-BYT")
    allocated += 12_000_000
    plan = [r.cumulative_plan for r in dashboard(demo_db, officer, DashboardFilters(year=2026)).monthly]
    own = [allocated * running // sum(weights) for running in cumulative(weights)]
    assert plan == [a + b for a, b in zip(sql_even_plan(demo_db, 2026, ["BYT-TT"], excluded=(line,)), own, strict=True)]


def test_set_phasing_is_an_audited_officer_write(demo_db):
    officer = actor_for(demo_db, "officer")
    line = line_id(demo_db, "BYT-TT-26-03")
    events_before = int(scalar(demo_db, "SELECT COUNT(*) FROM audit_events"))
    set_phasing(demo_db, officer, line, [10] * 12)
    stored = rows(demo_db, "SELECT month, amount FROM line_phasing WHERE line_id = :l ORDER BY month", l=line)
    assert [tuple(r) for r in stored] == [(m, 10) for m in range(1, 13)]
    events = rows(demo_db, "SELECT actor, action, entity_type, before FROM audit_events WHERE seq > :s ORDER BY seq", s=events_before)
    assert [tuple(e) for e in events] == [("officer", "line_phasing.set", "line_phasing", None)] * 12

    # Setting it again records only the months that changed, each with its state before.
    seq = int(scalar(demo_db, "SELECT MAX(seq) FROM audit_events"))
    set_phasing(demo_db, officer, line, [10, 10, 0, 10, 10, 10, 10, 10, 10, 10, 10, 25])
    changed = rows(demo_db, "SELECT action, before, after FROM audit_events WHERE seq > :s ORDER BY seq", s=seq)
    assert len(changed) == 2 and all(e[1] is not None for e in changed)
    assert [int(r[0]) for r in rows(demo_db, "SELECT amount FROM line_phasing WHERE line_id = :l ORDER BY month", l=line)] == [
        10, 10, 0, 10, 10, 10, 10, 10, 10, 10, 10, 25,
    ]
    with demo_db.read() as session:
        assert verify(session).ok

    # Refusals write nothing: wrong shapes (every problem at once), other roles, other units, closed years.
    error = refused(demo_db, ValidationError, set_phasing, demo_db, officer, line, [1] * 11)
    assert keys(error) == {"phasing.months"}
    error = refused(demo_db, ValidationError, set_phasing, demo_db, officer, line, [1, -1, 2.5, True, "3", *[0] * 6, 10 ** 16])
    assert keys(error) == {"phasing.amount"} and len(error.problems) == 5
    assert {p.field for p in error.problems} == {f"monthly_amounts[{m}]" for m in (2, 3, 4, 5, 12)}
    assert keys(refused(demo_db, ValidationError, set_phasing, demo_db, officer, line, [0] * 12)) == {"phasing.zero"}
    for role in ("leader", "auditor", "admin"):
        refused(demo_db, PermissionDenied, set_phasing, demo_db, actor_for(demo_db, role), line, [1] * 12)
    refused(demo_db, PermissionDenied, set_phasing, demo_db, officer, line_id(demo_db, "HNI-26-01"), [1] * 12)
    refused(demo_db, PermissionDenied, set_phasing, demo_db, officer, line_id(demo_db, "BYT-26-01"), [1] * 12)
    refused(demo_db, NotFound, set_phasing, demo_db, officer, 999_999, [1] * 12)
    set_year_open(demo_db, actor_for(demo_db, "admin"), 2025, False)
    error = refused(demo_db, ValidationError, set_phasing, demo_db, officer, line_id(demo_db, "BYT-TT-25-03"), [1] * 12)
    assert keys(error) == {"year.closed"}


# --- press orders: the rest bucket and the top five ---------------------------------------------


def test_press_orders_rest_bucket_and_top_five(demo_db):
    leader = actor_for(demo_db, "leader")
    everything = subtree(demo_db, "QG")
    with demo_db.read() as session:
        selection = dash.validate(session, leader, DashboardFilters(year=2026))
        three = dash.press_orders(session, selection, top=3)
    bars, total, share = sql_agencies(demo_db, 2026, everything, 3)
    assert [(a.code, a.amount, a.orders) for a in three.agencies] == bars
    assert len(three.agencies) == 4 and three.agencies[-1].others == len(sql_orders_by(demo_db, 2026, everything, "pa.code")) - 3
    assert (three.total, three.top_five_share) == (total, share)
    assert sum(a.amount for a in three.agencies) == total

    # 2025 had more agencies than the chart shows: the rest is one bar, and it drills down.
    data = dashboard(demo_db, leader, DashboardFilters(year=2025))
    agencies = data.press.agencies
    assert len(agencies) == TOP_AGENCIES + 1 and agencies[-1].code is None
    rest = drill(demo_db, leader, DashboardFilters(year=2025), "agency", None, "committed")
    assert rest["total"] == agencies[-1].amount and rest["count"] == agencies[-1].orders
    shown = {a.name for a in agencies if a.code}
    assert rest["rows"] and not {r["press_agency"] for r in rest["rows"]} & shown


# --- drill-down ---------------------------------------------------------------------------------


def bars_of(data: dash.Dashboard) -> list[tuple[str, Any, str, int]]:
    """(dimension, key, measure, amount) of every bar of every chart."""
    bars = []
    for dimension in ("category", "source", "unit"):
        for row in getattr(data, dimension):
            bars += [(dimension, row.code, measure, getattr(row, measure)) for measure in ("allocated", "committed", "paid")]
    bars += [("month", r.month, "paid", r.paid) for r in data.monthly]
    press = data.press
    bars += [("agency", r.code, "committed", r.amount) for r in press.agencies]
    for dimension in ("media", "policy", "stage"):
        bars += [(dimension, r.code, "committed", r.amount) for r in getattr(press, dimension)]
    it: dict[str, int] = {}
    for row in data.it:
        it[row.service_type] = it.get(row.service_type, 0) + row.amount
    bars += [("service_type", code, "committed", amount) for code, amount in it.items()]
    return bars


@pytest.mark.parametrize(
    "role, filters",
    [
        ("leader", DashboardFilters(year=2026)),
        ("leader", DashboardFilters(year=2025)),
        ("leader", DashboardFilters(year=2026, unit_code="BYT", source="NSNN")),
        ("officer", DashboardFilters(year=2026)),
    ],
    ids=["leader-2026", "leader-2025", "leader-BYT-NSNN", "officer-2026"],
)
def test_every_bar_drills_down_to_rows_adding_up_to_it(demo_db, role, filters):
    actor = actor_for(demo_db, role)
    data = dashboard(demo_db, actor, filters)
    bars = bars_of(data)
    assert {b[0] for b in bars} >= {"category", "source", "unit", "month", "agency"}
    for dimension, key, measure, amount in bars:
        result = drill(demo_db, actor, filters, dimension, key, measure)
        assert result["total"] == amount, (dimension, key, measure)
        assert not result["truncated"]
        assert len(result["rows"]) == result["count"]
        assert sum(r["amount"] for r in result["rows"]) == result["total"], (dimension, key, measure)
    headline = data.headline.of("ALL")
    for measure in ("allocated", "committed", "paid"):
        assert drill(demo_db, actor, filters, "all", None, measure)["total"] == getattr(headline, measure)


def test_drill_total_covers_rows_beyond_the_limit(demo_db):
    leader = actor_for(demo_db, "leader")
    filters = DashboardFilters(year=2026)
    data = dashboard(demo_db, leader, filters)
    for measure in ("allocated", "committed", "paid"):
        full = drill(demo_db, leader, filters, "all", None, measure)
        cut = drill(demo_db, leader, filters, "all", None, measure, limit=5)
        assert cut["truncated"] and len(cut["rows"]) == 5 < cut["count"] == full["count"]
        assert cut["total"] == full["total"] == getattr(data.headline.of("ALL"), measure)
        assert cut["rows"] == full["rows"][:5]


def test_a_top_units_own_lines_have_their_own_bar(demo_db):
    """Lines of the root unit itself (here the national level) are one bar; its drill-down is those lines only."""
    admin = actor_for(demo_db, "admin")
    create_user(demo_db, admin, "ketoan.qg", "officer", "mat-khau-qg-dai", unit_code="QG")
    national = actor_for(demo_db, "ketoan.qg")
    line = add_line(
        demo_db, national, code="QG-26-01", year=2026, unit_code="QG", description="Họp báo Chính phủ thường kỳ",
        category="KHAC", source="NSNN", original_estimate="300.000.000",
    )
    payments.record_payment(demo_db, national, year=2026, voucher_no="C-QG-1", date=dt.date(2026, 5, 5), line=line.id, amount="40.000.000")
    for role in ("admin", "leader"):
        actor = actor_for(demo_db, role)
        data = dashboard(demo_db, actor, DashboardFilters(year=2026))
        check_dashboard(demo_db, data, 2026, scope_of(demo_db, role), "QG")
        bar = next(r for r in data.unit if r.code == "QG")
        assert (bar.allocated, bar.paid, bar.available) == (300_000_000, 40_000_000, 260_000_000)
        for measure in ("allocated", "committed", "paid"):
            for row in data.unit:
                result = drill(demo_db, actor, DashboardFilters(year=2026), "unit", row.code, measure)
                assert result["total"] == getattr(row, measure), (role, row.code, measure)
        assert {r["unit"] for r in drill(demo_db, actor, DashboardFilters(year=2026), "unit", "QG", "allocated")["rows"]} == {"QG"}


# --- filters ------------------------------------------------------------------------------------


def test_bad_filters_list_every_problem(demo_db):
    leader, officer = actor_for(demo_db, "leader"), actor_for(demo_db, "officer")
    bad = DashboardFilters(year=1999, unit_code="KHONG-CO", source="ODA", category="XYZ", policy_code="KHONG-CO")
    for call in (lambda: dashboard(demo_db, leader, bad), lambda: drill(demo_db, leader, bad, "category", "KHAC", "paid")):
        with pytest.raises(ValidationError) as info:
            call()
        assert [(p.key, p.field) for p in info.value.problems] == [
            ("year.unknown", "year"),
            ("unit.unknown", "unit_code"),
            ("code.unknown", "source"),
            ("code.unknown", "category"),
            ("policy.unknown", "policy_code"),
        ]
        assert all(message and "{" not in message for message in info.value.messages("vi") + info.value.messages("en"))
    # A unit outside the officer's scope is refused, not widened to it (nor to the officer's own unit).
    for code in ("HNI", "BYT", "QG"):
        with pytest.raises(ValidationError) as info:
            dashboard(demo_db, officer, DashboardFilters(year=2026, unit_code=code))
        assert [(p.key, p.params["value"]) for p in info.value.problems] == [("unit.unknown", code)]
        with pytest.raises(ValidationError):
            drill(demo_db, officer, DashboardFilters(year=2026, unit_code=code), "all", None, "allocated")
    assert dashboard(demo_db, officer, DashboardFilters(year=2026, unit_code="BYT-TT")).headline == dashboard(
        demo_db, officer, DashboardFilters(year=2026)
    ).headline
    for dimension, measure in (("nowhere", "paid"), ("category", "spent")):
        with pytest.raises(ValidationError):
            drill(demo_db, leader, DashboardFilters(year=2026), dimension, "KHAC", measure)


# --- cache --------------------------------------------------------------------------------------


def test_results_are_cached_until_the_next_write(demo_db):
    officer = actor_for(demo_db, "officer")
    filters = DashboardFilters(year=2026)
    first = dashboard(demo_db, officer, filters)
    assert dashboard(demo_db, officer, filters) is first
    assert dashboard(demo_db, actor_for(demo_db, "leader"), filters) is not first  # per scope

    # A write from another connection (as another process would make) changes the result.
    other = Database(demo_db.engine.url.render_as_string(hide_password=False))
    try:
        payments.record_payment(
            other, officer, year=2026, voucher_no="C-CACHE-1", date=dt.date(2026, 2, 3), line=line_id(demo_db, "BYT-TT-26-02"), amount="1.500.000"
        )
    finally:
        other.dispose()
    second = dashboard(demo_db, officer, filters)
    assert second is not first
    assert second.headline.of("NSNN").paid == first.headline.of("NSNN").paid + 1_500_000
    assert second.monthly[1].paid == first.monthly[1].paid + 1_500_000
    check_dashboard(demo_db, second, 2026, ["BYT-TT"], "BYT-TT")
    assert dashboard(demo_db, officer, filters) is second


# --- scope --------------------------------------------------------------------------------------


def test_the_officer_never_sees_other_units_money(demo_db):
    officer, leader = actor_for(demo_db, "officer"), actor_for(demo_db, "leader")
    own = ["BYT-TT"]
    assert subtree(demo_db, "BYT-TT") == own
    for year in (2026, 2025):
        filters = DashboardFilters(year=year)
        mine, everyone = dashboard(demo_db, officer, filters), dashboard(demo_db, leader, filters)
        check_dashboard(demo_db, mine, year, own, "BYT-TT")
        for measure in ("allocated", "committed", "paid"):
            assert getattr(mine.headline.of("ALL"), measure) < getattr(everyone.headline.of("ALL"), measure)
            rows_ = drill(demo_db, officer, filters, "all", None, measure)["rows"]
            assert rows_ and {r["unit"] for r in rows_} == {"BYT-TT"}
            # A bar of another unit, asked for directly, holds nothing of it.
            assert drill(demo_db, officer, filters, "unit", "HNI", measure) == {"rows": [], "count": 0, "total": 0, "truncated": False}
        officer_agencies = {r[0] for r in query(demo_db, f"SELECT DISTINCT pa.code{ORDERS}", year=year, units=own)}
        assert {a.code for a in mine.press.agencies} == officer_agencies
        # A policy owned elsewhere selects nothing of theirs, not their lines.
        foreign = dashboard(demo_db, officer, DashboardFilters(year=year, policy_code="HNI-THU-DO"))
        assert all(foreign.headline.of(s).allocated == 0 for s in ("NSNN", "XHH", "ALL"))
        assert foreign.unit == () and foreign.press.total == 0
        assert all(r.paid == 0 and r.cumulative_previous == 0 for r in foreign.monthly)


# --- charts -------------------------------------------------------------------------------------


def test_charts_carry_the_figures_and_the_drill_keys(demo_db):
    from ledger.reports import charts

    data = dashboard(demo_db, actor_for(demo_db, "leader"), DashboardFilters(year=2025))
    fig = charts.plan_vs_actual(data.unit, "unit", "trieu", "vi")
    assert [trace.name for trace in fig.data] == ["Dự toán", "Đã cam kết", "Đã chi"]
    for trace, measure in zip(fig.data, ("allocated", "committed", "paid"), strict=True):
        assert list(trace.x) == [r.code for r in data.unit]
        assert list(trace.y) == [getattr(r, measure) / 1_000_000 for r in data.unit]
        assert [list(c) for c in trace.customdata] == [["unit", r.code, measure] for r in data.unit]
    assert fig.layout.yaxis.title.text == "triệu đồng"

    agencies = data.press.agencies
    bars = charts.ranked_bars(agencies, "agency", "ty", "en").data[0]
    assert list(bars.x) == [a.amount / 1_000_000_000 for a in reversed(agencies)]  # largest on top
    assert bars.y[0] == f"The rest ({agencies[-1].others} agencies)"
    assert [list(c) for c in bars.customdata][0] == ["agency", None, "committed"]

    curve = charts.monthly_curve(data.monthly, "trieu", "vi")
    assert [list(c) for c in curve.data[0].customdata] == [["month", m, "paid"] for m in range(1, 13)]
    assert [trace.name for trace in curve.data] == ["Đã chi", "Chi lũy kế", "Kế hoạch phân kỳ", "Năm trước"]
    assert list(curve.data[2].y) == [r.cumulative_plan / 1_000_000 for r in data.monthly]


# --- the shape of what it returns -----------------------------------------------------------------


def test_the_dashboard_is_frozen_rows_of_int_dong(demo_db):
    """What the page and the cache share cannot be changed by a reader, and holds int đồng (never
    Decimal from PostgreSQL's SUM) in frozen rows all the way down."""
    data = dashboard(demo_db, actor_for(demo_db, "leader"), DashboardFilters(year=2025))
    assert type(data) is dash.Dashboard and data.unit and data.press.agencies and data.it
    assert_typed_frozen(data, "dashboard")
    with pytest.raises(FrozenInstanceError):
        data.headline.total.paid = 0  # type: ignore[misc]
    with demo_db.read() as session:
        selection = dash.validate(session, actor_for(demo_db, "leader"), DashboardFilters(year=2025))
        for step in (dash.by_category, dash.by_source, dash.by_unit, dash.monthly, dash.it_services):
            assert_typed_frozen(step(session, selection), step.__name__)
