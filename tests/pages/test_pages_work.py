"""The daily-work screens (dashboard, orders/courses/IT, payments, a line's activity) through
Streamlit's AppTest, on SQLite and PostgreSQL.

What a screen shows is checked against SQL written in the tests (the dashboard's headline against
the same independent queries as tests/reports/test_dashboard.py); what a screen writes is checked in the
database; a refused input shows the service's sentence and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from conftest import ROOT, actor_for, app_errors, app_metric, app_successes, start_app, submit, widget_keys
from ledger_testkit import dump, line_id, rows, scalar
from streamlit.testing.v1 import AppTest
from test_dashboard import query, sql_headline, sql_paid_by_month, sql_total, subtree

from ledger import i18n
from ledger.domain.errors import ValidationError
from ledger.domain.formatting import format_amount, format_scaled, format_vnd
from ledger.i18n import t
from ledger.services import commitments as commitment_service
from ledger.services import payments as payment_service
from ledger.services.budget import add_line
from ledger.store.db import Database

ROLES = ["officer", "leader", "auditor", "admin"]
YEAR = 2026
HELD = "CASE status WHEN 'signed' THEN value WHEN 'closed' THEN COALESCE(final_value, 0) ELSE 0 END"


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} %".replace(".", ",")


def headline_shown(at: AppTest) -> dict[str, list[str]]:
    """The dashboard's three rows of headline metrics (all sources, NSNN, XHH); since issue 10 with
    direct spending, so that allocated = committed + direct + available reads off the row."""
    shown = [(m.label, m.value) for m in at.metric][:18]
    labels = ["Dự toán", "Đã cam kết", "Chi trực tiếp", "Còn được sử dụng", "Đã chi", "Tỷ lệ giải ngân"]
    assert [label for label, _ in shown] == labels * 3
    return {source: [value for _, value in shown[i * 6 : i * 6 + 6]] for i, source in enumerate(("ALL", "NSNN", "XHH"))}


def headline_expected(database: Database, year: int, units: list[str]) -> dict[str, list[str]]:
    expected = sql_headline(database, year, units)
    return {
        source: [*(format_scaled(f[k], "trieu") for k in ("allocated", "committed", "direct", "available", "paid")), pct(f["execution"])]
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
def test_work_pages_render_for_every_role(app_ledger, role):
    officer = role == "officer"
    units = scope_units(app_ledger, role)
    at = start_app(app_ledger, role, "pages/dashboard.py")
    assert at.title[0].value == "Bảng điều khiển"
    assert headline_shown(at) == headline_expected(app_ledger, YEAR, units)

    at.switch_page("pages/commitments.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Đặt hàng, đào tạo, CNTT"
    orders = rows(
        app_ledger,
        "SELECT c.reference FROM commitments c JOIN budget_lines l ON l.id = c.line_id JOIN units u ON u.id = l.unit_id"
        " WHERE c.year = :y AND c.kind = 'order' AND u.code IN (" + ", ".join(f"'{u}'" for u in units) + ") ORDER BY c.reference",
        y=YEAR,
    )
    assert list(at.dataframe[0].value["Số hợp đồng"]) == [r[0] for r in orders]
    assert ("new_reference" in widget_keys(at.text_input)) is officer
    assert ("new_submit" in widget_keys(at.button)) is officer
    # Open a signed order: its money state for everyone, the actions only for officers.
    signed = next(r[0] for r in rows(app_ledger, "SELECT reference FROM commitments WHERE status = 'signed' AND kind = 'order'"
                                              " AND reference LIKE 'DH-BYT-TT-26-%' ORDER BY reference"))
    at.selectbox(key="c_pick").set_value(signed).run()
    assert not at.exception, [e.value for e in at.exception]
    order_line = rows(app_ledger, "SELECT line_id FROM commitments WHERE reference = :r", r=signed)[0][0]
    assert app_metric(at, "Dòng: còn được sử dụng") == format_vnd(sql_available(app_ledger, order_line))
    # The actions offered are exactly the rulebook's for this order's money state (restated here from SQL).
    value, accepted, paid = (int(v) for v in rows(
        app_ledger,
        "SELECT c.value, (SELECT COALESCE(SUM(accepted_value), 0) FROM acceptances WHERE commitment_id = c.id),"
        " (SELECT COALESCE(SUM(amount), 0) FROM payments WHERE commitment_id = c.id) FROM commitments c WHERE c.reference = :r",
        r=signed,
    )[0])
    allowed = {"c_adv_voucher": True, "c_acc_value": value > accepted, "c_pay_amount": accepted > paid}
    assert {k for k in allowed if k in widget_keys(at.text_input)} == ({k for k, on in allowed.items() if on} if officer else set())
    buttons = {"Tạm ứng": True, "Nghiệm thu": value > accepted, "Thanh toán": accepted > paid, "Thanh lý": paid <= accepted, "Hủy": accepted == paid == 0}
    action_buttons = {b.label for b in at.button} & set(buttons)
    assert action_buttons == ({label for label, on in buttons.items() if on} if officer else set())

    at.switch_page("pages/payments.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Thanh toán và tài trợ"
    paid = rows(
        app_ledger,
        "SELECT COUNT(*), COALESCE(SUM(p.amount), 0) FROM payments p JOIN budget_lines l ON l.id = p.line_id"
        " JOIN units u ON u.id = l.unit_id WHERE p.year = :y AND u.code IN (" + ", ".join(f"'{u}'" for u in units) + ")",
        y=YEAR,
    )[0]
    assert len(at.dataframe[0].value) == int(paid[0])
    assert t("ui.p_total", count=int(paid[0]), total=format_vnd(int(paid[1]))) in {c.value for c in at.caption}
    assert ({"p_voucher", "p_amount", "x_voucher", "x_amount"} <= widget_keys(at.text_input)) is officer
    assert not (widget_keys(at.text_input) & {"p_voucher", "x_voucher"}) or officer


# --- the dashboard ------------------------------------------------------------------------------


def test_dashboard_headline_follows_the_filters_and_drills_down(app_ledger):
    at = start_app(app_ledger, "leader", "pages/dashboard.py")
    everything = subtree(app_ledger, "QG")
    assert headline_shown(at) == headline_expected(app_ledger, YEAR, everything)
    expected = sql_headline(app_ledger, YEAR, everything)["ALL"]
    assert app_metric(at, "Dự toán") == format_scaled(expected["allocated"], "trieu") and expected["allocated"] > 0

    at.selectbox(key="d_year").set_value(2025).run()
    assert headline_shown(at) == headline_expected(app_ledger, 2025, everything)
    at.selectbox(key="d_unit").set_value("BYT").run()
    byt = subtree(app_ledger, "BYT")
    assert headline_shown(at) == headline_expected(app_ledger, 2025, byt)
    assert headline_shown(at)["ALL"][0] != headline_expected(app_ledger, 2025, everything)["ALL"][0]
    at.selectbox(key="d_year").set_value(2026).run()
    assert headline_shown(at) == headline_expected(app_ledger, YEAR, byt)
    # The unit bars offered for drill-down are the ministry's own lines and each subordinate unit.
    at.selectbox(key="d_drill_dim").set_value("unit").run()
    assert set(at.selectbox(key="d_drill_key").options) == {"BYT", "BYT-VP", "BYT-TT", "BYT-KCB"}

    def summary() -> str:
        """The drill-down's caption (issue 10: it names the chosen bar), as the old summary sentence."""
        found = [m.value for m in at.markdown if re.fullmatch(r"Cột đã chọn: .+ · .+: [\d.]+ dòng, tổng [\d.]+ đ\.", m.value)]
        assert len(found) == 1, [m.value for m in at.markdown]
        return found[0].split(": ", 2)[2]

    # A unit bar: the sub-unit's lines, allocated.
    at.selectbox(key="d_drill_key").set_value("BYT-TT")
    at.selectbox(key="d_drill_measure").set_value("allocated")
    at.button(key="d_drill_show").click().run()
    assert not at.exception
    tt = sql_total(app_ledger, YEAR, ["BYT-TT"])
    assert summary() == t("ui.d_drill_summary", count=format_amount(tt["lines"]), total=format_vnd(tt["allocated"]))
    assert any(m.value.startswith("Cột đã chọn: BYT-TT · Dự toán: ") for m in at.markdown)
    # The ministry's own bar: its own lines only, committed.
    at.selectbox(key="d_drill_key").set_value("BYT")
    at.selectbox(key="d_drill_measure").set_value("committed")
    at.button(key="d_drill_show").click().run()
    own = sql_total(app_ledger, YEAR, ["BYT"])
    assert summary().endswith(f"tổng {format_vnd(own['committed'])}.")
    # A month's bar is what was paid in it (the only measure offered for a month).
    at.selectbox(key="d_drill_dim").set_value("month").run()
    assert at.selectbox(key="d_drill_measure").options == ["Đã chi"]
    at.selectbox(key="d_drill_key").set_value("3")
    at.button(key="d_drill_show").click().run()
    march = sql_paid_by_month(app_ledger, YEAR, byt)[2]
    count = rows(
        app_ledger,
        "SELECT COUNT(*) FROM payments p JOIN budget_lines l ON l.id = p.line_id JOIN units u ON u.id = l.unit_id"
        " WHERE p.year = :y AND u.code IN ('BYT', 'BYT-VP', 'BYT-TT', 'BYT-KCB') AND p.date >= :a AND p.date < :b",
        y=YEAR, a=dt.date(2026, 3, 1), b=dt.date(2026, 4, 1),
    )[0][0]
    assert march > 0
    assert summary() == t("ui.d_drill_summary", count=format_amount(int(count)), total=format_vnd(march))
    shown = at.dataframe[-1].value
    assert len(shown) == int(count) and set(shown["Đơn vị"]) <= {"BYT", "BYT-VP", "BYT-TT", "BYT-KCB"}
    assert any(m.value.startswith("Cột đã chọn: Tháng 3 · ") for m in at.markdown)
    # New filters drop the old choice (it answered another question): no stale "0 dòng, tổng 0 đ".
    at.selectbox(key="d_unit").set_value("BYT-TT").run()
    assert not [m.value for m in at.markdown if m.value.startswith("Cột đã chọn:")]


