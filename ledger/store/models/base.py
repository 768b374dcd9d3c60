"""The declarative base, the naming convention of constraints, and the clock of created_at columns."""


from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    MetaData,
)
from sqlalchemy.orm import DeclarativeBase

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


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
