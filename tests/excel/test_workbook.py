"""The ledger workbook both ways (shared/spec/ledger-workbook.md): the auditors' extract, bulk entry
from workbooks, the template, the round trip, a real spreadsheet recomputing the Summary, and
hostile files. Each test runs on SQLite and on PostgreSQL where the database is involved.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import ROOT, missing
from ledger_testkit import D2026, actor_of, dump, line_id
from workbook_support import (
    LINE_HEADERS,
    YEAR_END_HEADERS,
    all_sheets,
    build,
    line_figures_sql,
    line_row,
    sql,
    sql_rows,
    summary_lines,
    values,
)

from ledger.cli import main
from ledger.domain.errors import NotFound
from ledger.excel import export_workbook, read_about
from ledger.excel import layout as L
from ledger.excel.importer import import_workbook
from ledger.excel.reader import BLANK_ROWS_STOP, MAX_FILE_BYTES, MAX_UNCOMPRESSED_BYTES
from ledger.excel.template import write_template
from ledger.excel.texts import localize
from ledger.services import commitments, payments
from ledger.services.budget import add_line, adjust_line, reverse_adjustment, transfer
from ledger.store.access import SYSTEM
from ledger.store.verify import verify

YEAR = 2026
DATA_SHEET_NAMES = [s.vi for s in L.DATA_SHEETS]


def export(db, actor, tmp_path: Path, name: str = "extract.xlsx", year: int | None = YEAR, unit: str | None = None) -> Path:
    path = tmp_path / name
    export_workbook(db, actor, path, year, unit)
    return path


def problems_of(result, lang: str = "vi") -> list[tuple]:
    return [(p.sheet, p.row, localize(p.column, lang), p.message(lang), p.value) for p in result.problems]


def keys_of(result) -> list[str]:
    return [p.key for p in result.problems]


# --- 1. the extract ------------------------------------------------------------------------------------

def test_extract_has_the_specs_sheets_and_an_about_sheet_that_identifies_it(demo_db, tmp_path):
    path = export(demo_db, SYSTEM, tmp_path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Thông tin", "Tổng hợp", *DATA_SHEET_NAMES, "Nhật ký"]
    about = {row[0]: row[1] for row in values(path, "Thông tin") if row[0]}
    head_seq, head_hash = sql_rows(demo_db, "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1")[0]
    assert about["Mã băm đầu chuỗi nhật ký / Audit head hash"] == head_hash
    assert about["Số thứ tự sự kiện đầu chuỗi / Audit head seq"] == head_seq
    assert about["Năm ngân sách / Fiscal year"] == YEAR
    assert about["Người xuất / Exported by"].startswith("system")
    exported_at = book["Thông tin"]["B4"]
    assert isinstance(exported_at.value, dt.datetime) and exported_at.number_format == "dd/mm/yyyy hh:mm"
    # Row counts and amount totals of every sheet, against SQL.
    table = {row[0]: row[1:3] for row in values(path, "Thông tin")[12:] if row[0]}
    lines = sql(demo_db, "SELECT COUNT(*) FROM budget_lines WHERE year = :y", y=YEAR)
    estimate = sql(demo_db, "SELECT SUM(original_estimate) FROM budget_lines WHERE year = :y", y=YEAR)
    paid = sql(demo_db, "SELECT SUM(amount) FROM payments WHERE year = :y", y=YEAR)
    payments = sql(demo_db, "SELECT COUNT(*) FROM payments WHERE year = :y", y=YEAR)
    assert table["Dự toán"] == (lines, estimate)
    assert table["Thanh toán"] == (payments, paid)
    assert table["Đơn vị"][0] == sql(demo_db, "SELECT COUNT(*) FROM units")
    assert set(table) == {"Tổng hợp", *DATA_SHEET_NAMES, "Nhật ký"}
    assert read_about(path).head_hash == head_hash


def test_extract_cells_are_typed_frozen_and_filtered(demo_db, tmp_path):
    path = export(demo_db, SYSTEM, tmp_path)
    book = openpyxl.load_workbook(path)
    lines = book["Dự toán"]
    assert [c.value for c in lines[1]] == [*LINE_HEADERS, *YEAR_END_HEADERS]  # the year end's columns, written by the extract
    estimate = lines["J2"]
    assert isinstance(estimate.value, int) and estimate.number_format == "#,##0"
    adjustment_date = book["Điều chỉnh"]["C2"]
    assert isinstance(adjustment_date.value, dt.datetime) and adjustment_date.number_format == "dd/mm/yyyy"
    for name in (*DATA_SHEET_NAMES, "Tổng hợp", "Nhật ký"):
        assert book[name].freeze_panes == "A2", name
        assert book[name].auto_filter.ref and book[name].auto_filter.ref.startswith("A1:"), name
    # Headers are the spec's Vietnamese names (every spec column present, in order, extras after).
    orders = [c.value for c in book["Đặt hàng"][1]]
    assert orders[:9] == ["Số hợp đồng", "Năm", "Mã dòng", "Mã cơ quan báo chí", "Ngày ký", "Nội dung", "Chính sách", "Giai đoạn", "Giá trị"]
    payments = [c.value for c in book["Thanh toán"][1]]
    assert payments[:7] == ["Số chứng từ", "Năm", "Ngày", "Loại", "Tham chiếu", "Mã dòng", "Số tiền"]


HOSTILE_TEXTS = ['=HYPERLINK("http://evil.example","x")', "+1+2", "-3-4", "@SUM(A1)", "\tTab", "\rCR", "http://example.org"]


def test_text_is_never_written_as_a_formula(demo_db, tmp_path, actors):
    for number, description in enumerate(HOSTILE_TEXTS, start=1):
        add_line(demo_db, actors["officer"], code=f"BYT-TT-26-F{number}", year=YEAR, unit_code="BYT-TT", description=description,
                 category="KHAC", source="NSNN", original_estimate=1_000_000)
    path = export(demo_db, SYSTEM, tmp_path)
    sheet = openpyxl.load_workbook(path)["Dự toán"]
    written = {row[0].value: row[3] for row in sheet.iter_rows(min_row=2) if str(row[0].value).startswith("BYT-TT-26-F")}
    stored = dict(sql_rows(demo_db, "SELECT code, description FROM budget_lines WHERE code LIKE 'BYT-TT-26-F%'"))
    assert stored["BYT-TT-26-F1"] == HOSTILE_TEXTS[0]  # (the services trim surrounding tabs and CRs)
    for number in range(1, len(HOSTILE_TEXTS) + 1):
        cell = written[f"BYT-TT-26-F{number}"]
        assert cell.data_type == "s" and cell.value == stored[f"BYT-TT-26-F{number}"]
    with zipfile.ZipFile(path) as archive:
        lines_xml = archive.read(f"xl/worksheets/sheet{openpyxl.load_workbook(path).sheetnames.index('Dự toán') + 1}.xml")
    assert b"BYT-TT-26-F1" in lines_xml
    assert b"<f>" not in lines_xml


def test_an_officer_extracts_only_their_unit_and_the_auditor_everything(demo_db, tmp_path, actors):
    officer = export(demo_db, actors["officer"], tmp_path, "officer.xlsx")
    units = {row[2] for row in values(officer, "Dự toán")[1:]}
    assert units == {"BYT-TT"}
    assert {row[0] for row in values(officer, "Đơn vị")[1:]} == {"BYT-TT"}
    own_lines = {str(i) for (i,) in sql_rows(demo_db, "SELECT l.id FROM budget_lines l JOIN units u ON u.id = l.unit_id WHERE u.code = 'BYT-TT'")}
    logged = {row[5] for row in values(officer, "Nhật ký")[1:] if row[4] == "budget_line"}
    assert logged and logged <= own_lines
    auditor = export(demo_db, actors["auditor"], tmp_path, "auditor.xlsx")
    assert len(values(auditor, "Dự toán")) - 1 == sql(demo_db, "SELECT COUNT(*) FROM budget_lines WHERE year = :y", y=YEAR)
    hanoi = export(demo_db, actors["auditor"], tmp_path, "hni.xlsx", unit="HNI")
    assert {row[2] for row in values(hanoi, "Dự toán")[1:]} == {"HNI"}
    with pytest.raises(NotFound):
        export(demo_db, actors["officer"], tmp_path, "refused.xlsx", unit="BYT")


def test_export_from_the_command_line(demo_db, demo_url, tmp_path, capsys):
    target = tmp_path / "cli.xlsx"
    assert main(["--db", demo_url, "export", str(target), "--year", "2025", "--unit", "HNI", "--as", "auditor"]) == 0
    out = capsys.readouterr().out
    assert "extract written" in out and target.exists()
    assert {row[1] for row in values(target, "Dự toán")[1:]} == {2025}
    assert {row[2] for row in values(target, "Dự toán")[1:]} == {"HNI"}
    assert main(["--db", demo_url, "export", str(tmp_path / "x.xlsx"), "--year", "2026", "--unit", "HNI", "--as", "officer"]) == 1
    assert "no unit with code HNI" in capsys.readouterr().err


# --- 2. the import ---------------------------------------------------------------------------------------

def test_officer_imports_lines_through_the_services_with_the_spec_reading_rules(demo_db, actors):
    # Title rows above the header, English sheet name in odd case, columns in another order and
    # language, an unknown column, blank rows, amounts as Vietnamese text, codes by their labels.
    sheet = [
        ["Kế hoạch truyền thông 2026 — Vụ Truyền thông"],
        [],
        ["Original estimate", "Line code", "Year", "Unit code", "Ghi chú nội bộ", "Description", "Category", "Source"],
        ["1.234.567 đ", "BYT-TT-26-X1", 2026, "BYT-TT", "bỏ qua", "Tập huấn phát ngôn", "Đào tạo, bồi dưỡng", "Ngân sách nhà nước"],
        [None, None, None, None, None, None, None, None],
        ["2.000.000₫", "BYT-TT-26-X2", "2026", "BYT-TT", "", "Đặt hàng báo chí", "press orders", "state budget"],
    ]
    data = build({" budget LINES ": sheet})
    result = import_workbook(demo_db, actors["officer"], data)
    assert result.ok and result.written, problems_of(result)
    assert (result.new, result.unchanged) == (2, 0)
    assert sql_rows(demo_db, "SELECT code, original_estimate, category_code, source_code FROM budget_lines WHERE code LIKE 'BYT-TT-26-X%' ORDER BY code") == [
        ("BYT-TT-26-X1", 1_234_567, "DAO_TAO", "NSNN"), ("BYT-TT-26-X2", 2_000_000, "BAO_CHI", "NSNN"),
    ]
    events = sql_rows(demo_db, "SELECT actor, action FROM audit_events WHERE action = 'budget_line.create' ORDER BY seq DESC LIMIT 2")
    assert events == [("officer", "budget_line.create")] * 2
    with demo_db.read() as session:
        assert verify(session).ok


def test_sheets_apply_in_the_specs_order_whatever_their_order_in_the_file(db):
    data = build({
        "Budget lines": [LINE_HEADERS, line_row("QG-26-01", unit="HNI", category="KHAC")],
        "Fiscal years": [["Year", "Status"], [2026, "Open"]],
        "Units": [["Unit code", "Unit name", "Parent unit", "Unit type"], ["HNI", "UBND thành phố Hà Nội", "QG", "Tỉnh, thành phố"],
                  ["QG", "Toàn quốc", None, "national"]],
    })
    result = import_workbook(db, SYSTEM, data)
    assert keys_of(result) == ["xl.code_unknown"]  # "Tỉnh, thành phố" is not a unit type label
    assert problems_of(result, "en")[0][2] == "Unit type"
    data = build({
        "Budget lines": [LINE_HEADERS, line_row("QG-26-01", unit="HNI", category="KHAC")],
        "Fiscal years": [["Year", "Status"], [2026, "Open"]],
        "Units": [["Unit code", "Unit name", "Parent unit", "Unit type"], ["HNI", "UBND thành phố Hà Nội", "QG", "province"],
                  ["QG", "Toàn quốc", None, "national"]],
    })
    result = import_workbook(db, SYSTEM, data)
    assert result.written, problems_of(result)
    assert sql_rows(db, "SELECT u.code, p.code FROM units u LEFT JOIN units p ON p.id = u.parent_id ORDER BY u.code") == [("HNI", "QG"), ("QG", None)]
    assert sql(db, "SELECT COUNT(*) FROM budget_lines WHERE code = 'QG-26-01'") == 1


def test_an_officer_reimports_their_own_extract_and_nothing_changes(demo_db, actors, tmp_path):
    path = export(demo_db, actors["officer"], tmp_path)
    before = dump(demo_db)
    result = import_workbook(demo_db, actors["officer"], path)
    assert result.ok and result.new == 0 and result.unchanged > 50, problems_of(result)[:5]
    assert dump(demo_db) == before


def test_every_problem_is_listed_at_once_and_nothing_is_written(demo_db, actors):
    data = build({
        "Dự toán": [
            LINE_HEADERS,
            line_row("BYT-TT-26-E1", estimate="1.234,5"),  # fractional
            line_row("BYT-TT-26-E2", category="QUANG_CAO"),  # unknown code
            line_row("BYT-TT-26-E3", description=None),  # required cell empty
            line_row("BYT-TT-26-E4"),  # fine on its own
            line_row("HNI-26-E5", unit="HNI"),  # outside the officer's unit
        ],
        "Điều chỉnh": [
            ["Mã dòng", "Năm", "Ngày", "Số tiền", "Số quyết định", "Lý do"],
            ["BYT-TT-26-01", 2026, "31/02/2026", 5_000_000, "12/QĐ", "Bổ sung"],  # no such date
            ["BYT-TT-26-99", 2026, "15/02/2026", 5_000_000, "12/QĐ", "Bổ sung"],  # no such line
        ],
    })
    before = dump(demo_db)
    result = import_workbook(demo_db, actors["officer"], data)
    assert not result.written and dump(demo_db) == before
    found = problems_of(result)
    by_row = {(sheet, row): (column, message, value) for sheet, row, column, message, value in found}
    assert by_row[("Dự toán", 2)][0] == "Dự toán giao" and "phần lẻ" in by_row[("Dự toán", 2)][1] and by_row[("Dự toán", 2)][2] == "1.234,5"
    assert by_row[("Dự toán", 3)][0] == "Nhóm chi" and by_row[("Dự toán", 3)][2] == "QUANG_CAO"
    assert by_row[("Dự toán", 4)][0] == "Nội dung" and "Chưa nhập" in by_row[("Dự toán", 4)][1]
    assert "HNI" in by_row[("Dự toán", 6)][1] and "BYT-TT" in by_row[("Dự toán", 6)][1]
    assert by_row[("Điều chỉnh", 2)][0] == "Ngày" and by_row[("Điều chỉnh", 2)][2] == "31/02/2026"
    assert by_row[("Điều chỉnh", 3)][0] == "Mã dòng" and by_row[("Điều chỉnh", 3)][2] == "BYT-TT-26-99"
    assert len(found) == 6
    english = problems_of(result, "en")
    assert any("fraction" in message for _s, _r, _c, message, _v in english)
    assert result.summary("vi") == "Không ghi gì: tệp có 6 lỗi. Sửa tất cả rồi nhập lại."


def test_importing_the_same_file_twice_changes_nothing_and_other_content_is_a_problem(demo_db, actors):
    data = build({"Dự toán": [LINE_HEADERS, line_row("BYT-TT-26-D1"), line_row("BYT-TT-26-D2", estimate=5_000_000)],
                  "Điều chỉnh": [["Mã dòng", "Năm", "Ngày", "Số tiền", "Số quyết định", "Lý do"],
                                 ["BYT-TT-26-D1", 2026, "02/02/2026", -10_000_000, "7/QĐ-BYT", "Giảm"],
                                 ["BYT-TT-26-D1", 2026, "02/02/2026", -10_000_000, "7/QĐ-BYT", "Giảm"]]})
    first = import_workbook(demo_db, actors["officer"], data)
    assert first.written and first.new == 4
    assert sql(demo_db, "SELECT SUM(a.amount) FROM adjustments a JOIN budget_lines l ON l.id = a.line_id WHERE l.code = 'BYT-TT-26-D1'") == -20_000_000
    before = dump(demo_db)
    second = import_workbook(demo_db, actors["officer"], data)
    assert second.ok and (second.new, second.unchanged) == (0, 4)
    assert dump(demo_db) == before
    changed = build({"Dự toán": [LINE_HEADERS, line_row("BYT-TT-26-D1", estimate=151_000_000)]})
    third = import_workbook(demo_db, actors["officer"], changed)
    assert not third.written and keys_of(third) == ["xl.differs"]
    assert problems_of(third)[0][:3] == ("Dự toán", 2, "Dự toán giao") and dump(demo_db) == before


def test_dry_run_reports_counts_and_totals_and_writes_nothing(demo_db, actors):
    data = build({"Dự toán": [LINE_HEADERS, line_row("BYT-TT-26-P1", estimate=7_000_000), line_row("BYT-TT-26-P2", estimate=3_000_000)]})
    before = dump(demo_db)
    result = import_workbook(demo_db, actors["officer"], data, dry_run=True)
    assert result.ok and not result.written and dump(demo_db) == before
    sheet = result.sheets[0]
    assert (sheet.title, sheet.rows, sheet.new, sheet.new_amount) == ("Dự toán", 2, 2, 10_000_000)
    assert [r["key"] for r in sheet.new_rows] == ["BYT-TT-26-P1 (2026)", "BYT-TT-26-P2 (2026)"]


def test_rights_are_the_services_rights(demo_db, actors):
    units = build({"Đơn vị": [["Mã đơn vị", "Tên đơn vị", "Đơn vị cấp trên"], ["BYT-TT-P1", "Phòng mới", "BYT-TT"]]})
    refused = import_workbook(demo_db, actors["officer"], units)
    assert keys_of(refused) == ["perm.admin_only"] and not refused.written
    by_admin = import_workbook(demo_db, actors["admin"], units)
    assert by_admin.written and sql(demo_db, "SELECT COUNT(*) FROM units WHERE code = 'BYT-TT-P1'") == 1
    lines = build({"Dự toán": [LINE_HEADERS, line_row("BYT-TT-26-R1")]})
    assert keys_of(import_workbook(demo_db, actors["admin"], lines)) == ["perm.admin_no_ledger"]
    auditor = import_workbook(demo_db, actors["auditor"], lines)
    assert keys_of(auditor) == ["perm.read_only"] and "chỉ được xem" in auditor.problems[0].message("vi")


def test_orders_items_acceptances_and_payments_from_a_filled_template(demo_db, actors, tmp_path):
    """An officer fills the template: an order with two items, its acceptance, an advance and a payment."""
    template = tmp_path / "template.xlsx"
    write_template(template)
    book = openpyxl.load_workbook(template)
    book["Đặt hàng"].append(["HD-X-01", 2026, "BYT-TT-26-01", "SKDS", "10/02/2026", "Loạt bài Luật Dân số", None, "Thực thi", "20.000.000"])
    book["Sản phẩm đặt hàng"].append(["HD-X-01", "Bài viết chuyên đề", 2, "bài", "5.000.000"])
    book["Sản phẩm đặt hàng"].append(["HD-X-01", "Video ngắn", 1, "video", 10_000_000])
    book["Nghiệm thu"].append(["NT-X-01", "HD-X-01", "01/03/2026", 15_000_000, "Biên bản kèm đường dẫn"])
    book["Thanh toán"].append(["TU-X-01", 2026, "15/02/2026", "Tạm ứng", "HD-X-01", None, 5_000_000])
    book["Thanh toán"].append(["TT-X-01", 2026, "05/03/2026", "THANH_TOAN", "HD-X-01", None, 10_000_000])
    buffer = io.BytesIO()
    book.save(buffer)
    result = import_workbook(demo_db, actors["officer"], buffer.getvalue())
    assert result.written, problems_of(result)
    assert sql_rows(demo_db, "SELECT status, value, stage_code FROM commitments WHERE reference = 'HD-X-01'") == [("signed", 20_000_000, "THUC_THI")]
    assert sql(demo_db, "SELECT COUNT(*) FROM commitment_items i JOIN commitments c ON c.id = i.commitment_id WHERE c.reference = 'HD-X-01'") == 2
    assert sql(demo_db, "SELECT SUM(amount) FROM payments WHERE voucher_no IN ('TU-X-01', 'TT-X-01')") == 15_000_000
    assert sql(demo_db, "SELECT accepted_value FROM acceptances WHERE record_no = 'NT-X-01'") == 15_000_000


def test_item_problems_point_at_the_item_row(demo_db, actors):
    data = build({
        "Đặt hàng": [["Số hợp đồng", "Năm", "Mã dòng", "Mã cơ quan báo chí", "Ngày ký", "Nội dung", "Giá trị"],
                     ["HD-Y-01", 2026, "BYT-TT-26-01", "SKDS", "10/02/2026", "Loạt bài", 25_000_000]],
        "Sản phẩm đặt hàng": [["Số hợp đồng", "Sản phẩm", "Số lượng", "Đơn giá"],
                              ["HD-Y-01", "Bài viết", 2, 5_000_000], ["HD-Y-01", "Video", 1, 10_000_000]],
    })
    result = import_workbook(demo_db, actors["officer"], data)
    assert not result.written
    assert problems_of(result)[0][:3] == ("Đặt hàng", 2, "Giá trị") and "20.000.000" in problems_of(result)[0][3]


# --- 3. the template -------------------------------------------------------------------------------------

def test_template_has_instructions_vietnamese_headers_and_drop_downs(tmp_path, demo_url, demo_db, actors, capsys):
    target = tmp_path / "mau.xlsx"
    assert main(["--db", demo_url, "template", str(target)]) == 0
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["Hướng dẫn", *DATA_SHEET_NAMES]
    guide = " ".join(str(c) for row in values(target, "Hướng dẫn") for c in row if c)
    assert "Số tiền: số nguyên đồng" in guide and "BAO_CHI" in guide and "Đặt hàng báo chí" in guide
    assert [str(c.value).rstrip(" *") for c in book["Dự toán"][1]] == [*LINE_HEADERS, *YEAR_END_HEADERS]
    lists = {}
    for name in ("Dự toán", "Đặt hàng", "Dịch vụ CNTT", "Thanh toán", "Cơ quan báo chí"):
        sheet = book[name]
        headers = {c.column_letter: str(c.value).rstrip(" *") for c in sheet[1]}
        for validation in sheet.data_validations.dataValidation:
            column = str(validation.sqref).split(":")[0].rstrip("0123456789")
            lists[(name, headers[column])] = validation.formula1.strip('"').split(",")
    assert lists[("Dự toán", "Nhóm chi")] == ["BAO_CHI", "DAO_TAO", "CNTT", "KHAC"]
    assert lists[("Dự toán", "Nguồn")] == ["NSNN", "XHH"]
    assert lists[("Đặt hàng", "Giai đoạn")] == ["HOACH_DINH", "BAN_HANH", "THUC_THI"]
    assert lists[("Dịch vụ CNTT", "Loại dịch vụ")] == ["RA_QUET", "PHAN_TICH", "THAM_DO", "TAC_DONG", "KHAC"]
    assert lists[("Thanh toán", "Loại")] == ["TAM_UNG", "THANH_TOAN"]
    assert "newspaper" in lists[("Cơ quan báo chí", "Loại hình")]
    empty = import_workbook(demo_db, actors["officer"], target)
    assert empty.ok and empty.new == 0


# --- 5. the round trip -------------------------------------------------------------------------------------

def test_round_trip_of_the_demo_gives_the_same_workbook_cell_for_cell(demo_db, db, tmp_path):
    first = export(demo_db, SYSTEM, tmp_path, "first.xlsx", year=None)
    result = import_workbook(db, SYSTEM, first)
    assert result.written, problems_of(result)[:10]
    second = export(db, SYSTEM, tmp_path, "second.xlsx", year=None)
    before, after = all_sheets(first), all_sheets(second)
    assert list(before) == list(after)
    for name in before:
        assert before[name] == after[name], name
    with db.read() as session:
        assert verify(session).ok
    again = import_workbook(db, SYSTEM, first)
    assert again.ok and again.new == 0 and again.unchanged == result.new


def test_round_trip_keeps_reversals_transfers_and_released_money(demo_db, db, tmp_path, actors):
    officer = actors["officer"]
    first_line, second_line = line_id(demo_db, "BYT-TT-26-01"), line_id(demo_db, "BYT-TT-26-02")
    plain = adjust_line(demo_db, officer, first_line, 3_000_000, D2026, "88/QĐ-BYT", "Bổ sung")
    reverse_adjustment(demo_db, officer, plain.id, "Nhầm quyết định", D2026)
    out, _into = transfer(demo_db, officer, second_line, first_line, 1_000_000, D2026, "89/QĐ-BYT", "Điều chuyển")
    reverse_adjustment(demo_db, officer, out.id, "Hủy điều chuyển", D2026)
    # Money released by a close-out, then committed again (block control): the importer must find the order.
    line = add_line(demo_db, officer, code="BYT-TT-26-RT", year=YEAR, unit_code="BYT-TT", description="Đặt hàng báo chí",
                    category="BAO_CHI", source="NSNN", original_estimate=100_000_000)
    first = commitments.create_order(demo_db, officer, year=YEAR, reference="HD-RT-1", line=line.id, press_agency="SKDS", description="Đợt 1", value=100_000_000)
    commitments.sign(demo_db, officer, first.id, dt.date(2026, 2, 1))
    accepted = commitments.accept(demo_db, officer, first.id, "NT-RT-1", dt.date(2026, 2, 10), 60_000_000, "Biên bản")
    wrong = commitments.accept(demo_db, officer, first.id, "NT-RT-2", dt.date(2026, 2, 11), 1_000_000, "Nhầm")
    commitments.reverse_acceptance(demo_db, officer, wrong.id, "Ghi nhầm", dt.date(2026, 2, 12))
    payment = payments.record_payment(demo_db, officer, year=YEAR, voucher_no="TT-RT-1", date=dt.date(2026, 2, 20), kind="THANH_TOAN", commitment=first.id, amount=60_000_000)
    payments.reverse_payment(demo_db, officer, payment.id, "Trả lại", dt.date(2026, 2, 21))
    payments.record_payment(demo_db, officer, year=YEAR, voucher_no="TT-RT-2", date=dt.date(2026, 2, 22), kind="THANH_TOAN", commitment=first.id, amount=accepted.accepted_value)
    commitments.close(demo_db, officer, first.id, "Thanh lý")
    second = commitments.create_order(demo_db, officer, year=YEAR, reference="HD-RT-2", line=line.id, press_agency="SKDS", description="Đợt 2", value=40_000_000)
    commitments.sign(demo_db, officer, second.id, dt.date(2026, 3, 1))
    xhh = line_id(demo_db, "BYT-TT-26-04")
    gift = payments.record_contribution(demo_db, officer, year=YEAR, voucher_no="XHH-RT-1", line=xhh, date=dt.date(2026, 3, 2), donor="UNICEF", amount=2_000_000)
    payments.reverse_contribution(demo_db, officer, gift.id, "Nhà tài trợ rút", dt.date(2026, 3, 3))

    first_file = export(demo_db, SYSTEM, tmp_path, "first.xlsx")
    result = import_workbook(db, SYSTEM, first_file)
    assert result.written, problems_of(result)[:10]
    second_file = export(db, SYSTEM, tmp_path, "second.xlsx")
    assert all_sheets(first_file) == all_sheets(second_file)
    reversed_rows = [row for row in values(second_file, "Điều chỉnh")[1:] if row[7]]
    assert len(reversed_rows) == 3  # the plain reversal and the two legs of the transfer's
    assert sql(db, "SELECT status FROM commitments WHERE reference = 'HD-RT-2'") == "signed"


# --- 6. a real spreadsheet recomputes the Summary --------------------------------------------------------------

def _recalculating_profile(tmp_path: Path) -> Path:
    """A LibreOffice user profile that recalculates every formula of an .xlsx on load."""
    profile = tmp_path / "lo-profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        '<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">'
        "<value>0</value></prop></item>\n</oor:items>\n"
    )
    return profile


def test_libreoffice_recomputes_the_summary_to_the_ledgers_figures(demo_db, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        missing("LibreOffice (soffice)")
    extract = export(demo_db, SYSTEM, tmp_path)
    # Drop the cached values (openpyxl keeps formulas, not their results): only a real recalculation
    # can bring the figures back.
    book = openpyxl.load_workbook(extract)
    path = tmp_path / "recalculate.xlsx"
    book.save(path)
    assert values(path, "Tổng hợp", data_only=True)[1][5] is None
    out = tmp_path / "out"
    profile = _recalculating_profile(tmp_path)
    completed = subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--convert-to", "xlsx", "--outdir", str(out), str(path)],
        capture_output=True, text=True, timeout=240,
    )
    assert completed.returncode == 0, completed.stderr
    recomputed = summary_lines(values(out / path.name, "Tổng hợp", data_only=True))
    expected = line_figures_sql(demo_db, YEAR)
    assert set(recomputed) == set(expected)
    for code, figures in expected.items():
        got = recomputed[code]
        for measure, amount in figures.items():
            assert got[measure] == amount, (code, measure)
        if figures["allocated"]:
            assert abs(got["execution"] - figures["paid"] / figures["allocated"]) < 1e-9
    # The category × source block and the grand total are recomputed too.
    rows = values(out / path.name, "Tổng hợp", data_only=True)
    group = {(r[0], r[1]): r for r in rows if r[0] in L.CATEGORY_LABELS and r[1] in L.SOURCE_LABELS}
    for (category, source), row in group.items():
        members = sql_rows(demo_db, "SELECT code FROM budget_lines WHERE year = :y AND category_code = :c AND source_code = :s", y=YEAR, c=category, s=source)
        assert row[2] == len(members)
        assert row[8] == sum(expected[code]["paid"] for (code,) in members)
    assert book["Tổng hợp"]["F2"].value.startswith("=SUMIFS(")


# --- 7. hostile files ----------------------------------------------------------------------------------------

def _xlsx_with_sheet_xml(sheet_xml: bytes, compress: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A minimal valid .xlsx around one worksheet's XML (for files no spreadsheet program would write)."""
    parts = {
        "[Content_Types].xml": b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        ' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Dự toán" sheetId="1" r:id="rId1"/></sheets></workbook>'.encode(),
        "xl/_rels/workbook.xml.rels": b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": sheet_xml,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compress) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _inline_row(number: int, cells: list) -> str:
    out = []
    for index, value in enumerate(cells):
        ref = f"{'ABCDEFGHIJ'[index]}{number}"
        if isinstance(value, int):
            out.append(f'<c r="{ref}"><v>{value}</v></c>')
        else:
            out.append(f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>')
    return f'<row r="{number}">{"".join(out)}</row>'


@pytest.mark.parametrize("content", [b"Ma dong;Nam\nBYT-TT-26-01;2026\n", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, b""])
def test_a_file_that_is_not_an_xlsx_is_refused_with_a_sentence(db, content):
    result = import_workbook(db, SYSTEM, content)
    assert not result.written and result.problems
    message = result.problems[0].message("vi")
    assert "không phải sổ tính Excel .xlsx" in message or "Tệp rỗng" in message
    assert result.problems[0].message("en")


def test_a_zip_bomb_is_refused_from_the_central_directory(db):
    # Members that would inflate a thousandfold: refused before anything is inflated.
    bomb = _xlsx_with_sheet_xml(b"<worksheet>" + b" " * (20 * 2**20) + b"</worksheet>")
    started = time.perf_counter()
    result = import_workbook(db, SYSTEM, bomb)
    assert keys_of(result) == ["xl.ratio"] and time.perf_counter() - started < 5
    assert "sheet1.xml" in result.problems[0].message("vi")
    # A central directory announcing more than the limit in all: refused on the announced sizes alone.
    small = bytearray(_xlsx_with_sheet_xml(b"<worksheet/>", compress=zipfile.ZIP_STORED))
    entry = small.rfind(b"PK\x01\x02")  # the last member's central-directory record
    small[entry + 24: entry + 28] = (MAX_UNCOMPRESSED_BYTES + 1).to_bytes(4, "little")
    result = import_workbook(db, SYSTEM, bytes(small))
    assert keys_of(result) == ["xl.inflates"]


@pytest.fixture(scope="module")
def million_blank_rows() -> bytes:
    """A sheet with a header, one row, a million formatted blank rows, then one more row (built once)."""
    rows = [_inline_row(1, ["Năm", "Mã dòng", "Mã đơn vị", "Nội dung", "Nhóm chi", "Nguồn", "Dự toán giao"])]
    rows.append(_inline_row(2, [2026, "QG-26-01", "QG", "Hội nghị", "KHAC", "NSNN", 5_000_000]))
    blank = "".join(f'<row r="{n}" s="1" customFormat="1"><c r="A{n}" s="1"/></row>' for n in range(3, 1_000_003))
    rows.append(blank)
    rows.append(_inline_row(1_000_003, [2026, "QG-26-02", "QG", "Sau một triệu dòng trống", "KHAC", "NSNN", 7_000_000]))
    xml = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' + "".join(rows) + "</sheetData></worksheet>").encode()
    return _xlsx_with_sheet_xml(xml)


def test_a_million_empty_rows_cost_nothing_and_say_where_reading_stopped(db, actors_empty, million_blank_rows):
    data = million_blank_rows
    started = time.perf_counter()
    result = import_workbook(db, SYSTEM, data, dry_run=True)
    elapsed = time.perf_counter() - started
    assert elapsed < 20, elapsed
    assert [n.key for n in result.notes] == ["xl.blank_stop"]
    assert f"sau {BLANK_ROWS_STOP} dòng trống" in result.notes[0].message("vi")
    assert result.sheets[0].rows == 1 and result.ok and result.new == 1


@pytest.fixture
def actors_empty(db):
    """The empty ledger with QG, fiscal 2026 and an officer, for the hostile-file tests that post."""
    from ledger.services.reference import create_unit, open_year
    from ledger.services.users import create_user

    create_unit(db, SYSTEM, code="QG", name="Toàn quốc", kind="national")
    open_year(db, SYSTEM, YEAR)
    create_user(db, SYSTEM, "lan", "officer", "mat-khau-dai-du", unit_code="QG")
    return {"officer": actor_of(db, "lan")}


def test_formulas_and_error_values_in_cells_are_refused(db, actors_empty):
    data = build({"Dự toán": [
        LINE_HEADERS,
        ["QG-26-01", 2026, "QG", "Hội nghị", "KHAC", "NSNN", None, None, None, "=1000*3"],
        ["QG-26-02", 2026, "QG", "Hội nghị", "KHAC", "NSNN", None, None, None, "#REF!"],
        ["QG-26-03", "=YEAR(TODAY())", "QG", "Hội nghị", "KHAC", "NSNN", None, None, None, 5_000_000],
    ]})
    before = dump(db)
    result = import_workbook(db, actors_empty["officer"], data)
    assert dump(db) == before
    found = {(row, column): (key, value) for (_s, row, column, _m, value), key in zip(problems_of(result), keys_of(result), strict=True)}
    assert found[(2, "Dự toán giao")] == ("xl.formula", "=1000*3")
    assert found[(3, "Dự toán giao")] == ("xl.cell_error", "#REF!")
    assert found[(4, "Năm")][0] == "xl.formula"
    assert "công thức" in result.problems[0].message("vi") and "formula" in result.problems[0].message("en")


def test_merged_cells_are_refused_below_the_header_but_fine_in_a_title(db, actors_empty):
    rows = [["Kế hoạch 2026"], LINE_HEADERS,
            ["QG-26-01", 2026, "QG", "Hội nghị", "KHAC", "NSNN", None, None, None, 5_000_000],
            ["QG-26-02", 2026, "QG", None, "KHAC", "NSNN", None, None, None, 5_000_000]]
    data = build({"Dự toán": rows}, merges={"Dự toán": ["A1:J1", "D3:D4"]})
    result = import_workbook(db, actors_empty["officer"], data)
    assert not result.written
    merged = [p for p in result.problems if p.key == "xl.merged"]
    assert len(merged) == 1 and merged[0].value == "D3:D4" and localize(merged[0].column, "vi") == "Nội dung"


def test_hidden_ledger_sheets_are_refused_and_other_hidden_sheets_ignored(db, actors_empty):
    data = build({"Dự toán": [LINE_HEADERS, line_row("QG-26-01", unit="QG", year=2026)], "Nháp": [["ghi chú"]], "Ghi chú": [["đọc"]]}, hidden=("Dự toán", "Nháp"))
    result = import_workbook(db, actors_empty["officer"], data)
    assert keys_of(result) == ["xl.hidden_sheet"]
    assert "bị ẩn" in result.problems[0].message("vi") and result.problems[0].message("en").startswith("Sheet Dự toán is hidden")
    assert sql(db, "SELECT COUNT(*) FROM budget_lines") == 0


def test_right_names_with_wrong_types_are_each_a_problem(db, actors_empty):
    data = build({
        "Dự toán": [LINE_HEADERS, ["QG-26-01", "hai không hai sáu", "QG", "Hội nghị", "KHAC", "NSNN", None, None, None, dt.datetime(2026, 1, 5)]],
        "Sản phẩm đặt hàng": [["Số hợp đồng", "Sản phẩm", "Số lượng", "Đơn giá"], ["HD-1", "Bài", "ba", 1_000_000], ["HD-1", "Bài", -2, 1.5]],
        "Điều chỉnh": [["Mã dòng", "Năm", "Ngày", "Số tiền", "Số quyết định"], ["QG-26-01", 2026, 12.5, True, "1/QĐ"]],
    })
    result = import_workbook(db, actors_empty["officer"], data)
    found = {(s, r, c): v for s, r, c, _m, v in problems_of(result)}
    assert found[("Dự toán", 2, "Năm")] == "hai không hai sáu"
    assert ("Dự toán", 2, "Dự toán giao") in found
    assert found[("Sản phẩm đặt hàng", 2, "Số lượng")] == "ba"
    assert found[("Sản phẩm đặt hàng", 3, "Số lượng")] == -2
    assert found[("Sản phẩm đặt hàng", 3, "Đơn giá")] == 1.5
    assert found[("Điều chỉnh", 2, "Ngày")] == 12.5
    assert found[("Điều chỉnh", 2, "Số tiền")] is True
    assert sql(db, "SELECT COUNT(*) FROM budget_lines") == 0


class _Endless(io.RawIOBase):
    """A stream that never ends (an upload bigger than any limit), produced lazily."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        buffer[:] = b"\0" * len(buffer)
        return len(buffer)


def _read_both_ways(source, monkeypatch) -> tuple:
    """The book read by the lean sheet reader, and again with it declining every sheet (openpyxl's parser)."""
    from ledger.excel import fastsheet, reader

    def snapshot(book):
        rows = {key: [(r.number, r.values, r.typed, [p.key for p in r.problems]) for r in sheet.rows] for key, sheet in book.sheets.items()}
        return rows, [(p.key, p.sheet, p.row, p.value) for p in book.problems], [n.key for n in book.notes]

    lean = snapshot(reader.read_workbook(source))

    def decline(*_args, **_kwargs):
        raise fastsheet.Declined

    monkeypatch.setattr(reader, "FastSheet", decline)
    return lean, snapshot(reader.read_workbook(source))


def test_the_lean_sheet_reader_reads_what_openpyxl_reads(demo_db, tmp_path, monkeypatch):
    # An extract (xlsxwriter: inline strings, dates, amounts), a user's spreadsheet (openpyxl: shared
    # strings), and cells the lean reader declines (a formula, an error value, a merge, rich text).
    extract = export(demo_db, SYSTEM, tmp_path, "all.xlsx", year=None)
    lean, slow = _read_both_ways(extract, monkeypatch)
    assert lean == slow and sum(len(rows) for rows in lean[0].values()) > 100
    odd = build({
        "Dự toán": [["Kế hoạch & <dự toán> \"2026\""], LINE_HEADERS, line_row("BYT-TT-26-L1", description="  Có  khoảng trắng & ký tự <đặc biệt> "),
                    line_row("BYT-TT-26-L2", estimate="=1+1"), line_row("BYT-TT-26-L3", estimate=1.5), line_row("BYT-TT-26-L4", category=True)],
        "Điều chỉnh": [["Mã dòng", "Năm", "Ngày", "Số tiền", "Số quyết định"], ["BYT-TT-26-L1", 2026, dt.date(2026, 2, 3), -5, "1/QĐ"]],
    }, merges={"Điều chỉnh": ["A2:B2"]})
    monkeypatch.undo()
    lean, slow = _read_both_ways(odd, monkeypatch)
    assert lean == slow and lean[1], lean


def test_a_200_mb_upload_is_refused_before_parsing(db, tmp_path):
    big = tmp_path / "big.xlsx"
    with open(big, "wb") as handle:
        handle.truncate(200 * 2**20)  # sparse: costs no disk and no time
    started = time.perf_counter()
    result = import_workbook(db, SYSTEM, big)
    assert keys_of(result) == ["xl.too_large"] and "200,0 MB" in result.problems[0].message("vi")
    stream = import_workbook(db, SYSTEM, _Endless())
    assert keys_of(stream) == ["xl.too_large"]
    assert time.perf_counter() - started < 10
    config = (ROOT / ".streamlit" / "config.toml").read_text()
    assert "maxUploadSize = 50" in config and MAX_FILE_BYTES == 50 * 2**20


def test_cli_import_reports_problems_and_exit_status(demo_db, demo_url, tmp_path, capsys):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(build({"Dự toán": [LINE_HEADERS, line_row("BYT-TT-26-C1", estimate="1.234,5")]}))
    assert main(["--db", demo_url, "import", str(bad), "--as", "officer"]) == 1
    err = capsys.readouterr().err
    assert "Dự toán · 2 · Dự toán giao" in err and "[1.234,5]" in err
    good = tmp_path / "good.xlsx"
    good.write_bytes(build({"Dự toán": [LINE_HEADERS, line_row("BYT-TT-26-C1")]}))
    assert main(["--db", demo_url, "import", str(good), "--dry-run", "--as", "officer"]) == 0
    assert sql(demo_db, "SELECT COUNT(*) FROM budget_lines WHERE code = 'BYT-TT-26-C1'") == 0
    assert main(["--db", demo_url, "--lang", "vi", "import", str(good), "--as", "officer"]) == 0
    assert "Đã ghi sổ: 1 dòng mới" in capsys.readouterr().out
    assert sql(demo_db, "SELECT COUNT(*) FROM budget_lines WHERE code = 'BYT-TT-26-C1'") == 1


def test_python_m_ledger_runs_the_workbook_commands(demo_url, tmp_path):
    target = tmp_path / "mau.xlsx"
    completed = subprocess.run(
        [sys.executable, "-m", "ledger", "--db", demo_url, "template", str(target)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 0 and target.exists(), completed.stderr


# --- the screen (AppTest) ------------------------------------------------------------------------------------

@pytest.fixture
def screen_db(app_ledger):
    return app_ledger


def open_excel_screen(database, user: str):
    from conftest import start_app

    return start_app(database, user, "pages/excel.py", timeout=120)


def test_the_screen_makes_an_extract_and_keeps_auditors_read_only(screen_db):
    at = open_excel_screen(screen_db, "auditor")
    assert at.title[0].value == "Nhập/xuất Excel"
    assert "Vai trò của bạn chỉ được xem" in at.info[0].value and not at.get("file_uploader")
    at.button(key="x_make").click().run()
    assert not at.exception
    lines = sql(screen_db, "SELECT COUNT(*) FROM budget_lines WHERE year = 2026")
    assert any(s.value.startswith("Đã tạo tệp:") for s in at.success)
    assert lines > 0


def test_the_screen_previews_lists_problems_and_posts_on_confirmation(screen_db):
    at = open_excel_screen(screen_db, "officer")
    wrong = build({"Dự toán": [LINE_HEADERS, line_row("BYT-TT-26-S1", estimate="12,5"), line_row("BYT-TT-26-S2", source="TU_NHAN")]})
    at.file_uploader(key="x_upload_0").set_value(("sai.xlsx", wrong, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")).run()
    assert not at.exception
    assert at.error[0].value == "Không ghi gì: tệp có 2 lỗi. Sửa tất cả rồi nhập lại."
    problems = at.table[0].value
    assert list(problems["Dòng"]) == ["2", "3"] and list(problems["Cột"]) == ["Dự toán giao", "Nguồn"]
    assert list(problems["Giá trị trong tệp"]) == ["12,5", "TU_NHAN"]
    assert not [b for b in at.button if b.key == "x_confirm"]
    right = build({"Dự toán": [LINE_HEADERS, line_row("BYT-TT-26-S1", estimate=12_500_000), line_row("BYT-TT-26-S2")]})
    at.file_uploader(key="x_upload_0").set_value(("dung.xlsx", right, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")).run()
    preview = at.dataframe[0].value
    assert list(preview["Mới"]) == [2] and list(preview["Tổng tiền dòng mới"]) == ["162.500.000 đ"]
    assert sql(screen_db, "SELECT COUNT(*) FROM budget_lines WHERE code LIKE 'BYT-TT-26-S%'") == 0
    at.button(key="x_confirm").click().run()
    assert not at.exception
    assert "Đã ghi sổ: 2 dòng mới, 0 dòng đã có (bỏ qua)." in [s.value for s in at.success]
    assert sql(screen_db, "SELECT COUNT(*) FROM budget_lines WHERE code LIKE 'BYT-TT-26-S%'") == 2


# --- 7. the year end's columns (issue 14): Chuyển từ dòng is read on import ----------------------------------

def _without_year_end_figures(sheets: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """The sheets with the Budget lines' Chuyển nguồn / Hủy dự toán blanked: they are the year-end
    run's entries, which no sheet imports (the run is not replayed), so they cannot come back."""
    header = list(sheets["Dự toán"][0])
    drop = {header.index(name) for name in YEAR_END_HEADERS[:2]}
    lines = [tuple(None if i in drop else cell for i, cell in enumerate(row)) if n else row for n, row in enumerate(sheets["Dự toán"])]
    return {**sheets, "Dự toán": lines}


def test_round_trip_after_the_year_end_keeps_carried_from(db, templates, backend, tmp_path):
    from ledger.demo.small import load_demo
    from ledger.store.db import Database

    load_demo(db, password="demo", year_end=True)
    first = export(db, SYSTEM, tmp_path, "first.xlsx", year=None)
    header = values(first, "Dự toán")[0]
    origin_at = header.index("Chuyển từ dòng")
    carried = [row for row in values(first, "Dự toán")[1:] if row[origin_at]]
    assert carried, "the demo's year end opened no line"
    target = Database(templates.fresh_url(backend, demo=False))
    try:
        result = import_workbook(target, SYSTEM, first)
        assert result.written, problems_of(result)[:10]
        second = export(target, SYSTEM, tmp_path, "second.xlsx", year=None)
        before, after = all_sheets(first), all_sheets(second)
        assert list(before) == list(after)
        assert [row[origin_at] for row in after["Dự toán"]] == [row[origin_at] for row in before["Dự toán"]]
        carried_at = header.index("Chuyển nguồn")
        assert any(row[carried_at] for row in before["Dự toán"][1:])  # the run's figures, in the first extract only
        assert not any(row[carried_at] for row in after["Dự toán"][1:])  # (no sheet brings the run's entries back)
        before, after = _without_year_end_figures(before), _without_year_end_figures(after)
        assert before["Dự toán"] == after["Dự toán"]
        for name in before:
            assert before[name] == after[name], name
        assert sql(target, "SELECT count(*) FROM budget_lines WHERE carried_from_id IS NOT NULL") == len(carried)
        assert sql(target, "SELECT count(*) FROM budget_lines l JOIN budget_lines o ON o.id = l.carried_from_id "
                           "WHERE o.year <> l.year - 1 OR o.unit_id <> l.unit_id") == 0
        again = import_workbook(target, SYSTEM, first)
        assert again.ok and again.new == 0, problems_of(again)[:10]
        # A line already there compares its origin too: naming another one is a difference, not a change.
        moved = [list(row) for row in values(first, "Dự toán")]
        at = next(n for n, row in enumerate(moved) if n and row[origin_at])
        moved[at][origin_at] = "KHAC-DONG"
        refused_file = import_workbook(target, SYSTEM, build({"Dự toán": [moved[0], moved[at]]}))
        assert keys_of(refused_file) == ["xl.differs"] and problems_of(refused_file)[0][4] == "KHAC-DONG"
    finally:
        target.dispose()


def test_carried_from_naming_no_line_of_the_previous_year_and_unit_is_a_located_problem(demo_db, actors):
    officer = actors["officer"]
    header = [*LINE_HEADERS, "Chuyển từ dòng"]
    row = ["BYT-TT-26-CF{}", 2026, "BYT-TT", "Chuyển nguồn", "BAO_CHI", "NSNN", None, None, None, 10_000_000]
    with demo_db.read() as session:
        from sqlalchemy import select

        from ledger.store.models import BudgetLine, Unit
        own = session.scalars(select(BudgetLine.code).join(Unit, Unit.id == BudgetLine.unit_id)
                              .where(BudgetLine.year == 2025, Unit.code == "BYT-TT").order_by(BudgetLine.code)).first()
        other = session.scalars(select(BudgetLine.code).join(Unit, Unit.id == BudgetLine.unit_id)
                                .where(BudgetLine.year == 2025, Unit.code != "BYT-TT").order_by(BudgetLine.code)).first()
        this_year = session.scalars(select(BudgetLine.code).where(BudgetLine.year == 2026).order_by(BudgetLine.code)).first()
    assert own and other and this_year
    rows = [[c.format(n) if isinstance(c, str) else c for c in row] + [origin] for n, origin in enumerate(["NO-SUCH-LINE", other, this_year])]
    result = import_workbook(demo_db, officer, build({"Dự toán": [header, *rows]}))
    assert not result.written
    found = problems_of(result, "en")
    assert [(p[0], p[1], p[2], p[4]) for p in found] == [
        ("Dự toán", 2, "Chuyển từ dòng", "NO-SUCH-LINE"),
        ("Dự toán", 3, "Chuyển từ dòng", other),
        ("Dự toán", 4, "Chuyển từ dòng", this_year),
    ], found
    assert all("no line" in p[3] and "2025" in p[3] for p in found)
    assert keys_of(result) == ["line.carried_from_unknown"] * 3
    good = import_workbook(demo_db, officer, build({"Dự toán": [header, [*[c.format(9) if isinstance(c, str) else c for c in row], own]]}))
    assert good.written, problems_of(good)
    assert sql(demo_db, "SELECT o.code FROM budget_lines l JOIN budget_lines o ON o.id = l.carried_from_id WHERE l.code = 'BYT-TT-26-CF9'") == own


def test_a_course_without_a_signing_date_is_signed_on_its_start_date_not_on_the_day_of_the_import(demo_db, actors, tmp_path, monkeypatch):
    """Issue 10: the Training sheet has no "Ngày ký"; signing it on the import day refused every earlier acceptance."""
    monkeypatch.setenv("LEDGER_TODAY", "20/11/2026")
    template = tmp_path / "template.xlsx"
    write_template(template)
    book = openpyxl.load_workbook(template)
    book["Dự toán"].append(line_row("BYT-TT-26-T9", description="Đào tạo kỹ năng phát ngôn", category="DAO_TAO", estimate=100_000_000))
    book["Đào tạo"].append(["KH-X-09", 2026, "BYT-TT-26-T9", "Tập huấn phát ngôn", "10/03/2026", "12/03/2026", 30, 40_000_000])
    book["Nghiệm thu"].append(["NT-X-09", "KH-X-09", "20/04/2026", 40_000_000, "Biên bản nghiệm thu khóa học"])
    buffer = io.BytesIO()
    book.save(buffer)
    result = import_workbook(demo_db, actors["officer"], buffer.getvalue())
    assert result.written, problems_of(result)
    assert sql(demo_db, "SELECT signed_on FROM commitments WHERE reference = 'KH-X-09'") in (dt.date(2026, 3, 10), "2026-03-10")
    assert sql(demo_db, "SELECT COUNT(*) FROM acceptances a JOIN commitments c ON c.id = a.commitment_id WHERE c.reference = 'KH-X-09'") == 1


def test_a_layout_row_of_text_reads_as_its_column_and_a_slip_in_it_fails_at_once():
    assert L._column("amount | Thành tiền | Amount | 18 | computed number") == L.Column(
        "amount", "Thành tiền", "Amount", L.COMPUTED, width=18, number=True)
    assert L._column(" line | Mã dòng | Line code | 16 | text required extra ") == L.Column(
        "line", "Mã dòng", "Line code", required=True, extra=True, width=16)
    for slip in ("x | X | X | 9 | text requried", "x | X | X | 9 | txt", "x | X | 9 | text"):
        with pytest.raises(ValueError):
            L._column(slip)
    # The shared columns are the sheets' own: a sheet that has one otherwise says so.
    assert L.ORDERS.column("signed_on").required and not L.COURSES.column("signed_on").required
    assert L.ACCEPTANCES.column("line") == L.Column("line", "Mã dòng", "Line code", L.COMPUTED, extra=True, width=16)
