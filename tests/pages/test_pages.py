"""The screens, driven through Streamlit's AppTest on SQLite and PostgreSQL.

Pages are thin: every figure they show is checked against SQL written here, and every write they
offer is checked in the database (rows and audit events) — or, when refused, checked to have
written nothing while showing the service's sentences.
"""

from __future__ import annotations

import re

import pytest
from conftest import ROOT, actor_for, app_errors, app_metric, app_successes, page_alone, start_app, widget_keys
from sqlalchemy import bindparam, select, text
from streamlit.testing.v1 import AppTest

from ledger import i18n
from ledger.domain.errors import PermissionDenied
from ledger.domain.formatting import format_amount, format_vnd, parse_amount
from ledger.i18n import t
from ledger.queries.lines import LineFilters, line_detail, list_lines
from ledger.queries.users import list_users
from ledger.services.budget import (
    add_line,
    adjust_line,
    reverse_adjustment,
    transfer,
)
from ledger.services.reference import create_unit
from ledger.services.users import create_user, sign_in
from ledger.store.db import Database
from ledger.store.models import BudgetLine, FiscalYear, Policy, Unit, User

LEDGER_PAGES = ["pages/overview.py", "pages/budget_lines.py", "pages/adjustments.py"]
ADMIN_PAGES = ["pages/users.py", "pages/units.py"]
YEAR = 2026
OFFICER_UNITS = ("BYT-TT",)  # the demo officer's unit has no subordinate units
BYT_TREE = ("BYT", "BYT-VP", "BYT-TT", "BYT-KCB")


# --- helpers ------------------------------------------------------------------------------------


def count(database: Database, table: str) -> int:
    with database.read() as session:
        return session.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()


def counts(database: Database) -> dict[str, int]:
    return {name: count(database, name) for name in ("budget_lines", "adjustments", "audit_events", "users", "units")}


def line_id(database: Database, code: str, year: int = YEAR) -> int:
    with database.read() as session:
        return session.scalar(select(BudgetLine.id).where(BudgetLine.year == year, BudgetLine.code == code))


def allocated_in_db(database: Database, code: str, year: int = YEAR) -> int:
    with database.read() as session:
        return session.execute(
            text(
                "SELECT l.original_estimate + COALESCE((SELECT SUM(a.amount) FROM adjustments a WHERE a.line_id = l.id), 0)"
                " FROM budget_lines l WHERE l.year = :year AND l.code = :code"
            ),
            {"year": year, "code": code},
        ).scalar_one()


def events_for(database: Database, entity_type: str, entity_id: int) -> list[str]:
    with database.read() as session:
        return list(
            session.execute(
                text("SELECT action FROM audit_events WHERE entity_type = :t AND entity_id = :i ORDER BY seq"),
                {"t": entity_type, "i": str(entity_id)},
            ).scalars()
        )


def sql_allocation_by_source(database: Database, year: int, unit_codes: tuple[str, ...]) -> dict[str, int]:
    """Σ original estimate + Σ adjustments per source over the given units, written independently of the ledger."""
    estimates = text(
        "SELECT l.source_code, SUM(l.original_estimate) FROM budget_lines l JOIN units u ON u.id = l.unit_id"
        " WHERE l.year = :year AND u.code IN :codes GROUP BY l.source_code"
    ).bindparams(bindparam("codes", expanding=True))
    adjustments = text(
        "SELECT l.source_code, SUM(a.amount) FROM adjustments a JOIN budget_lines l ON l.id = a.line_id"
        " JOIN units u ON u.id = l.unit_id WHERE l.year = :year AND u.code IN :codes GROUP BY l.source_code"
    ).bindparams(bindparam("codes", expanding=True))
    totals = {"NSNN": 0, "XHH": 0}
    with database.read() as session:
        for query in (estimates, adjustments):
            for source, amount in session.execute(query, {"year": year, "codes": list(unit_codes)}):
                totals[source] += int(amount)
    return totals


def add_line_through_form(at: AppTest, code: str, estimate: str, description: str = "Tập huấn truyền thông chính sách"):
    at.text_input(key="line_code").input(code)
    at.text_input(key="line_description").input(description)
    at.text_input(key="line_estimate").input(estimate)
    at.button(key="line_submit").click()
    at.run()


