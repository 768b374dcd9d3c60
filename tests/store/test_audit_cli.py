"""The hash-chained audit trail (DOMAIN rule 8) and the command line ``python -m ledger``.

Tampering is done the way an intruder with database access would do it: raw SQL on a separate
engine, behind the ledger's back. ``verify`` must then exit 1 and name the event it contradicts.
"""

from __future__ import annotations

import io
import subprocess
import sys
import tracemalloc
import uuid
from pathlib import Path

import pytest
from ledger_testkit import D2025, WRITTEN_TABLES, actor_of, count, dump, refused, rows, scalar
from sqlalchemy import create_engine, select, text

import ledger.store.audit
from ledger.cli import main
from ledger.demo.scale import load_scale_demo
from ledger.services.budget import add_line, adjust_line, reverse_adjustment, transfer
from ledger.services.reference import create_unit, set_year_open, update_unit
from ledger.services.users import create_user, reset_password, sign_in, update_user
from ledger.store import audit
from ledger.store.db import Database
from ledger.store.models import AUDITED_MODELS, AuditEvent
from ledger.store.verify import verify

ROOT = Path(__file__).resolve().parents[2]


def tamper(url: str, sql: str, **params) -> int:
    """Run SQL on a separate engine, as someone editing the database by hand; returns rows hit."""
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            return connection.execute(text(sql), params).rowcount
    finally:
        engine.dispose()


def verify_cli(url: str, capsys) -> tuple[int, str]:
    code = main(["--db", url, "verify"])
    out = capsys.readouterr().out
    return code, out


def latest_event_seq(db: Database, entity_type: str, entity_id) -> int:
    return int(
        scalar(
            db,
            "SELECT MAX(seq) FROM audit_events WHERE entity_type = :t AND entity_id = :i",
            t=entity_type,
            i=str(entity_id),
        )
    )


def own_line(db: Database, actors, code: str = "TT-AUD-01", estimate: int = 100_000_000) -> int:
    return add_line(
        db,
        actors["officer"],
        code=code,
        year=2025,
        unit_code="BYT-TT",
        description="Tập huấn phát ngôn",
        category="DAO_TAO",
        source="NSNN",
        original_estimate=estimate,
    ).id


# --- the chain --------------------------------------------------------------------------------


def test_chain_verifies_after_the_demo(demo_db):
    with demo_db.read() as session:
        result = verify(session)
    assert result.ok, result.summary()
    audited_rows = sum(count(demo_db, model.__tablename__) for model in AUDITED_MODELS.values())
    assert result.rows == audited_rows
    assert result.events == count(demo_db, "audit_events") >= audited_rows
    assert result.head_hash == scalar(demo_db, "SELECT hash FROM audit_events ORDER BY seq DESC")
    # every audited row has an event: the demo went through the services, not around them
    for entity_type, model in AUDITED_MODELS.items():
        n = count(demo_db, model.__tablename__)
        events = int(
            scalar(demo_db, "SELECT COUNT(DISTINCT entity_id) FROM audit_events WHERE entity_type = :t", t=entity_type)
        )
        assert events == n, entity_type


def test_each_hash_covers_the_previous_hash(demo_db):
    with demo_db.read() as session:
        events = list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    prev = audit.GENESIS_HASH
    for event in events:
        assert event.prev_hash == prev, event.seq
        assert audit.compute_hash(prev, event) == event.hash, event.seq
        assert audit.compute_hash("f" * 64, event) != event.hash
        prev = event.hash
    assert len({e.hash for e in events}) == len(events)


def test_the_spliced_hash_is_the_hash_of_the_events_canonical_json(demo_db):
    """compute_hash splices the stored before/after instead of parsing and re-encoding them: it must
    give exactly SHA-256(prev + canonical_json(payload)), the definition every earlier event used."""
    import hashlib
    import json

    with demo_db.read() as session:
        events = list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
    assert any("ư" in (e.after or "") for e in events)  # non-ASCII states are covered
    for event in events:
        payload = {
            "seq": event.seq, "occurred_at": event.occurred_at, "actor": event.actor, "action": event.action,
            "entity_type": event.entity_type, "entity_id": event.entity_id,
            "before": json.loads(event.before) if event.before else None,
            "after": json.loads(event.after) if event.after else None,
        }
        text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        assert audit.compute_hash(event.prev_hash, event) == hashlib.sha256((event.prev_hash + text).encode()).hexdigest(), event.seq


