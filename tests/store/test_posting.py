"""Deliberate posting (issue 10, item 1 and 4): a posting form's one-time token refuses a second
posting with it on both backends ("already posted as …"), at no extra statement; the reason of a
cancel or a close-out is kept with the commitment and in its audit event.

On the code before issue 10 a second call with the same values posted a second adjustment (the
walk-through's double click on "Ghi điều chỉnh"), and the reasons were thrown away.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json

from ledger_testkit import keys, refused, rows, scalar
from test_statement_counts import MOST, counted

from ledger.domain.errors import ValidationError
from ledger.services import budget, commitments, payments, tokens
from ledger.store.db import Database
from ledger.store.verify import verify

YEAR = 2026
SIGNED, LATER = dt.date(2026, 3, 2), dt.date(2026, 4, 15)
_numbers = itertools.count(1)


def new_line(db: Database, officer, category: str = "BAO_CHI", source: str = "NSNN") -> int:
    return budget.add_line(
        db, officer, code=f"TT-TOK-{next(_numbers):03d}", year=YEAR, unit_code="BYT-TT", description="Dòng thử biểu mẫu",
        category=category, source=source, original_estimate=500_000_000,
    ).id


def count_where(db: Database, table: str, sql: str = "1=1", **params) -> int:
    return int(scalar(db, f"SELECT COUNT(*) FROM {table} WHERE {sql}", **params))


def draft(db: Database, officer, line: int, token: str | None = None):
    return commitments.create_order(
        db, officer, year=YEAR, reference=f"HD-TOK-{next(_numbers):03d}", line=line, press_agency="SKDS", description="Thử", value=90_000_000, token=token
    )


def test_a_second_adjustment_with_the_same_token_is_refused_and_names_the_first(demo_db, actors):
    officer = actors["officer"]
    line = new_line(demo_db, officer)
    token = tokens.new()
    with counted(demo_db) as seen:
        budget.adjust_line(demo_db, officer, line, 25_000_000, LATER, "25/QĐ-BYT", "Bổ sung", token=token)
    assert len(seen) <= MOST, seen
    error = refused(demo_db, ValidationError, budget.adjust_line, demo_db, officer, line, 25_000_000, LATER, "25/QĐ-BYT", "Bổ sung", token=token)
    assert keys(error) == {"posting.already.adjustment"}
    message = error.problems[0].message("vi")
    assert "25/QĐ-BYT" in message and "25.000.000" in message
    assert count_where(demo_db, "adjustments", "line_id = :l", l=line) == 1
    # Without a token (the importer, the API) nothing changes; a fresh token posts again.
    budget.adjust_line(demo_db, officer, line, 25_000_000, LATER, "25/QĐ-BYT", "Bổ sung", token=tokens.new())
    assert count_where(demo_db, "adjustments", "line_id = :l", l=line) == 2
    with demo_db.read() as session:
        assert verify(session).ok


def test_a_second_payment_with_the_same_token_is_refused_even_with_another_voucher(demo_db, actors):
    officer = actors["officer"]
    line = new_line(demo_db, officer)
    token = tokens.new()
    with counted(demo_db) as seen:
        payments.record_payment(demo_db, officer, year=YEAR, voucher_no="CT-TOK-1", date=LATER, kind="THANH_TOAN", line=line, amount=1_000_000, token=token)
    assert len(seen) <= MOST, seen
    # The same form submitted again: its voucher is taken, but the answer is that it was posted.
    again = refused(demo_db, ValidationError, payments.record_payment, demo_db, officer, year=YEAR, voucher_no="CT-TOK-1", date=LATER, kind="THANH_TOAN", line=line, amount=1_000_000, token=token)
    assert keys(again) == {"posting.already.payment"} and "CT-TOK-1" in again.problems[0].message("vi")
    # A reload that changed the voucher still carries the old token: the unique index refuses it.
    other = refused(demo_db, ValidationError, payments.record_payment, demo_db, officer, year=YEAR, voucher_no="CT-TOK-2", date=LATER, kind="THANH_TOAN", line=line, amount=1_000_000, token=token)
    assert keys(other) == {"posting.already.payment"}
    assert count_where(demo_db, "payments", "line_id = :l", l=line) == 1


def test_transfer_reversal_and_contribution_refuse_a_repeated_token(demo_db, actors):
    officer = actors["officer"]
    a, b = new_line(demo_db, officer), new_line(demo_db, officer)
    token = tokens.new()
    out, _ = budget.transfer(demo_db, officer, a, b, 5_000_000, LATER, "30/QĐ-BYT", "Điều chuyển", token=token)
    assert keys(refused(demo_db, ValidationError, budget.transfer, demo_db, officer, a, b, 5_000_000, LATER, "30/QĐ-BYT", "Điều chuyển", token=token)) == {"posting.already.adjustment"}
    undo = tokens.new()
    budget.reverse_adjustment(demo_db, officer, out.id, "Nhầm", token=undo)
    assert keys(refused(demo_db, ValidationError, budget.reverse_adjustment, demo_db, officer, out.id, "Nhầm", token=undo)) == {"posting.already.adjustment"}
    xhh = new_line(demo_db, officer, source="XHH")
    gift = tokens.new()
    payments.record_contribution(demo_db, officer, year=YEAR, voucher_no="XHH-TOK-1", line=xhh, date=LATER, donor="Quỹ", amount=3_000_000, token=gift)
    error = refused(demo_db, ValidationError, payments.record_contribution, demo_db, officer, year=YEAR, voucher_no="XHH-TOK-9", line=xhh, date=LATER, donor="Quỹ", amount=3_000_000, token=gift)
    assert keys(error) == {"posting.already.contribution"}
    paid = payments.record_payment(demo_db, officer, year=YEAR, voucher_no="CT-TOK-9", date=LATER, kind="THANH_TOAN", line=a, amount=1_000_000)
    back = tokens.new()
    payments.reverse_payment(demo_db, officer, paid.id, "Trả lại", token=back)
    assert keys(refused(demo_db, ValidationError, payments.reverse_payment, demo_db, officer, paid.id, "Trả lại", token=back)) == {"posting.already.payment"}


def test_commitment_steps_refuse_a_repeated_token(demo_db, actors):
    officer = actors["officer"]
    line = new_line(demo_db, officer)
    made = tokens.new()
    order = draft(demo_db, officer, line, made)
    signing = tokens.new()
    commitments.sign(demo_db, officer, order.id, SIGNED, order.version, token=signing)
    # The double click on "Ký": the stale version would be refused; the answer names what was done.
    error = refused(demo_db, ValidationError, commitments.sign, demo_db, officer, order.id, SIGNED, order.version, token=signing)
    assert keys(error) == {"posting.already.commitment.signed"} and order.reference in error.problems[0].message("vi")
    taking = tokens.new()
    commitments.accept(demo_db, officer, order.id, "NT-TOK-1", LATER, 40_000_000, "Biên bản", token=taking)
    error = refused(demo_db, ValidationError, commitments.accept, demo_db, officer, order.id, "NT-TOK-2", LATER, 40_000_000, "Biên bản", token=taking)
    assert keys(error) == {"posting.already.acceptance"}
    assert count_where(demo_db, "acceptances", "commitment_id = :c", c=order.id) == 1


def test_cancel_and_close_reasons_are_kept_with_the_commitment_and_in_the_trail(demo_db, actors):
    officer = actors["officer"]
    line = new_line(demo_db, officer)
    dropped = draft(demo_db, officer, line)
    commitments.cancel(demo_db, officer, dropped.id, "Cơ quan báo chí rút lại báo giá")
    closed = draft(demo_db, officer, line)
    commitments.sign(demo_db, officer, closed.id, SIGNED)
    commitments.accept(demo_db, officer, closed.id, "NT-TOK-9", LATER, 80_000_000, "Biên bản")
    commitments.close(demo_db, officer, closed.id, "Thanh lý theo biên bản NT-TOK-9")
    for commitment_id, action, reason in ((dropped.id, "order.cancel", "Cơ quan báo chí rút lại báo giá"), (closed.id, "order.close", "Thanh lý theo biên bản NT-TOK-9")):
        assert scalar(demo_db, "SELECT status_reason FROM commitments WHERE id = :i", i=commitment_id) == reason
        after = json.loads(rows(demo_db, "SELECT after FROM audit_events WHERE action = :a AND entity_id = :i", a=action, i=str(commitment_id))[0][0])
        assert after["status_reason"] == reason
    with demo_db.read() as session:
        assert verify(session).ok
