"""The annex of the report, .xlsx (xlsxwriter, rows streamed in ``constant_memory`` mode like the
extract): sheets ``Thông tin``, ``Tổng hợp đơn vị``, ``Nhân sự``, ``Kế hoạch``, ``Kinh phí``.

Every amount is an integer number of đồng written as a number with ``#,##0``; each ``Tổng cộng``
row is the exact sum of the rows above it (computed here in int, written as a value, so that a
reader sees the same number without recalculating formulas).
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import xlsxwriter

from ledger.domain import codes
from ledger.domain.formatting import format_date, format_datetime
from ledger.reports.ministry.consolidation import Report
from ledger.reports.ministry.document import period_words
from ledger.reports.ministry.figures import CHILD_FIELDS, MONEY

MONEY_FORMAT = "#,##0"
TOTAL = "Tổng cộng"
SUMMARY_HEADERS = (
    "Mã đơn vị", "Tên đơn vị", "Trạng thái báo cáo", "Ngày nộp", "Số cán bộ", "Chuyên trách", "Kiêm nhiệm", "Có người phát ngôn",
    "Đã bồi dưỡng TTCS", "Đã bồi dưỡng khủng hoảng", "Chính sách chủ trì", "Thuộc QĐ 407", "Có kế hoạch", "Từ giai đoạn đề xuất",
    "Dự toán NSNN", "Dự toán XHH", "Đã cam kết", "Đã chi", "Chi đặt hàng báo chí", "Chi đào tạo", "Chi CNTT", "Chuyển nguồn", "Hủy dự toán",
    "Số liệu thay đổi sau khi nộp",
)
# The summary's figure columns, in the headers' order (after code, name, state and date).
SUMMARY_FIELDS = CHILD_FIELDS
AMOUNT_FIELDS = {"estimate_nsnn", "estimate_xhh", "committed", "paid", "paid_press", "paid_training", "paid_it", "carried_over", "cancelled"}
PEOPLE_HEADERS = ("Mã nhân sự", "Họ tên", "Mã đơn vị", "Chức vụ", "Vai trò", "Chế độ", "Đã bồi dưỡng TTCS (khóa)", "Đã bồi dưỡng khủng hoảng (khóa)")
PLAN_HEADERS = ("Mã kế hoạch", "Chính sách", "Mã hoạt động", "Giai đoạn", "Hình thức", "Từ ngày", "Đến ngày", "Dự kiến kinh phí", "Đã cam kết", "Đã chi")
MONEY_HEADERS = ("Nhóm chi", "Nguồn", "Dự toán ban đầu", "Dự toán được giao", "Đã cam kết", "Đã chi", "Còn lại", "Chuyển nguồn", "Hủy dự toán")


def state_label(state: str) -> str:
    return codes.label(codes.REPORT_STATES, state) if state else ""


def summary_rows(report: Report) -> list[list[Any]]:
    """The rows of ``Tổng hợp đơn vị`` (values as written), ``Tổng cộng`` last."""
    rows = []
    for child in report.children:
        state = state_label(child.state) if not child.own else "Đơn vị trực tiếp"
        date = format_date(child.submitted_at.date()) if child.submitted_at else ""
        rows.append([child.code, child.name, state, date, *(child.figures[f] for f in SUMMARY_FIELDS), "X" if child.changed else ""])
    rows.append(["", TOTAL, f"{report.submitted}/{sum(1 for c in report.children if not c.own)}", "", *(report.total[f] for f in SUMMARY_FIELDS), ""])
    return rows


def info_rows(report: Report) -> list[tuple[str, Any]]:
    latest = report.versions[-1] if report.versions else None
    s = report.settings
    return [
        ("Đơn vị", f"{report.unit_code} – {report.unit_name}"),
        ("Kỳ báo cáo", period_label(report)),
        ("Nơi nhận báo cáo", s.addressee),
        ("Hạn nộp", format_date(s.deadline)),
        ("Số báo cáo", s.number),
        ("Phiên bản", latest.version if latest and report.frozen else "Dự thảo"),
        ("Trạng thái", state_label(report.state if report.frozen or not latest else "DU_THAO")),
        ("Nộp lúc", format_datetime(latest.submitted_at) if latest and report.frozen else ""),
        ("Mã băm đầu chuỗi kiểm toán", latest.audit_hash if latest and report.frozen else ""),
        ("Mã băm nội dung", latest.content_hash if latest and report.frozen else ""),
        ("Lập bởi", f"{report.generated_by}, {format_datetime(report.generated_at)}"),
    ]


def period_label(report: Report) -> str:
    """The period in words: the year, or the range inside it; with the day the figures stand at."""
    words = period_words(report, note=f"số liệu đến ngày {format_date(_as_of(report))}")
    return words[0].upper() + words[1:]  # a cell of its own: it starts with a capital


def _as_of(report: Report) -> dt.date:
    return dt.date.fromisoformat(report.figures["as_of"])


def money_rows(report: Report) -> list[list[Any]]:
    rows = [[codes.label(codes.CATEGORIES, r["category"]), codes.label(codes.SOURCES, r["source"]), *(r[k] for k in MONEY)] for r in report.figures["money"]["rows"]]
    rows.append([TOTAL, "", *(sum(r[k] for r in report.figures["money"]["rows"]) for k in MONEY)])
    return rows


def write_annex(report: Report) -> bytes:
    """The annex as bytes."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": True})
    money = book.add_format({"num_format": MONEY_FORMAT})
    bold = book.add_format({"bold": True})
    money_bold = book.add_format({"num_format": MONEY_FORMAT, "bold": True})

    def sheet(name: str, headers, rows, amounts: set[int], widths=None):
        ws = book.add_worksheet(name)
        for c in range(len(headers)):
            ws.set_column(c, c, (widths or {}).get(c, 16))
        ws.write_row(0, 0, headers, bold)
        for r, values in enumerate(rows, start=1):
            last = values and values[:2] and TOTAL in (values[0], values[1])
            for c, value in enumerate(values):
                if c in amounts and isinstance(value, int):
                    ws.write_number(r, c, value, money_bold if last else money)
                elif isinstance(value, int | float) and not isinstance(value, bool):
                    ws.write_number(r, c, value, bold if last else None)
                else:
                    ws.write_string(r, c, "" if value is None else str(value), bold if last else None)
        ws.freeze_panes(1, 0)

    sheet("Thông tin", ("Mục", "Giá trị"), [list(r) for r in info_rows(report)], set(), {0: 30, 1: 80})
    sheet("Tổng hợp đơn vị", SUMMARY_HEADERS, summary_rows(report), {4 + i for i, f in enumerate(SUMMARY_FIELDS) if f in AMOUNT_FIELDS}, {1: 40})
    people = [[p["code"], p["name"], p["unit"], p["position"], codes.label(codes.STAFF_ROLES, p["role"]), codes.label(codes.ASSIGNMENT_MODES, p["mode"]), p["policy"], p["crisis"]] for p in report.figures["people"]]
    sheet("Nhân sự", PEOPLE_HEADERS, people, set(), {1: 30})
    activities = report.figures["activities"]
    plans = [[a["plan"], a["policy"], a["activity"], codes.label(codes.POLICY_STAGES, a["stage"]), codes.label(codes.CHANNELS, a["channel"]),
              format_date(_date(a["start_on"])), format_date(_date(a["end_on"])), a["estimated"], a["committed"], a["paid"]] for a in activities]
    plans.append(["", TOTAL, "", "", "", "", "", *(sum(a[k] for a in activities) for k in ("estimated", "committed", "paid"))])
    sheet("Kế hoạch", PLAN_HEADERS, plans, {7, 8, 9})
    sheet("Kinh phí", MONEY_HEADERS, money_rows(report), set(range(2, 2 + len(MONEY))), {0: 24})
    book.close()
    return buffer.getvalue()


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)
