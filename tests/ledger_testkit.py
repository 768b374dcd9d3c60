"""Helpers shared by the ledger's service tests: independent reads of the database (raw SQL, not the
services under test), a refusal checker that proves nothing was written, and actor lookups."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select, text

from ledger.domain.errors import LedgerError
from ledger.store.access import Actor
from ledger.store.db import Database
from ledger.store.models import Base, User

# Every table of the ledger: a refused call must leave all of them exactly as they were.
WRITTEN_TABLES = tuple(sorted(Base.metadata.tables))

# Dates safely in the past for the demo's fiscal years (the demo holds 2025 and 2026).
D2025 = dt.date(2025, 3, 1)
D2026 = dt.date(2026, 2, 1)


def dump(db: Database) -> dict[str, list[tuple]]:
    """Every row of every written table, in a stable order: compares before/after a call."""
    with db.engine.connect() as connection:
        return {
            table: sorted(tuple(str(v) for v in row) for row in connection.execute(text(f"SELECT * FROM {table}")))
            for table in WRITTEN_TABLES
        }


def scalar(db: Database, sql: str, **params: Any) -> Any:
    with db.engine.connect() as connection:
        return connection.execute(text(sql), params).scalar()


def rows(db: Database, sql: str, **params: Any) -> list[Any]:
    with db.engine.connect() as connection:
        return list(connection.execute(text(sql), params))


def count(db: Database, table: str) -> int:
    return int(scalar(db, f"SELECT COUNT(*) FROM {table}"))


def line_id(db: Database, code: str) -> int:
    """The id of a budget line by its code (codes of the demo carry their year)."""
    found = rows(db, "SELECT id FROM budget_lines WHERE code = :c", c=code)
    assert len(found) == 1, f"expected one line {code}, found {len(found)}"
    return int(found[0][0])


def allocation(db: Database, line: int) -> int:
    """Original estimate + Σ adjustments, computed in SQL independently of the ledger's code."""
    value = scalar(
        db,
        "SELECT b.original_estimate + COALESCE((SELECT SUM(a.amount) FROM adjustments a WHERE a.line_id = b.id), 0)"
        " FROM budget_lines b WHERE b.id = :id",
        id=line,
    )
    return int(value)


def any_line_of(db: Database, unit_code: str, year: int) -> int:
    """Some line of a unit in a year (whatever the demo holds)."""
    found = rows(
        db,
        "SELECT b.id FROM budget_lines b JOIN units u ON u.id = b.unit_id"
        " WHERE u.code = :u AND b.year = :y ORDER BY b.id",
        u=unit_code,
        y=year,
    )
    assert found, f"the demo has no {year} line of {unit_code}"
    return int(found[0][0])


def unit_id(db: Database, code: str) -> int:
    return int(scalar(db, "SELECT id FROM units WHERE code = :c", c=code))


def last_event(db: Database) -> dict[str, Any]:
    row = rows(
        db, "SELECT seq, actor, action, entity_type, entity_id, before, after FROM audit_events ORDER BY seq DESC"
    )[0]
    return dict(row._mapping)


def actor_of(db: Database, username: str) -> Actor:
    with db.read() as session:
        return Actor.of(session.scalars(select(User).where(User.username == username)).one())


def refused(db: Database, error: type[LedgerError], call, *args: Any, **kwargs: Any) -> LedgerError:
    """Call, expect ``error``, and check that not one row of any written table changed."""
    before = dump(db)
    with pytest.raises(error) as info:
        call(*args, **kwargs)
    after = dump(db)
    for table in WRITTEN_TABLES:
        assert after[table] == before[table], f"a refused call changed table {table}"
    return info.value


def keys(error: LedgerError) -> set[str]:
    return {p.key for p in error.problems}


def fields(error: LedgerError) -> set[str | None]:
    return {p.field for p in error.problems}


def assert_typed_frozen(value: Any, where: str = "result") -> None:
    """``value`` (a frozen dataclass, or a tuple of them) holds only what its annotations say, all
    the way down: int đồng as ``int`` (never Decimal, float or bool), dates as dates, datetimes as
    datetimes, nested rows as frozen dataclasses in tuples (never lists, dicts or ORM rows); and
    assigning to any field raises FrozenInstanceError."""
    import dataclasses
    import types
    import typing

    def check(item: Any, hint: Any, path: str) -> None:
        origin = typing.get_origin(hint)
        if origin in (typing.Union, types.UnionType):
            options = typing.get_args(hint)
            if item is None:
                assert type(None) in options, f"{path} is None"
                return
            check(item, next(o for o in options if o is not type(None)), path)
        elif origin is tuple:
            assert type(item) is tuple, f"{path}: {type(item).__name__}, not a tuple"
            (element, _ellipsis) = typing.get_args(hint)
            for number, part in enumerate(item):
                check(part, element, f"{path}[{number}]")
        elif dataclasses.is_dataclass(hint):
            assert isinstance(item, hint), f"{path}: {type(item).__name__}, not {hint.__name__}"
            assert type(item).__dataclass_params__.frozen, f"{path}: {type(item).__name__} is not frozen"
            names = typing.get_type_hints(type(item))
            for field in dataclasses.fields(item):
                check(getattr(item, field.name), names[field.name], f"{path}.{field.name}")
            first = dataclasses.fields(item)[0].name
            with pytest.raises(dataclasses.FrozenInstanceError):
                setattr(item, first, getattr(item, first))
        elif hint is int or hint is float or hint is bool or hint is str:
            # bool is an int and datetime a date in Python: the exact type, so neither passes for the other.
            assert type(item) is hint, f"{path}: {type(item).__name__}, not {hint.__name__}"
        elif hint in (dt.date, dt.datetime):
            assert type(item) is hint, f"{path}: {type(item).__name__}, not {hint.__name__}"
        else:
            raise AssertionError(f"{path}: unchecked annotation {hint!r}")

    if type(value) is tuple:
        for number, part in enumerate(value):
            check(part, type(part), f"{where}[{number}]")
    else:
        check(value, type(value), where)
