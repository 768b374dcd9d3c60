"""Helpers of the hardening tests (test_hardening, test_misuse, test_load, test_faults): reads of
every text a rendered screen holds. The AppTest harness itself is tests/conftest.py's; its names
are re-exported here under the names those modules import."""

from __future__ import annotations

import io
from typing import Any

from conftest import app_errors, app_ledger, app_successes, navigation_mode, start_app
from streamlit.testing.v1 import AppTest

# The AppTest harness is conftest.py's; these names stay for the modules that import them.
navigation_mode_fixture = navigation_mode
app_ledger_fixture = app_ledger
start = start_app
errors = app_errors
successes = app_successes


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
