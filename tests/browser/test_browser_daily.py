"""Safe and readable daily work in a real browser (issue 10, "Done when"): Debian's chromium against
`streamlit run`, doing what a person does and reading what they would see.

A double click on "Ghi điều chỉnh" posts one entry; a reversal never targets a pre-selected entry;
a confirmation names what it will do; a refused payment keeps its tab and its values; the drill-down
of "VTV × paid" lists exactly VTV's payments and their total, with no raw code or None; the set-up
screen refuses a wrong set-up code.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from browser_support import AppServer
from conftest import actor_for
from test_browser import app, browser, choose, click_tab, expect, open_page, scalar, sign_in, wait_idle  # noqa: F401 (fixtures)

from ledger.domain.formatting import format_vnd
from ledger.services import budget, commitments
from ledger.services import setup as setup_service
from ledger.store.db import Database

pytestmark = pytest.mark.browser
YEAR = 2026
RAW = ("TAM_UNG", "THANH_TOAN", "voucher_no", "press_agency", "None", "signed", "closed")


@pytest.fixture
def page(browser, app):  # noqa: F811 - at 1366 px wide, where the walk-through found cut texts
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN")
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    tab.goto(app.url)
    yield tab
    context.close()


def with_db(url: str, action):
    db = Database(url)
    try:
        return action(db)
    finally:
        db.dispose()


def test_a_double_click_posts_one_adjustment_and_no_reversal_target_is_preselected(page, demo_url):
    line = "BYT-TT-26-01"
    sign_in(page, "officer")
    open_page(page, "Dòng dự toán")
    choose(page, "Chọn dòng dự toán", line)
    page.get_by_role("textbox", name="Số tiền điều chỉnh (+ bổ sung / − giảm)", exact=True).fill("3.000.000")
    page.get_by_role("textbox", name="Số quyết định", exact=True).fill("901/QĐ-BYT")
    page.get_by_role("textbox", name="Lý do", exact=True).first.fill("Bổ sung")
    page.get_by_role("button", name="Ghi điều chỉnh").dblclick()
    # The first click posts; the second, carrying the same values, is held back: either it reached
    # the token (nothing said) or the identical-entry check, which says when the first was posted.
    posted = page.get_by_text(re.compile(r"Đã ghi điều chỉnh 3\.000\.000 đ|giống hệt .* vừa được ghi lúc"))
    expect()(posted.first).to_be_visible()
    wait_idle(page)
    assert scalar(demo_url, "SELECT COUNT(*) FROM adjustments WHERE decision_no = '901/QĐ-BYT'") == 1
    # The reversal form picks nothing by itself: pressing it reverses nothing and says why.
    target = page.get_by_role("combobox", name="Điều chỉnh cần đảo", exact=True)
    expect()(target).to_be_visible()
    expect()(target).to_have_value("")
    expect()(target).to_have_attribute("placeholder", "Chọn bút toán cần đảo")
    page.get_by_role("button", name="Đảo bút toán").click()
    expect()(page.get_by_text("Chưa ghi: hãy chọn bút toán cần đảo.")).to_be_visible()
    assert scalar(demo_url, "SELECT COUNT(*) FROM adjustments a JOIN budget_lines l ON l.id = a.line_id WHERE l.code = :c AND a.reverses_id IS NOT NULL", c=line) == 0


def _signed_order(url: str, reference: str, value: int, accepted: int = 0) -> int:
    def make(db):
        officer = actor_for(db, "officer")
        line = budget.add_line(db, officer, code=f"L-{reference}", year=YEAR, unit_code="BYT-TT", description="Dòng thử trình duyệt", category="BAO_CHI", source="NSNN", original_estimate=200_000_000)
        order = commitments.create_order(db, officer, year=YEAR, reference=reference, line=line.id, press_agency="SKDS", description="Thử trình duyệt", value=value)
        if accepted:
            commitments.sign(db, officer, order.id, dt.date(YEAR, 2, 1))
            commitments.accept(db, officer, order.id, f"NT-{reference}", dt.date(YEAR, 2, 2), accepted, "Biên bản")
        return order.id

    return with_db(url, make)


def test_signing_names_what_it_will_do_and_waits_for_the_tick(page, demo_url):
    _signed_order(demo_url, "HD-XAC-NHAN-1", 45_000_000)
    sign_in(page, "officer")
    open_page(page, "Đặt hàng, đào tạo, CNTT")
    choose(page, "Mở hợp đồng / khóa học", "HD-XAC-NHAN-1")
    tick = page.get_by_text(re.compile(r"^Tôi xác nhận ký HD-XAC-NHAN-1: giữ 45\.000\.000 đ trên dòng L-HD-XAC-NHAN-1"))
    expect()(tick).to_be_visible()
    page.get_by_role("button", name="Ký hợp đồng").click()
    expect()(page.get_by_text(re.compile("bước này không làm lại được"))).to_be_visible()
    assert scalar(demo_url, "SELECT COUNT(*) FROM commitments WHERE reference = 'HD-XAC-NHAN-1' AND status = 'draft'") == 1
    tick.click()
    page.get_by_role("button", name="Ký hợp đồng").click()
    expect()(page.get_by_text("Đã ký HD-XAC-NHAN-1.")).to_be_visible()
    assert scalar(demo_url, "SELECT COUNT(*) FROM commitments WHERE reference = 'HD-XAC-NHAN-1' AND status = 'signed'") == 1


def test_a_refused_payment_keeps_its_tab_and_its_values(page, demo_url):
    _signed_order(demo_url, "HD-GIU-TAB-1", 40_000_000, accepted=10_000_000)
    sign_in(page, "officer")
    open_page(page, "Đặt hàng, đào tạo, CNTT")
    choose(page, "Mở hợp đồng / khóa học", "HD-GIU-TAB-1")
    click_tab(page, "Thanh toán")
    panel = page.get_by_role("tabpanel", name="Thanh toán")
    panel.get_by_role("textbox", name="Số chứng từ", exact=True).fill("TT-GIU-1")
    panel.get_by_role("textbox", name="Số tiền", exact=True).fill("25.000.000")  # more than accepted
    panel.get_by_role("button", name="Thanh toán").click()
    expect()(page.get_by_text(re.compile("không thể thanh toán thêm 25\\.000\\.000 đ"))).to_be_visible()
    wait_idle(page)
    expect()(page.get_by_role("tab", name="Thanh toán")).to_have_attribute("aria-selected", "true")
    expect()(panel.get_by_role("textbox", name="Số chứng từ", exact=True)).to_have_value("TT-GIU-1")
    expect()(panel.get_by_role("textbox", name="Số tiền", exact=True)).to_have_value("25.000.000")
    assert scalar(demo_url, "SELECT COUNT(*) FROM payments WHERE voucher_no = 'TT-GIU-1'") == 0


def test_the_drill_down_of_vtv_by_paid_lists_exactly_vtvs_payments(page, demo_url):
    count = scalar(demo_url, "SELECT COUNT(*) FROM payments p JOIN commitments c ON c.id = p.commitment_id JOIN press_agencies a ON a.id = c.press_agency_id WHERE p.year = :y AND a.code = 'VTV'", y=YEAR)
    total = scalar(demo_url, "SELECT COALESCE(SUM(p.amount), 0) FROM payments p JOIN commitments c ON c.id = p.commitment_id JOIN press_agencies a ON a.id = c.press_agency_id WHERE p.year = :y AND a.code = 'VTV'", y=YEAR)
    everything = scalar(demo_url, "SELECT COUNT(*) FROM payments WHERE year = :y", y=YEAR)
    assert 0 < count < everything
    sign_in(page, "leader")
    open_page(page, "Bảng điều khiển")
    choose(page, "Biểu đồ", "Cơ quan báo chí")
    wait_idle(page)
    choose(page, "Cột", "VTV")
    choose(page, "Chỉ tiêu", "Đã chi")
    page.get_by_role("button", name="Xem chi tiết").click()
    caption = page.get_by_text(re.compile(r"^Cột đã chọn: .*VTV.* · Đã chi: "))
    expect()(caption).to_have_text(re.compile(rf"{count} dòng, tổng {re.escape(format_vnd(total))}\."))
    with page.expect_download() as download:
        page.get_by_role("button", name=re.compile("Tải các dòng này")).click()
    content = download.value.path().read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")  # Excel reads the Vietnamese intact
    table = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    header, body = table[0], table[1:]
    assert "Số chứng từ" in header and "Số tiền" in header and len(body) == count
    assert not any(raw == cell for raw in RAW for row in table for cell in row)
    assert all(cell.endswith(" đ") for cell in (row[header.index("Số tiền")] for row in body))


def test_the_setup_screen_refuses_a_wrong_setup_code(browser, db_url, tmp_path):  # noqa: F811
    code = with_db(db_url, setup_service.issue)
    server = AppServer(db_url, tmp_path)
    try:
        server.wait_ready()
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN")
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(server.url)
        expect()(page.get_by_role("heading", name="Khởi tạo hệ thống")).to_be_visible()
        page.get_by_role("textbox", name="Mã khởi tạo", exact=True).fill("AAAA-BBBB-CCCC")
        page.get_by_role("textbox", name="Mật khẩu", exact=True).fill("mat-khau-quan-tri-1")
        page.get_by_role("textbox", name="Nhập lại mật khẩu", exact=True).fill("mat-khau-quan-tri-1")
        page.get_by_role("button", name="Tạo quản trị viên").click()
        expect()(page.get_by_text(re.compile("Mã khởi tạo không đúng"))).to_be_visible()
        assert scalar(db_url, "SELECT COUNT(*) FROM users") == 0
        page.get_by_role("textbox", name="Mã khởi tạo", exact=True).fill(code)
        page.get_by_role("button", name="Tạo quản trị viên").click()
        expect()(page.get_by_role("heading", name="Tổng quan").first).to_be_visible()
        assert scalar(db_url, "SELECT COUNT(*) FROM users WHERE role = 'admin'") == 1
        context.close()
    finally:
        server.stop()
