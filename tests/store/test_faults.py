"""Faults, on SQLite and PostgreSQL: a process killed (SIGKILL) in the middle of a payment, of a
workbook import or of an extract leaves the ledger unchanged and verifiable, and the next writer is
not blocked (SQLite's lock is released with the process; PostgreSQL ends the killed client's backend
and its advisory lock). A full disk, an unreachable server or a connection lost in the middle of a
write gives a sentence (``StorageError``: "db.full" / "db.unavailable"), writes nothing, and the
ledger works again once the cause is gone; the screens show that sentence, never a traceback.
"""

from __future__ import annotations

import selectors
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import zipfile

import psycopg
import pytest
from conftest import ROOT, actor_for
from hardening_support import app_ledger_fixture, errors, navigation_mode_fixture, start  # noqa: F401
from ledger_testkit import dump, rows, scalar
from sqlalchemy import create_engine, event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session
from workbook_support import LINE_HEADERS, build, line_row

from ledger.domain.errors import StorageError
from ledger.i18n import t
from ledger.services import budget, payments
from ledger.store import audit
from ledger.store.db import Database
from ledger.store.verify import VerifyResult, verify

CHILD = ROOT / "tests" / "fault_child.py"
YEAR = 2026
DAY = "02/02/2026"
APP_NAME = "ledger-fault-child"


def verified(db: Database) -> VerifyResult:
    with db.read() as session:
        result = verify(session)
    assert result.ok, result.summary()
    return result


def child_url(url: str) -> str:
    """The URL the child uses: on PostgreSQL tagged with an application name, to find its backend."""
    if url.startswith("sqlite"):
        return url
    return url + ("&" if "?" in url else "?") + f"application_name={APP_NAME}"