# --- orders: create, sign, advance, accept, pay ---------------------------------------------------


def test_officer_runs_an_order_through_the_commitments_page(app_ledger):
    at = start_app(app_ledger, "officer", "pages/commitments.py")
    line = line_id(app_ledger, "BYT-TT-26-01")
    available = sql_available(app_ledger, line)
    assert available > 5_000_000
    before = table_counts(app_ledger)

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
    assert app_errors(at) == []
    assert app_successes(at) == ["Đã lưu dự thảo DH-TT-THU-01, giá trị 5.000.000 đ."]
    cid, status, value, agency, created_by = rows(
        app_ledger,
        "SELECT c.id, c.status, c.value, p.code, c.created_by FROM commitments c JOIN press_agencies p ON p.id = c.press_agency_id"
        " WHERE c.reference = 'DH-TT-THU-01' AND c.line_id = :l",
        l=line,
    )[0]
    assert (status, int(value), agency, created_by) == ("draft", 5_000_000, "SKDS", "officer")
    items = rows(app_ledger, "SELECT product, quantity, unit_price, amount FROM commitment_items WHERE commitment_id = :c ORDER BY id", c=cid)
    assert [tuple(i) for i in items] == [("Bài viết chuyên đề", 2, 1_500_000, 3_000_000), ("Video ngắn", 1, 2_000_000, 2_000_000)]
    assert actions_of(app_ledger, "commitment", cid) == ["order.create"]
    assert at.selectbox(key="c_pick").value == "DH-TT-THU-01"  # the new draft opens by itself
    assert app_metric(at, "Dòng: còn được sử dụng") == format_vnd(sql_available(app_ledger, line)) == format_vnd(available)

    # Signing cannot be undone (issue 10): without the tick nothing is signed; the tick names the amount.
    submit(at, "Ký hợp đồng")
    assert app_errors(at) == [t("ui.confirm_needed")]
    assert rows(app_ledger, "SELECT status FROM commitments WHERE id = :c", c=cid)[0][0] == "draft"
    assert "DH-TT-THU-01" in at.checkbox(key="confirm_c_sign").label and "5.000.000 đ" in at.checkbox(key="confirm_c_sign").label
    at.checkbox(key="confirm_c_sign").check()
    submit(at, "Ký hợp đồng")  # c_sign_date defaults to today
    assert app_errors(at) == [] and app_successes(at) == ["Đã ký DH-TT-THU-01."]
    assert rows(app_ledger, "SELECT status FROM commitments WHERE id = :c", c=cid)[0][0] == "signed"
    assert sql_available(app_ledger, line) == available - 5_000_000
    assert app_metric(at, "Dòng: còn được sử dụng") == format_vnd(available - 5_000_000)

    def payments() -> list[tuple]:
        return [tuple(r) for r in rows(app_ledger, "SELECT voucher_no, kind, amount, line_id, created_by FROM payments WHERE commitment_id = :c ORDER BY id", c=cid)]

    # An advance over 50 % of the value is refused with the service's sentence; nothing is written.
    snapshot = dump(app_ledger)
    at.text_input(key="c_adv_voucher").input("TU-TT-THU-1")
    at.text_input(key="c_adv_amount").input("2.500.001")
    submit(at, "Tạm ứng")
    assert app_errors(at) == [
        t("payment.advance_limit", reference="DH-TT-THU-01", percent=50, limit=format_amount(2_500_000), advanced=format_amount(0), amount=format_amount(2_500_001))
    ]
    assert app_successes(at) == [] and dump(app_ledger) == snapshot
    at.text_input(key="c_adv_amount").input("1.000.000")
    submit(at, "Tạm ứng")
    assert app_errors(at) == [] and app_successes(at) == ["Đã ghi chi 1.000.000 đ."]
    assert payments() == [("TU-TT-THU-1", "TAM_UNG", 1_000_000, line, "officer")]
    assert app_metric(at, "Đã tạm ứng") == "1.000.000 đ"
    assert app_metric(at, "Dòng: còn được sử dụng") == format_vnd(sql_available(app_ledger, line)) == format_vnd(available - 5_000_000)

    # Before any acceptance nothing is payable: the screen offers no payment, and the service refuses one.
    assert "c_pay_amount" not in widget_keys(at.text_input) and "Thanh toán" not in {b.label for b in at.button}
    snapshot = dump(app_ledger)
    with pytest.raises(ValidationError) as refused:
        payment_service.record_payment(app_ledger, actor_for(app_ledger, "officer"), year=YEAR, voucher_no="TT-TT-THU-1", date="02/03/2026", kind="THANH_TOAN", commitment=cid, amount="500.000")
    assert refused.value.messages("vi") == [t("payment.before_acceptance", reference="DH-TT-THU-01")]
    assert dump(app_ledger) == snapshot

    at.text_input(key="c_acc_record").input("NT-TT-THU-1")
    at.text_input(key="c_acc_value").input("2.500.000")
    submit(at, "Nghiệm thu")
    assert app_errors(at) == [] and app_successes(at) == ["Đã ghi nghiệm thu 2.500.000 đ."]
    accepted = rows(app_ledger, "SELECT record_no, accepted_value, created_by FROM acceptances WHERE commitment_id = :c", c=cid)
    assert [tuple(a) for a in accepted] == [("NT-TT-THU-1", 2_500_000, "officer")]
    assert app_metric(at, "Đã nghiệm thu") == "2.500.000 đ"
    assert app_metric(at, "Dòng: còn được sử dụng") == format_vnd(sql_available(app_ledger, line))

    # A payment past what was accepted (advances counted in) is refused.
    snapshot = dump(app_ledger)
    at.text_input(key="c_pay_voucher").input("TT-TT-THU-1")
    at.text_input(key="c_pay_amount").input("1.500.001")
    submit(at, "Thanh toán")
    assert app_errors(at) == [
        t("payment.over_accepted", reference="DH-TT-THU-01", accepted=format_amount(2_500_000), paid=format_amount(1_000_000), amount=format_amount(1_500_001))
    ]
    assert dump(app_ledger) == snapshot
    at.text_input(key="c_pay_amount").input("1.500.000")
    submit(at, "Thanh toán")
    assert app_errors(at) == [] and app_successes(at) == ["Đã ghi chi 1.500.000 đ."]
    assert payments() == [("TU-TT-THU-1", "TAM_UNG", 1_000_000, line, "officer"), ("TT-TT-THU-1", "THANH_TOAN", 1_500_000, line, "officer")]
    assert app_metric(at, "Đã chi (gồm tạm ứng)") == "2.500.000 đ"
    assert app_metric(at, "Còn phải trả") == "2.500.000 đ"
    assert app_metric(at, "Dòng: còn được sử dụng") == format_vnd(sql_available(app_ledger, line)) == format_vnd(available - 5_000_000)

    after = table_counts(app_ledger)
    assert {k: after[k] - before[k] for k in after} == {
        "commitments": 1, "commitment_items": 2, "acceptances": 1, "payments": 2, "contributions": 0,
        "audit_events": 1 + 2 + 1 + 1 + 1 + 1,  # create, two items, sign, advance, acceptance, payment
    }
    assert actions_of(app_ledger, "commitment", cid) == ["order.create", "order.sign"]