def adjust_through_form(at: AppTest, amount: str, decision: str, reason: str = "") -> None:
    at.text_input(key="adj_amount").input(amount)
    at.text_input(key="adj_decision").input(decision)
    at.text_input(key="adj_reason").input(reason)
    at.button(key="adj_submit").click()
    at.run()


# --- every page under every role ----------------------------------------------------------------


@pytest.mark.parametrize("role", ["officer", "leader", "auditor", "admin"])
def test_every_page_renders_for_every_role(app_ledger, role):
    pages = LEDGER_PAGES + (ADMIN_PAGES if role == "admin" else [])
    seen = {}
    for page in pages:
        at = start_app(app_ledger, role, page)
        seen[page] = at
        assert at.title[0].value  # a heading, and no traceback (checked by start)

    overview = seen["pages/overview.py"]
    assert overview.title[0].value == "Tổng quan"
    assert app_metric(overview, "Tổng dự toán được giao").endswith(" đ")

    lines = seen["pages/budget_lines.py"]
    assert lines.dataframe, "the lines table is shown to every role"
    writer = role == "officer"
    assert ("line_code" in widget_keys(lines.text_input)) is writer
    assert ("line_estimate" in widget_keys(lines.text_input)) is writer
    adjustments = seen["pages/adjustments.py"]
    assert ("tr_amount" in widget_keys(adjustments.text_input)) is writer

    # A line's detail (figures, adjustments, audit trail) is there for everyone; the adjust form only for officers.
    code = "BYT-TT-26-01"
    lines.selectbox(key="line_select").set_value(line_id(app_ledger, code)).run()
    assert not lines.exception
    assert app_metric(lines, "Dự toán được giao") == format_vnd(allocated_in_db(app_ledger, code))
    events = lines.dataframe[-1].value
    assert list(events.columns) == ["Số thứ tự", "Thời điểm (giờ Việt Nam)", "Người thực hiện", "Thao tác", "Mã băm"]
    assert "Dòng dự toán – tạo mới" in set(events["Thao tác"])  # issue 10: in the reader's words, Vietnam time
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in events["Mã băm"])
    assert ("adj_amount" in widget_keys(lines.text_input)) is writer
    assert ("adj_decision" in widget_keys(lines.text_input)) is writer

    if role == "admin":
        users = seen["pages/users.py"]
        listed = set(users.dataframe[0].value["Tên đăng nhập"])
        assert {"admin", "officer", "leader", "auditor"} <= listed
        assert {"user_username", "user_password"} <= widget_keys(users.text_input)
        units = seen["pages/units.py"]
        assert [c.strip() for c in units.dataframe[0].value["Mã đơn vị"]][:2] == ["QG", "BYT"]
        assert len(units.dataframe[0].value) == count(app_ledger, "units")
        assert {"unit_code", "policy_code"} <= widget_keys(units.text_input)
    else:
        # The menu does not offer the admin screens …
        at = start_app(app_ledger, role)
        for page in ADMIN_PAGES:
            with pytest.raises(ValueError):
                at.switch_page(page)
        # … and opened directly, they refuse and show nothing.
        for page in ADMIN_PAGES:
            alone = page_alone(app_ledger, page, role)
            assert app_errors(alone) == ["Trang này chỉ dành cho quản trị viên."]
            assert not alone.dataframe
            assert not alone.text_input


