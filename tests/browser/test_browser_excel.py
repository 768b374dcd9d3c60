"""Real-browser tests of the Excel screen and the audit screen (Debian chromium, python playwright):
an auditor downloads an extract and checks it against the chain; an officer uploads a workbook with
three mistakes, sees all three, fixes them, uploads again and posts the rows."""

from __future__ import annotations

import re

import openpyxl
import pytest
from test_browser import app, browser, expect, open_page, page, scalar, sign_in, wait_idle  # noqa: F401  (fixtures)
from workbook_support import LINE_HEADERS, build, line_row

pytestmark = pytest.mark.browser
UPLOAD = '[data-testid="stFileUploaderDropzoneInput"]'


def test_auditor_downloads_an_extract_and_checks_it_against_the_chain(page, demo_url, tmp_path):  # noqa: F811
    sign_in(page, "auditor")
    open_page(page, "Nhập/xuất Excel")
    page.get_by_role("button", name="Tạo tệp trích xuất").click()
    expect()(page.get_by_text(re.compile(r"Đã tạo tệp: \d+ dòng dữ liệu"))).to_be_visible(timeout=60_000)
    with page.expect_download() as info:
        page.get_by_role("button", name=re.compile("Tải tệp trích xuất")).click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[:2] == ["Thông tin", "Tổng hợp"] and book.sheetnames[-1] == "Nhật ký"
    assert {"Dự toán", "Điều chỉnh", "Đặt hàng", "Thanh toán", "Nghiệm thu", "Nguồn XHH"} <= set(book.sheetnames)
    lines = [row for row in book["Dự toán"].iter_rows(min_row=2, values_only=True) if row[0]]
    assert len(lines) == scalar(demo_url, "SELECT COUNT(*) FROM budget_lines WHERE year = 2026")
    about = {row[0]: row[1] for row in book["Thông tin"].iter_rows(values_only=True) if row[0]}
    head = scalar(demo_url, "SELECT MAX(seq) FROM audit_events")
    assert about["Số thứ tự sự kiện đầu chuỗi / Audit head seq"] == head
    assert "auditor" in about["Người xuất / Exported by"]

    open_page(page, "Nhật ký kiểm toán")
    page.locator(UPLOAD).set_input_files(str(path))
    expect()(page.get_by_text(f"Khớp đầu chuỗi hiện tại (sự kiện số {head})", exact=False)).to_be_visible(timeout=60_000)
    page.get_by_role("button", name="Kiểm tra toàn vẹn chuỗi").click()
    expect()(page.get_by_text(re.compile(r"Chuỗi toàn vẹn: \d+ sự kiện"))).to_be_visible(timeout=120_000)


def test_officer_fixes_three_mistakes_and_posts_the_rows(page, demo_url, tmp_path):  # noqa: F811
    wrong = tmp_path / "du-toan-sai.xlsx"
    wrong.write_bytes(build({"Dự toán": [
        LINE_HEADERS,
        line_row("BYT-TT-26-W1", estimate="1.234,5"),
        line_row("BYT-TT-26-W2", category="QUANG_CAO"),
        line_row("BYT-TT-26-W3", description=None),
    ]}))
    fixed = tmp_path / "du-toan-dung.xlsx"
    fixed.write_bytes(build({"Dự toán": [
        LINE_HEADERS,
        line_row("BYT-TT-26-W1", estimate="1.234.500"),
        line_row("BYT-TT-26-W2", category="Đào tạo, bồi dưỡng"),
        line_row("BYT-TT-26-W3", description="Rà soát thông tin báo chí"),
    ]}))
    sign_in(page, "officer")
    open_page(page, "Nhập/xuất Excel")
    page.locator(UPLOAD).set_input_files(str(wrong))
    expect()(page.get_by_text("Lỗi cần sửa (3)")).to_be_visible(timeout=60_000)
    expect()(page.get_by_text("Không ghi gì: tệp có 3 lỗi. Sửa tất cả rồi nhập lại.")).to_be_visible()
    problems = page.locator('[data-testid="stTable"]').last
    for text in ("không được có phần lẻ", "không có trong danh mục Nhóm chi", "Chưa nhập Nội dung."):
        expect()(problems.get_by_text(re.compile(re.escape(text))).first).to_be_visible()
    assert scalar(demo_url, "SELECT COUNT(*) FROM budget_lines WHERE code LIKE 'BYT-TT-26-W%'") == 0

    page.locator(UPLOAD).set_input_files(str(fixed))
    expect()(page.get_by_text("Kiểm tra xong, chưa ghi gì: sẽ ghi 3 dòng mới, 0 dòng đã có (bỏ qua).")).to_be_visible(timeout=60_000)
    page.get_by_role("button", name="Xác nhận ghi sổ").click()
    expect()(page.get_by_text("Đã ghi sổ: 3 dòng mới, 0 dòng đã có (bỏ qua).")).to_be_visible(timeout=60_000)
    wait_idle(page)
    written = page.locator('[data-testid="stTable"]').first
    for code in ("BYT-TT-26-W1", "BYT-TT-26-W2", "BYT-TT-26-W3"):
        expect()(written.get_by_text(re.compile(code)).first).to_be_visible()
    assert scalar(demo_url, "SELECT COUNT(*) FROM budget_lines WHERE code LIKE 'BYT-TT-26-W%'") == 3
    assert scalar(demo_url, "SELECT original_estimate FROM budget_lines WHERE code = 'BYT-TT-26-W1'") == 1_234_500
    assert scalar(demo_url, "SELECT COUNT(*) FROM audit_events WHERE actor = 'officer' AND action = 'budget_line.create'") == 3