# --- the actions an order offers are the rulebook's ------------------------------------------------


def _order_on_a_new_line(database: Database, reference: str, value: int) -> int:
    """A signed press order of ``value`` on a line of its own (so nothing else moves its figures)."""
    officer = actor_for(database, "officer")
    line = add_line(database, officer, code=f"L-{reference}", year=YEAR, unit_code="BYT-TT", description="Dòng thử các thao tác",
                    category="BAO_CHI", source="NSNN", original_estimate=100_000_000)
    order = commitment_service.create_order(database, officer, year=YEAR, reference=reference, line=line.id, press_agency="SKDS",
                                            description="Đặt hàng thử các thao tác", value=value)
    return commitment_service.sign(database, officer, order.id, dt.date(YEAR, 2, 1)).id


def _open_order(at: AppTest, reference: str) -> tuple[list[str], list[str]]:
    """Open the order; the action tabs it shows, and the entries its reversal form offers (as shown)."""
    at.selectbox(key="c_pick").set_value(reference).run()
    assert not at.exception, [e.value for e in at.exception]
    labels = [tab.label for tab in at.tabs]
    entries = []
    if "c_rev_entry" in widget_keys(at.selectbox):
        entries = [label for label in at.selectbox(key="c_rev_entry").options if label != "—"]
    return labels, entries


