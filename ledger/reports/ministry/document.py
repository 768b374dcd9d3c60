"""The report as an administrative document (Decree 30/2020/NĐ-CP, Appendix I), .docx via python-docx,
and its PDF through LibreOffice headless when it is installed.

python-docx rather than docxtpl: the document is mostly tables whose rows come from the figures
(children, categories, agencies), built in code either way; a template would add a binary .docx
to review by hand and Jinja tags inside Word runs, for a layout that is fixed by the decree.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from ledger.domain import codes
from ledger.domain.formatting import format_amount, format_date
from ledger.reports.ministry.consolidation import Report
from ledger.reports.ministry.figures import stored_period

NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
SECTIONS = ("I. ĐỘI NGŨ", "II. QUY TRÌNH", "III. KINH PHÍ", "IV. KHÓ KHĂN, VƯỚNG MẮC VÀ ĐỀ XUẤT")
FONT = "Times New Roman"


def date_in_words(place: str, day: dt.date) -> str:
    """``Hà Nội, ngày 15 tháng 3 năm 2027``: the decree writes days 1–9 and months 1–2 with a
    leading zero (``ngày 05 tháng 02``), so that nobody can add a digit in front."""
    d = f"{day.day:02d}" if day.day < 10 else str(day.day)
    m = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {d} tháng {m} năm {day.year}"


def period_words(report: Report, note: str = "") -> str:
    """The report's period as the document and the annex write it: ``năm 2025``, or ``từ ngày
    01/03/2025 đến ngày 30/06/2025 (năm 2025)``; a ``note`` joins the year in the brackets."""
    period = stored_period(report.figures)
    if period is None:
        return f"năm {report.year} ({note})" if note else f"năm {report.year}"
    start, end = map(format_date, period)
    year = f"năm {report.year}; {note}" if note else f"năm {report.year}"
    return f"từ ngày {start} đến ngày {end} ({year})"


def heading(report: Report) -> str:
    """The document's title line: the year, or the range of dates inside it."""
    return f"Công tác truyền thông chính sách {period_words(report)}"


def _paragraph(cell_or_doc, text: str = "", *, bold: bool = False, italic: bool = False, size: int = 13, align=None, upper: bool = False):
    p = cell_or_doc.add_paragraph()
    run = p.add_run(text.upper() if upper else text)
    run.bold, run.italic, run.font.size = bold, italic, Pt(size)
    if align is not None:
        p.alignment = align
    p.paragraph_format.space_after = Pt(0)
    return p


def _table(doc, headers: list[str], rows: list[list[Any]]) -> None:
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(header)
        run.bold, run.font.size = True, Pt(11)
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            run = cell.paragraphs[0].add_run(format_amount(value) if isinstance(value, int) and not isinstance(value, bool) else str(value))
            run.font.size = Pt(11)
            if isinstance(value, int):
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    doc.add_paragraph()


def _heading(cell_or_doc, text: str) -> None:
    _paragraph(cell_or_doc, text, bold=True, size=13)


def _staff(doc, report: Report) -> None:
    s = report.figures["staff"]
    _heading(doc, SECTIONS[0])
    _paragraph(doc, f"Số người được giao nhiệm vụ truyền thông chính sách: {s['people']} (chuyên trách {s['dedicated']}, kiêm nhiệm {s['part_time']}).")
    missing = s["without_spokesperson"]
    _paragraph(doc, f"Đơn vị chưa có người phát ngôn: {len(missing)}/{s['units']}" + (f" ({', '.join(missing)})." if missing else "."))
    per = "—" if s["cost_per_trained"] is None else format_amount(s["cost_per_trained"])
    _paragraph(doc, f"Đã bồi dưỡng (từ {format_date(dt.date.fromisoformat(s['window_start']))}): truyền thông chính sách {s['trained_policy']} người, "
               f"truyền thông khủng hoảng {s['trained_crisis']} người; {s['courses']} lớp, {s['participants']} lượt học viên; chi phí bình quân {per} đồng/người.")
    rows = [[c.code, c.name, c.figures["people"], c.figures["dedicated"], c.figures["part_time"], "Có" if c.figures["spokesperson"] else "Không",
             c.figures["trained_policy"], c.figures["trained_crisis"]] for c in report.children]
    _table(doc, ["Mã", "Đơn vị", "Số cán bộ", "Chuyên trách", "Kiêm nhiệm", "Người phát ngôn", "Bồi dưỡng TTCS", "Bồi dưỡng khủng hoảng"], rows)


