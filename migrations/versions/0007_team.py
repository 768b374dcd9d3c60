"""The communication team: staff assignments, course participants, course topics (letter 837, item 1).

Staff members (code, name, unit: nothing more of a person), their assignments (role and mode in a
unit from a day to a day), the attendance list of each course, and a course's topic on commitments.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("full_name", sa.String(length=255), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_staff_members_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_members")),
        sa.UniqueConstraint("code", name=op.f("uq_staff_members_code")),
    )
    with op.batch_alter_table("staff_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_members_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "staff_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("decision", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "role in ('PHAT_NGON','UY_QUYEN_PHAT_NGON','TRUYEN_THONG','KHUNG_HOANG')", name=op.f("ck_staff_assignments_role")
        ),
        sa.CheckConstraint("mode in ('CHUYEN_TRACH','KIEM_NHIEM')", name=op.f("ck_staff_assignments_mode")),
        sa.CheckConstraint("end_date is null or end_date >= start_date", name=op.f("ck_staff_assignments_dates")),
        sa.ForeignKeyConstraint(["member_id"], ["staff_members.id"], name=op.f("fk_staff_assignments_member_id_staff_members")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_staff_assignments_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_assignments")),
    )
    with op.batch_alter_table("staff_assignments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_assignments_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_staff_assignments_unit_id"), ["unit_id"], unique=False)
        batch_op.create_index("ix_staff_assignments_unit_dates", ["unit_id", "start_date", "end_date"], unique=False)

    op.create_table(
        "course_participants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Boolean(), nullable=False),
        sa.Column("certificate_no", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["course_id"], ["commitments.id"], name=op.f("fk_course_participants_course_id_commitments")),
        sa.ForeignKeyConstraint(["member_id"], ["staff_members.id"], name=op.f("fk_course_participants_member_id_staff_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_participants")),
        sa.UniqueConstraint("course_id", "member_id", name="uq_course_participants_course_member"),
    )
    with op.batch_alter_table("course_participants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_course_participants_course_id"), ["course_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_course_participants_member_id"), ["member_id"], unique=False)

    # In place, not in batch mode: on SQLite a batch recreates ``commitments``, which other tables
    # reference, and fails on a ledger that has data.
    op.add_column("commitments", sa.Column("topic", sa.String(length=32), nullable=True))
    op.create_index("ix_commitments_kind_end_date", "commitments", ["kind", "end_date"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_commitments_kind_end_date", table_name="commitments")
    if op.get_bind().dialect.name == "sqlite":  # in place (SQLite 3.35+), not by recreating the table
        op.execute("ALTER TABLE commitments DROP COLUMN topic")
    else:
        op.drop_column("commitments", "topic")
    op.drop_table("course_participants")
    op.drop_table("staff_assignments")
    op.drop_table("staff_members")
