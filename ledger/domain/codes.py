"""Every code list of the ledger and its labels in Vietnamese and English, in one place.

Migrations seed the catalogue tables from these lists, the workbook layout reads and writes the
codes and labels from here, services refuse a value outside its list, and screens label their
choices with ``label``. Each list maps a code to ``(Vietnamese label, English label)``; order is
display order.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

Labels = Mapping[str, tuple[str, str]]

CATEGORIES: Labels = {
    "BAO_CHI": ("Đặt hàng báo chí", "Press orders"),
    "DAO_TAO": ("Đào tạo, bồi dưỡng", "Training"),
    "CNTT": ("Dịch vụ CNTT", "IT services"),
    "KHAC": ("Khác", "Other"),
}
SOURCES: Labels = {"NSNN": ("Ngân sách nhà nước", "State budget"), "XHH": ("Xã hội hóa", "Socialised")}
STAGES: Labels = {
    "HOACH_DINH": ("Hoạch định", "Planning"),
    "BAN_HANH": ("Ban hành", "Issuance"),
    "THUC_THI": ("Thực thi", "Implementation"),
}
ROLES: Labels = {
    "admin": ("Quản trị", "Administrator"),
    "officer": ("Cán bộ tài chính – kế toán", "Finance officer"),
    "leader": ("Lãnh đạo", "Leader"),
    "auditor": ("Kiểm toán", "Auditor"),
}
UNIT_KINDS: Labels = {
    "national": ("Toàn quốc", "National"),
    "ministry": ("Bộ, cơ quan ngang Bộ", "Ministry"),
    "agency": ("Cơ quan thuộc Chính phủ", "Government agency"),
    "province": ("UBND tỉnh, thành phố", "Provincial People's Committee"),
    "subunit": ("Đơn vị trực thuộc", "Subordinate unit"),
}
CONTROL_MODES: Labels = {"block": ("Chặn", "Block"), "warn": ("Cảnh báo", "Warn")}
# Phased control (kiểm soát theo tiến độ phân kỳ): off by default (issue 14).
PHASED_MODES: Labels = {"off": ("Không kiểm soát", "Off"), "warn": ("Cảnh báo", "Warn"), "block": ("Chặn", "Block")}
PRESS_LEVELS: Labels = {"central": ("Trung ương", "Central"), "local": ("Địa phương", "Local")}
MEDIA_TYPES: Labels = {
    "newspaper": ("Báo in", "Newspaper"),
    "online": ("Báo điện tử", "Online newspaper"),
    "magazine": ("Tạp chí", "Magazine"),
    "radio": ("Phát thanh", "Radio"),
    "television": ("Truyền hình", "Television"),
    "news_agency": ("Thông tấn", "News agency"),
}
COMMITMENT_KINDS: Labels = {
    "order": ("Đặt hàng báo chí", "Press order"),
    "course": ("Khóa đào tạo", "Training course"),
    "it_service": ("Hợp đồng dịch vụ CNTT", "IT-service contract"),
}
# The category a kind of commitment is charged to.
KIND_CATEGORY = {"order": "BAO_CHI", "course": "DAO_TAO", "it_service": "CNTT"}
COMMITMENT_STATUSES: Labels = {
    "draft": ("Dự thảo", "Draft"),
    "signed": ("Đã ký", "Signed"),
    "closed": ("Đã thanh lý", "Closed out"),
    "cancelled": ("Đã hủy", "Cancelled"),
}
# The workbook spells statuses in Vietnamese codes; the ledger stores the English ones.
STATUS_TO_WORKBOOK = {"draft": "DU_THAO", "signed": "DA_KY", "closed": "DA_THANH_LY", "cancelled": "DA_HUY"}
SERVICE_TYPES: Labels = {
    "RA_QUET": ("Rà quét thông tin", "Media monitoring"),
    "PHAN_TICH": ("Phân tích, đánh giá xu hướng", "Analysis and trends"),
    "THAM_DO": ("Thăm dò dư luận", "Opinion polling"),
    "TAC_DONG": ("Đánh giá tác động", "Impact assessment"),
    "KHAC": ("Khác", "Other"),
}
PAYMENT_KINDS: Labels = {"TAM_UNG": ("Tạm ứng", "Advance"), "THANH_TOAN": ("Thanh toán", "Payment")}
YEAR_STATUSES: Labels = {"MO": ("Mở", "Open"), "KHOA": ("Đã khóa", "Closed")}


def fold(text: object) -> str:
    """Case-, accent- and space-insensitive form of a code or label, for matching what people type."""
    text = unicodedata.normalize("NFD", str(text).strip().lower().replace("đ", "d"))
    return " ".join("".join(ch for ch in text if unicodedata.category(ch) != "Mn").split())


def label(labels: Labels, code: str | None, lang: str = "vi") -> str:
    """The label of ``code`` in ``lang``; an unknown code shows as itself, a missing one as blank."""
    if code is None:
        return ""
    pair = labels.get(code)
    if pair is None:
        return str(code)
    return pair[1] if lang == "en" else pair[0]


def code_for(value: object, labels: Labels) -> str | None:
    """The code that ``value`` names: the code itself or a label in either language (folded), or
    None when it names nothing in the list (the caller refuses it: nothing is guessed)."""
    if value is None:
        return None
    wanted = fold(value)
    if not wanted:
        return None
    for code, (vi, en) in labels.items():
        if wanted in (fold(code), fold(vi), fold(en)):
            return code
    return None


def codes_hint(labels: Labels) -> str:
    """The list of allowed codes with their Vietnamese labels, for a refusal's sentence."""
    return ", ".join(f"{code} ({vi})" for code, (vi, _en) in labels.items())


