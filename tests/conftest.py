"""Test fixtures: every database test runs on SQLite and on a real PostgreSQL server.

Each test gets its own database, copied from a template that was migrated (and, for ``demo_*``,
loaded with the demo) once per backend. With ``CI=true`` a missing PostgreSQL or browser is a
failure, never a skip.
"""

from __future__ import annotations

import itertools
import os
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from pgserver import PostgresServer, find_bin_dir  # noqa: E402

from ledger.demo.small import load_demo  # noqa: E402
from ledger.store import schema  # noqa: E402
from ledger.store.access import Actor  # noqa: E402
from ledger.store.db import Database  # noqa: E402
from ledger.store.models import User  # noqa: E402

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
BACKENDS = ["sqlite", "postgresql"]
DEMO_PASSWORD = "demo"
_counter = itertools.count()


def missing(what: str) -> None:
    """Skip on a developer's machine; fail in CI, where nothing may be skipped."""
    if IN_CI:
        pytest.fail(f"{what} is required when CI=true")
    pytest.skip(f"{what} not available")


@pytest.fixture(scope="session")
def pg_server():
    bin_dir = find_bin_dir()
    if bin_dir is None:
        missing("PostgreSQL server binaries")
    server = PostgresServer(bin_dir).start()
    yield server
    server.stop()


class Templates:
    """Migrated (and demo-loaded) template databases per backend, made once per session."""

    def __init__(self, tmp: Path, request):
        self.tmp = tmp
        self.request = request
        self.made: dict[tuple[str, bool], str] = {}

    def _sqlite_template(self, demo: bool) -> str:
        path = self.tmp / f"template-{'demo' if demo else 'empty'}.db"
        db = Database(f"sqlite:///{path}")
        schema.upgrade(db)
        if demo:
            load_demo(db, password=DEMO_PASSWORD)
        db.dispose()
        connection = sqlite3.connect(path)
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
        return str(path)

    def _pg_template(self, server: PostgresServer, demo: bool) -> str:
        name = f"template_{'demo' if demo else 'empty'}"
        admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
        admin.dispose()
        db = Database(server.url(name))
        schema.upgrade(db)
        if demo:
            load_demo(db, password=DEMO_PASSWORD)
        db.dispose()
        return name

    def fresh_url(self, backend: str, demo: bool) -> str:
        key = (backend, demo)
        number = next(_counter)
        if backend == "sqlite":
            if key not in self.made:
                self.made[key] = self._sqlite_template(demo)
            target = self.tmp / f"test-{number}.db"
            shutil.copyfile(self.made[key], target)
            return f"sqlite:///{target}"
        server = self.request.getfixturevalue("pg_server")
        if key not in self.made:
            self.made[key] = self._pg_template(server, demo)
        name = f"test_{number}"
        admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name} TEMPLATE {self.made[key]}"))
        admin.dispose()
        return server.url(name)


@pytest.fixture(scope="session")
def templates(tmp_path_factory, request):
    return Templates(tmp_path_factory.mktemp("db"), request)


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def db_url(templates, backend) -> str:
    """A fresh, migrated, empty database."""
    return templates.fresh_url(backend, demo=False)


@pytest.fixture
def demo_url(templates, backend) -> str:
    """A fresh database holding the demo ledger (users admin/officer/leader/auditor, password 'demo')."""
    return templates.fresh_url(backend, demo=True)


@pytest.fixture
def db(db_url):
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def demo_db(demo_url):
    database = Database(demo_url)
    yield database
    database.dispose()


def actor_for(db: Database, username: str) -> Actor:
    """The actor of an existing user, as the sign-in screen would produce it."""
    from sqlalchemy import select

    with db.read() as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        return Actor.of(user)


@pytest.fixture
def actors(demo_db) -> dict[str, Actor]:
    return {name: actor_for(demo_db, name) for name in ("admin", "officer", "leader", "auditor")}



@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """With CI=true a skip is a failure: a missing browser or database must not pass unnoticed."""
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"skipped while CI=true: {report.longrepr}"
