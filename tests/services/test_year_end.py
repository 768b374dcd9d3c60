"""The budget year end (issue 14), on both backends, with ``LEDGER_TODAY`` setting the day: the closing
period's boundaries, phased control, the year-end run under the 2025 and the 2026 rules for the same
ledger, applying twice, reopening, the invariant allocated = paid + carried over + cancelled on every
line, and the settlement statement.

Every test writes in a unit of its own under the demo officer's (``YE``, under BYT-TT), so the
figures are ours; runs are for that subtree.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools

import pytest
from ledger_testkit import actor_of, keys, refused, rows, scalar
from openpyxl import load_workbook

from ledger.domain import year_end as domain
from ledger.domain.errors import PermissionDenied, ValidationError
from ledger.reports.settlement import settlement, settlement_xlsx
from ledger.services import budget, commitments, payments, year_end
from ledger.services.reference import create_unit, set_year_open, update_unit
from ledger.store.access import SYSTEM
from ledger.store.verify import verify, year_end_invariant

UNIT = "YE"
M = 1_000_000
_numbers = itertools.count(1)


def today(monkeypatch, value: str) -> None:
    monkeypatch.setenv("LEDGER_TODAY", value)


@pytest.fixture
def book(demo_db, actors, monkeypatch):
    create_unit(demo_db, SYSTEM, code=UNIT, name="Phòng thử khóa sổ", kind="subunit", parent_code="BYT-TT")
    return Book(demo_db, actors["officer"], actors["admin"], monkeypatch)


class Book:
    def __init__(self, db, officer, admin, monkeypatch):
        self.db, self.officer, self.admin, self.mp = db, officer, admin, monkeypatch

    def on(self, day: str) -> None:
        today(self.mp, day)

    def line(self, year: int, estimate: int, source: str = "NSNN", code: str | None = None):
        return budget.add_line(
            self.db, self.officer, code=code or f"YE-{next(_numbers):03d}", year=year, unit_code=UNIT,
            description="Dòng thử khóa sổ", category="BAO_CHI", source=source, original_estimate=estimate,
        )

    def order(self, line, value: int, signed_on: dt.date | None = None):
        created = commitments.create_order(
            self.db, self.officer, year=line.year, reference=f"YE-HD-{next(_numbers):03d}", line=line.id,
            press_agency="SKDS", description="Đặt hàng thử", value=value,
        )
        return commitments.sign(self.db, self.officer, created.id, signed_on) if signed_on else created

    def pay(self, amount: int, date: dt.date, commitment=None, line=None, kind: str = "THANH_TOAN"):
        data = {"year": (commitment or line).year, "voucher_no": f"YE-CT-{next(_numbers):04d}", "date": date, "kind": kind, "amount": amount}
        data.update({"commitment": commitment.id} if commitment is not None else {"line": line.id})
        return payments.record_payment(self.db, self.officer, **data)

    def accept(self, commitment, amount: int, date: dt.date):
        return commitments.accept(self.db, self.officer, commitment.id, f"YE-NT-{next(_numbers):03d}", date, amount)

    def ledger_of(self, year: int) -> dict[str, object]:
        """The same ledger in ``year``: three lines, four orders, an advance not cleared, a late
        addition and XHH sponsorship (the figures of the docstring of ``expected``)."""
        self.on(f"31/12/{year}")
        a, b, c = self.line(year, 100 * M), self.line(year, 20 * M), self.line(year, 10 * M, source="XHH")
        late = self.order(a, 40 * M, dt.date(year, 12, 31))  # signed on the last day
        self.accept(late, 10 * M, dt.date(year, 12, 31))
        self.pay(10 * M, dt.date(year, 12, 31), commitment=late)
        advanced = self.order(a, 30 * M, dt.date(year, 6, 15))
        self.pay(12 * M, dt.date(year, 7, 1), commitment=advanced, kind="TAM_UNG")
        self.accept(advanced, 5 * M, dt.date(year, 9, 1))  # 7M of the advance is not cleared
        cancelled = self.order(a, 10 * M, dt.date(year, 5, 1))
        commitments.cancel(self.db, self.officer, cancelled.id, "Không thực hiện")
        draft = self.order(a, 5 * M)
        budget.adjust_line(self.db, self.officer, b.id, 8 * M, dt.date(year, 10, 15), f"QĐ-{year}-BS", "Bổ sung sau 30/09")
        self.pay(3 * M, dt.date(year, 11, 2), line=b)
        payments.record_contribution(self.db, self.officer, year=year, voucher_no=f"YE-XHH-{year}", line=c.id, date=dt.date(year, 8, 8), donor="Quỹ X", amount=6 * M)
        self.pay(2 * M, dt.date(year, 9, 9), line=c)
        return {"a": a, "b": b, "c": c, "late": late, "advanced": advanced, "cancelled": cancelled, "draft": draft}


def outcome(shown, line) -> tuple[int, int, int]:
    found = next(row for row in shown.lines if row.line_id == line.id)
    return found.paid, found.carried, found.cancelled


def bases(shown, line) -> list[tuple[str, str, int]]:
    found = next(row for row in shown.lines if row.line_id == line.id)
    return [(part.kind, part.basis, part.amount) for part in found.parts]


def every_line_balances(db, year: int) -> None:
    """The invariant, by SQL of the test's own, on every line of ``year`` in the unit."""
    for line_id, estimate in rows(db, "SELECT l.id, l.original_estimate FROM budget_lines l JOIN units u ON u.id = l.unit_id WHERE l.year = :y AND u.code = :u", y=year, u=UNIT):
        adjusted = scalar(db, "SELECT COALESCE(SUM(amount), 0) FROM adjustments WHERE line_id = :l", l=line_id)
        paid = scalar(db, "SELECT COALESCE(SUM(amount), 0) FROM payments WHERE line_id = :l AND year = :y", l=line_id, y=year)
        ended = scalar(db, "SELECT COALESCE(SUM(amount), 0) FROM year_end_entries WHERE line_id = :l", l=line_id)
        assert estimate + adjusted == paid + ended, line_id


