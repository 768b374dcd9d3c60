"""The store's bulk path: many rows in one write transaction, checked by the services' rules and
recorded in the same audit chain, at the speed of the database.

For loads the per-row services are too slow for (the national-scale demo's million payments).
Every row is checked before it is written: its codes against the lists of ``ledger.domain.codes``,
its codes, texts and dates with ``ledger.domain.validation.Problems``, its money with
``ledger.domain.rules`` on the running balances of every line and commitment kept here — a
commitment's value is what its items total; acceptances never exceed it; advances stay within the
unit's limit; a regular payment never takes the paid total past the accepted one; a line's
allocation never drops below what is committed and paid on it; commitment control refuses (or in
``warn`` mode records, with its ``control.warning`` event) an excess over the available balance;
XHH spending stays within the contributions received, under the unit's XHH control likewise. A
refused row raises the service's ``ValidationError``; nothing of the transaction is kept. Unique
numbers (vouchers, references, record numbers) are left to the database's constraints: a duplicate
fails the whole load, as it would fail the service's row.

Each row gets the event its service writes, built by ``audit.AuditAppender`` (the one place that
hashes), and goes in, in its final state, through ``ledger.store.chunks`` (chunked inserts from a
writer thread). Everything is read in ``__init__``: once the writer runs, it alone uses the
connection. Typical use, inside ``db.write()``: ``BulkWriter(session, actor, start)``, then
``unit``/``line``/``commitment``/``payment``… calls, then ``close()`` (or ``abort()`` on error).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ledger.domain import codes, rules
from ledger.domain.errors import ValidationError, problem
from ledger.domain.formatting import format_amount
from ledger.domain.validation import Problems
from ledger.store import audit
from ledger.store.access import Actor
from ledger.store.bulk_team import TeamPlanRows
from ledger.store.chunks import Chunks
from ledger.store.models import AUDITED_MODELS
from ledger.store.models.core import Adjustment, AuditEvent, BudgetCode, BudgetLine, FiscalYear, Policy, Unit, User
from ledger.store.models.spending import Acceptance, Commitment, CommitmentItem, Contribution, Payment, PressAgency

_ENTITY_TYPE = {model: name for name, model in AUDITED_MODELS.items()}


class _Line:
    """A line's running figures: ``rules.LineBalance`` of the rows written so far."""

    __slots__ = ("id", "code", "year", "category", "source", "unit", "estimate", "adjustments", "committed", "direct_paid", "paid", "contributions")

    def __init__(self, row: dict[str, Any], unit: dict[str, Any]):
        self.id, self.code, self.year, self.unit = row["id"], row["code"], row["year"], unit
        self.category, self.source = row["category_code"], row["source_code"]
        self.estimate = row["original_estimate"]
        self.adjustments = self.committed = self.direct_paid = self.paid = self.contributions = 0

    def balance(self) -> rules.LineBalance:
        return rules.LineBalance(self.id, self.estimate, self.adjustments, self.committed, self.direct_paid, self.paid, 0, self.contributions)


def _refuse(key: str, field: str | None = None, **params: Any) -> None:
    raise ValidationError(problem(key, field, **params))


def _check_code(value: Any, labels: codes.Labels, field: str, what: str) -> None:
    """A value outside its list is refused, with the list (nothing is guessed)."""
    if value not in labels:
        _refuse("code.not_listed", field, what=what, value=value, codes=codes.codes_hint(labels))


