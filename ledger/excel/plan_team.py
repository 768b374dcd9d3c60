"""Planning the communication team's sheets (letter 837, item 1): the staff register (Nhân sự truyền
thông), a course's topic (Đào tạo · Chủ đề) and its attendance list (Học viên).

A register row is a person and one of their assignments (``team.record_staff_row``): the first row of
a new staff code makes the person in that row's unit, so the later rows of that code wait for it. A
row already in the ledger (the same person, unit, role, mode, days, position and decision) gives no
command. Attendance rows go with their course: queued right after the course is made and before a
cancellation (a cancelled course takes no one), or on their own for a course already there.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ledger.domain.formatting import format_date
from ledger.excel import match_team
from ledger.excel.commands import Command
from ledger.excel.plan_plans import PlansPlanning
from ledger.excel.reader import Row, SheetRows, _text
from ledger.services import team

STAFF_FIELDS = {"code": "code", "full_name": "name", "unit": "unit", "role": "role", "mode": "mode", "start_date": "start",
                "end_date": "end", "position": "position", "decision": "decision", "member": "code"}
PARTICIPANT_FIELDS = {"course": "course", "member": "member", "completed": "completed", "certificate_no": "certificate", "year": "year"}


class TeamPlanning(PlansPlanning):
    """The team's sheets' planners, on top of every other sheet's (see the module docstring)."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._attendance: dict[tuple, list[Row]] | None = None
        self._listed: dict[tuple[int, str], Any] | None = None

    # --- the register ----------------------------------------------------------------------------
    def staff(self, sheet: SheetRows) -> None:
        known = match_team.members(self.session, (r.typed["code"] for r in sheet.rows if r.typed))
        held = match_team.assignments(self.session, (m.id for m in known.values()))
        seen: dict = {}
        first_of: set[str] = set()  # new staff codes whose first row is already planned
        for row in sheet.rows:
            v = row.typed
            if v is None:
                code = _text(row.values.get("code"))
                if code is not None and code not in first_of and code not in known:
                    self.failed.add(("member", code))  # the person's first row is refused: their later rows wait
                    first_of.add(code)
                continue
            code = v["code"]
            identity = (code, v["unit"], v["role"], v["mode"], v["start"], v.get("end"), v.get("position"), v.get("decision"))
            shown = f"{code} · {v['role']} · {format_date(v['start'])}"
            if self.duplicate(sheet, row, seen, identity, shown):
                continue
            member = known.get(code)
            if member is not None and member.full_name == v["name"]:
                same = next((a for a in held.get(member.id, ()) if (a.unit, a.role, a.mode, a.start_date, a.end_date, a.position or None,
                                                                   a.decision or None) == identity[1:]), None)
                if same is not None:
                    if not self.denied(sheet, row, same.unit_id):
                        self.tally.count(sheet, row, v, False, shown)
                    continue
            is_first = member is None and code not in first_of
            first_of.add(code)
            self.emit("budget", Command(
                sheet, row, lambda c, v=v: team.record_staff_row.in_session(
                    c.session, c.actor, v["code"], v["name"], v["unit"], v["role"], v["mode"], v["start"], v.get("end"),
                    v.get("position") or "", v.get("decision") or ""),
                STAFF_FIELDS, needs=(("unit", v["unit"]),) + ((("member", code),) if member is None and not is_first else ()),
                gives=(("member", code),) if is_first else (), counts=[(sheet, row, v, shown)],
            ))

    # --- courses: topic and attendance -----------------------------------------------------------
    def attendance(self) -> dict[tuple, list[Row]]:
        """The participants' rows by course (year, code), read once."""
        if self._attendance is None:
            self._attendance = defaultdict(list)
            sheet = self.book.sheets.get("participants")
            for row in sheet.rows if sheet is not None else ():
                if row.typed is not None:
                    self._attendance[(row.typed["year"], row.typed["course"])].append(row)
        return self._attendance

    def follow_up(self, sheet: SheetRows, row: Row, v: dict[str, Any], kind: str, key: tuple, existing: Any) -> bool:
        changed = super().follow_up(sheet, row, v, kind, key, existing)
        if kind != "course":
            return changed
        commitment = ("commitment", key)
        topic = v.get("topic")
        if topic is not None and (existing is None or existing.topic != topic):
            self.emit("drafts", Command(
                sheet, row, lambda c: team.set_course_topic.in_session(c.session, c.actor, c.ids[commitment], topic),
                {"topic": "topic"}, needs=(commitment,), quiet=existing is None,
            ))
            changed = existing is not None
        self.course_attendance(key, existing.id if existing is not None else None)
        return changed

    def course_attendance(self, key: tuple, course_id: int | None) -> None:
        """The attendance rows of one course, as commands (the rows already there: counted)."""
        rows = self.attendance().pop(key, [])
        if not rows:
            return
        sheet = self.book.sheets["participants"]
        if self._listed is None:  # the lists of every course already there that the sheet names, in one go
            named = (self.commitments_known.get(k) for k in [key, *self.attendance()])
            self._listed = match_team.participants(self.session, {c.id for c in named if c is not None and c.kind == "course"})
        known = self._listed
        for row, v, shown in self.distinct(sheet, rows, lambda v: v["member"], lambda v: f"{v['course']} ({v['year']}) · {v['member']}"):
            there = known.get((course_id, v["member"]))
            completed = v.get("completed") != "KHONG"
            if there is not None and (there.completed, there.certificate_no or None) == (completed, v.get("certificate")):
                self.tally.count(sheet, row, v, False, shown)
                continue
            self.emit("drafts", Command(
                sheet, row, lambda c, v=v: team.record_participant_row.in_session(
                    c.session, c.actor, c.ids[("commitment", key)], v["year"], v["member"], v.get("completed"), v.get("certificate") or ""),
                PARTICIPANT_FIELDS, needs=(("commitment", key), ("member", v["member"])), counts=[(sheet, row, v, shown)],
            ))

    def participants(self) -> None:
        """Attendance rows of courses not on the Training sheet: courses already in the ledger."""
        sheet = self.book.sheets.get("participants")
        if sheet is None:
            return
        for key in list(self.attendance()):
            if ("commitment", key) in self.failed:
                for row in self.attendance().pop(key):
                    self.tally.skip(sheet, row)
                continue
            existing = self.commitments_known.get(key)
            if existing is None or existing.kind != "course":
                for row in self.attendance().pop(key):
                    self.add(sheet, row, "team.course_unknown", "course", key[1])
                continue
            if not self.denied(sheet, self.attendance()[key][0], existing.unit_id):
                self.course_attendance(key, existing.id)
            else:
                self.attendance().pop(key)


