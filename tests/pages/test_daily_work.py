"""Safe daily work on the screens (issue 10, items 1 and 2), through the AppTest harness: a posting
form's token refuses a re-submit, an entry identical to one posted minutes ago asks for a tick, an
irreversible step names what it will do, nothing is pre-selected as a reversal target, and a refused
payment keeps what was typed.

On the code before issue 10 the re-submit and the identical second entry were posted again, the
line screen's reversal form came up with an adjustment pre-selected, and signing took one click.
"""

from __future__ import annotations

import re

from conftest import actor_for, app_errors, app_successes, start_app, submit
from ledger_testkit import dump, line_id, rows, scalar
from test_pages_work import _order_on_a_new_line

from ledger.domain.formatting import format_amount
from ledger.i18n import t
from ledger.reports.dashboard import DashboardFilters, dashboard
from ledger.services import budget, commitments

YEAR = 2026
CODE = "BYT-TT-26-01"


def adjustments_on(db, line: int) -> list[tuple]:
    return [tuple(r) for r in rows(db, "SELECT amount, decision_no FROM adjustments WHERE line_id = :l ORDER BY id", l=line)]


def open_line(db, code: str = CODE):
    at = start_app(db, "officer", "pages/budget_lines.py")
    at.selectbox(key="line_select").set_value(line_id(db, code)).run()
    return at


def fill_adjustment(at, amount: str, decision: str) -> None:
    at.text_input(key="adj_amount").input(amount)
    at.text_input(key="adj_decision").input(decision)
    at.text_input(key="adj_reason").input("Bổ sung")
    at.button(key="adj_submit").click().run()


def test_a_resubmitted_adjustment_form_posts_once_and_an_identical_entry_asks_first(app_ledger):
    line = line_id(app_ledger, CODE)
    before = adjustments_on(app_ledger, line)
    at = open_line(app_ledger)
    used = at.session_state["token_adjust"]
    fill_adjustment(at, "7.000.000", "77/QĐ-BYT")
    assert app_errors(at) == [] and len(app_successes(at)) == 1
    assert adjustments_on(app_ledger, line) == [*before, (7_000_000, "77/QĐ-BYT")]
    # The form is cleared after posting, and it carries a new token.
    assert at.text_input(key="adj_amount").value == "" and at.session_state["token_adjust"] != used

    # A re-submit of the form as it was drawn (its old token: a reload, a second click in flight).
    at.session_state["token_adjust"] = used
    fill_adjustment(at, "7.000.000", "78/QĐ-BYT")
    assert app_errors(at) == [t("posting.already.adjustment", number="77/QĐ-BYT", amount="7.000.000", line=CODE)]
    assert adjustments_on(app_ledger, line) == [*before, (7_000_000, "77/QĐ-BYT")]

    # The same entry typed again minutes later (a fresh token): a warning and a tick, not a posting.
    at.session_state["token_adjust"] = "fresh-token-for-this-test"
    fill_adjustment(at, "7.000.000", "77/QĐ-BYT")
    assert adjustments_on(app_ledger, line) == [*before, (7_000_000, "77/QĐ-BYT")]
    assert any("giống hệt" in w.value for w in at.warning)
    assert at.text_input(key="adj_amount").value == "7.000.000"  # what was typed stays
    at.checkbox(key="twin_ok_adjust").check()
    at.button(key="adj_submit").click().run()
    assert app_errors(at) == [] and len(app_successes(at)) == 1
    assert adjustments_on(app_ledger, line) == [*before, (7_000_000, "77/QĐ-BYT"), (7_000_000, "77/QĐ-BYT")]


def test_after_a_reversal_nothing_is_preselected(app_ledger):
    officer_line = line_id(app_ledger, CODE)
    officer = actor_for(app_ledger, "officer")
    first = budget.adjust_line(app_ledger, officer, officer_line, 1_000_000, f"02/03/{YEAR}", "1/QĐ-BYT", "Một")
    budget.adjust_line(app_ledger, officer, officer_line, 2_000_000, f"02/03/{YEAR}", "2/QĐ-BYT", "Hai")
    at = open_line(app_ledger)
    assert at.selectbox(key="rev_adjustment").value is None
    at.selectbox(key="rev_adjustment").set_value(first.id).run()
    assert "1.000.000 đ" in at.checkbox(key="confirm_reverse").label
    at.checkbox(key="confirm_reverse").check()
    at.text_input(key="rev_reason").input("Nhầm quyết định")
    at.button(key="rev_submit").click().run()
    assert app_errors(at) == [] and len(app_successes(at)) == 1
    # Another entry is still reversible: the form comes back with none chosen, no reason and no tick.
    assert at.selectbox(key="rev_adjustment").value is None and at.text_input(key="rev_reason").value == ""
    at.button(key="rev_submit").click().run()
    assert app_errors(at) == [t("ui.pick_entry_first")]
    assert scalar(app_ledger, "SELECT COUNT(*) FROM adjustments WHERE reverses_id IS NOT NULL AND line_id = :l", l=officer_line) == 1


