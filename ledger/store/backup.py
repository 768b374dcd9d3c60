"""Backups and restores of the whole ledger: ``python -m ledger backup FILE`` / ``restore FILE``.

SQLite: the online backup API (``sqlite3.Connection.backup``), a consistent copy taken while the
app keeps running, written to a temporary file and renamed into place (a backup is never half a
file); the copy is a plain single-file database. PostgreSQL: ``pg_dump -Fc`` and ``pg_restore
--clean --if-exists --single-transaction`` (all or nothing), from the PostgreSQL client whose major
version is at least the server's (/usr/lib/postgresql/*/bin, LEDGER_PG_BINDIR, or PATH); the
password goes to the tools through PGPASSWORD, never on their command line.

A restore refuses a target that already holds a ledger (users, units or audit events) unless
forced, brings the restored schema up to date (a backup of an older version), and ends by
verifying the audit chain of what it restored.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from ledger.domain.errors import LedgerError, ValidationError, problem
from ledger.store import audit, schema
from ledger.store.db import Database
from ledger.store.verify import VerifyResult, verify

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
TOOL_TIMEOUT_S = 3600


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    events: int
    head_hash: str


def _sqlite_path(db: Database) -> Path:
    name = db.engine.url.database
    if not name or name == ":memory:":
        raise ValidationError(problem("backup.memory"))
    return Path(name)


def _head(db: Database) -> tuple[int, str]:
    with db.read() as session:
        head = audit.chain_head(session)
    return head.events, head.hash


# --- PostgreSQL client tools -------------------------------------------------------------------


def _server_major(db: Database) -> int:
    with db.read() as session:
        return int(session.execute(text("SELECT current_setting('server_version_num')::int")).scalar_one()) // 10000


def _tool_major(path: str) -> int | None:
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30).stdout
    except OSError:
        return None
    found = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(found.group(1)) if found else None


def pg_tool(name: str, server_major: int) -> str:
    """The path of ``name`` (pg_dump, pg_restore) of the lowest major version ≥ the server's."""
    candidates: list[tuple[int, str]] = []
    bindir = os.environ.get("LEDGER_PG_BINDIR")
    if bindir and (Path(bindir) / name).exists():
        major = _tool_major(str(Path(bindir) / name))
        if major is not None:
            candidates.append((major, str(Path(bindir) / name)))
    for directory in glob.glob("/usr/lib/postgresql/*/bin"):
        tool = Path(directory) / name
        if tool.exists() and Path(directory).parent.name.isdigit():
            candidates.append((int(Path(directory).parent.name), str(tool)))
    on_path = shutil.which(name)
    if on_path:
        major = _tool_major(on_path)
        if major is not None:
            candidates.append((major, on_path))
    usable = sorted(c for c in candidates if c[0] >= server_major)
    if not usable:
        raise LedgerError(problem("backup.tool_missing", tool=name, major=server_major))
    return usable[0][1]


def _conninfo(db: Database) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, and the environment that carries it."""
    url = db.engine.url

    def quoted(value: object) -> str:
        return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"

    parts = {"host": url.host, "port": url.port, "user": url.username, "dbname": url.database}
    for key, value in url.query.items():
        parts[key] = value[-1] if isinstance(value, tuple) else value
    conninfo = " ".join(f"{k}={quoted(v)}" for k, v in parts.items() if v not in (None, ""))
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return conninfo, env


def _run_tool(command: list[str], env: dict[str, str]) -> None:
    name = Path(command[0]).name
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=TOOL_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise LedgerError(problem("backup.tool_failed", tool=name, code="timeout", detail=f"> {TOOL_TIMEOUT_S} s")) from None
    if done.returncode != 0:
        lines = [line for line in (done.stderr or "").splitlines() if line.strip()]
        detail = lines[-1].strip() if lines else "—"
        raise LedgerError(problem("backup.tool_failed", tool=name, code=done.returncode, detail=detail[:300]))


# --- backup --------------------------------------------------------------------------------------


def backup(db: Database, target: str | os.PathLike) -> BackupInfo:
    """Write a consistent copy of the whole ledger to ``target`` (replaced atomically)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    os.close(handle)
    try:
        if db.is_sqlite:
            source = sqlite3.connect(_sqlite_path(db))
            copy = sqlite3.connect(temporary)
            try:
                source.backup(copy)  # one step: a consistent snapshot, writers keep going
                copy.execute("PRAGMA journal_mode=DELETE")  # a self-contained single file
                events, head_hash = _sqlite_head(copy)
            finally:
                copy.close()
                source.close()
        else:
            events, head_hash = _head(db)
            conninfo, env = _conninfo(db)
            tool = pg_tool("pg_dump", _server_major(db))
            _run_tool([tool, "--format=custom", "--no-owner", "--no-privileges", f"--file={temporary}", f"--dbname={conninfo}"], env)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return BackupInfo(target, events, head_hash)


def _sqlite_head(connection: sqlite3.Connection) -> tuple[int, str]:
    events = connection.execute("SELECT COUNT(*) FROM audit_events").fetchone()[0]
    row = connection.execute("SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1").fetchone()
    return int(events), row[0] if row else audit.GENESIS_HASH


# --- restore -------------------------------------------------------------------------------------


def backup_kind(path: Path) -> str | None:
    """'sqlite', 'postgresql' or None, from the file's first bytes."""
    with open(path, "rb") as handle:
        start = handle.read(16)
    if start.startswith(SQLITE_MAGIC):
        return "sqlite"
    if start.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    return None


def target_is_empty(db: Database) -> bool:
    return not schema.has_schema(db) or schema.is_empty(db)


def restore(db: Database, source: str | os.PathLike, force: bool = False) -> VerifyResult:
    """Replace the ledger in ``db`` with the backup in ``source``; returns the verification of the result."""
    source = Path(source)
    if not source.is_file():
        raise ValidationError(problem("backup.file_missing", file=str(source)))
    kind = backup_kind(source)
    if kind is None:
        raise ValidationError(problem("backup.not_a_backup", file=str(source)))
    backend = "sqlite" if db.is_sqlite else "postgresql"
    if kind != backend:
        raise ValidationError(problem("backup.wrong_backend", file=str(source), kind=kind, backend=backend))
    if db.is_sqlite:
        target = _sqlite_path(db)
        copy = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            tables = {name for (name,) in copy.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "audit_events" not in tables:
                raise ValidationError(problem("backup.not_a_ledger", file=str(source)))
            if not force and target.exists() and not target_is_empty(db):
                raise ValidationError(problem("backup.target_not_empty"))
            db.engine.dispose()
            destination = sqlite3.connect(target)
            try:
                copy.backup(destination)  # one step: one write transaction on the target, all or nothing
            finally:
                destination.close()
        finally:
            copy.close()
    else:
        if not force and not target_is_empty(db):
            raise ValidationError(problem("backup.target_not_empty"))
        conninfo, env = _conninfo(db)
        tool = pg_tool("pg_restore", _server_major(db))
        db.engine.dispose()
        _run_tool(
            [tool, "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction", f"--dbname={conninfo}", str(source)],
            env,
        )
    db.engine.dispose()  # connections opened before the restore may hold the old schema's state
    schema.upgrade(db)  # a backup made by an older version gets this version's migrations
    with db.read() as session:
        return verify(session)
