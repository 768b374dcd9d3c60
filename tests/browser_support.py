"""Real-browser test support: the app served by `streamlit run`, and Debian's chromium through
Python playwright (``executable_path``: playwright never downloads a browser here)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


# One chromium per test process: playwright's sync API allows one instance per thread, and the
# ``browser`` fixture of tests/browser/test_browser.py is imported by other test modules, each import being a
# fixture of its own. They all share this one (the last to finish closes it).
_SHARED: dict = {"users": 0, "playwright": None, "browser": None}


def acquire_browser(executable: str):
    if _SHARED["browser"] is None:
        from playwright.sync_api import sync_playwright

        _SHARED["playwright"] = sync_playwright().start()
        _SHARED["browser"] = _SHARED["playwright"].chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
    _SHARED["users"] += 1
    return _SHARED["browser"]


def release_browser() -> None:
    _SHARED["users"] -= 1
    if _SHARED["users"] == 0 and _SHARED["browser"] is not None:
        try:
            _SHARED["browser"].close()
        finally:
            _SHARED["playwright"].stop()
            _SHARED["browser"] = _SHARED["playwright"] = None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AppServer:
    """`streamlit run streamlit_app.py` on a loopback port against the given database."""

    def __init__(self, database_url: str, log_dir: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(log_dir / f"streamlit-{self.port}.log", "w")  # noqa: SIM115
        env = os.environ | {"LEDGER_DATABASE_URL": database_url}
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "streamlit", "run", str(ROOT / "streamlit_app.py"),
                "--server.port", str(self.port), "--server.address", "127.0.0.1",
                "--server.headless", "true", "--server.fileWatcherType", "none",
                "--browser.gatherUsageStats", "false",
            ],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited early, see {self.log.name}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise TimeoutError("streamlit did not become ready")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
