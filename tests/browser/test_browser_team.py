"""Real-browser test of the communication team screen: an officer adds a spokesperson and two
officers, puts two of them on a crisis-communication course and marks one completed; the leader's
coverage of the officer's unit then shows exactly that (counted here by independent SQL before the
officer starts, so whatever team the demo holds is accounted for)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import text
from test_browser import app, browser, expect, expect_metric, open_page, page, scalar, sign_in, wait_idle  # noqa: F401

from ledger.domain.team import training_window
from ledger.store.db import Database

pytestmark = pytest.mark.browser
UNIT = "BYT-TT"
TEAM = "Đội ngũ truyền thông"
ACTIVE = "a.start_date <= :d AND (a.end_date IS NULL OR a.end_date >= :d)"


def team_figures(url: str, day: dt.date) -> dict[str, int]:
    """People, dedicated and crisis-trained people of the unit on ``day``, and whether it has a spokesperson."""
    first, _ = training_window(day)
    base = f"FROM staff_assignments a JOIN units u ON u.id = a.unit_id WHERE u.code = :u AND {ACTIVE}"
    crisis = (
        "SELECT COUNT(DISTINCT a.member_id) " + base + " AND a.member_id IN (SELECT p.member_id FROM course_participants p"
        " JOIN commitments c ON c.id = p.course_id WHERE p.completed = :yes AND c.topic = 'KHUNG_HOANG'"
        " AND c.status IN ('signed', 'closed') AND c.end_date >= :f AND c.end_date <= :d)"
    )
    return {
        "people": scalar(url, "SELECT COUNT(DISTINCT a.member_id) " + base, u=UNIT, d=day),
        "dedicated": scalar(url, "SELECT COUNT(DISTINCT a.member_id) " + base + " AND a.mode = 'CHUYEN_TRACH'", u=UNIT, d=day),
        "spokespersons": scalar(url, "SELECT COUNT(*) " + base + " AND a.role = 'PHAT_NGON'", u=UNIT, d=day),
        "crisis": scalar(url, crisis, u=UNIT, d=day, f=first, yes=True),
    }


def crisis_course(url: str) -> str:
    """The code of a signed or closed course of the unit that has ended, not yet about crisis communication."""
    db = Database(url)
    try:
        with db.engine.connect() as connection:
            found = connection.execute(
                text(
                    "SELECT c.reference FROM commitments c JOIN budget_lines l ON l.id = c.line_id JOIN units u ON u.id = l.unit_id"
                    " WHERE c.kind = 'course' AND u.code = :u AND c.year = :y AND c.status IN ('signed', 'closed') AND c.end_date <= :d"
                    " AND (c.topic IS NULL OR c.topic <> 'KHUNG_HOANG') ORDER BY c.reference"
                ),
                {"u": UNIT, "y": dt.date.today().year, "d": dt.date.today()},
            ).first()
    finally:
        db.dispose()
    if found is None:
        pytest.skip(f"the demo has no course of {UNIT} held this year")
    return found[0]


def in_form(page, button: str):  # noqa: F811
    return page.locator('[data-testid="stForm"]').filter(has=page.get_by_role("button", name=button, exact=True))


def pick(scope, page, label: str, option: str) -> None:  # noqa: F811
    """Pick an option of the selectbox ``label`` inside ``scope`` (a form, or the page) by clicking it
    (a short list's box takes no typing); a rerun may redraw the box while it opens: open it again."""
    box = scope.get_by_role("combobox", name=label, exact=True)
    wanted = page.get_by_role("option", name=re.compile(re.escape(option))).first
    for attempt in range(3):
        wait_idle(page)
        box.click()
        try:
            wanted.click(timeout=10_000)
            return
        except Exception:  # noqa: BLE001 - retried, then raised below
            page.keyboard.press("Escape")
            if attempt == 2:
                raise


def add_person(page, code: str, name: str, role: str, mode: str) -> None:  # noqa: F811
    form = in_form(page, "Thêm phân công")
    if not form.get_by_role("textbox", name="Mã nhân sự", exact=True).is_visible():
        page.locator('[data-testid="stExpander"]').filter(has_text="Thêm phân công").locator("summary").click()
    form.get_by_role("textbox", name="Mã nhân sự", exact=True).fill(code)
    form.get_by_role("textbox", name="Họ tên", exact=True).fill(name)
    form.get_by_role("textbox", name="Chức vụ", exact=True).fill("Chuyên viên")
    pick(form, page, "Vai trò", role)
    pick(form, page, "Chế độ", mode)
    form.get_by_role("button", name="Thêm phân công", exact=True).click()
    expect()(page.get_by_text(f"Đã thêm phân công: {code}")).to_be_visible()
    wait_idle(page)


def test_officer_builds_a_team_and_the_leader_sees_its_coverage(page, demo_url):  # noqa: F811
    today = dt.date.today()
    before = team_figures(demo_url, today)
    reference = crisis_course(demo_url)

    sign_in(page, "officer")
    open_page(page, TEAM)
    add_person(page, "TT-B01", "Phạm Thu Trang", "Người phát ngôn", "Chuyên trách")
    add_person(page, "TT-B02", "Đỗ Minh Khôi", "Cán bộ truyền thông chính sách", "Chuyên trách")
    add_person(page, "TT-B03", "Vũ Thị Hà", "Cán bộ truyền thông chính sách", "Kiêm nhiệm")
    assert scalar(demo_url, "SELECT COUNT(*) FROM staff_members WHERE code LIKE 'TT-B0%'") == 3

    page.get_by_text("Học viên các khóa đào tạo", exact=True).click()
    wait_idle(page)
    pick(page, page, "Khóa đào tạo", reference)
    pick(page, page, "Chủ đề", "Xử lý khủng hoảng truyền thông")
    page.get_by_role("button", name="Lưu chủ đề").click()
    expect()(page.get_by_text(f"Đã lưu chủ đề của khóa {reference}.")).to_be_visible()
    for code in ("TT-B01", "TT-B02"):
        wait_idle(page)
        form = in_form(page, "Thêm học viên")
        pick(form, page, "Nhân sự", code)
        form.get_by_role("button", name="Thêm học viên", exact=True).click()
        expect()(page.get_by_text(f"Đã thêm {code} vào khóa {reference}.")).to_be_visible()
    wait_idle(page)
    expect_metric(page, "Học viên trong danh sách", "2")
    form = in_form(page, "Ghi kết quả")
    pick(form, page, "Học viên", "TT-B01")
    form.get_by_role("textbox", name="Số chứng chỉ", exact=True).fill("CC-2026-001")
    form.get_by_role("button", name="Ghi kết quả", exact=True).click()
    expect()(page.get_by_text("Đã ghi kết quả của TT-B01.")).to_be_visible()
    wait_idle(page)
    expect_metric(page, "Đã hoàn thành", "1")
    assert scalar(demo_url, "SELECT COUNT(*) FROM course_participants WHERE completed = :y AND certificate_no = 'CC-2026-001'", y=True) == 1

    after = team_figures(demo_url, today)
    assert after == {"people": before["people"] + 3, "dedicated": before["dedicated"] + 2, "spokespersons": before["spokespersons"] + 1, "crisis": before["crisis"] + 1}

    page.get_by_role("button", name="Đăng xuất").click()
    sign_in(page, "leader")
    open_page(page, TEAM)
    pick(page, page, "Đơn vị (cùng các đơn vị trực thuộc)", UNIT)
    wait_idle(page)
    expect_metric(page, "Người được phân công", str(after["people"]))
    expect_metric(page, "Chuyên trách", str(after["dedicated"]))
    expect_metric(page, "Kiêm nhiệm", str(after["people"] - after["dedicated"]))
    expect_metric(page, "Đã bồi dưỡng xử lý khủng hoảng", str(after["crisis"]))
    flagged = page.locator('[data-testid="stMarkdownContainer"]').filter(has_text="Đơn vị chưa có người phát ngôn (0)")
    expect()(flagged.first).to_be_visible()
    expect()(page.locator('[data-testid="stPlotlyChart"]').first).to_be_visible()