def test_a_closed_order_offers_payment_while_something_is_payable_and_never_reverses_an_acceptance(app_ledger):
    officer = actor_for(app_ledger, "officer")
    cid = _order_on_a_new_line(app_ledger, "DH-THAO-TAC-1", 10_000_000)
    acceptance = commitment_service.accept(app_ledger, officer, cid, "NT-THAO-TAC-1", dt.date(YEAR, 3, 1), 10_000_000, "Biên bản")
    payment_service.record_payment(app_ledger, officer, year=YEAR, voucher_no="TT-THAO-TAC-1", date=dt.date(YEAR, 3, 2), kind="THANH_TOAN", commitment=cid, amount=4_000_000)
    commitment_service.close(app_ledger, officer, cid, "Hoàn thành")
    assert rows(app_ledger, "SELECT status FROM commitments WHERE id = :c", c=cid)[0][0] == "closed"

    at = start_app(app_ledger, "officer", "pages/commitments.py")
    tabs, entries = _open_order(at, "DH-THAO-TAC-1")
    # 6.000.000 đ accepted and unpaid: paying is offered; reversing only the payment, not the acceptance.
    assert tabs == ["Thanh toán", "Đảo bút toán"] and "c_pay_amount" in widget_keys(at.text_input)
    assert len(entries) == 1 and "TT-THAO-TAC-1" in entries[0] and not any(acceptance.record_no in e for e in entries)
    assert not {"Ký hợp đồng", "Tạm ứng", "Nghiệm thu", "Thanh lý", "Hủy"} & {b.label for b in at.button}

    # Paid in full, nothing is payable any more: no payment tab.
    payment_service.record_payment(app_ledger, officer, year=YEAR, voucher_no="TT-THAO-TAC-2", date=dt.date(YEAR, 3, 3), kind="THANH_TOAN", commitment=cid, amount=6_000_000)
    at = start_app(app_ledger, "officer", "pages/commitments.py")
    tabs, entries = _open_order(at, "DH-THAO-TAC-1")
    assert tabs == ["Đảo bút toán"] and "c_pay_amount" not in widget_keys(at.text_input)
    assert len(entries) == 2 and all("TT-THAO-TAC-" in e for e in entries) and not any(acceptance.record_no in e for e in entries)