def test_read_only_roles_are_refused_by_the_services(app_ledger):
    """What the screens do not offer, the services refuse anyway, writing nothing."""
    before = counts(app_ledger)
    line = line_id(app_ledger, "BYT-TT-26-01")
    other = line_id(app_ledger, "BYT-TT-26-03")
    with app_ledger.read() as session:
        posted = session.execute(text("SELECT MIN(id) FROM adjustments")).scalar_one()
    for role in ("leader", "auditor", "admin"):
        actor = actor_for(app_ledger, role)
        attempts = [
            lambda actor=actor: add_line(
                app_ledger,
                actor,
                code="X-1",
                year=YEAR,
                unit_code="BYT-TT",
                description="x",
                category="KHAC",
                source="NSNN",
                original_estimate="1.000.000",
            ),
            lambda actor=actor: adjust_line(app_ledger, actor, line, "1.000.000", f"01/02/{YEAR}", "1/QĐ"),
            lambda actor=actor: transfer(app_ledger, actor, line, other, "1.000.000", f"01/02/{YEAR}", "1/QĐ"),
            lambda actor=actor: reverse_adjustment(app_ledger, actor, posted, "thử"),
        ]
        for call in attempts:
            with pytest.raises(PermissionDenied):
                call()
    officer = actor_for(app_ledger, "officer")
    with pytest.raises(PermissionDenied):  # outside the officer's unit
        add_line(
            app_ledger,
            officer,
            code="HNI-X",
            year=YEAR,
            unit_code="HNI",
            description="x",
            category="KHAC",
            source="NSNN",
            original_estimate="1.000.000",
        )
    with pytest.raises(PermissionDenied):
        list_users(app_ledger, officer)
    with pytest.raises(PermissionDenied):
        create_user(app_ledger, officer, "moi.nguoi", "officer", "abcd", unit_code="BYT-TT")
    with pytest.raises(PermissionDenied):
        create_unit(app_ledger, officer, code="NEW", name="Mới", parent_code="BYT-TT")
    assert counts(app_ledger) == before


# --- overview -----------------------------------------------------------------------------------


def test_overview_equals_independent_sql(app_ledger):
    officer = start_app(app_ledger, "officer")
    expected = sql_allocation_by_source(app_ledger, YEAR, OFFICER_UNITS)
    assert expected["NSNN"] > 0 and expected["XHH"] > 0
    assert app_metric(officer, "Dự toán NSNN") == format_vnd(expected["NSNN"])
    assert app_metric(officer, "Dự toán XHH") == format_vnd(expected["XHH"])
    assert app_metric(officer, "Tổng dự toán được giao") == format_vnd(expected["NSNN"] + expected["XHH"])
    pivot = officer.dataframe[0].value
    assert list(pivot["Nhóm chi"]) == ["Đặt hàng báo chí", "Đào tạo, bồi dưỡng", "Dịch vụ CNTT", "Khác", "Tổng cộng"]
    total_row = pivot.iloc[-1]
    assert total_row["Ngân sách nhà nước"] == format_vnd(expected["NSNN"])
    assert total_row["Xã hội hóa"] == format_vnd(expected["XHH"])
    detail = officer.dataframe[1].value
    assert len(detail) == 4 * 2 + 1  # every category × source, then the total
    with app_ledger.read() as session:
        lines = session.execute(
            text(
                "SELECT COUNT(*) FROM budget_lines l JOIN units u ON u.id = l.unit_id WHERE l.year = :y AND u.code = 'BYT-TT'"
            ),
            {"y": YEAR},
        ).scalar_one()
    assert app_metric(officer, "Số dòng dự toán") == format_amount(lines)

    # The leader reads the whole country; narrowed to the ministry, the figures are its subtree's.
    leader = start_app(app_ledger, "leader", "pages/overview.py")  # leaders land on the dashboard
    everything = sql_allocation_by_source(app_ledger, YEAR, tuple(_all_unit_codes(app_ledger)))
    assert app_metric(leader, "Tổng dự toán được giao") == format_vnd(sum(everything.values()))
    leader.selectbox(key="overview_unit").set_value("BYT").run()
    ministry = sql_allocation_by_source(app_ledger, YEAR, BYT_TREE)
    assert app_metric(leader, "Dự toán NSNN") == format_vnd(ministry["NSNN"])
    assert app_metric(leader, "Tổng dự toán được giao") == format_vnd(sum(ministry.values()))
    leader.selectbox(key="overview_year").set_value(2025).run()
    earlier = sql_allocation_by_source(app_ledger, 2025, BYT_TREE)
    assert app_metric(leader, "Tổng dự toán được giao") == format_vnd(sum(earlier.values()))


def _all_unit_codes(database: Database) -> list[str]:
    with database.read() as session:
        return list(session.scalars(select(Unit.code)))


# --- budget lines: add, adjust, reverse ---------------------------------------------------------


