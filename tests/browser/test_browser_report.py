"""Real-browser test of the report to the Ministry: an officer of BYT prepares its report's text, a
leader of BYT submits it, and the national leader sees BYT as submitted (late: the 2025 deadline was
31/03/2026) with its figures, next to the demo's HNI (on time) and HCM (late), and downloads the consolidated annex, whose totals match the ledger.
"""

from __future__ import annotations

import openpyxl
import pytest
from sqlalchemy import text
from test_browser import (  # noqa: F401
    app,
    browser,
    choose,
    click_tab,
    expect,
    expect_metric,
    open_page,
    page,
    scalar,
    sign_in,
    wait_idle,
)

from ledger.services.users import create_user
from ledger.store.access import SYSTEM
from ledger.store.db import Database

pytestmark = pytest.mark.browser
TITLE = "Báo cáo Bộ"
YEAR = 2025


def _users(url: str) -> None:
    db = Database(url)
    try:
        create_user(db, SYSTEM, "of-byt", "officer", "demo", unit_code="BYT")
        create_user(db, SYSTEM, "ld-byt", "leader", "demo", unit_code="BYT")
    finally:
        db.dispose()


def select_rows(url: str, sql: str) -> list[tuple]:
    db = Database(url)
    try:
        with db.engine.connect() as connection:
            return [tuple(r) for r in connection.execute(text(sql))]
    finally:
        db.dispose()


def _open(tab, unit: str | None = None) -> None:
    open_page(tab, TITLE)
    choose(tab, "Năm ngân sách", str(YEAR))
    if unit:
        choose(tab, "Đơn vị", unit)
    wait_idle(tab)


def test_officer_prepares_leader_submits_national_leader_consolidates(page, demo_url, tmp_path):  # noqa: F811
    _users(demo_url)
    sign_in(page, "of-byt")
    _open(page, "BYT")
    click_tab(page, "Chuẩn bị và nộp")
    page.get_by_role("textbox", name="Khó khăn, vướng mắc", exact=True).fill("Thiếu cán bộ chuyên trách ở các Cục.")
    page.get_by_role("button", name="Lưu nội dung báo cáo").click()
    expect()(page.get_by_text("Đã lưu nội dung và thông tin báo cáo.")).to_be_visible()
    page.get_by_role("button", name="Đăng xuất").click()

    sign_in(page, "ld-byt")
    _open(page, "BYT")
    click_tab(page, "Chuẩn bị và nộp")
    page.get_by_role("button", name="Nộp báo cáo").click()
    expect()(page.get_by_text("Đã nộp báo cáo BYT, phiên bản 2.")).to_be_visible()  # the demo submitted version 1
    assert select_rows(demo_url, "SELECT year, version, late FROM report_versions WHERE submitted_by = 'ld-byt'") == [(YEAR, 2, True)]
    page.get_by_role("button", name="Đăng xuất").click()

    sign_in(page, "leader")
    _open(page)
    click_tab(page, "Tổng hợp đơn vị")
    expect_metric(page, "Đơn vị trực thuộc đã nộp", "3/4")  # BYT, and the demo's HNI and HCM
    table = page.locator('[data-testid="stDataFrame"]:visible').first
    expect()(table).to_be_visible()
    expect()(page.locator('[data-testid="stPlotlyChart"]:visible').first).to_be_visible()
    click_tab(page, "Tệp báo cáo")
    with page.expect_download() as info:
        page.get_by_role("button", name="Tải phụ lục (.xlsx)").first.click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    book = openpyxl.load_workbook(path)
    rows = list(book["Tổng hợp đơn vị"].iter_rows(values_only=True))
    header, body, total = rows[0], rows[1:-1], rows[-1]
    col = {h: i for i, h in enumerate(header)}
    byt = next(r for r in body if r[0] == "BYT")
    assert byt[col["Trạng thái báo cáo"]] == "Nộp muộn" and byt[col["Ngày nộp"]]
    assert total[col["Trạng thái báo cáo"]] == "3/4"
    paid = scalar(demo_url, "SELECT COALESCE(SUM(amount), 0) FROM payments WHERE year = :y", y=YEAR)
    assert total[col["Đã chi"]] == paid == sum(r[col["Đã chi"]] for r in body)
    byt_paid = scalar(
        demo_url,
        "SELECT COALESCE(SUM(p.amount), 0) FROM payments p JOIN budget_lines l ON l.id = p.line_id JOIN units u ON u.id = l.unit_id"
        " LEFT JOIN units up ON up.id = u.parent_id WHERE p.year = :y AND (u.code = 'BYT' OR up.code = 'BYT')", y=YEAR,
    )
    assert byt[col["Đã chi"]] == byt_paid
