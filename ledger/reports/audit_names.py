"""The audit trail in the reader's words (issue 10, item 6): what an action and an entity are called
in Vietnamese and English, and the business key (line code, contract number, voucher…) beside a
database id. An action or entity not named here shows as its code: nothing is guessed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.domain import codes
from ledger.store.models import (
    Acceptance,
    Adjustment,
    BudgetLine,
    Commitment,
    Contribution,
    Payment,
    Policy,
    PressAgency,
    Unit,
    User,
)

ENTITIES: codes.Labels = {
    "budget_line": ("Dòng dự toán", "Budget line"), "adjustment": ("Điều chỉnh dự toán", "Adjustment"),
    "transfer": ("Điều chuyển", "Transfer"), "commitment": ("Cam kết", "Commitment"), "order": ("Đặt hàng báo chí", "Press order"),
    "course": ("Khóa đào tạo", "Training course"), "it_service": ("Hợp đồng CNTT", "IT contract"), "order_item": ("Sản phẩm đặt hàng", "Order item"),
    "commitment_item": ("Sản phẩm đặt hàng", "Order item"), "acceptance": ("Nghiệm thu", "Acceptance"), "payment": ("Chi", "Payment"),
    "contribution": ("Tài trợ XHH", "XHH contribution"), "user": ("Người dùng", "User"), "unit": ("Đơn vị", "Unit"),
    "fiscal_year": ("Năm ngân sách", "Fiscal year"), "policy": ("Chính sách", "Policy"), "press_agency": ("Cơ quan báo chí", "Press agency"),
    "control": ("Kiểm soát", "Control"), "control_warning": ("Cảnh báo kiểm soát", "Control warning"), "line_phasing": ("Phân kỳ", "Phasing"),
    "report": ("Báo cáo", "Report"),
}
VERBS: codes.Labels = {
    "create": ("tạo mới", "created"), "update": ("sửa", "changed"), "delete": ("xóa", "deleted"), "post": ("ghi", "posted"),
    "reverse": ("đảo", "reversed"), "out": ("chuyển đi", "moved out"), "in": ("nhận về", "moved in"), "sign": ("ký", "signed"),
    "close": ("thanh lý", "closed out"), "cancel": ("hủy", "cancelled"), "advance": ("tạm ứng", "advance"), "open": ("mở", "opened"),
    "lock": ("khóa", "locked"), "unlock": ("mở khóa", "unlocked"), "password_change": ("đổi mật khẩu", "password changed"),
    "password_reset": ("đặt lại mật khẩu", "password reset"), "warning": ("cảnh báo vượt", "overrun warning"),
    "xhh_warning": ("cảnh báo vượt XHH", "XHH overrun warning"), "submit": ("gửi", "submitted"), "set": ("đặt", "set"),
    "activate": ("dùng lại", "made active"), "deactivate": ("ngừng sử dụng", "deactivated"),
}


def action_label(action: str, lang: str) -> str:
    """``budget_line.create`` as "Dòng dự toán – tạo mới"; an unknown part stays as its code."""
    entity, _, verb = action.partition(".")
    if entity not in ENTITIES or verb not in VERBS:
        return action
    return f"{codes.label(ENTITIES, entity, lang)} – {codes.label(VERBS, verb, lang)}"


def entity_label(entity_type: str, lang: str) -> str:
    return codes.label(ENTITIES, entity_type, lang) if entity_type in ENTITIES else entity_type


# The business key of each entity type: the column (or columns) a person knows it by.
_KEYS: dict[str, tuple[Any, Any]] = {
    "budget_line": (BudgetLine, BudgetLine.code), "commitment": (Commitment, Commitment.reference),
    "payment": (Payment, Payment.voucher_no), "contribution": (Contribution, Contribution.voucher_no),
    "acceptance": (Acceptance, Acceptance.record_no), "user": (User, User.username), "unit": (Unit, Unit.code),
    "policy": (Policy, Policy.code), "press_agency": (PressAgency, PressAgency.code), "adjustment": (Adjustment, Adjustment.decision_no),
}


def business_keys(session: Session, events: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """``(entity_type, entity_id) → key`` for the events shown: one statement per entity type."""
    wanted: dict[str, set[int]] = {}
    for entity_type, entity_id in events:
        if entity_type in _KEYS and str(entity_id).isdigit():
            wanted.setdefault(entity_type, set()).add(int(entity_id))
    found: dict[tuple[str, str], str] = {}
    for entity_type, ids in wanted.items():
        model, key = _KEYS[entity_type]
        for row_id, value in session.execute(select(model.id, key).where(model.id.in_(ids))):
            found[(entity_type, str(row_id))] = str(value)
    if wanted.get("adjustment"):  # a decision number alone is ambiguous: with its line
        query = select(Adjustment.id, BudgetLine.code).join(BudgetLine, BudgetLine.id == Adjustment.line_id).where(Adjustment.id.in_(wanted["adjustment"]))
        for row_id, line in session.execute(query):
            found[("adjustment", str(row_id))] = f"{found.get(('adjustment', str(row_id)), '')} · {line}"
    return found