def test_officer_adds_adjusts_and_reverses_a_line(app_ledger):
    at = start_app(app_ledger, "officer", "pages/budget_lines.py")
    before = counts(app_ledger)
    add_line_through_form(at, "BYT-TT-26-09", "1.234.567")
    assert app_errors(at) == []
    assert app_successes(at) == ["Đã thêm dòng BYT-TT-26-09 năm 2026; dự toán được giao: 1.234.567 đ."]
    with app_ledger.read() as session:
        line = session.scalars(select(BudgetLine).where(BudgetLine.code == "BYT-TT-26-09")).one()
        assert line.original_estimate == 1_234_567 and isinstance(line.original_estimate, int)
        assert (line.year, line.unit.code, line.created_by) == (YEAR, "BYT-TT", "officer")
        new_id = line.id
    assert events_for(app_ledger, "budget_line", new_id) == ["budget_line.create"]
    assert count(app_ledger, "budget_lines") == before["budget_lines"] + 1
    assert at.text_input(key="line_code").value == ""  # the form starts empty again

    # The new line is in the table and can be opened.
    at.text_input(key="lines_search").input("BYT-TT-26-09").run()
    table = at.dataframe[0].value
    assert list(table["Mã dòng"]) == ["BYT-TT-26-09"]
    assert list(table["Dự toán được giao"]) == ["1.234.567 đ"]
    at.selectbox(key="line_select").set_value(new_id).run()
    assert app_metric(at, "Dự toán được giao") == "1.234.567 đ"

    adjust_through_form(at, "+250.000", "12/QĐ-BYT", "Bổ sung theo quyết định")
    assert app_errors(at) == []
    assert app_successes(at) == ["Đã ghi điều chỉnh 250.000 đ cho dòng BYT-TT-26-09; dự toán được giao nay là 1.484.567 đ."]
    assert app_metric(at, "Dự toán được giao") == "1.484.567 đ"
    assert allocated_in_db(app_ledger, "BYT-TT-26-09") == 1_484_567
    with app_ledger.read() as session:
        adjustment_id, amount, decision = session.execute(
            text("SELECT id, amount, decision_no FROM adjustments WHERE line_id = :l"), {"l": new_id}
        ).one()
    assert (amount, decision) == (250_000, "12/QĐ-BYT")
    assert events_for(app_ledger, "adjustment", adjustment_id) == ["adjustment.post"]
    shown = at.dataframe[1].value
    assert list(shown["Số tiền"]) == ["250.000 đ"]

    # Reversal (issue 10): nothing is pre-selected and nothing is reversed without a pick and a tick
    # that names the entry; the reason is required; then an opposite entry points to the original.
    assert at.selectbox(key="rev_adjustment").value is None
    at.button(key="rev_submit").click().run()
    assert app_errors(at) == [t("ui.pick_entry_first")]
    at.selectbox(key="rev_adjustment").set_value(adjustment_id).run()
    at.button(key="rev_submit").click().run()
    assert app_errors(at) == [t("ui.confirm_needed")]
    assert "250.000 đ" in at.checkbox(key="confirm_reverse").label
    at.checkbox(key="confirm_reverse").check()
    at.button(key="rev_submit").click().run()
    assert app_errors(at) == [t("text.required", what="lý do")]
    at.text_input(key="rev_reason").input("Nhập nhầm quyết định")
    at.button(key="rev_submit").click().run()
    assert app_successes(at) == [f"Đã đảo điều chỉnh #{adjustment_id}; dự toán được giao của dòng nay là 1.234.567 đ."]
    assert allocated_in_db(app_ledger, "BYT-TT-26-09") == 1_234_567
    history = at.dataframe[1].value
    assert list(history["Đã bị đảo"]) == ["✓", ""]
    assert list(history["Loại bút toán"]) == ["Điều chỉnh", f"Đảo bút toán #{adjustment_id}"]
    assert "rev_submit" not in widget_keys(at.button)  # nothing left to reverse


@pytest.mark.parametrize(
    "estimate",
    ["-5.000.000", "1.234,5", "abc", "2.000.000.000.000.000", ""],
    ids=["negative", "fractional", "text", "over-1e15", "missing"],
)
def test_bad_estimates_show_sentences_and_write_nothing(app_ledger, estimate):
    at = start_app(app_ledger, "officer", "pages/budget_lines.py")
    before = counts(app_ledger)
    add_line_through_form(at, "BYT-TT-26-10", estimate)
    assert app_errors(at) == [parse_amount(estimate, field="original_estimate")[1].message("vi")]
    assert app_successes(at) == []
    assert counts(app_ledger) == before


