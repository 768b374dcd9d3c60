"""The empty ledger workbook for bulk entry: an instructions sheet in Vietnamese ("Hướng dẫn"), then
every data sheet with its Vietnamese headers (required ones marked), column formats, and drop-down
lists (data validation) for the code columns."""

from __future__ import annotations

import os
from typing import IO

import xlsxwriter

from ledger.excel import layout as L
from ledger.excel.layout import AMOUNT, CODE_LISTS, DATE, SIGNED
from ledger.excel.reader import BLANK_ROWS_STOP, MAX_FILE_BYTES

VALIDATED_ROWS = 5000

RULES = [
    "Mỗi trang tính là một loại dữ liệu; có thể xóa trang không dùng. Sổ tìm trang theo tên (tiếng Việt hoặc tiếng Anh, "
    "không phân biệt hoa thường, dấu và khoảng trắng) và ghi theo thứ tự: Đơn vị → Cơ quan báo chí → Năm ngân sách → "
    "Chính sách → Góp ý dự thảo → Nhân sự truyền thông → Dự toán → Điều chỉnh → Kế hoạch truyền thông → Hoạt động truyền thông → "
    "Đặt hàng → Sản phẩm đặt hàng → Đào tạo → Học viên → Dịch vụ CNTT → Nguồn XHH → Nghiệm thu → Thanh toán.",
    "Dòng tiêu đề là dòng đầu tiên có đủ các cột bắt buộc (tô đỏ, có dấu *); có thể thêm dòng tiêu đề phụ phía trên. "
    "Các cột tìm theo tên, thứ tự tùy ý; cột lạ được bỏ qua.",
    "Số tiền: số nguyên đồng, nhập dạng số hoặc chữ 1.234.567 / 1.234.567 đ. Số có phần lẻ bị từ chối, không làm tròn.",
    "Ngày: ô ngày hoặc chữ dd/mm/yyyy. Năm: bốn chữ số.",
    "Mã (nhóm chi, nguồn, giai đoạn, loại dịch vụ, loại thanh toán, loại hình…): chọn trong danh sách hoặc gõ mã/tên "
    "bằng tiếng Việt hay tiếng Anh (bảng mã ở cuối trang này).",
    "Chỉ nhập giá trị, không dùng công thức, không gộp ô (merge), không ẩn trang tính của sổ.",
    "Tệp được kiểm tra toàn bộ trước khi ghi: mọi lỗi được liệt kê một lần (trang · dòng · cột · lỗi · giá trị); "
    "có bất kỳ lỗi nào thì không ghi gì. Nhập lại cùng một tệp không ghi trùng: dòng đã có được bỏ qua.",
    "Đặt hàng, Đào tạo, Dịch vụ CNTT được ký (cam kết chi) khi nhập, trừ khi cột Trạng thái ghi DU_THAO hoặc DA_HUY. "
    "Sản phẩm đặt hàng gắn với đơn theo Số hợp đồng; Giá trị đơn phải bằng tổng Số lượng × Đơn giá.",
    "Thanh toán không có Tham chiếu là chi trực tiếp trên Mã dòng. Tạm ứng (TAM_UNG) phải có Tham chiếu.",
    "Nhân sự truyền thông: mỗi dòng là một người và một lần phân công; dòng đầu tiên của một Mã nhân sự mới tạo người đó tại "
    "Mã đơn vị của dòng. Kết thúc phân công bằng Đến ngày; không xóa gì, sửa sai bằng một phân công mới. Học viên: người thuộc "
    "đơn vị của khóa hoặc đơn vị cấp dưới; Hoàn thành để trống nghĩa là Có (CO).",
    "Kế hoạch truyền thông: nhập ở trạng thái Dự thảo (DU_THAO); lãnh đạo phê duyệt trên màn hình (cần Số quyết định). Hoạt động "
    "thuộc kế hoạch theo Mã kế hoạch và Năm; ngày trong năm của kế hoạch; Mã dòng thuộc đơn vị của kế hoạch, cùng nguồn. Đặt hàng, "
    "Đào tạo, Dịch vụ CNTT có thể ghi Mã hoạt động: hoạt động của kế hoạch cùng năm, cùng chính sách.",
    f"Giới hạn: tệp tối đa {MAX_FILE_BYTES // 2**20} MB; sau {BLANK_ROWS_STOP} dòng trống liên tiếp sổ dừng đọc trang đó.",
]


