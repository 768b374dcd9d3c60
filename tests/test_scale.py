"""The national-scale demo (ledger/scale.py), on SQLite and PostgreSQL: the audit trail verifies, the
ledger's rules hold in every row (checked in SQL, independently of the loader), the load is
deterministic, and the services keep working on the bulk-loaded database."""

from __future__ import annotations

import datetime as dt
import io
from contextlib import redirect_stderr, redirect_stdout

import pytest
from conftest import BACKENDS
from ledger_testkit import count, rows, scalar

from ledger import cli
from ledger.demo.scale import MINISTRIES, PROVINCES, load_scale_demo
from ledger.domain.errors import ValidationError
from ledger.services.spending import record_payment
from ledger.services.users import bootstrap_admin, sign_in
from ledger.store import audit
from ledger.store.balances import line_balance
from ledger.store.db import Database

PAYMENTS = 2000
TODAY = dt.date(2026, 9, 15)  # fixed, so that the data do not depend on the day the tests run
YEARS = [2022, 2023, 2024, 2025, 2026]


@pytest.fixture(scope="module", params=BACKENDS)
def scale(request, templates):
    """One scale demo per backend, shared by the read-only checks of this module."""
    db = Database(templates.fresh_url(request.param, demo=False))
    counts = load_scale_demo(db, payments=PAYMENTS, today=TODAY)
    yield db, counts, request.param
    db.dispose()


def test_trail_verifies_and_counts_match(scale):
    db, counts, _backend = scale
    with db.read() as session:
        result = audit.verify(session)
    assert result.ok, result.summary()
    assert count(db, "payments") == counts["payments"] == PAYMENTS
    assert count(db, "audit_events") == result.events == counts["audit_events"]
    for table, key in (("units", "units"), ("budget_lines", "lines"), ("commitments", "commitments"), ("acceptances", "acceptances"),
                       ("commitment_items", "commitment_items"), ("contributions", "contributions"), ("adjustments", "adjustments")):
        assert count(db, table) == counts[key] > 0, table
    # Payments of both kinds, on commitments and directly on lines; commitments in every state but draft.
    assert scalar(db, "SELECT COUNT(*) FROM payments WHERE kind = 'TAM_UNG'") > 0
    assert scalar(db, "SELECT COUNT(*) FROM payments WHERE commitment_id IS NULL") > 0
    statuses = {s for (s,) in rows(db, "SELECT DISTINCT status FROM commitments")}
    assert statuses == {"signed", "closed", "cancelled"}
    assert {k for (k,) in rows(db, "SELECT DISTINCT kind FROM commitments")} == {"order", "course", "it_service"}


def test_units_years_and_users(scale):
    db, _counts, _backend = scale
    qg = scalar(db, "SELECT id FROM units WHERE code = 'QG' AND parent_id IS NULL")
    provinces = {name for (name,) in rows(db, "SELECT name FROM units WHERE kind = 'province' AND parent_id = :p", p=qg)}
    ministries = {name for (name,) in rows(db, "SELECT name FROM units WHERE kind = 'ministry' AND parent_id = :p", p=qg)}
    assert len(provinces) == len(PROVINCES) == 34
    assert ministries == {name for _code, name, _chapter in MINISTRIES} and len(ministries) == 17
    assert "UBND tỉnh Điện Biên" in provinces and "UBND Thành phố Hồ Chí Minh" in provinces
    subunits = rows(
        db,
        "SELECT p.code, COUNT(s.id) FROM units p LEFT JOIN units s ON s.parent_id = p.id WHERE p.parent_id = :p GROUP BY p.code",
        p=qg,
    )
    assert len(subunits) == 51 and all(2 <= n <= 4 for _code, n in subunits)
    assert [y for (y,) in rows(db, "SELECT DISTINCT year FROM budget_lines ORDER BY year")] == YEARS
    assert [(y, bool(o)) for y, o in rows(db, "SELECT year, is_open FROM fiscal_years ORDER BY year")] == [
        (2022, False), (2023, False), (2024, False), (2025, True), (2026, True),
    ]
    # Both sources and every category, for every year.
    assert count(db, "budget_lines") == scalar(db, "SELECT COUNT(*) FROM budget_lines WHERE source_code IN ('NSNN', 'XHH')")
    assert len(rows(db, "SELECT DISTINCT year, category_code, source_code FROM budget_lines")) == 5 * 6
    expected = {"admin": ("admin", None), "officer": ("officer", "BYT-TT"), "leader": ("leader", "QG"), "auditor": ("auditor", "QG")}
    for username, (role, unit_code) in expected.items():
        actor = sign_in(db, username, "demo")
        assert actor.role == role
        assert actor.unit_id == (scalar(db, "SELECT id FROM units WHERE code = :c", c=unit_code) if unit_code else None)
    assert scalar(db, "SELECT COUNT(*) FROM users WHERE is_demo = :t", t=True) == 4


