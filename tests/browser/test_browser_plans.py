"""Real-browser test of the communication plans screen: a leader opens a policy, sees its timeline and
its activities' money, approves a draft plan; an officer then drafts a new press order on the
commitments screen naming the activity (the form offers the policy's activities of the year) and
signs it; the leader sees the activity's committed figure grown by exactly the order's value.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from ledger_testkit import actor_of
from test_browser import app, browser, choose, expect, expect_metric, open_page, page, scalar, sign_in, wait_idle  # noqa: F401

from ledger.domain.formatting import format_vnd
from ledger.services import plans as P
from ledger.services.policy_timeline import set_policy_profile
from ledger.store.access import SYSTEM
from ledger.store.db import Database

pytestmark = pytest.mark.browser
POLICY = "LUAT-BHYT"


def _prepare(url: str) -> tuple[int, int]:
    """A timeline and a draft plan with one activity."""
    db = Database(url)
    try:
        officer = actor_of(db, "officer")
        set_policy_profile(db, SYSTEM, POLICY, large_impact=True, proposed_on=dt.date(2025, 2, 1), drafting_on=dt.date(2025, 6, 1), issued_on=dt.date(2026, 1, 15))
        plan = P.create_plan(db, officer, code="KH-TL-26", year=2026, unit_code="BYT-TT", policy=POLICY, title="Truyền thông phòng, chống tác hại thuốc lá 2026")
        activity = P.add_activity(
            db, officer, plan.id, code="HD-01", stage="DE_XUAT", content="Loạt bài lấy ý kiến đề xuất chính sách",
            channel="DAT_HANG_BAO_CHI", start_on=dt.date(2026, 3, 1), end_on=dt.date(2026, 6, 30), estimated_cost=300_000_000,
        )
    finally:
        db.dispose()
    return plan.id, activity.id


def test_leader_approves_a_plan_and_an_order_carries_out_an_activity(page, demo_url):  # noqa: F811
    plan_id, activity_id = _prepare(demo_url)
    sign_in(page, "leader")
    open_page(page, "Kế hoạch truyền thông")
    choose(page, "Chính sách", POLICY)
    wait_idle(page)
    expect()(page.locator('[data-testid="stPlotlyChart"]').first).to_be_visible()
    expect_metric(page, "Dự kiến kinh phí", format_vnd(300_000_000))
    expect_metric(page, "Đã cam kết", format_vnd(0))

    page.get_by_role("textbox", name="Số quyết định phê duyệt", exact=True).fill("125/QĐ-BYT")
    page.get_by_role("button", name="Phê duyệt kế hoạch").click()
    expect()(page.get_by_text(re.compile(r"Đã phê duyệt kế hoạch KH-TL-26"))).to_be_visible()
    assert scalar(demo_url, "SELECT COUNT(*) FROM communication_plans WHERE id = :p AND status = 'DA_DUYET' AND approved_by = 'leader'", p=plan_id) == 1
    assert scalar(demo_url, "SELECT COUNT(*) FROM audit_events WHERE action = 'plan.approve' AND actor = 'leader'") == 1

    # The officer's new order names the activity; signed, it holds its value on the activity.
    page.get_by_role("button", name="Đăng xuất").click()
    sign_in(page, "officer")
    open_page(page, "Đặt hàng, đào tạo, CNTT")
    page.get_by_text("Thêm đặt hàng báo chí").click()
    choose(page, "Dòng dự toán", "BYT-TT-26-01")
    page.get_by_role("textbox", name="Số hợp đồng", exact=True).fill("HD-KH-TL-01")
    choose(page, "Chính sách", "Luật Bảo hiểm y tế")  # the form names policies by their name
    wait_idle(page)
    choose(page, "Hoạt động của kế hoạch truyền thông", "HD-01")
    choose(page, "Cơ quan báo chí", "Sức khỏe")
    page.get_by_role("textbox", name="Nội dung", exact=True).fill("Loạt bài lấy ý kiến đề xuất chính sách")
    count = page.get_by_role("spinbutton", name="Số sản phẩm")
    count.fill("1")
    count.press("Enter")
    wait_idle(page)
    page.get_by_role("textbox", name="Sản phẩm", exact=True).nth(0).fill("Bài viết chuyên đề")
    page.get_by_role("textbox", name="Số lượng", exact=True).nth(0).fill("3")
    page.get_by_role("textbox", name="Đơn giá", exact=True).nth(0).fill("6.000.000")
    page.get_by_role("button", name="Lưu dự thảo").click()
    expect()(page.get_by_text(re.compile(r"HD-KH-TL-01, giá trị 18\.000\.000 đ"))).to_be_visible()
    assert scalar(demo_url, "SELECT activity_id FROM commitments WHERE reference = 'HD-KH-TL-01'") == activity_id
    page.get_by_text(re.compile(r"^Tôi xác nhận ký HD-KH-TL-01: giữ 18\.000\.000 đ")).click()
    page.get_by_role("button", name="Ký hợp đồng").click()
    expect()(page.get_by_text("Đã ký HD-KH-TL-01.")).to_be_visible()

    page.get_by_role("button", name="Đăng xuất").click()
    sign_in(page, "leader")
    open_page(page, "Kế hoạch truyền thông")
    choose(page, "Chính sách", POLICY)
    wait_idle(page)
    expect_metric(page, "Đã cam kết", format_vnd(18_000_000))
