"""Creating and upgrading the schema with Alembic, from code (the CLI, the app and the tests)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select

from ledger.db import PROJECT_DIR, Database
from ledger.models import AuditEvent, Unit, User


def alembic_config() -> Config:
    config = Config(str(PROJECT_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_DIR / "migrations"))
    return config


def upgrade(db: Database) -> None:
    """Create the schema, or bring it to the latest revision."""
    config = alembic_config()
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def is_current(db: Database) -> bool:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() == head


def has_schema(db: Database) -> bool:
    return inspect(db.engine).has_table("audit_events")


def is_empty(db: Database) -> bool:
    """No user, no unit and no audit event: the state the demo may be loaded into."""
    with db.read() as session:
        return not any(
            session.scalar(select(func.count()).select_from(model)) for model in (User, Unit, AuditEvent)
        )
