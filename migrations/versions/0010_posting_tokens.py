"""Deliberate posting: a one-time token stored, unique, with every posted record; the reason of a
cancel or close-out kept with the commitment; the first run's one-time set-up code; on PostgreSQL the ``ledger_fold`` function that
accent-insensitive search calls (SQLite gets it from the connection, ``ledger.store.db``).

The token is a nullable column with a unique index on each table a posting form writes (adjustments,
payments, contributions, acceptances, commitments) rather than a separate ``posting_tokens`` table:
the row's own INSERT (or UPDATE) then checks it through the unique index, so a posting takes no extra
statement (one adjustment or payment stays within six), and the token sits with what it posted.
NULLs never collide, so the rows posted before this migration (and by the importer) keep none.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import unicodedata

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("adjustments", "payments", "contributions", "acceptances", "commitments")


def _fold_tables() -> tuple[str, str]:
    """Every accented Latin letter (both cases, since lower() under a C locale leaves them alone) and
    the plain lower-case letter it folds to: what codes.fold does, as a translate() table."""
    accented, plain = [], []
    for point in range(0x00C0, 0x1EFA):
        char = chr(point)
        base = unicodedata.normalize("NFD", char.lower().replace("đ", "d"))
        base = "".join(c for c in base if unicodedata.category(c) != "Mn")
        if len(base) == 1 and base.isascii() and base.isalpha() and base != char:
            accented.append(char)
            plain.append(base)
    return "".join(accented), "".join(plain)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        accented, plain = _fold_tables()
        op.execute(
            "CREATE OR REPLACE FUNCTION ledger_fold(value text) RETURNS text LANGUAGE sql IMMUTABLE AS $$"
            f" SELECT btrim(regexp_replace(lower(translate(value, '{accented}', '{plain}')), '\\s+', ' ', 'g')) $$"
        )
    # In place, never batch mode's recreate (on SQLite that drops tables others reference).
    for table in TABLES:
        op.add_column(table, sa.Column("posting_token", sa.String(length=36), nullable=True))
        op.create_index(f"ix_{table}_posting_token", table, ["posting_token"], unique=True)
    op.add_column("commitments", sa.Column("status_reason", sa.Text(), nullable=True))
    op.add_column("press_agencies", sa.Column("is_active", sa.Boolean(), nullable=True))  # NULL: active
    # The one-time set-up code of a ledger without users, hashed (ledger.services.setup).
    op.create_table(
        "setup_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_setup_codes")),
    )


def downgrade() -> None:
    op.drop_table("setup_codes")
    op.drop_column("press_agencies", "is_active")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS ledger_fold(text)")
    op.drop_column("commitments", "status_reason")
    for table in TABLES:
        op.drop_index(f"ix_{table}_posting_token", table_name=table)
        op.drop_column(table, "posting_token")