# --- the calendar -----------------------------------------------------------------------------

def test_the_calendar_rules():
    assert not domain.in_closing_period(2026, dt.date(2026, 12, 31))
    assert domain.in_closing_period(2026, dt.date(2027, 1, 1)) and domain.in_closing_period(2026, dt.date(2027, 1, 31))
    assert not domain.in_closing_period(2026, dt.date(2027, 2, 1))
    assert not domain.may_run_year_end(2026, dt.date(2027, 1, 31)) and domain.may_run_year_end(2026, dt.date(2027, 2, 1))
    assert domain.rule_set(2025).code == "LUAT_83_2015" and domain.rule_set(2026).code == "LUAT_89_2025"
    assert domain.phased_plan(120, None, 3) == 30 and domain.phased_plan(100, [1] * 3 + [0] * 8 + [1], 3) == 75


def test_the_closing_periods_boundaries(book, monkeypatch):
    book.on("31/12/2026")
    line = book.line(2026, 100 * M)
    signed = book.order(line, 20 * M, dt.date(2026, 12, 31))  # 31/12: still signed on the year
    book.accept(signed, 8 * M, dt.date(2026, 12, 31))
    waiting = book.order(line, 5 * M)

    book.on("01/01/2027")  # the closing period: nothing new is committed, accepted work is paid
    error = refused(book.db, ValidationError, commitments.sign, book.db, book.officer, waiting.id)
    assert keys(error) == {"year.closing_no_commit"}
    assert keys(refused(book.db, ValidationError, book.accept, signed, 1 * M, dt.date(2027, 1, 1))) == {"date.outside_year"}
    assert keys(refused(book.db, ValidationError, book.pay, 1 * M, dt.date(2027, 1, 1), commitment=signed, kind="TAM_UNG")) == {"date.outside_year"}
    book.pay(5 * M, dt.date(2027, 1, 1), commitment=signed)

    book.on("31/01/2027")  # its last day: payments still posted; the run not yet
    book.pay(3 * M, dt.date(2027, 1, 31), commitment=signed)
    shown = year_end.preview(book.db, book.officer, 2026, UNIT)
    assert [b.key for b in shown.blockers] == ["year_end.too_early"]
    assert keys(refused(book.db, ValidationError, year_end.apply_year_end, book.db, book.officer, 2026, UNIT, "QĐ-1")) == {"year_end.too_early"}

    book.on("01/02/2027")  # over: nothing dated after it, and the run may close the year
    assert keys(refused(book.db, ValidationError, book.pay, 1, dt.date(2027, 2, 1), commitment=signed)) == {"date.outside_year"}
    assert year_end.preview(book.db, book.officer, 2026, UNIT).blockers == ()
    assert year_end.apply_year_end(book.db, book.officer, 2026, UNIT, "QĐ-1") is not None
    # Once closed by the run, the line takes nothing more, even within the old dates.
    assert keys(refused(book.db, ValidationError, book.pay, 1, dt.date(2027, 1, 15), line=line)) == {"year.closed"}


