"""The national-scale demo's communication team and plans (issues 11 and 12), through the bulk path.

Every unit gets a team (a spokesperson in most units, dedicated and part-time officers, some with
ended assignments); each course gets a topic and, most of them, an attendance list drawn from its
unit's subtree; the policies get a timeline (the small demo's from ``data/demo/policy_timelines.csv``,
the others made up here, about two in three of large social impact); each year a share of the
policies gets a plan of its owner unit, with activities across the stages, approved (completed for
the settled years); a commitment of such a policy and year, on a line of the plan's unit tree,
carries out the activity of its kind's channel.

Its own random generator (seeded from the load's seed): the ledger's rows are those the load
writes without it, so the same ``payments``, ``seed`` and ``today`` still give the same head hash.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from ledger.demo.team_plans import CHANNEL_OF_KIND, TIMELINE_COLUMNS, TIMELINES
from ledger.domain.formatting import parse_date
from ledger.domain.policy_stages import STAGE_COLUMNS, STAGE_ORDER
from ledger.store.bulk import BulkWriter

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
MIDDLE = ["Văn", "Thị", "Hữu", "Minh", "Thu", "Quốc", "Thanh", "Ngọc", "Đức", "Kim"]
GIVEN = ["An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng", "Lan", "Linh", "Long", "Mai", "Nam", "Phúc", "Quang", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Yến"]
TOPICS = ["TRUYEN_THONG_CS"] * 8 + ["KHUNG_HOANG"] * 6 + ["PHAT_NGON"] * 3 + ["CONG_NGHE", "CONG_NGHE", "KHAC"]
OTHER_CHANNELS = ["HOP_BAO", "CONG_TTDT", "MANG_XA_HOI", "DOI_THOAI"]
PLAN_SHARE = 0.4  # of the policies, each year
NO_SPOKESPERSON = 0.08  # of the units


def _flag(text: str) -> bool | None:
    return {"CO": True, "KHONG": False}.get(text)


DEMO_PROFILES = {
    code: {"document_type": row[0] or None, "large_impact": _flag(row[1]),
           **{column: parse_date(value)[0] if value else None for column, value in zip(TIMELINE_COLUMNS[2:], row[2:], strict=True)}}
    for code, *row in TIMELINES
}


def policy_profile(code: str, number: int, year: int, province: bool) -> dict[str, Any]:
    """A timeline for the ``number``-th policy of the load: the small demo's own, or one made up from
    its number (stages six weeks apart from a proposal within the two years before ``year``)."""
    if code in DEMO_PROFILES:
        return DEMO_PROFILES[code]
    kinds = ["NGHI_QUYET_HDND", "QUYET_DINH", "KHAC"] if province else ["LUAT", "NGHI_DINH", "QUYET_DINH", "THONG_TU"]
    start = dt.date(year - 2 + number % 2, 1 + number % 12, 1)
    reached = 3 + number % 5  # how many stages have started
    dates = {column: start + dt.timedelta(days=45 * index) for index, column in enumerate(STAGE_COLUMNS.values()) if index < reached}
    return {"document_type": kinds[number % len(kinds)], "large_impact": number % 3 != 2, **dates}


class ScaleTeam:
    """The team and plans of one scale load: written through ``writer``, read by the spending."""

    def __init__(self, writer: BulkWriter, ref, seed: int, today: dt.date):
        self.writer, self.ref, self.today = writer, ref, today
        self.rng = random.Random(seed * 7919 + 12)
        self.members: dict[str, list[int]] = {}  # unit code -> the people of its subtree
        self.plans: dict[tuple[str, int], tuple[int, dict[str, int]]] = {}  # (policy, year) -> plan unit id, activity per channel
        self.certificates = 0

    # --- the team -----------------------------------------------------------------------------------

    def load_team(self) -> None:
        rng, today = self.rng, self.today
        for code in self.ref.units:
            people = rng.randrange(2, 7)
            has_spokesperson = rng.random() >= NO_SPOKESPERSON
            for number in range(1, people + 1):
                name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
                member = self.writer.member(f"NS-{code}-{number:02d}", name, code)
                start = min(today, dt.date(today.year - rng.randrange(0, 4), rng.randrange(1, 13), 1))
                role = "PHAT_NGON" if number == 1 and has_spokesperson else rng.choice(("TRUYEN_THONG", "TRUYEN_THONG", "KHUNG_HOANG", "UY_QUYEN_PHAT_NGON"))
                mode = "CHUYEN_TRACH" if rng.random() < 0.45 else "KIEM_NHIEM"
                end = None
                if rng.random() < 0.1:
                    end = min(today, start + dt.timedelta(days=rng.randrange(90, 700)))
                self.writer.assignment(member, code, role, mode, start, end, "Chuyên viên" if number > 1 else "Lãnh đạo đơn vị", f"{number}/QĐ-{self.ref.root_of[code]}")
                for holder in {code, self.ref.root_of[code], "QG"}:
                    self.members.setdefault(holder, []).append(member)

    def course_topic(self) -> str:
        return self.rng.choice(TOPICS)

    def attend(self, course_id: int, unit_code: str) -> None:
        """Most courses list some of the people of their unit's subtree (a few completed nothing)."""
        if self.writer.courses[course_id][1] == "cancelled":
            return
        people = self.members.get(unit_code, [])
        count = min(len(people), self.rng.randrange(0, 5))
        for member in self.rng.sample(people, count):
            completed = self.rng.random() < 0.8
            self.certificates += completed
            self.writer.participant(course_id, member, completed, f"GCN-{self.certificates:07d}" if completed else "")

    # --- plans ----------------------------------------------------------------------------------------

    def load_plans(self, year: int, settled: bool) -> None:
        """The plans of ``year``: a share of the policies, each of its owner unit."""
        rng, today = self.rng, self.today
        for code, owner in self.ref.owner_of.items():
            if rng.random() >= PLAN_SHARE:
                continue
            early = rng.random() < 0.6  # its communication started at the proposal
            first = 0 if early else rng.randrange(2, len(STAGE_ORDER))
            stages = [STAGE_ORDER[i] for i in sorted([first, *(rng.randrange(first, len(STAGE_ORDER)) for _ in range(3))])]
            channels = ["DAT_HANG_BAO_CHI", "TAP_HUAN", "CNTT", rng.choice(OTHER_CHANNELS)]
            activities = []
            for number, channel in enumerate(channels, start=1):
                start = dt.date(year, 1 + 3 * (number - 1), 1 + rng.randrange(20))
                end = min(dt.date(year, 12, 31), start + dt.timedelta(days=rng.randrange(30, 120)))
                done = end if settled and end <= today else None
                activities.append({
                    "code": f"HD-{number:02d}", "stage": stages[number - 1], "channel": channel,
                    "content": f"{'Đặt hàng báo chí' if channel == 'DAT_HANG_BAO_CHI' else 'Hoạt động truyền thông'} về {self.ref.policy_names[code]}"[:500],
                    "audience": "Người dân", "start_on": start, "end_on": end, "estimated_cost": rng.randrange(10, 200) * 5_000_000, "done_on": done,
                })
            approved_on = dt.date(year, 1, 15)
            ending = "HOAN_THANH" if settled else ("DU_THAO" if approved_on > today or rng.random() < 0.1 else "DA_DUYET")
            unit = self.ref.units[owner]
            plan = {"code": f"KH-{code}-{year % 100:02d}"[:32], "year": year, "unit_id": unit["id"], "policy_id": self.writer.policies[code],
                    "title": f"Kế hoạch truyền thông {self.ref.policy_names[code]} năm {year}"[:500], "decision_no": f"{rng.randrange(1, 400)}/QĐ-{self.ref.root_of[owner]}",
                    "approved_on": approved_on}
            made = self.writer.plan(plan, activities, ending)
            self.plans[(code, year)] = (unit["id"], {channel: made[a["code"]] for channel, a in zip(channels, activities, strict=True)})

    def activity_for(self, policy: str, year: int, unit_code: str, kind: str) -> int | None:
        """The activity a commitment of ``kind`` on a line of ``unit_code`` carries out, if any."""
        found = self.plans.get((policy, year))
        if found is None or not self.writer.within(self.ref.units[unit_code]["id"], found[0]):
            return None
        return found[1].get(CHANNEL_OF_KIND[kind])
