"""Texts of the workbook import/export and of the audit-trail screen, in Vietnamese and English,
merged into the ledger's message catalogue (``ledger.i18n.MESSAGES``) when ``ledger.excel`` loads."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ledger.domain.errors import Problem
from ledger.i18n import MESSAGES, t


class Localized(str):
    """A text known in both languages (a column's or a sheet's name): Vietnamese unless asked."""

    en: str

    def __new__(cls, vi: str, en: str) -> Localized:
        obj = super().__new__(cls, vi)
        obj.en = en
        return obj

    def in_lang(self, lang: str) -> str:
        return self.en if lang == "en" else str(self)


def localize(value: Any, lang: str) -> Any:
    return value.in_lang(lang) if isinstance(value, Localized) else value


class ExcelProblem(Problem):
    """A problem of the workbook itself; its parameters may be ``Localized`` and its message may
    name where it is (``{sheet}``, ``{row}``, ``{column}``, ``{value}``)."""

    def message(self, lang: str = "vi") -> str:
        params = {"sheet": self.sheet, "row": self.row, "column": localize(self.column, lang), "value": self.value}
        params.update({k: localize(v, lang) for k, v in self.params.items()})
        return t(self.key, lang, **params)


def xproblem(
    message_key: str, /, *, sheet: str | None = None, row: int | None = None, column: Any = None, value: Any = None,
    field: str | None = None, **params: Any,
) -> ExcelProblem:
    return ExcelProblem(key=message_key, params=params, field=field, sheet=sheet, row=row, column=column, value=value)


def located(problem: Problem, **where: Any) -> Problem:
    """A service's problem with the workbook position added (keeping what it already says)."""
    return replace(problem, **{k: v for k, v in where.items() if v is not None or k in ("column", "value")})


