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