def test_bad_line_fields_show_every_problem_and_write_nothing(app_ledger):
    at = start_app(app_ledger, "officer", "pages/budget_lines.py")
    before = counts(app_ledger)
    add_line_through_form(at, "BYT-TT-26-01", "100.000.000")  # the code is taken in 2026
    assert app_errors(at) == [t("line.exists", code="BYT-TT-26-01", year=YEAR)]
    add_line_through_form(at, "mã có dấu", "1.5", description="")
    assert app_errors(at) == [
        t("code.format", what="mã dòng", limit=32, value="mã có dấu"),
        t("text.required", what="nội dung"),
        t("amount.not_integer", value="1.5"),
    ]
    assert counts(app_ledger) == before


def test_bad_adjustments_show_sentences_and_write_nothing(app_ledger):
    code = "BYT-TT-26-02"
    allocated = allocated_in_db(app_ledger, code)
    used = line_detail(app_ledger, actor_for(app_ledger, "officer"), line_id(app_ledger, code)).used
    assert allocated > used >= 0
    at = start_app(app_ledger, "officer", "pages/budget_lines.py")
    at.selectbox(key="line_select").set_value(line_id(app_ledger, code)).run()
    assert app_metric(at, "Đã cam kết và chi") == format_vnd(used)
    before = counts(app_ledger)
    too_large = "3.000.000.000.000.000"
    below_zero = format_amount(-(allocated + 1))
    cases = [
        ("100.000", "", [t("adjustment.decision_required")]),
        ("abc", "5/QĐ", [t("amount.not_integer", value="abc")]),
        ("1.234,5", "5/QĐ", [t("amount.fractional", value="1.234,5")]),
        ("0", "5/QĐ", [t("amount.zero")]),
        (too_large, "5/QĐ", [t("amount.too_large", value=too_large, limit=format_amount(10**15))]),
        (below_zero, "5/QĐ", [t("line.below_zero", line=code, amount=below_zero, allocated=format_amount(-1))]),
    ]
    if used > 0:
        below_used = format_amount(-(allocated - used + 1))
        cases.append(
            (
                below_used,
                "5/QĐ",
                [t("line.below_used", line=code, allocated=format_amount(used - 1), used=format_amount(used))],
            )
        )
    for amount, decision, expected in cases:
        adjust_through_form(at, amount, decision)
        assert app_errors(at) == expected, amount
        assert app_successes(at) == []
    assert counts(app_ledger) == before
    assert app_metric(at, "Dự toán được giao") == format_vnd(allocated)
    # Bringing the allocation down exactly to what is used is allowed: that is the floor.
    adjust_through_form(at, format_amount(-(allocated - used)), "6/QĐ")
    assert app_errors(at) == []
    assert allocated_in_db(app_ledger, code) == used
    assert app_metric(at, "Dự toán được giao") == format_vnd(used)


# --- adjustments page: transfers ----------------------------------------------------------------