def test_a_refused_payment_keeps_its_tab_values_and_shows_the_refusal_in_it(app_ledger):
    at = start_app(app_ledger, "officer", "pages/payments.py")
    small_line = line_id(app_ledger, "BYT-TT-26-03")
    snapshot = dump(app_ledger)
    at.selectbox(key="p_line").set_value(small_line)
    at.text_input(key="p_voucher").input("C-TT-GIU-1")
    at.text_input(key="p_amount").input(format_amount(10**13))
    submit(at, "Thanh toán")
    assert len(app_errors(at)) == 1 and dump(app_ledger) == snapshot
    # The values typed survive the refusal, and the refusal sits in the payment tab beside the form.
    assert (at.selectbox(key="p_line").value, at.text_input(key="p_voucher").value, at.text_input(key="p_amount").value) == (small_line, "C-TT-GIU-1", format_amount(10**13))
    direct_tab = at.tabs[0]
    assert [e.value for e in direct_tab.error] == app_errors(at)


def test_the_order_list_shows_a_closed_orders_final_value(app_ledger):
    officer = actor_for(app_ledger, "officer")
    cid = _order_on_a_new_line(app_ledger, "DH-CUOI-1", 95_000_000)
    commitments.accept(app_ledger, officer, cid, "NT-CUOI-1", f"01/03/{YEAR}", 80_000_000, "Biên bản")
    commitments.close(app_ledger, officer, cid, "Thanh lý theo nghiệm thu")
    at = start_app(app_ledger, "officer", "pages/commitments.py")
    table = at.dataframe[0].value
    row = table[table["Số hợp đồng"] == "DH-CUOI-1"] if "Số hợp đồng" in table else table[table.iloc[:, 0] == "DH-CUOI-1"]
    assert list(row["Giá trị"]) == ["80.000.000 đ"]  # as the detail shows it, not the original 95.000.000


def test_the_headline_adds_up_and_says_what_each_figure_counts(app_ledger):
    data = dashboard(app_ledger, actor_for(app_ledger, "leader"), DashboardFilters(year=YEAR))
    for figures in (data.headline.nsnn, data.headline.xhh, data.headline.total):
        assert figures.allocated == figures.committed + figures.direct + figures.available
    assert data.headline.of("ALL").direct > 0  # the demo pays some things directly: the old headline did not add up
    at = start_app(app_ledger, "leader", "pages/dashboard.py")
    helps = {m.label: m.help for m in at.metric[:6]}
    assert list(helps) == ["Dự toán", "Đã cam kết", "Chi trực tiếp", "Còn được sử dụng", "Đã chi", "Tỷ lệ giải ngân"]
    assert "Dự toán − Đã cam kết − Chi trực tiếp" in helps["Còn được sử dụng"] and all(helps.values())
    # The unit table: in the chosen money unit, one percent style with the headline.
    table = next(d.value for d in at.dataframe if "Tỷ lệ giải ngân" in d.value.columns)
    assert any(name.endswith("(triệu đồng)") for name in table.columns)
    assert all(re.fullmatch(r"\d+,\d %|–", value) for value in table["Tỷ lệ giải ngân"])


def test_the_press_catalogue_screen_adds_corrects_and_deactivates(app_ledger):
    at = start_app(app_ledger, "officer", "pages/press.py")
    assert at.title[0].value == "Cơ quan báo chí" and len(at.dataframe[0].value) == scalar(app_ledger, "SELECT COUNT(*) FROM press_agencies")
    at.text_input(key="pr_new_code").input("BAO-THU")
    at.text_input(key="pr_new_name").input("Báo Thử Nghiệm")
    submit(at, "Thêm cơ quan báo chí")
    assert app_successes(at) == ["Đã thêm cơ quan báo chí BAO-THU."]
    at.selectbox(key="pr_pick").set_value("BAO-THU").run()
    at.text_input(key="pr_fix_name_BAO-THU").input("Báo Thử Nghiệm Điện Tử")
    submit(at, "Lưu sửa đổi")
    assert scalar(app_ledger, "SELECT name FROM press_agencies WHERE code = 'BAO-THU'") == "Báo Thử Nghiệm Điện Tử"
    at.selectbox(key="pr_pick").set_value("BAO-THU").run()
    at.button(key="pr_toggle_BAO-THU").click().run()
    assert scalar(app_ledger, "SELECT is_active FROM press_agencies WHERE code = 'BAO-THU'") in (False, 0)
    assert [r[0] for r in rows(app_ledger, "SELECT action FROM audit_events WHERE entity_type = 'press_agency' ORDER BY seq DESC LIMIT 3")] == ["press_agency.deactivate", "press_agency.update", "press_agency.create"]
