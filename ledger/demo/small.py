"""The demo ledger: a ministry with three subordinate units and three provinces, fiscal 2025–2026.

Loaded through the same services as the screens (so every row is checked as an officer's would be
and has its audit event), by the operator actor ``system``, in one write transaction. Its units,
policies, users and press agencies are the files of ``data/demo/``. Amounts are of the size such
agencies really spend; everything is deterministic, so tests can rely on the figures.
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import func, select

from ledger.demo import team_plans
from ledger.demo.reports import submit_small
from ledger.domain import clock
from ledger.domain.errors import ValidationError, problem
from ledger.domain.reference_files import columns
from ledger.domain.rules import year_portion
from ledger.domain.year_end import may_run_year_end
from ledger.services import commitments, payments, press
from ledger.services.budget import add_line_in, adjust_line_in, transfer_in
from ledger.services.reference import create_policy_in, create_unit_in, open_year_in
from ledger.services.users import create_user_in
from ledger.services.year_end import apply_year_end
from ledger.store.access import SYSTEM
from ledger.store.balances import commitment_balance, line_balance
from ledger.store.db import Database
from ledger.store.models import BudgetLine, FiscalYear, Unit, User

DEMO_YEARS = (2025, 2026)

# The demo's units (with their commitment control), policies, users and press agencies: data/demo/.
DEMO_UNITS = [(code, name, kind, parent or None, chapter or None, control) for code, name, kind, parent, chapter, control
              in columns("demo/units.csv", ("code", "name", "kind", "parent", "chapter_code", "commitment_control"))]
DEMO_POLICIES = columns("demo/policies.csv", ("code", "name", "owner"))
DEMO_PRESS_AGENCIES = columns("demo/press_agencies.csv", ("code", "name", "media_type", "governing_body", "level"))
DEMO_USERS = [(username, role, unit or None, full_name) for username, role, unit, full_name in columns("demo/users.csv", ("username", "role", "unit", "full_name"))]

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


# Units that hold lines, with the line kinds they use (indexes into LINE_KINDS).
UNIT_LINES = {
    "BYT": (0, 1, 3, 6),
    "BYT-VP": (0, 2, 5),
    "BYT-TT": (0, 2, 4, 7),
    "BYT-KCB": (3, 4, 5),
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


def load_full_demo(db: Database, password: str = "demo") -> dict[str, int]:
    """The demo a person sees (the command line's ``demo`` and the set-up screen's): the ledger, its
    communication team and plans, and 2025 closed by the year-end run."""
    return load_demo(db, password=password, year_end=True, team_and_plans=True)


def load_demo(db: Database, password: str = "demo", today: dt.date | None = None, *, year_end: bool = False, team_and_plans: bool = False) -> dict[str, int]:
    """Load the demo into an empty ledger; returns counts of what was written. With ``team_and_plans``
    (the command line's demo), the communication team, the policies' timelines and the plans of
    ``ledger.demo.team_plans`` too (before the year end: a plan needs its year open). With
    ``year_end`` (the command line's demo), 2025 is then closed by the year-end run, once its closing
    period is over: a supplement added after 30/09 carries over into 2026, the rest is cancelled."""
    if not is_demo_loadable(db):
        raise ValidationError(problem("demo.not_empty"))
    today = today or clock.today()
    rng = random.Random(837)
    counts = {"units": 0, "policies": 0, "users": 0, "lines": 0, "adjustments": 0}
    with db.write() as session:
        for year in DEMO_YEARS:
            if session.get(FiscalYear, year) is None:  # the first administrator opened the current year
                open_year_in(session, SYSTEM, year)
        for code, name, kind, parent, chapter, control in DEMO_UNITS:
            create_unit_in(session, SYSTEM, code=code, name=name, kind=kind, parent_code=parent, chapter_code=chapter, commitment_control=control)
            counts["units"] += 1
        for code, name, owner in DEMO_POLICIES:
            create_policy_in(session, SYSTEM, code, name, owner)
            counts["policies"] += 1
        existing = set(session.scalars(select(User.username)))
        for username, role, unit_code, full_name in DEMO_USERS:
            if username not in existing:  # an administrator of the same name is kept
                create_user_in(session, SYSTEM, username, role, password, unit_code, full_name, is_demo=True)
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
        counts.update(_load_spending(session, rng, lines_by_year, today))
        if team_and_plans:
            counts.update(team_plans.load_team(session, today))
            counts.update(team_plans.load_plans(session, today))
        if year_end and may_run_year_end(DEMO_YEARS[0], today):
            closing = _close_first_year(session, lines_by_year[DEMO_YEARS[0]])
            counts["lines"] += closing.pop("lines_carried")  # the 2026 lines its carry-over opened
            counts.update(closing)
        counts["reports"] = submit_small(session, today)
    return counts


def _close_first_year(session, lines: list[BudgetLine]) -> dict[str, int]:
    """The year-end run of the demo's first year, after a supplement on 20/10 (it carries over)."""
    year = DEMO_YEARS[0]
    supplemented = next(line for line in lines if line.code.startswith("BYT-TT-") and line.source_code == "NSNN")
    adjust_line_in(session, SYSTEM, supplemented.id, 60_000_000, dt.date(year, 10, 20), "312/QĐ-BYT", "Bổ sung kinh phí tuyên truyền cuối năm")
    run = apply_year_end.in_session(session, SYSTEM, year, None, f"45/QĐ-BYT-KS{year}")
    opened = session.scalar(select(func.count()).select_from(BudgetLine).where(BudgetLine.carried_from_id.is_not(None)))
    return {"adjustments_year_end": 1, "year_end_runs": 1 if run else 0, "lines_carried": opened}


PRESS_BY_UNIT = {
    "BYT": ["NHANDAN", "VTV", "VOV", "SKDS", "VIETNAMPLUS"],
    "BYT-TT": ["SKDS", "VNEXPRESS", "THANHNIEN", "TCCS"],
    "HNI": ["HANOIMOI", "HANOITV", "NHANDAN"],
    "HCM": ["TUOITRE", "HTV", "THANHNIEN"],
    "DNG": ["BAODANANG", "VOV", "TTXVN"],
}
PRODUCTS = [
    ("Bài viết chuyên đề", "bài", (4_000_000, 15_000_000)),
    ("Phóng sự truyền hình", "phóng sự", (25_000_000, 60_000_000)),
    ("Tọa đàm trực tuyến", "chương trình", (40_000_000, 90_000_000)),
    ("Tin phát thanh", "tin", (1_500_000, 4_000_000)),
    ("Infographic, video ngắn", "sản phẩm", (6_000_000, 20_000_000)),
]
VENDORS = ["Công ty CP Công nghệ Reputa", "Viettel Cyberspace Center", "Công ty CP Truyền thông VCCorp", "Trung tâm Nghiên cứu dư luận xã hội"]
SERVICE_FOR_KIND = {3: "RA_QUET", 4: "THAM_DO"}
DONORS = ["Tổ chức Y tế Thế giới (WHO)", "Quỹ Nhi đồng Liên hợp quốc (UNICEF)", "Tổng công ty Viễn thông MobiFone", "Ngân hàng TMCP Ngoại thương Việt Nam"]


def _load_spending(session, rng: random.Random, lines_by_year: dict[int, list[BudgetLine]], today: dt.date) -> dict[str, int]:
    """Orders, courses, IT contracts, contributions and payments on every demo line, through the services."""
    counts = {"press_agencies": 0, "commitments": 0, "payments": 0, "acceptances": 0, "contributions": 0}
    for code, name, media, governing, level in DEMO_PRESS_AGENCIES:
        press.create_press_agency.in_session(session, SYSTEM, code, name, media, governing, level)
        counts["press_agencies"] += 1
    # Da Nang runs commitment control in warn mode (data/demo/units.csv): its excess below is recorded, not refused.

    def day(year: int, month: int, dom: int) -> dt.date:
        return min(dt.date(year, month, dom), today)

    voucher = iter(range(1, 10_000))
    for year, lines in lines_by_year.items():
        last_month = 10 if year == today.year else 12
        for line in lines:
            unit_code = line.code.rsplit("-", 2)[0]
            available = line_balance(session, line.id).available
            if line.source_code == "XHH":
                received = available * rng.choice((70, 80, 100)) // 100 // 1_000_000 * 1_000_000
                payments.record_contribution.in_session(
                    session, SYSTEM, year=year, voucher_no=f"XHH-{year}-{next(voucher):04d}", line=line.id,
                    date=day(year, 2, 10 + rng.randrange(15)), donor=rng.choice(DONORS), amount=received,
                )
                counts["contributions"] += 1
                available = min(available, received)
            if line.category_code == "BAO_CHI":
                agencies = PRESS_BY_UNIT.get(unit_code, ["NHANDAN", "VTV", "VOV"])
                for number in range(1, rng.choice((2, 3)) + 1):
                    budget = available // (4 - number) if number < 3 else available
                    items = []
                    for product, unit_name, (low, high) in rng.sample(PRODUCTS, 2):
                        price = _round_amount(rng, low, high) if high >= 10_000_000 else rng.randrange(low // 100_000, high // 100_000) * 100_000
                        quantity = max(1, min(20, budget // 2 // max(price, 1)))
                        items.append({"product": product, "quantity": quantity, "unit_of_measure": unit_name, "unit_price": price})
                    value = sum(i["quantity"] * i["unit_price"] for i in items)
                    if value > available or value <= 0:
                        continue
                    order = commitments.create_order.in_session(
                        session, SYSTEM, year=year, reference=f"DH-{line.code}-{number}", line=line.id,
                        press_agency=rng.choice(agencies), description=f"{line.description} (đợt {number})",
                        stage=rng.choice(("HOACH_DINH", "BAN_HANH", "THUC_THI")), items=items,
                    )
                    counts["commitments"] += 1
                    available -= value
                    _run_commitment(session, order, year, rng, voucher, counts, day, last_month)
            elif line.category_code == "DAO_TAO":
                cost = available * rng.choice((60, 75, 90)) // 100 // 1_000_000 * 1_000_000
                start = day(year, rng.randrange(3, last_month), 5)
                course = commitments.create_course.in_session(
                    session, SYSTEM, year=year, reference=f"KH-{line.code}", line=line.id,
                    title="Tập huấn kỹ năng phát ngôn và xử lý khủng hoảng truyền thông", start_date=start,
                    end_date=start + dt.timedelta(days=2), participants=rng.randrange(30, 120), cost=cost,
                    stage="THUC_THI",
                )
                counts["commitments"] += 1
                _run_commitment(session, course, year, rng, voucher, counts, day, last_month)
            elif line.category_code == "CNTT":
                service = "RA_QUET" if "Rà quét" in line.description else "THAM_DO"
                start, end = dt.date(year, 3, 1), dt.date(year, 12, 31)
                if service == "RA_QUET" and year == min(lines_by_year):
                    end = dt.date(year + 1, 2, 28)  # a monitoring contract running into the next year
                total = available * rng.choice((80, 95)) // 100 // 1_000_000 * 1_000_000
                portion = year_portion(total, start, end, year)
                if portion > available:
                    total = total * available // portion
                contract = commitments.create_it_contract.in_session(
                    session, SYSTEM, year=year, reference=f"CNTT-{line.code}", line=line.id, vendor=rng.choice(VENDORS),
                    service_type=service, stage=rng.choice(("BAN_HANH", "THUC_THI")), start_date=start, end_date=end,
                    value=total,
                )
                counts["commitments"] += 1
                _run_commitment(session, contract, year, rng, voucher, counts, day, last_month)
            else:
                for month in sorted(rng.sample(range(2, last_month + 1), 3)):
                    amount = available // 4 // 100_000 * 100_000
                    if amount <= 0:
                        break
                    payments.record_payment.in_session(
                        session, SYSTEM, year=year, voucher_no=f"C-{year}-{next(voucher):04d}", date=day(year, month, 20),
                        kind="THANH_TOAN", line=line.id, amount=amount,
                    )
                    available -= amount
                    counts["payments"] += 1

    # The special cases every demo should show.
    last_year = max(lines_by_year)
    hcm_press = next(line for line in lines_by_year[last_year] if line.code.startswith("HCM-") and line.category_code == "BAO_CHI")
    cancelled = commitments.create_order.in_session(
        session, SYSTEM, year=last_year, reference="DH-HCM-HUY", line=hcm_press.id, press_agency="TUOITRE",
        description="Chuyên trang Nghị quyết 98 (hủy do điều chỉnh kế hoạch)", value=45_000_000, stage="THUC_THI",
    )
    commitments.sign.in_session(session, SYSTEM, cancelled.id, day(last_year, 4, 2))
    commitments.cancel.in_session(session, SYSTEM, cancelled.id, "Điều chỉnh kế hoạch truyền thông, không thực hiện")
    counts["commitments"] += 1
    dng_press = next(line for line in lines_by_year[last_year] if line.code.startswith("DNG-") and line.category_code == "BAO_CHI")
    over = line_balance(session, dng_press.id).available + 15_000_000
    excess_order = commitments.create_order.in_session(
        session, SYSTEM, year=last_year, reference="DH-DNG-VUOT", line=dng_press.id, press_agency="BAODANANG",
        description="Tuyên truyền Nghị quyết 136 dịp cao điểm (vượt dự toán, chờ bổ sung)", value=over, stage="THUC_THI",
    )
    commitments.sign.in_session(session, SYSTEM, excess_order.id, day(last_year, 9, 15))
    counts["commitments"] += 1
    return counts


def _run_commitment(session, commitment, year, rng, voucher, counts, day, last_month) -> None:
    """Sign, then (by chance) advance, accept in part or in full, pay, and close out."""
    commitments.sign.in_session(session, SYSTEM, commitment.id, day(year, 2, 15 + rng.randrange(10)))
    fate = rng.random()
    if fate < 0.15:
        return  # signed, nothing done yet
    if fate < 0.45:
        advance = commitment.value * rng.choice((20, 30, 50)) // 100 // 1000 * 1000
        payments.record_payment.in_session(
            session, SYSTEM, year=year, voucher_no=f"TU-{year}-{next(voucher):04d}", date=day(year, 3, 10),
            kind="TAM_UNG", commitment=commitment.id, amount=advance,
        )
        counts["payments"] += 1
        if fate < 0.3:
            return  # an advance still outstanding
    share = rng.choice((50, 80, 100, 100))
    accepted = commitment.value * share // 100
    accept_month = min(last_month, 6 + rng.randrange(4))
    commitments.accept.in_session(
        session, SYSTEM, commitment.id, f"NT-{commitment.reference}", day(year, accept_month, 12), accepted,
        "Biên bản nghiệm thu kèm đường dẫn bài viết, lịch phát sóng" if commitment.kind == "order" else "Biên bản nghiệm thu",
    )
    counts["acceptances"] += 1
    payable = commitment_balance(session, commitment).payable
    if payable > 0:
        payments.record_payment.in_session(
            session, SYSTEM, year=year, voucher_no=f"TT-{year}-{next(voucher):04d}", date=day(year, accept_month, 25),
            kind="THANH_TOAN", commitment=commitment.id, amount=payable,
        )
        counts["payments"] += 1
    if share < 100 and rng.random() < 0.6:
        commitments.close.in_session(session, SYSTEM, commitment.id, "Thanh lý hợp đồng theo khối lượng thực tế nghiệm thu")