def test_a_signed_order_with_an_acceptance_offers_to_reverse_it(app_ledger):
    officer = actor_for(app_ledger, "officer")
    cid = _order_on_a_new_line(app_ledger, "DH-THAO-TAC-2", 10_000_000)
    at = start_app(app_ledger, "officer", "pages/commitments.py")
    tabs, entries = _open_order(at, "DH-THAO-TAC-2")
    # Nothing accepted or paid: no payment, nothing to reverse, and cancelling sits beside closing out.
    assert tabs == ["Tạm ứng", "Nghiệm thu", "Thanh lý"] and entries == []
    assert {"Thanh lý", "Hủy"} <= {b.label for b in at.button}

    acceptance = commitment_service.accept(app_ledger, officer, cid, "NT-THAO-TAC-2", dt.date(YEAR, 3, 1), 3_000_000, "Biên bản")
    at = start_app(app_ledger, "officer", "pages/commitments.py")
    tabs, entries = _open_order(at, "DH-THAO-TAC-2")
    assert tabs == ["Tạm ứng", "Nghiệm thu", "Thanh toán", "Thanh lý", "Đảo bút toán"]
    assert entries == ["Nghiệm thu NT-THAO-TAC-2 · 3.000.000 đ"] and "Hủy" not in {b.label for b in at.button}

    assert at.selectbox(key="c_rev_entry").value is None  # nothing pre-selected (issue 10)
    at.selectbox(key="c_rev_entry").set_value(f"A{acceptance.id}").run()
    at.checkbox(key="confirm_c_reverse").check()
    at.text_input(key="c_rev_reason").input("Nghiệm thu nhầm")
    submit(at, "Đảo bút toán")
    assert app_errors(at) == [] and app_successes(at)
    assert rows(app_ledger, "SELECT COUNT(*) FROM acceptances WHERE reverses_id = :a", a=acceptance.id)[0][0] == 1
    tabs, entries = _open_order(at, "DH-THAO-TAC-2")
    assert "Đảo bút toán" not in tabs and entries == []  # reversed once; the reversal itself cannot be reversed


