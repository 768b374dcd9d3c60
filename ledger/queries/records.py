"""Records: what a write hands back to its caller. A record is a frozen copy of a row the write
made or changed, with the row's column values (real ``date``/``datetime``, int đồng, str) and
nothing else: no session, no relationship, no lazy load, no secret.

There is one record type per model of ``ledger.store.models`` (``Commitment`` → ``CommitmentRecord``),
built here, once per model, from the model's mapped columns, so a column added to a model is in its
record without anyone writing it twice. Columns that hold secrets (a user's ``password_hash``) are
left out. What a caller needs beyond the row's own columns (an order's items, a line's balance) it
reads through ``ledger.queries``.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from ledger.store.models import Base

# Columns no record carries, whichever model has them: they must not leave the store.
SECRET_COLUMNS = frozenset({"password_hash"})


class Record:
    """The common base of every record type (for ``isinstance``); the fields are the row's columns."""

    __slots__ = ()


def _python_type(prop: Any) -> Any:
    """The Python type a column holds (``T | None`` when it may be NULL), for the record's field."""
    column = prop.columns[0]
    try:
        kind = column.type.python_type
    except NotImplementedError:  # a type SQLAlchemy cannot name in Python: the field stays untyped
        return Any
    return kind | None if column.nullable else kind


@functools.cache
def record_type(model: type[Base]) -> type[Record]:
    """The frozen dataclass of ``model``'s rows: one field per mapped column, secrets left out."""
    columns = [prop for prop in inspect(model).column_attrs if prop.key not in SECRET_COLUMNS]
    fields = [(prop.key, _python_type(prop)) for prop in columns]
    return dataclasses.make_dataclass(f"{model.__name__}Record", fields, bases=(Record,), frozen=True)


def record_of(row: Base) -> Record:
    """``row``'s column values as its model's record (the row must still be readable: loaded, or
    in an open session)."""
    kind = record_type(type(row))
    return kind(**{field.name: getattr(row, field.name) for field in dataclasses.fields(kind)})


def as_records(value: Any) -> Any:
    """A write's result with every ORM row in it turned into its record: a row, a list or tuple of
    rows (a transfer's two legs), None; anything else (an already typed result) is returned as is."""
    if isinstance(value, Base):
        return record_of(value)
    if isinstance(value, list | tuple):
        return type(value)(as_records(item) for item in value)
    return value


def written(session: Session, value: Any) -> Any:
    """``as_records`` at the end of a write, inside its transaction: flushed first, so that the
    records carry what the database gives (ids, defaults)."""
    session.flush()
    return as_records(value)
