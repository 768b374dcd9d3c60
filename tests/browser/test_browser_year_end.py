"""Real-browser test of the year-end screen: an officer previews the end of 2025 for their unit, sees
the amounts carried over and cancelled with their bases, confirms, and then sees the carried line in
2026 and the settlement statement.

2025 is past its closing period on the real calendar (01/12/2026), so no ``LEDGER_TODAY`` is needed
for the app server; a supplement dated after 30/09 gives the 2025 rules (Law 83/2015 Art 64)
something to carry over.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from ledger_testkit import actor_of
from test_browser import (  # noqa: F401
    app,
    browser,
    choose,
    click_tab,
    expect,
    expect_metric,
    open_page,
    page,
    scalar,
    sign_in,
    wait_idle,
)

from ledger.domain.formatting import format_vnd
from ledger.services import budget, year_end
from ledger.store.db import Database

pytestmark = pytest.mark.browser
UNIT = "BYT-TT"


def _prepare(url: str) -> tuple[int, int, int]:
    """A supplement after 30/09 on an NSNN line of the officer's unit; the preview's totals."""
    db = Database(url)
    try:
        officer = actor_of(db, "officer")
        line_id = scalar(url, "SELECT MIN(b.id) FROM budget_lines b JOIN units u ON u.id = b.unit_id WHERE u.code = :u AND b.year = 2025 AND b.source_code = 'NSNN'", u=UNIT)
        budget.adjust_line(db, officer, line_id, 45_000_000, dt.date(2025, 10, 20), "312/QĐ-BYT", "Bổ sung cuối năm")
        shown = year_end.preview(db, officer, 2025, UNIT)
        return line_id, shown.carried, shown.cancelled
    finally:
        db.dispose()


def test_officer_closes_2025_and_sees_the_carried_line_and_the_settlement(page, demo_url):  # noqa: F811
    line_id, carried, cancelled = _prepare(demo_url)
    assert carried == 45_000_000 and cancelled > 0
    sign_in(page, "officer")
    more = page.get_by_text(re.compile(r"View \d+ more"))  # the menu folds its last pages away
    if more.count():
        more.first.click()
    open_page(page, "Khóa sổ cuối năm")
    choose(page, "Năm ngân sách", "2025")
    wait_idle(page)
    expect_metric(page, "Chuyển nguồn", format_vnd(carried))
    expect_metric(page, "Hủy dự toán", format_vnd(cancelled))

    page.get_by_role("textbox", name="Số quyết định", exact=True).fill("45/QĐ-BYT-KS2025")
    page.get_by_text(re.compile(r"Tôi xác nhận khóa sổ năm 2025")).click()  # the confirmation names the amounts
    expect()(page.get_by_text(re.compile(re.escape(f"chuyển nguồn {format_vnd(carried)}, hủy dự toán {format_vnd(cancelled)}")))).to_be_visible()
    page.get_by_role("button", name="Khóa sổ", exact=True).click()
    expect()(page.get_by_text(re.compile(r"Đã khóa sổ năm 2025: chuyển nguồn"))).to_be_visible()
    assert scalar(demo_url, "SELECT COUNT(*) FROM year_end_runs WHERE year = 2025 AND created_by = 'officer'") == 1
    assert scalar(demo_url, "SELECT COUNT(*) FROM budget_lines WHERE year = 2026 AND carried_from_id = :l", l=line_id) == 1

    # The settlement of 2025, then the carried line in 2026.
    click_tab(page, "Báo cáo quyết toán")
    expect_metric(page, "Tổng chuyển sang năm sau", format_vnd(carried))
    expect_metric(page, "Tổng hủy dự toán", format_vnd(cancelled))
    choose(page, "Năm ngân sách", "2026")
    wait_idle(page)
    click_tab(page, "Báo cáo quyết toán")
    expect_metric(page, "Nhận chuyển nguồn từ năm 2025", format_vnd(carried))
