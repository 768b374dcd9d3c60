"""What the typed reads share: turning SQL result rows into frozen dataclasses, the sums in SQL, and
what every reversible entry's row knows of its reversal."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any, TypeVar

from sqlalchemy import BigInteger, cast, exists, func, or_
from sqlalchemy.orm import aliased

from ledger.domain import rules
from ledger.domain.codes import fold

T = TypeVar("T")


def big_sum(column) -> Any:
    """SUM as a BIGINT: PostgreSQL's SUM(bigint) is NUMERIC (a Decimal in Python)."""
    return cast(func.sum(column), BigInteger)


def rows_as(cls: type[T], result: Iterable[Any], **extra: Any) -> list[T]:
    """One ``cls`` per result row, taking the row's columns that name a field of ``cls``."""
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    return [cls(**{k: v for k, v in row.items() if k in names}, **extra) for row in result]


class Reversible:
    """The row of an entry that a reversal may cancel (adjustment, acceptance, payment, contribution):
    a frozen dataclass mixing this in has the two fields below, read with ``reversed_flag``."""

    reverses_id: int | None  # the entry this one reverses: a reversal is never reversed itself
    reversed: bool

    @property
    def reversible(self) -> bool:
        return rules.is_reversible(self.reverses_id, self.reversed)


def reversed_flag(model) -> Any:
    """SQL for whether an entry (adjustment, acceptance, payment, contribution) was reversed: another
    entry of the same table points to it."""
    later = aliased(model)
    return exists().where(later.reverses_id == model.id).label("reversed")


def folded_match(search: str | None, *columns: Any) -> Any | None:
    """SQL: whether any of ``columns`` contains ``search`` ignoring case, accents and spacing ("tap
    huan" finds "Tập huấn"), on both backends (``ledger_fold``: ``ledger.store.db`` on SQLite, migration
    0010 on PostgreSQL); None when there is nothing to search for."""
    wanted = fold(search or "")
    if not wanted:
        return None
    pattern = "%" + wanted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return or_(*(func.ledger_fold(column).like(pattern, escape="\\") for column in columns))
