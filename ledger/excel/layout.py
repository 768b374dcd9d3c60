"""The ledger workbook's layout: sheets and columns in Vietnamese and English, and the codes of
its code columns (shared/spec/ledger-workbook.md, extended with the columns a round trip needs).

Names are matched the spec's way: case, accents and surrounding spaces ignored (``fold``); a header
may also be written "Vietnamese / English" or end in "*". Columns marked ``extra`` are not in the
spec; columns of kind ``computed`` are written by the extract and ignored on import.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.domain import codes
from ledger.domain.codes import fold

# Column kinds: how a cell is read and written.
TEXT, CODE, AMOUNT, SIGNED, DATE, YEAR, INT, COMPUTED = "text", "code", "amount", "signed", "date", "year", "int", "computed"


@dataclass(frozen=True)
class Column:
    key: str
    vi: str
    en: str
    kind: str = TEXT
    required: bool = False
    extra: bool = False
    width: int = 16
    number: bool = False  # a computed column holding an amount (written with the amount format)

    def label(self, lang: str = "vi") -> str:
        return self.en if lang == "en" else self.vi

    @property
    def names(self) -> set[str]:
        return {fold(self.vi), fold(self.en), fold(f"{self.vi} / {self.en}")}


@dataclass(frozen=True)
class Sheet:
    key: str
    vi: str
    en: str
    columns: tuple[Column, ...]
    amount: str | None = None  # the column totalled in the About sheet and the import preview
    extra: bool = False

    def label(self, lang: str = "vi") -> str:
        return self.en if lang == "en" else self.vi

    @property
    def names(self) -> set[str]:
        return {fold(self.vi), fold(self.en), fold(f"{self.vi} / {self.en}")}

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def index(self, key: str) -> int:
        return next(i for i, c in enumerate(self.columns) if c.key == key)

    @property
    def required(self) -> list[Column]:
        return [c for c in self.columns if c.required]


def header_key(text: object) -> str:
    """A header cell's text as matched against column names: folded, a trailing '*' dropped."""
    return fold(str(text)).rstrip("*").strip()


