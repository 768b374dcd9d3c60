"""Several app replicas on one PostgreSQL database (docs/deploy.md): two `streamlit run` processes
on loopback, both healthy; a line an officer adds through the first is seen, in a real browser,
through the second — and a change made through the second is seen through the first."""

from __future__ import annotations

import re
import threading
import urllib.request

import pytest
from browser_support import CHROMIUM_FLAGS, AppServer, chromium_path
from conftest import missing
from test_browser import choose, expect, expect_metric, open_page, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def replicas(demo_url, tmp_path):
    servers = [AppServer(demo_url, tmp_path), AppServer(demo_url, tmp_path)]
    try:
        for server in servers:
            server.wait_ready()
        yield servers
    finally:
        for server in servers:
            server.stop()


def in_a_browser(scenario, timeout: float = 300) -> None:
    """Run ``scenario(chromium)`` with a chromium of its own, in a thread of its own: playwright's sync
    API allows one instance per thread, and the session may already hold one (tests/browser/test_browser.py)."""
    executable = chromium_path()
    if executable is None:
        missing("Debian chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    failure: list[BaseException] = []

    def run() -> None:
        try:
            with sync_playwright() as playwright:
                chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
                try:
                    scenario(chromium)
                finally:
                    chromium.close()
        except BaseException as error:  # noqa: BLE001 - re-raised in the test's thread
            failure.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), "the browser scenario hung"
    if failure:
        raise failure[0]


def tab(chromium, url: str):
    context = chromium.new_context(viewport={"width": 1500, "height": 1000}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(url)
    return context, page


@pytest.mark.parametrize("backend", ["postgresql"])
def test_two_replicas_on_one_database_see_each_others_writes(replicas, backend):
    first, second = replicas
    assert first.port != second.port
    for server in replicas:
        with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=5) as response:
            assert response.status == 200 and response.read().decode().strip() == "ok"
    in_a_browser(lambda chromium: add_through_one_see_through_the_other(chromium, first, second))


def add_through_one_see_through_the_other(chromium, first: AppServer, second: AppServer) -> None:
    one_context, one = tab(chromium, first.url)
    two_context, two = tab(chromium, second.url)
    try:
        # Through replica 1: an officer adds a line.
        sign_in(one, "officer")
        open_page(one, "Dòng dự toán")
        one.get_by_text("Thêm dòng dự toán").click()
        form = one.locator('[data-testid="stForm"]').filter(has=one.get_by_role("button", name="Thêm dòng", exact=True))
        form.get_by_role("textbox", name="Mã dòng", exact=True).fill("BYT-TT-26-97")
        form.get_by_role("textbox", name="Nội dung", exact=True).fill("Dòng ghi qua bản sao thứ nhất")
        form.get_by_role("textbox", name="Dự toán giao đầu năm (đồng)", exact=True).fill("150.000.000")
        form.get_by_role("button", name="Thêm dòng", exact=True).click()
        expect()(one.get_by_text(re.compile("BYT-TT-26-97")).first).to_be_visible()

        # Through replica 2: another officer's session finds it and adjusts it.
        sign_in(two, "officer")
        open_page(two, "Dòng dự toán")
        choose(two, "Chọn dòng dự toán", "BYT-TT-26-97")
        expect_metric(two, "Dự toán được giao", "150.000.000 đ")
        two.get_by_role("textbox", name="Số tiền điều chỉnh (+ bổ sung / − giảm)", exact=True).fill("25.000.000")
        two.get_by_role("textbox", name="Số quyết định", exact=True).fill("302/QĐ-BYT")
        two.get_by_role("button", name="Ghi điều chỉnh").click()
        expect()(two.get_by_text(re.compile(r"175\.000\.000 đ")).first).to_be_visible()

        # Back on replica 1, the adjustment made through replica 2 shows.
        open_page(one, "Dòng dự toán")
        choose(one, "Chọn dòng dự toán", "BYT-TT-26-97")
        expect_metric(one, "Dự toán được giao", "175.000.000 đ")
    finally:
        one_context.close()
        two_context.close()
