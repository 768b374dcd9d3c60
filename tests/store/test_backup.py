"""Backups, on SQLite and PostgreSQL: ``python -m ledger backup FILE`` then ``restore FILE`` into an
empty database gives the same ledger (every row, the same audit head, ``verify`` passing); a target
that already holds a ledger is refused unless ``--force``; a file of the wrong kind, or a damaged
dump, is refused with a sentence and leaves the target as it was."""

from __future__ import annotations

import os
import stat
import threading

import pytest
from conftest import actor_for
from ledger_testkit import dump, scalar

from ledger.cli import main
from ledger.domain.errors import LedgerError
from ledger.services import payments
from ledger.store import backup, schema
from ledger.store.db import Database
from ledger.store.verify import verify


def head(db: Database) -> tuple[int, str]:
    with db.read() as session:
        result = verify(session)
    assert result.ok, result.summary()
    return result.events, result.head_hash


def test_backup_then_restore_into_an_empty_database(demo_db, demo_url, db_url, tmp_path, capsys):
    file = tmp_path / "so-cai.backup"
    assert main(["--db", demo_url, "backup", str(file)]) == 0
    events, head_hash = head(demo_db)
    out = capsys.readouterr().out
    assert f"{events} events, head {head_hash}" in out
    assert stat.S_IMODE(os.stat(file).st_mode) == 0o600, "a backup holds password hashes: owner only"
    assert not list(tmp_path.glob("*.partial"))

    target = Database(db_url)
    try:
        assert backup.target_is_empty(target)
        assert main(["--db", db_url, "restore", str(file)]) == 0
        out = capsys.readouterr().out
        assert f"OK: {events} events" in out and head_hash in out
        assert head(target) == (events, head_hash)
        assert dump(target) == dump(demo_db), "every row of every table came back"
        assert schema.is_current(target)
        # The restored ledger takes writes and its chain goes on.
        officer = actor_for(target, "officer")
        line = int(scalar(target, "SELECT id FROM budget_lines WHERE code = 'BYT-TT-26-01'"))
        payments.record_payment(target, officer, year=2026, voucher_no="C-SAU-KHOI-PHUC", date="02/02/2026", kind="THANH_TOAN", line=line, amount=1_000)
        assert head(target)[0] == events + 1
    finally:
        target.dispose()


def test_restore_refuses_a_ledger_unless_forced(demo_db, demo_url, tmp_path, capsys):
    file = tmp_path / "so-cai.backup"
    backup.backup(demo_db, file)
    saved = dump(demo_db)
    officer = actor_for(demo_db, "officer")
    line = int(scalar(demo_db, "SELECT id FROM budget_lines WHERE code = 'BYT-TT-26-01'"))
    payments.record_payment(demo_db, officer, year=2026, voucher_no="C-SAU-SAO-LUU", date="02/02/2026", kind="THANH_TOAN", line=line, amount=1_000)
    changed = dump(demo_db)

    assert main(["--db", demo_url, "restore", str(file)]) == 1
    assert "--force" in capsys.readouterr().err
    assert dump(demo_db) == changed, "a refused restore changes nothing"

    assert main(["--db", demo_url, "restore", str(file), "--force"]) == 0
    assert dump(demo_db) == saved, "forced, the ledger is the backup's again"
    head(demo_db)


def test_restore_refuses_files_that_are_not_its_backups(db, backend, tmp_path):
    text = tmp_path / "ghi-chu.txt"
    text.write_text("không phải bản sao lưu")
    other = tmp_path / "khac.backup"
    other.write_bytes(b"SQLite format 3\x00" + bytes(200) if backend == "postgresql" else b"PGDMP" + bytes(200))
    for file, key in ((text, "backup.not_a_backup"), (other, "backup.wrong_backend"), (tmp_path / "khong-co", "backup.file_missing")):
        before = dump(db)
        with pytest.raises(LedgerError) as info:
            backup.restore(db, file)
        assert [p.key for p in info.value.problems] == [key]
        assert dump(db) == before


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_sqlite_file_without_a_ledger_is_refused(db, backend, tmp_path):
    import sqlite3

    stranger = tmp_path / "la.db"
    with sqlite3.connect(stranger) as connection:
        connection.execute("CREATE TABLE t (x)")
    with pytest.raises(LedgerError) as info:
        backup.restore(db, stranger)
    assert [p.key for p in info.value.problems] == ["backup.not_a_ledger"]


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_damaged_dump_leaves_the_target_as_it_was(demo_db, db, backend, tmp_path):
    file = tmp_path / "so-cai.dump"
    backup.backup(demo_db, file)
    damaged = tmp_path / "hong.dump"
    data = file.read_bytes()
    damaged.write_bytes(data[: len(data) // 2])
    before = dump(db)
    with pytest.raises(LedgerError) as info:
        backup.restore(db, damaged)
    assert [p.key for p in info.value.problems] == ["backup.tool_failed"]
    assert "pg_restore" in info.value.messages("en")[0]
    assert dump(db) == before and backup.target_is_empty(db), "--single-transaction: all or nothing"


@pytest.mark.parametrize("backend", ["postgresql"])
def test_the_postgresql_tools_match_the_server(demo_db, backend):
    major = backup._server_major(demo_db)
    tool = backup.pg_tool("pg_dump", major)
    assert backup._tool_major(tool) >= major
    with pytest.raises(LedgerError) as info:
        backup.pg_tool("pg_dump", 999)
    assert [p.key for p in info.value.problems] == ["backup.tool_missing"]


def test_a_backup_taken_while_writers_run_is_consistent(demo_db, demo_url, db_url, tmp_path):
    officer = actor_for(demo_db, "officer")
    line = int(scalar(demo_db, "SELECT id FROM budget_lines WHERE code = 'BYT-TT-26-01'"))
    stop = threading.Event()

    def write() -> None:
        db = Database(demo_url)
        n = 0
        try:
            while not stop.is_set() and n < 200:
                n += 1
                payments.record_payment(db, officer, year=2026, voucher_no=f"C-DONG-THOI-{n}", date="02/02/2026", kind="THANH_TOAN", line=line, amount=1_000)
        finally:
            db.dispose()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        info = backup.backup(demo_db, tmp_path / "dang-ghi.backup")
    finally:
        stop.set()
        writer.join(timeout=60)
    target = Database(db_url)
    try:
        result = backup.restore(target, info.path)
        assert result.ok, result.summary()
        if target.is_sqlite:  # the SQLite copy is one snapshot, whose head is the one reported
            assert result.head_hash == info.head_hash and result.events == info.events
    finally:
        target.dispose()