C = Column
UNITS = Sheet("units", "Đơn vị", "Units", (
    C("code", "Mã đơn vị", "Unit code", required=True, width=14),
    C("name", "Tên đơn vị", "Unit name", required=True, width=48),
    C("parent", "Đơn vị cấp trên", "Parent unit", width=14),
    C("chapter", "Mã chương", "Chapter code", width=10),
    C("kind", "Loại đơn vị", "Unit type", CODE, extra=True, width=12),
    C("control", "Kiểm soát cam kết", "Commitment control", CODE, extra=True, width=12),
    C("advance", "Tạm ứng tối đa (%)", "Advance limit (%)", INT, extra=True, width=12),
    C("xhh_control", "Kiểm soát chi XHH", "XHH spending control", CODE, extra=True, width=12),
))
PRESS = Sheet("press", "Cơ quan báo chí", "Press agencies", (
    C("code", "Mã", "Code", required=True, width=14),
    C("name", "Tên", "Name", required=True, width=40),
    C("media", "Loại hình", "Media type", CODE, width=14),
    C("governing", "Cơ quan chủ quản", "Governing body", width=36),
    C("level", "Cấp", "Level", CODE, extra=True, width=10),
))
YEARS = Sheet("years", "Năm ngân sách", "Fiscal years", (
    C("year", "Năm", "Year", YEAR, required=True, width=8),
    C("status", "Trạng thái", "Status", CODE, width=12),
), extra=True)
POLICIES = Sheet("policies", "Chính sách", "Policies", (
    C("code", "Mã chính sách", "Policy code", required=True, width=16),
    C("name", "Tên chính sách", "Policy name", required=True, width=60),
    C("owner", "Đơn vị chủ trì", "Owner unit", required=True, width=14),
    C("document_type", "Loại văn bản", "Document type", CODE, width=14),
    C("large_impact", "Tác động lớn", "Large social impact", CODE, width=10),
    C("proposed_on", "Ngày đề xuất", "Proposed on", DATE, width=12),
    C("issued_on", "Ngày ban hành", "Issued on", DATE, width=12),
    C("policy_consulted_on", "Ngày lấy ý kiến chính sách", "Policy consulted on", DATE, extra=True, width=12),
    C("drafting_on", "Ngày soạn thảo", "Drafting from", DATE, extra=True, width=12),
    C("draft_consulted_on", "Ngày lấy ý kiến dự thảo", "Draft consulted on", DATE, extra=True, width=12),
    C("submitted_on", "Ngày trình", "Submitted on", DATE, extra=True, width=12),
    C("effective_on", "Ngày hiệu lực", "Effective on", DATE, extra=True, width=12),
), extra=True)
LINES = Sheet("lines", "Dự toán", "Budget lines", (
    C("code", "Mã dòng", "Line code", required=True, width=16),
    C("year", "Năm", "Year", YEAR, required=True, width=8),
    C("unit", "Mã đơn vị", "Unit code", required=True, width=12),
    C("description", "Nội dung", "Description", required=True, width=60),
    C("category", "Nhóm chi", "Category", CODE, required=True, width=11),
    C("source", "Nguồn", "Source", CODE, required=True, width=8),
    C("sector", "Loại-Khoản", "Sector code", width=10),
    C("sub_item", "Tiểu mục", "Sub-item", width=9),
    C("policy", "Chính sách", "Policy", width=14),
    C("estimate", "Dự toán giao", "Original estimate", AMOUNT, required=True, width=18),
    # The year end (issue 14), written by the extract: what the year-end run carried over and cancelled
    # (ignored on import), and the previous year's line whose carry-over opened this one (read on import).
    C("carried", "Chuyển nguồn", "Carried over", COMPUTED, extra=True, width=18, number=True),
    C("cancelled", "Hủy dự toán", "Cancelled", COMPUTED, extra=True, width=18, number=True),
    C("carried_from", "Chuyển từ dòng", "Carried from", extra=True, width=16),
), amount="estimate")
ADJUSTMENTS = Sheet("adjustments", "Điều chỉnh", "Adjustments", (
    C("line", "Mã dòng", "Line code", required=True, width=16),
    C("year", "Năm", "Year", YEAR, required=True, width=8),
    C("date", "Ngày", "Date", DATE, required=True, width=12),
    C("amount", "Số tiền", "Amount", SIGNED, required=True, width=18),
    C("decision", "Số quyết định", "Decision no.", required=True, width=16),
    C("reason", "Lý do", "Reason", width=48),
    C("transfer", "Mã điều chuyển", "Transfer key", extra=True, width=38),
    C("reverses", "Đảo dòng số", "Reverses row", INT, extra=True, width=10),
), amount="amount")
ORDERS = Sheet("orders", "Đặt hàng", "Orders", (
    C("reference", "Số hợp đồng", "Contract no.", required=True, width=22),
    C("year", "Năm", "Year", YEAR, required=True, width=8),
    C("line", "Mã dòng", "Line code", required=True, width=16),
    C("agency", "Mã cơ quan báo chí", "Press agency code", required=True, width=14),
    C("signed_on", "Ngày ký", "Signed on", DATE, required=True, width=12),
    C("description", "Nội dung", "Description", required=True, width=50),
    C("policy", "Chính sách", "Policy", width=14),
    C("stage", "Giai đoạn", "Stage", CODE, width=12),
    C("value", "Giá trị", "Value", AMOUNT, required=True, width=18),
    C("status", "Trạng thái", "Status", CODE, extra=True, width=13),
    C("final", "Giá trị thanh lý", "Final value", AMOUNT, extra=True, width=18),
    C("activity", "Mã hoạt động", "Activity code", width=16),
), amount="value")
ITEMS = Sheet("items", "Sản phẩm đặt hàng", "Order items", (
    C("reference", "Số hợp đồng", "Contract no.", required=True, width=22),
    C("product", "Sản phẩm", "Product", required=True, width=30),
    C("quantity", "Số lượng", "Quantity", INT, required=True, width=10),
    C("uom", "Đơn vị tính", "Unit of measure", width=12),
    C("price", "Đơn giá", "Unit price", AMOUNT, required=True, width=16),
    C("amount", "Thành tiền", "Amount", COMPUTED, width=18, number=True),
    C("year", "Năm", "Year", YEAR, extra=True, width=8),
), amount="amount")
COURSES = Sheet("courses", "Đào tạo", "Training", (
    C("reference", "Mã khóa", "Course code", required=True, width=20),
    C("year", "Năm", "Year", YEAR, required=True, width=8),
    C("line", "Mã dòng", "Line code", required=True, width=16),
    C("title", "Tên khóa", "Title", required=True, width=50),
    C("start", "Từ ngày", "From", DATE, required=True, width=12),
    C("end", "Đến ngày", "To", DATE, required=True, width=12),
    C("participants", "Số học viên", "Participants", INT, required=True, width=10),
    C("cost", "Chi phí", "Cost", AMOUNT, required=True, width=18),
    C("policy", "Chính sách", "Policy", extra=True, width=14),
    C("stage", "Giai đoạn", "Stage", CODE, extra=True, width=12),
    C("signed_on", "Ngày ký", "Signed on", DATE, extra=True, width=12),
    C("status", "Trạng thái", "Status", CODE, extra=True, width=13),
    C("final", "Giá trị thanh lý", "Final value", AMOUNT, extra=True, width=18),
    C("topic", "Chủ đề", "Topic", CODE, width=16),
    C("activity", "Mã hoạt động", "Activity code", width=16),
), amount="cost")
IT_SERVICES = Sheet("it", "Dịch vụ CNTT", "IT services", (
    C("reference", "Số hợp đồng", "Contract no.", required=True, width=22),
    C("year", "Năm", "Year", YEAR, required=True, width=8),
    C("line", "Mã dòng", "Line code", required=True, width=16),
    C("vendor", "Nhà cung cấp", "Vendor", required=True, width=34),
    C("service", "Loại dịch vụ", "Service type", CODE, required=True, width=12),
    C("stage", "Giai đoạn", "Stage", CODE, width=12),
    C("start", "Từ ngày", "From", DATE, required=True, width=12),
    C("end", "Đến ngày", "To", DATE, required=True, width=12),
    C("value", "Giá trị", "Value", AMOUNT, required=True, width=18),
    C("description", "Nội dung", "Description", extra=True, width=50),
    C("policy", "Chính sách", "Policy", extra=True, width=14),
    C("signed_on", "Ngày ký", "Signed on", DATE, extra=True, width=12),
    C("status", "Trạng thái", "Status", CODE, extra=True, width=13),
    C("portion", "Giá trị năm", "This year's value", COMPUTED, extra=True, width=18, number=True),
    C("final", "Giá trị thanh lý", "Final value", AMOUNT, extra=True, width=18),
    C("activity", "Mã hoạt động", "Activity code", width=16),
), amount="value")
CONTRIBUTIONS = Sheet("contributions", "Nguồn XHH", "Contributions", (
    C("voucher", "Số chứng từ", "Voucher no.", required=True, width=18),
    C("year", "Năm", "Year", YEAR, required=True, width=8),
    C("line", "Mã dòng", "Line code", required=True, width=16),
    C("date", "Ngày", "Date", DATE, required=True, width=12),
    C("donor", "Nhà tài trợ", "Donor", required=True, width=36),
    C("amount", "Số tiền", "Amount", SIGNED, required=True, width=18),
    C("note", "Ghi chú", "Note", extra=True, width=30),
    C("reverses", "Đảo chứng từ", "Reverses", extra=True, width=18),
), amount="amount")
ACCEPTANCES = Sheet("acceptances", "Nghiệm thu", "Acceptances", (
    C("record", "Số biên bản", "Record no.", required=True, width=24),
    C("reference", "Tham chiếu", "Reference", required=True, width=22),
    C("date", "Ngày", "Date", DATE, required=True, width=12),
    C("value", "Giá trị nghiệm thu", "Accepted value", SIGNED, required=True, width=18),
    C("evidence", "Minh chứng", "Evidence", width=40),
    C("year", "Năm", "Year", YEAR, extra=True, width=8),
    C("line", "Mã dòng", "Line code", COMPUTED, extra=True, width=16),
    C("reverses", "Đảo biên bản", "Reverses", extra=True, width=24),
), amount="value")
PAYMENTS = Sheet("payments", "Thanh toán", "Payments", (
    C("voucher", "Số chứng từ", "Voucher no.", required=True, width=18),
    C("year", "Năm", "Year", YEAR, required=True, width=8),
    C("date", "Ngày", "Date", DATE, required=True, width=12),
    C("kind", "Loại", "Kind", CODE, required=True, width=12),
    C("reference", "Tham chiếu", "Reference", width=22),
    C("line", "Mã dòng", "Line code", width=16),
    C("amount", "Số tiền", "Amount", SIGNED, required=True, width=18),
    C("note", "Ghi chú", "Note", extra=True, width=30),
    C("reverses", "Đảo chứng từ", "Reverses", extra=True, width=18),
), amount="amount")
# --- the communication team and the plans (letter 837, items 1 and 2) --------------------------------
STAFF = Sheet("staff", "Nhân sự truyền thông", "Communication staff", (
    C("code", "Mã nhân sự", "Staff code", required=True, width=14),
    C("name", "Họ tên", "Full name", required=True, width=30),
    C("unit", "Mã đơn vị", "Unit code", required=True, width=12),
    C("position", "Chức vụ", "Position", width=24),
    C("role", "Vai trò", "Role", CODE, required=True, width=20),
    C("mode", "Chế độ", "Assignment", CODE, required=True, width=14),
    C("start", "Từ ngày", "From", DATE, required=True, width=12),
    C("end", "Đến ngày", "To", DATE, width=12),
    C("decision", "Quyết định phân công", "Assignment decision", width=20),
))
PARTICIPANTS = Sheet("participants", "Học viên", "Course participants", (
    C("course", "Mã khóa", "Course code", required=True, width=20),
    C("year", "Năm", "Year", YEAR, required=True, width=8),
    C("member", "Mã nhân sự", "Staff code", required=True, width=14),
    C("completed", "Hoàn thành", "Completed", CODE, width=10),
    C("certificate", "Số chứng chỉ", "Certificate no.", width=18),
))
PLANS = Sheet("plans", "Kế hoạch truyền thông", "Communication plans", (
    C("code", "Mã kế hoạch", "Plan code", required=True, width=16),
    C("year", "Năm", "Year", YEAR, required=True, width=8),
    C("unit", "Mã đơn vị", "Unit code", required=True, width=12),
    C("policy", "Chính sách", "Policy", required=True, width=14),
    C("title", "Tên kế hoạch", "Title", required=True, width=50),
    C("decision", "Số quyết định", "Decision no.", width=16),
    C("approved_on", "Ngày phê duyệt", "Approved on", DATE, width=12),
    C("status", "Trạng thái", "Status", CODE, width=13),
    C("version", "Phiên bản", "Version", INT, extra=True, width=9),
))
ACTIVITIES = Sheet("activities", "Hoạt động truyền thông", "Plan activities", (
    C("plan", "Mã kế hoạch", "Plan code", required=True, width=16),
    C("year", "Năm", "Year", YEAR, required=True, width=8),
    C("code", "Mã hoạt động", "Activity code", required=True, width=16),
    C("stage", "Giai đoạn", "Stage", CODE, required=True, width=14),
    C("content", "Nội dung", "Content", required=True, width=50),
    C("channel", "Hình thức", "Channel", CODE, required=True, width=16),
    C("audience", "Đối tượng", "Audience", width=24),
    C("start", "Từ ngày", "From", DATE, required=True, width=12),
    C("end", "Đến ngày", "To", DATE, required=True, width=12),
    C("cost", "Dự kiến kinh phí", "Estimated cost", AMOUNT, required=True, width=18),
    C("source", "Nguồn", "Source", CODE, width=8),
    C("line", "Mã dòng", "Line code", width=16),
    C("version", "Phiên bản", "Version", INT, extra=True, width=9),
    C("done_on", "Ngày thực hiện", "Done on", DATE, extra=True, width=12),
), amount="cost")
COMMENTS = Sheet("comments", "Góp ý dự thảo", "Draft comments", (
    C("policy", "Chính sách", "Policy", required=True, width=14),
    C("date", "Ngày", "Date", DATE, required=True, width=12),
    C("unit", "Mã đơn vị", "Unit code", required=True, width=12),
    C("comment", "Nội dung góp ý", "Comment", required=True, width=60),
    C("response", "Tiếp thu", "Response", width=60),
))
AUDIT_LOG = Sheet("audit", "Nhật ký", "Audit log", (
    C("seq", "Số thứ tự", "Seq", INT, width=9),
    C("time", "Thời điểm (giờ Việt Nam)", "Time (Vietnam)", DATE, width=19),
    C("actor", "Người thực hiện", "Actor", width=14),
    C("action", "Thao tác", "Action", width=22),
    C("entity_type", "Loại đối tượng", "Entity type", width=16),
    C("entity_id", "Mã đối tượng", "Entity id", width=10),
    C("before", "Trước", "Before", width=40),
    C("after", "Sau", "After", width=40),
    C("occurred_at", "Thời điểm gốc (UTC)", "Recorded time (UTC)", width=27),
    C("prev_hash", "Mã băm trước", "Previous hash", width=20),
    C("hash", "Mã băm", "Hash", width=20),
))
ABOUT = Sheet("about", "Thông tin", "About", ())
SUMMARY = Sheet("summary", "Tổng hợp", "Summary", ())
GUIDE = Sheet("guide", "Hướng dẫn", "Instructions", ())
del C

