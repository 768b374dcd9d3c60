"""The national-scale demo (ledger/demo/scale.py), on SQLite and PostgreSQL: the audit trail verifies, the
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
from ledger.services.payments import record_payment
from ledger.services.users import bootstrap_admin, sign_in
from ledger.store import audit
from ledger.store.balances import line_balance
from ledger.store.db import Database
from ledger.store.verify import verify

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
        result = verify(session)
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


# --- the bulk path (ledger/store/bulk.py) refuses what the services refuse ------------------------

def _bulk_ledger(db: Database, story, then=None):
    """A unit (block control, 50 % advances), an open year and a press line of 100 million; then
    ``story``; with ``then``, a service writes before and after the bulk load, in the same transaction."""
    from ledger.services.reference import open_year_in
    from ledger.store.access import SYSTEM
    from ledger.store.bulk import BulkWriter

    with db.write() as session:
        if then is not None:
            open_year_in(session, SYSTEM, 2025)  # the transaction now keeps the chain's head
        writer = BulkWriter(session, SYSTEM, dt.datetime(2026, 9, 15))
        try:
            writer.fiscal_year(2026)
            writer.unit("QG", "Toàn quốc", "national", None, None)
            writer.unit("BYT", "Bộ Y tế", "ministry", "QG", "023", xhh_control="block")
            writer.press_agency("VTV", "Đài Truyền hình Việt Nam", "television", "Chính phủ", "central")
            line = {"year": 2026, "code": "BYT-26-01", "description": "Đặt hàng báo chí", "category_code": "BAO_CHI", "source_code": "NSNN",
                    "sector_code": "160-171", "sub_item": "6606", "original_estimate": 100_000_000}
            line_id = writer.line(line, "BYT", None)
            story(writer, line_id, writer.agencies["VTV"])
        except BaseException:
            writer.abort()
            raise
        writer.close()
        if then is not None:
            then(session)


def _order(line_id: int, agency: int, value: int) -> dict:
    return {"kind": "order", "year": 2026, "reference": f"DH-{value}", "line_id": line_id, "description": "Đặt hàng", "policy_id": None,
            "stage_code": "THUC_THI", "press_agency_id": agency, "vendor": None, "service_type": None, "start_date": None, "end_date": None,
            "participants": None, "total_value": value, "value": value}


def _accept(value: int, day: int = 1) -> tuple:
    from ledger.store.models import Acceptance

    return (Acceptance, {"record_no": f"NT-{value}-{day}", "date": dt.date(2026, 5, day), "accepted_value": value, "evidence": ""})


def _pay(kind: str, amount: int, day: int = 2) -> tuple:
    from ledger.store.models import Payment

    return (Payment, {"voucher_no": f"{kind}-{amount}-{day}", "date": dt.date(2026, 5, day), "kind": kind, "amount": amount})


SIGNED = dt.date(2026, 3, 1)
REFUSED_STORIES = {
    "commit.over_available": lambda w, line, vtv: w.commitment(_order(line, vtv, 100_000_001), signed_on=SIGNED),
    "order.value_mismatch": lambda w, line, vtv: w.commitment(_order(line, vtv, 10_000_000), [("Bài viết", 2, "bài", 4_000_000)]),
    "acceptance.over_value": lambda w, line, vtv: w.commitment(_order(line, vtv, 10_000_000), signed_on=SIGNED, activity=[_accept(10_000_001)]),
    "payment.advance_limit": lambda w, line, vtv: w.commitment(_order(line, vtv, 10_000_000), signed_on=SIGNED, activity=[_pay("TAM_UNG", 5_000_001)]),
    "payment.before_acceptance": lambda w, line, vtv: w.commitment(_order(line, vtv, 10_000_000), signed_on=SIGNED, activity=[_pay("THANH_TOAN", 1_000)]),
    "payment.over_accepted": lambda w, line, vtv: w.commitment(
        _order(line, vtv, 10_000_000), signed_on=SIGNED, activity=[_pay("TAM_UNG", 2_000_000, 1), _accept(4_000_000, 2), _pay("THANH_TOAN", 2_000_001, 3)]
    ),
    "commitment.advance_uncleared": lambda w, line, vtv: w.commitment(
        _order(line, vtv, 10_000_000), signed_on=SIGNED, activity=[_pay("TAM_UNG", 3_000_000, 1), _accept(2_000_000, 2)], ending="close"
    ),
    "commitment.cannot_cancel": lambda w, line, vtv: w.commitment(_order(line, vtv, 10_000_000), signed_on=SIGNED, activity=[_accept(1_000)], ending="cancel"),
    "line.below_used": lambda w, line, vtv: (w.commitment(_order(line, vtv, 90_000_000), signed_on=SIGNED), w.adjust(line, -20_000_000, SIGNED, "1/QĐ", "")),
    "contribution.not_xhh": lambda w, line, vtv: w.contribution(line, "XHH-1", SIGNED, "WHO", 1_000_000),
    "date.outside_year": lambda w, line, vtv: w.payment(line, "C-1", dt.date(2025, 12, 31), 1_000_000),
    "code.not_listed": lambda w, line, vtv: w.commitment({**_order(line, vtv, 10_000_000), "stage_code": "KHONG_CO"}),
    "unit.exists": lambda w, line, vtv: w.unit("BYT", "Bộ Y tế", "ministry", "QG", "023"),
    # The team and the plans (issues 11 and 12) on the bulk path: the services' refusals.
    "team.member_exists": lambda w, line, vtv: (w.member("NS-1", "Lê Văn A", "BYT"), w.member("NS-1", "Lê Văn B", "BYT")),
    "team.end_before_start": lambda w, line, vtv: w.assignment(w.member("NS-1", "Lê Văn A", "BYT"), "BYT", "PHAT_NGON", "KIEM_NHIEM", dt.date(2026, 5, 2), dt.date(2026, 5, 1)),
    "team.participant_outside": lambda w, line, vtv: _outside_participant(w),
    "policy.stage_order": lambda w, line, vtv: w.policy("P1", "Chính sách", "BYT", {"proposed_on": dt.date(2026, 5, 1), "drafting_on": dt.date(2026, 4, 1)}),
    "plan.no_decision": lambda w, line, vtv: w.plan(_plan(w, "P1"), [_activity()], "DA_DUYET"),
    "activity.outside_year": lambda w, line, vtv: w.plan(_plan(w, "P1", "1/QĐ"), [_activity(start_on=dt.date(2025, 12, 31))]),
    "activity.other_policy": lambda w, line, vtv: w.commitment(
        {**_order(line, vtv, 1_000_000), "policy_id": w.policy("P2", "Chính sách khác", "BYT"), "activity_id": w.plan(_plan(w, "P1", "1/QĐ"), [_activity()])["HD-01"]}
    ),
}


def _plan(w, policy: str, decision: str | None = None) -> dict:
    return {"code": "KH-1", "year": 2026, "unit_id": w.units["BYT"]["id"], "policy_id": w.policy(policy, "Chính sách", "BYT"), "title": "Kế hoạch",
            "decision_no": decision, "approved_on": dt.date(2026, 1, 15)}


def _activity(**changes) -> dict:
    return {"code": "HD-01", "stage": "DE_XUAT", "channel": "DAT_HANG_BAO_CHI", "content": "Đặt hàng báo chí", "start_on": dt.date(2026, 2, 1),
            "end_on": dt.date(2026, 3, 1), "estimated_cost": 10_000_000} | changes


def _outside_participant(w) -> None:
    """A person of another province on a course of BYT."""
    w.unit("HNI", "UBND thành phố Hà Nội", "province", "QG", "401")
    training = {"year": 2026, "code": "BYT-26-02", "description": "Tập huấn", "category_code": "DAO_TAO", "source_code": "NSNN",
                "sector_code": "070-085", "sub_item": "6757", "original_estimate": 100_000_000}
    course = w.commitment({**_order(w.line(training, "BYT", None), None, 10_000_000), "kind": "course", "reference": "KH-1", "press_agency_id": None,
                           "start_date": dt.date(2026, 4, 1), "end_date": dt.date(2026, 4, 2), "participants": 10}, signed_on=SIGNED)
    w.participant(course, w.member("NS-HNI", "Trần Thị B", "HNI"), True, "GCN-1")


@pytest.mark.parametrize("key", sorted(REFUSED_STORIES))
def test_bulk_path_refuses_what_the_rules_refuse(templates, key):
    db = Database(templates.fresh_url("sqlite", demo=False))
    try:
        with pytest.raises(ValidationError) as refused:
            _bulk_ledger(db, REFUSED_STORIES[key])
        assert key in {p.key for p in refused.value.problems}
        assert [p.message(lang) for p in refused.value.problems for lang in ("vi", "en") if "{" in p.message(lang)] == []  # every sentence complete
        assert count(db, "audit_events") == count(db, "units") == count(db, "commitments") == 0  # nothing of the load is kept
    finally:
        db.dispose()


def test_bulk_path_records_what_the_services_would(templates):
    """A whole story through the bulk path: rows in their final state, the events of each step, a
    warning for an excess under warn control, and a trail that verifies."""

    def story(writer, line, vtv):
        writer.commitment(_order(line, vtv, 10_000_000), [("Bài viết", 2, "bài", 5_000_000)], SIGNED,
                          [_pay("TAM_UNG", 5_000_000, 1), _accept(6_000_000, 2), _pay("THANH_TOAN", 1_000_000, 3)], "close")
        writer.adjust(line, -94_000_000, SIGNED, "2/QĐ", "Giảm dự toán")  # down to what is used: 6 million
        writer.unit("DNG", "UBND thành phố Đà Nẵng", "province", "QG", "403", commitment_control="warn")
        line = {"year": 2026, "code": "DNG-26-01", "description": "Đặt hàng báo chí", "category_code": "BAO_CHI", "source_code": "NSNN",
                "sector_code": None, "sub_item": None, "original_estimate": 0}
        writer.commitment(_order(writer.line(line, "DNG", None), vtv, 1_000_000), signed_on=SIGNED)

    def then(session):  # a service in the same transaction chains on the bulk path's events
        from ledger.services.reference import create_unit_in
        from ledger.store.access import SYSTEM

        create_unit_in(session, SYSTEM, code="BYT-TT", name="Vụ Truyền thông", kind="subunit", parent_code="BYT")

    db = Database(templates.fresh_url("sqlite", demo=False))
    try:
        _bulk_ledger(db, story, then)
        with db.read() as session:
            assert verify(session).ok, verify(session).summary()
            balances = [line_balance(session, line) for (line,) in rows(db, "SELECT id FROM budget_lines ORDER BY id")]
        assert scalar(db, "SELECT action FROM audit_events ORDER BY seq DESC LIMIT 1") == "unit.create"
        assert [(b.allocated, b.committed, b.available) for b in balances] == [(6_000_000, 6_000_000, 0), (0, 1_000_000, -1_000_000)]
        actions = [a for (a,) in rows(db, "SELECT action FROM audit_events WHERE action LIKE 'order.%' OR action LIKE 'control.%' OR action LIKE 'payment.%' ORDER BY seq")]
        assert actions == ["order.create", "order.sign", "payment.advance", "payment.post", "order.close", "order.create", "control.warning", "order.sign"]
        assert rows(db, "SELECT status, final_value, excess_amount, version FROM commitments ORDER BY id") == [("closed", 6_000_000, 0, 3), ("signed", None, 1_000_000, 2)]
    finally:
        db.dispose()


def test_no_generated_code_and_one_hashing_module():
    """The bulk path uses the audit module's hash; no source in ledger/ generates code."""
    from pathlib import Path

    import ledger

    root = Path(ledger.__file__).parent
    sources = {path: path.read_text(encoding="utf-8") for path in root.rglob("*.py")}
    assert [str(p) for p, text in sources.items() if "exec(" in text] == []
    assert [str(p.relative_to(root)) for p, text in sources.items() if "sha256(" in text and "prev_hash" in text] == ["store/audit.py"]
