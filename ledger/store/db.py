"""Engine and transactions: SQLite (embedded default) or PostgreSQL, chosen by URL.

Write transactions are serialised so that the audit chain stays linear and balance checks see
committed state: on SQLite by ``BEGIN IMMEDIATE`` (a deferred BEGIN would fail later with
"database is locked" when two sessions upgrade to writers), on PostgreSQL by a transaction-level
advisory lock taken first thing in the transaction. Sessions from here keep the per-transaction
caches of ``ledger.store.cache`` (unit tree, audit head, balances).

A database that cannot be used (unreachable, connection lost mid-transaction, disk full, busy past
the timeout) surfaces from ``read()``/``write()`` as a ``StorageError`` with a sentence for the
screens, never as a driver exception; the transaction is rolled back, so nothing partial stays.
Engines hide statement parameters in their errors, so no value (an argon2 hash, say) reaches a log.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from ledger.domain.codes import fold
from ledger.domain.errors import StorageError, problem
from ledger.store import cache

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEFAULT_URL = f"sqlite:///{PROJECT_DIR / 'data' / 'ledger.db'}"
WRITE_LOCK_KEY = 837_2022  # any constant: the one advisory lock all writers share
SQLITE_BUSY_TIMEOUT_MS = 30_000
_LOG = logging.getLogger("ledger.store.db")


def database_url(explicit: str | None = None) -> str:
    """The URL to use: explicit argument, else LEDGER_DATABASE_URL, else the embedded SQLite file."""
    url = explicit or os.environ.get("LEDGER_DATABASE_URL") or DEFAULT_URL
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _fold_or_none(value):
    return None if value is None else fold(value)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the sqlite3 module, emit BEGIN (so that it can be IMMEDIATE).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        # Accent-insensitive search in SQL (issue 10): the same folding as codes.fold; on PostgreSQL
        # the function of the same name is created by migration 0010.
        dbapi_connection.create_function("ledger_fold", 1, _fold_or_none, deterministic=True)

    @event.listens_for(engine, "begin")
    def on_begin(conn):
        if conn.get_execution_options().get("ledger_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def make_engine(url: str | None = None) -> Engine:
    url = database_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, hide_parameters=True)
        _configure_sqlite(engine)
    else:
        engine = create_engine(url, pool_pre_ping=True, hide_parameters=True)
    return engine


def is_storage_failure(error: BaseException) -> bool:
    """Whether a driver error means the database itself could not be used (not a bug in a query)."""
    if isinstance(error, sa_exc.OperationalError | sa_exc.DisconnectionError):
        return True
    return isinstance(error, sa_exc.DBAPIError) and bool(error.connection_invalidated)


def storage_error(error: BaseException) -> StorageError:
    """The ledger's refusal for a driver error: which sentence (disk full, busy, read-only, unreachable)."""
    original = getattr(error, "orig", None) or error
    text_ = str(original).lower()
    code = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    if code == "53100" or "disk is full" in text_ or "no space left" in text_ or "disk full" in text_:
        key = "db.full"
    elif code == "55P03" or "database is locked" in text_ or "database is busy" in text_:
        key = "db.busy"
    elif code == "25006" or "readonly database" in text_ or "read-only" in text_:
        key = "db.read_only"
    elif "no such table" in text_ or "no such column" in text_:
        key = "db.schema"
    else:
        key = "db.unavailable"
    _LOG.warning("database refused (%s): %s: %s", key, type(original).__name__, str(original).splitlines()[0] if str(original) else "")
    return StorageError(problem(key))


class Database:
    """The ledger's database: hands out read sessions and serialised write transactions."""

    def __init__(self, url: str | None = None, engine: Engine | None = None):
        self.engine = engine or make_engine(url)
        self.url = str(self.engine.url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        # Sessions marked "managed" keep the per-transaction caches of ``ledger.store.cache``.
        self._read_sessions = sessionmaker(self.engine, expire_on_commit=False, info={cache.MANAGED: True})
        self._write_sessions = sessionmaker(
            self.engine.execution_options(ledger_write=True), expire_on_commit=False, info={cache.MANAGED: True}
        )
        # Bumped on every committed write by this process; caches key on it.
        self.generation = 0

    @contextmanager
    def read(self) -> Iterator[Session]:
        # Closing (not rolling back) ends the transaction and leaves loaded objects readable, detached.
        try:
            with self._read_sessions() as session:
                yield session
        except sa_exc.SQLAlchemyError as error:
            if not is_storage_failure(error):
                raise
            raise storage_error(error) from error

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction that holds the ledger's write lock; commits on success, else rolls back."""
        try:
            with self._write_sessions() as session:
                with session.begin():
                    if not self.is_sqlite:
                        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": WRITE_LOCK_KEY})
                    # From here on the lock is held: the audit head may be kept for the transaction.
                    session.info[cache.WRITING] = True
                    yield session
                self.generation += 1
        except sa_exc.SQLAlchemyError as error:
            if not is_storage_failure(error):
                raise
            raise storage_error(error) from error

    def dispose(self) -> None:
        self.engine.dispose()
