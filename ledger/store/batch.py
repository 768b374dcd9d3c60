"""Batched writes: one write transaction that posts many rows (a workbook import) without a flush per row.

By default a service's new row is flushed when its audit event is recorded: the flush gives it its
id and its column defaults, and moves the transaction's cached balances (``ledger.store.cache``). A
flush costs about half a millisecond whatever it holds, so a bulk import spent most of its time in
them. In a batched transaction (``start``, called by the importer inside ``db.write()``)
``audit.record_change`` calls ``prepare`` instead: the row gets its primary key from a
per-transaction allocator and the column defaults its INSERT would store, so its snapshot is final
before any flush; the caches move at once (``cache.apply_now``); the unit of work later inserts
many rows per flush (executemany). A query still autoflushes first, so it sees every pending row.

Order: the unit of work orders its INSERTs by ``relationship()``s only (other tables go in by class
name), and one flush now holds rows of many tables; ``_parents_first`` adds the foreign keys'
order between the tables of the flush's new rows (parents first), as a per-row flush gave.

Ids: on SQLite, max(id) + 1 read once per table under the write lock (``BEGIN IMMEDIATE``: no
other writer) and counted on from there; on PostgreSQL, reserved from the table's own sequence in
growing blocks (``nextval``), so no other insert, in this transaction or another, can take them (an
id reserved and not used is a gap, as a rolled-back insert leaves). The allocators live in the
transaction's cache: whatever drops it (a SAVEPOINT rolled back, a Core INSERT through the
session) makes the next id be read again.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Integer, event, func, inspect, select, text
from sqlalchemy.orm import Session, unitofwork

from ledger.store import cache
from ledger.store.models import Base

_FIRST_BLOCK, _LARGEST_BLOCK = 16, 1024  # PostgreSQL: ids reserved per statement, doubling


def start(session: Session) -> None:
    """Batch the rest of this write transaction (ended with it, see ``cache``)."""
    if cache.writing(session) and cache.of(session) is not None:
        session.info[cache.BATCHED] = True


def active(session: Session) -> bool:
    return bool(session.info.get(cache.BATCHED))


@functools.cache
def _shape(model: type) -> tuple[str | None, tuple[tuple[str, Any], ...]]:
    """The key of ``model``'s generated integer primary key (None if it has none) and its columns'
    Python-side defaults, as (key, default)."""
    mapper = inspect(model)
    primary = mapper.primary_key
    generated = None
    if len(primary) == 1 and isinstance(primary[0].type, Integer) and primary[0].autoincrement in (True, "auto"):
        generated = mapper.get_property_by_column(primary[0]).key
    defaults = tuple(
        (mapper.get_property_by_column(column).key, column.default)
        for column in mapper.columns
        if column.default is not None and (column.default.is_scalar or column.default.is_callable)
    )
    return generated, defaults


def prepare(session: Session, obj: Any) -> None:
    """Give a pending row what its flush would: its primary key and the defaults of the columns it
    leaves unset (a callable default, ``utcnow``, is called now: the row stores what the event says)."""
    key, defaults = _shape(type(obj))
    given = inspect(obj).dict
    for name, default in defaults:
        if name not in given:
            setattr(obj, name, default.arg if default.is_scalar else default.arg(None))
    if key is not None and given.get(key) is None:
        setattr(obj, key, _next_id(session, type(obj)))


class _Ids:
    """The next ids of one table in this transaction."""

    def __init__(self, session: Session, model: type, key: str):
        self.model, self.key = model, key
        self.postgres = session.bind.dialect.name == "postgresql"
        self.free: list[int] = []
        self.block = _FIRST_BLOCK
        self.next = 0
        if not self.postgres:
            column = getattr(model, key)
            with session.no_autoflush:  # the row being prepared must not go in first with an id of the database's choosing
                stored = session.scalar(select(func.max(column))) or 0
            pending = max((getattr(o, key) or 0 for o in session.new if isinstance(o, model)), default=0)
            self.next = max(stored, pending) + 1

    def take(self, session: Session) -> int:
        if not self.postgres:
            value, self.next = self.next, self.next + 1
            return value
        if not self.free:
            table = self.model.__table__.name
            with session.no_autoflush:
                reserved = session.execute(
                    text(f"SELECT nextval(pg_get_serial_sequence('{table}', '{self.key}')) FROM generate_series(1, :n)"), {"n": self.block}
                )
            self.free = sorted((int(v) for (v,) in reserved), reverse=True)
            self.block = min(self.block * 2, _LARGEST_BLOCK)
        return self.free.pop()


def _next_id(session: Session, model: type) -> int:
    kept = cache.of(session)
    key = _shape(model)[0]
    ids = kept.ids.get(model)
    if ids is None:
        ids = kept.ids[model] = _Ids(session, model, key)
    return ids.take(session)


@functools.cache
def _parents(model: type) -> frozenset[type]:
    """The models whose tables ``model``'s table has a foreign key to (itself excepted)."""
    by_table = {mapper.local_table: mapper.class_ for mapper in Base.registry.mappers}
    table = inspect(model).local_table
    return frozenset(by_table[key.column.table] for key in table.foreign_keys if key.column.table is not table and key.column.table in by_table)


@event.listens_for(Session, "before_flush")
def _parents_first(session: Session, flush_context: Any, _instances: Any) -> None:
    """In a batched flush, insert a table's new rows after those of the tables it refers to."""
    if not active(session):
        return
    new = {type(obj) for obj in session.new}
    if len(new) < 2:
        return
    save = unitofwork._SaveUpdateAll  # the unit of work's "insert/update all rows of a mapper" step
    for child in new:
        for parent in _parents(child) & new:
            if child not in _parents(parent):
                flush_context.dependencies.add((save(flush_context, inspect(parent).base_mapper), save(flush_context, inspect(child).base_mapper)))