class BulkWriter(TeamPlanRows):
    """Writes rows in bulk inside ``session``'s write transaction for ``actor``; see the module."""

    def __init__(self, session: Session, actor: Actor, start: dt.datetime, progress: Callable[[str], None] | None = None):
        self.session = session
        self.actor = actor
        self.audit = audit.AuditAppender(session, actor.username, start)
        self.years = dict(session.execute(select(FiscalYear.year, FiscalYear.is_open)).all())
        self.usernames = set(session.scalars(select(User.username)))
        self.units = {u.code: audit.snapshot(u) for u in session.scalars(select(Unit))}
        self.policies = dict(session.execute(select(Policy.code, Policy.id)).all())
        self.agencies = dict(session.execute(select(PressAgency.code, PressAgency.id)).all())
        self.budget_codes = [tuple(r) for r in session.execute(select(BudgetCode.kind, BudgetCode.code, BudgetCode.valid_from, BudgetCode.valid_to))]
        self.lines: dict[int, _Line] = {}
        self.closing: list[int] = []
        self.team_state(session)
        self.chunks = Chunks(session, progress and (lambda written: progress(f"{written:,} rows sent to the database ({self.audit.seq - 1:,} audit events)")))

    # --- rows and events ----------------------------------------------------------------------

    def _new_id(self, model: type) -> int:
        return self.chunks.new_id(model)

    def add(self, model: type, row: dict[str, Any]) -> dict[str, Any]:
        """Buffer a row in its final state (it must not change afterwards), its id assigned here."""
        if self.chunks.tables[model].stamped:
            row.setdefault("created_at", self.audit.now())
            row.setdefault("created_by", self.actor.username)
        return self.chunks.add(model, row)

    def state(self, model: type, row: dict[str, Any]) -> dict[str, Any]:
        """``audit.snapshot`` of a buffered row, as it will read back."""
        return audit.snapshot_values(model, self.chunks.tables[model].values(row))

    def event(self, action: str, entity_type: str, entity_id: Any, before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
        self.add(AuditEvent, self.audit.append(action, entity_type, str(entity_id), before, after))

    def create(self, model: type, row: dict[str, Any], action: str) -> dict[str, Any]:
        """Buffer a new row with its creation event."""
        row = self.add(model, row)
        entity_id = row["id"] if "id" in row else audit.key_of(row[key] for key in self.chunks.tables[model].identity)
        self.event(action, _ENTITY_TYPE[model], entity_id, None, self.state(model, row))
        return row

    def close(self) -> dict[str, int]:
        """Write what is buffered and wait for it; returns the number of rows written per table."""
        written = self.chunks.close()
        self.audit.done(self.session)
        if self.closing:
            self.session.execute(update(FiscalYear).where(FiscalYear.year.in_(self.closing)).values(is_open=False))
        return written

    def abort(self) -> None:
        """The load failed: stop the writer (the caller's transaction rolls everything back)."""
        self.chunks.abort()

    # --- reference data -------------------------------------------------------------------------

    def fiscal_year(self, year: int) -> None:
        """Open ``year``, as ``reference.open_year`` does."""
        if not isinstance(year, int) or not 2000 <= year <= 2100:
            _refuse("year.invalid", "year", value=year)
        if year in self.years:
            _refuse("year.exists", "year", year=year)
        self.years[year] = True
        self.create(FiscalYear, {"year": year, "is_open": True}, "fiscal_year.open")

    def close_year(self, year: int) -> None:
        """Close ``year`` (nothing more may be written into it); the row is updated in ``close``."""
        if not self.years.get(year):
            _refuse("year.closed", "year", year=year)
        self.years[year] = False
        self.closing.append(year)
        self.event("fiscal_year.close", "fiscal_year", year, {"year": year, "is_open": True}, {"year": year, "is_open": False})

    def _open(self, year: int) -> None:
        if year not in self.years:
            _refuse("year.unknown", year=year)
        if not self.years[year]:
            _refuse("year.closed", "year", year=year)

    def _unique_code(self, value: Any, what: str, taken: Iterable[str], key: str, limit: int = 32) -> str:
        found = Problems()
        code = found.code(value, "code", what, limit=limit)
        if code in taken:
            found.append(problem(key, "code", value=code))
        found.raise_if_any()
        return code

    def unit(self, code: str, name: str, kind: str, parent: str | None, chapter_code: str | None, *, commitment_control: str = "block", advance_limit_pct: int = 50, xhh_control: str = "warn") -> dict[str, Any]:
        code = self._unique_code(code, "mã đơn vị", self.units, "unit.exists")
        Problems().text(name, "name", "tên đơn vị", limit=255) or _refuse("text.required", "name", what="tên đơn vị")
        _check_code(kind, codes.UNIT_KINDS, "kind", "loại đơn vị")
        _check_code(commitment_control, codes.CONTROL_MODES, "commitment_control", "kiểm soát cam kết chi")
        _check_code(xhh_control, codes.CONTROL_MODES, "xhh_control", "kiểm soát chi XHH")
        if chapter_code is not None and not (len(chapter_code) == 3 and chapter_code.isdigit() and 1 <= int(chapter_code) <= 599):
            _refuse("chapter.format", "chapter_code", value=chapter_code)
        if not 0 <= advance_limit_pct <= 100:
            _refuse("unit.advance_pct", "advance_limit_pct")
        if parent is not None and parent not in self.units:
            _refuse("unit.unknown", "parent_code", value=parent)
        row = {
            "code": code, "name": name, "kind": kind, "parent_id": self.units[parent]["id"] if parent else None, "chapter_code": chapter_code,
            "commitment_control": commitment_control, "advance_limit_pct": advance_limit_pct, "xhh_control": xhh_control,
        }
        row = self.create(Unit, row, "unit.create")
        self.units[code] = row
        return row

    def policy(self, code: str, name: str, owner: str, profile: dict[str, Any] | None = None) -> int:
        """A policy (``create_policy``) and, when given, its ``profile`` (``set_policy_profile``)."""
        code = self._unique_code(code, "mã chính sách", self.policies, "policy.exists")
        Problems().text(name, "name", "tên chính sách", limit=255) or _refuse("text.required", "name", what="tên chính sách")
        if owner not in self.units:
            _refuse("unit.unknown", "owner_unit_code", value=owner)
        row = {"code": code, "name": name, "owner_unit_id": self.units[owner]["id"]}
        if profile:
            final = self.add(Policy, self.policy_profile(row, profile))
            created = self.state(Policy, self.chunks.tables[Policy].complete({**row, "id": final["id"]}))
            self.event("policy.create", "policy", final["id"], None, created)
            self.event("policy.profile", "policy", final["id"], created, self.state(Policy, final))
        else:
            final = self.create(Policy, row, "policy.create")
        self.policies[code] = final["id"]
        self.policy_owner[final["id"]] = (code, row["owner_unit_id"])
        return final["id"]

    def user(self, username: str, role: str, unit: str | None, full_name: str, password_hash: str, is_demo: bool = False) -> None:
        if username in self.usernames:
            _refuse("user.exists", "username", value=username)
        _check_code(role, codes.ROLES, "role", "vai trò")
        if unit is not None and unit not in self.units:
            _refuse("unit.unknown", "unit_code", value=unit)
        if unit is None and role != "admin":
            _refuse("user.unit_required", "unit_code", role=role)
        self.usernames.add(username)
        row = {"username": username, "full_name": full_name, "role": role, "unit_id": self.units[unit]["id"] if unit else None,
               "password_hash": password_hash, "is_active": True, "is_demo": is_demo}
        self.create(User, row, "user.create")

    def press_agency(self, code: str, name: str, media_type: str, governing_body: str, level: str) -> int:
        code = self._unique_code(code, "mã cơ quan báo chí", self.agencies, "press.exists")
        _check_code(media_type, codes.MEDIA_TYPES, "media_type", "loại hình báo chí")
        _check_code(level, codes.PRESS_LEVELS, "level", "cấp")
        row = {"code": code, "name": name, "media_type": media_type, "governing_body": governing_body, "level": level}
        self.agencies[code] = self.create(PressAgency, row, "press_agency.create")["id"]
        return self.agencies[code]

    # --- budget ---------------------------------------------------------------------------------

    def _valid_budget_code(self, kind: str, code: str | None, year: int) -> bool:
        return code is None or any(k == kind and c == code and start <= year and (end is None or end >= year) for k, c, start, end in self.budget_codes)

    def line(self, row: dict[str, Any], unit: str, policy: str | None) -> int:
        """A budget line of ``unit`` (code) for ``policy`` (code): the row's other columns as stored."""
        year = row["year"]
        self._open(year)
        if unit not in self.units:
            _refuse("unit.unknown", "unit_code", value=unit)
        _check_code(row["category_code"], codes.CATEGORIES, "category", "nhóm chi")
        _check_code(row["source_code"], codes.SOURCES, "source", "nguồn")
        if not self._valid_budget_code("sector", row.get("sector_code"), year):
            _refuse("sector.unknown", "sector_code", value=row.get("sector_code"), year=year)
        if not self._valid_budget_code("sub_item", row.get("sub_item"), year):
            _refuse("sub_item.unknown", "sub_item", value=row.get("sub_item"), year=year)
        if policy is not None and policy not in self.policies:
            _refuse("policy.unknown", "policy_code", value=policy)
        found = Problems()
        found.code(row["code"], "code", "mã dòng dự toán", limit=64)
        found.text(row["description"], "description", "nội dung", limit=500)
        found.raise_if_any()
        if row["original_estimate"] < 0:
            _refuse("line.below_zero", "amount", line=row["code"], amount=format_amount(row["original_estimate"]), allocated="0")
        row = self.create(BudgetLine, {**row, "unit_id": self.units[unit]["id"], "policy_id": self.policies.get(policy)}, "budget_line.create")
        self.lines[row["id"]] = _Line(row, self.units[unit])
        return row["id"]

    def available(self, line_id: int) -> int:
        """The line's available balance now (``rules.LineBalance.available``)."""
        return self.lines[line_id].balance().available

    def _dated(self, line: _Line, when: dt.date) -> None:
        """A write on ``line`` dated ``when``: the line's year is open and the date falls in it."""
        self._open(line.year)
        found = Problems()
        found.date(when, year=line.year)
        found.raise_if_any()

    def adjust(self, line_id: int, amount: int, when: dt.date, decision_no: str, reason: str, transfer_key: str | None = None, action: str = "adjustment.post") -> None:
        """An adjustment (or one side of a transfer): the allocation stays at or above what is used."""
        line = self.lines[line_id]
        self._dated(line, when)
        if amount == 0:
            _refuse("amount.zero", "amount")
        balance = line.balance()
        allocated = balance.allocated + amount
        if allocated < 0:
            _refuse("line.below_zero", "amount", line=line.code, amount=format_amount(amount), allocated=format_amount(balance.allocated))
        if allocated < balance.used:
            _refuse("line.below_used", "amount", line=line.code, allocated=format_amount(allocated), used=format_amount(balance.used))
        line.adjustments += amount
        row = {"line_id": line_id, "date": when, "amount": amount, "decision_no": decision_no, "reason": reason, "transfer_key": transfer_key}
        self.create(Adjustment, row, action)

    def contribution(self, line_id: int, voucher_no: str, when: dt.date, donor: str, amount: int) -> None:
        line = self.lines[line_id]
        if line.source != "XHH":
            _refuse("contribution.not_xhh", "line", line=line.code)
        self._dated(line, when)
        if amount <= 0:
            _refuse("amount.zero_payment", "amount")
        line.contributions += amount
        row = {"year": line.year, "voucher_no": voucher_no, "line_id": line_id, "date": when, "donor": donor, "amount": amount}
        self.create(Contribution, row, "contribution.post")

    # --- spending -------------------------------------------------------------------------------

    def _control(self, line: _Line, amount: int, action: str, reference: str) -> tuple[int, dict[str, Any] | None]:
        """Commitment control: refuse, or in ``warn`` mode return with its warning, an excess over the
        available balance."""
        available = line.balance().available
        if amount <= available:
            return 0, None
        if line.unit["commitment_control"] != "warn":
            _refuse("commit.over_available", "amount", line=line.code, available=format_amount(available), amount=format_amount(amount))
        excess = amount - max(available, 0)
        return excess, {"line": line.code, "available": available, "amount": amount, "excess": excess, "action": action, "reference": reference}

    def _control_xhh(self, line: _Line, amount: int, reference: str) -> tuple[int, dict[str, Any] | None]:
        """Rule 7: spending on an XHH line stays within the contributions received for it (or, under
        a ``warn`` XHH control, the excess is recorded); the payment is counted on the line."""
        balance = line.balance()
        line.paid += amount
        if line.source != "XHH" or amount <= balance.xhh_room:
            return 0, None
        if line.unit["xhh_control"] != "warn":
            _refuse("xhh.over_contributions", "amount", line=line.code, received=format_amount(balance.contributions), paid=format_amount(balance.paid), amount=format_amount(amount))
        excess = amount - max(balance.xhh_room, 0)
        return excess, {"line": line.code, "contributions": balance.contributions, "paid": balance.paid, "amount": amount, "excess": excess, "reference": reference}

    def _warn(self, action: str, line: _Line, warning: dict[str, Any] | None) -> None:
        if warning is not None:
            self.event(action, "control_warning", line.id, None, warning)

    def _payment_checked(self, line: _Line, row: dict[str, Any]) -> None:
        self._dated(line, row["date"])
        _check_code(row["kind"], codes.PAYMENT_KINDS, "kind", "loại thanh toán")
        if row["amount"] <= 0:
            _refuse("amount.zero_payment", "amount")

    def payment(self, line_id: int, voucher_no: str, when: dt.date, amount: int) -> None:
        """A payment directly on a line (outside any commitment)."""
        line = self.lines[line_id]
        row = {"year": line.year, "voucher_no": voucher_no, "date": when, "kind": "THANH_TOAN", "commitment_id": None, "line_id": line_id, "amount": amount}
        self._payment_checked(line, row)
        excess, warning = self._control(line, amount, "pay", voucher_no)
        xhh_excess, xhh_warning = self._control_xhh(line, amount, voucher_no)
        line.direct_paid += amount
        self._warn("control.warning", line, warning)
        self._warn("control.xhh_warning", line, xhh_warning)
        self.create(Payment, {**row, "excess_amount": excess + xhh_excess}, "payment.post")

    def commitment(self, row: dict[str, Any], items: Iterable[tuple[str, int, str, int]] = (), signed_on: dt.date | None = None,
                   activity: Iterable[tuple[type, dict[str, Any]]] = (), ending: str | None = None) -> int:
        """A commitment's whole story, as its services would write it: created with its order items
        (product, quantity, unit of measure, unit price), signed on ``signed_on``, its acceptances and
        payments (``activity``: ``(Acceptance, row)`` or ``(Payment, row)`` in date order), then
        ``ending`` ("close" or "cancel"). Every step is checked first; then the row goes in once, in
        its final state, before the rows that reference it, and its events tell its history."""
        line = self.lines[row["line_id"]]
        kind, reference, value = row["kind"], row["reference"], row["value"]
        self._commitment_checked(line, row)
        items = [{"product": p, "quantity": q, "unit_of_measure": u, "unit_price": price, "amount": q * price} for p, q, u, price in items]
        if any(item["quantity"] <= 0 or item["unit_price"] < 0 for item in items):
            _refuse("item.quantity", "items", number=1, value=0)
        if items and sum(item["amount"] for item in items) != value:
            _refuse("order.value_mismatch", "value", value=format_amount(value), items=format_amount(sum(item["amount"] for item in items)))
        draft = {**row, "id": self._new_id(Commitment), "status": "draft", "signed_on": None, "final_value": None, "excess_amount": 0, "version": 1,
                 "created_at": self.audit.now(), "created_by": self.actor.username}
        final, warning = dict(draft), None
        if signed_on is not None:
            excess, warning = self._control(line, value, "sign", reference)
            final.update(status="signed", signed_on=signed_on, excess_amount=excess, version=2)
        signed = dict(final)
        steps = self._steps(line, final, activity)
        accepted = sum(step["accepted_value"] for model, step, _a, _w in steps if model is Acceptance)
        paid = sum(step["amount"] for model, step, _a, _w in steps if model is Payment)
        if ending == "close":
            if not rules.can_close(final["status"], accepted, paid):
                _refuse("commitment.advance_uncleared", reference=reference, paid=format_amount(paid), accepted=format_amount(accepted))
            final.update(status="closed", final_value=accepted, version=final["version"] + 1)
        elif ending == "cancel":
            if not rules.can_cancel(final["status"], accepted, paid):
                _refuse("commitment.cannot_cancel", reference=reference, status=final["status"])
            final.update(status="cancelled", version=final["version"] + 1)
        line.committed += rules.held(final["status"], value, final["final_value"])
        if kind == "course":
            self.courses[draft["id"]] = (line.unit["id"], final["status"])  # for its attendance list

        self.add(Commitment, final)
        previous = self.state(Commitment, self.chunks.tables[Commitment].complete(draft))
        self.event(f"{kind}.create", "commitment", draft["id"], None, previous)
        for item in items:
            self.create(CommitmentItem, {**item, "commitment_id": draft["id"]}, "order_item.create")
        self._warn("control.warning", line, warning)
        if signed_on is not None:
            after = self.state(Commitment, self.chunks.tables[Commitment].complete(signed))
            self.event(f"{kind}.sign", "commitment", draft["id"], previous, after)
            previous = after
        for model, step, action, xhh_warning in steps:
            self._warn("control.xhh_warning", line, xhh_warning)
            self.create(model, {**step, "commitment_id": draft["id"]}, action)
        if ending:
            self.event(f"{kind}.{ending}", "commitment", draft["id"], previous, self.state(Commitment, self.chunks.tables[Commitment].complete(final)))
        return draft["id"]

    def _commitment_checked(self, line: _Line, row: dict[str, Any]) -> None:
        self._open(row["year"])
        _check_code(row["kind"], codes.COMMITMENT_KINDS, "kind", "loại cam kết")
        if codes.KIND_CATEGORY[row["kind"]] != line.category:
            _refuse("commitment.wrong_category", "line", line=line.code, category=codes.KIND_CATEGORY[row["kind"]])
        _check_code(row["stage_code"], codes.STAGES, "stage", "giai đoạn")
        if row.get("service_type") is not None:
            _check_code(row["service_type"], codes.SERVICE_TYPES, "service_type", "loại dịch vụ")
        if row["year"] != line.year:
            _refuse("line.other_year", "line", line=line.code, year=row["year"])
        if row["value"] <= 0:
            _refuse("amount.zero", "value")
        self.course_checked(row)

    def _steps(self, line: _Line, commitment: dict[str, Any], activity: Iterable[tuple[type, dict[str, Any]]]) -> list[tuple[type, dict[str, Any], str, dict[str, Any] | None]]:
        """Check a signed commitment's acceptances and payments in order, on its running balance."""
        value, reference, pct = commitment["value"], commitment["reference"], line.unit["advance_limit_pct"]
        accepted = advanced = regular = 0
        steps = []
        for model, step in activity:
            balance = rules.CommitmentBalance(commitment["id"], commitment["status"], value, None, accepted, advanced, regular)
            if model is Acceptance:
                amount = step["accepted_value"]
                if commitment["status"] != "signed":
                    _refuse("acceptance.status", reference=reference, status=commitment["status"])
                if amount <= 0:
                    _refuse("acceptance.zero", "accepted_value")
                if step["date"] < commitment["signed_on"]:
                    _refuse("acceptance.before_signing", "date", date=str(step["date"]), signed=str(commitment["signed_on"]))
                if amount > balance.acceptable:
                    _refuse("acceptance.over_value", "accepted_value", reference=reference, value=format_amount(value), accepted=format_amount(accepted), amount=format_amount(amount))
                self._dated(line, step["date"])
                accepted += amount
                steps.append((Acceptance, step, "acceptance.post", None))
                continue
            step = {**step, "year": line.year, "line_id": line.id}
            self._payment_checked(line, step)
            amount = step["amount"]
            if commitment["status"] != "signed":
                _refuse("payment.status", reference=reference, status=commitment["status"])
            if step["kind"] == "TAM_UNG":
                if amount > rules.advance_room(value, advanced, pct):
                    _refuse("payment.advance_limit", "amount", reference=reference, percent=pct, limit=format_amount(value * pct // 100), advanced=format_amount(advanced), amount=format_amount(amount))
                advanced += amount
            else:
                if accepted == 0:
                    _refuse("payment.before_acceptance", "amount", reference=reference)
                if amount > balance.payable:
                    _refuse("payment.over_accepted", "amount", reference=reference, accepted=format_amount(accepted), paid=format_amount(balance.paid), amount=format_amount(amount))
                regular += amount
            excess, warning = self._control_xhh(line, amount, step["voucher_no"])
            steps.append((Payment, {**step, "excess_amount": excess}, "payment.advance" if step["kind"] == "TAM_UNG" else "payment.post", warning))
        return steps
