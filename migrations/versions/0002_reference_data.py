"""Reference data: categories, sources, policy stages and the budget classification codes.

These are catalogues of the spec (`ledger-workbook.md`) and of DOMAIN.md; the mapping of
activities to budget codes is editable reference data, seeded from ``data/budget-codes/`` (the
2017–2025 list of Circular 324/2016/TT-BTC and the list in force from 2026 of Circular
130/2025/TT-BTC, one CSV file each).

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ledger.domain import codes, reference_files

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The code lists live in ledger.domain.codes (one place); the sort order is their order there.
CATEGORIES = [(code, vi, en, n) for n, (code, (vi, en)) in enumerate(codes.CATEGORIES.items(), start=1)]
SOURCES = [(code, vi, en, n) for n, (code, (vi, en)) in enumerate(codes.SOURCES.items(), start=1)]
STAGES = [(code, vi, en, n) for n, (code, (vi, en)) in enumerate(codes.STAGES.items(), start=1)]


def upgrade() -> None:
    catalogue = sa.table(
        "x",
        sa.column("code", sa.String),
        sa.column("label_vi", sa.String),
        sa.column("label_en", sa.String),
        sa.column("sort_order", sa.Integer),
    )
    for name, rows in (("categories", CATEGORIES), ("sources", SOURCES), ("stages", STAGES)):
        catalogue.name = name
        op.bulk_insert(catalogue, [dict(zip(("code", "label_vi", "label_en", "sort_order"), r, strict=True)) for r in rows])
    codes = sa.table(
        "budget_codes",
        sa.column("kind", sa.String),
        sa.column("code", sa.String),
        sa.column("label_vi", sa.String),
        sa.column("valid_from", sa.Integer),
        sa.column("valid_to", sa.Integer),
    )
    # The budget classification of each circular, from the files a finance officer keeps in data/.
    op.bulk_insert(codes, reference_files.budget_codes())


def downgrade() -> None:
    for name in ("budget_codes", "stages", "sources", "categories"):
        op.execute(sa.text(f"DELETE FROM {name}"))
