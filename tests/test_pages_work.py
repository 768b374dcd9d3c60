"""The daily-work screens (dashboard, orders/courses/IT, payments, a line's activity) through
Streamlit's AppTest, on SQLite and PostgreSQL.

What a screen shows is checked against SQL written in the tests (the dashboard's headline against
the same independent queries as tests/test_dashboard.py); what a screen writes is checked in the
database; a refused input shows the service's sentence and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from conftest import ROOT, actor_for
from ledger_testkit import dump, line_id, rows, scalar
from streamlit.testing.v1 import AppTest
from test_dashboard import query, sql_headline, sql_paid_by_month, sql_total, subtree
from test_pages import entry_script_on_every_run, errors, keys, metric, successes  # noqa: F401  (autouse fixture)

from ledger.domain.formatting import format_amount, format_scaled, format_vnd
from ledger.i18n import t
from ledger.store.db import Database
from ledger.ui_text import UI_TEXT, WORK_TEXT

ROLES = ["officer", "leader", "auditor", "admin"]
YEAR = 2026
HELD = "CASE status WHEN 'signed' THEN value WHEN 'closed' THEN COALESCE(final_value, 0) ELSE 0 END"


# --- harness (as in tests/test_pages.py) ----------------------------------------------------------


@pytest.fixture
def ledger(demo_url, monkeypatch):
    monkeypatch.setenv("LEDGER_DATABASE_URL", demo_url)
    database = Database(demo_url)
    yield database
    database.dispose()
    from pages.common import _database

    _database.clear()  # dispose the engines the app cached, so PostgreSQL connections do not pile up


def start(database: Database, user: str, page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    at.session_state["actor"] = actor_for(database, user)
    at.run()
    if page is not None:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def submit(at: AppTest, label: str) -> AppTest:
    """Click the (form) button with this label and rerun."""
    buttons = [b for b in at.button if b.label == label]
    assert len(buttons) == 1, (label, [b.label for b in at.button])
    buttons[0].click().run()
    return at


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} %".replace(".", ",")


def headline_shown(at: AppTest) -> dict[str, list[str]]:
    """The dashboard's three rows of headline metrics (all sources, NSNN, XHH)."""
    shown = [(m.label, m.value) for m in at.metric][:15]
    labels = ["Dự toán", "Đã cam kết", "Đã chi", "Còn được sử dụng", "Tỷ lệ giải ngân"]
    assert [label for label, _ in shown] == labels * 3
    return {source: [value for _, value in shown[i * 5 : i * 5 + 5]] for i, source in enumerate(("ALL", "NSNN", "XHH"))}


def headline_expected(database: Database, year: int, units: list[str]) -> dict[str, list[str]]:
    expected = sql_headline(database, year, units)
    return {
        source: [*(format_scaled(f[k], "trieu") for k in ("allocated", "committed", "paid", "available")), pct(f["execution"])]
        for source, f in expected.items()
    }


def sql_available(database: Database, line: int) -> int:
    """Allocation − what the line's commitments hold − direct payments, in SQL."""
    allocated = scalar(
        database,
        "SELECT l.original_estimate + COALESCE((SELECT SUM(a.amount) FROM adjustments a WHERE a.line_id = l.id), 0)"
        " FROM budget_lines l WHERE l.id = :l",
        l=line,
    )
    held = scalar(database, f"SELECT COALESCE(SUM({HELD}), 0) FROM commitments WHERE line_id = :l", l=line)
    direct = scalar(database, "SELECT COALESCE(SUM(amount), 0) FROM payments WHERE line_id = :l AND commitment_id IS NULL", l=line)
    return int(allocated) - int(held) - int(direct)


def table_counts(database: Database) -> dict[str, int]:
    names = ("commitments", "commitment_items", "acceptances", "payments", "contributions", "audit_events")
    return {name: int(scalar(database, f"SELECT COUNT(*) FROM {name}")) for name in names}


def actions_of(database: Database, entity_type: str, entity_id: int) -> list[str]:
    found = rows(database, "SELECT action FROM audit_events WHERE entity_type = :t AND entity_id = :i ORDER BY seq", t=entity_type, i=str(entity_id))
    return [r[0] for r in found]


def scope_units(database: Database, role: str) -> list[str]:
    if role == "officer":
        return subtree(database, "BYT-TT")
    if role in ("leader", "auditor"):
        return subtree(database, "QG")
    return [r[0] for r in query(database, "SELECT code FROM units")]