def test_no_date_after_today_or_outside_its_year(scale):
    db, _counts, _backend = scale
    for table in ("payments", "contributions"):
        for year, first, last in rows(db, f"SELECT year, MIN(date), MAX(date) FROM {table} GROUP BY year"):
            assert str(first)[:4] == str(last)[:4] == str(year), table
            assert str(last)[:10] <= TODAY.isoformat(), table
    for _first, last in rows(db, "SELECT MIN(a.date), MAX(a.date) FROM acceptances a"):
        assert str(last)[:10] <= TODAY.isoformat()
    late = scalar(db, "SELECT COUNT(*) FROM acceptances a JOIN commitments c ON c.id = a.commitment_id WHERE a.date < c.signed_on")
    assert late == 0


LINE_FIGURES = """
SELECT b.id, u.commitment_control, b.source_code,
       b.original_estimate + COALESCE((SELECT SUM(a.amount) FROM adjustments a WHERE a.line_id = b.id), 0),
       COALESCE((SELECT SUM(CASE WHEN c.status = 'signed' THEN c.value
                                 WHEN c.status = 'closed' THEN COALESCE(c.final_value, 0) ELSE 0 END)
                 FROM commitments c WHERE c.line_id = b.id), 0),
       COALESCE((SELECT SUM(p.amount) FROM payments p WHERE p.line_id = b.id AND p.commitment_id IS NULL), 0),
       COALESCE((SELECT SUM(p.amount) FROM payments p WHERE p.line_id = b.id), 0),
       COALESCE((SELECT SUM(k.amount) FROM contributions k WHERE k.line_id = b.id), 0)
FROM budget_lines b JOIN units u ON u.id = b.unit_id
"""


