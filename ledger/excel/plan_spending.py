"""Planning the spending sheets: commitments (orders with their items, training courses, IT-service
contracts), their signing, cancellation and close-out, contributions, acceptances and payments.

Commitments are created as drafts; the dated steps that move money — signing, contributions,
acceptances, advances, payments, reversals, close-outs — are then ordered by date and, on one day,
by kind (a contribution before the signing it funds, a signing before an advance, an advance before
the acceptance, an acceptance before the payment it makes payable, a reversal after what it
reverses); a close-out comes after its commitment's last acceptance or payment, so that an extract
whose history was "close an order, then commit the released money" imports as it was recorded.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from ledger.domain import clock
from ledger.domain.errors import Problem, ValidationError, problem
from ledger.domain.formatting import format_amount, parse_year
from ledger.excel import layout as L
from ledger.excel.commands import Command, Context, locate
from ledger.excel.plan_budget import BudgetPlanning, untyped_key
from ledger.excel.reader import Row, SheetRows, _text
from ledger.excel.texts import located, xproblem
from ledger.services import commitments, payments
from ledger.store import cache
from ledger.store.models import Contribution, Payment

CANCEL_REASON = "Hủy theo sổ tính nhập vào / cancelled as the imported workbook records"
KIND_OF_SHEET = {"orders": "order", "courses": "course", "it": "it_service"}
# On one day: contributions, signings, advances, acceptances, payments, reversals, close-outs.
CONTRIBUTION, SIGN, ADVANCE, ACCEPT, PAY, REVERSE, CLOSE = range(7)
COMMITMENT_FIELDS = {"reference": "reference", "year": "year", "line": "line", "press_agency": "agency", "description": "description",
                     "policy_code": "policy", "stage": "stage", "signed_on": "signed_on", "value": "value", "title": "title",
                     "start_date": "start", "end_date": "end", "participants": "participants", "cost": "cost", "vendor": "vendor",
                     "service_type": "service"}
CONTRIBUTION_FIELDS = {"voucher_no": "voucher", "year": "year", "line": "line", "date": "date", "donor": "donor", "amount": "amount", "reason": "note"}
PAYMENT_FIELDS = {"voucher_no": "voucher", "year": "year", "date": "date", "kind": "kind", "line": "line", "amount": "amount",
                  "reason": "note", "reference": "reference"}
ACCEPTANCE_FIELDS = {"record_no": "record", "date": "date", "accepted_value": "value", "evidence": "evidence", "reason": "evidence", "amount": "value"}
FORWARD = {"DU_THAO": {"DU_THAO", "DA_KY", "DA_THANH_LY", "DA_HUY"}, "DA_KY": {"DA_KY", "DA_THANH_LY", "DA_HUY"}}


def _item_tuple(v: dict[str, Any]) -> tuple:
    return (v["product"], v["quantity"], v.get("uom"), v["price"])


class Planner(BudgetPlanning):
    """Every sheet's planner; ``plan.make_plan`` calls them in the layout's order."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.commitments_known: dict[tuple, Any] = {}
        self.years_of: dict[str, set[int]] = defaultdict(set)  # reference -> years holding it (ledger or file)
        self.new_commitments: set[tuple] = set()
        self.signing: dict[tuple, Command] = {}
        self.activity: dict[tuple, list[Command]] = defaultdict(list)
        self.closing: list[tuple[SheetRows, Row, dict[str, Any], tuple, dt.date | None]] = []
        self.planned: dict[tuple, Command] = {}  # (kind, natural key) -> the command making it (for reversals)
        self.line_of: dict[tuple, tuple] = {}  # commitment key -> its line (year, code)

    def load_commitments(self) -> None:
        references = set()
        for key in ("orders", "courses", "it", "acceptances", "payments", "items"):
            sheet = self.book.sheets.get(key)
            if sheet is not None:
                references.update(_text(r.values.get("reference")) for r in sheet.rows)
        if "participants" in self.book.sheets:  # a course's attendance list may come without its course
            references.update(_text(r.values.get("course")) for r in self.book.sheets["participants"].rows)
        self.commitments_known = self.known.commitments(references)
        for key, found in self.commitments_known.items():
            self.years_of[key[1]].add(key[0])
            self.context.ids[("commitment", key)] = found.id

    # --- commitments ------------------------------------------------------------------------------
    def item_groups(self) -> dict[tuple, list[Row]]:
        """Order items by (year or None, contract no.)."""
        groups: dict[tuple, list[Row]] = defaultdict(list)
        sheet = self.book.sheets.get("items")
        for row in sheet.rows if sheet is not None else ():
            v = row.typed or {}
            year = v.get("year") if row.typed else parse_year(row.values.get("year"))[0]
            groups[(year, v.get("reference") or _text(row.values.get("reference")))].append(row)
        return groups

    def commitments(self, sheet: SheetRows, items: dict[tuple, list[Row]]) -> None:
        kind = KIND_OF_SHEET[sheet.spec.key]
        value_key = "cost" if kind == "course" else "value"
        fields = {**COMMITMENT_FIELDS, "amount": value_key}
        known_items = self.known.items(c.id for c in self.commitments_known.values() if c.kind == "order") if kind == "order" else {}
        seen: dict = {}
        for row in sheet.rows:
            v = row.typed
            own = None
            if v is not None and kind == "order":
                own = items.pop((v["year"], v["reference"]), []) + items.pop((None, v["reference"]), []) or None
            if v is None:
                self.failed.add(("commitment", untyped_key(row, "reference", year=True)))
                continue
            key, shown = (v["year"], v["reference"]), f"{v['reference']} ({v['year']})"
            if self.duplicate(sheet, row, seen, key, shown):
                continue
            if own and any(r.typed is None for r in own):
                self.failed.add(("commitment", key))
                self.tally.skip(sheet, row)
                continue
            existing = self.commitments_known.get(key)
            self.line_of[key] = (v["year"], existing.line if existing is not None else v["line"])
            target = v.get("status") or "DA_KY"
            if existing is not None:
                self._existing(sheet, row, v, existing, own, known_items.get(existing.id, []), target, shown, value_key)
                continue
            common = {"year": v["year"], "reference": v["reference"], "line": v["line"], "policy_code": v.get("policy"), "stage": v.get("stage")}
            item_list = [{"product": r.typed["product"], "quantity": r.typed["quantity"], "unit_of_measure": r.typed.get("uom") or "",
                          "unit_price": r.typed["price"]} for r in own or []]
            counts = [(sheet, row, v, shown)] + [(self.book.sheets["items"], r, r.typed, f"{v['reference']} · {r.typed['product']}") for r in own or []]
            made = self.emit("drafts", Command(
                sheet, row, lambda c, v=v, common=common, item_list=item_list: _create(c, kind, v, {**common, "line": _line(c, v)}, item_list), fields,
                needs=(("line", (v["year"], v["line"])), ("agency", v.get("agency")), ("policy", v.get("policy"))),
                gives=(("commitment", key),), counts=counts, done=self.remember("commitment", key),
                locate=lambda found, sheet=sheet, row=row, own=own: self._locate_item(sheet, row, found, fields, own),
            ))
            if made is not None:
                self.new_commitments.add(key)
                self.years_of[key[1]].add(key[0])
                self.follow_up(sheet, row, v, kind, key, None)
                self._lifecycle(sheet, row, v, "DU_THAO", target, key, None, fields)

    def follow_up(self, sheet: SheetRows, row: Row, v: dict[str, Any], kind: str, key: tuple, existing: Any) -> bool:
        """Hook (plan_team.py, plan_plans.py): what a commitment row adds besides its money (a course's
        topic and attendance list, the activity it carries out), queued before a cancellation; True
        when it changes a commitment already there."""
        return False

    def _locate_item(self, sheet: SheetRows, row: Row, found: Problem, fields: dict[str, str], own: list[Row] | None) -> Problem:
        if found.field and found.field.startswith("items[") and own:
            number = int(found.field[6:found.field.index("]")])
            column = {"product": "product", "quantity": "quantity", "unit_price": "price"}.get(found.field.split(".")[-1])
            item_row = own[number - 1]
            return located(found, **self.book.sheets["items"].where(item_row, column, item_row.values.get(column) if column else None))
        return locate(sheet, row, found, fields)

    def _existing(self, sheet, row, v, existing, own: list[Row] | None, have: list[tuple], target: str, shown: str, value_key: str) -> None:
        key = (existing.year, existing.reference)
        if self.denied(sheet, row, existing.unit_id):
            self.failed.add(("commitment", key))
            return
        pairs = [
            ("line", v.get("line"), existing.line), ("policy", v.get("policy"), existing.policy),
            ("stage", v.get("stage"), existing.stage_code), (value_key, v.get(value_key), existing.total_value),
            ("agency", v.get("agency"), existing.agency), ("description", v.get("description"), existing.description),
            ("title", v.get("title"), existing.description), ("start", v.get("start"), existing.start_date),
            ("end", v.get("end"), existing.end_date), ("participants", v.get("participants"), existing.participants),
            ("vendor", v.get("vendor"), existing.vendor), ("service", v.get("service"), existing.service_type),
        ]
        if existing.signed_on is not None:
            pairs.append(("signed_on", v.get("signed_on"), existing.signed_on))
        different = self.differs(sheet, row, shown, pairs)
        if own is not None:
            if have != sorted(_item_tuple(r.typed) for r in own):
                self.add(sheet, row, "xl.items_differ", item=shown)
                different = True
            else:
                for r in own:
                    self.tally.count(self.book.sheets["items"], r, r.typed, False, f"{v['reference']} · {r.typed['product']}")
        current = L.STATUS_FROM_LEDGER[existing.status]
        if target not in FORWARD.get(current, {current}):
            self.add(sheet, row, "xl.status_backwards", "status", row.values.get("status"), item=shown,
                     current=L.STATUS_LABELS[current][0], target=L.STATUS_LABELS[target][0])
            different = True
        if current == target == "DA_THANH_LY" and v.get("final") is not None and v["final"] != existing.final_value:
            self.add(sheet, row, "xl.final_value", "final", row.values.get("final"), item=shown, computed=format_amount(existing.final_value))
            different = True
        if different:
            self.failed.add(("commitment", key))
            return
        changed = self.follow_up(sheet, row, v, KIND_OF_SHEET[sheet.spec.key], key, existing)
        self.tally.count(sheet, row, v, current != target or changed, shown)
        self._lifecycle(sheet, row, v, current, target, key, existing.signed_on, {"signed_on": "signed_on", "amount": value_key})

    def _lifecycle(self, sheet, row, v, current: str, target: str, key: tuple, signed_on: dt.date | None, fields) -> None:
        """Cancel now, or schedule signing and close-out for the money phase."""
        if current == target:
            return
        commitment = ("commitment", key)
        if target == "DA_HUY":
            if current == "DU_THAO" and v.get("signed_on") and signed_on is None:
                # A course or IT contract signed before it was cancelled: sign it, then cancel it, first thing.
                def sign_and_cancel(c: Context) -> Any:
                    commitments.sign.in_session(c.session, c.actor, c.ids[commitment], v["signed_on"])
                    return commitments.cancel.in_session(c.session, c.actor, c.ids[commitment], CANCEL_REASON)

                self.emit("early", Command(sheet, row, sign_and_cancel, fields, needs=(commitment,), gives=(commitment,), savepoint=True, quiet=True))
                return
            self.emit("drafts", Command(sheet, row, lambda c: commitments.cancel.in_session(c.session, c.actor, c.ids[commitment], CANCEL_REASON),
                                        fields, needs=(commitment,), gives=(commitment,), quiet=True))
            return
        when = v.get("signed_on") or signed_on
        if current == "DU_THAO" and target in ("DA_KY", "DA_THANH_LY"):
            # A course or IT contract (no "Ngày ký" in the spec) is signed on its start date, never on the day of the import.
            when = when or _within(v.get("start"), key[0]) or _within(clock.today(), key[0])
            signs_on = when
            self.signing[key] = self.emit("money", Command(
                sheet, row, lambda c: commitments.sign.in_session(c.session, c.actor, c.ids[commitment], signs_on), fields,
                needs=(commitment,), gives=(("signed", key),), order=(when, SIGN), quiet=True, line=self.line_of[key],
            ))
        if target == "DA_THANH_LY":
            self.closing.append((sheet, row, v, key, when))

    def orphan_items(self, items: dict[tuple, list[Row]]) -> None:
        """Items whose order is not in the file: fine when the ledger's order holds exactly them."""
        sheet = self.book.sheets.get("items")
        if sheet is None:
            return
        found = {(year, reference): self._one_commitment(year, reference) for year, reference in items if reference}
        known = self.known.items(c.id for c in found.values() if c is not None and c.kind == "order")
        for (year, reference), rows in items.items():
            commitment = found.get((year, reference))
            if commitment is not None and commitment.kind == "order" and all(r.typed for r in rows):
                if known.get(commitment.id, []) == sorted(_item_tuple(r.typed) for r in rows):
                    for r in rows:
                        self.tally.count(sheet, r, r.typed, False, f"{reference} · {r.typed['product']}")
                    continue
            for r in rows:
                if r.typed is not None:
                    self.add(sheet, r, "xl.items_without_order", "reference", reference)

    def _one_commitment(self, year: int | None, reference: str) -> Any:
        years = [year] if year is not None else sorted(self.years_of.get(reference, ()))
        matches = [self.commitments_known[(y, reference)] for y in years if (y, reference) in self.commitments_known]
        return matches[0] if len(matches) == 1 else None

    def commitment_key(self, sheet: SheetRows, row: Row, year: int | None, reference: str) -> tuple | None:
        """The (year, number) of the commitment a row refers to; None (with a problem or a skip) if unknown."""
        if year is not None:
            key = (year, reference)
            if ("commitment", key) in self.failed:
                self.tally.skip(sheet, row)
                return None
            if key in self.commitments_known or key in self.new_commitments:
                return key
            self.problems.append(located(problem("commitment.unknown", value=reference), **sheet.where(row, "reference", reference)))
            return None
        if any(k[0] == "commitment" and k[1][1] == reference for k in self.failed if len(k) == 2 and isinstance(k[1], tuple)):
            self.tally.skip(sheet, row)
            return None
        years = self.years_of.get(reference, set())
        if len(years) > 1:
            self.add(sheet, row, "xl.ambiguous_reference", "reference", reference)
            return None
        if not years:
            self.problems.append(located(problem("commitment.unknown", value=reference), **sheet.where(row, "reference", reference)))
            return None
        return (next(iter(years)), reference)

    def close_ops(self) -> None:
        for sheet, row, v, key, when in self.closing:
            commitment = ("commitment", key)
            activity = self.activity.get(key, [])
            last = max([when or dt.date.min, *(c.order[0] for c in activity)])

            def close(c: Context, key=key, v=v, commitment=commitment) -> Any:
                done = commitments.close.in_session(c.session, c.actor, c.ids[commitment], CANCEL_REASON)
                if v.get("final") is not None and v["final"] != done.final_value:
                    raise ValidationError(xproblem("xl.final_value", field="final_value", item=f"{key[1]} ({key[0]})", computed=format_amount(done.final_value)))
                return done

            needs = (commitment, *((("signed", key),) if key in self.signing else ()), *(k for c in activity for k in c.gives))
            self.emit("money", Command(sheet, row, close, {"signed_on": "signed_on", "final_value": "final"}, needs=needs,
                                       order=(last, CLOSE), savepoint=True, quiet=True, line=self.line_of.get(key)))

    # --- money rows -----------------------------------------------------------------------------
    def money(self, sheet: SheetRows, kind: str) -> None:
        """Contributions, acceptances and payments: matched by natural key, else posted (or reversed)."""
        rows = [r for r in sheet.rows if r.typed]
        if kind == "acceptance":
            keys = {}
            for r in rows:
                v = r.typed
                year = v.get("year")
                if year is None and len(self.years_of.get(v["reference"], ())) == 1:
                    year = next(iter(self.years_of[v["reference"]]))
                keys[r.number] = year
            ids = [c.id for c in self.commitments_known.values()]
            known = self.known.acceptances(ids) if ids else {}
        else:
            keyed = [(r.typed["year"], r.typed["voucher"]) for r in rows]
            known = self.known.contributions(keyed) if kind == "contribution" else self.known.payments(keyed)
            for year in {year for year, _voucher in keyed}:  # the services' duplicate checks then cost no statement
                cache.prime_numbers(self.session, Contribution if kind == "contribution" else Payment, year)
        seen: dict = {}
        for row in rows:
            v = row.typed
            ckey = None
            if kind == "acceptance":
                ckey = self.commitment_key(sheet, row, keys[row.number], v["reference"])
                if ckey is None:
                    continue
                key, shown = (ckey, v["record"]), f"{v['record']} ({v['reference']})"
                commitment = self.commitments_known.get(ckey)
                existing = known.get((commitment.id, v["record"])) if commitment is not None else None
            else:
                key, shown = (v["year"], v["voucher"]), f"{v['voucher']} ({v['year']})"
                existing = None
            if self.duplicate(sheet, row, seen, key, shown):
                continue
            if kind != "acceptance":
                existing = known.get(key)
            if existing is not None:
                self.context.ids[(kind, key)] = existing.id
                unit = commitment.unit_id if kind == "acceptance" else existing.unit_id
                if not self.denied(sheet, row, unit) and not self.differs(sheet, row, shown, _pairs(kind, v, existing)):
                    self.tally.count(sheet, row, v, False, shown)
                continue
            if kind == "payment" and v.get("reference"):
                ckey = self.commitment_key(sheet, row, v["year"], v["reference"])
                if ckey is None:
                    continue
            self._post(sheet, row, v, kind, key, ckey, shown)

    def _post(self, sheet: SheetRows, row: Row, v: dict[str, Any], kind: str, key: tuple, ckey: tuple | None, shown: str) -> None:
        needs: list[tuple] = []
        if ckey is not None:
            needs.append(("commitment", ckey))
            if ckey in self.signing:
                needs.append(("signed", ckey))
        elif v.get("line"):
            needs.append(("line", (v["year"], v["line"])))
        rank = {"contribution": CONTRIBUTION, "acceptance": ACCEPT, "payment": ADVANCE if v.get("kind") == "TAM_UNG" else PAY}[kind]
        order: tuple = (v["date"], rank)
        fields = {"contribution": CONTRIBUTION_FIELDS, "acceptance": ACCEPTANCE_FIELDS, "payment": PAYMENT_FIELDS}[kind]
        run: Callable[[Context], Any] = _poster(kind, v, ckey)
        savepoint = False
        if v.get("reverses"):
            original_key = (ckey, v["reverses"]) if kind == "acceptance" else (v["year"], v["reverses"])
            original = self.planned.get((kind, original_key))
            amount = _original_amount(self, kind, original_key, original)
            if amount is None:
                self.add(sheet, row, "xl.reverses_unknown", "reverses", v["reverses"], value=v["reverses"])
                return
            value_column = "value" if kind == "acceptance" else "amount"
            if v[value_column] != -amount:
                self.add(sheet, row, "xl.reversal_amount", value_column, row.values.get(value_column), amount=format_amount(-amount))
                return
            needs.append((kind, original_key))
            order = max((v["date"], REVERSE), (*original.order, 1)) if original is not None else (v["date"], REVERSE)
            run, savepoint = _reverser(kind, v, original_key), True
        command = self.emit("money", Command(
            sheet, row, run, fields, needs=tuple(needs), gives=((kind, key), ("row", sheet.spec.key, row.number)),
            counts=[(sheet, row, v, shown)], done=self.remember(kind, key), order=order, savepoint=savepoint,
            line=self.line_of.get(ckey) if ckey is not None else (v["year"], v.get("line")),
        ))
        if command is not None:
            self.planned[(kind, key)] = command
            if ckey is not None:
                self.activity[ckey].append(command)