# --- every work screen under every role -----------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_work_pages_render_for_every_role(ledger, role):
    officer = role == "officer"
    units = scope_units(ledger, role)
    at = start(ledger, role, "pages/dashboard.py")
    assert at.title[0].value == "Bảng điều khiển"
    assert headline_shown(at) == headline_expected(ledger, YEAR, units)

    at.switch_page("pages/commitments.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Đặt hàng, đào tạo, CNTT"
    orders = rows(
        ledger,
        "SELECT c.reference FROM commitments c JOIN budget_lines l ON l.id = c.line_id JOIN units u ON u.id = l.unit_id"
        " WHERE c.year = :y AND c.kind = 'order' AND u.code IN (" + ", ".join(f"'{u}'" for u in units) + ") ORDER BY c.reference",
        y=YEAR,
    )
    assert list(at.dataframe[0].value["Số hợp đồng"]) == [r[0] for r in orders]
    assert ("new_reference" in keys(at.text_input)) is officer
    assert ("new_submit" in keys(at.button)) is officer
    # Open a signed order: its money state for everyone, the actions only for officers.
    signed = next(r[0] for r in rows(ledger, "SELECT reference FROM commitments WHERE status = 'signed' AND kind = 'order'"
                                              " AND reference LIKE 'DH-BYT-TT-26-%' ORDER BY reference"))
    at.selectbox(key="c_pick").set_value(signed).run()
    assert not at.exception, [e.value for e in at.exception]
    order_line = rows(ledger, "SELECT line_id FROM commitments WHERE reference = :r", r=signed)[0][0]
    assert metric(at, "Dòng: còn được sử dụng") == format_vnd(sql_available(ledger, order_line))
    assert ({"c_adv_voucher", "c_acc_value", "c_pay_amount"} <= keys(at.text_input)) is officer
    action_buttons = {b.label for b in at.button} & {"Tạm ứng", "Nghiệm thu", "Thanh toán", "Thanh lý", "Hủy"}
    assert action_buttons == ({"Tạm ứng", "Nghiệm thu", "Thanh toán", "Thanh lý", "Hủy"} if officer else set())

    at.switch_page("pages/payments.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Thanh toán và tài trợ"
    paid = rows(
        ledger,
        "SELECT COUNT(*), COALESCE(SUM(p.amount), 0) FROM payments p JOIN budget_lines l ON l.id = p.line_id"
        " JOIN units u ON u.id = l.unit_id WHERE p.year = :y AND u.code IN (" + ", ".join(f"'{u}'" for u in units) + ")",
        y=YEAR,
    )[0]
    assert len(at.dataframe[0].value) == int(paid[0])
    assert t("ui.p_total", count=int(paid[0]), total=format_vnd(int(paid[1]))) in {c.value for c in at.caption}
    assert ({"p_voucher", "p_amount", "x_voucher", "x_amount"} <= keys(at.text_input)) is officer
    assert not (keys(at.text_input) & {"p_voucher", "x_voucher"}) or officer


# --- the dashboard ------------------------------------------------------------------------------


def test_dashboard_headline_follows_the_filters_and_drills_down(ledger):
    at = start(ledger, "leader", "pages/dashboard.py")
    everything = subtree(ledger, "QG")
    assert headline_shown(at) == headline_expected(ledger, YEAR, everything)
    expected = sql_headline(ledger, YEAR, everything)["ALL"]
    assert metric(at, "Dự toán") == format_scaled(expected["allocated"], "trieu") and expected["allocated"] > 0

    at.selectbox(key="d_year").set_value(2025).run()
    assert headline_shown(at) == headline_expected(ledger, 2025, everything)
    at.selectbox(key="d_unit").set_value("BYT").run()
    byt = subtree(ledger, "BYT")
    assert headline_shown(at) == headline_expected(ledger, 2025, byt)
    assert headline_shown(at)["ALL"][0] != headline_expected(ledger, 2025, everything)["ALL"][0]
    at.selectbox(key="d_year").set_value(2026).run()
    assert headline_shown(at) == headline_expected(ledger, YEAR, byt)
    # The unit bars offered for drill-down are the ministry's own lines and each subordinate unit.
    at.selectbox(key="d_drill_dim").set_value("unit").run()
    assert set(at.selectbox(key="d_drill_key").options) == {"BYT", "BYT-VP", "BYT-TT", "BYT-KCB"}

    def summary() -> str:
        found = [m.value for m in at.markdown if re.fullmatch(r"[\d.]+ dòng, tổng [\d.]+ đ\.", m.value)]
        assert len(found) == 1, [m.value for m in at.markdown]
        return found[0]

    # A unit bar: the sub-unit's lines, allocated.
    at.selectbox(key="d_drill_key").set_value("BYT-TT")
    at.selectbox(key="d_drill_measure").set_value("allocated")
    at.button(key="d_drill_show").click().run()
    assert not at.exception
    tt = sql_total(ledger, YEAR, ["BYT-TT"])
    assert summary() == t("ui.d_drill_summary", count=format_amount(tt["lines"]), total=format_vnd(tt["allocated"]))
    # The ministry's own bar: its own lines only, committed.
    at.selectbox(key="d_drill_key").set_value("BYT")
    at.selectbox(key="d_drill_measure").set_value("committed")
    at.button(key="d_drill_show").click().run()
    own = sql_total(ledger, YEAR, ["BYT"])
    assert summary().endswith(f"tổng {format_vnd(own['committed'])}.")
    # A month's bar is what was paid in it (the only measure offered for a month).
    at.selectbox(key="d_drill_dim").set_value("month").run()
    assert at.selectbox(key="d_drill_measure").options == ["Đã chi"]
    at.selectbox(key="d_drill_key").set_value("3")
    at.button(key="d_drill_show").click().run()
    march = sql_paid_by_month(ledger, YEAR, byt)[2]
    count = rows(
        ledger,
        "SELECT COUNT(*) FROM payments p JOIN budget_lines l ON l.id = p.line_id JOIN units u ON u.id = l.unit_id"
        " WHERE p.year = :y AND u.code IN ('BYT', 'BYT-VP', 'BYT-TT', 'BYT-KCB') AND p.date >= :a AND p.date < :b",
        y=YEAR, a=dt.date(2026, 3, 1), b=dt.date(2026, 4, 1),
    )[0][0]
    assert march > 0
    assert summary() == t("ui.d_drill_summary", count=format_amount(int(count)), total=format_vnd(march))
    shown = at.dataframe[-1].value
    assert len(shown) == int(count) and set(shown["unit"]) <= {"BYT", "BYT-VP", "BYT-TT", "BYT-KCB"}


# --- orders: create, sign, advance, accept, pay ---------------------------------------------------


def test_officer_runs_an_order_through_the_commitments_page(ledger):
    at = start(ledger, "officer", "pages/commitments.py")
    line = line_id(ledger, "BYT-TT-26-01")
    available = sql_available(ledger, line)
    assert available > 5_000_000
    before = table_counts(ledger)

    at.selectbox(key="new_line").set_value(line)
    at.number_input(key="new_item_count").set_value(2).run()
    at.text_input(key="new_reference").input("DH-TT-THU-01")
    at.selectbox(key="new_agency").set_value("SKDS")
    at.text_input(key="new_description").input("Loạt bài tuyên truyền Luật Bảo hiểm y tế sửa đổi")
    for n, (product, quantity, price) in enumerate((("Bài viết chuyên đề", "2", "1.500.000"), ("Video ngắn", "1", "2.000.000"))):
        at.text_input(key=f"new_item_product_{n}").input(product)
        at.text_input(key=f"new_item_quantity_{n}").input(quantity)
        at.text_input(key=f"new_item_price_{n}").input(price)
    at.button(key="new_submit").click().run()
    assert errors(at) == []
    assert successes(at) == ["Đã lưu dự thảo DH-TT-THU-01, giá trị 5.000.000 đ."]
    cid, status, value, agency, created_by = rows(
        ledger,
        "SELECT c.id, c.status, c.value, p.code, c.created_by FROM commitments c JOIN press_agencies p ON p.id = c.press_agency_id"
        " WHERE c.reference = 'DH-TT-THU-01' AND c.line_id = :l",
        l=line,
    )[0]
    assert (status, int(value), agency, created_by) == ("draft", 5_000_000, "SKDS", "officer")
    items = rows(ledger, "SELECT product, quantity, unit_price, amount FROM commitment_items WHERE commitment_id = :c ORDER BY id", c=cid)
    assert [tuple(i) for i in items] == [("Bài viết chuyên đề", 2, 1_500_000, 3_000_000), ("Video ngắn", 1, 2_000_000, 2_000_000)]
    assert actions_of(ledger, "commitment", cid) == ["order.create"]
    assert at.selectbox(key="c_pick").value == "DH-TT-THU-01"  # the new draft opens by itself
    assert metric(at, "Dòng: còn được sử dụng") == format_vnd(sql_available(ledger, line)) == format_vnd(available)

    submit(at, "Ký hợp đồng")  # c_sign_date defaults to today
    assert errors(at) == [] and successes(at) == ["Đã ký DH-TT-THU-01."]
    assert rows(ledger, "SELECT status FROM commitments WHERE id = :c", c=cid)[0][0] == "signed"
    assert sql_available(ledger, line) == available - 5_000_000
    assert metric(at, "Dòng: còn được sử dụng") == format_vnd(available - 5_000_000)

    def payments() -> list[tuple]:
        return [tuple(r) for r in rows(ledger, "SELECT voucher_no, kind, amount, line_id, created_by FROM payments WHERE commitment_id = :c ORDER BY id", c=cid)]

    # An advance over 50 % of the value is refused with the service's sentence; nothing is written.
    snapshot = dump(ledger)
    at.text_input(key="c_adv_voucher").input("TU-TT-THU-1")
    at.text_input(key="c_adv_amount").input("2.500.001")
    submit(at, "Tạm ứng")
    assert errors(at) == [
        t("payment.advance_limit", reference="DH-TT-THU-01", percent=50, limit=format_amount(2_500_000), advanced=format_amount(0), amount=format_amount(2_500_001))
    ]
    assert successes(at) == [] and dump(ledger) == snapshot
    at.text_input(key="c_adv_amount").input("1.000.000")
    submit(at, "Tạm ứng")
    assert errors(at) == [] and successes(at) == ["Đã ghi chi 1.000.000 đ."]
    assert payments() == [("TU-TT-THU-1", "TAM_UNG", 1_000_000, line, "officer")]
    assert metric(at, "Đã tạm ứng") == "1.000.000 đ"
    assert metric(at, "Dòng: còn được sử dụng") == format_vnd(sql_available(ledger, line)) == format_vnd(available - 5_000_000)

    # Paying before any acceptance is refused.
    snapshot = dump(ledger)
    at.text_input(key="c_pay_voucher").input("TT-TT-THU-1")
    at.text_input(key="c_pay_amount").input("500.000")
    submit(at, "Thanh toán")
    assert errors(at) == [t("payment.before_acceptance", reference="DH-TT-THU-01")]
    assert dump(ledger) == snapshot

    at.text_input(key="c_acc_record").input("NT-TT-THU-1")
    at.text_input(key="c_acc_value").input("2.500.000")
    submit(at, "Nghiệm thu")
    assert errors(at) == [] and successes(at) == ["Đã ghi nghiệm thu 2.500.000 đ."]
    accepted = rows(ledger, "SELECT record_no, accepted_value, created_by FROM acceptances WHERE commitment_id = :c", c=cid)
    assert [tuple(a) for a in accepted] == [("NT-TT-THU-1", 2_500_000, "officer")]
    assert metric(at, "Đã nghiệm thu") == "2.500.000 đ"
    assert metric(at, "Dòng: còn được sử dụng") == format_vnd(sql_available(ledger, line))

    # A payment past what was accepted (advances counted in) is refused.
    snapshot = dump(ledger)
    at.text_input(key="c_pay_voucher").input("TT-TT-THU-1")
    at.text_input(key="c_pay_amount").input("1.500.001")
    submit(at, "Thanh toán")
    assert errors(at) == [
        t("payment.over_accepted", reference="DH-TT-THU-01", accepted=format_amount(2_500_000), paid=format_amount(1_000_000), amount=format_amount(1_500_001))
    ]
    assert dump(ledger) == snapshot
    at.text_input(key="c_pay_amount").input("1.500.000")
    submit(at, "Thanh toán")
    assert errors(at) == [] and successes(at) == ["Đã ghi chi 1.500.000 đ."]
    assert payments() == [("TU-TT-THU-1", "TAM_UNG", 1_000_000, line, "officer"), ("TT-TT-THU-1", "THANH_TOAN", 1_500_000, line, "officer")]
    assert metric(at, "Đã chi (gồm tạm ứng)") == "2.500.000 đ"
    assert metric(at, "Còn phải trả") == "2.500.000 đ"
    assert metric(at, "Dòng: còn được sử dụng") == format_vnd(sql_available(ledger, line)) == format_vnd(available - 5_000_000)

    after = table_counts(ledger)
    assert {k: after[k] - before[k] for k in after} == {
        "commitments": 1, "commitment_items": 2, "acceptances": 1, "payments": 2, "contributions": 0,
        "audit_events": 1 + 2 + 1 + 1 + 1 + 1,  # create, two items, sign, advance, acceptance, payment
    }
    assert actions_of(ledger, "commitment", cid) == ["order.create", "order.sign"]


# --- payments page ------------------------------------------------------------------------------


def test_officer_records_a_direct_payment_and_a_contribution(ledger):
    at = start(ledger, "officer", "pages/payments.py")
    direct_line, xhh_line, small_line = (line_id(ledger, c) for c in ("BYT-TT-26-02", "BYT-TT-26-04", "BYT-TT-26-03"))
    shown_before = len(at.dataframe[0].value)

    # More than the line has left is refused (commitment control: block), nothing written.
    snapshot = dump(ledger)
    left = sql_available(ledger, small_line)
    at.selectbox(key="p_line").set_value(small_line)
    at.text_input(key="p_voucher").input("C-TT-THU-0")
    at.text_input(key="p_amount").input(format_amount(left + 1))
    submit(at, "Thanh toán")
    assert errors(at) == [t("commit.over_available", line="BYT-TT-26-03", available=format_amount(left), amount=format_amount(left + 1))]
    assert dump(ledger) == snapshot

    available = sql_available(ledger, direct_line)
    at.selectbox(key="p_line").set_value(direct_line)
    at.text_input(key="p_voucher").input("C-TT-THU-1")
    at.text_input(key="p_amount").input("1.234.000")
    submit(at, "Thanh toán")
    assert errors(at) == [] and successes(at) == ["Đã ghi chi 1.234.000 đ."]
    payment = rows(ledger, "SELECT id, kind, amount, commitment_id, year, created_by FROM payments WHERE voucher_no = 'C-TT-THU-1' AND line_id = :l", l=direct_line)
    assert len(payment) == 1 and tuple(payment[0])[1:] == ("THANH_TOAN", 1_234_000, None, YEAR, "officer")
    assert actions_of(ledger, "payment", payment[0][0]) == ["payment.post"]
    assert sql_available(ledger, direct_line) == available - 1_234_000
    assert len(at.dataframe[0].value) == shown_before + 1
    assert at.dataframe[0].value.iloc[0]["Số chứng từ"] == "C-TT-THU-1"  # newest first

    at.selectbox(key="x_line").set_value(xhh_line)
    at.text_input(key="x_voucher").input("XHH-TT-THU-1")
    at.text_input(key="x_donor").input("Quỹ Nhi đồng Liên hợp quốc (UNICEF)")
    at.text_input(key="x_amount").input("20.000.000")
    submit(at, "Ghi nhận tài trợ")
    assert errors(at) == [] and successes(at) == ["Đã ghi nhận tài trợ 20.000.000 đ."]
    contribution = rows(ledger, "SELECT id, donor, amount, year, created_by FROM contributions WHERE voucher_no = 'XHH-TT-THU-1' AND line_id = :l", l=xhh_line)
    assert len(contribution) == 1 and tuple(contribution[0])[1:] == ("Quỹ Nhi đồng Liên hợp quốc (UNICEF)", 20_000_000, YEAR, "officer")
    assert actions_of(ledger, "contribution", contribution[0][0]) == ["contribution.post"]
    # A second contribution with the same voucher number is refused, nothing written.
    snapshot = dump(ledger)
    at.selectbox(key="x_line").set_value(xhh_line)
    at.text_input(key="x_voucher").input("XHH-TT-THU-1")
    at.text_input(key="x_donor").input("Quỹ khác")
    at.text_input(key="x_amount").input("1.000.000")
    submit(at, "Ghi nhận tài trợ")
    assert errors(at) == [t("voucher.exists", value="XHH-TT-THU-1", year=YEAR)]
    assert dump(ledger) == snapshot


# --- a line's detail: everything charged to it ----------------------------------------------------


@pytest.mark.parametrize("role", ["officer", "leader"])
def test_line_detail_shows_everything_charged_to_the_line(ledger, role):
    at = start(ledger, role, "pages/budget_lines.py")
    for code in ("BYT-TT-26-04", "BYT-TT-26-01"):
        line = line_id(ledger, code)
        at.selectbox(key="line_select").set_value(line).run()
        assert not at.exception, [e.value for e in at.exception]
        committed = scalar(ledger, f"SELECT COALESCE(SUM({HELD}), 0) FROM commitments WHERE line_id = :l", l=line)
        paid = scalar(ledger, "SELECT COALESCE(SUM(amount), 0) FROM payments WHERE line_id = :l", l=line)
        received = scalar(ledger, "SELECT COALESCE(SUM(amount), 0) FROM contributions WHERE line_id = :l", l=line)
        assert metric(at, "Đã cam kết") == format_vnd(int(committed))
        assert metric(at, "Đã chi") == format_vnd(int(paid))
        assert metric(at, "Còn được sử dụng") == format_vnd(sql_available(ledger, line))
        xhh = code == "BYT-TT-26-04"
        assert ("Tài trợ XHH đã nhận" in {m.label for m in at.metric}) is xhh
        if xhh:
            assert metric(at, "Tài trợ XHH đã nhận") == format_vnd(int(received)) and received > 0
        commitments = rows(
            ledger,
            "SELECT c.reference, c.status, c.value FROM commitments c WHERE c.line_id = :l ORDER BY c.reference",
            l=line,
        )
        table = next(d.value for d in at.dataframe if "Số hợp đồng" in d.value.columns)
        assert list(table["Số hợp đồng"]) == [r[0] for r in commitments]
        assert list(table["Giá trị"]) == [format_vnd(int(r[2])) for r in commitments]
        assert set(table.columns) == {"Số hợp đồng", "Loại", "Trạng thái", "Đối tác", "Giá trị", "Đã nghiệm thu", "Đã chi (gồm tạm ứng)", "Còn phải trả"}
        if xhh:
            donors = next(d.value for d in at.dataframe if "Nhà tài trợ" in d.value.columns)
            stored = rows(ledger, "SELECT voucher_no, amount FROM contributions WHERE line_id = :l ORDER BY id", l=line)
            assert list(donors["Số chứng từ"]) == [r[0] for r in stored]
            assert list(donors["Số tiền"]) == [format_vnd(int(r[1])) for r in stored]
        assert t("ui.line_no_direct_payments") in {c.value for c in at.caption}
    # The audit trail stays the last table of the detail.
    assert list(at.dataframe[-1].value.columns) == ["Số thứ tự", "Thời điểm (UTC)", "Người thực hiện", "Thao tác", "Mã băm"]

    if role == "officer":  # a direct payment shows in the line's detail
        from ledger.services import spending

        line = line_id(ledger, "BYT-TT-26-02")
        spending.record_payment(ledger, actor_for(ledger, "officer"), year=YEAR, voucher_no="C-TT-THU-9", date="02/03/2026", line=line, amount="700.000")
        at.selectbox(key="line_select").set_value(line).run()
        direct = next(d.value for d in at.dataframe if "Bút toán" in d.value.columns)
        assert list(direct["Số chứng từ"]) == ["C-TT-THU-9"] and list(direct["Số tiền"]) == ["700.000 đ"]
        assert metric(at, "Còn được sử dụng") == format_vnd(sql_available(ledger, line))


def test_every_work_screen_label_has_vietnamese_and_english():
    screen_text = {**UI_TEXT, **WORK_TEXT}
    used: set[str] = set()
    for name in ("dashboard", "commitments", "payments", "budget_lines"):
        used |= set(re.findall(r"""["'](ui\.[a-z0-9_]+)""", (ROOT / "pages" / f"{name}.py").read_text(encoding="utf-8")))
    dynamic = {key for key in used if key.endswith("_")}
    assert sorted(key for key in used - dynamic if key not in screen_text) == []
    for prefix in dynamic:
        assert any(key.startswith(prefix) for key in screen_text), prefix
    for key in used - dynamic:
        assert screen_text[key].get("vi") and screen_text[key].get("en"), key


def test_english_dashboard_and_line_detail(ledger):
    at = start(ledger, "leader", "pages/dashboard.py")
    at.radio(key="lang").set_value("en").run()
    assert at.title[0].value == "Dashboard"
    assert [m.label for m in at.metric][:5] == ["Allocated", "Committed", "Paid", "Available", "Execution"]
    at.switch_page("pages/budget_lines.py").run()
    at.selectbox(key="line_select").set_value(line_id(ledger, "BYT-TT-26-04")).run()
    assert not at.exception
    labels = {m.label for m in at.metric}
    assert {"Committed", "Paid", "Available", "XHH contributions received"} <= labels
    assert any("Contract no." in d.value.columns for d in at.dataframe)
