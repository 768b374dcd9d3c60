"""The national-scale demo ledger: 34 provinces, 17 ministries, five fiscal years, N payments.

For dashboards and benchmarks (``python -m ledger demo --scale 1000000``). Same demo users as the
small demo (admin, officer in BYT-TT, leader and auditor at QG, password "demo"); the reference data
(``ledger.demo.national``) come from ``data/national/``.

Everything goes through the store's bulk path (``ledger.store.bulk``): the per-row services are far
too slow for a million payments, and the bulk path checks each row with the same rules and records
the same events. The plan (``ledger.demo.plan``) keeps the rules by construction all the same:

- a commitment's value is what its items total; acceptances never exceed it; a regular payment
  never takes the paid total past the accepted total; advances stay within the unit's limit;
- a line's allocation (estimate + adjustments) is set from what its commitments and direct payments
  need, so the available balance of a ``block`` unit never goes negative, at any point of the year;
  a few ``warn`` units carry one over-commitment each, recorded as the services would
  (``excess_amount`` and a ``control.warning`` event);
- spending on an XHH line stays within the contributions received for it.

Memory stays bounded: only a year's plan of commitments and a few chunks of rows are held. Events
carry a synthetic load clock (midnight of ``today``, or just after the existing head; one
microsecond per event), so the load is deterministic: the same ``payments``, ``seed`` and ``today``
into the same empty ledger give the same rows and the same head hash, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable
from typing import Any

from ledger.demo import plan
from ledger.demo.national import MINISTRIES, PROVINCES, YEARS, Reference, load_reference
from ledger.demo.scale_team import ScaleTeam
from ledger.demo.small import DONORS, LINE_KINDS, PRODUCTS, VENDORS, is_demo_loadable
from ledger.domain import clock
from ledger.domain.errors import ValidationError, problem
from ledger.store.access import SYSTEM
from ledger.store.bulk import BulkWriter
from ledger.store.db import Database
from ledger.store.models import Acceptance, Payment

__all__ = ["MINISTRIES", "PROVINCES", "load_scale_demo"]

MORE_VENDORS = ["Tổng công ty Truyền thông VNPT-Media", "Công ty CP Dịch vụ Công nghệ thông tin FPT", "Viện Xã hội học"]
MORE_DONORS = ["Quỹ Dân số Liên hợp quốc (UNFPA)", "Tổng công ty Bưu điện Việt Nam", "Ngân hàng TMCP Công Thương Việt Nam"]
COURSE_TITLES = [
    "Tập huấn kỹ năng phát ngôn và xử lý khủng hoảng truyền thông",
    "Bồi dưỡng nghiệp vụ truyền thông chính sách cho cán bộ đầu mối",
    "Tập huấn kỹ năng truyền thông số, sản xuất video ngắn",
    "Bồi dưỡng phóng viên chuyên trách về chính sách, pháp luật",
]
STAGES = ("HOACH_DINH", "BAN_HANH", "THUC_THI")
PREFIX = {"order": "DH", "course": "KH", "it_service": "CNTT"}
COUNTED = {
    "units": "units", "fiscal_years": "fiscal_years", "policies": "policies", "users": "users", "press_agencies": "press_agencies",
    "lines": "budget_lines", "adjustments": "adjustments", "commitments": "commitments", "commitment_items": "commitment_items",
    "acceptances": "acceptances", "contributions": "contributions", "payments": "payments", "audit_events": "audit_events",
    "staff_members": "staff_members", "staff_assignments": "staff_assignments", "course_participants": "course_participants",
    "plans": "communication_plans", "plan_activities": "plan_activities",
}


def load_scale_demo(
    db: Database,
    payments: int,
    password: str = "demo",
    seed: int = 837,
    today: dt.date | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Load the national-scale demo with exactly ``payments`` payments into an empty ledger.

    Fiscal years are the five ending with ``today``'s year (the older three closed once written); no date lies
    after ``today``. Returns counts of what was written."""
    if payments < 0:
        raise ValueError("payments must be ≥ 0")
    if not is_demo_loadable(db):
        raise ValidationError(problem("demo.not_empty"))
    today = today or clock.today()
    rng = random.Random(seed)
    with db.write() as session:
        writer = BulkWriter(session, SYSTEM, dt.datetime.combine(today, dt.time()), progress)
        try:
            ref = load_reference(writer, rng, password, seed, today)
            team = ScaleTeam(writer, ref, seed, today)
            team.load_team()
            _spending(writer, ref, rng, payments, today, progress, team)
        except BaseException:
            writer.abort()
            raise
        written = writer.close()
    if progress:
        progress("committed")
    counts = {name: written[table] for name, table in COUNTED.items()}
    counts.update(_close_settled_years(db, ref.settled, today))
    return counts


