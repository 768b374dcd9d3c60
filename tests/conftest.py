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
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(TESTS))
# The tests mirror the code's layout (tests/domain, store, services, reports, excel, demo, pages,
# browser); a test module may reuse another's helpers or fixtures by its (unique) name, whichever
# folder is collected first.
for folder in sorted(path for path in TESTS.iterdir() if path.is_dir() and path.name.isidentifier()):
    sys.path.append(str(folder))

from pgserver import PostgresServer, find_bin_dir  # noqa: E402

from ledger.demo.small import load_demo  # noqa: E402
from ledger.store import schema  # noqa: E402
from ledger.store.access import Actor  # noqa: E402
from ledger.store.db import Database  # noqa: E402
from ledger.store.models import User  # noqa: E402

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# ``init`` creates the ledger's signing key when it is missing: the tests' keys live in a temporary
# folder, never in the working tree's data/.
os.environ.setdefault("LEDGER_KEY_FILE", os.path.join(tempfile.mkdtemp(prefix="ledger-test-key-"), "ledger.key"))
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


# === The AppTest harness =============================================================================
# The one harness of the tests that drive the screens through Streamlit's AppTest (test_pages,
# test_pages_work, test_audit_screen, test_workbook's screen, hardening_support): the app's
# database, starting the app as a user on a page, and reading what a run shows.


@pytest.fixture(autouse=True)
def navigation_mode(monkeypatch):
    """Run streamlit_app.py on every AppTest run, as the server does.

    Because the screens live in a folder named ``pages/``, Streamlit starts in its old "pages
    directory" mode until ``st.navigation`` is first called; the server then stays in navigation
    mode, but AppTest builds a fresh PagesManager for every run and so, after the first run, would
    execute the page file alone (no sidebar, no language switch, no menu). Pin navigation mode.
    """
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


def release_app_databases() -> None:
    """Dispose the engines the app cached (st.cache_resource), so PostgreSQL connections do not pile up."""
    from pages.common import _database

    _database.clear()


def _app_database(url: str, monkeypatch):
    monkeypatch.setenv("LEDGER_DATABASE_URL", url)
    database = Database(url)
    yield database
    database.dispose()
    release_app_databases()


@pytest.fixture
def app_ledger(demo_url, monkeypatch):
    """The demo database for the app under test (and for the test's own SQL)."""
    yield from _app_database(demo_url, monkeypatch)


@pytest.fixture
def app_empty_ledger(db_url, monkeypatch):
    """A migrated, empty database for the app under test (the first-run screen)."""
    yield from _app_database(db_url, monkeypatch)


def start_app(database: Database | None, user: str | None = None, page: str | None = None, *, timeout: float = 60, **state):
    """The app after its first run, signed in as ``user`` (if given), on ``page`` (if given);
    ``state`` goes into the session state before the first run."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=timeout)
    if user is not None:
        at.session_state["actor"] = actor_for(database, user)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    if page is not None:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def page_alone(database: Database, page: str, user: str):
    """Run one page script by itself, as if its URL were opened without going through the menu."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / page), default_timeout=60)
    at.session_state["actor"] = actor_for(database, user)
    at.run()
    return at


def app_errors(at) -> list[str]:
    """The error boxes a run shows (a run that raised fails here, with its exceptions)."""
    assert not at.exception, [e.value for e in at.exception]
    return [e.value for e in at.error]


def app_successes(at) -> list[str]:
    assert not at.exception, [e.value for e in at.exception]
    return [s.value for s in at.success]


def app_metric(at, label: str) -> str:
    """The value of the (first) metric with this label."""
    values = [m.value for m in at.metric if m.label == label]
    assert values, f"no metric {label!r} in {[m.label for m in at.metric]}"
    return values[0]


def widget_keys(widgets) -> set[str]:
    return {w.key for w in widgets if w.key}


def submit(at, label: str):
    """Click the (form) button with this label and rerun."""
    buttons = [b for b in at.button if b.label == label]
    assert len(buttons) == 1, (label, [b.label for b in at.button])
    buttons[0].click().run()
    return at
