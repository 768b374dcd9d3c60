"""The bulk path's rows of the communication team and the plans (letters 837 items 1–2): staff
members and assignments, course attendance, a policy's timeline, plans with their activities, and
the checks a commitment naming an activity or a course topic gets.

A mixin of ``ledger.store.bulk.BulkWriter`` (same buffers, same audit chain, same refusals): each
row is checked with the rules the services apply (``ledger.services.team``, ``plans``,
``policy_timeline``) and recorded with the events they write, in their order; the row goes in once,
in its final state (the last event's after-state, so ``verify`` matches).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.domain import codes
from ledger.domain.errors import ValidationError, problem
from ledger.domain.formatting import format_date
from ledger.domain.policy_stages import STAGE_COLUMNS, out_of_order
from ledger.domain.validation import Problems
from ledger.store.models import CommunicationPlan, CourseParticipant, PlanActivity, Policy, StaffAssignment, StaffMember

PLAN_ENDINGS = ("DU_THAO", "DA_DUYET", "HOAN_THANH")


def _refuse(key: str, field: str | None = None, **params: Any) -> None:
    raise ValidationError(problem(key, field, **params))


def _listed(value: Any, labels: codes.Labels, field: str, what: str) -> None:
    if value not in labels:
        _refuse("code.not_listed", field, what=what, value=value, codes=codes.codes_hint(labels))


class TeamPlanRows:
    """The team and plan rows of a ``BulkWriter`` (which sets ``team_state()`` up in its ``__init__``)."""

    def team_state(self, session: Session) -> None:
        self.policy_owner = {pid: (code, owner) for pid, code, owner in session.execute(select(Policy.id, Policy.code, Policy.owner_unit_id))}
        self.member_units: dict[int, int] = {}  # member id -> unit id
        self.member_codes = set(session.scalars(select(StaffMember.code)))
        self.courses: dict[int, tuple[int, str]] = {}  # course id -> (its line's unit id, status)
        self.attending: set[tuple[int, int]] = set()
        self.plan_keys: set[tuple[int, str]] = {(year, code) for year, code in session.execute(select(CommunicationPlan.year, CommunicationPlan.code))}
        self.activities: dict[int, tuple[int, int, str, str]] = {}  # id -> (policy id, year, plan status, plan code)
        self._parents: dict[int, int | None] = {}

    def within(self, unit_id: int | None, top_id: int) -> bool:
        """Whether ``unit_id`` is ``top_id`` or below it (the unit tree written so far)."""
        if len(self._parents) != len(self.units):
            self._parents = {u["id"]: u["parent_id"] for u in self.units.values()}
        while unit_id is not None:
            if unit_id == top_id:
                return True
            unit_id = self._parents.get(unit_id)
        return False

    def _unit_id(self, code: str, field: str = "unit") -> int:
        if code not in self.units:
            _refuse("unit.unknown", field, value=code)
        return self.units[code]["id"]

    # --- the team ---------------------------------------------------------------------------------

    def member(self, code: str, full_name: str, unit: str) -> int:
        """A person of the team (``team.add_member``): a unique staff code, a name, a unit."""
        found = Problems()
        clean = found.code(code, "code", "mã nhân sự", limit=32)
        found.text(full_name, "full_name", "họ tên", limit=255)
        if clean in self.member_codes:
            found.append(problem("team.member_exists", "code", value=clean))
        found.raise_if_any()
        unit_id = self._unit_id(unit)
        row = self.create(StaffMember, {"code": clean, "full_name": full_name, "unit_id": unit_id}, "staff_member.create")
        self.member_codes.add(clean)
        self.member_units[row["id"]] = unit_id
        return row["id"]

    def assignment(self, member_id: int, unit: str, role: str, mode: str, start: dt.date, end: dt.date | None = None, position: str = "", decision: str = "") -> int:
        """A role in a unit from a day (``team.add_assignment``); an end before the start is refused."""
        if member_id not in self.member_units:
            _refuse("team.member_unknown", "member", value=member_id)
        _listed(role, codes.STAFF_ROLES, "role", "vai trò")
        _listed(mode, codes.ASSIGNMENT_MODES, "mode", "chế độ")
        if end is not None and end < start:
            _refuse("team.end_before_start", "end_date", end=format_date(end), start=format_date(start))
        row = {"member_id": member_id, "unit_id": self._unit_id(unit), "role": role, "mode": mode, "start_date": start, "end_date": end,
               "position": position, "decision": decision}
        return self.create(StaffAssignment, row, "staff_assignment.create")["id"]

    def participant(self, course_id: int, member_id: int, completed: bool, certificate_no: str = "") -> None:
        """A person on a course's list (``team.add_participant``): of the course's unit subtree, once,
        on a course not cancelled; a certificate only for who completed it."""
        if course_id not in self.courses:
            _refuse("team.course_unknown", "course", value=course_id)
        unit_id, status = self.courses[course_id]
        if status == "cancelled":
            _refuse("team.course_cancelled", "course", reference=course_id)
        if member_id not in self.member_units or not self.within(self.member_units[member_id], unit_id):
            _refuse("team.participant_outside", "member", member=member_id, unit=unit_id)
        if (course_id, member_id) in self.attending:
            _refuse("team.participant_twice", "member", member=member_id, course=course_id)
        if certificate_no and not completed:
            _refuse("team.certificate_not_completed", "certificate_no", value=certificate_no)
        self.attending.add((course_id, member_id))
        self.create(CourseParticipant, {"course_id": course_id, "member_id": member_id, "completed": completed, "certificate_no": certificate_no},
                    "course_participant.create")

    def course_checked(self, row: dict[str, Any]) -> None:
        """A commitment's topic (courses) and the activity it names: same policy, same year, a plan
        not cancelled (``plans.resolve_activity``)."""
        if row.get("topic") is not None:
            _listed(row["topic"], codes.COURSE_TOPICS, "topic", "chủ đề")
        activity_id = row.get("activity_id")
        if activity_id is None:
            return
        if activity_id not in self.activities:
            _refuse("activity.unknown", "activity", value=activity_id)
        policy_id, year, status, plan_code = self.activities[activity_id]
        if row.get("policy_id") is None:
            _refuse("activity.commitment_no_policy", "activity", activity=activity_id)
        if policy_id != row["policy_id"]:
            _refuse("activity.other_policy", "activity", activity=activity_id, policy=self.policy_owner[policy_id][0])
        if year != row["year"]:
            _refuse("activity.other_year", "activity", activity=activity_id, plan_year=year, year=row["year"])
        if status == "DA_HUY":
            _refuse("activity.plan_cancelled", "activity", activity=activity_id, plan=plan_code)

    # --- policies and plans -----------------------------------------------------------------------

    def policy_profile(self, row: dict[str, Any], profile: dict[str, Any]) -> dict[str, Any]:
        """A policy's document type, Decision-407 flag and stage dates (``set_policy_profile``): the
        codes listed, the stages in order. Returns the row's final state."""
        if profile.get("document_type") is not None:
            _listed(profile["document_type"], codes.DOCUMENT_TYPES, "document_type", "loại văn bản")
        if profile.get("large_impact") not in (None, True, False):
            _refuse("code.not_listed", "large_impact", what="phạm vi Quyết định 407", value=profile["large_impact"], codes=codes.codes_hint(codes.YES_NO))
        unknown = set(profile) - {"document_type", "large_impact", *STAGE_COLUMNS.values()}
        if unknown:
            _refuse("policy.unknown_field", sorted(unknown)[0], value=", ".join(sorted(unknown)))
        wrong = out_of_order({stage: profile.get(column) for stage, column in STAGE_COLUMNS.items()})
        if wrong:
            earlier, later = wrong[0]
            _refuse("policy.stage_order", STAGE_COLUMNS[later], later=codes.label(codes.POLICY_STAGES, later), earlier=codes.label(codes.POLICY_STAGES, earlier))
        return {**row, **profile}

    def plan(self, row: dict[str, Any], activities: Iterable[dict[str, Any]] = (), ending: str = "DA_DUYET") -> dict[str, int]:
        """A plan's story as its services write it: created as a draft (``row``: code, year, unit_id,
        policy_id, title, decision_no, approved_on), its activities added, then approved (a decision
        number needed) and, with ``ending`` HOAN_THANH, completed; an activity's ``done_on`` is marked
        once approved. Returns the activities' ids by code."""
        year, code = row["year"], row["code"]
        self._open(year)
        _listed(ending, dict.fromkeys(PLAN_ENDINGS), "status", "trạng thái kế hoạch")
        found = Problems()
        found.code(code, "code", "mã kế hoạch")
        found.text(row["title"], "title", "tên kế hoạch", limit=500)
        found.raise_if_any()
        if (year, code) in self.plan_keys:
            _refuse("plan.exists", "code", value=code, year=year)
        if row["policy_id"] not in self.policy_owner:
            _refuse("policy.unknown", "policy", value=row["policy_id"])
        policy_code, owner_id = self.policy_owner[row["policy_id"]]
        if not self.within(row["unit_id"], owner_id):
            _refuse("plan.unit_outside_policy", "unit_code", unit=row["unit_id"], policy=policy_code, owner=owner_id)
        if ending != "DU_THAO" and not row.get("decision_no"):
            _refuse("plan.no_decision", "decision_no", plan=code)
        self.plan_keys.add((year, code))
        draft = {**row, "id": self._new_id(CommunicationPlan), "version": 1, "previous_id": None, "status": "DU_THAO", "approved_on": None, "approved_by": None,
                 "created_at": self.audit.now(), "created_by": self.actor.username}
        final = dict(draft)
        if ending != "DU_THAO":
            final.update(status="DA_DUYET", approved_on=row["approved_on"], approved_by=self.actor.username)
        approved = dict(final)
        if ending == "HOAN_THANH":
            final["status"] = "HOAN_THANH"
        checked = [self._activity_checked(draft, a) for a in activities]
        self.add(CommunicationPlan, final)
        table = self.chunks.tables[CommunicationPlan]
        state = self.state(CommunicationPlan, table.complete(draft))
        self.event("plan.create", "communication_plan", draft["id"], None, state)
        made, done = {}, []
        for activity in checked:
            finished = activity.pop("done_on")
            if ending == "DU_THAO":
                finished = None
            added = self.add(PlanActivity, {**activity, "done_on": finished})
            self.event("plan_activity.create", "plan_activity", added["id"], None, self.state(PlanActivity, {**added, "done_on": None}))
            made[activity["code"]] = added["id"]
            self.activities[added["id"]] = (row["policy_id"], year, final["status"], code)
            if finished is not None:
                done.append(added)
        if ending != "DU_THAO":
            after = self.state(CommunicationPlan, table.complete(approved))
            self.event("plan.approve", "communication_plan", draft["id"], state, after)
            state = after
        for added in done:
            self.event("plan_activity.done", "plan_activity", added["id"], self.state(PlanActivity, {**added, "done_on": None}), self.state(PlanActivity, added))
        if ending == "HOAN_THANH":
            self.event("plan.complete", "communication_plan", draft["id"], state, self.state(CommunicationPlan, table.complete(final)))
        return made

    def _activity_checked(self, plan: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
        """An activity's columns (``plans.add_activity``): listed stage and channel, dates inside the
        plan's year and in order, a line of the plan's year and unit tree with the same source."""
        _listed(data["stage"], codes.POLICY_STAGES, "stage", "giai đoạn")
        _listed(data["channel"], codes.CHANNELS, "channel", "hình thức")
        found = Problems()
        found.code(data["code"], "code", "mã hoạt động")
        found.text(data["content"], "content", "nội dung", limit=500)
        found.raise_if_any()
        for name in ("start_on", "end_on"):
            if data[name].year != plan["year"]:
                _refuse("activity.outside_year", name, date=format_date(data[name]), year=plan["year"])
        if data["end_on"] < data["start_on"]:
            _refuse("activity.dates_reversed", "end_on", start=format_date(data["start_on"]), end=format_date(data["end_on"]))
        if data["estimated_cost"] < 0:
            _refuse("amount.negative", "estimated_cost")
        source, line_id = data.get("source_code"), data.get("line_id")
        if source is not None:
            _listed(source, codes.SOURCES, "source", "nguồn")
        if line_id is not None:
            line = self.lines[line_id]
            if line.year != plan["year"]:
                _refuse("activity.line_other_year", "line", line=line.code, year=plan["year"])
            if not self.within(line.unit["id"], plan["unit_id"]):
                _refuse("activity.line_outside_unit", "line", line=line.code, unit=plan["unit_id"])
            if source is not None and source != line.source:
                _refuse("activity.other_source", "source", line=line.code, line_source=line.source, source=source)
            source = line.source
        done = data.get("done_on")
        if done is not None and done < data["start_on"]:
            _refuse("activity.done_before_start", "done_on", date=format_date(done), start=format_date(data["start_on"]))
        return {"plan_id": plan["id"], "code": data["code"], "stage": data["stage"], "content": data["content"], "channel": data["channel"],
                "audience": data.get("audience", ""), "start_on": data["start_on"], "end_on": data["end_on"], "estimated_cost": data["estimated_cost"],
                "source_code": source, "line_id": line_id, "done_on": done}