def _close_settled_years(db: Database, years: list[int], today: dt.date) -> dict[str, int]:
    """The older years, settled, are closed by the year-end run (carry-over and cancellations, by the
    rules of each year), oldest first, each in its transaction, at the load's clock."""
    from sqlalchemy import func, select

    from ledger.services.year_end import apply_year_end
    from ledger.store.models import AuditEvent, BudgetLine, Commitment, Payment

    for year in sorted(years):
        apply_year_end(db, SYSTEM, year, None, f"{year % 100:02d}/QĐ-KS", at=dt.datetime.combine(today, dt.time()))
    with db.read() as session:
        found = {name: session.scalar(select(func.count()).select_from(model)) for name, model in (("lines", BudgetLine), ("commitments", Commitment), ("payments", Payment), ("audit_events", AuditEvent))}
    return {**found, "year_end_runs": len(years)} if years else {}


def _quotas(ref: Reference, rng: random.Random, n_payments: int, years: list[int]) -> tuple[list[tuple[int, str, int]], list[int]]:
    """Lines: every unit below QG, every year; top-level units hold every kind, subunits 3–5 of them.
    Returns the (year, unit code, kind index) of each line and its share of the payments."""
    kinds_of: dict[str, tuple[int, ...]] = {}
    for code, unit in ref.units.items():
        if unit["kind"] in ("ministry", "province"):
            kinds_of[code] = tuple(range(len(LINE_KINDS)))
        elif code == "BYT-TT":
            kinds_of[code] = (0, 2, 4, 7)
        elif unit["kind"] == "subunit":
            kinds_of[code] = tuple(sorted(rng.sample(range(len(LINE_KINDS)), rng.randrange(3, 6))))
    lines: list[tuple[int, str, int]] = []
    weights: list[int] = []
    for year_number, year in enumerate(years):
        for code, kinds in kinds_of.items():
            unit_weight = 3 if ref.units[code]["kind"] != "subunit" else 1
            for kind_index in kinds:
                lines.append((year, code, kind_index))
                weights.append(unit_weight * plan.KIND_WEIGHTS[kind_index] * (80 + 8 * year_number) * rng.randrange(50, 151))
    whole = sum(weights)
    quotas = [n_payments * w // whole for w in weights]
    for index in sorted(range(len(weights)), key=lambda i: (-(n_payments * weights[i] % whole), i))[: n_payments - sum(quotas)]:
        quotas[index] += 1
    return lines, quotas


def _spending(writer: BulkWriter, ref: Reference, rng: random.Random, n_payments: int, today: dt.date, progress, team: ScaleTeam) -> None:
    years = list(range(today.year - YEARS + 1, today.year + 1))
    lines, quotas = _quotas(ref, rng, n_payments, years)
    position = 0
    paid = 0
    over_committed: set[str] = set()
    for year in years:
        window = (dt.date(year, 1, 5), min(dt.date(year, 12, 31), today))
        if window[1] < window[0]:
            window = (window[1], window[1])
        count = 0
        while position + count < len(lines) and lines[position + count][0] == year:
            count += 1
        team.load_plans(year, settled=year in ref.settled)
        year_lines, line_plans = _plan_year(writer, ref, rng, year, years[-1], window, lines[position : position + count], quotas[position : position + count])
        position += count
        voucher = [0]
        for line, (specs, direct) in zip(year_lines, line_plans, strict=True):
            paid += _line_spending(writer, ref, rng, line, specs, direct, window, voucher, 0.6 if year < today.year else 0.25, team)
            # A warn-mode province over-commits its first press line of the latest year (recorded, not refused).
            unit_code = line["_unit"]
            if (year == years[-1] and ref.units[unit_code]["commitment_control"] == "warn" and line["category_code"] == "BAO_CHI"
                    and line["source_code"] == "NSNN" and unit_code not in over_committed):
                over_committed.add(unit_code)
                _over_commit(writer, ref, rng, line, window)
        if progress:
            progress(f"fiscal year {year} done: {paid:,} payments so far")
    assert paid == n_payments, (paid, n_payments)


def _plan_year(writer, ref, rng, year, last_year, window, lines, quotas):
    """Write the lines of ``year`` with their adjustments; returns them with their spending plans."""
    year_lines: list[dict[str, Any]] = []
    line_plans: list[tuple[list[plan.Spec], list[int]]] = []
    numbers: dict[str, int] = {}
    for (_year, unit_code, kind_index), quota in zip(lines, quotas, strict=True):
        template, category, source, sector, sub_item, (low, high) = LINE_KINDS[kind_index]
        policy_code = rng.choice(ref.policies_of.get(ref.root_of[unit_code], []) + ref.national[:2])
        numbers[unit_code] = numbers.get(unit_code, 0) + 1
        line = {
            "year": year, "code": f"{unit_code}-{year % 100:02d}-{numbers[unit_code]:02d}",
            "description": template.format(policy=ref.policy_names[policy_code])[:500], "category_code": category,
            "source_code": source, "sector_code": sector, "sub_item": sub_item, "original_estimate": 0,
        }
        if category == "KHAC":
            specs, direct = [], [rng.randrange(50, 1200) * 100_000 for _ in range(quota)]
        else:
            specs, direct = plan.plan_commitments(rng, category, line["description"], quota, year, last_year, window), []
        need = sum(s.value for s in specs) + sum(direct)
        allocation = plan.round5m(need * 100 // rng.randrange(80, 98)) if need else plan.round5m(rng.randrange(low, high + 1))
        line.update(_unit=unit_code, _policy=policy_code, _need=need, _allocation=allocation, _adjustments=[])
        year_lines.append(line)
        line_plans.append((specs, direct))

    # Adjustments: a supplement from the slack or a reduction on some lines; transfers between two
    # NSNN lines of a unit. The original estimate is what keeps every step at or above the need.
    for line in year_lines:
        draw = rng.random()
        when = min(dt.date(year, 6, 1) + dt.timedelta(days=rng.randrange(120)), window[1])
        slack = line["_allocation"] - line["_need"]
        if draw < 0.15 and slack >= 10_000_000:
            line["_adjustments"].append((rng.randrange(1, slack // 5_000_000 + 1) * 5_000_000, when, None))
        elif draw < 0.25:
            line["_adjustments"].append((-plan.round5m(line["_allocation"] * rng.randrange(5, 20) // 100), when, None))
    by_unit: dict[str, list[dict[str, Any]]] = {}
    for line in year_lines:
        if line["source_code"] == "NSNN":
            by_unit.setdefault(line["_unit"], []).append(line)
    transfers = []
    for unit_code, unit_lines in by_unit.items():
        if len(unit_lines) >= 2 and rng.random() < 0.15:
            source_line, target_line = rng.sample(unit_lines, 2)
            amount = plan.round5m(source_line["_allocation"] * rng.randrange(5, 15) // 100)
            when = min(dt.date(year, 9, 1) + dt.timedelta(days=rng.randrange(60)), window[1])
            key = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            source_line["_adjustments"].append((-amount, when, key))
            target_line["_adjustments"].append((amount, when, key))
            target_line["_allocation"] += amount
            transfers.append((unit_code, key, source_line, target_line, amount, when))
    for line in year_lines:
        line["original_estimate"] = line["_allocation"] - sum(a for a, _w, _k in line["_adjustments"])
        line["_id"] = writer.line({k: v for k, v in line.items() if not k.startswith("_")}, line["_unit"], line["_policy"])
    decision = 100
    for line in year_lines:
        for amount, when, key in line["_adjustments"]:
            if key is None:
                decision += 1
                reason = "Bổ sung dự toán theo tiến độ thực hiện" if amount > 0 else "Giảm dự toán do điều chỉnh kế hoạch truyền thông"
                writer.adjust(line["_id"], amount, when, f"{decision}/QĐ-{ref.root_of[line['_unit']]}", reason)
    for unit_code, key, source_line, target_line, amount, when in transfers:
        decision += 1
        decision_no = f"{decision}/QĐ-{ref.root_of[unit_code]}"
        reason = "Điều chuyển kinh phí giữa các nhiệm vụ truyền thông"
        writer.adjust(source_line["_id"], -amount, when, decision_no, reason, key, "transfer.out")
        writer.adjust(target_line["_id"], amount, when, decision_no, reason, key, "transfer.in")
    return year_lines, line_plans


def _line_spending(writer: BulkWriter, ref: Reference, rng: random.Random, line: dict[str, Any], specs: list[plan.Spec], direct: list[int],
                   window: tuple[dt.date, dt.date], voucher: list[int], close_chance: float, team: ScaleTeam) -> int:
    """Contributions (XHH), commitments with their activity, direct payments; returns the payments made."""
    year, line_code = line["year"], line["code"]
    first_day, last_day = window[0].toordinal(), window[1].toordinal()
    root, unit = ref.root_of[line["_unit"]], ref.units[line["_unit"]]
    payments = 0
    if line["source_code"] == "XHH":
        planned = line["_need"]  # an upper bound of what will be paid on the line
        received = max(-(-planned // 1_000_000) * 1_000_000, line["_allocation"] * rng.choice((70, 80, 100)) // 100 // 1_000_000 * 1_000_000)
        pieces = plan.split(rng, received, rng.choice((1, 2, 3)), 1_000_000) if received else []
        for piece_number, piece in enumerate(pieces):
            when = min(dt.date(year, 1 + 3 * piece_number, 10) + dt.timedelta(days=rng.randrange(40)), window[1])
            if piece_number == 0:
                when = window[0]
            voucher[0] += 1
            writer.contribution(line["_id"], f"XHH-{year}-{voucher[0]:07d}", when, rng.choice(DONORS + MORE_DONORS), piece)
    for number, spec in enumerate(specs, start=1):
        reference = f"{PREFIX[spec.kind]}-{line_code}-{number:03d}"
        sign_day = first_day + rng.randrange(max(1, (last_day - first_day) * 3 // 4 + 1))
        if spec.kind == "course":
            sign_day = max(first_day, min(sign_day, spec.start.toordinal() - rng.randrange(3, 20)))
            activity_start = max(sign_day, spec.end.toordinal())
        else:
            activity_start = sign_day
        activity_start = min(activity_start, last_day)
        agency = vendor = None
        if spec.kind == "order":
            agency = writer.agencies[rng.choice(ref.press_of[root])]
            description = f"{line['description']} (đợt {number})"
        elif spec.kind == "course":
            description = rng.choice(COURSE_TITLES)
        else:
            vendor = rng.choice(VENDORS + MORE_VENDORS)
            description = f"{'Rà quét thông tin' if spec.service == 'RA_QUET' else 'Thăm dò dư luận'} – {vendor}"
        row = {
            "kind": spec.kind, "year": year, "reference": reference, "line_id": line["_id"], "description": description[:500],
            "policy_id": writer.policies[line["_policy"]], "stage_code": rng.choice(STAGES), "press_agency_id": agency, "vendor": vendor,
            "service_type": spec.service, "start_date": spec.start, "end_date": spec.end, "participants": spec.participants,
            "total_value": spec.total_value, "value": spec.value,
            "activity_id": team.activity_for(line["_policy"], year, line["_unit"], spec.kind),
            "topic": team.course_topic() if spec.kind == "course" else None,
        }
        steps: list[tuple[str, int, int]] = []
        ending = "cancel" if spec.fate in ("cancelled", "cancelled_draft") else None
        if spec.fate == "active":
            steps, _accepted, closed = plan.activity(rng, spec.value, spec.payments, unit["advance_limit_pct"], activity_start, last_day, close_chance)
            ending = "close" if closed else None
        activity: list[tuple[type, dict[str, Any]]] = []
        for what, day, amount in steps:
            if what == "NT":
                evidence = "Biên bản nghiệm thu kèm đường dẫn bài viết, lịch phát sóng" if spec.kind == "order" else "Biên bản nghiệm thu"
                record_no = f"NT-{reference}-{sum(1 for model, _ in activity if model is Acceptance) + 1}"
                activity.append((Acceptance, {"record_no": record_no, "date": dt.date.fromordinal(day), "accepted_value": amount, "evidence": evidence}))
                continue
            voucher[0] += 1
            payments += 1
            voucher_no = f"{'TU' if what == 'TAM_UNG' else 'TT'}-{year}-{voucher[0]:07d}"
            activity.append((Payment, {"voucher_no": voucher_no, "date": dt.date.fromordinal(day), "kind": what, "amount": amount}))
        items = [(PRODUCTS[index][0], quantity, PRODUCTS[index][1], price) for index, quantity, price in spec.items]
        signed_on = None if spec.fate == "cancelled_draft" else dt.date.fromordinal(sign_day)
        made = writer.commitment(row, items, signed_on, activity, ending)
        if spec.kind == "course":
            team.attend(made, line["_unit"])
    for amount in direct:
        voucher[0] += 1
        payments += 1
        day = first_day + rng.randrange(max(1, last_day - first_day + 1))
        writer.payment(line["_id"], f"C-{year}-{voucher[0]:07d}", dt.date.fromordinal(day), amount)
    return payments


def _over_commit(writer: BulkWriter, ref: Reference, rng: random.Random, line: dict[str, Any], window: tuple[dt.date, dt.date]) -> None:
    """An order signed over the line's available balance (the bulk path records the excess and its warning)."""
    excess = rng.randrange(2, 10) * 5_000_000
    value = writer.available(line["_id"]) + excess
    sign_day = max(window[0].toordinal(), window[1].toordinal() - rng.randrange(30))
    row = {
        "kind": "order", "year": line["year"], "reference": f"DH-{line['code']}-VUOT", "line_id": line["_id"],
        "description": f"{line['description']} (đợt cao điểm, vượt dự toán, chờ bổ sung)"[:500], "policy_id": writer.policies[line["_policy"]],
        "stage_code": "THUC_THI", "press_agency_id": writer.agencies[ref.press_of[ref.root_of[line["_unit"]]][0]], "vendor": None,
        "service_type": None, "start_date": None, "end_date": None, "participants": None, "total_value": value, "value": value,
    }
    writer.commitment(row, signed_on=dt.date.fromordinal(sign_day))