# The data sheets in the spec's order (the extract's and the template's), with the two extra sheets
# placed before the budget lines that need them and the team's and plans' sheets last. Import applies
# them in dependency order (plan.py): comments and staff after policies and units, plans and their
# activities after the lines, before the commitments that name an activity, participants with their
# course.
DATA_SHEETS: tuple[Sheet, ...] = (
    UNITS, PRESS, YEARS, POLICIES, LINES, ADJUSTMENTS, ORDERS, ITEMS, COURSES, IT_SERVICES,
    CONTRIBUTIONS, ACCEPTANCES, PAYMENTS, COMMENTS, STAFF, PARTICIPANTS, PLANS, ACTIVITIES,
)
SHEETS_BY_KEY = {s.key: s for s in (*DATA_SHEETS, AUDIT_LOG, ABOUT, SUMMARY, GUIDE)}

# --- code columns: code -> (Vietnamese label, English label) ------------------------------------
CATEGORY_LABELS = codes.CATEGORIES
SOURCE_LABELS = codes.SOURCES
STAGE_LABELS = codes.STAGES
STATUS_TO_LEDGER = {workbook: ledger for ledger, workbook in codes.STATUS_TO_WORKBOOK.items()}
STATUS_FROM_LEDGER = dict(codes.STATUS_TO_WORKBOOK)
STATUS_LABELS = {codes.STATUS_TO_WORKBOOK[code]: pair for code, pair in codes.COMMITMENT_STATUSES.items()}
YEAR_STATUS_LABELS = codes.YEAR_STATUSES
UNIT_KIND_LABELS = codes.UNIT_KINDS
CONTROL_LABELS = codes.CONTROL_MODES
LEVEL_LABELS = codes.PRESS_LEVELS


