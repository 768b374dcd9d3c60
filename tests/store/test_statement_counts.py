"""Bulk entry at the speed of the database: how many SQL statements one write takes, on SQLite and
PostgreSQL, and that the per-transaction caches behind it (``ledger.store.cache``) give the same
figures and the same audit chain as reading everything again.

What is counted: every statement the driver receives during the service call, as SQLAlchemy's
``before_cursor_execute`` sees it — so SQLite's ``BEGIN IMMEDIATE`` and PostgreSQL's advisory write
lock count, as do the reads and the INSERTs. Not counted, because they are not statements the
ledger sends: the driver's own ``commit()`` (and psycopg's implicit BEGIN, which it issues itself).
A single adjustment or payment takes at most six: the lock, its target with its balance (and its
duplicate check), the actor with the audit head, the unit tree, the row, the audit event.
Figures are checked against SQL computed here, not against the ledger's own reads.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from ledger_testkit import allocation, keys, rows, scalar
from sqlalchemy import event

from ledger.domain.errors import ValidationError
from ledger.services import budget, commitments, payments
from ledger.store.access import Actor
from ledger.store.balances import line_balance
from ledger.store.db import Database
from ledger.store.verify import verify

YEAR = 2026
SIGNED, LATER = dt.date(2026, 3, 2), dt.date(2026, 4, 15)
MOST = 6
_numbers = itertools.count(1)


@contextmanager
def counted(db: Database) -> Iterator[list[str]]:
    """The statements sent to the driver while the block runs."""
    seen: list[str] = []

    def count(_conn, _cursor, statement, _parameters, _context, _executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def new_line(db: Database, officer: Actor, category: str = "BAO_CHI", source: str = "NSNN", estimate: int = 500_000_000) -> int:
    line = budget.add_line(
        db, officer, code=f"TT-SQL-{next(_numbers):03d}", year=YEAR, unit_code="BYT-TT", description="Dòng đo số câu lệnh",
        category=category, source=source, original_estimate=estimate,
    )
    return line.id


def signed_order(db: Database, officer: Actor, line: int, value: int, accepted: int) -> int:
    order = commitments.create_order(
        db, officer, year=YEAR, reference=f"HD-SQL-{next(_numbers):03d}", line=line, press_agency="SKDS", description="Đo", value=value
    )
    commitments.sign(db, officer, order.id, SIGNED)
    commitments.accept(db, officer, order.id, f"NT-SQL-{next(_numbers):03d}", SIGNED, accepted, "Biên bản")
    return order.id


def sql_paid(db: Database, line: int, direct: bool = False) -> int:
    where = " AND commitment_id IS NULL" if direct else ""
    return int(scalar(db, f"SELECT COALESCE(SUM(amount), 0) FROM payments WHERE line_id = :l{where}", l=line))


def sql_available(db: Database, line: int) -> int:
    held = scalar(
        db,
        "SELECT COALESCE(SUM(CASE status WHEN 'signed' THEN value WHEN 'closed' THEN COALESCE(final_value, 0) ELSE 0 END), 0)"
        " FROM commitments WHERE line_id = :l",
        l=line,
    )
    return allocation(db, line) - int(held) - sql_paid(db, line, direct=True)


def assert_chain_and_figures(db: Database, *lines: int) -> None:
    with db.read() as session:
        assert verify(session).ok
        for line in lines:
            balance = line_balance(session, line)
            assert (balance.allocated, balance.available, balance.paid) == (allocation(db, line), sql_available(db, line), sql_paid(db, line))


def payment(db: Database, officer: Actor, amount: int, **target) -> object:
    return payments.record_payment(db, officer, year=YEAR, voucher_no=f"CT-SQL-{next(_numbers):04d}", date=LATER, kind="THANH_TOAN", amount=amount, **target)


def test_one_adjustment_takes_at_most_six_statements(demo_db, actors):
    officer = actors["officer"]
    line = new_line(demo_db, officer)
    with counted(demo_db) as seen:
        budget.adjust_line(demo_db, officer, line, 25_000_000, LATER, "25/QĐ-BYT", "Bổ sung")
    assert len(seen) <= MOST, seen
    assert allocation(demo_db, line) == 525_000_000
    assert rows(demo_db, "SELECT action FROM audit_events ORDER BY seq DESC LIMIT 1")[0][0] == "adjustment.post"
    assert_chain_and_figures(demo_db, line)


def test_one_payment_takes_at_most_six_statements(demo_db, actors):
    """Against a signed commitment (by id and by reference), and directly on a line."""
    officer = actors["officer"]
    line = new_line(demo_db, officer)
    order = signed_order(demo_db, officer, line, 100_000_000, 60_000_000)
    reference = scalar(demo_db, "SELECT reference FROM commitments WHERE id = :i", i=order)
    for target in ({"commitment": order}, {"reference": reference}, {"line": line}):
        with counted(demo_db) as seen:
            payment(demo_db, officer, 10_000_000, **target)
        assert len(seen) <= MOST, (target, seen)
    assert sql_paid(demo_db, line) == 30_000_000 and sql_paid(demo_db, line, direct=True) == 10_000_000
    assert_chain_and_figures(demo_db, line)


def test_an_xhh_payment_and_a_refusal_stay_within_the_count(demo_db, actors):
    """The XHH control reads nothing more; a refused payment costs no more than an accepted one."""
    officer = actors["officer"]
    line = new_line(demo_db, officer, category="KHAC", source="XHH")
    payments.record_contribution(demo_db, officer, year=YEAR, voucher_no="TT-SQL-XHH", line=line, date=SIGNED, donor="Quỹ", amount=5_000_000)
    with counted(demo_db) as seen:
        payment(demo_db, officer, 4_000_000, line=line)
    assert len(seen) <= MOST, seen
    with counted(demo_db) as seen, pytest.raises(ValidationError) as refusal:
        payment(demo_db, officer, 600_000_000, line=line)
    assert keys(refusal.value) == {"commit.over_available"} and len(seen) <= MOST
    assert_chain_and_figures(demo_db, line)


def test_many_payments_in_one_transaction_read_once(demo_db, actors):
    """A bulk entry reads the tree, the actor, the head and the line once: after the first payment,
    each takes its duplicate check and its two INSERTs; every figure and the chain stay right, and a
    refusal in the middle (over the line's balance) sees the payments made before it."""
    officer = actors["officer"]
    line = new_line(demo_db, officer, category="KHAC", estimate=10_000_000)
    with counted(demo_db) as seen, demo_db.write() as session:
        for number in range(100):
            payments.record_payment.in_session(
                session, officer, year=YEAR, voucher_no=f"CT-BULK-{number:03d}", date=LATER, kind="THANH_TOAN", line=line, amount=100_000
            )
        assert line_balance(session, line).available == 0
        with pytest.raises(ValidationError) as refusal:
            payments.record_payment.in_session(session, officer, year=YEAR, voucher_no="CT-BULK-X", date=LATER, kind="THANH_TOAN", line=line, amount=1)
        assert keys(refusal.value) == {"commit.over_available"}
    assert len(seen) <= MOST + 3 * 99 + 1, len(seen)
    assert sql_paid(demo_db, line) == 10_000_000
    assert_chain_and_figures(demo_db, line)


def test_primed_voucher_numbers_leave_two_statements_a_payment(demo_db, actors):
    """A bulk caller that primes the year's voucher numbers (one statement) makes each further payment
    on a line already read cost its two INSERTs; a number used earlier in the same transaction is
    still refused."""
    from ledger.store import cache
    from ledger.store.models import Payment

    officer = actors["officer"]
    line = new_line(demo_db, officer, category="KHAC", estimate=10_000_000)
    with counted(demo_db) as seen, demo_db.write() as session:
        cache.prime_numbers(session, Payment, YEAR)
        for number in range(50):
            payments.record_payment.in_session(
                session, officer, year=YEAR, voucher_no=f"CT-PRIME-{number:03d}", date=LATER, kind="THANH_TOAN", line=line, amount=100_000
            )
        with pytest.raises(ValidationError) as refusal:
            payments.record_payment.in_session(session, officer, year=YEAR, voucher_no="CT-PRIME-007", date=LATER, kind="THANH_TOAN", line=line, amount=1)
        assert keys(refusal.value) == {"voucher.exists"}
    assert len(seen) <= 1 + MOST + 2 * 49, len(seen)
    assert sql_paid(demo_db, line) == 5_000_000
    assert_chain_and_figures(demo_db, line)


def test_a_savepoint_rolled_back_forgets_what_it_taught_the_caches(demo_db, actors):
    """The importer keeps a SAVEPOINT where a row may fail after writing: when it rolls back, the kept
    audit head and balances are dropped, so the next event links to the real head."""
    officer = actors["officer"]
    line = new_line(demo_db, officer, category="KHAC", estimate=1_000_000)
    with demo_db.write() as session:
        payments.record_payment.in_session(session, officer, year=YEAR, voucher_no="CT-SP-1", date=LATER, kind="THANH_TOAN", line=line, amount=400_000)
        savepoint = session.begin_nested()
        payments.record_payment.in_session(session, officer, year=YEAR, voucher_no="CT-SP-2", date=LATER, kind="THANH_TOAN", line=line, amount=500_000)
        savepoint.rollback()
        payments.record_payment.in_session(session, officer, year=YEAR, voucher_no="CT-SP-3", date=LATER, kind="THANH_TOAN", line=line, amount=600_000)
        assert line_balance(session, line).available == 0
    assert sql_paid(demo_db, line) == 1_000_000
    assert_chain_and_figures(demo_db, line)


LINE_SQL = """
SELECT b.original_estimate + COALESCE((SELECT SUM(a.amount) FROM adjustments a WHERE a.line_id = b.id), 0),
       COALESCE((SELECT SUM(CASE c.status WHEN 'signed' THEN c.value WHEN 'closed' THEN COALESCE(c.final_value, 0) ELSE 0 END)
                 FROM commitments c WHERE c.line_id = b.id), 0),
       COALESCE((SELECT SUM(p.amount) FROM payments p WHERE p.line_id = b.id AND p.commitment_id IS NULL), 0),
       COALESCE((SELECT SUM(p.amount) FROM payments p WHERE p.line_id = b.id), 0),
       COALESCE((SELECT SUM(x.accepted_value) FROM acceptances x JOIN commitments c ON c.id = x.commitment_id WHERE c.line_id = b.id), 0),
       COALESCE((SELECT SUM(k.amount) FROM contributions k WHERE k.line_id = b.id), 0)
FROM budget_lines b WHERE b.id = :l
"""
COMMITMENT_SQL = """
SELECT COALESCE((SELECT SUM(accepted_value) FROM acceptances WHERE commitment_id = :c), 0),
       COALESCE((SELECT SUM(amount) FROM payments WHERE commitment_id = :c AND kind = 'TAM_UNG'), 0),
       COALESCE((SELECT SUM(amount) FROM payments WHERE commitment_id = :c AND kind = 'THANH_TOAN'), 0)
"""


def test_kept_figures_follow_every_kind_of_row_inside_one_transaction(demo_db, actors):
    """After each step of a commitment's life (and the line's adjustments, transfers, contributions
    and reversals), all in one transaction, the balances the transaction keeps equal the SQL sums
    read in that same transaction."""
    from sqlalchemy import text

    from ledger.store.balances import commitment_balance

    officer = actors["officer"]
    line = new_line(demo_db, officer, source="XHH", estimate=300_000_000)
    other = new_line(demo_db, officer, source="XHH", estimate=50_000_000)
    day = {"date": LATER}

    def check(session, commitment=None) -> None:
        for each in (line, other):
            balance = line_balance(session, each)
            allocated, committed, direct, paid, accepted, contributions = (int(v) for v in session.execute(text(LINE_SQL), {"l": each}).one())
            assert (balance.allocated, balance.committed, balance.direct_paid, balance.paid, balance.accepted, balance.contributions) == (
                allocated, committed, direct, paid, accepted, contributions
            )
        if commitment is not None:
            held = commitment_balance(session, commitment)
            assert (held.accepted, held.advanced, held.paid_regular) == tuple(int(v) for v in session.execute(text(COMMITMENT_SQL), {"c": commitment.id}).one())

    with demo_db.write() as session:
        check(session)
        budget.adjust_line_in(session, officer, line, 20_000_000, LATER, "30/QĐ-BYT")
        check(session)
        budget.transfer_in(session, officer, line, other, 5_000_000, LATER, "31/QĐ-BYT")
        check(session)
        payments.record_contribution.in_session(session, officer, year=YEAR, voucher_no="TT-KEPT-XHH", line=line, donor="Quỹ", amount=80_000_000, **day)
        check(session)
        order = commitments.create_order.in_session(session, officer, year=YEAR, reference="HD-KEPT-1", line=line, press_agency="SKDS", description="Giữ", value=100_000_000)
        check(session, order)
        commitments.sign.in_session(session, officer, order.id, SIGNED)
        check(session, order)
        advance = payments.record_payment.in_session(session, officer, year=YEAR, voucher_no="TT-KEPT-1", kind="TAM_UNG", commitment=order.id, amount=20_000_000, **day)
        check(session, order)
        first = commitments.accept.in_session(session, officer, order.id, "NT-KEPT-1", LATER, 50_000_000, "Biên bản")
        check(session, order)
        payments.record_payment.in_session(session, officer, year=YEAR, voucher_no="TT-KEPT-2", kind="THANH_TOAN", commitment=order.id, amount=10_000_000, **day)
        check(session, order)
        payments.reverse_payment.in_session(session, officer, advance.id, "Hoàn ứng", LATER)
        check(session, order)
        commitments.accept.in_session(session, officer, order.id, "NT-KEPT-2", LATER, 40_000_000, "Biên bản")
        check(session, order)
        commitments.reverse_acceptance.in_session(session, officer, first.id, "Nhầm", LATER)
        check(session, order)
        commitments.close.in_session(session, officer, order.id)
        check(session, order)
        direct = payments.record_payment.in_session(session, officer, year=YEAR, voucher_no="TT-KEPT-3", kind="THANH_TOAN", line=line, amount=7_000_000, **day)
        payments.reverse_payment.in_session(session, officer, direct.id, "Nhầm", LATER)
        check(session, order)
    assert_chain_and_figures(demo_db, line, other)


def test_a_unit_added_in_the_transaction_is_in_the_scope_at_once(demo_db, actors):
    """The unit tree is read once per transaction, and read again once a unit is added or moved."""
    from ledger.services import reference
    from ledger.store.access import SYSTEM, subtree

    officer = actors["officer"]
    with demo_db.write() as session:
        before = subtree(session, officer.unit_id)
        unit = reference.create_unit_in(session, SYSTEM, code="BYT-TT-SQL", name="Tổ đo số câu lệnh", kind="subunit", parent_code="BYT-TT")
        assert subtree(session, officer.unit_id) == before | {unit.id}
    with demo_db.write() as session:
        assert unit.id in subtree(session, officer.unit_id)