EXCEL_TEXT: dict[str, dict[str, str]] = {
    # --- the file as a whole ---------------------------------------------------------------------
    "xl.too_large": {
        "vi": "Tệp nặng {size}, vượt quá giới hạn {limit} của sổ; hãy chia thành nhiều tệp nhỏ hơn.",
        "en": "The file is {size}, above the ledger's limit of {limit}; split it into smaller files.",
    },
    "xl.empty": {"vi": "Tệp rỗng.", "en": "The file is empty."},
    "xl.not_xlsx": {
        "vi": "Tệp không phải sổ tính Excel .xlsx (có thể là .xls, .csv, tệp có mật khẩu hoặc tệp hỏng). "
        "Hãy mở bằng Excel hoặc LibreOffice và lưu lại dưới dạng Excel Workbook (.xlsx).",
        "en": "The file is not an Excel .xlsx workbook (it may be .xls, .csv, password-protected or broken). "
        "Open it in Excel or LibreOffice and save it as an Excel Workbook (.xlsx).",
    },
    "xl.inflates": {
        "vi": "Tệp khi giải nén sẽ chiếm {size}, vượt quá giới hạn {limit}; sổ không mở tệp này.",
        "en": "Unpacked, the file would take {size}, above the limit of {limit}; the ledger does not open it.",
    },
    "xl.ratio": {
        "vi": "Tệp nén bất thường: phần {member} phình ra {ratio} lần (giới hạn {limit} lần); sổ không mở tệp này.",
        "en": "Abnormal compression: part {member} inflates {ratio} times (limit {limit}); the ledger does not open it.",
    },
    "xl.unreadable": {
        "vi": "Không đọc được sổ tính ({detail}); hãy mở và lưu lại bằng Excel hoặc LibreOffice.",
        "en": "The workbook cannot be read ({detail}); open and save it again in Excel or LibreOffice.",
    },
    "xl.unreadable_sheet": {
        "vi": "Trang tính {sheet}: không đọc được nội dung ({detail}).",
        "en": "Sheet {sheet}: its content cannot be read ({detail}).",
    },
    "xl.no_sheets": {
        "vi": "Không có trang tính nào mang tên trang của sổ (Đơn vị, Dự toán, Điều chỉnh, Đặt hàng, Thanh toán…).",
        "en": "No sheet carries one of the ledger's sheet names (Units, Budget lines, Adjustments, Orders, Payments…).",
    },
    "xl.no_about": {
        "vi": "Tệp không có trang Thông tin (About) của một bản trích xuất.",
        "en": "The file has no About sheet of an extract.",
    },
    "xl.hidden_sheet": {
        "vi": "Trang tính {sheet} đang bị ẩn; sổ không nhập trang ẩn. Hãy bỏ ẩn (Unhide) hoặc xóa trang đó.",
        "en": "Sheet {sheet} is hidden; the ledger does not import hidden sheets. Unhide or delete it.",
    },
    "xl.duplicate_sheet": {
        "vi": "Hai trang tính {first} và {second} cùng là một trang của sổ; hãy giữ một.",
        "en": "Sheets {first} and {second} are the same ledger sheet; keep one.",
    },
    "xl.header_missing": {
        "vi": "Trang {sheet}: không tìm thấy dòng tiêu đề có đủ các cột bắt buộc; thiếu: {missing}.",
        "en": "Sheet {sheet}: no header row holds all the required columns; missing: {missing}.",
    },
    "xl.duplicate_column": {
        "vi": "Cột {column} có hai lần (cột {first} và cột {second}); hãy giữ một.",
        "en": "Column {column} appears twice (columns {first} and {second}); keep one.",
    },
    "xl.blank_stop": {
        "vi": "Trang {sheet}: dừng đọc ở dòng {row} sau {count} dòng trống liên tiếp; các dòng sau đó không được nhập.",
        "en": "Sheet {sheet}: reading stopped at row {row} after {count} blank rows in a row; rows after it are not imported.",
    },
    # --- cells -----------------------------------------------------------------------------------
    "xl.formula": {
        "vi": "Ô chứa công thức; sổ chỉ nhận giá trị. Hãy dán giá trị (Paste Special → Values).",
        "en": "The cell holds a formula; the ledger takes values only. Paste the values (Paste Special → Values).",
    },
    "xl.cell_error": {
        "vi": "Ô có lỗi {value}; hãy nhập giá trị đúng.",
        "en": "The cell holds the error {value}; enter the right value.",
    },
    "xl.merged": {
        "vi": "Các ô {value} bị gộp (merge); hãy bỏ gộp và điền đủ từng ô.",
        "en": "Cells {value} are merged; unmerge them and fill every cell.",
    },
    "xl.required": {"vi": "Chưa nhập {column}.", "en": "{column} is missing."},
    "xl.not_whole": {
        "vi": "{column} phải là số nguyên dương.",
        "en": "{column} must be a positive whole number.",
    },
    "xl.percent": {"vi": "{column} phải là số nguyên từ 0 đến 100.", "en": "{column} must be a whole number from 0 to 100."},
    "xl.code_unknown": {
        "vi": "Giá trị không có trong danh mục {column}; dùng mã hoặc tên: {codes}.",
        "en": "Not in the {column} list; use a code or its name: {codes}.",
    },
    "xl.text_for_date": {
        "vi": "{column} phải là ô ngày hoặc chữ dạng dd/mm/yyyy.",
        "en": "{column} must be a date cell or text dd/mm/yyyy.",
    },
    # --- rows against the ledger -------------------------------------------------------------------
    "xl.differs": {
        "vi": "{item} đã có trong sổ nhưng {column} khác với tệp; sổ không sửa bút toán đã ghi.",
        "en": "{item} is already in the ledger but its {column} differs from the file; the ledger does not edit what is posted.",
    },
    "xl.items_differ": {
        "vi": "Đơn đặt hàng {item} đã có trong sổ với danh sách sản phẩm khác tệp.",
        "en": "Order {item} is already in the ledger with other items than the file's.",
    },
    "xl.duplicate_row": {
        "vi": "Trùng khóa {item} với dòng {first} của trang này.",
        "en": "Same key {item} as row {first} of this sheet.",
    },
    "xl.dependent": {
        "vi": "Trang {sheet}: {count} dòng (từ dòng {first}) chưa được kiểm tra vì dựa vào dòng có lỗi nêu trên.",
        "en": "Sheet {sheet}: {count} rows (from row {first}) were not checked: they rely on rows with problems above.",
    },
    "xl.items_without_order": {
        "vi": "Không có đơn đặt hàng {value} trong tệp hay trong sổ cho sản phẩm này.",
        "en": "There is no order {value}, in the file or in the ledger, for this item.",
    },
    "xl.ambiguous_reference": {
        "vi": "Số {value} có ở nhiều năm; hãy ghi cột Năm.",
        "en": "Number {value} exists in several years; fill in the Year column.",
    },
    "xl.transfer_pair": {
        "vi": "Điều chuyển {value} phải có đúng hai dòng: một âm, một dương cùng số tiền, cùng ngày, cùng số quyết định và lý do.",
        "en": "Transfer {value} needs exactly two rows: one negative and one positive of the same amount, date, decision and reason.",
    },
    "xl.reverses_row": {
        "vi": "Dòng {target} không phải bút toán mà dòng này đảo được (khác dòng dự toán, số tiền không đối nhau, khác số quyết định, hoặc là bút toán đảo).",
        "en": "Row {target} is not an entry this row can reverse (another line, amounts not opposite, another decision, or itself a reversal).",
    },
    "xl.reverses_unknown": {
        "vi": "Không có chứng từ hoặc biên bản gốc {value} để đảo.",
        "en": "There is no original voucher or record {value} to reverse.",
    },
    "xl.reversal_amount": {
        "vi": "Bút toán đảo phải bằng âm của số gốc: {amount} đ.",
        "en": "A reversal must be the negative of the original: {amount} đ.",
    },
    "xl.reversal_number": {
        "vi": "Sổ đánh số bút toán đảo là {generated}, khác với tệp.",
        "en": "The ledger numbers this reversal {generated}, not as in the file.",
    },
    "xl.status_backwards": {
        "vi": "{item} đang ở trạng thái {current} trong sổ; tệp không thể đưa về {target}.",
        "en": "{item} is {current} in the ledger; a file cannot take it back to {target}.",
    },
    "xl.final_value": {
        "vi": "{item}: giá trị thanh lý theo nghiệm thu là {computed} đ, khác với tệp.",
        "en": "{item}: the final value from acceptances is {computed} đ, not as in the file.",
    },
    "xl.db_error": {
        "vi": "Cơ sở dữ liệu từ chối dòng này ({detail}).",
        "en": "The database refused this row ({detail}).",
    },
    "transfer.key": {
        "vi": "Mã điều chuyển phải có từ 1 đến 36 ký tự (giá trị: {value}).",
        "en": "A transfer key has 1 to 36 characters (value: {value}).",
    },
    "transfer.key_used": {
        "vi": "Mã điều chuyển {value} đã được dùng cho một điều chuyển khác.",
        "en": "Transfer key {value} is already used by another transfer.",
    },
    # --- import summary ------------------------------------------------------------------------
    "xl.result_written": {
        "vi": "Đã ghi sổ: {created} dòng mới, {unchanged} dòng đã có (bỏ qua).",
        "en": "Posted: {created} new rows, {unchanged} rows already there (skipped).",
    },
    "xl.result_dry_run": {
        "vi": "Kiểm tra xong, chưa ghi gì: sẽ ghi {created} dòng mới, {unchanged} dòng đã có (bỏ qua).",
        "en": "Checked, nothing written: {created} new rows would be posted, {unchanged} are already there (skipped).",
    },
    "xl.result_refused": {
        "vi": "Không ghi gì: tệp có {count} lỗi. Sửa tất cả rồi nhập lại.",
        "en": "Nothing written: the file has {count} problems. Fix them all and import again.",
    },
    # --- screens -------------------------------------------------------------------------------
    "ui.page_excel": {"vi": "Nhập/xuất Excel", "en": "Excel import/export"},
    "ui.page_audit": {"vi": "Nhật ký kiểm toán", "en": "Audit trail"},
    "ui.x_export": {"vi": "Trích xuất sổ ra Excel", "en": "Extract the ledger to Excel"},
    "ui.x_export_help": {
        "vi": "Tệp gồm trang Thông tin, Tổng hợp (công thức), các trang dữ liệu và Nhật ký trong phạm vi của bạn.",
        "en": "The file holds the About and Summary (formulas) sheets, the data sheets and the audit log of your scope.",
    },
    "ui.x_all_units": {"vi": "Toàn bộ phạm vi của bạn", "en": "All of your scope"},
    "ui.x_make": {"vi": "Tạo tệp trích xuất", "en": "Make the extract"},
    "ui.x_download": {"vi": "Tải tệp trích xuất {name}", "en": "Download the extract {name}"},
    "ui.x_made": {"vi": "Đã tạo tệp: {rows} dòng dữ liệu.", "en": "Extract made: {rows} data rows."},
    "ui.x_template": {"vi": "Mẫu nhập liệu", "en": "Entry template"},
    "ui.x_template_help": {
        "vi": "Sổ tính trống có tiêu đề cột, danh sách chọn mã và trang Hướng dẫn.",
        "en": "An empty workbook with the column headers, code drop-downs and an instructions sheet.",
    },
    "ui.x_template_download": {"vi": "Tải mẫu nhập liệu (.xlsx)", "en": "Download the template (.xlsx)"},
    "ui.x_import": {"vi": "Nhập từ Excel", "en": "Import from Excel"},
    "ui.x_import_help": {
        "vi": "Tệp được kiểm tra toàn bộ trước; chỉ ghi sổ khi không có lỗi nào, và ghi tất cả hoặc không ghi gì.",
        "en": "The whole file is checked first; it is posted only when there is no problem, all or nothing.",
    },
    "ui.x_upload": {"vi": "Chọn tệp .xlsx", "en": "Choose an .xlsx file"},
    "ui.x_preview": {"vi": "Xem trước: những gì sẽ được ghi", "en": "Preview: what would be posted"},
    "ui.x_problems": {"vi": "Lỗi cần sửa ({count})", "en": "Problems to fix ({count})"},
    "ui.x_notes": {"vi": "Lưu ý", "en": "Notes"},
    "ui.x_confirm": {"vi": "Xác nhận ghi sổ", "en": "Confirm and post"},
    "ui.x_nothing_new": {"vi": "Tệp không có dòng mới nào để ghi.", "en": "The file has no new row to post."},
    "ui.x_written_rows": {"vi": "Các dòng đã ghi", "en": "Rows posted"},
    "ui.x_new_rows": {"vi": "Các dòng sẽ ghi", "en": "Rows to be posted"},
    "ui.x_read_only": {
        "vi": "Vai trò của bạn chỉ được xem; nhập Excel dành cho cán bộ tài chính và quản trị viên.",
        "en": "Your role may read only; importing is for finance officers and administrators.",
    },
    "ui.x_sheet": {"vi": "Trang tính", "en": "Sheet"},
    "ui.x_row": {"vi": "Dòng", "en": "Row"},
    "ui.x_column": {"vi": "Cột", "en": "Column"},
    "ui.x_what": {"vi": "Lỗi", "en": "What is wrong"},
    "ui.x_value": {"vi": "Giá trị trong tệp", "en": "Value found"},
    "ui.x_rows": {"vi": "Số dòng", "en": "Rows"},
    "ui.x_new": {"vi": "Mới", "en": "New"},
    "ui.x_unchanged": {"vi": "Đã có", "en": "Already there"},
    "ui.x_total_new": {"vi": "Tổng tiền dòng mới", "en": "Amount of new rows"},
    "ui.x_total": {"vi": "Tổng tiền cả trang", "en": "Amount of the sheet"},
    "ui.x_key": {"vi": "Khóa", "en": "Key"},
    # audit screen
    "ui.au_filters": {"vi": "Lọc sự kiện", "en": "Filter events"},
    "ui.au_actor": {"vi": "Người thực hiện", "en": "Who"},
    "ui.au_action": {"vi": "Thao tác", "en": "Action"},
    "ui.au_from": {"vi": "Từ ngày", "en": "From"},
    "ui.au_to": {"vi": "Đến ngày", "en": "To"},
    "ui.au_entity_type": {"vi": "Loại đối tượng", "en": "Entity type"},
    "ui.au_entity_id": {"vi": "Mã đối tượng (id)", "en": "Entity id"},
    "ui.au_any": {"vi": "(tất cả)", "en": "(any)"},
    "ui.au_seq": {"vi": "STT", "en": "Seq"},
    "ui.au_time": {"vi": "Thời điểm (giờ VN)", "en": "Time (Vietnam)"},
    "ui.au_hash": {"vi": "Mã băm", "en": "Hash"},
    "ui.au_count": {"vi": "{count} sự kiện (mới nhất trước).", "en": "{count} events (newest first)."},
    "ui.au_more": {
        "vi": "Hiển thị {count} sự kiện mới nhất; hãy lọc thêm để xem các sự kiện cũ hơn.",
        "en": "Showing the newest {count} events; filter further to see older ones.",
    },
    "ui.au_none": {"vi": "Không có sự kiện nào khớp bộ lọc.", "en": "No event matches the filters."},
    "ui.au_detail": {"vi": "Xem chi tiết sự kiện", "en": "Show an event's detail"},
    "ui.au_before": {"vi": "Trước", "en": "Before"},
    "ui.au_after": {"vi": "Sau", "en": "After"},
    "ui.au_chain": {"vi": "Chuỗi nhật ký", "en": "The chain"},
    "ui.au_head": {"vi": "Đầu chuỗi: sự kiện số {seq} trên tổng {events} sự kiện.", "en": "Head: event {seq} of {events} events."},
    "ui.au_head_hash": {"vi": "Mã băm đầu chuỗi", "en": "Head hash"},
    "ui.au_verify": {"vi": "Kiểm tra toàn vẹn chuỗi", "en": "Verify the chain"},
    "ui.au_verify_ok": {
        "vi": "Chuỗi toàn vẹn: {events} sự kiện nối đúng mã băm, {rows} dòng dữ liệu khớp với nhật ký.",
        "en": "The chain is intact: {events} events correctly linked, {rows} data rows match the trail.",
    },
    "ui.au_verify_broken": {
        "vi": "Chuỗi bị phá vỡ tại sự kiện số {seq}. Chi tiết: {reason}",
        "en": "The chain is broken at event {seq}. Detail: {reason}",
    },
    "ui.au_verify_broken_row": {
        "vi": "Dữ liệu không khớp nhật ký. Chi tiết: {reason}",
        "en": "The data does not match the trail. Detail: {reason}",
    },
    "ui.au_compare": {"vi": "Đối chiếu một tệp trích xuất", "en": "Check an extract against the ledger"},
    "ui.au_compare_help": {
        "vi": "Tải lên tệp trích xuất (.xlsx); sổ đọc trang Thông tin và so mã băm đầu chuỗi với nhật ký.",
        "en": "Upload an extract (.xlsx); the ledger reads its About sheet and looks its head hash up in the chain.",
    },
    "ui.au_extract_info": {
        "vi": "Tệp do {by} xuất lúc {at}; mã băm đầu chuỗi trong tệp: {hash} (sự kiện số {seq}).",
        "en": "Exported by {by} at {at}; head hash in the file: {hash} (event {seq}).",
    },
    "ui.au_match_head": {
        "vi": "Khớp đầu chuỗi hiện tại (sự kiện số {seq}): từ khi xuất tệp, sổ chưa ghi thêm gì.",
        "en": "Matches the current head (event {seq}): nothing has been posted since the extract was made.",
    },
    "ui.au_match_earlier": {
        "vi": "Khớp sự kiện số {seq} của chuỗi: tệp được xuất khi đó; sau đó sổ đã ghi thêm {since} sự kiện.",
        "en": "Matches event {seq} of the chain: the extract was made then; {since} events have been posted since.",
    },
    "ui.au_seq_mismatch": {
        "vi": "Lưu ý: tệp ghi số thứ tự {claimed}, nhưng mã băm thuộc sự kiện số {seq}.",
        "en": "Note: the file says event {claimed}, but the hash is that of event {seq}.",
    },
    "ui.au_no_match": {
        "vi": "Mã băm của tệp không có trong chuỗi nhật ký này: tệp từ sổ khác, hoặc tệp hay nhật ký đã bị sửa.",
        "en": "The file's hash is not in this ledger's chain: it comes from another ledger, or the file or the trail was altered.",
    },
    "ui.au_no_hash": {
        "vi": "Trang Thông tin của tệp không có mã băm đầu chuỗi.",
        "en": "The file's About sheet holds no head hash.",
    },
}

MESSAGES.update(EXCEL_TEXT)
