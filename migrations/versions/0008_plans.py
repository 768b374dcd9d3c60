"""Communication plans per policy: policy timeline columns, draft comments, plans and their activities (letter 837, item 2).

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAGE_DATES = ("proposed_on", "policy_consulted_on", "drafting_on", "draft_consulted_on", "submitted_on", "issued_on", "effective_on")
# Written out rather than read from ledger.domain.codes: a migration states the schema of its day.
PLAN_STATUSES = "('DU_THAO','DA_DUYET','HOAN_THANH','DA_HUY')"
POLICY_STAGES = "('DE_XUAT','LAY_Y_KIEN_CS','SOAN_THAO','LAY_Y_KIEN_DT','TRINH','BAN_HANH','THUC_THI')"
CHANNELS = "('DAT_HANG_BAO_CHI','HOP_BAO','CONG_TTDT','MANG_XA_HOI','DOI_THOAI','TAP_HUAN','CNTT','KHAC')"


def upgrade() -> None:
    # Columns are added and dropped in place, never by batch mode's recreate: on SQLite that DROPs
    # the table, which lines, commitments and payments reference (a filled ledger could not migrate).
    op.add_column("policies", sa.Column("document_type", sa.String(length=16), nullable=True))
    op.add_column("policies", sa.Column("large_impact", sa.Boolean(), nullable=True))
    for name in STAGE_DATES:
        op.add_column("policies", sa.Column(name, sa.Date(), nullable=True))

    op.create_table(
        "draft_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["policy_id"], ["policies.id"], name=op.f("fk_draft_comments_policy_id_policies")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_draft_comments_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draft_comments")),
    )
    with op.batch_alter_table("draft_comments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_draft_comments_policy_id"), ["policy_id"], unique=False)

    op.create_table(
        "communication_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("previous_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("decision_no", sa.String(length=64), nullable=True),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("approved_by", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.CheckConstraint(f"status in {PLAN_STATUSES}", name=op.f("ck_communication_plans_status")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_communication_plans_version")),
        sa.ForeignKeyConstraint(["year"], ["fiscal_years.year"], name=op.f("fk_communication_plans_year_fiscal_years")),
        sa.ForeignKeyConstraint(["previous_id"], ["communication_plans.id"], name=op.f("fk_communication_plans_previous_id_communication_plans")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_communication_plans_unit_id_units")),
        sa.ForeignKeyConstraint(["policy_id"], ["policies.id"], name=op.f("fk_communication_plans_policy_id_policies")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_communication_plans")),
        sa.UniqueConstraint("previous_id", name=op.f("uq_communication_plans_previous_id")),
        sa.UniqueConstraint("year", "code", "version", name="uq_communication_plans_year_code_version"),
    )
    with op.batch_alter_table("communication_plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_communication_plans_unit_id"), ["unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_communication_plans_policy_id"), ["policy_id"], unique=False)

    op.create_table(
        "plan_activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("content", sa.String(length=500), nullable=False),
        sa.Column("channel", sa.String(length=24), nullable=False),
        sa.Column("audience", sa.String(length=255), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=False),
        sa.Column("estimated_cost", sa.BigInteger(), nullable=False),
        sa.Column("source_code", sa.String(length=16), nullable=True),
        sa.Column("line_id", sa.Integer(), nullable=True),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.CheckConstraint("estimated_cost >= 0", name=op.f("ck_plan_activities_cost_not_negative")),
        sa.CheckConstraint("end_on >= start_on", name=op.f("ck_plan_activities_dates_in_order")),
        sa.CheckConstraint(f"stage in {POLICY_STAGES}", name=op.f("ck_plan_activities_stage")),
        sa.CheckConstraint(f"channel in {CHANNELS}", name=op.f("ck_plan_activities_channel")),
        sa.ForeignKeyConstraint(["plan_id"], ["communication_plans.id"], name=op.f("fk_plan_activities_plan_id_communication_plans")),
        sa.ForeignKeyConstraint(["source_code"], ["sources.code"], name=op.f("fk_plan_activities_source_code_sources")),
        sa.ForeignKeyConstraint(["line_id"], ["budget_lines.id"], name=op.f("fk_plan_activities_line_id_budget_lines")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_activities")),
        sa.UniqueConstraint("plan_id", "code", name="uq_plan_activities_plan_id_code"),
    )
    with op.batch_alter_table("plan_activities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_activities_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_plan_activities_line_id"), ["line_id"], unique=False)

    if op.get_bind().dialect.name == "sqlite":  # SQLite adds a column with its REFERENCES in place
        op.execute(
            "ALTER TABLE commitments ADD COLUMN activity_id INTEGER"
            " CONSTRAINT fk_commitments_activity_id_plan_activities REFERENCES plan_activities (id)"
        )
    else:
        op.add_column("commitments", sa.Column("activity_id", sa.Integer(), nullable=True))
        op.create_foreign_key(op.f("fk_commitments_activity_id_plan_activities"), "commitments", "plan_activities", ["activity_id"], ["id"])
    op.create_index(op.f("ix_commitments_activity_id"), "commitments", ["activity_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_commitments_activity_id"), table_name="commitments")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f("fk_commitments_activity_id_plan_activities"), "commitments", type_="foreignkey")
    _drop_columns("commitments", ["activity_id"])
    op.drop_table("plan_activities")
    op.drop_table("communication_plans")
    op.drop_table("draft_comments")
    _drop_columns("policies", [*reversed(STAGE_DATES), "large_impact", "document_type"])


def _drop_columns(table: str, names: list[str]) -> None:
    for name in names:
        if op.get_bind().dialect.name == "sqlite":  # in place (SQLite 3.35+), not by recreating the table
            op.execute(f"ALTER TABLE {table} DROP COLUMN {name}")
        else:
            op.drop_column(table, name)
