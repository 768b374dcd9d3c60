"""Click-to-settled timings in a real browser (issue 10, item 9): Debian's chromium driven by Python
playwright against `streamlit run` on a fresh demo ledger (or ``--db URL``, e.g. the 100 000-payment
scale ledger), each action repeated and its median reported against the 1 s target.

"Settled" is what a person waits for: the expected outcome is on screen (the success sentence, the
new headline figure) and Streamlit's running indicator is gone. No fixed sleep is counted: the clock
stops when both hold, polled by playwright. Run: ``python bench/ui_bench.py [--runs 5] [--db URL]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

TARGET_S = 1.0


def _demo_url(folder: Path) -> str:
    from ledger.demo.small import load_demo
    from ledger.store import schema
    from ledger.store.db import Database

    url = f"sqlite:///{folder / 'ui-bench.db'}"
    db = Database(url)
    schema.upgrade(db)
    load_demo(db, password="demo")
    db.dispose()
    return url


def _settled(page, outcome) -> None:
    from playwright.sync_api import expect

    expect(outcome).to_be_visible(timeout=30_000)
    expect(page.locator('[data-testid="stStatusWidget"]')).to_have_count(0, timeout=30_000)


def _timed(page, act, outcome) -> float:
    started = time.perf_counter()
    act()
    _settled(page, outcome)
    return time.perf_counter() - started


def _sign_in(page, url: str, username: str) -> None:
    import re

    page.goto(url)
    page.get_by_role("textbox", name="Tên đăng nhập", exact=True).fill(username)
    page.get_by_role("textbox", name="Mật khẩu", exact=True).fill("demo")
    page.get_by_role("button", name="Đăng nhập").click()
    _settled(page, page.get_by_text(re.compile(r"Đăng nhập: " + username)))


def measure(url: str, runs: int) -> dict[str, list[float]]:
    import re

    from browser_support import CHROMIUM_FLAGS, AppServer, chromium_path
    from playwright.sync_api import sync_playwright

    times: dict[str, list[float]] = {"adjustment": [], "dashboard_year": [], "dashboard_visit": []}
    with tempfile.TemporaryDirectory() as logs:
        server = AppServer(url, Path(logs))
        try:
            server.wait_ready()
            with sync_playwright() as driver:
                browser = driver.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
                page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="vi-VN")
                _sign_in(page, server.url, "officer")
                # Through the menu: a reload would start a new session (signed out).
                page.get_by_role("link", name="Dòng dự toán").click()
                _settled(page, page.get_by_role("combobox", name="Chọn dòng dự toán", exact=True))
                box = page.get_by_role("combobox", name="Chọn dòng dự toán", exact=True)
                box.click()
                box.fill("BYT-TT-26-01")
                page.get_by_role("option", name=re.compile("BYT-TT-26-01")).first.click()
                _settled(page, page.get_by_role("button", name="Ghi điều chỉnh"))
                for run in range(runs):
                    page.get_by_role("textbox", name="Số tiền điều chỉnh (+ bổ sung / − giảm)", exact=True).fill(f"{run + 1}.000")
                    page.get_by_role("textbox", name="Số quyết định", exact=True).fill(f"B{run}/QĐ-BENCH")
                    done = page.get_by_text(re.compile(rf"Đã ghi điều chỉnh {run + 1}\.000 đ"))
                    times["adjustment"].append(_timed(page, lambda: page.get_by_role("button", name="Ghi điều chỉnh").click(), done))

                leader = browser.new_page(viewport={"width": 1366, "height": 900}, locale="vi-VN")
                _sign_in(leader, server.url, "leader")
                for _ in range(runs):
                    leader.get_by_role("link", name="Tổng quan").click()
                    _settled(leader, leader.get_by_role("heading", name="Tổng quan").first)
                    times["dashboard_visit"].append(_timed(leader, lambda: leader.get_by_role("link", name="Bảng điều khiển").click(), leader.locator(".js-plotly-plot").nth(5)))  # the charts drawn
                    for year in ("2025", "2026"):
                        figure = leader.locator('[data-testid="stMetricValue"]').first
                        before = figure.inner_text()

                        def change(year=year):
                            leader.get_by_role("combobox", name=re.compile("Năm")).first.click()
                            leader.get_by_role("option", name=year, exact=True).click()

                        # Settled: the headline shows the other year's figure and nothing is running.
                        times["dashboard_year"].append(_timed(leader, change, leader.locator('[data-testid="stMetricValue"]').first.filter(has_not_text=before)))
                browser.close()
        finally:
            server.stop()
    return times


def report_lines(label: str, times: dict[str, list[float]]) -> list[str]:
    lines = []
    for name, values in times.items():
        median = statistics.median(values)
        verdict = "within" if median <= TARGET_S else "OVER"
        lines.append(f"{label} ui {name:<16} median {median:.3f} s over {len(values)} runs (max {max(values):.3f} s) – {verdict} the {TARGET_S:.0f} s target")
    return lines


def measure_ui(db_path: Path, n: int) -> list[str]:
    """For bench/run.py: the same clicks on a copy of the scale ledger (the clicks post entries)."""
    import shutil

    if n > 100_000:
        return [f"N={n} ui: measured up to N=100000 (the issue's scale)"]
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "ui.db"
        shutil.copyfile(db_path, copy)
        return report_lines(f"N={n}", measure(f"sqlite:///{copy}", 5))


def once_ui_demo() -> list[str]:
    """For bench/run.py: the clicks on a fresh small demo ledger."""
    with tempfile.TemporaryDirectory() as folder:
        return report_lines("demo", measure(_demo_url(Path(folder)), 5))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", help="database URL (default: a fresh demo ledger)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or _demo_url(Path(folder))
        times = measure(url, args.runs)
    figures = {name: {"median_s": round(statistics.median(values), 3), "runs": len(values), "max_s": round(max(values), 3)} for name, values in times.items()}
    if args.json:
        print(json.dumps(figures))
    else:
        for name, figure in figures.items():
            verdict = "within" if figure["median_s"] <= TARGET_S else "OVER"
            print(f"ui {name:<16} median {figure['median_s']:.3f} s over {figure['runs']} runs (max {figure['max_s']:.3f} s) – {verdict} the {TARGET_S:.0f} s target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