def test_line_balances(scale):
    db, _counts, _backend = scale
    figures = rows(db, LINE_FIGURES)
    over = [(line, allocated - held - direct) for line, control, _s, allocated, held, direct, _p, _c in figures
            if control == "block" and allocated - held - direct < 0]
    assert over == []
    assert all(allocated >= 0 for _l, _c, _s, allocated, *_ in figures)
    # Rule 7: spending on an XHH line stays within the contributions received for it.
    assert [line for line, _c, source, _a, _h, _d, paid, received in figures if source == "XHH" and paid > received] == []
    # The ledger's own balance agrees with the SQL above.
    by_id = {line: (allocated, allocated - held - direct) for line, _c, _s, allocated, held, direct, _p, _r in figures}
    with db.read() as session:
        for line in sorted(by_id)[:: max(1, len(by_id) // 60)]:
            balance = line_balance(session, line)
            assert (balance.allocated, balance.available) == by_id[line]
    # Warn-mode provinces carry one recorded over-commitment each: the excess and its warning event.
    excess = rows(
        db,
        "SELECT u.commitment_control, c.excess_amount FROM commitments c JOIN budget_lines b ON b.id = c.line_id"
        " JOIN units u ON u.id = b.unit_id WHERE c.excess_amount > 0",
    )
    assert excess and all(control == "warn" for control, _ in excess)
    assert scalar(db, "SELECT COUNT(*) FROM audit_events WHERE action = 'control.warning'") == len(excess)


COMMITMENT_FIGURES = """
SELECT c.id, c.kind, c.status, c.value, c.final_value, u.advance_limit_pct,
       COALESCE((SELECT SUM(a.accepted_value) FROM acceptances a WHERE a.commitment_id = c.id), 0),
       COALESCE((SELECT SUM(p.amount) FROM payments p WHERE p.commitment_id = c.id AND p.kind = 'TAM_UNG'), 0),
       COALESCE((SELECT SUM(p.amount) FROM payments p WHERE p.commitment_id = c.id), 0),
       (SELECT SUM(i.amount) FROM commitment_items i WHERE i.commitment_id = c.id),
       (SELECT COUNT(*) FROM payments p WHERE p.commitment_id = c.id AND p.line_id <> c.line_id)
FROM commitments c JOIN budget_lines b ON b.id = c.line_id JOIN units u ON u.id = b.unit_id
"""


def test_commitment_rules(scale):
    db, _counts, _backend = scale
    figures = rows(db, COMMITMENT_FIGURES)
    assert figures
    for cid, kind, status, value, final_value, pct, accepted, advanced, paid, items, wrong_line in figures:
        limit = value * pct // 100
        assert 0 <= accepted <= value, cid
        assert advanced <= limit, cid
        assert paid <= max(accepted, limit), cid
        assert paid - advanced <= accepted, cid  # regular payments only after acceptance
        assert wrong_line == 0, cid
        if items is not None:
            assert kind == "order" and items == value, cid  # rule 4
        if status == "closed":
            assert final_value == accepted and paid <= accepted, cid
        if status == "cancelled":
            assert accepted == paid == 0, cid
    # Every payment is positive and every order item is quantity × unit price.
    assert scalar(db, "SELECT COUNT(*) FROM payments WHERE amount <= 0") == 0
    assert scalar(db, "SELECT COUNT(*) FROM commitment_items WHERE amount <> quantity * unit_price") == 0


def test_deterministic_services_work_and_second_load_refused(scale, templates):
    loaded, counts, backend = scale
    db = Database(templates.fresh_url(backend, demo=False))
    try:
        assert load_scale_demo(db, payments=PAYMENTS, today=TODAY) == counts
        with db.read() as session, loaded.read() as other:
            assert audit.head_hash(session) == audit.head_hash(other)
        with pytest.raises(ValidationError):
            load_scale_demo(db, payments=10, today=TODAY)
        # The services go on from the bulk-loaded ids (on PostgreSQL: the sequences were moved past them).
        officer = sign_in(db, "officer", "demo")
        line = scalar(db, "SELECT id FROM budget_lines WHERE code = 'BYT-TT-26-01'")
        with db.read() as session:
            available = line_balance(session, line).available
        assert available > 1_000_000
        payment = record_payment(
            db, officer, year=2026, voucher_no="C-2026-TEST", date=TODAY, kind="THANH_TOAN", line=line, amount=1_000_000
        )
        assert payment.id == PAYMENTS + 1
        with db.read() as session:
            assert line_balance(session, line).available == available - 1_000_000
    finally:
        db.dispose()


def test_cli_scale_option_keeps_an_existing_administrator(db_url):
    db = Database(db_url)
    try:
        admin = bootstrap_admin(db, "admin", "secret-password", current_year=2026)
        out = io.StringIO()
        with redirect_stdout(out), redirect_stderr(io.StringIO()):
            assert cli.main(["--db", db_url, "demo", "--scale", "120"]) == 0
            assert cli.main(["--db", db_url, "demo", "--scale", "120"]) == 1  # not empty any more
            assert cli.main(["--db", db_url, "verify"]) == 0  # the chain goes on from the administrator's events
        assert "scale demo loaded" in out.getvalue() and "120 payments" in out.getvalue() and "3 users" in out.getvalue()
        assert out.getvalue().splitlines()[-1].startswith("OK:")
        assert count(db, "payments") == 120 and count(db, "users") == 4
        assert sign_in(db, "admin", "secret-password") == admin
        assert sign_in(db, "leader", "demo").role == "leader"
    finally:
        db.dispose()


def test_the_officer_works_in_a_ministry_subunit(scale):
    db, _counts, _backend = scale
    actor = sign_in(db, "officer", "demo")
    parent_kind = scalar(
        db, "SELECT p.kind FROM units u JOIN units p ON p.id = u.parent_id WHERE u.id = :u AND u.kind = 'subunit'", u=actor.unit_id
    )
    assert parent_kind == "ministry"
