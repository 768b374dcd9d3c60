"""Creating and upgrading the schema with Alembic, from code (the CLI, the app and the tests)."""

from __future__ import annotations

import re

from sqlalchemy import func, inspect, select, text

from ledger.store.db import PROJECT_DIR, Database
from ledger.store.models import AuditEvent, Unit, User

MIGRATIONS = PROJECT_DIR / "migrations" / "versions"


def alembic_config():
    from alembic.config import Config  # alembic costs ~1 s to import: only when migrating

    config = Config(str(PROJECT_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_DIR / "migrations"))
    return config


def upgrade(db: Database) -> None:
    """Create the schema, or bring it to the latest revision."""
    from alembic import command

    config = alembic_config()
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def head_revision() -> str:
    """The latest migration, read from the migration files' ``revision``/``down_revision`` lines
    (the app checks this on start; importing alembic for it would double the first page's time)."""
    revisions, parents = set(), set()
    for path in MIGRATIONS.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision = re.search(r"^revision: str = ['\"]([^'\"]+)['\"]", source, re.M)
        parent = re.search(r"^down_revision: str \| None = ['\"]([^'\"]+)['\"]", source, re.M)
        if revision:
            revisions.add(revision.group(1))
        if parent:
            parents.add(parent.group(1))
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f"migrations must have exactly one head, found {sorted(heads)}")
    return heads.pop()


def is_current(db: Database) -> bool:
    with db.engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return False
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == head_revision()


def has_schema(db: Database) -> bool:
    return inspect(db.engine).has_table("audit_events")


def is_empty(db: Database) -> bool:
    """No user, no unit and no audit event: the state the demo may be loaded into."""
    with db.read() as session:
        return not any(
            session.scalar(select(func.count()).select_from(model)) for model in (User, Unit, AuditEvent)
        )