def test_officer_transfers_between_lines(app_ledger):
    source, target, xhh = "BYT-TT-26-01", "BYT-TT-26-03", "BYT-TT-26-04"
    a, b = allocated_in_db(app_ledger, source), allocated_in_db(app_ledger, target)
    at = start_app(app_ledger, "officer", "pages/adjustments.py")
    shown = at.dataframe[0].value
    with app_ledger.read() as session:
        in_scope = session.execute(
            text(
                "SELECT COUNT(*) FROM adjustments a JOIN budget_lines l ON l.id = a.line_id JOIN units u ON u.id = l.unit_id"
                " WHERE l.year = :y AND u.code = 'BYT-TT'"
            ),
            {"y": YEAR},
        ).scalar_one()
    assert len(shown) == in_scope
    before = counts(app_ledger)

    def submit(from_code: str, to_code: str, amount: str, decision: str) -> None:
        at.selectbox(key="tr_from").set_value(line_id(app_ledger, from_code))
        at.selectbox(key="tr_to").set_value(line_id(app_ledger, to_code))
        at.text_input(key="tr_amount").input(amount)
        at.text_input(key="tr_decision").input(decision)
        at.button(key="tr_submit").click()
        at.run()

    submit(source, xhh, "5.000.000", "9/QĐ-BYT")
    assert app_errors(at) == [t("transfer.source", a="NSNN", b="XHH")]
    submit(source, source, "5.000.000", "9/QĐ-BYT")
    assert app_errors(at) == [t("transfer.same_line")]
    submit(source, target, "-5.000.000", "9/QĐ-BYT")
    assert app_errors(at) == [t("amount.negative", value="-5.000.000")]
    submit(source, target, "5.000.000", "")
    assert app_errors(at) == [t("adjustment.decision_required")]
    assert counts(app_ledger) == before

    submit(source, target, "5.000.000", "9/QĐ-BYT")
    assert app_errors(at) == []
    assert len(app_successes(at)) == 1
    assert allocated_in_db(app_ledger, source) == a - 5_000_000
    assert allocated_in_db(app_ledger, target) == b + 5_000_000
    after = counts(app_ledger)
    assert after["adjustments"] == before["adjustments"] + 2
    assert after["audit_events"] == before["audit_events"] + 2
    with app_ledger.read() as session:
        keys_, total = session.execute(
            text(
                "SELECT COUNT(DISTINCT transfer_key), SUM(amount) FROM adjustments"
                " WHERE id > (SELECT MAX(id) - 2 FROM adjustments)"
            )
        ).one()
    assert (keys_, total) == (1, 0)
    assert len(at.dataframe[0].value) == in_scope + 2


# --- language, first run, sign-in ---------------------------------------------------------------


def test_english_switch(app_ledger):
    at = start_app(app_ledger, "officer")
    assert at.title[0].value == "Tổng quan"
    at.radio(key="lang").set_value("en").run()
    assert at.title[0].value == "Overview"
    assert app_metric(at, "Total allocated").endswith(" đ")
    assert "Category" in at.dataframe[0].value.columns
    at.switch_page("pages/budget_lines.py").run()
    assert at.title[0].value == "Budget lines"
    assert at.text_input(key="line_estimate").label == "Original estimate (đồng)"
    add_line_through_form(at, "BYT-TT-26-11", "abc")
    assert app_errors(at) == ["The amount must be a whole number of đồng (value given: abc)."]
    at.switch_page("pages/adjustments.py").run()
    assert at.title[0].value == "Adjustments"
    assert at.button(key="tr_submit").label == "Post transfer"


def test_every_screen_label_has_vietnamese_and_english():
    used = set()
    for name in ("overview", "budget_lines", "adjustments", "users", "units", "common", "setup", "sign_in"):
        path = ROOT / "pages" / f"{name}.py"
        used |= set(re.findall(r"""t\(\s*f?["'](ui\.[a-z0-9_]+)""", path.read_text(encoding="utf-8")))
    dynamic = {key for key in used if key.endswith("_")}
    screen_text = i18n.keys("vi") & i18n.keys("en")  # keys with a text of their own in both languages
    missing = sorted(key for key in used - dynamic if key not in screen_text)
    assert missing == []
    for prefix in dynamic:
        assert any(key.startswith(prefix) for key in screen_text), prefix
    assert i18n.keys("vi") == i18n.keys("en")  # every text exists in both languages


def test_setup_creates_the_first_admin(app_empty_ledger):
    from ledger.services import setup

    at = start_app(app_empty_ledger)
    assert at.title[0].value == "Khởi tạo hệ thống"
    at.text_input(key="setup_password").input("bi-mat-khoi-tao-1")
    at.text_input(key="setup_password_again").input("bi-mat-khoi-tao-2")
    at.button[0].click().run()
    assert app_errors(at) == ["Hai mật khẩu không khớp."]
    assert count(app_empty_ledger, "users") == 0
    # Issue 10: without the console's one-time set-up code nobody becomes administrator.
    at.text_input(key="setup_password_again").input("bi-mat-khoi-tao-1")
    at.button[0].click().run()
    assert app_errors(at) == [t("setup.no_code")] and count(app_empty_ledger, "users") == 0
    code = setup.issue(app_empty_ledger)
    at.text_input(key="setup_code").input("ABCD-EFGH-JKLM")
    at.button[0].click().run()
    assert app_errors(at) == [t("setup.code_wrong")] and count(app_empty_ledger, "users") == 0
    at.text_input(key="setup_code").input(code.lower())
    at.button[0].click().run()
    at.run()
    assert app_errors(at) == []
    with app_empty_ledger.read() as session:
        admin = session.scalars(select(User)).one()
        assert (admin.username, admin.role, admin.is_active) == ("admin", "admin", True)
        assert session.get(FiscalYear, _this_year()) is not None
    assert at.session_state["actor"].username == "admin"
    assert at.title[0].value == "Tổng quan"
    assert sign_in(app_empty_ledger, "admin", "bi-mat-khoi-tao-1").role == "admin"
    assert count(app_empty_ledger, "setup_codes") == 0  # spent


