"""The ledger workbook's layout: sheets and columns in Vietnamese and English, and the codes of
its code columns (shared/spec/ledger-workbook.md, extended with the columns a round trip needs).

Names are matched the spec's way: case, accents and surrounding spaces ignored (``fold``); a header
may also be written "Vietnamese / English" or end in "*". Columns marked ``extra`` are not in the
spec; columns of kind ``computed`` are written by the extract and ignored on import.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

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


# --- the sheets, as data -----------------------------------------------------------------------------
# A sheet lists its columns in its order. A column of its own is one row of text,
# "key | Vietnamese name | English name | width | kind flags": its kind (TEXT, CODE… above), then any
# of the flags "required", "extra" (not in the spec) and "number" (a computed amount, written with the
# amount format). A column several sheets share is declared once below, as most of them have it; a
# sheet that has it otherwise says so: ``required(…)``, ``optional(…)``, ``extra(…)``.
_KINDS = (TEXT, CODE, AMOUNT, SIGNED, DATE, YEAR, INT, COMPUTED)
_FLAGS = ("required", "extra", "number")


def _column(row: str) -> Column:
    """A column from its row of text (above)."""
    key, vi, en, width, spec = (cell.strip() for cell in row.split("|"))
    kind, *flags = spec.split()
    if kind not in _KINDS or not set(flags) <= set(_FLAGS):
        raise ValueError(f"column {key!r}: {spec!r} is not a kind followed by flags of {_FLAGS}")
    return Column(key, vi, en, kind, required="required" in flags, extra="extra" in flags, width=int(width), number="number" in flags)


def required(column: Column, **changes: object) -> Column:
    return replace(column, required=True, extra=False, **changes)


def optional(column: Column, **changes: object) -> Column:
    return replace(column, required=False, extra=False, **changes)


def extra(column: Column, **changes: object) -> Column:
    return replace(column, required=False, extra=True, **changes)


def _sheet(key: str, vi: str, en: str, *columns: Column | str, amount: str | None = None, extra: bool = False) -> Sheet:
    return Sheet(key, vi, en, tuple(c if isinstance(c, Column) else _column(c) for c in columns), amount=amount, extra=extra)


# The columns several sheets share.
FISCAL_YEAR = _column("year | Năm | Year | 8 | year required")
UNIT = _column("unit | Mã đơn vị | Unit code | 12 | text required")
LINE = _column("line | Mã dòng | Line code | 16 | text required")
POLICY = _column("policy | Chính sách | Policy | 14 | text")
SOURCE = _column("source | Nguồn | Source | 8 | code required")
DESCRIPTION = _column("description | Nội dung | Description | 50 | text required")
DECISION = _column("decision | Số quyết định | Decision no. | 16 | text required")
DAY = _column("date | Ngày | Date | 12 | date required")
START = _column("start | Từ ngày | From | 12 | date required")
END = _column("end | Đến ngày | To | 12 | date required")
VERSION = _column("version | Phiên bản | Version | 9 | int extra")
# Commitments' columns.
CONTRACT = _column("reference | Số hợp đồng | Contract no. | 22 | text required")
SIGNED_ON = _column("signed_on | Ngày ký | Signed on | 12 | date extra")
STAGE = _column("stage | Giai đoạn | Stage | 12 | code")
VALUE = _column("value | Giá trị | Value | 18 | amount required")
STATUS = _column("status | Trạng thái | Status | 13 | code extra")
FINAL = _column("final | Giá trị thanh lý | Final value | 18 | amount extra")
ACTIVITY = _column("activity | Mã hoạt động | Activity code | 16 | text")
# Money in and out: contributions and payments.
VOUCHER = _column("voucher | Số chứng từ | Voucher no. | 18 | text required")
REFERENCE = _column("reference | Tham chiếu | Reference | 22 | text required")
SIGNED_AMOUNT = _column("amount | Số tiền | Amount | 18 | signed required")
NOTE = _column("note | Ghi chú | Note | 30 | text extra")
REVERSES_VOUCHER = _column("reverses | Đảo chứng từ | Reverses | 18 | text extra")

UNITS = _sheet("units", "Đơn vị", "Units",
    "code | Mã đơn vị | Unit code | 14 | text required",
    "name | Tên đơn vị | Unit name | 48 | text required",
    "parent | Đơn vị cấp trên | Parent unit | 14 | text",
    "chapter | Mã chương | Chapter code | 10 | text",
    "kind | Loại đơn vị | Unit type | 12 | code extra",
    "control | Kiểm soát cam kết | Commitment control | 12 | code extra",
    "advance | Tạm ứng tối đa (%) | Advance limit (%) | 12 | int extra",
    "xhh_control | Kiểm soát chi XHH | XHH spending control | 12 | code extra",
)
PRESS = _sheet("press", "Cơ quan báo chí", "Press agencies",
    "code | Mã | Code | 14 | text required",
    "name | Tên | Name | 40 | text required",
    "media | Loại hình | Media type | 14 | code",
    "governing | Cơ quan chủ quản | Governing body | 36 | text",
    "level | Cấp | Level | 10 | code extra",
)
YEARS = _sheet("years", "Năm ngân sách", "Fiscal years", FISCAL_YEAR, optional(STATUS, width=12), extra=True)
POLICIES = _sheet("policies", "Chính sách", "Policies",
    "code | Mã chính sách | Policy code | 16 | text required",
    "name | Tên chính sách | Policy name | 60 | text required",
    "owner | Đơn vị chủ trì | Owner unit | 14 | text required",
    "document_type | Loại văn bản | Document type | 14 | code",
    "large_impact | Tác động lớn | Large social impact | 10 | code",
    "proposed_on | Ngày đề xuất | Proposed on | 12 | date",
    "issued_on | Ngày ban hành | Issued on | 12 | date",
    "policy_consulted_on | Ngày lấy ý kiến chính sách | Policy consulted on | 12 | date extra",
    "drafting_on | Ngày soạn thảo | Drafting from | 12 | date extra",
    "draft_consulted_on | Ngày lấy ý kiến dự thảo | Draft consulted on | 12 | date extra",
    "submitted_on | Ngày trình | Submitted on | 12 | date extra",
    "effective_on | Ngày hiệu lực | Effective on | 12 | date extra",
    extra=True,
)
LINES = _sheet("lines", "Dự toán", "Budget lines",
    "code | Mã dòng | Line code | 16 | text required",
    FISCAL_YEAR, UNIT, replace(DESCRIPTION, width=60),
    "category | Nhóm chi | Category | 11 | code required",
    SOURCE,
    "sector | Loại-Khoản | Sector code | 10 | text",
    "sub_item | Tiểu mục | Sub-item | 9 | text",
    POLICY,
    "estimate | Dự toán giao | Original estimate | 18 | amount required",
    # The year end (issue 14), written by the extract: what the year-end run carried over and cancelled
    # (ignored on import), and the previous year's line whose carry-over opened this one (read on import).
    "carried | Chuyển nguồn | Carried over | 18 | computed extra number",
    "cancelled | Hủy dự toán | Cancelled | 18 | computed extra number",
    "carried_from | Chuyển từ dòng | Carried from | 16 | text extra",
    amount="estimate",
)
ADJUSTMENTS = _sheet("adjustments", "Điều chỉnh", "Adjustments",
    LINE, FISCAL_YEAR, DAY, SIGNED_AMOUNT, DECISION,
    "reason | Lý do | Reason | 48 | text",
    "transfer | Mã điều chuyển | Transfer key | 38 | text extra",
    "reverses | Đảo dòng số | Reverses row | 10 | int extra",
    amount="amount",
)
ORDERS = _sheet("orders", "Đặt hàng", "Orders",
    CONTRACT, FISCAL_YEAR, LINE,
    "agency | Mã cơ quan báo chí | Press agency code | 14 | text required",
    required(SIGNED_ON), DESCRIPTION, POLICY, STAGE, VALUE, STATUS, FINAL, ACTIVITY,
    amount="value",
)
ITEMS = _sheet("items", "Sản phẩm đặt hàng", "Order items",
    CONTRACT,
    "product | Sản phẩm | Product | 30 | text required",
    "quantity | Số lượng | Quantity | 10 | int required",
    "uom | Đơn vị tính | Unit of measure | 12 | text",
    "price | Đơn giá | Unit price | 16 | amount required",
    "amount | Thành tiền | Amount | 18 | computed number",
    extra(FISCAL_YEAR),
    amount="amount",
)
COURSES = _sheet("courses", "Đào tạo", "Training",
    "reference | Mã khóa | Course code | 20 | text required",
    FISCAL_YEAR, LINE,
    "title | Tên khóa | Title | 50 | text required",
    START, END,
    "participants | Số học viên | Participants | 10 | int required",
    "cost | Chi phí | Cost | 18 | amount required",
    extra(POLICY), extra(STAGE), SIGNED_ON, STATUS, FINAL,
    "topic | Chủ đề | Topic | 16 | code",
    ACTIVITY,
    amount="cost",
)
IT_SERVICES = _sheet("it", "Dịch vụ CNTT", "IT services",
    CONTRACT, FISCAL_YEAR, LINE,
    "vendor | Nhà cung cấp | Vendor | 34 | text required",
    "service | Loại dịch vụ | Service type | 12 | code required",
    STAGE, START, END, VALUE, extra(DESCRIPTION), extra(POLICY), SIGNED_ON, STATUS,
    "portion | Giá trị năm | This year's value | 18 | computed extra number",
    FINAL, ACTIVITY,
    amount="value",
)
CONTRIBUTIONS = _sheet("contributions", "Nguồn XHH", "Contributions",
    VOUCHER, FISCAL_YEAR, LINE, DAY,
    "donor | Nhà tài trợ | Donor | 36 | text required",
    SIGNED_AMOUNT, NOTE, REVERSES_VOUCHER,
    amount="amount",
)
ACCEPTANCES = _sheet("acceptances", "Nghiệm thu", "Acceptances",
    "record | Số biên bản | Record no. | 24 | text required",
    REFERENCE, DAY,
    "value | Giá trị nghiệm thu | Accepted value | 18 | signed required",
    "evidence | Minh chứng | Evidence | 40 | text",
    extra(FISCAL_YEAR), extra(LINE, kind=COMPUTED),
    "reverses | Đảo biên bản | Reverses | 24 | text extra",
    amount="value",
)
PAYMENTS = _sheet("payments", "Thanh toán", "Payments",
    VOUCHER, FISCAL_YEAR, DAY,
    "kind | Loại | Kind | 12 | code required",
    optional(REFERENCE), optional(LINE), SIGNED_AMOUNT, NOTE, REVERSES_VOUCHER,
    amount="amount",
)
# --- the communication team and the plans (letter 837, items 1 and 2) --------------------------------
STAFF = _sheet("staff", "Nhân sự truyền thông", "Communication staff",
    "code | Mã nhân sự | Staff code | 14 | text required",
    "name | Họ tên | Full name | 30 | text required",
    UNIT,
    "position | Chức vụ | Position | 24 | text",
    "role | Vai trò | Role | 20 | code required",
    "mode | Chế độ | Assignment | 14 | code required",
    START, optional(END),
    "decision | Quyết định phân công | Assignment decision | 20 | text",
)
PARTICIPANTS = _sheet("participants", "Học viên", "Course participants",
    "course | Mã khóa | Course code | 20 | text required",
    FISCAL_YEAR,
    "member | Mã nhân sự | Staff code | 14 | text required",
    "completed | Hoàn thành | Completed | 10 | code",
    "certificate | Số chứng chỉ | Certificate no. | 18 | text",
)
PLANS = _sheet("plans", "Kế hoạch truyền thông", "Communication plans",
    "code | Mã kế hoạch | Plan code | 16 | text required",
    FISCAL_YEAR, UNIT, required(POLICY),
    "title | Tên kế hoạch | Title | 50 | text required",
    optional(DECISION),
    "approved_on | Ngày phê duyệt | Approved on | 12 | date",
    optional(STATUS), VERSION,
)
ACTIVITIES = _sheet("activities", "Hoạt động truyền thông", "Plan activities",
    "plan | Mã kế hoạch | Plan code | 16 | text required",
    FISCAL_YEAR, required(ACTIVITY, key="code"), required(STAGE, width=14),
    "content | Nội dung | Content | 50 | text required",
    "channel | Hình thức | Channel | 16 | code required",
    "audience | Đối tượng | Audience | 24 | text",
    START, END,
    "cost | Dự kiến kinh phí | Estimated cost | 18 | amount required",
    optional(SOURCE), optional(LINE), VERSION,
    "done_on | Ngày thực hiện | Done on | 12 | date extra",
    amount="cost",
)
COMMENTS = _sheet("comments", "Góp ý dự thảo", "Draft comments",
    required(POLICY), DAY, UNIT,
    "comment | Nội dung góp ý | Comment | 60 | text required",
    "response | Tiếp thu | Response | 60 | text",
)
AUDIT_LOG = _sheet("audit", "Nhật ký", "Audit log",
    "seq | Số thứ tự | Seq | 9 | int",
    "time | Thời điểm (giờ Việt Nam) | Time (Vietnam) | 19 | date",
    "actor | Người thực hiện | Actor | 14 | text",
    "action | Thao tác | Action | 22 | text",
    "entity_type | Loại đối tượng | Entity type | 16 | text",
    "entity_id | Mã đối tượng | Entity id | 10 | text",
    "before | Trước | Before | 40 | text",
    "after | Sau | After | 40 | text",
    "occurred_at | Thời điểm gốc (UTC) | Recorded time (UTC) | 27 | text",
    "prev_hash | Mã băm trước | Previous hash | 20 | text",
    "hash | Mã băm | Hash | 20 | text",
)
ABOUT = _sheet("about", "Thông tin", "About")
SUMMARY = _sheet("summary", "Tổng hợp", "Summary")
GUIDE = _sheet("guide", "Hướng dẫn", "Instructions")

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