code_for = codes.code_for

# The list each code column is read against (the catalogues' own labels replace the category,
# source and stage lists on import: an administrator may have edited them).
CODE_LISTS: dict[tuple[str, str], dict[str, tuple[str, str]]] = {
    ("units", "kind"): UNIT_KIND_LABELS,
    ("units", "control"): CONTROL_LABELS,
    ("units", "xhh_control"): CONTROL_LABELS,
    ("press", "media"): codes.MEDIA_TYPES,
    ("press", "level"): LEVEL_LABELS,
    ("years", "status"): YEAR_STATUS_LABELS,
    ("lines", "category"): CATEGORY_LABELS,
    ("lines", "source"): SOURCE_LABELS,
    ("orders", "stage"): STAGE_LABELS,
    ("orders", "status"): STATUS_LABELS,
    ("courses", "stage"): STAGE_LABELS,
    ("courses", "status"): STATUS_LABELS,
    ("it", "stage"): STAGE_LABELS,
    ("it", "service"): codes.SERVICE_TYPES,
    ("it", "status"): STATUS_LABELS,
    ("payments", "kind"): codes.PAYMENT_KINDS,
    ("policies", "document_type"): codes.DOCUMENT_TYPES,
    ("policies", "large_impact"): codes.YES_NO,
    ("courses", "topic"): codes.COURSE_TOPICS,
    ("staff", "role"): codes.STAFF_ROLES,
    ("staff", "mode"): codes.ASSIGNMENT_MODES,
    ("participants", "completed"): codes.COMPLETED,
    ("plans", "status"): codes.PLAN_STATUSES,
    ("activities", "stage"): codes.POLICY_STAGES,
    ("activities", "channel"): codes.CHANNELS,
    ("activities", "source"): SOURCE_LABELS,
}
# Code columns read against their own list even where a catalogue has a column of the same key (an
# activity's stage is a fine stage of the policy, not the catalogue's coarse one).
OWN_LISTS = {("activities", "stage")}