# --- payments page ------------------------------------------------------------------------------


def test_officer_records_a_direct_payment_and_a_contribution(app_ledger):
    at = start_app(app_ledger, "officer", "pages/payments.py")
    direct_line, xhh_line, small_line = (line_id(app_ledger, c) for c in ("BYT-TT-26-02", "BYT-TT-26-04", "BYT-TT-26-03"))
    shown_before = len(at.dataframe[0].value)

    # More than the line has left is refused (commitment control: block), nothing written.
    snapshot = dump(app_ledger)
    left = sql_available(app_ledger, small_line)
    at.selectbox(key="p_line").set_value(small_line)
    at.text_input(key="p_voucher").input("C-TT-THU-0")
    at.text_input(key="p_amount").input(format_amount(left + 1))
    submit(at, "Thanh toán")
    assert app_errors(at) == [t("commit.over_available", line="BYT-TT-26-03", available=format_amount(left), amount=format_amount(left + 1))]
    assert dump(app_ledger) == snapshot

    available = sql_available(app_ledger, direct_line)
    at.selectbox(key="p_line").set_value(direct_line)
    at.text_input(key="p_voucher").input("C-TT-THU-1")
    at.text_input(key="p_amount").input("1.234.000")
    submit(at, "Thanh toán")
    assert app_errors(at) == [] and app_successes(at) == ["Đã ghi chi 1.234.000 đ."]
    payment = rows(app_ledger, "SELECT id, kind, amount, commitment_id, year, created_by FROM payments WHERE voucher_no = 'C-TT-THU-1' AND line_id = :l", l=direct_line)
    assert len(payment) == 1 and tuple(payment[0])[1:] == ("THANH_TOAN", 1_234_000, None, YEAR, "officer")
    assert actions_of(app_ledger, "payment", payment[0][0]) == ["payment.post"]
    assert sql_available(app_ledger, direct_line) == available - 1_234_000
    assert len(at.dataframe[0].value) == shown_before + 1
    assert at.dataframe[0].value.iloc[0]["Số chứng từ"] == "C-TT-THU-1"  # newest first

    at.selectbox(key="x_line").set_value(xhh_line)
    at.text_input(key="x_voucher").input("XHH-TT-THU-1")
    at.text_input(key="x_donor").input("Quỹ Nhi đồng Liên hợp quốc (UNICEF)")
    at.text_input(key="x_amount").input("20.000.000")
    submit(at, "Ghi nhận tài trợ")
    assert app_errors(at) == [] and app_successes(at) == ["Đã ghi nhận tài trợ 20.000.000 đ."]
    contribution = rows(app_ledger, "SELECT id, donor, amount, year, created_by FROM contributions WHERE voucher_no = 'XHH-TT-THU-1' AND line_id = :l", l=xhh_line)
    assert len(contribution) == 1 and tuple(contribution[0])[1:] == ("Quỹ Nhi đồng Liên hợp quốc (UNICEF)", 20_000_000, YEAR, "officer")
    assert actions_of(app_ledger, "contribution", contribution[0][0]) == ["contribution.post"]
    # A second contribution with the same voucher number is refused, nothing written.
    snapshot = dump(app_ledger)
    at.selectbox(key="x_line").set_value(xhh_line)
    at.text_input(key="x_voucher").input("XHH-TT-THU-1")
    at.text_input(key="x_donor").input("Quỹ khác")
    at.text_input(key="x_amount").input("1.000.000")
    submit(at, "Ghi nhận tài trợ")
    assert app_errors(at) == [t("voucher.exists", value="XHH-TT-THU-1", year=YEAR)]
    assert dump(app_ledger) == snapshot