def _this_year() -> int:
    import datetime as dt

    return dt.date.today().year


def test_sign_in_refuses_unknown_user_and_wrong_password_alike(app_ledger):
    at = start_app(app_ledger)
    assert at.title[0].value == t("ui.app_title")

    def attempt(username: str, password: str) -> list[str]:
        at.text_input(key="sign_in_username").input(username)
        at.text_input(key="sign_in_password").input(password)
        at.button[0].click().run()
        return app_errors(at)

    unknown = attempt("khong-co-ai", "demo")
    wrong = attempt("officer", "sai-mat-khau")
    assert unknown == wrong == ["Tên đăng nhập hoặc mật khẩu không đúng."]
    assert "actor" not in at.session_state
    assert attempt("officer", "demo") == []
    at.run()
    assert at.session_state["actor"].username == "officer"
    assert at.title[0].value == "Tổng quan"


# --- administration -----------------------------------------------------------------------------


def test_admin_manages_users(app_ledger):
    at = start_app(app_ledger, "admin", "pages/users.py")
    before = counts(app_ledger)
    at.text_input(key="user_username").input("X!")
    at.text_input(key="user_password").input("ab")
    at.button(key="user_submit").click().run()
    assert app_errors(at) == [
        t("user.username"),
        t("user.unit_required", role="officer"),
        t("user.password_short", limit=12),
    ]
    assert counts(app_ledger) == before

    at.text_input(key="user_username").input("ketoan.hni")
    at.text_input(key="user_full_name").input("Phạm Thu Hà")
    at.selectbox(key="user_unit").set_value("HNI")
    at.text_input(key="user_password").input("mat-khau-dai-so-1")
    at.button(key="user_submit").click().run()
    assert app_successes(at) == ["Đã tạo người dùng ketoan.hni."]
    assert "ketoan.hni" in set(at.dataframe[0].value["Tên đăng nhập"])
    assert sign_in(app_ledger, "ketoan.hni", "mat-khau-dai-so-1").role == "officer"

    at.selectbox(key="edit_user").set_value("ketoan.hni").run()
    at.selectbox(key="edit_role_ketoan.hni").set_value("leader")
    at.button(key="edit_submit_ketoan.hni").click().run()
    assert app_successes(at) == ["Đã cập nhật người dùng ketoan.hni."]
    at.text_input(key="reset_password_ketoan.hni").input("mat-khau-dai-so-2")
    at.button(key="reset_submit_ketoan.hni").click().run()
    assert app_successes(at) == ["Đã đặt lại mật khẩu của ketoan.hni."]
    assert sign_in(app_ledger, "ketoan.hni", "mat-khau-dai-so-2").role == "leader"

    # The last administrator cannot be locked out.
    at.selectbox(key="edit_user").set_value("admin").run()
    at.checkbox(key="edit_active_admin").uncheck()
    at.button(key="edit_submit_admin").click().run()
    assert app_errors(at) == [t("ui.confirm_needed")]  # issue 10: locking someone out asks first
    assert "admin" in at.checkbox(key="confirm_lock_admin").label
    at.checkbox(key="confirm_lock_admin").check()
    at.button(key="edit_submit_admin").click().run()
    assert app_errors(at) == [t("user.last_admin")]
    with app_ledger.read() as session:
        user = session.scalars(select(User).where(User.username == "ketoan.hni")).one()
        assert (user.role, user.unit.code) == ("leader", "HNI")
        actions = (
            session.execute(
                text("SELECT action FROM audit_events WHERE entity_type = 'user' AND entity_id = :i ORDER BY seq"),
                {"i": str(user.id)},
            )
            .scalars()
            .all()
        )
        assert actions == ["user.create", "user.update", "user.password_reset"]
        assert session.scalars(select(User).where(User.username == "admin")).one().is_active