def test_services_keep_the_chain_valid(demo_db, actors):
    officer, admin = actors["officer"], actors["admin"]
    before = count(demo_db, "audit_events")
    a = own_line(demo_db, actors, "TT-AUD-A")
    b = own_line(demo_db, actors, "TT-AUD-B")
    posted = adjust_line(demo_db, officer, a, 5_000_000, D2025, "50/QĐ-BYT")
    transfer(demo_db, officer, a, b, 1_000_000, D2025, "51/QĐ-BYT")
    reverse_adjustment(demo_db, officer, posted.id, "Nhập nhầm", D2025)
    update_user(demo_db, admin, "officer", full_name="Nguyễn Thị Lan")
    reset_password(demo_db, admin, "leader", "mat-khau-moi")
    update_unit(demo_db, admin, "HNI", name="UBND TP Hà Nội")
    set_year_open(demo_db, admin, 2025, False)
    assert count(demo_db, "audit_events") == before + 10
    actions = [r[0] for r in rows(demo_db, "SELECT action FROM audit_events WHERE seq > :s ORDER BY seq", s=before)]
    assert actions == [
        "budget_line.create",
        "budget_line.create",
        "adjustment.post",
        "transfer.out",
        "transfer.in",
        "adjustment.reverse",
        "user.update",
        "user.password_reset",
        "unit.update",
        "fiscal_year.close",
    ]
    with demo_db.read() as session:
        result = verify(session)
    assert result.ok, result.summary()


# --- one transaction: the row and its event, or neither ---------------------------------------


class AuditStoreDown(Exception):
    pass