# --- a line's detail: everything charged to it ----------------------------------------------------


@pytest.mark.parametrize("role", ["officer", "leader"])
def test_line_detail_shows_everything_charged_to_the_line(app_ledger, role):
    at = start_app(app_ledger, role, "pages/budget_lines.py")
    for code in ("BYT-TT-26-04", "BYT-TT-26-01"):
        line = line_id(app_ledger, code)
        at.selectbox(key="line_select").set_value(line).run()
        assert not at.exception, [e.value for e in at.exception]
        committed = scalar(app_ledger, f"SELECT COALESCE(SUM({HELD}), 0) FROM commitments WHERE line_id = :l", l=line)
        paid = scalar(app_ledger, "SELECT COALESCE(SUM(amount), 0) FROM payments WHERE line_id = :l", l=line)
        received = scalar(app_ledger, "SELECT COALESCE(SUM(amount), 0) FROM contributions WHERE line_id = :l", l=line)
        assert app_metric(at, "Đã cam kết") == format_vnd(int(committed))
        assert app_metric(at, "Đã chi") == format_vnd(int(paid))
        assert app_metric(at, "Còn được sử dụng") == format_vnd(sql_available(app_ledger, line))
        xhh = code == "BYT-TT-26-04"
        assert ("Tài trợ XHH đã nhận" in {m.label for m in at.metric}) is xhh
        if xhh:
            assert app_metric(at, "Tài trợ XHH đã nhận") == format_vnd(int(received)) and received > 0
        commitments = rows(
            app_ledger,
            # A closed commitment's value is its final value, as its detail shows it (issue 10).
            "SELECT c.reference, c.status, CASE c.status WHEN 'closed' THEN c.final_value ELSE c.value END"
            " FROM commitments c WHERE c.line_id = :l ORDER BY c.reference",
            l=line,
        )
        table = next(d.value for d in at.dataframe if "Số hợp đồng" in d.value.columns)
        assert list(table["Số hợp đồng"]) == [r[0] for r in commitments]
        assert list(table["Giá trị"]) == [format_vnd(int(r[2])) for r in commitments]
        assert set(table.columns) == {"Số hợp đồng", "Loại", "Trạng thái", "Đối tác", "Giá trị", "Đã nghiệm thu", "Đã chi (gồm tạm ứng)", "Còn phải trả"}
        if xhh:
            donors = next(d.value for d in at.dataframe if "Nhà tài trợ" in d.value.columns)
            stored = rows(app_ledger, "SELECT voucher_no, amount FROM contributions WHERE line_id = :l ORDER BY id", l=line)
            assert list(donors["Số chứng từ"]) == [r[0] for r in stored]
            assert list(donors["Số tiền"]) == [format_vnd(int(r[1])) for r in stored]
        assert t("ui.line_no_direct_payments") in {c.value for c in at.caption}
    # The audit trail stays the last table of the detail.
    assert list(at.dataframe[-1].value.columns) == ["Số thứ tự", "Thời điểm (giờ Việt Nam)", "Người thực hiện", "Thao tác", "Mã băm"]

    if role == "officer":  # a direct payment shows in the line's detail
        from ledger.services import payments

        line = line_id(app_ledger, "BYT-TT-26-02")
        payments.record_payment(app_ledger, actor_for(app_ledger, "officer"), year=YEAR, voucher_no="C-TT-THU-9", date="02/03/2026", line=line, amount="700.000")
        at.selectbox(key="line_select").set_value(line).run()
        direct = next(d.value for d in at.dataframe if "Bút toán" in d.value.columns)
        assert list(direct["Số chứng từ"]) == ["C-TT-THU-9"] and list(direct["Số tiền"]) == ["700.000 đ"]
        assert app_metric(at, "Còn được sử dụng") == format_vnd(sql_available(app_ledger, line))