# --- carry-over under each year's rules ---------------------------------------------------------

def test_the_same_ledger_under_the_2025_and_the_2026_rules(book):
    old, new = book.ledger_of(2025), book.ledger_of(2026)
    book.on("01/02/2027")
    before = year_end.preview(book.db, book.officer, 2025, UNIT)
    after = year_end.preview(book.db, book.officer, 2026, UNIT)

    # 2025 (Law 83/2015 Art 64): services do not carry; only the amount added after 30/09 does.
    assert outcome(before, old["a"]) == (22 * M, 0, 78 * M)
    assert outcome(before, old["b"]) == (3 * M, 8 * M, 17 * M)
    assert bases(before, old["b"]) == [("carry", "late_addition", 8 * M), ("cancel", "not_listed", 17 * M)]
    assert outcome(before, old["c"]) == (2 * M, 0, 8 * M)
    assert [(ref, amount) for line in before.lines for _, ref, amount in line.refunds] == [(old["advanced"].reference, 7 * M)]
    assert before.refund_deadline == dt.date(2026, 2, 15)

    # 2026 (Law 89/2025 Art 66): the order signed on 31/12 carries its unpaid 30M; the advanced one
    # its 18M and the 7M advance still to clear; the cancelled order and the draft nothing.
    assert outcome(after, new["a"]) == (22 * M, 55 * M, 30 * M)
    assert bases(after, new["a"]) == [
        ("carry", "commitment", 30 * M), ("carry", "commitment", 18 * M), ("carry", "advance", 7 * M), ("cancel", "not_listed", 30 * M),
    ]
    assert outcome(after, new["b"]) == (3 * M, 8 * M, 17 * M)
    assert bases(after, new["c"]) == [("carry", "sponsorship", 4 * M), ("cancel", "not_listed", 4 * M)]
    assert after.refunds == 0
    assert "Law 89/2025/QH15, Art 66" in domain.basis_text("commitment", after.rule_set, "en")