def _within(day: dt.date | None, year: int) -> dt.date | None:
    """The day, brought inside the commitment's year."""
    return None if day is None else min(max(day, dt.date(year, 1, 1)), dt.date(year, 12, 31))


def _create(c: Context, kind: str, v: dict[str, Any], common: dict[str, Any], items: list[dict[str, Any]]) -> Any:
    if kind == "order":
        return commitments.create_order.in_session(c.session, c.actor, **common, press_agency=v["agency"], description=v["description"],
                                                signed_on=v.get("signed_on"), items=items, value=v["value"])
    if kind == "course":
        return commitments.create_course.in_session(c.session, c.actor, **common, title=v["title"], start_date=v["start"], end_date=v["end"],
                                                 participants=v["participants"], cost=v["cost"])
    return commitments.create_it_contract.in_session(c.session, c.actor, **common, vendor=v["vendor"], service_type=v["service"],
                                                  start_date=v["start"], end_date=v["end"], value=v["value"], description=v.get("description"))


def _pairs(kind: str, v: dict[str, Any], existing: Any) -> list[tuple[str, Any, Any]]:
    """The columns compared with a row already in the ledger."""
    if kind == "acceptance":
        return [("date", v["date"], existing.date), ("value", v["value"], existing.accepted_value),
                ("evidence", v.get("evidence"), existing.evidence or None), ("reverses", v.get("reverses"), existing.reverses)]
    pairs = [("date", v["date"], existing.date), ("amount", v["amount"], existing.amount), ("reverses", v.get("reverses"), existing.reverses)]
    if kind == "contribution":
        return [("line", v["line"], existing.line), ("donor", v["donor"], existing.donor), *pairs]
    return [("kind", v["kind"], existing.kind), ("reference", v.get("reference"), existing.reference), ("line", v.get("line"), existing.line), *pairs]


