"""The report to the Ministry: report versions, settings, trusted keys, received packages.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _unit_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f(f"fk_{table}_unit_id_units"))


def upgrade() -> None:
    # New tables only: nothing existing is altered.
    op.create_table(
        "report_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("addressee", sa.String(length=255), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("place", sa.String(length=64), nullable=False),
        sa.Column("signer_title", sa.String(length=255), nullable=False),
        sa.Column("signer_name", sa.String(length=255), nullable=False),
        sa.Column("recipients", sa.Text(), nullable=False),
        sa.Column("difficulties", sa.Text(), nullable=False),
        sa.Column("proposals", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        _unit_fk("report_settings"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_settings")),
        sa.UniqueConstraint("unit_id", "year", name="uq_report_settings_unit_id_year"),
    )
    op.create_table(
        "report_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("audit_seq", sa.Integer(), nullable=False),
        sa.Column("audit_hash", sa.String(length=64), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("submitted_by", sa.String(length=64), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=True),
        sa.Column("received_by", sa.String(length=64), nullable=True),
        sa.CheckConstraint("state in ('DA_NOP','DA_TIEP_NHAN')", name=op.f("ck_report_versions_state")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_report_versions_version")),
        _unit_fk("report_versions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_versions")),
        sa.UniqueConstraint("unit_id", "year", "version", name="uq_report_versions_unit_id_year_version"),
    )
    op.create_index(op.f("ix_report_versions_unit_id"), "report_versions", ["unit_id"], unique=False)
    op.create_table(
        "trusted_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        _unit_fk("trusted_keys"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trusted_keys")),
        sa.UniqueConstraint("unit_id", name=op.f("uq_trusted_keys_unit_id")),
    )
    op.create_table(
        "received_packages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("received_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["version_id"], ["report_versions.id"], name=op.f("fk_received_packages_version_id_report_versions")),
        _unit_fk("received_packages"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_received_packages")),
        sa.UniqueConstraint("version_id", name=op.f("uq_received_packages_version_id")),
        sa.UniqueConstraint("content_hash", name=op.f("uq_received_packages_content_hash")),
    )


def downgrade() -> None:
    op.drop_table("received_packages")
    op.drop_table("trusted_keys")
    op.drop_index(op.f("ix_report_versions_unit_id"), table_name="report_versions")
    op.drop_table("report_versions")
    op.drop_table("report_settings")
