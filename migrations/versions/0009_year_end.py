"""The budget year end: phased control, carry-over, cancellations, year-end runs, settlement.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "year_end_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("rule_set", sa.String(length=32), nullable=False),
        sa.Column("decision_no", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("carried", sa.BigInteger(), nullable=False),
        sa.Column("cancelled", sa.BigInteger(), nullable=False),
        sa.Column("reopen_decision_no", sa.String(length=64), nullable=True),
        sa.Column("reopen_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.CheckConstraint("status in ('applied','reopened')", name=op.f("ck_year_end_runs_status")),
        sa.ForeignKeyConstraint(["year"], ["fiscal_years.year"], name=op.f("fk_year_end_runs_year_fiscal_years")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_year_end_runs_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_year_end_runs")),
    )
    op.create_index(op.f("ix_year_end_runs_year"), "year_end_runs", ["year"], unique=False)

    # Columns are added in place, never by batch mode's recreate: on SQLite that DROPs the table,
    # which commitments, payments and adjustments reference (a filled ledger could not migrate).
    op.add_column("units", sa.Column("phased_control", sa.String(length=8), nullable=True))
    # SQLite cannot add a column with its foreign key in place: there the reference is the models'
    # (the ORM's), on PostgreSQL it is a constraint too.
    sqlite = op.get_bind().dialect.name == "sqlite"

    def reference(name: str, target: str) -> list:
        return [] if sqlite else [sa.ForeignKey(target, name=op.f(name))]

    op.add_column("budget_lines", sa.Column("carried_from_id", sa.Integer(), *reference("fk_budget_lines_carried_from_id_budget_lines", "budget_lines.id"), nullable=True))
    op.add_column("budget_lines", sa.Column("closed_run_id", sa.Integer(), *reference("fk_budget_lines_closed_run_id_year_end_runs", "year_end_runs.id"), nullable=True))
    op.create_index(op.f("ix_budget_lines_carried_from_id"), "budget_lines", ["carried_from_id"], unique=False)
    op.add_column("commitments", sa.Column("carried_from_id", sa.Integer(), *reference("fk_commitments_carried_from_id_commitments", "commitments.id"), nullable=True))

    op.create_table(
        "year_end_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("basis", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("commitment_id", sa.Integer(), nullable=True),
        sa.Column("new_line_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("kind in ('carry','cancel')", name=op.f("ck_year_end_entries_kind")),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_year_end_entries_amount_not_zero")),
        sa.ForeignKeyConstraint(["run_id"], ["year_end_runs.id"], name=op.f("fk_year_end_entries_run_id_year_end_runs")),
        sa.ForeignKeyConstraint(["line_id"], ["budget_lines.id"], name=op.f("fk_year_end_entries_line_id_budget_lines")),
        sa.ForeignKeyConstraint(["commitment_id"], ["commitments.id"], name=op.f("fk_year_end_entries_commitment_id_commitments")),
        sa.ForeignKeyConstraint(["new_line_id"], ["budget_lines.id"], name=op.f("fk_year_end_entries_new_line_id_budget_lines")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_year_end_entries")),
    )
    op.create_index(op.f("ix_year_end_entries_run_id"), "year_end_entries", ["run_id"], unique=False)
    op.create_index("ix_year_end_entries_line_kind", "year_end_entries", ["line_id", "kind"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_year_end_entries_line_kind", table_name="year_end_entries")
    op.drop_index(op.f("ix_year_end_entries_run_id"), table_name="year_end_entries")
    op.drop_table("year_end_entries")
    op.drop_column("commitments", "carried_from_id")
    op.drop_index(op.f("ix_budget_lines_carried_from_id"), table_name="budget_lines")
    op.drop_column("budget_lines", "closed_run_id")
    op.drop_column("budget_lines", "carried_from_id")
    op.drop_column("units", "phased_control")
    op.drop_index(op.f("ix_year_end_runs_year"), table_name="year_end_runs")
    op.drop_table("year_end_runs")
