"""Payments: a covering index for the dashboard's per-line sums (paid, and paid outside commitments) and monthly sums,
so that a year's aggregate reads the index alone instead of visiting every payment row.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index("ix_payments_year_line_amount")
        batch_op.create_index("ix_payments_year_line_amount", ["year", "line_id", "date", "amount", "commitment_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index("ix_payments_year_line_amount")
        batch_op.create_index("ix_payments_year_line_amount", ["year", "line_id", "amount"], unique=False)