# --- communication plans (letter 837, item 2) ------------------------------------------------------
# The fine stages of a policy (DOMAIN.md "Plans"), in their order; a date on the policy starts each.
POLICY_STAGES: Labels = {
    "DE_XUAT": ("Đề xuất", "Proposal"),
    "LAY_Y_KIEN_CS": ("Lấy ý kiến chính sách", "Consultation on the policy"),
    "SOAN_THAO": ("Soạn thảo", "Drafting"),
    "LAY_Y_KIEN_DT": ("Lấy ý kiến dự thảo", "Consultation on the draft"),
    "TRINH": ("Trình", "Submission"),
    "BAN_HANH": ("Ban hành", "Issuance"),
    "THUC_THI": ("Thực thi", "Implementation"),
}
# The coarse stage (STAGES, the one orders and lines carry) each fine stage belongs to.
POLICY_STAGE_COARSE = {
    "DE_XUAT": "HOACH_DINH",
    "LAY_Y_KIEN_CS": "HOACH_DINH",
    "SOAN_THAO": "HOACH_DINH",
    "LAY_Y_KIEN_DT": "HOACH_DINH",
    "TRINH": "HOACH_DINH",
    "BAN_HANH": "BAN_HANH",
    "THUC_THI": "THUC_THI",
}
# Decision 407: communicated "from the consultation on the proposal" = a plan with an activity here.
PROPOSAL_STAGES = ("DE_XUAT", "LAY_Y_KIEN_CS")
CHANNELS: Labels = {
    "DAT_HANG_BAO_CHI": ("Đặt hàng báo chí", "Press order"),
    "HOP_BAO": ("Họp báo, thông cáo", "Press conference or release"),
    "CONG_TTDT": ("Cổng thông tin điện tử", "Portal"),
    "MANG_XA_HOI": ("Mạng xã hội", "Social media"),
    "DOI_THOAI": ("Hội nghị, đối thoại", "Conference or dialogue"),
    "TAP_HUAN": ("Tập huấn", "Training"),
    "CNTT": ("Dịch vụ CNTT", "IT service"),
    "KHAC": ("Khác", "Other"),
}
PLAN_STATUSES: Labels = {
    "DU_THAO": ("Dự thảo", "Draft"),
    "DA_DUYET": ("Đã phê duyệt", "Approved"),
    "HOAN_THANH": ("Hoàn thành", "Completed"),
    "DA_HUY": ("Đã hủy", "Cancelled"),
}
DOCUMENT_TYPES: Labels = {
    "LUAT": ("Luật, nghị quyết của Quốc hội", "Law"),
    "NGHI_DINH": ("Nghị định", "Decree"),
    "QUYET_DINH": ("Quyết định", "Decision"),
    "THONG_TU": ("Thông tư", "Circular"),
    "NGHI_QUYET_HDND": ("Nghị quyết HĐND", "Provincial council resolution"),
    "KHAC": ("Khác", "Other"),
}
YES_NO: Labels = {"CO": ("Có", "Yes"), "KHONG": ("Không", "No")}


# --- the communication team (letter 837, item 1) ---------------------------------------------------
STAFF_ROLES: Labels = {
    "PHAT_NGON": ("Người phát ngôn", "Spokesperson"),
    "UY_QUYEN_PHAT_NGON": ("Người được ủy quyền phát ngôn", "Authorised spokesperson"),
    "TRUYEN_THONG": ("Cán bộ truyền thông chính sách", "Policy-communication officer"),
    "KHUNG_HOANG": ("Đầu mối xử lý khủng hoảng truyền thông", "Crisis contact"),
}
ASSIGNMENT_MODES: Labels = {
    "CHUYEN_TRACH": ("Chuyên trách", "Dedicated"),
    "KIEM_NHIEM": ("Kiêm nhiệm", "Part-time"),
}
COURSE_TOPICS: Labels = {
    "TRUYEN_THONG_CS": ("Truyền thông chính sách", "Policy communication"),
    "KHUNG_HOANG": ("Xử lý khủng hoảng truyền thông", "Crisis communication"),
    "PHAT_NGON": ("Kỹ năng phát ngôn", "Spokesperson skills"),
    "CONG_NGHE": ("Công nghệ, rà quét, phân tích", "Technology and monitoring"),
    "KHAC": ("Khác", "Other"),
}
# Hoàn thành / Completed on the participants' sheet: CO or KHONG (a blank cell means CO).
COMPLETED: Labels = YES_NO
# The role that makes a unit "have a spokesperson" (Decree 09/2017: the standing spokesperson; an
# authorisation to speak is given case by case and does not fill the post).
SPOKESPERSON_ROLE = "PHAT_NGON"
DEDICATED_MODE = "CHUYEN_TRACH"
# The two topics letter 837 asks to count trained people for.
POLICY_TOPIC, CRISIS_TOPIC = "TRUYEN_THONG_CS", "KHUNG_HOANG"

# The report to the Ministry (letter 837, item 4): the state of a unit's report for a year.
REPORT_STATES: Labels = {
    "DU_THAO": ("Dự thảo", "Draft"),
    "CHUA_NOP": ("Chưa nộp", "Not submitted"),
    "DA_NOP": ("Đã nộp", "Submitted"),
    "NOP_MUON": ("Nộp muộn", "Submitted late"),
    "DA_TIEP_NHAN": ("Đã tiếp nhận", "Received"),
}
