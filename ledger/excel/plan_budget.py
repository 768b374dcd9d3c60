"""Planning the reference and budget sheets: units (parents first), press agencies, fiscal years,
policies, budget lines, and adjustments with their transfers and reversals.

Adjustments have no natural key of their own: a row matches an existing adjustment of the same line,
date, amount and decision number, each existing adjustment matching one row at most. A reversal row
names the row it reverses ("Reverses row"); reversing one leg of a transfer reverses both, so the
other leg's reversal row is posted with it.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ledger.domain.errors import problem
from ledger.domain.formatting import format_amount, format_date, parse_year
from ledger.excel.commands import Command, Context, Planning
from ledger.excel.match import Known
from ledger.excel.reader import Row, SheetRows, _text
from ledger.excel.texts import located
from ledger.services import press
from ledger.services.budget import add_line_in, adjust_line_in, reverse_adjustment_in, transfer_in
from ledger.services.reference import (
    create_policy_in,
    create_unit_in,
    open_year_in,
    policies_in_scope,
    set_year_open_in,
)

UNIT_FIELDS = {"code": "code", "name": "name", "kind": "kind", "parent_code": "parent", "chapter_code": "chapter",
               "commitment_control": "control", "advance_limit_pct": "advance", "xhh_control": "xhh_control"}
LINE_FIELDS = {"code": "code", "year": "year", "unit_code": "unit", "description": "description", "category": "category",
               "source": "source", "sector_code": "sector", "sub_item": "sub_item", "policy_code": "policy", "original_estimate": "estimate",
               "carried_from": "carried_from"}
ADJUSTMENT_FIELDS = {"amount": "amount", "date": "date", "decision_no": "decision", "reason": "reason", "year": "year",
                     "line": "line", "to_line": "line", "transfer_key": "transfer"}


def untyped_key(row: Row, column: str = "code", year: bool = False) -> Any:
    """The natural key a refused row would have had (its dependents are skipped, not refused)."""
    code = _text(row.values.get(column))
    return (parse_year(row.values.get("year"))[0], code) if year else code


class BudgetPlanning(Planning):
    """The reference and budget sheets' planners (see the module docstring)."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.known = Known(self.session)
        self.lines_known: dict[tuple[int, str], Any] = {}
        self.lines_seen: set[tuple[int, str]] = set()
        self.new_lines: set[tuple[int, str]] = set()

    def units(self, sheet: SheetRows) -> None:
        rows = sheet.rows
        in_file = {r.typed["code"]: i for i, r in enumerate(rows) if r.typed}
        order, placed = [], set()

        def place(index: int, trail: tuple = ()) -> None:  # parents before children, whatever the rows' order
            if index in placed or index in trail:
                return
            parent = (rows[index].typed or {}).get("parent")
            if parent in in_file:
                place(in_file[parent], (*trail, index))
            placed.add(index)
            order.append(index)

        for index in range(len(rows)):
            place(index)
        for row, v, code, existing in self.coded(sheet, "unit", self.known.units(in_file), [rows[i] for i in order]):
            if existing is not None:
                if not self.readable(existing.id):
                    self.at_row(sheet, row, [problem("perm.admin_only")])
                    self.failed.add(("unit", code))
                elif self.differs(sheet, row, code, [
                    ("name", v.get("name"), existing.name), ("parent", v.get("parent"), existing.parent),
                    ("chapter", v.get("chapter"), existing.chapter_code), ("kind", v.get("kind"), existing.kind),
                    ("control", v.get("control"), existing.commitment_control), ("advance", v.get("advance"), existing.advance_limit_pct),
                    ("xhh_control", v.get("xhh_control"), existing.xhh_control),
                ]):
                    self.failed.add(("unit", code))
                else:
                    self.tally.count(sheet, row, v, False, code)
                continue
            data = {"code": code, "name": v.get("name"), "parent_code": v.get("parent"), "chapter_code": v.get("chapter")}
            for key, column in (("kind", "kind"), ("commitment_control", "control"), ("xhh_control", "xhh_control"), ("advance_limit_pct", "advance")):
                if v.get(column) is not None:
                    data[key] = v[column]
            self.emit("reference", Command(
                sheet, row, lambda c, data=data: create_unit_in(c.session, c.actor, **data), UNIT_FIELDS,
                needs=(("unit", v.get("parent")),), gives=(("unit", code),), counts=[(sheet, row, v, code)],
            ))

    def coded(self, sheet: SheetRows, kind: str, known: dict[str, Any], rows: list[Row] | None = None):
        """A sheet keyed by a code: (row, values, code, the ledger's record or None) for each row to
        plan; a refused row marks its code failed (its dependents are skipped), a doubled code is a problem."""
        seen: dict = {}
        for row in sheet.rows if rows is None else rows:
            if row.typed is None:
                if untyped_key(row) is not None:
                    self.failed.add((kind, untyped_key(row)))
                continue
            code = row.typed["code"]
            if not self.duplicate(sheet, row, seen, code, code):
                yield row, row.typed, code, known.get(code)

    def press(self, sheet: SheetRows) -> None:
        known = self.known.agencies(r.typed["code"] for r in sheet.rows if r.typed)
        for row, v, code, existing in self.coded(sheet, "agency", known):
            if existing is not None:
                if self.differs(sheet, row, code, [
                    ("name", v.get("name"), existing.name), ("media", v.get("media"), existing.media_type),
                    ("governing", v.get("governing"), existing.governing_body or None), ("level", v.get("level"), existing.level),
                ]):
                    self.failed.add(("agency", code))
                else:
                    self.tally.count(sheet, row, v, False, code)
                continue
            self.emit("reference", Command(
                sheet, row, lambda c, v=v: press.create_press_agency.in_session(
                    c.session, c.actor, v["code"], v.get("name"), v.get("media"), v.get("governing") or "", v.get("level") or "central"),
                {"code": "code", "name": "name", "media_type": "media", "level": "level"},
                gives=(("agency", code),), counts=[(sheet, row, v, code)],
            ))

    def years(self, sheet: SheetRows) -> None:
        known = self.known.years()
        seen: dict = {}
        for row in sheet.rows:
            v = row.typed
            if v is None:
                continue
            year = v["year"]
            if self.duplicate(sheet, row, seen, year, str(year)):
                continue
            if year in known:
                self.tally.count(sheet, row, v, False, str(year))
                continue
            self.emit("reference", Command(
                sheet, row, lambda c, year=year: open_year_in(c.session, c.actor, year), {"year": "year"},
                gives=(("year", year),), counts=[(sheet, row, v, str(year))],
            ))
            if v.get("status") == "KHOA":  # closed last, once everything of that year is posted
                self.emit("last", Command(
                    sheet, row, lambda c, year=year: set_year_open_in(c.session, c.actor, year, False), {},
                    needs=(("year", year),), quiet=True,
                    locate=lambda found, sheet=sheet: located(found, sheet=sheet.title),
                ))

    def policies(self, sheet: SheetRows) -> None:
        known = self.known.policies(r.typed["code"] for r in sheet.rows if r.typed)
        visible: set[int] | None = None
        for row, v, code, existing in self.coded(sheet, "policy", known):
            if existing is not None:
                if not self.readable(existing.owner_unit_id):
                    if visible is None:
                        visible = {p.id for p in policies_in_scope(self.session, self.actor)}
                    if existing.id not in visible:
                        self.at_row(sheet, row, [problem("perm.admin_only")])
                        self.failed.add(("policy", code))
                        continue
                if self.differs(sheet, row, code, [("name", v.get("name"), existing.name), ("owner", v.get("owner"), existing.owner)]):
                    self.failed.add(("policy", code))
                else:
                    self.tally.count(sheet, row, v, self.policy_profile(sheet, row, v, code, existing), code)
                continue
            self.emit("reference", Command(
                sheet, row, lambda c, v=v: create_policy_in(c.session, c.actor, v["code"], v["name"], v["owner"]),
                {"code": "code", "name": "name", "owner_unit_code": "owner"},
                needs=(("unit", v.get("owner")),), gives=(("policy", code),), counts=[(sheet, row, v, code)],
            ))
            self.policy_profile(sheet, row, v, code, None)

    def policy_profile(self, sheet: SheetRows, row: Row, v: dict[str, Any], code: str, existing: Any) -> bool:
        """Hook (plan_plans.py): the policy's document type, Decision-407 flag and dates; True when
        the row changes them on a policy already there."""
        return False

    # --- budget lines ----------------------------------------------------------------------------
    def lines(self, sheet: SheetRows) -> None:
        known = self.known_lines((r.typed["year"], r.typed["code"]) for r in sheet.rows if r.typed)
        seen: dict = {}
        for row in sheet.rows:
            v = row.typed
            if v is None:
                self.failed.add(("line", untyped_key(row, year=True)))
                continue
            key, shown = (v["year"], v["code"]), f"{v['code']} ({v['year']})"
            if self.duplicate(sheet, row, seen, key, shown):
                continue
            existing = known.get(key)
            if existing is not None:
                if self.denied(sheet, row, existing.unit_id) or self.differs(sheet, row, shown, [
                    ("unit", v.get("unit"), existing.unit), ("description", v.get("description"), existing.description),
                    ("category", v.get("category"), existing.category_code), ("source", v.get("source"), existing.source_code),
                    ("sector", v.get("sector"), existing.sector_code), ("sub_item", v.get("sub_item"), existing.sub_item),
                    ("policy", v.get("policy"), existing.policy), ("estimate", v.get("estimate"), existing.original_estimate),
                    ("carried_from", v.get("carried_from"), existing.carried_from),
                ]):
                    self.failed.add(("line", key))
                else:
                    self.tally.count(sheet, row, v, False, shown)
                continue
            data = {"code": v["code"], "year": v["year"], "unit_code": v["unit"], "description": v["description"],
                    "category": v["category"], "source": v["source"], "sector_code": v.get("sector"), "sub_item": v.get("sub_item"),
                    "policy_code": v.get("policy"), "original_estimate": v["estimate"], "carried_from": v.get("carried_from")}
            self.new_lines.add(key)
            origin = ("line", (v["year"] - 1, v["carried_from"])) if v.get("carried_from") else None
            self.emit("budget", Command(
                sheet, row, lambda c, data=data: add_line_in(c.session, c.actor, **data), LINE_FIELDS,
                needs=(("unit", v.get("unit")), ("policy", v.get("policy")), ("year", v["year"]), *((origin,) if origin else ())), gives=(("line", key),),
                counts=[(sheet, row, v, shown)], done=self.remember("line", key),
            ))

    def remember(self, kind: str, key: Any):
        def done(context: Context, made: Any) -> None:
            context.ids[(kind, key)] = made.id

        return done

    def known_lines(self, keys) -> dict[tuple[int, str], Any]:
        """The ledger's lines for those keys (fetched once per key, kept for the later sheets)."""
        keys = set(keys)
        missing = keys - self.lines_seen
        if missing:
            found = self.known.lines(missing)
            self.lines_known.update(found)
            for key, line in found.items():
                self.context.ids[("line", key)] = line.id
            self.lines_seen |= missing
        return {key: self.lines_known[key] for key in keys if key in self.lines_known}

    def line_ref(self, sheet: SheetRows, row: Row, key: tuple[int, str], column: str = "line") -> bool:
        """Whether the row's line exists (in the ledger or made by this file); else a problem, or a
        skip when the line's own row was refused."""
        if key in self.lines_known or key in self.new_lines:
            return True
        if ("line", key) in self.failed:
            self.tally.skip(sheet, row)
        else:
            self.problems.append(located(problem("line.unknown", value=key[1]), **sheet.where(row, column, key[1])))
        return False

    # --- adjustments ----------------------------------------------------------------------------
    def adjustments(self, sheet: SheetRows) -> None:
        typed = {r.number: r.typed for r in sheet.rows if r.typed}
        by_number = {r.number: r for r in sheet.rows}
        lines = self.known_lines((v["year"], v["line"]) for v in typed.values())
        legs: dict[str, list[Row]] = defaultdict(list)
        for row in sheet.rows:
            v = row.typed
            if v is not None and v.get("transfer") and not v.get("reverses"):
                legs[v["transfer"]].append(row)
        by_line, by_transfer, reversals = self.known.adjustments({line.id for line in lines.values()}, legs)
        state = _Adjustments(sheet, typed, by_number, legs, by_line, by_transfer, reversals)
        for row in sheet.rows:
            v = row.typed
            if row.number in state.handled or v is None:
                continue
            key = (v["year"], v["line"])
            if not self.line_ref(sheet, row, key):
                continue
            line = lines.get(key)
            if line is not None and self.denied(sheet, row, line.unit_id):
                continue
            shown = f"{v['line']} · {format_date(v['date'])} · {format_amount(v['amount'])}"
            if v.get("reverses"):
                self._reversal(state, row, v, key, shown)
            elif v.get("transfer"):
                self._transfer(state, legs[v["transfer"]])
            else:
                self._plain(state, row, v, key, line, shown)

    def _plain(self, state: _Adjustments, row: Row, v: dict[str, Any], key: tuple, line: Any, shown: str) -> None:
        sheet = state.sheet
        pool = state.by_line.get(line.id, []) if line is not None else []
        match = next((a for a in pool if (a.date, a.amount, a.decision_no) == (v["date"], v["amount"], v["decision"])
                      and a.transfer_key is None and a.reverses_id is None), None)
        if match is not None:
            pool.remove(match)
            state.post(self.context, row.number, match)
            if (match.reason or None) != v.get("reason"):
                self.add(sheet, row, "xl.differs", "reason", row.values.get("reason"), item=shown)
            else:
                self.tally.count(sheet, row, v, False, shown)
            return
        state.posted[row.number] = None
        self.emit("budget", Command(
            sheet, row, lambda c, v=v: adjust_line_in(c.session, c.actor, c.ids[("line", key)], v["amount"], v["date"], v["decision"], v.get("reason") or ""),
            ADJUSTMENT_FIELDS, needs=(("line", key),), gives=(("adjustment", row.number),), counts=[(sheet, row, v, shown)],
            done=self.remember("adjustment", row.number),
        ))

    def _transfer(self, state: _Adjustments, rows: list[Row]) -> None:
        sheet = state.sheet
        state.handled.update(r.number for r in rows)
        values = [r.typed for r in rows]
        key = values[0]["transfer"]
        first, second = values[0], values[-1]
        if not (len(rows) == 2 and first["amount"] == -second["amount"] != 0 and all(
            first[c] == second[c] for c in ("date", "decision", "year")) and first.get("reason") == second.get("reason")):
            for r in rows:
                self.add(sheet, r, "xl.transfer_pair", "transfer", key)
            return
        out_index = 0 if first["amount"] < 0 else 1
        (out_row, out_v), (in_row, in_v) = (rows[out_index], values[out_index]), (rows[1 - out_index], values[1 - out_index])
        existing = state.by_transfer.get(key)
        if existing:
            def found(vv):
                return next((a for a in existing if (a.amount, a.date, a.decision_no, a.line) == (vv["amount"], vv["date"], vv["decision"], vv["line"])
                             and a.reverses_id is None), None)

            matched = found(out_v) is not None and found(in_v) is not None
            for r, vv in ((out_row, out_v), (in_row, in_v)):
                if matched:
                    state.post(self.context, r.number, found(vv))
                    self.tally.count(sheet, r, vv, False, f"{vv['line']} · {key}")
                else:
                    self.add(sheet, r, "xl.differs", "transfer", key, item=f"{vv['line']} · {key}")
            return
        source, target = (out_v["year"], out_v["line"]), (in_v["year"], in_v["line"])
        if not (self.line_ref(sheet, out_row, source) & self.line_ref(sheet, in_row, target)):
            return
        state.posted[out_row.number] = state.posted[in_row.number] = None

        def done(context: Context, made: Any) -> None:
            context.ids[("adjustment", out_row.number)], context.ids[("adjustment", in_row.number)] = made[0].id, made[1].id

        self.emit("budget", Command(
            sheet, out_row, lambda c: transfer_in(c.session, c.actor, c.ids[("line", source)], c.ids[("line", target)], in_v["amount"],
                                                  out_v["date"], out_v["decision"], out_v.get("reason") or "", transfer_key=key),
            ADJUSTMENT_FIELDS, needs=(("line", source), ("line", target)),
            gives=(("adjustment", out_row.number), ("adjustment", in_row.number)), savepoint=True, done=done,
            counts=[(sheet, out_row, out_v, f"{out_v['line']} · {key}"), (sheet, in_row, in_v, f"{in_v['line']} · {key}")],
        ))

    def _reversal(self, state: _Adjustments, row: Row, v: dict[str, Any], key: tuple, shown: str) -> None:
        sheet, number = state.sheet, v["reverses"]
        if number not in state.posted:
            if number in state.by_number and number not in state.typed:
                self.tally.skip(sheet, row)
            else:
                self.add(sheet, row, "xl.reverses_row", "reverses", number, target=number)
            return
        target = state.target(number)
        if target["line"] != key or target["amount"] != -v["amount"] or target["decision"] != v["decision"] or target["reverses"]:
            self.add(sheet, row, "xl.reverses_row", "reverses", number, target=number)
            return
        known = state.posted[number]
        already = state.reversals.get(known.id) if known is not None else None
        if already is not None:
            state.post(self.context, row.number, already)
            if already.date != v["date"] or (already.reason or None) != v.get("reason"):
                column = "date" if already.date != v["date"] else "reason"
                self.add(sheet, row, "xl.differs", column, row.values.get("date"), item=shown)
            else:
                self.tally.count(sheet, row, v, False, shown)
            return
        counts, gives = [(sheet, row, v, shown)], [("adjustment", row.number)]
        twin = None
        if target["transfer"]:
            # Both legs are reversed together: the other leg's reversal row is this command's too.
            twin = state.twin_reversal(number)
            if twin is None:
                self.add(sheet, row, "xl.transfer_pair", "reverses", target["transfer"])
                return
            twin_row, twin_v = twin
            state.handled.add(twin_row.number)
            state.posted[twin_row.number] = None
            counts.append((sheet, twin_row, twin_v, f"{twin_v['line']} · {format_date(twin_v['date'])} · {format_amount(twin_v['amount'])}"))
            gives.append(("adjustment", twin_row.number))
        state.posted[row.number] = None
        target_id = ("adjustment", number)

        def run(c: Context) -> Any:
            made = reverse_adjustment_in(c.session, c.actor, c.ids[target_id], v.get("reason"), v["date"],
                                         transfer_key=v.get("transfer") if target["transfer"] else None)
            for leg in made:
                c.ids[("adjustment", row.number if leg.reverses_id == c.ids[target_id] else twin[0].number)] = leg.id
            return made

        self.emit("budget", Command(sheet, row, run, ADJUSTMENT_FIELDS, needs=(target_id,), gives=tuple(gives), counts=counts, savepoint=True))