def _process(doc, report: Report) -> None:
    p = report.figures["process"]
    _heading(doc, SECTIONS[1])
    _paragraph(doc, f"Chính sách chủ trì: {p['policies']}; thuộc phạm vi Quyết định 407: {p['large_impact']}; có kế hoạch truyền thông: {p['with_plan']}; "
               f"truyền thông từ giai đoạn đề xuất: {p['from_proposal']}; số ý kiến góp ý dự thảo: {p['comments']}.")
    _paragraph(doc, f"Hoạt động theo kế hoạch: {p['activities']}, đã thực hiện: {p['activities_done']}.")
    _table(doc, ["Dự kiến kinh phí", "Đã cam kết", "Đã chi"], [[p["planned_cost"], p["committed"], p["paid"]]])


def _money(doc, report: Report) -> None:
    m = report.figures["money"]
    _heading(doc, SECTIONS[2])
    _paragraph(doc, "Đơn vị tính: đồng.", italic=True)
    rows = [[codes.label(codes.CATEGORIES, r["category"]), r["source"], r["estimate"], r["allocated"], r["committed"], r["paid"], r["available"]] for r in m["rows"]]
    t = m["total"]
    rows.append(["Tổng cộng", "", t["estimate"], t["allocated"], t["committed"], t["paid"], t["available"]])
    _table(doc, ["Nhóm chi", "Nguồn", "Dự toán", "Được giao", "Đã cam kết", "Đã chi", "Còn lại"], rows)
    if m["top_agencies"]:
        share = "—" if m["top_five_share"] is None else f"{m['top_five_share']}%"
        _paragraph(doc, f"Cơ quan báo chí được đặt hàng nhiều nhất (5 cơ quan chiếm {share} tổng đặt hàng):")
        _table(doc, ["Cơ quan báo chí", "Giá trị"], [[a["name"], a["amount"]] for a in m["top_agencies"]])


def _texts(doc, report: Report) -> None:
    _heading(doc, SECTIONS[3])
    for title, text in (("1. Khó khăn, vướng mắc", report.settings.difficulties), ("2. Đề xuất, kiến nghị", report.settings.proposals)):
        _paragraph(doc, title, bold=True)
        for line in (text or "…").splitlines() or ["…"]:
            _paragraph(doc, line)


def write_docx(report: Report, on: dt.date | None = None) -> bytes:
    """The report as .docx bytes (A4, Times New Roman 13), dated ``on`` (the submission day, else today)."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin, section.left_margin, section.right_margin = Mm(20), Mm(20), Mm(30), Mm(15)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(13)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    s = report.settings
    head = doc.add_table(rows=1, cols=2)
    left, right = head.rows[0].cells
    left.text = right.text = ""
    _paragraph(left, report.parent_name, size=12, align=WD_ALIGN_PARAGRAPH.CENTER, upper=True)
    _paragraph(left, report.unit_name, bold=True, size=12, align=WD_ALIGN_PARAGRAPH.CENTER, upper=True)
    _paragraph(left, f"Số: {s.number or '      '}/BC-{report.unit_code}", size=13, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(right, NATIONAL_TITLE, bold=True, size=12, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(right, MOTTO, bold=True, size=13, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(right, date_in_words(s.place or "Hà Nội", on or dt.date.today()), italic=True, size=13, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(doc)
    _paragraph(doc, "BÁO CÁO", bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(doc, heading(report), bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(doc, f"Kính gửi: {s.addressee}", size=14, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(doc)
    _staff(doc, report)
    _process(doc, report)
    _money(doc, report)
    _texts(doc, report)
    foot = doc.add_table(rows=1, cols=2)
    left, right = foot.rows[0].cells
    left.text = right.text = ""
    _paragraph(left, "Nơi nhận:", bold=True, italic=True, size=12)
    for line in (s.recipients or "").splitlines():
        _paragraph(left, line, size=11)
    _paragraph(right, s.signer_title or "THỦ TRƯỞNG ĐƠN VỊ", bold=True, size=13, align=WD_ALIGN_PARAGRAPH.CENTER, upper=True)
    for _ in range(3):
        _paragraph(right)
    _paragraph(right, s.signer_name, bold=True, size=13, align=WD_ALIGN_PARAGRAPH.CENTER)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(docx: bytes, timeout: float = 120) -> bytes | None:
    """The PDF of a .docx through LibreOffice headless; None when LibreOffice is not installed.
    Raises RuntimeError when the conversion fails."""
    program = soffice()
    if program is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "report.docx"
        source.write_bytes(docx)
        # A profile of its own: a second LibreOffice (the user's, another conversion) would otherwise
        # take the first's lock and exit without converting.
        profile = (Path(folder) / "profile").as_uri()
        done = subprocess.run(
            [program, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf", "--outdir", folder, str(source)],
            capture_output=True, timeout=timeout, check=False,
        )
        target = Path(folder) / "report.pdf"
        if done.returncode != 0 or not target.exists():
            raise RuntimeError(f"LibreOffice could not convert the report: {done.stderr.decode(errors='replace')[-500:]}")
        return target.read_bytes()