def _original_amount(planner: Planner, kind: str, key: tuple, original: Command | None) -> int | None:
    """The amount of the row a reversal reverses: from its row in this file, else from the ledger."""
    if original is not None:
        return original.row.typed["value" if kind == "acceptance" else "amount"]
    if kind == "acceptance":
        commitment = planner.commitments_known.get(key[0])
        found = planner.known.acceptances([commitment.id]).get((commitment.id, key[1])) if commitment is not None else None
        if found is not None:
            planner.context.ids[(kind, key)] = found.id
        return found.accepted_value if found is not None else None
    found = (planner.known.contributions if kind == "contribution" else planner.known.payments)([key]).get(key)
    if found is not None:
        planner.context.ids[(kind, key)] = found.id
    return found.amount if found is not None else None


def _poster(kind: str, v: dict[str, Any], ckey: tuple | None) -> Callable[[Context], Any]:
    if kind == "contribution":
        return lambda c: payments.record_contribution.in_session(
            c.session, c.actor, year=v["year"], voucher_no=v["voucher"], line=_line(c, v), date=v["date"], donor=v["donor"], amount=v["amount"])
    if kind == "acceptance":
        return lambda c: commitments.accept.in_session(c.session, c.actor, c.ids[("commitment", ckey)], v["record"], v["date"], v["value"], v.get("evidence") or "")
    return lambda c: payments.record_payment.in_session(
        c.session, c.actor, year=v["year"], voucher_no=v["voucher"], date=v["date"], kind=v["kind"],
        commitment=c.ids[("commitment", ckey)] if ckey else None, line=v.get("line") if ckey else _line(c, v), amount=v["amount"])


def _line(c: Context, v: dict[str, Any]) -> Any:
    """The row's line by id when this import knows it (no look-up by code), else by its code."""
    return c.ids.get(("line", (v["year"], v.get("line"))), v.get("line"))


REVERSE_WITH = {"contribution": (payments.reverse_contribution, "note", "voucher", "voucher_no"),
                "payment": (payments.reverse_payment, "note", "voucher", "voucher_no"),
                "acceptance": (commitments.reverse_acceptance, "evidence", "record", "record_no")}


def _reverser(kind: str, v: dict[str, Any], original_key: tuple) -> Callable[[Context], Any]:
    """Reverse the original; the reversal's number is the service's, and must be the row's."""
    function, reason, column, attribute = REVERSE_WITH[kind]

    def run(c: Context) -> Any:
        made = function.in_session(c.session, c.actor, c.ids[(kind, original_key)], v.get(reason), v["date"])
        if getattr(made, attribute) != v[column]:
            raise ValidationError(xproblem("xl.reversal_number", generated=getattr(made, attribute)))
        return made

    return run
