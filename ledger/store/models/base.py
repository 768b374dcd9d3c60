"""The declarative base, the naming convention of constraints, the clock of created_at columns, and
the column types and mixins the models share (so that each model states only what is its own).

Column order matters beyond the schema: ``inspect(model).columns`` is the order ``audit.snapshot``
and ``verify`` read a row in. SQLAlchemy places a class's own columns first and the mixins' after
them, unless a ``sort_order`` says otherwise: ``Record.id`` (``sort_order=-1``) comes first, the
``Created`` and ``Posted`` columns come last, as the migrations made them.
"""


from __future__ import annotations

import datetime as dt
from typing import Annotated

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from ledger.domain import codes

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ROLES = tuple(codes.ROLES)
UNIT_KINDS = tuple(codes.UNIT_KINDS)
CONTROL_MODES = tuple(codes.CONTROL_MODES)


def utcnow() -> dt.datetime:
    """Now, naive UTC, whole seconds (the precision every backend keeps identically)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def in_list(column: str, values: tuple[str, ...]) -> str:
    """The SQL of a check constraint that keeps ``column`` within a code list."""
    return f"{column} in ({','.join(repr(v) for v in values)})"


# Money: int đồng in a BIGINT (never Numeric: on SQLite it goes through float).
Money = Annotated[int, mapped_column(BigInteger)]
# Who wrote a row: the acting user's username.
Username = Annotated[str, mapped_column(String(64))]
# When a row was written: now, as ``utcnow`` gives it, unless the writer says otherwise.
Stamp = Annotated[dt.datetime, mapped_column(DateTime, default=utcnow)]
# The one-time token of the form that posted a row (migration 0010, issue 10): unique, so a double
# click or a re-submit cannot post twice; left out of the audit snapshot while empty, so the events
# written before the column existed still match their rows.
PostingToken = Annotated[str | None, mapped_column(String(36), unique=True, index=True, info={"audit_omit_if": None})]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Record(Base):
    """A table whose rows are keyed by an integer ``id``, its first column."""

    __abstract__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True, sort_order=-1)


class Created:
    """When a row was written and by whom: the table's last two columns."""

    created_at: Mapped[Stamp]
    created_by: Mapped[Username]


class Posted(Created):
    """A posted row, never updated or deleted: a correction is a new row that reverses it (at most
    one each), posted once by its form's token. Its last four columns: ``reverses_id``,
    ``posting_token``, ``created_at``, ``created_by``.

    Both are declared attributes (``reverses_id`` names the model's own table): SQLAlchemy adds them
    in this order, after the model's own columns and before ``Created``'s."""

    @declared_attr
    def reverses_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey(f"{cls.__tablename__}.id"), unique=True)

    @declared_attr
    def posting_token(cls) -> Mapped[PostingToken]:
        return mapped_column()
