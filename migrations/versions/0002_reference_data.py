"""Reference data: categories, sources, policy stages and the budget classification codes.

These are catalogues of the spec (`ledger-workbook.md`) and of DOMAIN.md; the mapping of
activities to budget codes is editable reference data, seeded here for the 2017–2025 list
(Circular 324/2016/TT-BTC) and the list in force from 2026 (Circular 130/2025/TT-BTC).

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ledger.domain import codes

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The code lists live in ledger.domain.codes (one place); the sort order is their order there.
CATEGORIES = [(code, vi, en, n) for n, (code, (vi, en)) in enumerate(codes.CATEGORIES.items(), start=1)]
SOURCES = [(code, vi, en, n) for n, (code, (vi, en)) in enumerate(codes.SOURCES.items(), start=1)]
STAGES = [(code, vi, en, n) for n, (code, (vi, en)) in enumerate(codes.STAGES.items(), start=1)]
SECTORS = [
    ("160-171", "Thông tin và báo chí"),
    ("070-085", "Đào tạo lại, bồi dưỡng nghiệp vụ cán bộ, công chức, viên chức"),
    ("340-341", "Hoạt động quản lý nhà nước"),
]
SUB_ITEMS = [
    ("6606", "Tuyên truyền"),
    ("6608", "Phim ảnh, ấn phẩm truyền thông"),
    ("6651", "Hội nghị: in, mua tài liệu"),
    ("6652", "Hội nghị: bồi dưỡng giảng viên, báo cáo viên"),
    ("6653", "Hội nghị: tiền vé máy bay, tàu xe"),
    ("6654", "Hội nghị: tiền thuê phòng ngủ"),
    ("6655", "Hội nghị: thuê hội trường, phương tiện vận chuyển"),
    ("6756", "Chi phí thuê mướn: chuyên gia và giảng viên nước ngoài"),
    ("6757", "Chi phí thuê mướn: giảng viên trong nước"),
    ("6758", "Chi phí thuê mướn: đào tạo lại cán bộ"),
    ("7012", "Chi hoạt động chuyên môn"),
    ("7053", "Mua, thuê phần mềm"),
    ("7054", "Dịch vụ công nghệ thông tin"),
]
LISTS = [(2017, 2025), (2026, None)]


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
    op.bulk_insert(
        codes,
        [
            {"kind": kind, "code": code, "label_vi": label, "valid_from": start, "valid_to": end}
            for start, end in LISTS
            for kind, rows in (("sector", SECTORS), ("sub_item", SUB_ITEMS))
            for code, label in rows
        ],
    )


def downgrade() -> None:
    for name in ("budget_codes", "stages", "sources", "categories"):
        op.execute(sa.text(f"DELETE FROM {name}"))