def run_until_holding(mode: str, url: str, *args: str, timeout: float = 90) -> subprocess.Popen:
    """Start the child and return once it holds its transaction open in the middle of the work."""
    process = subprocess.Popen(
        [sys.executable, str(CHILD), mode, child_url(url), *args],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if selector.select(timeout=1) and "HOLDING" in process.stdout.readline():
            return process
        if process.poll() is not None:
            raise AssertionError(f"the child ended before holding: {process.stderr.read()}")
    process.kill()
    raise AssertionError("the child never reached the middle of its work")


def kill(process: subprocess.Popen) -> None:
    process.kill()  # SIGKILL: no cleanup, no rollback by the client
    process.wait(timeout=30)
    assert process.returncode == -9


def wait_for_backend_gone(url: str, timeout: float = 15) -> None:
    """PostgreSQL notices the killed client's closed socket and ends its backend (and its locks)."""
    admin = create_engine(url)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with admin.connect() as connection:
                left = connection.execute(
                    text("SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = :n"), {"n": APP_NAME}
                ).scalar()
                locks = connection.execute(text("SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory'")).scalar()
            if not left and not locks:
                return
            time.sleep(0.2)
        raise AssertionError("the killed client's backend still holds the write lock")
    finally:
        admin.dispose()


def next_write_is_not_blocked(db: Database, voucher: str, line: int, limit: float = 10) -> None:
    """A payment by another process' engine goes through promptly after the kill."""
    officer = actor_for(db, "officer")
    outcome: dict[str, object] = {}

    def pay() -> None:
        other = Database(db.url)
        try:
            outcome["result"] = payments.record_payment(
                other, officer, year=YEAR, voucher_no=voucher, date=DAY, kind="THANH_TOAN", line=line, amount=1_000
            )
        except Exception as error:  # noqa: BLE001 - the outcome is what the test inspects
            outcome["result"] = error
        finally:
            other.dispose()

    started = time.monotonic()
    thread = threading.Thread(target=pay)
    thread.start()
    thread.join(timeout=limit + 30)
    assert not thread.is_alive(), "the next writer is blocked"
    assert time.monotonic() - started < limit, "the next writer waited for a lock that died with the process"
    assert not isinstance(outcome["result"], Exception), outcome["result"]


def direct_line(db: Database) -> int:
    return int(scalar(db, "SELECT id FROM budget_lines WHERE code = 'BYT-TT-26-01'"))


# --- killed in the middle ----------------------------------------------------------------------------


def test_a_payment_killed_in_the_middle_leaves_the_ledger_unchanged(demo_db, demo_url, backend):
    line = direct_line(demo_db)
    before = dump(demo_db)
    head = verified(demo_db).head_hash
    child = run_until_holding("payment", demo_url, str(line))
    try:
        # While the child holds the payment (row and audit event flushed, not committed) nobody sees it.
        assert not rows(demo_db, "SELECT id FROM payments WHERE voucher_no = 'C-BI-GIET'")
    finally:
        kill(child)
    if backend == "postgresql":
        wait_for_backend_gone(demo_url)
    assert dump(demo_db) == before
    assert verified(demo_db).head_hash == head
    next_write_is_not_blocked(demo_db, "C-SAU-KHI-GIET", line)
    assert verified(demo_db).events == int(scalar(demo_db, "SELECT COUNT(*) FROM audit_events"))


def test_an_import_killed_in_the_middle_writes_none_of_the_workbook(demo_db, demo_url, backend, tmp_path):
    workbook = tmp_path / "nhap.xlsx"
    workbook.write_bytes(build({"Dự toán": [LINE_HEADERS, *[line_row(f"BYT-TT-26-N{n}") for n in range(1, 6)]]}))
    before = dump(demo_db)
    child = run_until_holding("import", demo_url, str(workbook))
    kill(child)
    if backend == "postgresql":
        wait_for_backend_gone(demo_url)
    assert dump(demo_db) == before, "a killed import left some of its rows"
    assert not rows(demo_db, "SELECT id FROM budget_lines WHERE code LIKE 'BYT-TT-26-N%'")
    verified(demo_db)
    next_write_is_not_blocked(demo_db, "C-SAU-NHAP", direct_line(demo_db))

    # The same workbook imported to the end afterwards is written whole.
    from ledger.excel.importer import import_workbook

    result = import_workbook(demo_db, actor_for(demo_db, "officer"), workbook)
    assert result.written, [p.message("en") for p in result.problems]
    assert len(rows(demo_db, "SELECT id FROM budget_lines WHERE code LIKE 'BYT-TT-26-N%'")) == 5
    verified(demo_db)


def test_an_export_killed_in_the_middle_changes_nothing_and_leaves_no_extract(demo_db, demo_url, backend, tmp_path):
    target = tmp_path / "trich-xuat.xlsx"
    before = dump(demo_db)
    child = run_until_holding("export", demo_url, str(target))
    kill(child)
    if backend == "postgresql":
        wait_for_backend_gone(demo_url)
    assert dump(demo_db) == before
    verified(demo_db)
    assert not (target.exists() and zipfile.is_zipfile(target)), "half an extract must not look like a workbook"
    next_write_is_not_blocked(demo_db, "C-SAU-XUAT", direct_line(demo_db))


# --- storage failures ----------------------------------------------------------------------------------


def add_a_line(db: Database, code: str = "BYT-TT-26-DAY") -> object:
    return budget.add_line(
        db, actor_for(db, "officer"), code=code, year=YEAR, unit_code="BYT-TT", description="Dòng khi đĩa đầy " * 20,
        category="KHAC", source="NSNN", original_estimate="1.000.000",
    )


def refused_by_storage(db: Database, key: str, call, *args, **kwargs) -> StorageError:
    before = dump(db)
    with pytest.raises(StorageError) as info:
        call(*args, **kwargs)
    assert [p.key for p in info.value.problems] == [key]
    assert info.value.messages("vi") == [t(key, "vi")] and info.value.messages("en") == [t(key, "en")]
    assert dump(db) == before, "a storage failure left part of the write"
    return info.value


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_really_full_sqlite_disk(demo_url, backend):
    """SQLite's own "database or disk is full" (the file may not grow by one page) — a real one."""
    path = demo_url.split("///", 1)[1]
    with sqlite3.connect(path) as connection:
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
    full = Database(demo_url)

    @event.listens_for(full.engine, "connect")
    def no_room(dbapi_connection, _record):
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    try:
        error = refused_by_storage(full, "db.full", add_a_line, full)
        assert isinstance(error.__cause__, sa_exc.OperationalError)
        assert "disk is full" in str(error.__cause__)
        verified(full)
    finally:
        full.dispose()
    room = Database(demo_url)
    try:
        add_a_line(room)  # with room again, the same write goes through
        verified(room)
    finally:
        room.dispose()


def disk_full_on_flush(monkeypatch, backend: str) -> None:
    """Every flush that would write fails as the driver reports a full disk (PostgreSQL: SQLSTATE 53100)."""
    original = Session.flush
    orig = (
        psycopg.errors.DiskFull("could not extend file \"base/16384/16385\": No space left on device")
        if backend == "postgresql"
        else sqlite3.OperationalError("database or disk is full")
    )

    def flush(self, objects=None):
        if self.new or self.dirty or self.deleted:
            raise sa_exc.OperationalError("INSERT …", None, orig)
        return original(self, objects)

    monkeypatch.setattr(Session, "flush", flush)


def test_a_full_disk_is_a_sentence_and_writes_nothing(demo_db, backend, monkeypatch):
    disk_full_on_flush(monkeypatch, backend)
    refused_by_storage(demo_db, "db.full", add_a_line, demo_db)
    line = direct_line(demo_db)
    refused_by_storage(demo_db, "db.full", payments.record_payment, demo_db, actor_for(demo_db, "officer"), year=YEAR, voucher_no="C-DAY", date=DAY, kind="THANH_TOAN", line=line, amount=1_000)
    monkeypatch.undo()
    add_a_line(demo_db)
    verified(demo_db)


def test_the_screens_show_a_full_disk_as_a_sentence(app_ledger, backend, monkeypatch):
    at = start(app_ledger, "officer", "pages/budget_lines.py")
    before = dump(app_ledger)
    disk_full_on_flush(monkeypatch, backend)
    at.text_input(key="line_code").input("BYT-TT-26-DAY")
    at.text_input(key="line_description").input("Dòng khi đĩa đầy")
    at.text_input(key="line_estimate").input("1.000.000")
    at.button(key="line_submit").click().run()
    assert errors(at) == [t("db.full", "vi")]
    monkeypatch.undo()
    assert dump(app_ledger) == before


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def read_one(db: Database) -> None:
    with db.read() as session:
        session.execute(text("SELECT 1"))


def test_an_unreachable_database_is_a_sentence(tmp_path):
    unreachable = [
        Database(f"postgresql+psycopg://ledger:secret@127.0.0.1:{closed_port()}/ledger?connect_timeout=2"),
        Database(f"sqlite:///{tmp_path}"),  # a directory, not a database file: it cannot be opened
    ]
    for db in unreachable:
        try:
            for call in (lambda db=db: add_a_line(db), lambda db=db: read_one(db)):
                with pytest.raises(StorageError) as info:
                    call()
                assert [p.key for p in info.value.problems] == ["db.unavailable"]
                assert "secret" not in str(info.value)
        finally:
            db.dispose()


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_connection_lost_in_the_middle_of_a_write(demo_db, demo_url, backend, monkeypatch):
    """The server ends the writer's backend (pg_terminate_backend) after the payment's row is flushed
    and before its commit: the write is refused with a sentence, nothing of it stays, and the next
    write on the same engine goes through (the dead connection is dropped from the pool)."""
    admin = create_engine(demo_url, isolation_level="AUTOCOMMIT")
    original = audit.record_change

    def cut(session, *args, **kwargs):
        result = original(session, *args, **kwargs)
        pid = session.execute(text("SELECT pg_backend_pid()")).scalar()
        with admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        return result

    line = direct_line(demo_db)
    officer = actor_for(demo_db, "officer")
    before = dump(demo_db)
    monkeypatch.setattr(audit, "record_change", cut)
    with pytest.raises(StorageError) as info:
        payments.record_payment(demo_db, officer, year=YEAR, voucher_no="C-MAT-KET-NOI", date=DAY, kind="THANH_TOAN", line=line, amount=1_000)
    monkeypatch.undo()
    assert [p.key for p in info.value.problems] == ["db.unavailable"]
    assert dump(demo_db) == before
    payments.record_payment(demo_db, officer, year=YEAR, voucher_no="C-SAU-MAT-KET-NOI", date=DAY, kind="THANH_TOAN", line=line, amount=1_000)
    verified(demo_db)

    # Connections lost between calls (every backend of the database ended) are replaced unseen.
    with admin.connect() as connection:
        connection.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        )
    payments.record_payment(demo_db, officer, year=YEAR, voucher_no="C-SAU-NGAT", date=DAY, kind="THANH_TOAN", line=line, amount=1_000)
    verified(demo_db)
    admin.dispose()