def test_apply_carries_over_and_closes(book):
    made = book.ledger_of(2026)
    book.on("02/02/2027")
    run = year_end.apply_year_end(book.db, book.officer, 2026, UNIT, "QĐ-KS-2026")
    assert (run.carried, run.cancelled) == (67 * M, 51 * M)
    every_line_balances(book.db, 2026)
    with book.db.read() as session:
        assert year_end_invariant(session) is None
        assert verify(session).ok

    # The carried lines open in 2027, naming their origin; the carried orders go on there.
    opened = rows(book.db, "SELECT code, original_estimate, carried_from_id, unit_id, category_code, source_code FROM budget_lines WHERE year = 2027 ORDER BY carried_from_id")
    assert [(o[1], o[2]) for o in opened] == [(55 * M, made["a"].id), (8 * M, made["b"].id), (4 * M, made["c"].id)]
    assert {(o[4], o[5]) for o in opened} == {("BAO_CHI", "NSNN"), ("BAO_CHI", "XHH")}
    follows = rows(book.db, "SELECT reference, value, status, carried_from_id FROM commitments WHERE year = 2027 ORDER BY carried_from_id")
    assert [(f[1], f[2], f[3]) for f in follows] == [(30 * M, "signed", made["late"].id), (25 * M, "signed", made["advanced"].id)]
    # The advance not cleared goes on with its order: 7M advanced on the 2027 order, still to clear.
    follow_id = scalar(book.db, "SELECT id FROM commitments WHERE carried_from_id = :c", c=made["advanced"].id)
    assert scalar(book.db, "SELECT SUM(amount) FROM payments WHERE commitment_id = :c AND kind = 'TAM_UNG'", c=follow_id) == 7 * M
    assert rows(book.db, "SELECT status, final_value FROM commitments WHERE id IN (:a, :b, :c, :d) ORDER BY id", a=made["late"].id, b=made["advanced"].id, c=made["cancelled"].id, d=made["draft"].id) == [
        ("closed", 10 * M), ("closed", 5 * M), ("cancelled", None), ("draft", None),
    ]
    # Work on it goes on in 2027 within the open year: accept the remaining work and pay it.
    book.on("15/03/2027")
    commitments.accept(book.db, book.officer, follow_id, "YE-NT-2027", dt.date(2027, 3, 1), 25 * M)  # clears the advance
    payments.record_payment(book.db, book.officer, year=2027, voucher_no="YE-CT-2027", date=dt.date(2027, 3, 15), kind="THANH_TOAN", commitment=follow_id, amount=18 * M)
    assert scalar(book.db, "SELECT is_open FROM fiscal_years WHERE year = 2026") in (1, True)  # other units' lines are still open

    # Applying again changes nothing.
    events = scalar(book.db, "SELECT COUNT(*) FROM audit_events")
    assert year_end.apply_year_end(book.db, book.officer, 2026, UNIT, "QĐ-KS-2026") is None
    assert scalar(book.db, "SELECT COUNT(*) FROM audit_events") == events

    # The settlement statement: per line and per category × source, and the sponsorship.
    statement = settlement(book.db, book.officer, 2026, UNIT)
    assert (statement.total("allocated"), statement.total("paid"), statement.total("carried"), statement.total("cancelled")) == (138 * M, 20 * M, 67 * M, 51 * M)
    assert (statement.sponsorship_received, statement.sponsorship_used) == (6 * M, 2 * M)
    sheet = load_workbook(io.BytesIO(settlement_xlsx(statement, "en"))).worksheets[0]
    assert [c.value for c in sheet[1]][:4] == ["Category", "Source", "Original estimate", "Adjustments"]
    assert sheet.cell(sheet.max_row, 7).value == 67 * M and sheet.cell(2, 3).number_format == "#,##0"
    carried = settlement(book.db, book.officer, 2027, UNIT)
    assert sorted(r.carried_from for r in carried.lines) == sorted(made[k].code for k in "abc")

    # The extract's Dự toán sheet: Chuyển nguồn, Hủy dự toán and, on the 2027 lines, Chuyển từ dòng.
    from ledger.excel.export import export_workbook

    out = io.BytesIO()
    export_workbook(book.db, book.officer, out, None, UNIT)
    sheet = load_workbook(io.BytesIO(out.getvalue()))["Dự toán"]
    header = [c.value for c in sheet[1]]
    cells = {(r[0], r[1]): dict(zip(header, r, strict=False)) for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert (cells[(made["a"].code, 2026)]["Chuyển nguồn"], cells[(made["a"].code, 2026)]["Hủy dự toán"]) == (55 * M, 30 * M)
    opened = {row["Chuyển từ dòng"]: row["Dự toán giao"] for key, row in cells.items() if key[1] == 2027}
    assert opened == {made["a"].code: 55 * M, made["b"].code: 8 * M, made["c"].code: 4 * M}


def test_a_tampered_entry_breaks_the_invariant(book):
    book.ledger_of(2026)
    book.on("02/02/2027")
    year_end.apply_year_end(book.db, book.officer, 2026, UNIT, "QĐ-KS")
    with book.db.write() as session:
        session.connection().exec_driver_sql("UPDATE year_end_entries SET amount = amount + 1 WHERE id = (SELECT MIN(id) FROM year_end_entries)")
    with book.db.read() as session:
        assert "does not balance" in year_end_invariant(session)


def test_reopening(book):
    made = book.ledger_of(2026)
    book.on("02/02/2027")
    year_end.apply_year_end(book.db, book.officer, 2026, UNIT, "QĐ-KS")
    refused(book.db, PermissionDenied, year_end.reopen_year, book.db, book.officer, 2026, "QĐ-MO", "Sai sót")
    assert keys(refused(book.db, ValidationError, set_year_open, book.db, SYSTEM, 2026, True)) == {"year_end.reopen_by_decision"}  # no flag
    refused(book.db, ValidationError, year_end.reopen_year, book.db, book.admin, 2026, "", "")  # a decision and a reason

    year_end.reopen_year(book.db, book.admin, 2026, "QĐ-MO-01", "Sai sót số liệu")
    assert scalar(book.db, "SELECT COUNT(*) FROM budget_lines WHERE year = 2027") == 0
    assert scalar(book.db, "SELECT COUNT(*) FROM year_end_entries") == 0
    assert rows(book.db, "SELECT status, final_value FROM commitments WHERE id = :i", i=made["late"].id) == [("signed", None)]
    assert rows(book.db, "SELECT status, reopen_decision_no FROM year_end_runs") == [("reopened", "QĐ-MO-01")]
    with book.db.read() as session:
        assert verify(session).ok
    # It closes again the same way; then a 2027 line of its own keeps it from reopening.
    again = year_end.apply_year_end(book.db, book.officer, 2026, UNIT, "QĐ-KS-2")
    assert (again.carried, again.cancelled) == (67 * M, 51 * M)
    book.line(2027, 1 * M)
    error = refused(book.db, ValidationError, year_end.reopen_year, book.db, book.admin, 2026, "QĐ-MO-02", "Lần nữa")
    assert keys(error) == {"year_end.next_year_used"}


# --- phased control -----------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["block", "warn"])
def test_phased_control_at_its_boundary_day(book, mode):
    update_unit(book.db, SYSTEM, UNIT, phased_control=mode)
    book.on("31/03/2026")
    line = book.line(2026, 120 * M)  # no phasing of its own: even twelfths, 10M a month
    book.order(line, 25 * M, dt.date(2026, 3, 1))
    book.pay(5 * M, dt.date(2026, 3, 30), line=line)  # committed and paid: 30M = the plan to 31/03
    over = book.order(line, 1)
    if mode == "block":
        error = refused(book.db, ValidationError, commitments.sign, book.db, book.officer, over.id, dt.date(2026, 3, 31))
        assert keys(error) == {"commit.over_phased"}
    else:
        commitments.sign(book.db, book.officer, over.id, dt.date(2026, 3, 31))
        warning = rows(book.db, "SELECT after FROM audit_events WHERE action = 'control.warning' ORDER BY seq DESC LIMIT 1")[0][0]
        assert '"control":"phased"' in warning and '"excess":1' in warning
    book.on("01/04/2026")  # the next day, April's tenth is in the plan
    book.order(line, 10 * M - (0 if mode == "block" else 1), dt.date(2026, 4, 1))
    assert scalar(book.db, "SELECT phased_control FROM units WHERE code = :u", u=UNIT) == mode


def test_phased_control_is_off_by_default(book):
    book.on("15/01/2026")
    line = book.line(2026, 120 * M)
    book.order(line, 100 * M, dt.date(2026, 1, 15))  # far past January's tenth: no control, no warning
    assert scalar(book.db, "SELECT phased_control FROM units WHERE code = :u", u=UNIT) is None


# --- the screen ---------------------------------------------------------------------------------

def test_the_screen_shows_the_rehearsal_banner_and_closes_a_unit(app_ledger, monkeypatch):
    from conftest import app_errors, app_metric, app_successes, start_app

    from ledger.i18n import t

    officer = actor_of(app_ledger, "officer")
    create_unit(app_ledger, SYSTEM, code=UNIT, name="Phòng thử khóa sổ", kind="subunit", parent_code="BYT-TT")
    today(monkeypatch, "31/12/2026")
    line = budget.add_line(app_ledger, officer, code="YE-APP", year=2026, unit_code=UNIT, description="Dòng thử", category="BAO_CHI", source="NSNN", original_estimate=50 * M)
    order = commitments.create_order(app_ledger, officer, year=2026, reference="YE-APP-HD", line=line.id, press_agency="SKDS", description="Đặt hàng", value=20 * M)
    commitments.sign(app_ledger, officer, order.id, dt.date(2026, 12, 31))
    today(monkeypatch, "01/02/2027")
    at = start_app(app_ledger, "officer", "pages/year_end.py")
    assert [w.value for w in at.warning if "01/02/2027" in w.value] == [t("ui.today_override_banner", date="01/02/2027")]
    at.selectbox(key="ye_unit").set_value(UNIT).run()
    assert app_metric(at, t("ui.ye_carried")) == "20.000.000 đ" and app_metric(at, t("ui.ye_cancelled")) == "30.000.000 đ"
    at.text_input(key="ye_decision").input("QĐ-APP")
    at.checkbox(key="ye_confirm").check()
    at.button(key="ye_apply").click().run()
    assert app_errors(at) == [] and app_successes(at) == [t("year_end.applied", year=2026, carried="20.000.000 đ", cancelled="30.000.000 đ")]
    assert scalar(app_ledger, "SELECT original_estimate FROM budget_lines WHERE year = 2027 AND carried_from_id = :l", l=line.id) == 20 * M