def _code_tables() -> list[tuple[str, dict[str, tuple[str, str]]]]:
    seen, names, tables = set(), set(), []
    for (sheet_key, column_key), labels in CODE_LISTS.items():
        sheet = L.SHEETS_BY_KEY[sheet_key]
        column = sheet.column(column_key)
        if tuple(labels.items()) in seen:
            continue
        seen.add(tuple(labels.items()))
        name = f"{column.vi} / {column.en}"
        if name in names:  # the same column name with another list (a plan's status, an activity's stage)
            name = f"{name} ({sheet.vi} / {sheet.en})"
        names.add(name)
        tables.append((name, labels))
    return tables


def write_template(target: str | os.PathLike | IO[bytes]) -> None:
    book = xlsxwriter.Workbook(
        os.fspath(target) if isinstance(target, str | os.PathLike) else target,
        {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    header = book.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#E8EEF7", "bottom": 1})
    required = book.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#FCE4E4", "font_color": "#9C0006", "bottom": 1})
    title = book.add_format({"bold": True, "font_size": 14})
    bold = book.add_format({"bold": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    money = book.add_format({"num_format": "#,##0"})
    day = book.add_format({"num_format": "dd/mm/yyyy"})
    text = book.add_format({"num_format": "@"})

    guide = book.add_worksheet(L.GUIDE.vi)
    guide.set_column(0, 0, 30)
    guide.set_column(1, 1, 34)
    guide.set_column(2, 2, 12)
    guide.set_column(3, 3, 60)
    guide.write_string(0, 0, "Hướng dẫn nhập sổ ngân sách truyền thông chính sách bằng Excel", title)
    row = 2
    for number, rule in enumerate(RULES, start=1):
        guide.merge_range(row, 0, row, 3, f"{number}. {rule}", wrap)
        guide.set_row(row, 45)
        row += 1
    row += 1
    for index, name in enumerate(("Trang tính", "Cột", "Bắt buộc", "Ghi chú")):
        guide.write_string(row, index, name, header)
    for sheet in L.DATA_SHEETS:
        for column in sheet.columns:
            row += 1
            guide.write_string(row, 0, f"{sheet.vi} / {sheet.en}")
            guide.write_string(row, 1, f"{column.vi} / {column.en}")
            guide.write_string(row, 2, "có / yes" if column.required else "")
            notes = []
            if column.kind == "computed":
                notes.append("Cột tính sẵn trong bản trích xuất; bỏ qua khi nhập.")
            if column.kind == SIGNED:
                notes.append("Có thể âm (giảm, bút toán đảo).")
            if column.extra:
                notes.append("Cột bổ sung ngoài mẫu chuẩn (để trích xuất nhập lại đầy đủ); có thể để trống.")
            if column.key == "reverses":
                notes.append("Bút toán đảo: ghi số chứng từ/biên bản gốc (Điều chỉnh: số dòng của bút toán gốc trên trang này).")
            if column.key == "transfer":
                notes.append("Điều chuyển: hai dòng (âm và dương) cùng một mã.")
            if column.key == "carried_from":
                notes.append("Mã dòng năm trước (cùng đơn vị) mà phần chuyển nguồn đã mở dòng này.")
            guide.write_string(row, 3, " ".join(notes), wrap)
    row += 2
    guide.write_string(row, 0, "Bảng mã / Codes", bold)
    row += 1
    for index, name in enumerate(("Danh mục", "Mã", "Tên (tiếng Việt)", "Tên (tiếng Anh)")):
        guide.write_string(row, index, name, header)
    for name, labels in _code_tables():
        for code, (vi, en) in labels.items():
            row += 1
            guide.write_string(row, 0, name)
            guide.write_string(row, 1, code)
            guide.write_string(row, 2, vi)
            guide.write_string(row, 3, en)

    for sheet in L.DATA_SHEETS:
        worksheet = book.add_worksheet(sheet.vi)
        for index, column in enumerate(sheet.columns):
            cell_format = money if column.kind in (AMOUNT, SIGNED) or column.number else day if column.kind == DATE else None
            if column.key in ("chapter", "sub_item", "sector", "code", "reference", "voucher", "record", "decision", "course", "member",
                              "plan", "activity", "certificate"):
                cell_format = text
            worksheet.set_column(index, index, column.width, cell_format)
            name = f"{column.vi} *" if column.required else column.vi
            worksheet.write_string(0, index, name, required if column.required else header)
            worksheet.write_comment(0, index, f"{column.en}" + (" — bắt buộc / required" if column.required else ""))
            labels = CODE_LISTS.get((sheet.key, column.key))
            if labels:
                worksheet.data_validation(1, index, VALIDATED_ROWS, index, {
                    "validate": "list",
                    "source": list(labels),
                    "error_type": "warning",
                    "error_title": column.vi,
                    "error_message": "Chọn một mã trong danh sách (hoặc gõ tên của mã; xem trang Hướng dẫn).",
                })
        worksheet.freeze_panes(1, 0)
    book.close()