def fail_audit_after(monkeypatch, successes: int) -> None:
    """Let ``successes`` audit events through, then fail the next one (after its row was flushed)."""
    real = ledger.store.audit.record
    calls = {"n": 0}

    def record(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > successes:
            raise AuditStoreDown("audit store unavailable")
        return real(*args, **kwargs)

    monkeypatch.setattr(ledger.store.audit, "record", record)


def test_a_write_whose_audit_event_fails_leaves_no_row(demo_db, actors, monkeypatch):
    officer, admin = actors["officer"], actors["admin"]
    a, b = own_line(demo_db, actors, "TT-AUD-A"), own_line(demo_db, actors, "TT-AUD-B")
    posted = adjust_line(demo_db, officer, a, 5_000_000, D2025, "52/QĐ-BYT")
    attempts = [
        (
            0,
            add_line,
            (demo_db, officer),
            {
                "code": "TT-AUD-C",
                "year": 2025,
                "unit_code": "BYT-TT",
                "description": "x",
                "category": "KHAC",
                "source": "NSNN",
                "original_estimate": 1,
            },
        ),
        (0, adjust_line, (demo_db, officer, a, 1_000_000, D2025, "53/QĐ-BYT"), {}),
        (1, transfer, (demo_db, officer, a, b, 1_000_000, D2025, "54/QĐ-BYT"), {}),  # the second leg's event fails
        (0, reverse_adjustment, (demo_db, officer, posted.id, "Sai", D2025), {}),
        (0, create_user, (demo_db, admin, "ketoan.moi", "officer", "mat-khau-dai-so-1"), {"unit_code": "BYT-TT"}),
        (0, create_unit, (demo_db, admin), {"code": "BTC", "name": "Bộ Tài chính", "parent_code": "QG"}),
        (0, update_user, (demo_db, admin, "officer"), {"is_active": False}),
        (0, set_year_open, (demo_db, admin, 2025, False), {}),
    ]
    for successes, call, args, kwargs in attempts:
        fail_audit_after(monkeypatch, successes)
        refused(demo_db, AuditStoreDown, call, *args, **kwargs)
        monkeypatch.undo()
    with demo_db.read() as session:
        assert verify(session).ok


# --- verify names the event a tampered row contradicts ----------------------------------------

TABLE_UPDATES = {
    "unit": ("UPDATE units SET name = 'Đơn vị giả' WHERE code = 'HNI'", "SELECT id FROM units WHERE code = 'HNI'"),
    "fiscal_year": (
        "UPDATE fiscal_years SET is_open = :no WHERE year = 2025",
        "SELECT year FROM fiscal_years WHERE year = 2025",
    ),
    "policy": (
        "UPDATE policies SET owner_unit_id = (SELECT id FROM units WHERE code = 'HNI') WHERE code = 'NQ57'",
        "SELECT id FROM policies WHERE code = 'NQ57'",
    ),
    "user": (
        "UPDATE users SET role = 'admin' WHERE username = 'officer'",
        "SELECT id FROM users WHERE username = 'officer'",
    ),
    "user-password": (
        "UPDATE users SET password_hash = (SELECT u.password_hash FROM users u WHERE u.username = 'admin')"
        " WHERE username = 'officer'",
        "SELECT id FROM users WHERE username = 'officer'",
    ),
    "budget_line": (
        "UPDATE budget_lines SET original_estimate = original_estimate + 1"
        " WHERE id = (SELECT MIN(id) FROM budget_lines)",
        "SELECT MIN(id) FROM budget_lines",
    ),
    "adjustment": (
        "UPDATE adjustments SET amount = amount * 2 WHERE id = (SELECT MIN(id) FROM adjustments)",
        "SELECT MIN(id) FROM adjustments",
    ),
}


@pytest.mark.parametrize("what", list(TABLE_UPDATES))
def test_verify_names_the_event_of_a_row_updated_by_hand(demo_db, demo_url, capsys, what):
    entity_type = what.split("-")[0]
    update, key_query = TABLE_UPDATES[what]
    entity_id = scalar(demo_db, key_query)
    seq = latest_event_seq(demo_db, entity_type, entity_id)
    assert verify_cli(demo_url, capsys)[0] == 0

    assert tamper(demo_url, update, no=False) == 1
    code, out = verify_cli(demo_url, capsys)
    assert code == 1
    assert out.count("\n") == 1
    assert f"BROKEN at event {seq}:" in out
    assert f"{entity_type} {entity_id} " in out


def test_verify_names_the_event_of_a_budget_line_deleted_by_hand(demo_db, demo_url, actors, capsys):
    line = own_line(demo_db, actors)
    seq = latest_event_seq(demo_db, "budget_line", line)
    assert verify_cli(demo_url, capsys)[0] == 0
    assert tamper(demo_url, "DELETE FROM budget_lines WHERE id = :i", i=line) == 1
    code, out = verify_cli(demo_url, capsys)
    assert code == 1
    assert f"BROKEN at event {seq}:" in out and f"budget_line {line} " in out and "deleted" in out


def test_verify_names_the_event_of_an_adjustment_deleted_by_hand(demo_db, demo_url, actors, capsys):
    posted = adjust_line(demo_db, actors["officer"], own_line(demo_db, actors), -7_000_000, D2025, "55/QĐ-BYT")
    seq = latest_event_seq(demo_db, "adjustment", posted.id)
    assert tamper(demo_url, "DELETE FROM adjustments WHERE id = :i", i=posted.id) == 1
    code, out = verify_cli(demo_url, capsys)
    assert code == 1
    assert f"BROKEN at event {seq}:" in out and f"adjustment {posted.id} " in out


def test_verify_reports_a_row_inserted_by_hand(demo_url, capsys):
    tamper(
        demo_url,
        "INSERT INTO units (code, name, kind, commitment_control, advance_limit_pct)"
        " VALUES ('GIA', 'Đơn vị ma', 'subunit', 'block', 50)",
    )
    code, out = verify_cli(demo_url, capsys)
    assert code == 1
    assert out.startswith("BROKEN")
    assert "unit " in out and "no audit event" in out
    assert "None" not in out


def test_verify_names_an_audit_event_changed_by_hand(demo_db, demo_url, capsys):
    total = count(demo_db, "audit_events")
    middle = total // 2
    tamper(demo_url, "UPDATE audit_events SET actor = 'ke-gian' WHERE seq = :s", s=middle)
    code, out = verify_cli(demo_url, capsys)
    assert code == 1
    assert f"BROKEN at event {middle}:" in out


def test_verify_names_the_head_event_changed_by_hand(demo_db, demo_url, capsys):
    head = count(demo_db, "audit_events")
    tamper(demo_url, "UPDATE audit_events SET after = NULL WHERE seq = :s", s=head)
    code, out = verify_cli(demo_url, capsys)
    assert code == 1
    assert f"BROKEN at event {head}:" in out


def test_verify_catches_an_event_rehashed_after_a_change(demo_db, demo_url, capsys):
    """Recomputing the changed event's own hash moves the break to the next link, never hides it."""
    middle = count(demo_db, "audit_events") // 2
    tamper(demo_url, "UPDATE audit_events SET actor = 'ke-gian' WHERE seq = :s", s=middle)
    with demo_db.read() as session:
        event = session.get(AuditEvent, middle)
        forged = audit.compute_hash(event.prev_hash, event)
    tamper(demo_url, "UPDATE audit_events SET hash = :h WHERE seq = :s", h=forged, s=middle)
    code, out = verify_cli(demo_url, capsys)
    assert code == 1
    assert f"BROKEN at event {middle + 1}:" in out


def test_verify_names_a_deleted_middle_audit_event(demo_db, demo_url, capsys):
    middle = count(demo_db, "audit_events") // 2
    tamper(demo_url, "DELETE FROM audit_events WHERE seq = :s", s=middle)
    code, out = verify_cli(demo_url, capsys)
    assert code == 1
    assert f"event {middle} is missing" in out
    assert f"BROKEN at event {middle + 1}:" in out


def test_verify_catches_a_deleted_head_event(demo_db, demo_url, capsys):
    """Dropping the newest event leaves its row without the state it recorded."""
    head = count(demo_db, "audit_events")
    tamper(demo_url, "DELETE FROM audit_events WHERE seq = :s", s=head)
    code, out = verify_cli(demo_url, capsys)
    assert code == 1
    assert out.startswith("BROKEN")



# --- which finding verify reports, and that it streams ------------------------------------------


def test_verify_reports_the_first_wrong_row_in_key_order(demo_db, demo_url):
    """Tables are checked in AUDITED_MODELS order, each in entity_id order as text ("10" before "2"),
    so the finding and its row count do not depend on how the database happens to scan a table."""
    keys = sorted(str(i) for (i,) in rows(demo_db, "SELECT id FROM budget_lines"))
    assert {"2", "10"} <= set(keys)
    sql = "UPDATE budget_lines SET description = 'sửa lén' WHERE id IN (2, 10)"
    assert tamper(demo_url, sql) == 2
    with demo_db.read() as session:
        result = verify(session)
    assert not result.ok
    assert result.broken_seq == latest_event_seq(demo_db, "budget_line", 10)
    assert result.reason == "budget_line 10 no longer matches the state this event recorded (row changed behind the ledger's back)"
    earlier_tables = list(AUDITED_MODELS)[: list(AUDITED_MODELS).index("budget_line")]
    before = sum(count(demo_db, AUDITED_MODELS[name].__tablename__) for name in earlier_tables)
    assert result.rows == before + keys.index("10") + 1  # rows read, that one included
    assert result.events == count(demo_db, "audit_events")
    assert result.head_hash == scalar(demo_db, "SELECT hash FROM audit_events ORDER BY seq DESC")


def test_a_changed_row_is_reported_before_a_deleted_one_and_deletions_by_earliest_event(demo_db, demo_url, actors):
    admin = actors["admin"]
    line = own_line(demo_db, actors, "TT-AUD-DEL")  # budget_line: a later table than unit, an earlier event
    unit = create_unit(demo_db, admin, code="GIA", name="Đơn vị thử", parent_code="QG").id
    line_seq, unit_seq = latest_event_seq(demo_db, "budget_line", line), latest_event_seq(demo_db, "unit", unit)
    assert line_seq < unit_seq
    tamper(demo_url, "DELETE FROM budget_lines WHERE id = :i", i=line)
    tamper(demo_url, "DELETE FROM units WHERE id = :i", i=unit)
    with demo_db.read() as session:
        result = verify(session)
    assert (result.ok, result.broken_seq) == (False, line_seq)
    assert result.reason == f"budget_line {line} recorded by this event is missing (row deleted behind the ledger's back)"
    assert result.rows == sum(count(demo_db, model.__tablename__) for model in AUDITED_MODELS.values())
    assert result.summary() == f"BROKEN at event {line_seq}: {result.reason}"

    adjustment = int(scalar(demo_db, "SELECT MAX(id) FROM adjustments"))  # a later table than both
    tamper(demo_url, "UPDATE adjustments SET amount = amount + 1 WHERE id = :i", i=adjustment)
    with demo_db.read() as session:
        result = verify(session)
    assert result.broken_seq == latest_event_seq(demo_db, "adjustment", adjustment)
    assert result.reason == f"adjustment {adjustment} no longer matches the state this event recorded (row changed behind the ledger's back)"


def test_verify_orders_entity_ids_that_are_not_numbers(demo_db, demo_url, backend):
    """Events whose entity_id is no row's key (punctuation, a sign, non-ASCII) sort the same way in the
    database and in Python, whatever the column's collation (on PostgreSQL a linguistic one is put on
    entity_id here: it sorts "Đ1" before "z", Python after)."""
    odd = ["1-0", "1.5", "10-", "-1", "1 0", "Đ1", "z", "0"]
    with demo_db.write() as session:
        for entity_id in odd:
            after = {"name": "ma"} if entity_id == "1.5" else None
            audit.record(session, "admin", "unit.delete", "unit", entity_id, None, after)
    if backend == "postgresql":
        tamper(demo_url, 'ALTER TABLE audit_events ALTER COLUMN entity_id TYPE VARCHAR(64) COLLATE "und-x-icu"')
        ordered = [i for (i,) in rows(demo_db, "SELECT entity_id FROM audit_events WHERE entity_id IN ('Đ1', 'z') ORDER BY entity_id")]
        assert ordered == ["Đ1", "z"]
    with demo_db.read() as session:
        result = verify(session)
    assert not result.ok
    assert result.reason == "unit 1.5 recorded by this event is missing (row deleted behind the ledger's back)"
    assert result.broken_seq == latest_event_seq(demo_db, "unit", "1.5")


def test_verify_memory_does_not_grow_with_the_ledger(backend, templates, monkeypatch):
    """Python's peak allocation during verify (about 0.2 MB here) is the same for a ledger with ten
    times the payments (1.8 times the events); the earlier verify, which kept every entity's latest
    event, peaked at 35 MB and 53 MB on these two. SQLite's own cache is not Python's: the bench
    (bench/verify_bench.py) measures the whole process."""
    monkeypatch.setattr("ledger.store.verify.BATCH", 50)  # below the size of the large tables used here
    peaks = {}
    for payments in (200, 2000):
        db = Database(templates.fresh_url(backend, demo=False))
        try:
            load_scale_demo(db, payments=payments, today=D2025)
            with db.read() as session:
                verify(session)  # warm: statement compilation and caches are not the ledger's size
                tracemalloc.start()
                try:
                    result = verify(session)
                    peaks[payments] = tracemalloc.get_traced_memory()[1]
                finally:
                    tracemalloc.stop()
            assert result.ok, result.summary()
        finally:
            db.dispose()
    assert peaks[2000] < 1.3 * peaks[200], peaks


# --- the command line -------------------------------------------------------------------------


@pytest.fixture
def blank_url(backend, tmp_path, request) -> str:
    """A database with no schema at all."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'blank.db'}"
    server = request.getfixturevalue("pg_server")
    name = f"blank_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return server.url(name)


def test_init_creates_the_schema_and_is_idempotent(blank_url, capsys):
    assert main(["--db", blank_url, "init"]) == 0
    assert "schema up to date" in capsys.readouterr().out
    db = Database(blank_url)
    try:
        first = dump(db)
        revision = scalar(db, "SELECT version_num FROM alembic_version")
        assert count(db, "categories") == 4 and count(db, "sources") == 2
        assert main(["--db", blank_url, "init"]) == 0
        assert dump(db) == first  # reference data not seeded twice
        assert rows(db, "SELECT version_num FROM alembic_version") == [(revision,)]
        assert {table: len(v) for table, v in first.items() if table in ("users", "units", "audit_events")} == {
            "users": 0,
            "units": 0,
            "audit_events": 0,
        }
    finally:
        db.dispose()


def test_demo_loads_only_into_an_empty_database(db_url, capsys):
    assert main(["--db", db_url, "demo"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("demo loaded: ")
    db = Database(db_url)
    try:
        # the summary's counts are what was written
        reported = dict(reversed(part.split(" ", 1)) for part in out.strip().removeprefix("demo loaded: ").split(", "))
        assert int(reported["units"]) == count(db, "units") > 0
        assert int(reported["lines"]) == count(db, "budget_lines") > 0
        assert int(reported["users"]) == count(db, "users") == 4
        loaded = dump(db)
        assert main(["--db", db_url, "demo"]) == 1
        captured = capsys.readouterr()
        assert "error: The database is not empty" in captured.err
        assert dump(db) == loaded
        assert sign_in(db, "officer", "demo").role == "officer"
    finally:
        db.dispose()
    code, out = verify_cli(db_url, capsys)
    assert code == 0 and out.startswith("OK:")


def test_demo_refused_into_the_demo(demo_db, demo_url, capsys):
    before = dump(demo_db)
    assert main(["--db", demo_url, "--lang", "vi", "demo"]) == 1
    assert "Cơ sở dữ liệu đã có dữ liệu" in capsys.readouterr().err
    assert dump(demo_db) == before


def test_verify_prints_a_one_line_summary(demo_db, demo_url, capsys):
    code, out = verify_cli(demo_url, capsys)
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 1
    events = count(demo_db, "audit_events")
    head = scalar(demo_db, "SELECT hash FROM audit_events WHERE seq = :s", s=events)
    assert lines[0].startswith(f"OK: {events} events")
    assert head in lines[0]


def test_user_add_reads_the_password_from_stdin(demo_db, demo_url, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("Mat-Khau-CLI-1\n"))
    assert (
        main(
            [
                "--db",
                demo_url,
                "user",
                "add",
                "ketoan.cli",
                "--role",
                "officer",
                "--unit",
                "BYT-TT",
                "--name",
                "Phạm Văn An",
            ]
        )
        == 0
    )
    assert "ketoan.cli" in capsys.readouterr().out
    actor = sign_in(demo_db, "ketoan.cli", "Mat-Khau-CLI-1")
    assert (actor.role, actor.unit_id) == (
        "officer",
        int(scalar(demo_db, "SELECT id FROM units WHERE code = 'BYT-TT'")),
    )
    assert actor == actor_of(demo_db, "ketoan.cli")
    stored = scalar(demo_db, "SELECT password_hash FROM users WHERE username = 'ketoan.cli'")
    assert stored.startswith("$argon2") and "Mat-Khau-CLI-1" not in stored
    assert verify_cli(demo_url, capsys)[0] == 0


def test_user_add_with_an_unknown_unit(demo_db, demo_url, capsys, monkeypatch):
    before = dump(demo_db)
    monkeypatch.setattr(sys, "stdin", io.StringIO("Mat-Khau-CLI-1\n"))
    assert main(["--db", demo_url, "user", "add", "ketoan.cli", "--role", "officer", "--unit", "KHONG-CO"]) == 1
    err = capsys.readouterr().err
    assert "error: There is no unit with code KHONG-CO." in err
    monkeypatch.setattr(sys, "stdin", io.StringIO("Mat-Khau-CLI-1\n"))
    assert main(["--db", demo_url, "--lang", "vi", "user", "add", "ketoan.cli", "--role", "leader"]) == 1
    assert "phải thuộc một đơn vị" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n"))
    assert main(["--db", demo_url, "user", "add", "ketoan.cli", "--role", "officer", "--unit", "BYT-TT"]) == 1
    assert "at least" in capsys.readouterr().err
    assert dump(demo_db) == before


def test_cli_usage_error_exits_2(demo_url, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--db", demo_url, "user", "add", "ketoan.cli"])
    assert exit_info.value.code == 2


def run_cli(url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ledger", "--db", url, *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_cli_as_a_separate_process(demo_db, demo_url):
    done = run_cli(demo_url, "verify")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("OK:") and done.stdout.count("\n") == 1

    done = run_cli(
        demo_url, "user", "add", "ketoan.proc", "--role", "officer", "--unit", "BYT-TT", stdin="Mat-Khau-Proc\n"
    )
    assert done.returncode == 0, done.stderr
    assert sign_in(demo_db, "ketoan.proc", "Mat-Khau-Proc").username == "ketoan.proc"

    line = int(scalar(demo_db, "SELECT MIN(id) FROM budget_lines"))
    seq = latest_event_seq(demo_db, "budget_line", line)
    tamper(demo_url, "UPDATE budget_lines SET description = 'sửa lén' WHERE id = :i", i=line)
    done = run_cli(demo_url, "verify")
    assert done.returncode == 1
    assert f"BROKEN at event {seq}:" in done.stdout


def test_written_tables_cover_every_audited_table():
    """The 'nothing written' checks of these tests look at every audited table."""
    assert {model.__tablename__ for model in AUDITED_MODELS.values()} <= set(WRITTEN_TABLES)