def test_admin_manages_units_years_and_policies(app_ledger):
    at = start_app(app_ledger, "admin", "pages/units.py")
    before = counts(app_ledger)
    at.text_input(key="unit_code").input("HNI")
    at.text_input(key="unit_name").input("Trùng mã")
    at.text_input(key="unit_chapter").input("9999")
    at.button(key="unit_submit").click().run()
    assert app_errors(at) == [t("chapter.format", value="9999"), t("unit.exists", value="HNI")]
    assert counts(app_ledger) == before

    at.text_input(key="unit_code").input("HNI-STTTT")
    at.text_input(key="unit_name").input("Sở Văn hóa và Thể thao Hà Nội")
    at.text_input(key="unit_chapter").input("401")
    at.selectbox(key="unit_parent").set_value("HNI")
    at.button(key="unit_submit").click().run()
    assert app_successes(at) == ["Đã thêm đơn vị HNI-STTTT."]
    codes = [c.strip() for c in at.dataframe[0].value["Mã đơn vị"]]
    assert codes.index("HNI-STTTT") == codes.index("HNI") + 1  # shown under its parent

    at.selectbox(key="edit_unit").set_value("HNI-STTTT").run()
    at.text_input(key="edit_unit_name_HNI-STTTT").input("Sở Văn hóa và Thể thao thành phố Hà Nội")
    at.selectbox(key="edit_unit_control_HNI-STTTT").set_value("warn")
    at.button(key="edit_unit_submit_HNI-STTTT").click().run()
    assert app_successes(at) == ["Đã cập nhật đơn vị HNI-STTTT."]

    assert at.number_input(key="new_year").value == 2027
    at.button(key="open_year_submit").click().run()
    assert app_successes(at) == ["Đã mở năm ngân sách 2027."]
    # An open year offers no flag to flip: it closes by the year-end run (page Year end), after a
    # confirmation that names its amounts; a closed year reopens only by a decision with a reason.
    assert "year_toggle_2025" not in widget_keys(at.button)
    year_end = start_app(app_ledger, "admin", "pages/year_end.py")
    year_end.selectbox(key="ye_year").set_value(2025).run()
    year_end.text_input(key="ye_decision").input("QĐ-KS-2025")
    year_end.button(key="ye_apply").click().run()
    assert app_errors(year_end) == [t("ui.ye_confirm_needed")]
    year_end.checkbox(key="ye_confirm").check()
    year_end.button(key="ye_apply").click().run()
    assert len(app_successes(year_end)) == 1 and app_successes(year_end)[0].startswith("Đã khóa sổ năm 2025: chuyển nguồn")
    assert app_errors(year_end) == []

    at.text_input(key="policy_code").input("HNI-CDS")
    at.text_input(key="policy_name").input("Chuyển đổi số thành phố Hà Nội")
    at.selectbox(key="policy_owner").set_value("HNI")
    at.button(key="policy_submit").click().run()
    assert app_successes(at) == ["Đã thêm chính sách HNI-CDS."]

    with app_ledger.read() as session:
        unit = session.scalars(select(Unit).where(Unit.code == "HNI-STTTT")).one()
        assert (unit.name, unit.parent.code, unit.chapter_code, unit.commitment_control) == (
            "Sở Văn hóa và Thể thao thành phố Hà Nội",
            "HNI",
            "401",
            "warn",
        )
        assert session.get(FiscalYear, 2027).is_open and not session.get(FiscalYear, 2025).is_open
        policy = session.scalars(select(Policy).where(Policy.code == "HNI-CDS")).one()
        assert session.get(Unit, policy.owner_unit_id).code == "HNI"
    # A closed year refuses new lines: the page shows the service's sentence.
    officer = start_app(app_ledger, "officer", "pages/budget_lines.py")
    officer.selectbox(key="line_year").set_value(2025)
    add_line_through_form(officer, "BYT-TT-25-09", "1.000.000")
    assert app_errors(officer) == [t("year.closed", year=2025)]
    assert not list_lines(app_ledger, actor_for(app_ledger, "officer"), LineFilters(year=2025, search="BYT-TT-25-09"))
