"""The demo ledger: a ministry with three subordinate units and three provinces, fiscal 2025–2026.

Loaded through the same services as the screens (so every row has its audit event), by the
operator actor ``system``. Amounts are of the size such agencies really spend; everything is
deterministic, so tests can rely on the figures.
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import func, select

from ledger import audit
from ledger.auth import SYSTEM, hash_password
from ledger.budget import add_line_in, adjust_line_in, transfer_in
from ledger.db import Database
from ledger.errors import ValidationError, problem
from ledger.models import BudgetLine, FiscalYear, Policy, Unit, User

DEMO_YEARS = (2025, 2026)

# code, name, kind, parent, chapter
DEMO_UNITS = [
    ("QG", "Toàn quốc (tổng hợp báo cáo truyền thông chính sách)", "national", None, None),
    ("BYT", "Bộ Y tế", "ministry", "QG", "023"),
    ("BYT-VP", "Văn phòng Bộ Y tế", "subunit", "BYT", "023"),
    ("BYT-TT", "Vụ Truyền thông và Thi đua, khen thưởng", "subunit", "BYT", "023"),
    ("BYT-KCB", "Cục Quản lý Khám, chữa bệnh", "subunit", "BYT", "023"),
    ("HNI", "UBND thành phố Hà Nội", "province", "QG", "401"),
    ("HCM", "UBND Thành phố Hồ Chí Minh", "province", "QG", "402"),
    ("DNG", "UBND thành phố Đà Nẵng", "province", "QG", "403"),
]

# code, name, owner
DEMO_POLICIES = [
    ("LUAT-BHYT", "Luật sửa đổi, bổ sung một số điều của Luật Bảo hiểm y tế", "BYT"),
    ("THUOC-LA", "Phòng, chống tác hại của thuốc lá và thuốc lá điện tử", "BYT"),
    ("LUAT-DANSO", "Luật Dân số", "BYT"),
    ("KCB-SO", "Chuyển đổi số trong khám, chữa bệnh (bệnh án điện tử)", "BYT-KCB"),
    ("NQ57", "Nghị quyết 57-NQ/TW về khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số", "QG"),
    ("DE-AN-06", "Đề án 06 về dữ liệu dân cư, định danh và xác thực điện tử", "QG"),
    ("SAP-XEP-DVHC", "Sắp xếp đơn vị hành chính và chính quyền địa phương hai cấp", "QG"),
    ("HNI-THU-DO", "Luật Thủ đô 2024", "HNI"),
    ("HCM-NQ98", "Nghị quyết 98/2023/QH15 về cơ chế đặc thù phát triển TP.HCM", "HCM"),
    ("DNG-NQ136", "Nghị quyết 136/2024/QH15 về chính quyền đô thị và cơ chế đặc thù Đà Nẵng", "DNG"),
]

# description template, category, source, sector, sub-item, amount range (đồng)
LINE_KINDS = [
    ("Đặt hàng báo in, báo điện tử tuyên truyền {policy}", "BAO_CHI", "NSNN", "160-171", "6606", (80_000_000, 600_000_000)),
    ("Đặt hàng phát thanh, truyền hình về {policy}", "BAO_CHI", "NSNN", "160-171", "6608", (150_000_000, 900_000_000)),
    ("Tập huấn kỹ năng truyền thông chính sách, xử lý khủng hoảng truyền thông", "DAO_TAO", "NSNN", "070-085", "6757", (120_000_000, 450_000_000)),
    ("Rà quét, phân tích thông tin trên báo chí và mạng xã hội về {policy}", "CNTT", "NSNN", "340-341", "7054", (400_000_000, 2_800_000_000)),
    ("Thăm dò dư luận xã hội về {policy}", "CNTT", "NSNN", "340-341", "7054", (200_000_000, 900_000_000)),
    ("Hội nghị phổ biến, đối thoại chính sách {policy}", "KHAC", "NSNN", "340-341", "6651", (50_000_000, 250_000_000)),
    ("Chương trình truyền thông tài trợ về {policy}", "BAO_CHI", "XHH", None, None, (100_000_000, 700_000_000)),
    ("Bồi dưỡng phóng viên chuyên trách (tài trợ)", "DAO_TAO", "XHH", None, None, (60_000_000, 300_000_000)),
]

DEMO_USERS = [
    ("admin", "admin", None, "Quản trị hệ thống"),
    ("officer", "officer", "BYT-TT", "Nguyễn Thị Lan (kế toán Vụ Truyền thông)"),
    ("leader", "leader", "QG", "Trần Văn Minh (lãnh đạo)"),
    ("auditor", "auditor", "QG", "Lê Hoàng Nam (kiểm toán)"),
]

# Units that hold lines, with the line kinds they use (indexes into LINE_KINDS).
UNIT_LINES = {
    "BYT": (0, 1, 3, 6),
    "BYT-VP": (2, 5),
    "BYT-TT": (0, 2, 4, 7),
    "BYT-KCB": (3, 5),
    "HNI": (0, 1, 2, 3, 6),
    "HCM": (0, 1, 3, 4, 6),
    "DNG": (0, 2, 3, 5, 7),
}


def _round_amount(rng: random.Random, low: int, high: int) -> int:
    """A plausible budget figure: a multiple of 5 million đồng."""
    return rng.randrange(low // 5_000_000, high // 5_000_000 + 1) * 5_000_000


def is_demo_loadable(db: Database) -> bool:
    """The demo loads only into a ledger with no units, no lines and no users but administrators."""
    with db.read() as session:
        units = session.scalar(select(func.count()).select_from(Unit))
        lines = session.scalar(select(func.count()).select_from(BudgetLine))
        non_admins = session.scalar(select(func.count()).select_from(User).where(User.role != "admin"))
        return not (units or lines or non_admins)


def load_demo(db: Database, password: str = "demo", today: dt.date | None = None) -> dict[str, int]:
    """Load the demo into an empty ledger; returns counts of what was written."""
    if not is_demo_loadable(db):
        raise ValidationError(problem("demo.not_empty"))
    today = today or dt.date.today()
    rng = random.Random(837)
    actor = SYSTEM.username
    counts = {"units": 0, "policies": 0, "users": 0, "lines": 0, "adjustments": 0}
    with db.write() as session:
        for year in DEMO_YEARS:
            if session.get(FiscalYear, year) is None:
                fiscal_year = FiscalYear(year=year, is_open=True)
                session.add(fiscal_year)
                audit.record_change(session, actor, "fiscal_year.open", fiscal_year, None)
        ids: dict[str, int] = {}
        for code, name, kind, parent, chapter in DEMO_UNITS:
            unit = Unit(code=code, name=name, kind=kind, parent_id=ids.get(parent), chapter_code=chapter, commitment_control="block", advance_limit_pct=50)
            session.add(unit)
            audit.record_change(session, actor, "unit.create", unit, None)
            ids[code] = unit.id
            counts["units"] += 1
        for code, name, owner in DEMO_POLICIES:
            policy = Policy(code=code, name=name, owner_unit_id=ids[owner])
            session.add(policy)
            audit.record_change(session, actor, "policy.create", policy, None)
            counts["policies"] += 1
        existing = set(session.scalars(select(User.username)))
        for username, role, unit_code, full_name in DEMO_USERS:
            if username in existing:
                continue
            user = User(username=username, full_name=full_name, role=role, unit_id=ids.get(unit_code) if unit_code else None, password_hash=hash_password(password), is_active=True, is_demo=True)
            session.add(user)
            audit.record_change(session, actor, "user.create", user, None)
            counts["users"] += 1

        policies_for = {
            "BYT": ["LUAT-BHYT", "THUOC-LA", "LUAT-DANSO", "NQ57"],
            "BYT-VP": ["LUAT-BHYT", "NQ57"],
            "BYT-TT": ["THUOC-LA", "LUAT-DANSO", "LUAT-BHYT"],
            "BYT-KCB": ["KCB-SO", "DE-AN-06"],
            "HNI": ["HNI-THU-DO", "SAP-XEP-DVHC", "DE-AN-06"],
            "HCM": ["HCM-NQ98", "SAP-XEP-DVHC", "NQ57"],
            "DNG": ["DNG-NQ136", "SAP-XEP-DVHC", "DE-AN-06"],
        }
        names = dict((c, n) for c, n, _ in DEMO_POLICIES)
        lines_by_year: dict[int, list[BudgetLine]] = {}
        for year in DEMO_YEARS:
            for unit_code, kinds in UNIT_LINES.items():
                for number, kind_index in enumerate(kinds, start=1):
                    template, category, source, sector, sub_item, (low, high) = LINE_KINDS[kind_index]
                    policy_code = rng.choice(policies_for[unit_code])
                    line = add_line_in(
                        session,
                        SYSTEM,
                        code=f"{unit_code}-{year % 100:02d}-{number:02d}",
                        year=year,
                        unit_code=unit_code,
                        description=template.format(policy=names[policy_code]),
                        category=category,
                        source=source,
                        sector_code=sector,
                        sub_item=sub_item,
                        policy_code=policy_code,
                        original_estimate=_round_amount(rng, low, high),
                    )
                    lines_by_year.setdefault(year, []).append(line)
                    counts["lines"] += 1
        for year, lines in lines_by_year.items():
            for index, line in enumerate(lines):
                if index % 4 != 1:
                    continue
                if index % 8 == 1:
                    amount = _round_amount(rng, 10_000_000, 120_000_000)
                else:
                    amount = -_round_amount(rng, 5_000_000, max(5_000_000, line.original_estimate // 4))
                when = min(dt.date(year, 6, 15) + dt.timedelta(days=index), today)
                adjust_line_in(session, SYSTEM, line.id, amount, when, f"{100 + index}/QĐ-{line.code.split('-')[0]}", "Điều chỉnh dự toán giữa năm theo tiến độ thực hiện")
                counts["adjustments"] += 1
        # One transfer between two NSNN lines of the officer's unit: a single decision netting to zero.
        tt_lines = [line for line in lines_by_year[DEMO_YEARS[-1]] if line.code.startswith("BYT-TT-") and line.source_code == "NSNN"]
        when = min(dt.date(DEMO_YEARS[-1], 9, 10), today)
        transfer_in(session, SYSTEM, tt_lines[0].id, tt_lines[1].id, 20_000_000, when, "215/QĐ-BYT", "Điều chuyển kinh phí từ đặt hàng báo chí sang tập huấn")
        counts["adjustments"] += 2
    return counts
