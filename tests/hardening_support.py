"""Helpers of the hardening tests (test_hardening, test_misuse, test_load, test_faults): the AppTest
harness of tests/test_pages.py, and reads of every text a rendered screen holds.

A test module uses the fixtures by importing ``app_ledger_fixture`` / ``navigation_mode_fixture``
(registered under the names ``app_ledger`` and ``navigation_mode``)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from conftest import ROOT, actor_for
from streamlit.testing.v1 import AppTest

from ledger.store.db import Database


@pytest.fixture(name="navigation_mode")
def navigation_mode_fixture(monkeypatch):
    """Keep Streamlit in navigation mode on every AppTest run (see tests/test_pages.py)."""
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture(name="app_ledger")
def app_ledger_fixture(demo_url, monkeypatch, navigation_mode):
    """The demo database for the app under test (and for the test's own reads)."""
    monkeypatch.setenv("LEDGER_DATABASE_URL", demo_url)
    database = Database(demo_url)
    yield database
    database.dispose()
    from pages.common import _database

    _database.clear()  # dispose the engines the app cached, so PostgreSQL connections do not pile up


def start(database: Database | None, user: str | None = None, page: str | None = None, **state: Any) -> AppTest:
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    if user is not None:
        at.session_state["actor"] = actor_for(database, user)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    if page is not None:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def errors(at: AppTest) -> list[str]:
    assert not at.exception, [e.value for e in at.exception]
    return [e.value for e in at.error]


def successes(at: AppTest) -> list[str]:
    assert not at.exception, [e.value for e in at.exception]
    return [s.value for s in at.success]


def _arrow_text(data: bytes) -> str:
    import pyarrow as pa

    if not data:
        return ""
    table = pa.ipc.open_stream(io.BytesIO(data)).read_all()
    return table.to_pandas().to_csv(index=False)


def _proto_texts(message) -> list[str]:
    """Every scalar of a protobuf message, recursively; Arrow tables (dataframes, chart data) as CSV."""
    from google.protobuf.message import Message

    found: list[str] = []
    for _field, value in message.ListFields():
        if isinstance(value, Message):
            values = [value]
        elif isinstance(value, str | bytes | int | float | bool):
            values = [value]
        elif hasattr(value, "items"):
            values = list(value.keys()) + list(value.values())
        else:
            values = list(value)
        for item in values:
            if isinstance(item, Message):
                found.extend(_proto_texts(item))
            elif isinstance(item, bytes):
                try:
                    found.append(_arrow_text(item))
                except Exception:  # noqa: BLE001 - not Arrow: keep the bytes' text
                    found.append(item.decode("utf-8", "replace"))
            else:
                found.append(str(item))
    return found


def rendered_text(at: AppTest) -> str:
    """Every text the screen holds: markdown, labels, options, values, table and chart data."""
    parts: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "ListFields"):
            parts.extend(_proto_texts(proto))
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                walk(child)

    walk(at._tree)
    return "\n".join(parts)


def markdown_protos(at: AppTest) -> list[Any]:
    """Every markdown element's proto (body and whether it allows HTML), in the sidebar and main area."""
    found: list[Any] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None and proto.__class__.__name__ == "Markdown":
            found.append(proto)
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                walk(child)

    walk(at._tree)
    return found
