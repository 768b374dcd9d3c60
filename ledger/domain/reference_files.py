"""Reference data kept as files in the top-level ``data/`` folder, read into plain rows.

A finance officer reads and corrects these lists (the budget classification of each circular, the
ministries and provinces, the demo's units and press agencies) in a spreadsheet or a text editor;
the migrations and the demo read them here instead of carrying Python literals. CSV in UTF-8 (a
byte-order mark, as Excel writes one, is accepted) with a header row; ``data/README.md`` says what
each file holds. No database here: a file that does not have the columns its reader expects is
refused with its name, not half-read.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parents[2] / "data"


@cache
def read_rows(name: str) -> tuple[dict[str, str], ...]:
    """The rows of ``data/<name>`` as dicts keyed by the header, values stripped; blank lines skipped."""
    path = DATA_DIR / name
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        header = [column.strip() for column in reader.fieldnames or []]
        rows = []
        for number, raw in enumerate(reader, start=2):
            if None in raw or any(value is None for value in raw.values()):
                raise ValueError(f"{path}: line {number} does not have the {len(header)} columns of the header")
            row = {key.strip(): value.strip() for key, value in raw.items()}
            if any(row.values()):
                rows.append(row)
    return tuple(rows)


def columns(name: str, wanted: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The ``wanted`` columns of ``data/<name>``, in file order; a missing column is an error."""
    rows = read_rows(name)
    missing = [column for column in wanted if rows and column not in rows[0]]
    if missing:
        raise ValueError(f"{DATA_DIR / name}: missing column(s) {', '.join(missing)}")
    return [tuple(row[column] for column in wanted) for row in rows]


def budget_codes() -> list[dict[str, object]]:
    """Every (kind, code, label) of each circular's list with the years it is valid for, in the
    order of ``budget-codes/circulars.csv`` then of each list's file."""
    seeded: list[dict[str, object]] = []
    for _circular, valid_from, valid_to, file in columns("budget-codes/circulars.csv", ("circular", "valid_from", "valid_to", "file")):
        for kind, code, label in columns(f"budget-codes/{file}", ("kind", "code", "label_vi")):
            if kind not in ("sector", "sub_item"):
                raise ValueError(f"budget-codes/{file}: kind must be sector or sub_item, not {kind!r}")
            seeded.append({"kind": kind, "code": code, "label_vi": label, "valid_from": int(valid_from), "valid_to": int(valid_to) if valid_to else None})
    return seeded