class _Adjustments:
    """One adjustments sheet being planned: its rows, what the ledger holds, what each row became."""

    def __init__(self, sheet, typed, by_number, legs, by_line, by_transfer, reversals):
        self.sheet, self.typed, self.by_number, self.legs = sheet, typed, by_number, legs
        self.by_line, self.by_transfer, self.reversals = by_line, by_transfer, reversals
        self.handled: set[int] = set()
        self.posted: dict[int, Any] = {}  # row number -> the ledger's adjustment it matched, or None: made by this import

    def post(self, context: Context, number: int, known: Any) -> None:
        self.posted[number] = known
        context.ids[("adjustment", number)] = known.id

    def target(self, number: int) -> dict[str, Any]:
        """What the reversed row is: from the ledger when it matched, else from its row."""
        known = self.posted[number]
        v = self.typed[number]
        if known is not None:
            return {"line": (v["year"], known.line), "amount": known.amount, "decision": known.decision_no,
                    "reverses": known.reverses_id is not None, "transfer": known.transfer_key}
        return {"line": (v["year"], v["line"]), "amount": v["amount"], "decision": v["decision"],
                "reverses": bool(v.get("reverses")), "transfer": v.get("transfer")}

    def twin_reversal(self, number: int) -> tuple[Row, dict[str, Any]] | None:
        """The row reversing the other leg of the transfer that row ``number`` belongs to."""
        transfer = self.typed[number].get("transfer")
        other = next((r.number for r in self.legs.get(transfer, []) if r.number != number), None)
        if other is None:
            return None
        for twin_number, vv in self.typed.items():
            if vv.get("reverses") == other and self.typed[other]["amount"] == -vv["amount"]:
                return self.by_number[twin_number], vv
        return None
