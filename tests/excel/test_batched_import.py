"""A workbook import is one batched write transaction (``ledger.store.batch``): rows are flushed many
at a time, with their ids and defaults assigned before the flush. What it writes must be what the
per-row services write: the audit chain verifies, the rows are counted once in the balances, and a
refused row in the middle still leaves nothing behind — on both backends."""

from __future__ import annotations

from ledger_testkit import dump
from sqlalchemy import event, text
from workbook_support import LINE_HEADERS, build, line_row

from ledger.excel.importer import import_workbook
from ledger.store.verify import verify

PAYMENT_HEADERS = ["Số chứng từ", "Năm", "Ngày", "Loại", "Tham chiếu", "Mã dòng", "Số tiền"]
ESTIMATE = 150_000_000


def _payment(number: int, amount: int, line: str = "BYT-TT-26-B1") -> list:
    return [f"C-B-{number:03d}", 2026, "10/02/2026", "THANH_TOAN", None, line, amount]


def _counting(db) -> list[tuple[str, bool]]:
    seen: list[tuple[str, bool]] = []
    event.listen(db.engine, "before_cursor_execute", lambda _c, _cur, statement, _p, _x, many: seen.append((statement, many)))
    return seen


def test_a_batched_import_verifies_and_inserts_many_rows_per_statement(demo_db, actors):
    payments = [_payment(n, 1_000_000) for n in range(1, 41)]
    data = build({"Dự toán": [LINE_HEADERS, line_row("BYT-TT-26-B1"), line_row("BYT-TT-26-B2")], "Thanh toán": [PAYMENT_HEADERS, *payments]})
    seen = _counting(demo_db)
    result = import_workbook(demo_db, actors["officer"], data)
    assert result.written, [p.message("en") for p in result.problems]
    with demo_db.read() as session:
        assert verify(session).ok
        paid = session.scalar(text("SELECT SUM(p.amount) FROM payments p JOIN budget_lines l ON l.id = p.line_id WHERE l.code = 'BYT-TT-26-B1'"))
        events = session.scalar(text("SELECT COUNT(*) FROM audit_events WHERE action = 'payment.post' AND entity_type = 'payment'"))
    assert paid == 40_000_000 and events >= 40
    # Flushed one by one, every payment and every event took an INSERT of its own (80 and more).
    inserts = [statement for statement, _many in seen if statement.startswith(("INSERT INTO payments", "INSERT INTO audit_events"))]
    assert len(inserts) < 20, len(inserts)
    again = import_workbook(demo_db, actors["officer"], data)
    assert again.written and again.new == 0


def test_a_refused_row_in_the_middle_rolls_back_everything_and_is_located(demo_db, actors):
    payments = [_payment(n, 10_000_000) for n in range(1, 4)] + [_payment(4, 10 * ESTIMATE)] + [_payment(n, 10_000_000) for n in range(5, 8)]
    data = build({"Dự toán": [LINE_HEADERS, line_row("BYT-TT-26-B1")], "Thanh toán": [PAYMENT_HEADERS, *payments]})
    before = dump(demo_db)
    result = import_workbook(demo_db, actors["officer"], data)
    assert not result.written
    assert [(p.sheet, p.row) for p in result.problems] == [("Thanh toán", 5)], [p.message("en") for p in result.problems]
    assert dump(demo_db) == before
    with demo_db.read() as session:
        assert verify(session).ok
    # The same file without the refused row goes in whole afterwards: nothing of the first attempt stayed.
    fixed = build({"Dự toán": [LINE_HEADERS, line_row("BYT-TT-26-B1")], "Thanh toán": [PAYMENT_HEADERS, *payments[:3], *payments[4:]]})
    assert import_workbook(demo_db, actors["officer"], fixed).written
    with demo_db.read() as session:
        assert verify(session).ok