def test_every_work_screen_label_has_vietnamese_and_english():
    screen_text = i18n.keys("vi")
    used: set[str] = set()
    for name in ("dashboard", "commitments", "payments", "budget_lines"):
        used |= set(re.findall(r"""["'](ui\.[a-z0-9_]+)""", (ROOT / "pages" / f"{name}.py").read_text(encoding="utf-8")))
    dynamic = {key for key in used if key.endswith("_")}
    assert sorted(key for key in used - dynamic if key not in screen_text) == []
    for prefix in dynamic:
        assert any(key.startswith(prefix) for key in screen_text), prefix
    for key in used - dynamic:
        assert i18n.has_key(key, "vi") and i18n.has_key(key, "en"), key


def test_english_dashboard_and_line_detail(app_ledger):
    at = start_app(app_ledger, "leader", "pages/dashboard.py")
    at.radio(key="lang").set_value("en").run()
    assert at.title[0].value == "Dashboard"
    assert [m.label for m in at.metric][:6] == ["Allocated", "Committed", "Direct spending", "Available", "Paid", "Execution"]
    at.switch_page("pages/budget_lines.py").run()
    at.selectbox(key="line_select").set_value(line_id(app_ledger, "BYT-TT-26-04")).run()
    assert not at.exception
    labels = {m.label for m in at.metric}
    assert {"Committed", "Paid", "Available", "XHH contributions received"} <= labels
    assert any("Contract no." in d.value.columns for d in at.dataframe)
