"""Planning the plans' sheets (letter 837, item 2): a policy's profile (Chính sách: document type,
Decision 407, stage dates), comments on drafts (Góp ý dự thảo), communication plans with their
versions (Kế hoạch truyền thông) and activities (Hoạt động truyền thông), and the activity a
commitment names (Đặt hàng / Đào tạo / Dịch vụ CNTT · Mã hoạt động).

A plan's versions are replayed in order through the services: version 1 is created, later ones are
made from the one before (``new_plan_version`` copies its activities; a row differing from the copy
updates it), activities are added while the version is a draft, then it is approved, its activities
marked done, and it is completed or cancelled (just before the next version is approved, else
last, after the commitments have named their activities).

Approval is a leader's act. A workbook records approved plans only when the operator (``SYSTEM``:
a restore, a migration of records) imports it; an officer's file may hold approved plans only when
they are already approved in the ledger, and is otherwise refused with a sentence saying so.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sqlalchemy import select

from ledger.domain import codes
from ledger.domain.formatting import format_date
from ledger.domain.policy_stages import STAGE_COLUMNS
from ledger.excel import match_team
from ledger.excel.commands import Command, Context
from ledger.excel.plan_spending import Planner
from ledger.excel.reader import Row, SheetRows
from ledger.services import plans as plan_service
from ledger.services import policy_timeline
from ledger.store.access import SYSTEM
from ledger.store.models import PlanActivity, Policy

PROFILE_KEYS = ("document_type", "large_impact", *STAGE_COLUMNS.values())
APPROVED = ("DA_DUYET", "HOAN_THANH")
FORWARD = {"DU_THAO": {"DA_DUYET", "HOAN_THANH", "DA_HUY"}, "DA_DUYET": {"HOAN_THANH", "DA_HUY"}}
PLAN_FIELDS = {"code": "code", "year": "year", "unit_code": "unit", "policy": "policy", "title": "title", "decision_no": "decision",
               "approved_on": "approved_on", "status": "status"}
ACTIVITY_FIELDS = {"code": "code", "stage": "stage", "content": "content", "channel": "channel", "audience": "audience", "start_on": "start",
                   "end_on": "end", "estimated_cost": "cost", "source": "source", "line": "line", "done_on": "done_on"}
COMMENT_FIELDS = {"policy": "policy", "unit_code": "unit", "date": "date", "comment": "comment", "response": "response"}
ACTIVITY_COLUMNS = ("stage", "content", "channel", "audience", "start", "end", "cost", "source", "line")


def _status(v: dict[str, Any]) -> str:
    """A blank status is a draft, or approved when the row gives an approval date."""
    return v.get("status") or ("DA_DUYET" if v.get("approved_on") else "DU_THAO")


def _needs_approval(v: dict[str, Any]) -> bool:
    """Whether the row's plan was approved at some point: approved, completed, or cancelled after
    its approval (it has an approval date)."""
    status = _status(v)
    return status in APPROVED or (status == "DA_HUY" and v.get("approved_on") is not None)


def _activity_data(v: dict[str, Any]) -> dict[str, Any]:
    return {"stage": v["stage"], "content": v["content"], "channel": v["channel"], "audience": v.get("audience") or "", "start_on": v["start"],
            "end_on": v["end"], "estimated_cost": v["cost"], "source": v.get("source"), "line": v.get("line")}


def _same_activity(v: dict[str, Any], other: dict[str, Any]) -> bool:
    """Whether a row says what ``other`` (a row or the ledger's activity, by column) says; a blank
    source on the row is the line's."""
    return all(v.get(k) == other.get(k) for k in ACTIVITY_COLUMNS if not (k == "source" and v.get(k) is None))


def _comment_key(v: dict[str, Any]) -> tuple:
    return v["policy"], v["unit"], v["date"], v["comment"]


def _comment_shown(v: dict[str, Any]) -> str:
    return f"{v['policy']} · {v['unit']} · {format_date(v['date'])}"


def _ledger_activity(a: Any) -> dict[str, Any]:
    return {"stage": a.stage, "content": a.content, "channel": a.channel, "audience": a.audience or None, "start": a.start_on, "end": a.end_on,
            "cost": a.estimated_cost, "source": a.source_code, "line": a.line, "done_on": a.done_on}


class PlansPlanning(Planner):
    """The plans' sheets' planners (see the module docstring)."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.may_approve = self.actor == SYSTEM or self.actor.role == "leader"
        self.plans_known: dict[tuple, Any] = {}
        self.activities_known: dict[tuple, Any] = {}
        self.activity_rows: dict[tuple, list[Row]] = defaultdict(list)
        self.planned_rows: dict[tuple, list[Row]] = {}  # a version's activity rows, once planned
        self.to_mark: dict[tuple, list[Row]] = defaultdict(list)  # rows whose done-on waits for their version's approval

    # --- policies ----------------------------------------------------------------------------------
    def policy_profile(self, sheet: SheetRows, row: Row, v: dict[str, Any], code: str, existing: Any) -> bool:
        given = {k: v[k] for k in PROFILE_KEYS if k in sheet.headers and v.get(k) is not None}
        if existing is not None:
            policy = self.session.get(Policy, existing.id)
            ledger = {k: getattr(policy, k) for k in PROFILE_KEYS}
            ledger["large_impact"] = None if policy.large_impact is None else "CO" if policy.large_impact else "KHONG"
            given = {k: value for k, value in given.items() if value != ledger[k]}
        if not given:
            return False
        self.emit("reference", Command(
            sheet, row, lambda c: policy_timeline.set_policy_profile.in_session(c.session, c.actor, code, **given),
            {k: k for k in PROFILE_KEYS}, needs=(("policy", code),), quiet=existing is None,
        ))
        return True

    def distinct(self, sheet: SheetRows, rows: Iterable[Row], key: Callable[[dict[str, Any]], Any],
                 shown: Callable[[dict[str, Any]], str]) -> Iterator[tuple[Row, dict[str, Any], str]]:
        """The typed rows of ``rows``, each with its values and how a message shows it, but a row whose
        ``key`` an earlier row already has: that one is a duplicate-row problem instead."""
        seen: dict = {}
        for row in rows:
            v = row.typed
            if v is None:
                continue
            label = shown(v)
            if not self.duplicate(sheet, row, seen, key(v), label):
                yield row, v, label

    # --- comments on drafts ------------------------------------------------------------------------
    def comments(self, sheet: SheetRows) -> None:
        known = match_team.comments(self.session, {r.typed["policy"] for r in sheet.rows if r.typed})
        for row, v, shown in self.distinct(sheet, sheet.rows, _comment_key, _comment_shown):
            pool = known.get(_comment_key(v))
            if pool:
                there = pool.pop(0)
                if self.denied(sheet, row, there.unit_id):
                    continue
                if there.response == v.get("response") or v.get("response") is None:
                    self.tally.count(sheet, row, v, False, shown)
                elif there.response is None:
                    self.emit("reference", Command(
                        sheet, row, lambda c, i=there.id, v=v: policy_timeline.record_comment_response.in_session(c.session, c.actor, i, v["response"]),
                        COMMENT_FIELDS, counts=[(sheet, row, v, shown)],
                    ))
                else:
                    self.add(sheet, row, "xl.differs", "response", row.values.get("response"), item=shown)
                continue
            self.emit("reference", Command(
                sheet, row, lambda c, v=v: policy_timeline.add_draft_comment.in_session(
                    c.session, c.actor, v["policy"], v["unit"], v["date"], v["comment"], v.get("response")),
                COMMENT_FIELDS, needs=(("policy", v["policy"]), ("unit", v["unit"])), counts=[(sheet, row, v, shown)],
            ))

    # --- plans and their activities ----------------------------------------------------------------
    def plans(self) -> None:
        sheet, acts = self.book.sheets.get("plans"), self.book.sheets.get("activities")
        if sheet is None and acts is None:
            return
        rows = [r for r in (sheet.rows if sheet is not None else ()) if r.typed]
        codes_named = {r.typed["code"] for r in rows} | {r.typed["plan"] for r in (acts.rows if acts is not None else ()) if r.typed}
        self.plans_known = match_team.plans(self.session, codes_named)
        self.activities_known = match_team.activities(self.session, (p.id for p in self.plans_known.values()))
        for key, plan in self.plans_known.items():
            self.context.ids[("plan", key)] = plan.id
        for row in acts.rows if acts is not None else ():
            if row.typed is not None:
                self.activity_rows[(row.typed["year"], row.typed["plan"], row.typed.get("version") or 1)].append(row)
        chains: dict[tuple, list[Row]] = defaultdict(list)
        seen: dict = {}
        for row in rows:
            v = row.typed
            key = (v["year"], v["code"], v.get("version") or 1)
            if not self.duplicate(sheet, row, seen, key, f"{v['code']} ({v['year']}) v{key[2]}"):
                chains[key[:2]].append(row)
        if sheet is not None:
            for row in sheet.rows:
                if row.typed is None and row.values.get("code") is not None:
                    self.failed.add(("plan_code", str(row.values.get("code")).strip()))
        for chain in chains.values():
            self._chain(sheet, sorted(chain, key=lambda r: r.typed.get("version") or 1))
        for key, rows_left in list(self.activity_rows.items()):  # activities of plans not on the plans sheet
            plan = self.plans_known.get(key)
            if plan is not None:
                self._activities(key, plan, None)
                continue
            for row in rows_left:
                if ("plan", key) in self.failed or ("plan_code", key[1]) in self.failed:
                    self.tally.skip(acts, row)
                else:
                    self.add(acts, row, "plan.unknown", "plan", key[1])
            del self.activity_rows[key]

    def _chain(self, sheet: SheetRows, rows: list[Row]) -> None:
        """The versions of one plan, in order (see the module docstring)."""
        pending: list[Command] = []  # the previous version's completion or cancellation
        previous: tuple | None = None
        for row in rows:
            v = row.typed
            key = (v["year"], v["code"], v.get("version") or 1)
            pending = self._version(sheet, row, v, key, previous, pending)
            previous = key
        for command in pending:
            self.emit("last", command)

    def _version(self, sheet: SheetRows, row: Row, v: dict[str, Any], key: tuple, previous: tuple | None, pending: list[Command]) -> list[Command]:
        """One version of a plan: matched with the ledger's or made; what is to come after it."""
        shown = f"{v['code']} ({v['year']}) v{key[2]}"
        existing = self.plans_known.get(key)
        current = existing.status if existing is not None else "DU_THAO"
        target = _status(v)
        if existing is not None:
            pairs = [("unit", v["unit"], existing.unit), ("policy", v["policy"], existing.policy), ("title", v["title"], existing.title)]
            if current != "DU_THAO":  # a draft takes its decision and approval date when the file approves it
                pairs += [("decision", v.get("decision"), existing.decision_no), ("approved_on", v.get("approved_on"), existing.approved_on)]
            if self.denied(sheet, row, existing.unit_id) or self.differs(sheet, row, shown, pairs):
                self.failed.add(("plan", key))
                return pending
            if target != current and target not in FORWARD.get(current, ()):
                labels = codes.PLAN_STATUSES
                self.add(sheet, row, "xl.status_backwards", "status", row.values.get("status"), item=shown,
                         current=labels[current][0], target=labels[target][0])
                self.failed.add(("plan", key))
                return pending
        before = (key[0], key[1], key[2] - 1)
        if existing is None and key[2] > 1 and before != previous and before not in self.plans_known:
            self.add(sheet, row, "xl.plan_version_gap", "version", key[2], plan=v["code"], version=key[2])
            self.failed.add(("plan", key))
            return pending
        if current == "DU_THAO" and _needs_approval(v) and not self.may_approve:
            self.add(sheet, row, "xl.plan_approval", "status", row.values.get("status") or v.get("approved_on"), plan=v["code"])
            self.failed.add(("plan", key))
            return pending
        if existing is not None:
            self.tally.count(sheet, row, v, target != current, shown)
            self._activities(key, existing, None)
        else:
            copied = self._create(sheet, row, v, key, before)
            if copied is None:
                return pending
            self._activities(key, None, copied)
        return self._statuses(sheet, row, v, key, current, target, pending)

    def _create(self, sheet: SheetRows, row: Row, v: dict[str, Any], key: tuple, previous: tuple | None) -> dict[str, Any] | None:
        """The command making this version; what it copied (the previous version's activities by code)."""
        made = ("plan", key)
        counts = [(sheet, row, v, f"{v['code']} ({v['year']}) v{key[2]}")]
        done = self.remember("plan", key)
        if key[2] == 1:
            command = self.emit("budget", Command(
                sheet, row, lambda c: plan_service.create_plan.in_session(
                    c.session, c.actor, code=v["code"], year=v["year"], unit_code=v["unit"], policy=v["policy"], title=v["title"],
                    decision_no=v.get("decision")),
                PLAN_FIELDS, needs=(("unit", v["unit"]), ("policy", v["policy"]), ("year", v["year"])), gives=(made,), counts=counts, done=done,
            ))
            return {} if command is not None else None
        before = ("plan", previous)

        def new_version(c: Context) -> Any:
            copy = plan_service.new_plan_version.in_session(c.session, c.actor, c.ids[before])
            if copy.title != v["title"] or v.get("decision"):
                plan_service.update_plan.in_session(c.session, c.actor, copy.id, title=v["title"], decision_no=v.get("decision"))
            return copy

        command = self.emit("budget", Command(sheet, row, new_version, PLAN_FIELDS, needs=(before,), gives=(made,), counts=counts, done=done,
                                              savepoint=True))
        if command is None:
            return None
        copied = {a.code: _ledger_activity(a) for (plan_id, _code), a in self.activities_known.items() if plan_id == self.plans_known[previous].id} \
            if previous in self.plans_known else {}
        for r in self.planned_rows.get(previous, []):
            copied[r.typed["code"]] = r.typed
        return copied

    def _activities(self, key: tuple, existing: Any, copied: dict[str, Any] | None) -> None:
        """The activity rows of one version: added, updated from the copy, or already there."""
        sheet = self.book.sheets.get("activities")
        rows = self.activity_rows.pop(key, [])
        self.planned_rows[key] = rows
        plan = ("plan", key)
        for row, v, shown in self.distinct(sheet, rows, lambda v: v["code"], lambda v: f"{v['plan']} ({v['year']}) · {v['code']}"):
            gives = (("activity", (v["year"], v["code"])),)
            needs = (plan, *((("line", (v["year"], v["line"])),) if v.get("line") else ()))
            there = self.activities_known.get((existing.id, v["code"])) if existing is not None else None
            if there is not None:
                ledger = _ledger_activity(there)
                if not _same_activity(v, ledger) or (ledger["done_on"] not in (None, v.get("done_on"))):
                    column = next((k for k in ACTIVITY_COLUMNS if v.get(k) is not None and v.get(k) != ledger[k]), "done_on")
                    self.add(sheet, row, "xl.differs", column, row.values.get(column), item=shown)
                    self.failed.update(gives)
                elif v.get("done_on") and ledger["done_on"] is None:
                    if existing.status in APPROVED:
                        self.emit("budget", self._mark(sheet, row, v, there.id, counts=True))
                    else:  # marked once its version is approved by this file
                        self.to_mark[key].append(row)
                        self.tally.count(sheet, row, v, True, shown)
                else:
                    self.tally.count(sheet, row, v, False, shown)
                continue
            counts = [(sheet, row, v, shown)]
            twin = (copied or {}).get(v["code"])
            if v.get("done_on") and (twin is None or twin.get("done_on") != v["done_on"]):
                self.to_mark[key].append(row)
            if twin is None:
                self.emit("budget", Command(
                    sheet, row, lambda c, v=v: plan_service.add_activity.in_session(c.session, c.actor, c.ids[plan], code=v["code"], **_activity_data(v)),
                    ACTIVITY_FIELDS, needs=needs, gives=gives, counts=counts,
                ))
            elif not _same_activity(v, twin):
                self.emit("budget", Command(
                    sheet, row, lambda c, v=v: plan_service.update_activity.in_session(c.session, c.actor, _copy_id(c, plan, v["code"]), **_activity_data(v)),
                    ACTIVITY_FIELDS, needs=needs, gives=gives, counts=counts,
                ))
            else:
                self.tally.count(sheet, row, v, True, shown)

    def _mark(self, sheet: SheetRows, row: Row, v: dict[str, Any], activity_id: Any, counts: bool = False) -> Command:
        """Marking the row's activity done (by id, or the one of its version made by this import)."""
        shown = f"{v['plan']} ({v['year']}) · {v['code']}"
        plan = ("plan", (v["year"], v["plan"], v.get("version") or 1))
        return Command(
            sheet, row, lambda c: plan_service.mark_activity_done.in_session(
                c.session, c.actor, activity_id if activity_id is not None else _copy_id(c, plan, v["code"]), v["done_on"]),
            ACTIVITY_FIELDS, needs=(plan,), counts=[(sheet, row, v, shown)] if counts else [], quiet=not counts,
        )

    def _statuses(self, sheet: SheetRows, row: Row, v: dict[str, Any], key: tuple, current: str, target: str, pending: list[Command]) -> list[Command]:
        """Approve (now, after the previous version's completion or cancellation), mark the activities
        done; the completion or cancellation of this version is returned, to come later."""
        plan = ("plan", key)
        deferred: list[Command] = []
        if current == "DU_THAO" and _needs_approval(v):
            for command in pending:
                self.emit("budget", command)
            pending = []
            self.emit("budget", Command(
                sheet, row, lambda c: plan_service.approve_plan.in_session(c.session, c.actor, c.ids[plan], v.get("decision"), v.get("approved_on")),
                PLAN_FIELDS, needs=(plan,), quiet=True,
            ))
            successor = {r.typed["code"]: r.typed for r in self.activity_rows.get((key[0], key[1], key[2] + 1), [])}
            for r in self.to_mark.pop(key, []):
                mark = self._mark(self.book.sheets["activities"], r, r.typed, None)
                # Marked before the next version is made, it is copied done; marked after, it is not.
                after_copy = r.typed["code"] in successor and successor[r.typed["code"]].get("done_on") != r.typed["done_on"]
                if after_copy:
                    deferred.append(mark)
                else:
                    self.emit("budget", mark)
        later: list[Command] = [*pending, *deferred]
        if target != current and target in ("HOAN_THANH", "DA_HUY"):
            action = plan_service.complete_plan if target == "HOAN_THANH" else plan_service.cancel_plan
            later.append(Command(sheet, row, lambda c: action.in_session(c.session, c.actor, c.ids[plan]), PLAN_FIELDS, needs=(plan,), quiet=True))
        return later

    # --- the activity a commitment names --------------------------------------------------------
    def follow_up(self, sheet: SheetRows, row: Row, v: dict[str, Any], kind: str, key: tuple, existing: Any) -> bool:
        changed = super().follow_up(sheet, row, v, kind, key, existing)
        activity = v.get("activity")
        if activity is None or (existing is not None and existing.activity == activity):
            return changed
        commitment = ("commitment", key)
        self.emit("drafts", Command(
            sheet, row, lambda c: plan_service.link_commitment_to_activity.in_session(c.session, c.actor, c.ids[commitment], activity),
            {"activity": "activity"}, needs=(commitment, ("activity", (key[0], activity))), quiet=existing is None,
        ))
        return changed or existing is not None


def _copy_id(c: Context, plan: tuple, code: str) -> int:
    """The id of the activity ``code`` of a version made by this import (a copy of the one before)."""
    return c.session.scalar(select(PlanActivity.id).where(PlanActivity.plan_id == c.ids[plan], PlanActivity.code == code))
