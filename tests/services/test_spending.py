"""Commitments and actuals (DOMAIN rules 3–9): press orders, courses, IT contracts, acceptances,
advances, payments, close-out, cancellation, reversals and XHH contributions.

Every rule is tested at its boundary through the public services, on fresh lines of the demo
officer's unit (BYT-TT, fiscal 2026 unless said otherwise) so that the figures are ours. Balances are
checked against SQL computed here, not against ledger.store.balances.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from dataclasses import dataclass

import pytest
from ledger_testkit import allocation, dump, keys, line_id, refused, rows, scalar

from ledger.domain import rules
from ledger.domain.errors import NotFound, PermissionDenied, ValidationError
from ledger.queries.commitments import CommitmentDetail, commitment_detail, find_commitments, line_activity
from ledger.services import commitments, payments, press
from ledger.services.budget import add_line
from ledger.services.reference import update_unit
from ledger.store.access import Actor
from ledger.store.balances import line_balance
from ledger.store.db import Database
from ledger.store.models import BudgetLine
from ledger.store.verify import verify

YEAR = 2026
SIGNED = dt.date(2026, 3, 2)
LATER = dt.date(2026, 4, 15)
_numbers = itertools.count(1)


def sql_available(db: Database, line: int) -> int:
    """Allocation − what commitments hold (signed: value, closed: final value) − direct payments, in SQL."""
    held = scalar(
        db,
        "SELECT COALESCE(SUM(CASE status WHEN 'signed' THEN value WHEN 'closed' THEN COALESCE(final_value, 0)"
        " ELSE 0 END), 0) FROM commitments WHERE line_id = :l",
        l=line,
    )
    direct = scalar(
        db, "SELECT COALESCE(SUM(amount), 0) FROM payments WHERE line_id = :l AND commitment_id IS NULL", l=line
    )
    return allocation(db, line) - int(held) - int(direct)


def events(db: Database, action: str) -> list[dict]:
    """The ``after`` payloads of every audit event with this action, oldest first."""
    found = rows(db, "SELECT after FROM audit_events WHERE action = :a ORDER BY seq", a=action)
    return [json.loads(r[0]) for r in found]


def status(db: Database, commitment_id: int) -> str:
    return scalar(db, "SELECT status FROM commitments WHERE id = :i", i=commitment_id)


def message(error: Exception) -> str:
    return " | ".join(error.messages("en"))  # type: ignore[attr-defined]


@dataclass
class Book:
    """Writes as the demo officer, with defaults that keep each test about its rule."""

    db: Database
    officer: Actor

    def line(
        self, category: str = "BAO_CHI", estimate: int = 100_000_000, source: str = "NSNN", year: int = YEAR
    ) -> BudgetLine:
        return add_line(
            self.db,
            self.officer,
            code=f"TT-T{next(_numbers):03d}",
            year=year,
            unit_code="BYT-TT",
            description="Dòng thử nghiệm cam kết chi",
            category=category,
            source=source,
            original_estimate=estimate,
        )

    def order(self, line: BudgetLine, value=None, year: int = YEAR, **extra):
        data = {
            "year": year,
            "reference": f"HD-{next(_numbers):03d}",
            "line": line.id,
            "press_agency": "SKDS",
            "description": "Đặt hàng tuyên truyền phòng, chống tác hại thuốc lá",
        }
        if value is not None:
            data["value"] = value
        data.update(extra)
        return commitments.create_order(self.db, self.officer, **data)

    def signed(self, line: BudgetLine, value: int, signed_on: dt.date = SIGNED):
        return commitments.sign(self.db, self.officer, self.order(line, value).id, signed_on)

    def pay(
        self,
        amount,
        commitment=None,
        line=None,
        kind: str = "THANH_TOAN",
        voucher: str | None = None,
        year: int = YEAR,
        date: dt.date = LATER,
    ):
        data = {
            "year": year,
            "voucher_no": voucher or f"CT-{next(_numbers):04d}",
            "date": date,
            "kind": kind,
            "amount": amount,
        }
        if commitment is not None:
            data["commitment"] = commitment.id
        if line is not None:
            data["line"] = line.id
        return payments.record_payment(self.db, self.officer, **data)

    def advance(self, commitment, amount):
        return self.pay(amount, commitment=commitment, kind="TAM_UNG")

    def accept(self, commitment, amount, date: dt.date = LATER, record: str | None = None):
        return commitments.accept(
            self.db, self.officer, commitment.id, record or f"NT-{next(_numbers):03d}", date, amount, "Biên bản"
        )

    def detail(self, commitment) -> CommitmentDetail:
        return commitment_detail(self.db, self.officer, commitment.id)


@pytest.fixture
def book(demo_db, actors) -> Book:
    return Book(demo_db, actors["officer"])


# --- rule 4: an order's value is Σ quantity × unit price ----------------------------------------


def test_order_value_is_the_sum_of_its_items(book):
    line = book.line()
    items = [
        {"product": "Bài viết chuyên đề", "quantity": 3, "unit_of_measure": "bài", "unit_price": "15.000.000"},
        {"product": "Tin phát thanh", "quantity": "4", "unit_of_measure": "tin", "unit_price": 2_500_000},
    ]
    item_events = len(events(book.db, "order_item.create"))
    order = book.order(line, items=items)
    matching = book.order(line, items=items, value="55.000.000 đ")

    for commitment in (order, matching):
        value, total, state = rows(
            book.db, "SELECT value, total_value, status FROM commitments WHERE id = :i", i=commitment.id
        )[0]
        assert (value, total, state) == (55_000_000, 55_000_000, "draft")
        stored = rows(
            book.db,
            "SELECT quantity, unit_price, amount FROM commitment_items WHERE commitment_id = :i ORDER BY id",
            i=commitment.id,
        )
        assert [tuple(r) for r in stored] == [(3, 15_000_000, 45_000_000), (4, 2_500_000, 10_000_000)]
    assert len(events(book.db, "order_item.create")) == item_events + 4
    assert sql_available(book.db, line.id) == 100_000_000  # a draft holds nothing


def test_order_value_refusals_write_nothing(book):
    line = book.line()
    item = {"product": "Bài viết chuyên đề", "quantity": 3, "unit_price": 15_000_000}

    error = refused(book.db, ValidationError, book.order, line, items=[item], value=45_000_001)
    assert keys(error) == {"order.value_mismatch"}
    assert "45.000.001" in message(error) and "45.000.000" in message(error)

    error = refused(book.db, ValidationError, book.order, line)
    assert keys(error) == {"amount.required"}
    assert {p.field for p in error.problems} == {"value"}

    for quantity in (0, -2, 1.5, "1,5", "ba", True, None):
        error = refused(book.db, ValidationError, book.order, line, items=[item | {"quantity": quantity}])
        assert keys(error) == {"item.quantity"}, quantity
        assert "Item 1" in message(error)


# --- rule 3: commitment control ----------------------------------------------------------------


def test_signing_the_exact_available_balance_passes_one_dong_more_is_refused(book):
    line = book.line(estimate=80_000_000)
    exact = book.order(line, 80_000_000)
    over = book.order(line, 80_000_001)

    error = refused(book.db, ValidationError, commitments.sign, book.db, book.officer, over.id, SIGNED)
    assert keys(error) == {"commit.over_available"}
    text = message(error)
    assert line.code in text and "80.000.000" in text and "80.000.001" in text
    assert line.code in error.messages("vi")[0] and "80.000.001" in error.messages("vi")[0]
    assert status(book.db, over.id) == "draft"

    signed = commitments.sign(book.db, book.officer, exact.id, SIGNED)
    assert signed.status == "signed" and signed.excess_amount == 0
    assert sql_available(book.db, line.id) == 0
    with book.db.read() as session:
        assert line_balance(session, line.id).available == 0

    one = book.order(line, 1)
    error = refused(book.db, ValidationError, commitments.sign, book.db, book.officer, one.id, SIGNED)
    assert "available balance is 0 đ" in message(error) and "1 đ asked" in message(error)


def test_warn_mode_allows_the_excess_and_records_it(book, actors):
    update_unit(book.db, actors["admin"], "BYT-TT", commitment_control="warn")
    line = book.line(estimate=80_000_000)
    warnings_before = len(events(book.db, "control.warning"))

    within = book.signed(line, 50_000_000)
    assert within.excess_amount == 0
    assert len(events(book.db, "control.warning")) == warnings_before  # nothing to warn about

    over = book.signed(line, 30_000_001)
    assert scalar(book.db, "SELECT excess_amount FROM commitments WHERE id = :i", i=over.id) == 1
    assert scalar(book.db, "SELECT status FROM commitments WHERE id = :i", i=over.id) == "signed"
    warnings = events(book.db, "control.warning")
    assert len(warnings) == warnings_before + 1
    assert warnings[-1] == {
        "line": line.code,
        "available": 30_000_000,
        "amount": 30_000_001,
        "excess": 1,
        "action": "sign",
        "reference": over.reference,
    }
    assert sql_available(book.db, line.id) == -1

    # A direct payment beyond a negative balance is all excess, and recorded on the payment too.
    other = book.line(category="KHAC", estimate=10_000_000)
    payment = book.pay(12_000_000, line=other)
    assert scalar(book.db, "SELECT excess_amount FROM payments WHERE id = :i", i=payment.id) == 2_000_000
    assert events(book.db, "control.warning")[-1]["action"] == "direct_payment"
    assert sql_available(book.db, other.id) == -2_000_000
    with book.db.read() as session:
        assert verify(session).ok


def test_direct_payments_stay_within_the_available_balance(book):
    line = book.line(category="KHAC", estimate=40_000_000)

    error = refused(book.db, ValidationError, book.pay, 40_000_001, line=line)
    assert keys(error) == {"commit.over_available"}
    assert line.code in message(error) and "40.000.000" in message(error) and "40.000.001" in message(error)

    payment = book.pay(40_000_000, line=line)
    assert payment.commitment_id is None and payment.amount == 40_000_000
    assert sql_available(book.db, line.id) == 0
    refused(book.db, ValidationError, book.pay, 1, line=line)

    error = refused(book.db, ValidationError, book.pay, 0, line=line)
    assert keys(error) == {"amount.zero_payment"}


# --- rule 5: advances --------------------------------------------------------------------------


def test_advances_up_to_half_the_value_before_any_acceptance(book):
    order = book.signed(book.line(estimate=200_000_000), 100_000_000)

    error = refused(book.db, ValidationError, book.advance, order, 50_000_001)
    assert keys(error) == {"payment.advance_limit"}
    assert "50%" in message(error) and "50.000.000" in message(error) and "50.000.001" in message(error)

    book.advance(order, 30_000_000)
    book.advance(order, 20_000_000)  # exactly 50 %, in two advances, with nothing accepted yet
    detail = book.detail(order)
    assert (detail.balance.accepted, detail.balance.advanced, detail.balance.paid, detail.balance.uncleared_advance) == (
        0,
        50_000_000,
        50_000_000,
        50_000_000,
    )

    error = refused(book.db, ValidationError, book.advance, order, 1)
    assert "50.000.000 đ advanced" in message(error)


def test_advance_limit_is_configurable_per_unit(book, actors):
    update_unit(book.db, actors["admin"], "BYT-TT", advance_limit_pct=30)
    order = book.signed(book.line(), 100_000_000)

    error = refused(book.db, ValidationError, book.advance, order, 30_000_001)
    assert "30%" in message(error) and "30.000.000" in message(error)
    book.advance(order, 30_000_000)
    assert book.detail(order).balance.advanced == 30_000_000

    error = refused(book.db, ValidationError, update_unit, book.db, actors["admin"], "BYT-TT", advance_limit_pct=101)
    assert keys(error) == {"unit.advance_pct"}


def test_an_advance_needs_a_commitment(book):
    line = book.line(category="KHAC")
    error = refused(book.db, ValidationError, book.pay, 1_000_000, line=line, kind="TAM_UNG")
    assert keys(error) == {"payment.advance_needs_commitment"}


# --- rules 5–6: acceptances and payments --------------------------------------------------------


def test_payments_follow_acceptance_and_never_pass_the_accepted_value(book):
    order = book.signed(book.line(estimate=150_000_000), 100_000_000)

    error = refused(book.db, ValidationError, book.pay, 1, commitment=order)
    assert keys(error) == {"payment.before_acceptance"}

    book.advance(order, 20_000_000)
    book.accept(order, 60_000_000)
    error = refused(book.db, ValidationError, book.pay, 40_000_001, commitment=order)
    assert keys(error) == {"payment.over_accepted"}
    text = message(error)
    assert "60.000.000 đ accepted" in text and "20.000.000 đ paid" in text and "40.000.001" in text
    book.pay(40_000_000, commitment=order)  # advances count: 20 + 40 = 60 accepted

    error = refused(book.db, ValidationError, book.accept, order, 40_000_001)
    assert keys(error) == {"acceptance.over_value"}
    assert "100.000.000" in message(error) and "40.000.001" in message(error)
    book.accept(order, 40_000_000)  # accepted total = value exactly
    book.pay(40_000_000, commitment=order)
    refused(book.db, ValidationError, book.pay, 1, commitment=order)

    detail = book.detail(order)
    assert {k: getattr(detail.balance, k) for k in ("accepted", "advanced", "paid", "payable", "uncleared_advance", "outstanding")} == {
        "accepted": 100_000_000,
        "advanced": 20_000_000,
        "paid": 100_000_000,
        "payable": 0,
        "uncleared_advance": 0,
        "outstanding": 0,
    }
    assert refused(book.db, ValidationError, book.accept, order, 0).problems[0].key == "acceptance.zero"


def test_nothing_is_paid_or_accepted_on_a_draft_or_a_cancelled_order(book):
    line = book.line()
    draft = book.order(line, 10_000_000)
    cancelled = book.signed(line, 10_000_000)
    commitments.cancel(book.db, book.officer, cancelled.id, "Không thực hiện")

    for commitment, state in ((draft, "draft"), (cancelled, "cancelled")):
        for kind in ("TAM_UNG", "THANH_TOAN"):
            error = refused(book.db, ValidationError, book.pay, 1_000_000, commitment=commitment, kind=kind)
            assert keys(error) == {"payment.status"}
            assert state in message(error)
        error = refused(book.db, ValidationError, book.accept, commitment, 1_000_000)
        assert keys(error) == {"acceptance.status"}


def test_acceptance_may_not_be_dated_before_signing(book):
    order = book.signed(book.line(), 10_000_000, signed_on=dt.date(2026, 3, 10))
    error = refused(book.db, ValidationError, book.accept, order, 5_000_000, date=dt.date(2026, 3, 9))
    assert keys(error) == {"acceptance.before_signing"}
    assert "09/03/2026" in message(error) and "10/03/2026" in message(error)
    acceptance = book.accept(order, 5_000_000, date=dt.date(2026, 3, 10))
    assert acceptance.accepted_value == 5_000_000


# --- close-out ---------------------------------------------------------------------------------


def test_close_out_releases_the_unused_commitment(book):
    line = book.line(estimate=150_000_000)
    order = book.signed(line, 100_000_000)
    book.accept(order, 70_000_000)
    book.pay(50_000_000, commitment=order)
    assert sql_available(book.db, line.id) == 50_000_000

    closed = commitments.close(book.db, book.officer, order.id, "Thanh lý theo khối lượng nghiệm thu")
    assert (closed.status, closed.final_value, closed.value) == ("closed", 70_000_000, 100_000_000)
    assert sql_available(book.db, line.id) == 80_000_000  # rose by value − accepted = 30 000 000
    with book.db.read() as session:
        assert line_balance(session, line.id).committed == 70_000_000

    # After close-out, payments are still limited to what was accepted; no more advances or acceptances.
    error = refused(book.db, ValidationError, book.pay, 20_000_001, commitment=order)
    assert keys(error) == {"payment.over_accepted"}
    book.pay(20_000_000, commitment=order)
    assert keys(refused(book.db, ValidationError, book.advance, order, 1)) == {"payment.status"}
    assert keys(refused(book.db, ValidationError, book.accept, order, 1)) == {"acceptance.status"}
    assert keys(refused(book.db, ValidationError, commitments.close, book.db, book.officer, order.id, "lần hai")) == {
        "commitment.not_signed"
    }
    assert keys(refused(book.db, ValidationError, commitments.cancel, book.db, book.officer, order.id, "hủy")) >= {
        "commitment.cannot_cancel"
    }
    assert sql_available(book.db, line.id) == 80_000_000


def test_close_is_refused_while_advances_exceed_what_was_accepted(book):
    order = book.signed(book.line(), 100_000_000)
    book.advance(order, 50_000_000)
    book.accept(order, 30_000_000)

    error = refused(book.db, ValidationError, commitments.close, book.db, book.officer, order.id, "Thanh lý")
    assert keys(error) == {"commitment.advance_uncleared"}
    assert "50.000.000" in message(error) and "30.000.000" in message(error)
    assert status(book.db, order.id) == "signed"

    book.accept(order, 19_999_999)  # one đồng of the advance still uncleared
    refused(book.db, ValidationError, commitments.close, book.db, book.officer, order.id, "Thanh lý")
    book.accept(order, 1)  # now accepted = advanced: the advance is cleared
    closed = commitments.close(book.db, book.officer, order.id, "Thanh lý")
    assert (closed.status, closed.final_value) == ("closed", 50_000_000)


# --- cancellation ------------------------------------------------------------------------------


def test_cancel_a_draft_or_an_untouched_signed_order_releases_it(book):
    line = book.line(estimate=100_000_000)
    draft = book.order(line, 40_000_000)
    signed = book.signed(line, 60_000_000)
    assert sql_available(book.db, line.id) == 40_000_000
    cancels = len(events(book.db, "order.cancel"))

    assert keys(refused(book.db, ValidationError, commitments.cancel, book.db, book.officer, draft.id, "  ")) == {
        "text.required"
    }
    assert commitments.cancel(book.db, book.officer, draft.id, "Không thực hiện").status == "cancelled"
    assert commitments.cancel(book.db, book.officer, signed.id, "Điều chỉnh kế hoạch").status == "cancelled"
    assert sql_available(book.db, line.id) == 100_000_000
    assert [e["status"] for e in events(book.db, "order.cancel")[cancels:]] == ["cancelled", "cancelled"]


def test_cancel_is_refused_once_something_is_accepted_or_paid(book):
    line = book.line(estimate=100_000_000)
    advanced = book.signed(line, 40_000_000)
    advance = book.advance(advanced, 10_000_000)
    accepted = book.signed(line, 40_000_000)
    book.accept(accepted, 1)

    for commitment in (advanced, accepted):
        error = refused(book.db, ValidationError, commitments.cancel, book.db, book.officer, commitment.id, "Hủy")
        assert keys(error) == {"commitment.has_activity"}
        assert commitment.reference in message(error)

    # Reversed first, as the message says: then the cancellation is allowed and releases the line.
    payments.reverse_payment(book.db, book.officer, advance.id, "Nhà cung cấp hoàn trả tạm ứng")
    assert commitments.cancel(book.db, book.officer, advanced.id, "Không thực hiện").status == "cancelled"
    assert sql_available(book.db, line.id) == 60_000_000


# --- rule 8: reversals -------------------------------------------------------------------------


def test_reverse_payment_adds_an_opposite_entry_and_leaves_the_original(book):
    line = book.line(category="KHAC", estimate=40_000_000)
    original = book.pay(15_000_000, line=line, voucher="C-0815")
    columns = (
        "id, year, voucher_no, date, kind, commitment_id, line_id, amount, excess_amount, reverses_id,"
        " created_at, created_by"
    )
    before = rows(book.db, f"SELECT {columns} FROM payments WHERE id = :i", i=original.id)

    reversal = payments.reverse_payment(book.db, book.officer, original.id, "Chi nhầm dòng", LATER)

    assert rows(book.db, f"SELECT {columns} FROM payments WHERE id = :i", i=original.id) == before
    assert (reversal.amount, reversal.reverses_id, reversal.voucher_no, reversal.kind, reversal.line_id) == (
        -15_000_000,
        original.id,
        "C-0815/HUY",
        "THANH_TOAN",
        line.id,
    )
    assert reversal.created_by == "officer"
    assert sql_available(book.db, line.id) == 40_000_000
    assert events(book.db, "payment.reverse")[-1]["reverses_id"] == original.id

    for target in (original, reversal):
        error = refused(book.db, ValidationError, payments.reverse_payment, book.db, book.officer, target.id, "Lần nữa")
        assert keys(error) == {"reversal.done"}
    error = refused(book.db, NotFound, payments.reverse_payment, book.db, book.officer, 10**9, "Không có")
    assert keys(error) == {"payment.unknown"}


def test_reverse_acceptance_refused_when_payments_would_exceed_accepted(book):
    order = book.signed(book.line(), 100_000_000)
    first = book.accept(order, 60_000_000)
    second = book.accept(order, 10_000_000)
    book.pay(60_000_000, commitment=order)

    error = refused(
        book.db, ValidationError, commitments.reverse_acceptance, book.db, book.officer, first.id, "Sai khối lượng"
    )
    assert keys(error) == {"acceptance.paid_beyond"}
    assert order.reference in message(error)

    reversal = commitments.reverse_acceptance(
        book.db, book.officer, second.id, "Nghiệm thu trùng"
    )  # paid 60 = accepted 60
    assert (reversal.accepted_value, reversal.reverses_id) == (-10_000_000, second.id)
    assert scalar(book.db, "SELECT accepted_value FROM acceptances WHERE id = :i", i=second.id) == 10_000_000
    assert book.detail(order).balance.accepted == 60_000_000
    refused(book.db, ValidationError, book.pay, 1, commitment=order)
    error = refused(book.db, ValidationError, commitments.reverse_acceptance, book.db, book.officer, second.id, "Lần nữa")
    assert keys(error) == {"reversal.done"}


def test_reversing_an_advance_restores_the_advance_room(book):
    order = book.signed(book.line(), 100_000_000)
    advance = book.advance(order, 50_000_000)
    refused(book.db, ValidationError, book.advance, order, 1)

    payments.reverse_payment(book.db, book.officer, advance.id, "Hoàn tạm ứng", LATER)
    assert book.detail(order).balance.advanced == 0
    book.advance(order, 50_000_000)
    assert book.detail(order).balance.advanced == 50_000_000


# --- rule 7: XHH -------------------------------------------------------------------------------


def contribute(book: Book, line: BudgetLine, amount: int):
    return payments.record_contribution(
        book.db,
        book.officer,
        year=YEAR,
        voucher_no=f"XHH-{next(_numbers):04d}",
        line=line.id,
        date=LATER,
        donor="Tổ chức Y tế Thế giới (WHO)",
        amount=amount,
    )


def test_contributions_only_on_xhh_lines(book):
    nsnn = book.line(category="KHAC")
    error = refused(book.db, ValidationError, contribute, book, nsnn, 10_000_000)
    assert keys(error) == {"contribution.not_xhh"}
    assert nsnn.code in message(error)
    xhh = book.line(category="KHAC", source="XHH")
    assert contribute(book, xhh, 10_000_000).amount == 10_000_000


def test_xhh_spending_beyond_contributions_warns_by_default(book):
    line = book.line(category="KHAC", source="XHH", estimate=100_000_000)
    contribute(book, line, 30_000_000)
    warnings_before = len(events(book.db, "control.xhh_warning"))

    book.pay(30_000_000, line=line)  # exactly what was received
    assert len(events(book.db, "control.xhh_warning")) == warnings_before

    payment = book.pay(1, line=line)
    assert scalar(book.db, "SELECT excess_amount FROM payments WHERE id = :i", i=payment.id) == 1
    assert len(events(book.db, "control.xhh_warning")) == warnings_before + 1
    warning = events(book.db, "control.xhh_warning")[-1]
    assert warning == {
        "line": line.code,
        "contributions": 30_000_000,
        "paid": 30_000_000,
        "amount": 1,
        "excess": 1,
        "reference": payment.voucher_no,
    }


def test_xhh_block_mode_refuses_spending_beyond_contributions(book, actors):
    error = refused(book.db, ValidationError, update_unit, book.db, actors["admin"], "BYT-TT", xhh_control="maybe")
    assert keys(error) == {"unit.xhh_control"}
    update_unit(book.db, actors["admin"], "BYT-TT", xhh_control="block")
    assert scalar(book.db, "SELECT xhh_control FROM units WHERE code = 'BYT-TT'") == "block"

    line = book.line(category="KHAC", source="XHH", estimate=100_000_000)
    error = refused(book.db, ValidationError, book.pay, 1, line=line)
    assert keys(error) == {"xhh.over_contributions"}
    gift = contribute(book, line, 30_000_000)
    book.pay(20_000_000, line=line)
    error = refused(book.db, ValidationError, book.pay, 10_000_001, line=line)
    text = message(error)
    assert (
        line.code in text and "30.000.000 đ received" in text and "20.000.000 đ spent" in text and "10.000.001" in text
    )
    book.pay(10_000_000, line=line)

    # Taking the contribution back would leave the spending uncovered: refused in block mode.
    error = refused(
        book.db, ValidationError, payments.reverse_contribution, book.db, book.officer, gift.id, "Nhà tài trợ rút"
    )
    assert keys(error) == {"xhh.over_contributions"}

    # Payments against a commitment on an XHH line are held to the same control.
    press = book.line(category="BAO_CHI", source="XHH", estimate=100_000_000)
    order = book.signed(press, 10_000_000)
    book.accept(order, 10_000_000)
    refused(book.db, ValidationError, book.pay, 10_000_000, commitment=order)
    contribute(book, press, 10_000_000)
    book.pay(10_000_000, commitment=order)
    assert scalar(book.db, "SELECT COALESCE(SUM(amount), 0) FROM payments WHERE line_id = :l", l=press.id) == 10_000_000


# --- training courses --------------------------------------------------------------------------


def course(book: Book, line: BudgetLine, **changes):
    data = {
        "year": YEAR,
        "reference": f"KH-{next(_numbers):03d}",
        "line": line.id,
        "title": "Tập huấn kỹ năng phát ngôn",
        "start_date": dt.date(2026, 5, 4),
        "end_date": dt.date(2026, 5, 6),
        "participants": 40,
        "cost": "60.000.000",
    }
    return commitments.create_course(book.db, book.officer, **(data | changes))


def test_course_cost_is_its_commitment(book):
    line = book.line(category="DAO_TAO", estimate=100_000_000)
    training = course(book, line, participants="25", end_date=dt.date(2026, 5, 4))  # a one-day course
    assert (training.kind, training.value, training.total_value, training.participants) == (
        "course",
        60_000_000,
        60_000_000,
        25,
    )
    commitments.sign(book.db, book.officer, training.id, dt.date(2026, 4, 20))
    assert sql_available(book.db, line.id) == 40_000_000


def test_course_fields_are_checked(book):
    line = book.line(category="DAO_TAO")
    for participants in (0, -5, 2.5, "abc", None, True):
        error = refused(book.db, ValidationError, course, book, line, participants=participants)
        assert keys(error) == {"course.participants"}, participants
    error = refused(book.db, ValidationError, course, book, line, end_date=dt.date(2026, 5, 3))
    assert keys(error) == {"dates.order"}
    error = refused(book.db, ValidationError, course, book, book.line(category="BAO_CHI"))
    assert keys(error) == {"commitment.wrong_category"}
    assert "DAO_TAO" in message(error)


# --- IT-service contracts ----------------------------------------------------------------------


def test_year_portion_is_pro_rata_by_days():
    start, end = dt.date(2025, 7, 1), dt.date(2026, 6, 30)  # 365 days: 184 in 2025, 181 in 2026
    assert rules.year_portion(365_000_000, start, end, 2025) == 184_000_000
    assert rules.year_portion(365_000_000, start, end, 2026) == 181_000_000
    assert rules.year_portion(365_000_000, start, end, 2027) == 0
    assert rules.year_portion(100, dt.date(2025, 12, 31), dt.date(2026, 1, 2), 2025) == 33  # rounded down
    assert rules.year_portion(365_000_000, dt.date(2026, 3, 1), dt.date(2026, 12, 31), 2026) == 365_000_000


def it_contract(book: Book, line: BudgetLine, year: int = YEAR, **changes):
    data = {
        "year": year,
        "reference": f"CNTT-{next(_numbers):03d}",
        "line": line.id,
        "vendor": "Viettel Cyberspace Center",
        "service_type": "RA_QUET",
        "start_date": dt.date(year, 3, 1),
        "end_date": dt.date(year, 12, 31),
        "value": 200_000_000,
    }
    return commitments.create_it_contract(book.db, book.officer, **(data | changes))


def test_it_contract_spanning_two_years_commits_this_years_portion(book):
    line = book.line(category="CNTT", estimate=500_000_000, year=2025)
    contract = it_contract(
        book, line, year=2025, start_date=dt.date(2025, 7, 1), end_date=dt.date(2026, 6, 30), value=365_000_000
    )
    assert (contract.total_value, contract.value) == (365_000_000, 184_000_000)
    commitments.sign(book.db, book.officer, contract.id, dt.date(2025, 7, 1))
    assert sql_available(book.db, line.id) == 500_000_000 - 184_000_000
    error = refused(book.db, ValidationError, book.accept, contract, 184_000_001, date=dt.date(2025, 12, 20))
    assert keys(error) == {"acceptance.over_value"}  # accepted within the year's portion

    error = refused(
        book.db,
        ValidationError,
        it_contract,
        book,
        line,
        year=2025,
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 6, 30),
    )
    assert keys(error) == {"it.term_outside_year"}


def test_it_service_type_by_code_or_label_in_either_language(book):
    line = book.line(category="CNTT", estimate=2_000_000_000)
    for given in ("THAM_DO", "tham_do", "Thăm dò dư luận", "opinion polling", "  THAM DO DU LUAN "):
        assert it_contract(book, line, service_type=given).service_type == "THAM_DO", given
    assert it_contract(book, line, service_type="Media monitoring").service_type == "RA_QUET"
    error = refused(book.db, ValidationError, it_contract, book, line, service_type="Thiết kế website")
    assert keys(error) == {"code.unknown"}


def test_commitment_kind_must_match_the_line_category(book):
    training_line = book.line(category="DAO_TAO")
    error = refused(book.db, ValidationError, book.order, training_line, 10_000_000)
    assert keys(error) == {"commitment.wrong_category"}
    assert training_line.code in message(error) and "BAO_CHI" in message(error)
    error = refused(book.db, ValidationError, it_contract, book, book.line(category="BAO_CHI"))
    assert keys(error) == {"commitment.wrong_category"}


# --- optimistic locking ------------------------------------------------------------------------


def test_stale_draft_updates_are_refused(book):
    draft = book.order(book.line(), 10_000_000)
    assert draft.version == 1
    fresh = commitments.update_draft(book.db, book.officer, draft.id, 1, description="Đặt hàng 10 bài viết chuyên đề")
    assert fresh.version == 2
    assert (
        scalar(book.db, "SELECT description FROM commitments WHERE id = :i", i=draft.id)
        == "Đặt hàng 10 bài viết chuyên đề"
    )

    error = refused(
        book.db, ValidationError, commitments.update_draft, book.db, book.officer, draft.id, 1, value=12_000_000
    )
    assert keys(error) == {"commitment.stale"}
    assert draft.reference in message(error) and "version 2" in message(error)
    assert keys(refused(book.db, ValidationError, commitments.sign, book.db, book.officer, draft.id, SIGNED, 1)) == {
        "commitment.stale"
    }

    updated = commitments.update_draft(book.db, book.officer, draft.id, 2, value="12.000.000")
    assert (updated.version, updated.value) == (3, 12_000_000)
    assert commitments.sign(book.db, book.officer, draft.id, SIGNED, 3).version == 4
    error = refused(book.db, ValidationError, commitments.update_draft, book.db, book.officer, draft.id, 4, value=1)
    assert keys(error) == {"commitment.not_draft"}


def test_updating_a_draft_keeps_its_value_equal_to_its_items(book):
    items = [{"product": "Bài viết chuyên đề", "quantity": 2, "unit_price": 15_000_000}]
    draft = book.order(book.line(), items=items)
    error = refused(
        book.db, ValidationError, commitments.update_draft, book.db, book.officer, draft.id, 1, value=50_000_000
    )
    assert keys(error) == {"order.value_mismatch"}
    new_items = [{"product": "Bài viết chuyên đề", "quantity": 3, "unit_price": "15.000.000"}]
    error = refused(
        book.db,
        ValidationError,
        commitments.update_draft,
        book.db,
        book.officer,
        draft.id,
        1,
        items=new_items,
        value=50_000_000,
    )
    assert keys(error) == {"order.value_mismatch"}
    updated = commitments.update_draft(book.db, book.officer, draft.id, 1, items=new_items)
    assert (updated.value, updated.total_value) == (45_000_000, 45_000_000)
    assert (
        scalar(book.db, "SELECT SUM(amount) FROM commitment_items WHERE commitment_id = :i", i=draft.id) == 45_000_000
    )


def test_updating_a_course_checks_participants(book):
    training = course(book, book.line(category="DAO_TAO"))
    for participants in (0, "abc", 2.5):
        error = refused(
            book.db,
            ValidationError,
            commitments.update_draft,
            book.db,
            book.officer,
            training.id,
            1,
            participants=participants,
        )
        assert keys(error) == {"course.participants"}, participants
    assert commitments.update_draft(book.db, book.officer, training.id, 1, participants="35").participants == 35


# --- rule 9: scope -----------------------------------------------------------------------------


def hni_2026(db: Database) -> tuple[int, int]:
    """A BAO_CHI line of Hanoi in 2026 and a signed commitment on it (demo data)."""
    found = rows(
        db,
        "SELECT c.id, c.line_id FROM commitments c JOIN budget_lines b ON b.id = c.line_id"
        " WHERE b.code LIKE 'HNI-26-%' AND c.status = 'signed' AND c.kind = 'order' ORDER BY c.id",
    )
    assert found
    return int(found[0][0]), int(found[0][1])


def test_officer_cannot_write_outside_their_unit(book):
    commitment_id, hni_line = hni_2026(book.db)
    hni_xhh = line_id(book.db, "HNI-26-05")
    attempts = [
        lambda: commitments.create_order(
            book.db,
            book.officer,
            year=YEAR,
            reference="HD-HNI-X",
            line=hni_line,
            press_agency="HANOIMOI",
            description="Đặt hàng",
            value=1_000_000,
        ),
        lambda: commitments.sign(book.db, book.officer, commitment_id, SIGNED),
        lambda: commitments.accept(book.db, book.officer, commitment_id, "NT-X", LATER, 1_000),
        lambda: payments.record_payment(
            book.db,
            book.officer,
            year=YEAR,
            voucher_no="CT-HNI",
            date=LATER,
            kind="TAM_UNG",
            commitment=commitment_id,
            amount=1_000,
        ),
        lambda: payments.record_payment(
            book.db, book.officer, year=YEAR, voucher_no="CT-HNI", date=LATER, line=hni_line, amount=1_000
        ),
        lambda: payments.record_contribution(
            book.db,
            book.officer,
            year=YEAR,
            voucher_no="XHH-HNI",
            line=hni_xhh,
            date=LATER,
            donor="UNICEF",
            amount=1_000,
        ),
        lambda: commitments.cancel(book.db, book.officer, commitment_id, "Hủy"),
    ]
    for attempt in attempts:
        error = refused(book.db, PermissionDenied, attempt)
        assert keys(error) == {"perm.outside_unit"}
        assert "HNI" in message(error)


def test_leaders_auditors_and_admins_cannot_write(book, actors):
    line = book.line(category="KHAC")
    draft = book.order(book.line(), 1_000_000)
    order = book.signed(book.line(), 10_000_000)
    acceptance = book.accept(order, 5_000_000)
    payment = book.pay(5_000_000, commitment=order)
    expected = {"leader": "perm.read_only", "auditor": "perm.read_only", "admin": "perm.admin_no_ledger"}
    before = dump(book.db)
    for role in ("leader", "auditor", "admin"):
        for attempt in (
            lambda actor=actors[role]: commitments.accept(book.db, actor, order.id, "NT-RO", LATER, 1_000),
            lambda actor=actors[role]: commitments.close(book.db, actor, order.id, "Thanh lý"),
            lambda actor=actors[role]: commitments.cancel(book.db, actor, draft.id, "Hủy"),
            lambda actor=actors[role]: payments.reverse_payment(book.db, actor, payment.id, "Đảo"),
            lambda actor=actors[role]: commitments.reverse_acceptance(book.db, actor, acceptance.id, "Đảo"),
            lambda actor=actors[role]: commitments.create_order(
                book.db,
                actor,
                year=YEAR,
                reference="HD-RO",
                line=draft.line_id,
                press_agency="SKDS",
                description="Đặt hàng",
                value=1_000_000,
            ),
            lambda actor=actors[role]: commitments.sign(book.db, actor, draft.id, SIGNED),
            lambda actor=actors[role]: payments.record_payment(
                book.db, actor, year=YEAR, voucher_no="CT-RO", date=LATER, line=line.id, amount=1_000
            ),
            lambda actor=actors[role]: commitments.update_draft(book.db, actor, draft.id, 1, description="Sửa"),
            lambda actor=actors[role]: commitments.create_order(
                book.db,
                actor,
                year=YEAR,
                reference="HD-RO",
                line=10**9,
                press_agency="SKDS",
                description="Đặt hàng",
                value=1_000_000,
            ),
        ):
            with pytest.raises(PermissionDenied) as refusal:
                attempt()
            assert keys(refusal.value) == {expected[role]}, role
    assert dump(book.db) == before  # not one row written by any of the refused calls
    refused(book.db, PermissionDenied, press.create_press_agency, book.db, actors["leader"], "BAOMOI", "Báo Mới")
    agency = press.create_press_agency(book.db, book.officer, "BAOMOI", "Báo điện tử Báo Mới", "Báo điện tử")
    assert agency.media_type == "online"
    assert keys(
        refused(book.db, ValidationError, press.create_press_agency, book.db, actors["admin"], "BAOMOI", "Trùng")
    ) == {"press.exists"}


def test_reads_are_limited_to_the_officers_scope(book, actors):
    expected = {
        r[0]
        for r in rows(
            book.db,
            "SELECT c.reference FROM commitments c JOIN budget_lines b ON b.id = c.line_id"
            " JOIN units u ON u.id = b.unit_id WHERE c.year = 2026 AND u.code = 'BYT-TT'",
        )
    }
    found = find_commitments(book.db, book.officer, YEAR)
    assert expected and {r.reference for r in found} == expected
    assert {r.unit_code for r in found} == {"BYT-TT"}
    assert len(find_commitments(book.db, actors["leader"], YEAR)) == scalar(
        book.db, "SELECT COUNT(*) FROM commitments WHERE year = 2026"
    )
    commitment_id, hni_line = hni_2026(book.db)
    hni_reference = scalar(book.db, "SELECT reference FROM commitments WHERE id = :i", i=commitment_id)
    assert find_commitments(book.db, book.officer, YEAR, search=hni_reference) == []
    assert len(find_commitments(book.db, actors["leader"], YEAR, search=hni_reference)) == 1
    with pytest.raises(NotFound):
        commitment_detail(book.db, book.officer, commitment_id)
    with pytest.raises(NotFound):
        line_activity(book.db, book.officer, hni_line)
    assert commitment_detail(book.db, actors["auditor"], commitment_id).commitment.unit_code == "HNI"

    own = line_id(book.db, "BYT-TT-26-01")
    activity = line_activity(book.db, book.officer, own)
    assert activity.balance.available == sql_available(book.db, own)
    assert {c.reference for c in activity.commitments} == {
        r[0] for r in rows(book.db, "SELECT reference FROM commitments WHERE line_id = :l", l=own)
    }


# --- uniqueness --------------------------------------------------------------------------------


def test_duplicate_contract_and_voucher_numbers_are_refused_within_a_year(book):
    line_2026, line_2025 = book.line(), book.line(year=2025)
    book.order(line_2026, 1_000_000, reference="HD-15/2026")
    error = refused(book.db, ValidationError, book.order, line_2026, 1_000_000, reference="HD-15/2026")
    assert keys(error) == {"commitment.exists"}
    assert "HD-15/2026" in message(error) and "2026" in message(error)
    assert book.order(line_2025, 1_000_000, year=2025, reference="HD-15/2026").year == 2025

    direct_2026 = book.line(category="KHAC")
    direct_2025 = book.line(category="KHAC", year=2025)
    book.pay(1_000_000, line=direct_2026, voucher="PC-001")
    error = refused(book.db, ValidationError, book.pay, 1_000_000, line=direct_2026, voucher="PC-001")
    assert keys(error) == {"voucher.exists"}
    assert book.pay(1_000_000, line=direct_2025, voucher="PC-001", year=2025, date=dt.date(2025, 6, 1)).year == 2025


# --- the demo ----------------------------------------------------------------------------------


def test_demo_holds_every_case_and_verifies(demo_db, actors):
    with demo_db.read() as session:
        assert verify(session).ok
    assert scalar(demo_db, "SELECT status FROM commitments WHERE reference = 'DH-HCM-HUY'") == "cancelled"
    assert scalar(demo_db, "SELECT COUNT(*) FROM commitments WHERE status = 'closed' AND final_value < value") > 0
    leader = actors["leader"]
    everything = find_commitments(demo_db, leader, 2025) + find_commitments(demo_db, leader, 2026)
    assert any(r.status == "signed" and r.uncleared_advance > 0 for r in everything)

    over = find_commitments(demo_db, leader, 2026, search="DH-DNG-VUOT")
    assert len(over) == 1 and over[0].excess_amount == 15_000_000 and over[0].status == "signed"
    warning = [w for w in events(demo_db, "control.warning") if w["reference"] == "DH-DNG-VUOT"]
    assert len(warning) == 1 and warning[0]["excess"] == 15_000_000
    assert scalar(demo_db, "SELECT commitment_control FROM units WHERE code = 'DNG'") == "warn"
    assert sql_available(demo_db, over[0].line_id) == -15_000_000


def test_demo_line_balances_equal_independent_sums(demo_db):
    sums = {
        r[0]: tuple(int(v) for v in r[1:])
        for r in rows(
            demo_db,
            "SELECT b.id,"
            " b.original_estimate + COALESCE((SELECT SUM(a.amount) FROM adjustments a WHERE a.line_id = b.id), 0),"
            " COALESCE((SELECT SUM(CASE c.status WHEN 'signed' THEN c.value"
            "   WHEN 'closed' THEN c.final_value ELSE 0 END) FROM commitments c WHERE c.line_id = b.id), 0),"
            " COALESCE((SELECT SUM(p.amount) FROM payments p WHERE p.line_id = b.id AND p.commitment_id IS NULL), 0),"
            " COALESCE((SELECT SUM(p.amount) FROM payments p WHERE p.line_id = b.id), 0),"
            " COALESCE((SELECT SUM(k.amount) FROM contributions k WHERE k.line_id = b.id), 0)"
            " FROM budget_lines b",
        )
    }
    assert len(sums) == 58
    with demo_db.read() as session:
        for line, (allocated, held, direct, paid, contributions) in sums.items():
            balance = line_balance(session, line)
            assert (balance.allocated, balance.committed, balance.direct_paid, balance.paid, balance.contributions) == (
                allocated,
                held,
                direct,
                paid,
                contributions,
            ), line
            assert balance.available == allocated - held - direct


# --- money is int --------------------------------------------------------------------------------


def test_money_is_int_and_a_quadrillion_round_trips(book):
    big = 10**15
    line = book.line(estimate=big)
    error = refused(book.db, ValidationError, book.order, line, big + 1)
    assert keys(error) == {"amount.too_large"}
    order = book.signed(line, big)
    book.advance(order, big // 2)
    book.accept(order, big)
    book.pay(big - big // 2, commitment=order)

    assert scalar(book.db, "SELECT value FROM commitments WHERE id = :i", i=order.id) == big
    detail = book.detail(order)
    figures = {
        "value": detail.commitment.value,
        "total_value": detail.commitment.total_value,
        "accepted": detail.balance.accepted,
        "advanced": detail.balance.advanced,
        "paid": detail.balance.paid,
        "held": detail.balance.held,
        "line_allocated": detail.line.allocated,
        "line_available": detail.line.available,
    }
    for key, value in figures.items():
        assert type(value) is int, key
    assert (figures["value"], figures["accepted"], figures["paid"], figures["line_available"]) == (big, big, big, 0)
    [row] = find_commitments(book.db, book.officer, YEAR, search=order.reference)
    for key in (
        "value",
        "total_value",
        "held",
        "accepted",
        "advanced",
        "paid",
        "outstanding",
        "uncleared_advance",
        "excess_amount",
    ):
        assert type(getattr(row, key)) is int, key
    assert (row.value, row.accepted, row.advanced, row.paid) == (big, big, big // 2, big)
    activity = line_activity(book.db, book.officer, line.id)
    assert activity.balance.allocated == big and type(activity.balance.committed) is int
    with book.db.read() as session:
        assert verify(session).ok
