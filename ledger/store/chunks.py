"""Chunked inserts for the bulk path (``ledger.store.bulk``): rows buffered per table and written
in chunks, parents first, from a writer thread that overlaps with building the next rows.

SQLAlchemy Core on PostgreSQL; on SQLite the driver's executemany through SQLAlchemy's connection
(Core's per-row parameter processing costs more than SQLite's own work there), with values in
SQLAlchemy's storage format (dates 'YYYY-MM-DD', datetimes 'YYYY-MM-DD HH:MM:SS.ffffff', booleans
0/1) so that rows read back exactly as the services' rows do. Primary keys are assigned here and
PostgreSQL's sequences moved past them at the end. Once the writer runs, it alone uses the
connection: the caller reads everything it needs first. Memory stays bounded (a short queue).
"""

from __future__ import annotations

import operator
import queue
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, func, insert, inspect, select, text
from sqlalchemy.orm import Session

from ledger.store.models import AUDITED_MODELS, AuditEvent, FiscalYear

CHUNK = 10_000
# Insert order: parents before children (foreign keys are checked on both backends).
_PARENTS_FIRST = (
    "unit", "fiscal_year", "policy", "user", "press_agency", "budget_line", "adjustment", "staff_member", "staff_assignment",
    "communication_plan", "plan_activity", "commitment", "commitment_item", "course_participant", "acceptance", "contribution", "payment",
)
INSERT_ORDER = (*(AUDITED_MODELS[name] for name in _PARENTS_FIRST), AuditEvent)
ID_TABLES = tuple(model for model in INSERT_ORDER if model not in (FiscalYear, AuditEvent))
_STORED = {DateTime: lambda v: v.isoformat(" ", "microseconds"), Date: lambda v: v.isoformat(), Boolean: int}


class Table:
    """What the bulk path knows of one table: its columns, the values a row left out takes (the
    column's constant default, or NULL), and its INSERT with SQLite's storage conversions."""

    def __init__(self, model: type):
        columns = list(inspect(model).columns)
        self.model = model
        self.identity = [column.key for column in inspect(model).primary_key]
        self.keys = [column.key for column in columns]
        self.stamped = "created_at" in self.keys  # rows that say when and by whom they were written
        self.values = operator.itemgetter(*self.keys)
        self.defaults: dict[str, Any] = {}
        for column in columns:
            if column.default is not None and column.default.is_scalar:
                self.defaults[column.key] = column.default.arg
            elif column.nullable and not column.primary_key:
                self.defaults[column.key] = None
        names = ", ".join(f'"{column.name}"' for column in columns)
        self.sql = f'INSERT INTO "{model.__table__.name}" ({names}) VALUES ({", ".join("?" * len(columns))})'
        self.stored = [(index, convert) for index, column in enumerate(columns) for kind, convert in _STORED.items() if isinstance(column.type, kind)]

    def complete(self, row: dict[str, Any]) -> dict[str, Any]:
        full = {**self.defaults, **row}
        if len(full) != len(self.keys):
            unknown, missing = set(full) - set(self.keys), set(self.keys) - set(full)
            raise AssertionError(f"{self.model.__name__} row: unknown columns {sorted(unknown)}, missing {sorted(missing)}")
        return full

    def parameters(self, row: dict[str, Any]) -> tuple[Any, ...]:
        values = self.values(row)
        if not self.stored:
            return values
        values = list(values)
        for index, convert in self.stored:
            if values[index] is not None:
                values[index] = convert(values[index])
        return tuple(values)


class _Writer:
    """Inserts batches in a thread of its own, so that the database's work (SQLite releases the GIL
    while it steps) overlaps with building the next rows. The queue is short: memory stays bounded."""

    def __init__(self, connection, tables: dict[type, Table]):
        self.connection = connection
        self.tables = tables
        self.sqlite = connection.dialect.name == "sqlite"
        self.queue: queue.Queue = queue.Queue(maxsize=3)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="bulk-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (batch := self.queue.get()) is not None:
            if self.error is not None:
                continue  # keep draining so that the producer never blocks
            try:
                for model, rows in batch:
                    table = self.tables[model]
                    if self.sqlite:
                        self.connection.exec_driver_sql(table.sql, [table.parameters(row) for row in rows])
                    else:
                        self.connection.execute(insert(model.__table__), rows)
            except BaseException as error:  # re-raised in the loading thread
                self.error = error

    def put(self, batch: list[tuple[type, list[dict[str, Any]]]]) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(batch)

    def close(self) -> None:
        """Wait for every batch to be written; raise what the writer met."""
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error

    def stop(self) -> None:
        """Let the writer finish its batch and end (the loading thread failed: nothing is kept)."""
        if self.thread.is_alive():
            self.error = self.error or RuntimeError("bulk load stopped")
            self.queue.put(None)
            self.thread.join()


class Chunks:
    """The rows of one bulk load, per table, on their way to the database."""

    def __init__(self, session: Session, progress: Callable[[int], None] | None = None):
        self.session = session
        self.sqlite = session.bind.dialect.name == "sqlite"
        if self.sqlite:
            session.execute(text("PRAGMA cache_size=-262144"))  # 256 MiB: the audit hash index takes random inserts
        self.next_id = {model: (session.scalar(select(func.max(model.id))) or 0) + 1 for model in ID_TABLES}
        self.tables = {model: Table(model) for model in INSERT_ORDER}
        self.buffers: dict[type, list[dict[str, Any]]] = {model: [] for model in INSERT_ORDER}
        self.counts = dict.fromkeys(INSERT_ORDER, 0)
        self.pending = self.written = 0
        self.progress = progress
        self.writer = _Writer(session.connection(), self.tables)

    def new_id(self, model: type) -> int:
        value = self.next_id[model]
        self.next_id[model] = value + 1
        return value

    def add(self, model: type, row: dict[str, Any]) -> dict[str, Any]:
        """Buffer a row (it must not change afterwards), its id assigned here; returns it complete."""
        if model in self.next_id and "id" not in row:
            row["id"] = self.new_id(model)
        if model is not AuditEvent:  # an event row is complete by construction
            row = self.tables[model].complete(row)
        self.buffers[model].append(row)
        self.counts[model] += 1
        self.pending += 1
        if self.pending >= CHUNK:
            self.flush()
        return row

    def flush(self) -> None:
        batch = [(model, rows) for model, rows in self.buffers.items() if rows]
        if not batch:
            return
        self.writer.put(batch)
        self.buffers = {model: [] for model in INSERT_ORDER}
        before, self.written = self.written, self.written + self.pending
        self.pending = 0
        if self.progress and before // 200_000 != self.written // 200_000:
            self.progress(self.written)

    def close(self) -> dict[str, int]:
        """Write what is buffered, wait for the writer; returns the number of rows per table."""
        try:
            self.flush()
        except BaseException:
            self.writer.stop()
            raise
        self.writer.close()
        if self.sqlite:
            self.session.execute(text("PRAGMA cache_size=-2000"))
        else:
            for model in ID_TABLES:
                table = model.__table__.name
                self.session.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}), true) WHERE EXISTS (SELECT 1 FROM {table})")
                )
        return {model.__tablename__: n for model, n in self.counts.items()}

    def abort(self) -> None:
        self.writer.stop()
