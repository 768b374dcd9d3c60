"""Real-browser tests: Debian's chromium driven by Python playwright against `streamlit run`.

They do what a person does: sign in, type into the forms, click, and read the figures on screen.
Screenshots of the last screen of each test land in test-artifacts/ for a human to look at.
"""

from __future__ import annotations

import re

import pytest
from browser_support import ROOT, AppServer, acquire_browser, chromium_path, release_browser
from conftest import actor_for, missing
from sqlalchemy import text

from ledger.domain.errors import ValidationError
from ledger.domain.formatting import format_scaled, format_vnd
from ledger.services import payments
from ledger.store.db import Database

pytestmark = pytest.mark.browser
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if executable is None:
        missing("Debian chromium (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:  # pragma: no cover - requirements.txt pins playwright
        missing("python playwright")
    yield acquire_browser(executable)  # shared with the modules that import this fixture
    release_browser()


@pytest.fixture
def app(demo_url, tmp_path):
    server = AppServer(demo_url, tmp_path)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


@pytest.fixture
def page(browser, app, request):
    context = browser.new_context(viewport={"width": 1500, "height": 1000}, locale="vi-VN")
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    tab.goto(app.url)
    yield tab
    ARTIFACTS.mkdir(exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    tab.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    context.close()


def expect():
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


def sign_in(page, username: str, password: str = "demo") -> None:
    page.get_by_role("textbox", name="Tên đăng nhập", exact=True).fill(username)
    page.get_by_role("textbox", name="Mật khẩu", exact=True).fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    expect()(page.get_by_text(re.compile(r"Đăng nhập: " + username))).to_be_visible()


def open_page(page, title: str) -> None:
    page.get_by_role("link", name=title).click()
    expect()(page.get_by_role("heading", name=title).first).to_be_visible()


def choose(page, label: str, option: str, *, nth: int = 0) -> None:
    """Pick an option of a Streamlit selectbox by typing part of its text."""
    box = page.get_by_role("combobox", name=label, exact=True).nth(nth)
    wanted = page.get_by_role("option", name=re.compile(re.escape(option))).first
    for attempt in range(3):  # a rerun may redraw the box while it opens: open it again
        box.click()
        box.fill(option)
        try:
            wanted.click(timeout=10_000)
            return
        except Exception:  # noqa: BLE001 - retried, then raised below
            page.keyboard.press("Escape")
            wait_idle(page)
            if attempt == 2:
                raise


def expect_metric(page, label: str, value: str) -> None:
    """The metric card ``label`` shows ``value`` (waiting for Streamlit's rerun to settle)."""
    card = page.locator('[data-testid="stMetric"]').filter(has=page.get_by_text(label, exact=True)).first
    expect()(card.locator('[data-testid="stMetricValue"]')).to_have_text(value)


def wait_idle(page) -> None:
    """Wait until Streamlit has finished rerunning the script."""
    page.wait_for_timeout(300)
    expect()(page.locator('[data-testid="stStatusWidget"]')).to_have_count(0, timeout=30_000)


def click_tab(page, name: str) -> None:
    """Click a tab once the rerun has settled (while it runs, the tab set being replaced is still in the
    page), then let the rerun the click starts settle: a keyed tab set reruns the script, and a field
    filled during that rerun can be redrawn empty (seen once on a loaded machine: "Chưa nhập số biên bản")."""
    wait_idle(page)
    page.get_by_role("tab", name=name).click()
    wait_idle(page)


def scalar(url: str, sql: str, **params) -> int:
    db = Database(url)
    try:
        with db.engine.connect() as connection:
            return int(connection.execute(text(sql), params).scalar() or 0)
    finally:
        db.dispose()


def test_officer_adds_a_line_and_adjusts_it(page, demo_url):
    sign_in(page, "officer")
    open_page(page, "Dòng dự toán")
    page.get_by_text("Thêm dòng dự toán").click()
    form = page.locator('[data-testid="stForm"]').filter(has=page.get_by_role("button", name="Thêm dòng", exact=True))
    form.get_by_role("textbox", name="Mã dòng", exact=True).fill("BYT-TT-26-99")
    form.get_by_role("textbox", name="Nội dung", exact=True).fill("Đặt hàng báo chí tuyên truyền Luật Dân số (trình duyệt)")
    form.get_by_role("textbox", name="Dự toán giao đầu năm (đồng)", exact=True).fill("150.000.000")
    form.get_by_role("button", name="Thêm dòng", exact=True).click()
    expect()(page.get_by_text(re.compile("BYT-TT-26-99")).first).to_be_visible()
    assert scalar(demo_url, "SELECT original_estimate FROM budget_lines WHERE code = 'BYT-TT-26-99'") == 150_000_000

    choose(page, "Chọn dòng dự toán", "BYT-TT-26-99")
    expect()(page.get_by_text("Ghi điều chỉnh")).to_be_visible()
    expect_metric(page, "Dự toán được giao", "150.000.000 đ")
    page.get_by_role("textbox", name="Số tiền điều chỉnh (+ bổ sung / − giảm)", exact=True).fill("25.000.000")
    page.get_by_role("textbox", name="Số quyết định", exact=True).fill("301/QĐ-BYT")
    page.get_by_role("textbox", name="Lý do", exact=True).fill("Bổ sung kinh phí truyền thông")
    page.get_by_role("button", name="Ghi điều chỉnh").click()
    expect()(page.get_by_text(re.compile(r"175\.000\.000 đ")).first).to_be_visible()
    choose(page, "Chọn dòng dự toán", "BYT-TT-26-99")
    expect()(page.locator('[data-testid="stMetric"]').filter(has_text="Dự toán được giao").first).to_contain_text("175.000.000 đ")
    assert scalar(demo_url, "SELECT SUM(a.amount) FROM adjustments a JOIN budget_lines l ON l.id = a.line_id WHERE l.code = 'BYT-TT-26-99'") == 25_000_000


def test_bad_amount_is_refused_with_a_sentence(page, demo_url):
    sign_in(page, "officer")
    open_page(page, "Dòng dự toán")
    page.get_by_text("Thêm dòng dự toán").click()
    form = page.locator('[data-testid="stForm"]').filter(has=page.get_by_role("button", name="Thêm dòng", exact=True))
    form.get_by_role("textbox", name="Mã dòng", exact=True).fill("BYT-TT-26-98")
    form.get_by_role("textbox", name="Nội dung", exact=True).fill("Dòng thử số tiền lẻ")
    form.get_by_role("textbox", name="Dự toán giao đầu năm (đồng)", exact=True).fill("1.234,5")
    form.get_by_role("button", name="Thêm dòng", exact=True).click()
    expect()(page.get_by_text(re.compile("không được có phần lẻ"))).to_be_visible()
    assert scalar(demo_url, "SELECT COUNT(*) FROM budget_lines WHERE code = 'BYT-TT-26-98'") == 0


def line_available(url: str, code: str) -> int:
    """The line's available balance by independent SQL: allocated − held − direct payments."""
    return scalar(
        url,
        """
        SELECT l.original_estimate
             + COALESCE((SELECT SUM(amount) FROM adjustments WHERE line_id = l.id), 0)
             - COALESCE((SELECT SUM(CASE WHEN status = 'signed' THEN value
                                         WHEN status = 'closed' THEN COALESCE(final_value, 0) ELSE 0 END)
                         FROM commitments WHERE line_id = l.id), 0)
             - COALESCE((SELECT SUM(amount) FROM payments WHERE line_id = l.id AND commitment_id IS NULL), 0)
        FROM budget_lines l WHERE l.code = :code
        """,
        code=code,
    )


def test_officer_runs_an_order_from_draft_to_payment(page, demo_url):
    line = "BYT-TT-26-01"
    start = line_available(demo_url, line)
    sign_in(page, "officer")
    open_page(page, "Đặt hàng, đào tạo, CNTT")
    page.get_by_text("Thêm đặt hàng báo chí").click()
    choose(page, "Dòng dự toán", line)
    page.get_by_role("textbox", name="Số hợp đồng", exact=True).fill("HD-TRINH-DUYET-01")
    choose(page, "Cơ quan báo chí", "Sức khỏe")
    page.get_by_role("textbox", name="Nội dung", exact=True).fill("Loạt bài về Luật Dân số")
    count = page.get_by_role("spinbutton", name="Số sản phẩm")
    count.fill("2")
    count.press("Enter")
    wait_idle(page)
    products = page.get_by_role("textbox", name="Sản phẩm", exact=True)
    quantities = page.get_by_role("textbox", name="Số lượng", exact=True)
    prices = page.get_by_role("textbox", name="Đơn giá", exact=True)
    products.nth(0).fill("Bài viết chuyên đề")
    quantities.nth(0).fill("2")
    prices.nth(0).fill("5.000.000")
    products.nth(1).fill("Video ngắn")
    quantities.nth(1).fill("1")
    prices.nth(1).fill("10.000.000")
    page.get_by_role("button", name="Lưu dự thảo").click()
    expect()(page.get_by_text(re.compile(r"HD-TRINH-DUYET-01, giá trị 20\.000\.000 đ"))).to_be_visible()
    expect_metric(page, "Dòng: còn được sử dụng", format_vnd(start))

    page.get_by_text(re.compile(r"^Tôi xác nhận ký HD-TRINH-DUYET-01: giữ 20\.000\.000 đ")).click()  # issue 10: signing asks first
    page.get_by_role("button", name="Ký hợp đồng").click()
    expect()(page.get_by_text("Đã ký HD-TRINH-DUYET-01.")).to_be_visible()
    assert line_available(demo_url, line) == start - 20_000_000
    expect_metric(page, "Dòng: còn được sử dụng", format_vnd(start - 20_000_000))

    click_tab(page, "Tạm ứng")
    page.get_by_role("textbox", name="Số chứng từ", exact=True).fill("TU-TD-01")
    page.get_by_role("textbox", name="Số tiền", exact=True).fill("5.000.000")
    page.get_by_role("button", name="Tạm ứng").click()
    expect()(page.get_by_text("Đã ghi chi 5.000.000 đ.")).to_be_visible()
    expect_metric(page, "Đã tạm ứng", "5.000.000 đ")
    expect_metric(page, "Dòng: còn được sử dụng", format_vnd(line_available(demo_url, line)))

    click_tab(page, "Nghiệm thu")
    page.get_by_role("textbox", name="Số biên bản", exact=True).fill("NT-TD-01")
    page.get_by_role("textbox", name="Giá trị nghiệm thu", exact=True).fill("10.000.000")
    page.get_by_role("button", name="Nghiệm thu").click()
    expect()(page.get_by_text("Đã ghi nghiệm thu 10.000.000 đ.")).to_be_visible()
    expect_metric(page, "Đã nghiệm thu", "10.000.000 đ")

    click_tab(page, "Thanh toán")
    page.get_by_role("textbox", name="Số chứng từ", exact=True).fill("TT-TD-01")
    page.get_by_role("textbox", name="Số tiền", exact=True).fill("5.000.000")
    page.get_by_role("button", name="Thanh toán").click()
    expect()(page.get_by_text("Đã ghi chi 5.000.000 đ.")).to_be_visible()
    expect_metric(page, "Đã chi (gồm tạm ứng)", "10.000.000 đ")
    expect_metric(page, "Dòng: còn được sử dụng", format_vnd(start - 20_000_000))

    # Everything accepted is paid: the screen offers no payment any more, and the service refuses one.
    wait_idle(page)
    expect()(page.get_by_role("tab", name="Thanh toán")).to_have_count(0)
    db = Database(demo_url)
    try:
        cid = scalar(demo_url, "SELECT id FROM commitments WHERE reference = 'HD-TRINH-DUYET-01'")
        with pytest.raises(ValidationError) as refused:
            payments.record_payment(db, actor_for(db, "officer"), year=2026, voucher_no="TT-TD-02", date="02/03/2026", kind="THANH_TOAN", commitment=cid, amount=1)
        assert re.search("không thể thanh toán thêm 1 đ", " ".join(refused.value.messages("vi")))
    finally:
        db.dispose()
    assert scalar(demo_url, "SELECT COUNT(*) FROM payments WHERE voucher_no = 'TT-TD-02'") == 0
    click_tab(page, "Thanh lý")
    page.get_by_role("textbox", name="Lý do", exact=True).first.fill("Thanh lý theo khối lượng nghiệm thu")
    page.get_by_text(re.compile(r"^Tôi xác nhận thanh lý HD-TRINH-DUYET-01")).click()
    page.get_by_role("button", name="Thanh lý").click()
    expect()(page.get_by_text("Đã thanh lý HD-TRINH-DUYET-01.")).to_be_visible()
    assert line_available(demo_url, line) == start - 10_000_000
    expect_metric(page, "Dòng: còn được sử dụng", format_vnd(start - 10_000_000))


def headline_sql(url: str, year: int, unit_code: str | None = None) -> dict[str, int]:
    """Allocated, committed and paid over every source, by independent SQL, for a unit's subtree."""
    units = "SELECT id FROM units"
    if unit_code:
        units = f"""
            WITH RECURSIVE tree(id) AS (SELECT id FROM units WHERE code = '{unit_code}'
                UNION ALL SELECT u.id FROM units u JOIN tree t ON u.parent_id = t.id)
            SELECT id FROM tree"""
    lines = f"SELECT id FROM budget_lines WHERE year = {year} AND unit_id IN ({units})"
    allocated = scalar(url, f"SELECT SUM(original_estimate) FROM budget_lines WHERE id IN ({lines})") + scalar(
        url, f"SELECT SUM(amount) FROM adjustments WHERE line_id IN ({lines})"
    )
    committed = scalar(
        url,
        f"""SELECT SUM(CASE WHEN status = 'signed' THEN value WHEN status = 'closed' THEN final_value ELSE 0 END)
            FROM commitments WHERE line_id IN ({lines})""",
    )
    paid = scalar(url, f"SELECT SUM(amount) FROM payments WHERE line_id IN ({lines})")
    return {"Dự toán": allocated, "Đã cam kết": committed, "Đã chi": paid}


def expect_headline(page, figures: dict[str, int]) -> None:
    """The first row of headline cards ("Tổng các nguồn", in triệu đồng) shows these figures."""
    for label, amount in figures.items():
        expect_metric(page, label, format_scaled(amount, "trieu"))


def test_leader_filters_the_dashboard(page, demo_url):
    sign_in(page, "leader")
    expect()(page.get_by_role("heading", name="Bảng điều khiển").first).to_be_visible()
    expect()(page.locator(".js-plotly-plot").nth(4)).to_be_visible(timeout=60_000)
    expect_headline(page, headline_sql(demo_url, 2026))

    choose(page, "Năm ngân sách", "2025")
    expect_headline(page, headline_sql(demo_url, 2025))

    choose(page, "Đơn vị", "HNI")
    expect_headline(page, headline_sql(demo_url, 2025, "HNI"))
    assert headline_sql(demo_url, 2025, "HNI")["Dự toán"] < headline_sql(demo_url, 2025)["Dự toán"]
