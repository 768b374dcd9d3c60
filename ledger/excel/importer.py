"""Bulk entry from a workbook: every row goes through the ledger's own services, in ONE write
transaction, each row in a SAVEPOINT of its own, so that a refused row's problems are collected (with
sheet, row and column) and the run goes on. At the end, if anything was wrong (or on a dry run),
everything is rolled back: a workbook is applied whole or not at all.

Order of application: the spec's sheet order. Commitments are created as drafts sheet by sheet; the
dated steps that move money — signing, contributions, acceptances, payments, close-outs — then run
in that order, and a step refused only because of what came before it (the available balance, an
acceptance not posted yet…) is retried once the rest has run, so that an extract whose history was
"close an order, then commit the released money" imports as it was recorded.

Idempotence: a row whose natural key is already in the ledger with the same content is skipped and
counted as unchanged; the same key with other content is a problem (posted records are never edited).
Adjustments have no natural key of their own: a row matches an existing adjustment of the same line,
date, amount and decision number, each existing adjustment matching one row at most.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ledger.domain.errors import LedgerError, Problem, ValidationError, problem
from ledger.domain.formatting import format_amount, format_date, parse_amount, parse_date, parse_year
from ledger.excel import layout as L
from ledger.excel.layout import AMOUNT, CODE, COMPUTED, DATE, INT, SIGNED, TEXT, YEAR
from ledger.excel.reader import Book, Row, SheetRows, WorkbookRefused, read_workbook
from ledger.excel.reader import Source as FileSource
from ledger.excel.texts import located, xproblem
from ledger.services import spending
from ledger.services.budget import add_line_in, adjust_line_in, find_line, reverse_adjustment_in, transfer_in
from ledger.services.reference import (
    create_policy_in,
    create_unit_in,
    open_year_in,
    policy_by_code,
    set_year_open_in,
    unit_by_code,
)
from ledger.store.access import SYSTEM, Actor, current_user, require_writer, scope_unit_ids
from ledger.store.db import Database
from ledger.store.models import (
    Acceptance,
    Adjustment,
    BudgetLine,
    Category,
    Commitment,
    CommitmentItem,
    Contribution,
    FiscalYear,
    Payment,
    Policy,
    Source,
    Stage,
    Unit,
)

log = logging.getLogger(__name__)
PREVIEW_ROWS = 200
CANCEL_REASON = "Hủy theo sổ tính nhập vào / cancelled as the imported workbook records"
# Refusals that may go away once other rows of the file are posted (see the module docstring).
RETRYABLE = {
    "commit.over_available", "xhh.over_contributions", "payment.before_acceptance", "payment.over_accepted",
    "payment.status", "acceptance.status", "commitment.not_signed", "commitment.advance_uncleared",
    "acceptance.paid_beyond", "acceptance.over_value", "payment.advance_limit",
}
CODE_LISTS: dict[tuple[str, str], dict[str, tuple[str, str]]] = {
    ("units", "kind"): L.UNIT_KIND_LABELS,
    ("units", "control"): L.CONTROL_LABELS,
    ("units", "xhh_control"): L.CONTROL_LABELS,
    ("press", "media"): spending.MEDIA_LABELS,
    ("press", "level"): L.LEVEL_LABELS,
    ("years", "status"): L.YEAR_STATUS_LABELS,
    ("lines", "category"): L.CATEGORY_LABELS,
    ("lines", "source"): L.SOURCE_LABELS,
    ("orders", "stage"): L.STAGE_LABELS,
    ("orders", "status"): L.STATUS_LABELS,
    ("courses", "stage"): L.STAGE_LABELS,
    ("courses", "status"): L.STATUS_LABELS,
    ("it", "stage"): L.STAGE_LABELS,
    ("it", "service"): spending.SERVICE_LABELS,
    ("it", "status"): L.STATUS_LABELS,
    ("payments", "kind"): spending.PAYMENT_KIND_LABELS,
}
KIND_OF_SHEET = {"orders": "order", "courses": "course", "it": "it_service"}


# --- the result ------------------------------------------------------------------------------------

@dataclass
class SheetReport:
    key: str
    title: str
    rows: int = 0
    new: int = 0
    unchanged: int = 0
    amount: int | None = None
    new_amount: int | None = None
    new_rows: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ImportResult:
    dry_run: bool
    written: bool = False
    sheets: list[SheetReport] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def new(self) -> int:
        return sum(s.new for s in self.sheets)

    @property
    def unchanged(self) -> int:
        return sum(s.unchanged for s in self.sheets)

    def summary(self, lang: str = "vi") -> str:
        from ledger.i18n import t

        if self.problems:
            return t("xl.result_refused", lang, count=len(self.problems))
        key = "xl.result_written" if self.written else "xl.result_dry_run"
        return t(key, lang, created=self.new, unchanged=self.unchanged)


class _Rollback(Exception):
    """Raised inside the write transaction to undo everything (a dry run, or problems found)."""


@dataclass
class _Op:
    """A deferred step of the money phase."""

    number: int
    sheet: SheetRows
    row: Row
    run: Callable[[], Any]
    fields: dict[str, str]
    requires: set[int] = field(default_factory=set)
    on_done: Callable[[Any], None] | None = None
    last_problems: list[Problem] = field(default_factory=list)


# --- reading cells into values ----------------------------------------------------------------------

def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return format_date(value) if value.time() == dt.time() else value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return format_date(value)
    text = str(value).strip()
    return text or None


def _whole(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():  # not '²' or '٣'
        return int(value.strip())
    return None


def _codes_hint(labels: dict[str, tuple[str, str]]) -> str:
    return ", ".join(f"{code} ({vi})" for code, (vi, _en) in labels.items())


class _Importer:
    def __init__(self, session: Session, actor: Actor, book: Book, result: ImportResult):
        self.session = session
        self.actor = actor
        self.book = book
        self.result = result
        self.problems = result.problems
        self.failed: dict[str, set] = defaultdict(set)  # kind -> natural keys whose rows were refused
        self.dependent: dict[str, list[int]] = defaultdict(list)  # sheet key -> rows skipped
        self.reports: dict[str, SheetReport] = {}
        self.early_ops: list[_Op] = []  # run first: sign-then-cancel of cancelled courses and contracts
        self.ops: list[_Op] = []
        self._numbers = iter(range(1, 10**9))
        self._closing: list[tuple] = []
        self.sign_ops: dict[tuple, int] = {}  # commitment key -> its sign op
        self.activity_ops: dict[tuple, list[int]] = defaultdict(list)  # commitment key -> its acceptance/payment ops
        self.row_ops: dict[tuple[str, Any], int] = {}  # (sheet, natural key) -> op (for reversals)
        self.close_years: list[int] = []
        self.is_operator = actor == SYSTEM
        self.is_admin = self.is_operator or (actor.role == "admin")
        self.scope = scope_unit_ids(session, actor)
        self.code_lists = dict(CODE_LISTS)
        if session is not None:  # the catalogues' own labels (an administrator may have edited them)
            for model, columns in ((Category, ("category",)), (Source, ("source",)), (Stage, ("stage",))):
                labels = {row.code: (row.label_vi, row.label_en) for row in session.scalars(select(model).order_by(model.sort_order))}
                for (sheet_key, column_key) in CODE_LISTS:
                    if column_key in columns and labels:
                        self.code_lists[(sheet_key, column_key)] = labels

    # --- bookkeeping ---------------------------------------------------------------------------
    def report(self, sheet: SheetRows) -> SheetReport:
        if sheet.spec.key not in self.reports:
            amount = sheet.spec.amount is not None
            self.reports[sheet.spec.key] = SheetReport(sheet.spec.key, sheet.title, len(sheet.rows), amount=0 if amount else None, new_amount=0 if amount else None)
        return self.reports[sheet.spec.key]

    def count(self, sheet: SheetRows, row: Row, values: dict[str, Any], new: bool, key: str) -> None:
        report = self.report(sheet)
        amount = self._amount_of(sheet, values)
        if new:
            report.new += 1
            if report.new_amount is not None:
                report.new_amount += amount
            if len(report.new_rows) < PREVIEW_ROWS:
                report.new_rows.append({"row": row.number, "key": key, "amount": amount if report.amount is not None else None})
        else:
            report.unchanged += 1

    def _amount_of(self, sheet: SheetRows, values: dict[str, Any]) -> int:
        key = sheet.spec.amount
        if key is None:
            return 0
        if sheet.spec.key == "items":
            return (values.get("quantity") or 0) * (values.get("price") or 0)
        return values.get(key) or 0

    def add(self, sheet: SheetRows, row: Row | None, message_key: str, column: str | None = None, value: Any = None, /, **params: Any) -> None:
        self.problems.append(xproblem(message_key, **sheet.where(row, column, value), **params))

    def locate(self, sheet: SheetRows, row: Row, found: Problem, fields: dict[str, str]) -> Problem:
        column = fields.get(found.field or "")
        if column is not None and column in sheet.headers:
            return located(found, **sheet.where(row, column, row.values.get(column)))
        return located(found, sheet=sheet.title, row=row.number)

    def attempt(self, fn: Callable[[], Any]) -> tuple[bool, Any, list[Problem]]:
        """Run one row's service call in a SAVEPOINT; on refusal roll the savepoint back."""
        try:
            with self.session.begin_nested():
                return True, fn(), []
        except LedgerError as error:
            return False, None, list(error.problems)
        except SQLAlchemyError as error:
            detail = type(getattr(error, "orig", None) or error).__name__
            return False, None, [xproblem("xl.db_error", detail=detail)]
        except Exception as error:  # a bug must not take the whole import down with a traceback
            log.exception("workbook row failed")
            return False, None, [xproblem("xl.db_error", detail=type(error).__name__)]

    def run_row(self, sheet: SheetRows, row: Row, fn: Callable[[], Any], fields: dict[str, str]) -> tuple[bool, Any]:
        ok, value, found = self.attempt(fn)
        for p in found:
            self.problems.append(self.locate(sheet, row, p, fields))
        return ok, value

    def skip_dependent(self, sheet: SheetRows, row: Row) -> None:
        self.dependent[sheet.spec.key].append(row.number)

    def writable(self, unit_id: int) -> list[Problem]:
        try:
            require_writer(self.session, self.actor, unit_id)
        except LedgerError as error:
            return list(error.problems)
        return []

    def readable(self, unit_id: int | None) -> bool:
        return self.is_admin or (unit_id is not None and self.scope is not None and unit_id in self.scope)

    def duplicate(self, sheet: SheetRows, row: Row, seen: dict, key: Any, shown: str) -> bool:
        if key in seen:
            self.add(sheet, row, "xl.duplicate_row", item=shown, first=seen[key])
            return True
        seen[key] = row.number
        return False

    def differs(self, sheet: SheetRows, row: Row, shown: str, pairs: list[tuple[str, Any, Any]]) -> bool:
        """Compare file values with the ledger's; a problem per column that differs. Blank file cells
        are not compared (a template may leave optional columns empty)."""
        found = False
        for column, in_file, in_ledger in pairs:
            if column not in sheet.headers or in_file is None:
                continue
            if in_file != in_ledger:
                self.add(sheet, row, "xl.differs", column, row.values.get(column), item=shown)
                found = True
        return found

    # --- cells -----------------------------------------------------------------------------------
    def check(self, sheet: SheetRows, row: Row, required: set[str] | None = None) -> dict[str, Any] | None:
        """The row's values, typed; None (with its problems recorded) when any cell is wrong."""
        spec = sheet.spec
        problems = list(row.problems)
        values: dict[str, Any] = {}
        required = required if required is not None else {c.key for c in spec.required}
        for column in spec.columns:
            if column.key not in sheet.headers or column.kind == COMPUTED:
                continue
            raw = row.values.get(column.key)
            where = sheet.where(row, column.key, raw)
            if raw is None:
                values[column.key] = None
                if column.key in required and not any(p.column == where["column"] for p in problems):
                    problems.append(xproblem("xl.required", **where))
                continue
            value: Any = raw
            if column.kind in (AMOUNT, SIGNED):
                value, error = parse_amount(raw, allow_negative=column.kind == SIGNED)
                if error:
                    problems.append(located(error, **where))
            elif column.kind == DATE:
                value, error = parse_date(raw)
                if error:
                    problems.append(located(error, **where))
            elif column.kind == YEAR:
                value, error = parse_year(raw)
                if error:
                    problems.append(located(error, **where))
            elif column.kind == INT:
                value = _whole(raw)
                if column.key == "advance":
                    if value is None or not 0 <= value <= 100:
                        problems.append(xproblem("xl.percent", **where))
                elif value is None or value <= 0:
                    problems.append(xproblem("xl.not_whole", **where))
            elif column.kind == CODE:
                labels = self.code_lists.get((spec.key, column.key))
                value = L.code_for(_text(raw), labels) if labels else _text(raw)
                if value is None:
                    problems.append(xproblem("xl.code_unknown", **where, codes=_codes_hint(labels or {})))
            elif column.kind == TEXT:
                value = _text(raw)
                if column.key == "chapter" and isinstance(raw, int | float) and value and value.isdigit():
                    value = value.zfill(3)
            values[column.key] = value
        if problems:
            self.problems.extend(problems)
            return None
        return values

    # --- the run -----------------------------------------------------------------------------------
    def run(self) -> None:
        sheets = self.book.sheets
        for key, handler in (
            ("units", self.units), ("press", self.press), ("years", self.years), ("policies", self.policies),
            ("lines", self.lines), ("adjustments", self.adjustments),
        ):
            if key in sheets:
                handler(sheets[key])
        items = self.collect_items(sheets.get("items"))
        for key in ("orders", "courses", "it"):
            if key in sheets:
                self.commitments(sheets[key], items)
        if sheets.get("items") is not None:
            self.orphan_items(sheets["items"], items)
        for key, handler in (("contributions", self.contributions), ("acceptances", self.acceptances), ("payments", self.payments)):
            if key in sheets:
                handler(sheets[key])
        self.close_ops()
        self.run_ops()
        for year in self.close_years:
            ok, _value, found = self.attempt(lambda year=year: set_year_open_in(self.session, self.actor, year, False))
            for p in found:
                self.problems.append(located(p, sheet=sheets["years"].title))
        for key, rows in self.dependent.items():
            if rows:
                sheet = sheets[key]
                self.result.notes.append(xproblem("xl.dependent", sheet=sheet.title, row=rows[0], count=len(rows), first=rows[0]))
        for spec in L.DATA_SHEETS:
            if spec.key in sheets:
                report = self.report(sheets[spec.key])
                report.rows = len(sheets[spec.key].rows)
                if report.amount is not None:
                    report.amount = sum(self._amount_of(sheets[spec.key], self._loose(sheets[spec.key], r)) for r in sheets[spec.key].rows)
                self.result.sheets.append(report)

    def _loose(self, sheet: SheetRows, row: Row) -> dict[str, Any]:
        """The row's amounts for the sheet total, ignoring what cannot be read."""
        values = {}
        for key in ("estimate", "amount", "value", "cost", "quantity", "price"):
            raw = row.values.get(key)
            amount, error = parse_amount(raw, allow_negative=True) if raw is not None else (None, None)
            values[key] = amount if error is None else None
        return values

    # --- catalogues ---------------------------------------------------------------------------------
    def units(self, sheet: SheetRows) -> None:
        fields = {"code": "code", "name": "name", "kind": "kind", "parent_code": "parent", "chapter_code": "chapter",
                  "commitment_control": "control", "advance_limit_pct": "advance", "xhh_control": "xhh_control"}
        checked = [(row, self.check(sheet, row)) for row in sheet.rows]
        # Parents before children, whatever the order of the rows.
        in_file = {v["code"]: i for i, (_row, v) in enumerate(checked) if v}
        order, placed = [], set()

        def place(index: int, trail: tuple = ()) -> None:
            if index in placed or index in trail:
                return
            values = checked[index][1]
            parent = values.get("parent") if values else None
            if parent in in_file:
                place(in_file[parent], (*trail, index))
            placed.add(index)
            order.append(index)

        for index in range(len(checked)):
            place(index)
        seen: dict = {}
        for index in order:
            row, v = checked[index]
            if v is None:
                if row.values.get("code"):
                    self.failed["unit"].add(_text(row.values["code"]))
                continue
            code = v["code"]
            if self.duplicate(sheet, row, seen, code, code):
                continue
            existing = unit_by_code(self.session, code)
            if existing is not None:
                if not (self.is_admin or self.readable(existing.id)):
                    self.problems.append(located(problem("perm.admin_only"), sheet=sheet.title, row=row.number))
                    self.failed["unit"].add(code)
                    continue
                parent = self.session.get(Unit, existing.parent_id) if existing.parent_id else None
                if self.differs(sheet, row, code, [
                    ("name", v.get("name"), existing.name), ("parent", v.get("parent"), parent.code if parent else None),
                    ("chapter", v.get("chapter"), existing.chapter_code), ("kind", v.get("kind"), existing.kind),
                    ("control", v.get("control"), existing.commitment_control), ("advance", v.get("advance"), existing.advance_limit_pct),
                    ("xhh_control", v.get("xhh_control"), existing.xhh_control),
                ]):
                    self.failed["unit"].add(code)
                else:
                    self.count(sheet, row, v, False, code)
                continue
            if v.get("parent") in self.failed["unit"]:
                self.failed["unit"].add(code)
                self.skip_dependent(sheet, row)
                continue
            data = {"code": code, "name": v.get("name"), "parent_code": v.get("parent"), "chapter_code": v.get("chapter")}
            for key, column in (("kind", "kind"), ("commitment_control", "control"), ("xhh_control", "xhh_control"), ("advance_limit_pct", "advance")):
                if v.get(column) is not None:
                    data[key] = v[column]
            ok, _ = self.run_row(sheet, row, lambda data=data: create_unit_in(self.session, self.actor, **data), fields)
            if ok:
                self.count(sheet, row, v, True, code)
            else:
                self.failed["unit"].add(code)

    def press(self, sheet: SheetRows) -> None:
        fields = {"code": "code", "name": "name", "media_type": "media", "level": "level"}
        seen: dict = {}
        for row in sheet.rows:
            v = self.check(sheet, row)
            if v is None:
                self.failed["agency"].add(_text(row.values.get("code")))
                continue
            code = v["code"]
            if self.duplicate(sheet, row, seen, code, code):
                continue
            existing = spending.press_agency_by_code(self.session, code)
            if existing is not None:
                if self.differs(sheet, row, code, [
                    ("name", v.get("name"), existing.name), ("media", v.get("media"), existing.media_type),
                    ("governing", v.get("governing"), existing.governing_body or None), ("level", v.get("level"), existing.level),
                ]):
                    self.failed["agency"].add(code)
                else:
                    self.count(sheet, row, v, False, code)
                continue
            ok, _ = self.run_row(sheet, row, lambda v=v: spending.create_press_agency.in_session(
                self.session, self.actor, v["code"], v.get("name"), v.get("media"), v.get("governing") or "", v.get("level") or "central"
            ), fields)
            if ok:
                self.count(sheet, row, v, True, code)
            else:
                self.failed["agency"].add(code)

    def years(self, sheet: SheetRows) -> None:
        seen: dict = {}
        for row in sheet.rows:
            v = self.check(sheet, row)
            if v is None:
                continue
            year = v["year"]
            if self.duplicate(sheet, row, seen, year, str(year)):
                continue
            if self.session.get(FiscalYear, year) is not None:
                self.count(sheet, row, v, False, str(year))
                continue
            ok, _ = self.run_row(sheet, row, lambda year=year: open_year_in(self.session, self.actor, year), {"year": "year"})
            if ok:
                self.count(sheet, row, v, True, str(year))
                if v.get("status") == "KHOA":
                    self.close_years.append(year)
            else:
                self.failed["year"].add(year)

    def policies(self, sheet: SheetRows) -> None:
        fields = {"code": "code", "name": "name", "owner_unit_code": "owner"}
        seen: dict = {}
        for row in sheet.rows:
            v = self.check(sheet, row)
            if v is None:
                self.failed["policy"].add(_text(row.values.get("code")))
                continue
            code = v["code"]
            if self.duplicate(sheet, row, seen, code, code):
                continue
            existing = policy_by_code(self.session, code)
            if existing is not None:
                owner = self.session.get(Unit, existing.owner_unit_id)
                if not self.is_admin and not self.readable(existing.owner_unit_id) and not self._policy_visible(existing):
                    self.problems.append(located(problem("perm.admin_only"), sheet=sheet.title, row=row.number))
                    self.failed["policy"].add(code)
                elif self.differs(sheet, row, code, [("name", v.get("name"), existing.name), ("owner", v.get("owner"), owner.code)]):
                    self.failed["policy"].add(code)
                else:
                    self.count(sheet, row, v, False, code)
                continue
            if v.get("owner") in self.failed["unit"]:
                self.failed["policy"].add(code)
                self.skip_dependent(sheet, row)
                continue
            ok, _ = self.run_row(sheet, row, lambda v=v: create_policy_in(self.session, self.actor, v["code"], v["name"], v["owner"]), fields)
            if ok:
                self.count(sheet, row, v, True, code)
            else:
                self.failed["policy"].add(code)

    def _policy_visible(self, policy: Policy) -> bool:
        from ledger.services.reference import policies_in_scope

        return any(p.id == policy.id for p in policies_in_scope(self.session, self.actor))

    # --- budget lines and adjustments -----------------------------------------------------------------
    def lines(self, sheet: SheetRows) -> None:
        fields = {"code": "code", "year": "year", "unit_code": "unit", "description": "description", "category": "category",
                  "source": "source", "sector_code": "sector", "sub_item": "sub_item", "policy_code": "policy",
                  "original_estimate": "estimate"}
        seen: dict = {}
        for row in sheet.rows:
            v = self.check(sheet, row)
            if v is None:
                year, _ = parse_year(row.values.get("year"))
                self.failed["line"].add((year, _text(row.values.get("code"))))
                continue
            key, shown = (v["year"], v["code"]), f"{v['code']} ({v['year']})"
            if self.duplicate(sheet, row, seen, key, shown):
                continue
            existing = find_line(self.session, *key)
            if existing is not None:
                denied = self.writable(existing.unit_id)
                if denied:
                    self.problems.extend(located(p, sheet=sheet.title, row=row.number) for p in denied)
                    self.failed["line"].add(key)
                    continue
                policy = self.session.get(Policy, existing.policy_id) if existing.policy_id else None
                if self.differs(sheet, row, shown, [
                    ("unit", v.get("unit"), existing.unit.code), ("description", v.get("description"), existing.description),
                    ("category", v.get("category"), existing.category_code), ("source", v.get("source"), existing.source_code),
                    ("sector", v.get("sector"), existing.sector_code), ("sub_item", v.get("sub_item"), existing.sub_item),
                    ("policy", v.get("policy"), policy.code if policy else None), ("estimate", v.get("estimate"), existing.original_estimate),
                ]):
                    self.failed["line"].add(key)
                else:
                    self.count(sheet, row, v, False, shown)
                continue
            if v.get("unit") in self.failed["unit"] or v.get("policy") in self.failed["policy"] or v["year"] in self.failed["year"]:
                self.failed["line"].add(key)
                self.skip_dependent(sheet, row)
                continue
            data = {"code": v["code"], "year": v["year"], "unit_code": v["unit"], "description": v["description"],
                    "category": v["category"], "source": v["source"], "sector_code": v.get("sector"), "sub_item": v.get("sub_item"),
                    "policy_code": v.get("policy"), "original_estimate": v["estimate"]}
            ok, _ = self.run_row(sheet, row, lambda data=data: add_line_in(self.session, self.actor, **data), fields)
            if ok:
                self.count(sheet, row, v, True, shown)
            else:
                self.failed["line"].add(key)

    def _line(self, sheet: SheetRows, row: Row, year: int, code: str) -> BudgetLine | None:
        """The row's line, or None: a dependent skip when its own row failed, else a problem."""
        line = find_line(self.session, year, code)
        if line is None:
            if (year, code) in self.failed["line"]:
                self.skip_dependent(sheet, row)
            else:
                self.problems.append(located(problem("line.unknown", value=code), **sheet.where(row, "line", code)))
        return line

    def adjustments(self, sheet: SheetRows) -> None:
        fields = {"amount": "amount", "date": "date", "decision_no": "decision", "reason": "reason", "year": "year",
                  "line": "line", "to_line": "line", "transfer_key": "transfer"}
        checked: dict[int, dict[str, Any]] = {}
        for row in sheet.rows:
            v = self.check(sheet, row)
            if v is not None:
                checked[row.number] = v
        by_number = {row.number: row for row in sheet.rows}
        legs: dict[str, list[Row]] = defaultdict(list)
        for row in sheet.rows:
            v = checked.get(row.number)
            if v is not None and v.get("transfer") and not v.get("reverses"):
                legs[v["transfer"]].append(row)
        posted: dict[int, int] = {}  # row number -> adjustment id (created or matched)
        handled: set[int] = set()
        unmatched: dict[int, list[Adjustment]] = {}

        def existing_of(line: BudgetLine) -> list[Adjustment]:
            if line.id not in unmatched:
                unmatched[line.id] = list(self.session.scalars(select(Adjustment).where(Adjustment.line_id == line.id).order_by(Adjustment.id)))
            return unmatched[line.id]

        def same(a: Adjustment, v: dict[str, Any]) -> bool:
            return a.date == v["date"] and a.amount == v["amount"] and a.decision_no == v["decision"]

        for row in sheet.rows:
            if row.number in handled:
                continue
            v = checked.get(row.number)
            if v is None:
                continue
            line = self._line(sheet, row, v["year"], v["line"])
            if line is None:
                continue
            denied = self.writable(line.unit_id)
            if denied:
                self.problems.extend(located(p, sheet=sheet.title, row=row.number) for p in denied)
                continue
            shown = f"{v['line']} · {format_date(v['date'])} · {format_amount(v['amount'])}"
            if v.get("reverses"):
                self._reversal_row(sheet, row, v, line, checked, by_number, posted, handled, fields, shown)
                continue
            if v.get("transfer"):
                self._transfer(sheet, legs[v["transfer"]], checked, posted, handled, fields)
                continue
            pool = existing_of(line)
            match = next((a for a in pool if same(a, v) and a.transfer_key is None and a.reverses_id is None), None)
            if match is not None:
                pool.remove(match)
                posted[row.number] = match.id
                if (match.reason or None) != v.get("reason"):
                    self.add(sheet, row, "xl.differs", "reason", row.values.get("reason"), item=shown)
                else:
                    self.count(sheet, row, v, False, shown)
                continue
            ok, adjustment = self.run_row(
                sheet, row, lambda line=line, v=v: adjust_line_in(self.session, self.actor, line.id, v["amount"], v["date"], v["decision"], v.get("reason") or ""), fields
            )
            if ok:
                posted[row.number] = adjustment.id
                self.count(sheet, row, v, True, shown)

    def _transfer(self, sheet, rows: list[Row], checked, posted, handled, fields) -> None:
        handled.update(r.number for r in rows)
        values = [checked[r.number] for r in rows]
        key = values[0]["transfer"]
        pair_ok = (
            len(rows) == 2
            and values[0]["amount"] == -values[1]["amount"] != 0
            and values[0]["date"] == values[1]["date"]
            and values[0]["decision"] == values[1]["decision"]
            and values[0].get("reason") == values[1].get("reason")
            and values[0]["year"] == values[1]["year"]
        )
        if not pair_ok:
            for r in rows:
                self.add(sheet, r, "xl.transfer_pair", "transfer", key)
            return
        out_index = 0 if values[0]["amount"] < 0 else 1
        out_row, in_row = rows[out_index], rows[1 - out_index]
        out_v, in_v = values[out_index], values[1 - out_index]
        existing = list(self.session.scalars(select(Adjustment).where(Adjustment.transfer_key == key).order_by(Adjustment.id)))
        if existing:
            lines = {a.id: self.session.get(BudgetLine, a.line_id) for a in existing}
            matched = all(
                any(a.amount == vv["amount"] and a.date == vv["date"] and a.decision_no == vv["decision"] and lines[a.id].code == vv["line"] and a.reverses_id is None for a in existing)
                for vv in (out_v, in_v)
            )
            for r, vv in ((out_row, out_v), (in_row, in_v)):
                shown = f"{vv['line']} · {key}"
                if matched:
                    posted[r.number] = next(a.id for a in existing if lines[a.id].code == vv["line"] and a.amount == vv["amount"])
                    self.count(sheet, r, vv, False, shown)
                else:
                    self.add(sheet, r, "xl.differs", "transfer", key, item=shown)
            return
        source = find_line(self.session, out_v["year"], out_v["line"])
        target = find_line(self.session, in_v["year"], in_v["line"])
        for r, vv, line in ((out_row, out_v, source), (in_row, in_v, target)):
            if line is None:
                self._line(sheet, r, vv["year"], vv["line"])
        if source is None or target is None:
            return
        ok, legs = self.run_row(sheet, out_row, lambda: transfer_in(
            self.session, self.actor, source.id, target.id, in_v["amount"], out_v["date"], out_v["decision"], out_v.get("reason") or "",
            transfer_key=key,
        ), fields)
        if ok:
            posted[out_row.number], posted[in_row.number] = legs[0].id, legs[1].id
            self.count(sheet, out_row, out_v, True, f"{out_v['line']} · {key}")
            self.count(sheet, in_row, in_v, True, f"{in_v['line']} · {key}")

    def _reversal_row(self, sheet, row, v, line, checked, by_number, posted, handled, fields, shown) -> None:
        target_number = v["reverses"]
        target_id = posted.get(target_number)
        target = self.session.get(Adjustment, target_id) if target_id else None
        if target is None:
            if target_number in by_number and target_number not in checked:
                self.skip_dependent(sheet, row)
            else:
                self.add(sheet, row, "xl.reverses_row", "reverses", target_number, target=target_number)
            return
        if target.line_id != line.id or target.amount != -v["amount"] or target.decision_no != v["decision"] or target.reverses_id is not None:
            self.add(sheet, row, "xl.reverses_row", "reverses", target_number, target=target_number)
            return
        already = self.session.scalars(select(Adjustment).where(Adjustment.reverses_id == target.id)).first()
        if already is not None:
            posted[row.number] = already.id
            if already.date != v["date"] or (already.reason or None) != v.get("reason"):
                self.add(sheet, row, "xl.differs", "date" if already.date != v["date"] else "reason", row.values.get("date"), item=shown)
            else:
                self.count(sheet, row, v, False, shown)
            return
        ok, made = self.run_row(sheet, row, lambda: reverse_adjustment_in(
            self.session, self.actor, target.id, v.get("reason"), v["date"], transfer_key=v.get("transfer") if target.transfer_key else None
        ), fields)
        if not ok:
            return
        # Reversing one leg of a transfer reverses both: the other leg's reversal row is posted with it.
        for made_leg in made:
            if made_leg.reverses_id == target.id:
                posted[row.number] = made_leg.id
                self.count(sheet, row, v, True, shown)
                continue
            original_row = next((n for n, i in posted.items() if i == made_leg.reverses_id), None)
            twin = next((n for n, vv in checked.items() if original_row and vv.get("reverses") == original_row), None)
            twin_v = checked.get(twin) if twin else None
            if twin_v is None or twin_v["amount"] != made_leg.amount or twin_v["date"] != made_leg.date:
                self.add(sheet, row, "xl.transfer_pair", "reverses", target.transfer_key)
                continue
            posted[twin] = made_leg.id
            handled.add(twin)
            twin_shown = f"{twin_v['line']} · {format_date(twin_v['date'])} · {format_amount(twin_v['amount'])}"
            self.count(sheet, by_number[twin], twin_v, True, twin_shown)

    # --- commitments --------------------------------------------------------------------------------
    def collect_items(self, sheet: SheetRows | None) -> dict[tuple, list[tuple[Row, dict[str, Any]]]]:
        """Order items grouped by (year or None, contract no.); rows with problems mark their order."""
        groups: dict[tuple, list[tuple[Row, dict[str, Any] | None]]] = defaultdict(list)
        if sheet is None:
            return groups
        for row in sheet.rows:
            v = self.check(sheet, row)
            reference = (v or {}).get("reference") or _text(row.values.get("reference"))
            year = (v or {}).get("year")
            if year is None and v is None:
                year, _ = parse_year(row.values.get("year"))
            groups[(year, reference)].append((row, v))
        return groups

    def _items_for(self, year: int, reference: str, items: dict[tuple, list]) -> list[tuple[Row, dict | None]] | None:
        found = items.pop((year, reference), None)
        loose = items.pop((None, reference), None)
        if found is None and loose is None:
            return None
        return (found or []) + (loose or [])

    def orphan_items(self, sheet: SheetRows, items: dict[tuple, list]) -> None:
        """Items whose order is not in the file: fine when the ledger's order holds exactly them."""
        for (year, reference), rows in items.items():
            commitment = self._commitment(year, reference) if reference else None
            if isinstance(commitment, Commitment) and commitment.kind == "order":
                existing = sorted((i.product, i.quantity, i.unit_of_measure or None, i.unit_price) for i in self.session.scalars(select(CommitmentItem).where(CommitmentItem.commitment_id == commitment.id)))
                given = sorted((v["product"], v["quantity"], v.get("uom"), v["price"]) for _r, v in rows if v)
                if existing == given and all(v for _r, v in rows):
                    for r, v in rows:
                        self.count(sheet, r, v, False, f"{reference} · {v['product']}")
                    continue
            for r, v in rows:
                if v is not None:
                    self.add(sheet, r, "xl.items_without_order", "reference", reference)

    def _commitment(self, year: int | None, reference: str) -> Commitment | None | str:
        """A commitment by its number (and year when known); 'ambiguous' when several years hold it."""
        query = select(Commitment).where(Commitment.reference == reference)
        if year is not None:
            query = query.where(Commitment.year == year)
        found = list(self.session.scalars(query.limit(2)))
        if len(found) > 1:
            return "ambiguous"
        return found[0] if found else None

    def commitments(self, sheet: SheetRows, items: dict[tuple, list]) -> None:
        kind = KIND_OF_SHEET[sheet.spec.key]
        fields = {"reference": "reference", "year": "year", "line": "line", "press_agency": "agency", "description": "description",
                  "policy_code": "policy", "stage": "stage", "signed_on": "signed_on", "value": "value", "title": "title",
                  "start_date": "start", "end_date": "end", "participants": "participants", "cost": "cost", "vendor": "vendor",
                  "service_type": "service", "amount": "value" if kind != "course" else "cost"}
        value_key = "cost" if kind == "course" else "value"
        seen: dict = {}
        for row in sheet.rows:
            status = L.code_for(_text(row.values.get("status")), L.STATUS_LABELS) if "status" in sheet.headers else None
            required = {c.key for c in sheet.spec.required}
            if status in ("DU_THAO", "DA_HUY"):
                required.discard("signed_on")
            v = self.check(sheet, row, required)
            own_items = None
            if v is not None and kind == "order":
                own_items = self._items_for(v["year"], v["reference"], items)
            if v is None:
                year, _ = parse_year(row.values.get("year"))
                self.failed["commitment"].add((year, _text(row.values.get("reference"))))
                continue
            target = v.get("status") or "DA_KY"
            key, shown = (v["year"], v["reference"]), f"{v['reference']} ({v['year']})"
            if self.duplicate(sheet, row, seen, key, shown):
                continue
            if own_items and any(iv is None for _r, iv in own_items):
                self.failed["commitment"].add(key)
                self.skip_dependent(sheet, row)
                continue
            existing = self._commitment(*key)
            if isinstance(existing, Commitment):
                self._existing_commitment(sheet, row, v, existing, own_items, target, shown, value_key)
                continue
            if (v["year"], v["line"]) in self.failed["line"] or v.get("agency") in self.failed["agency"] or v.get("policy") in self.failed["policy"]:
                self.failed["commitment"].add(key)
                self.skip_dependent(sheet, row)
                continue
            common = {"year": v["year"], "reference": v["reference"], "line": v["line"], "policy_code": v.get("policy"), "stage": v.get("stage")}
            item_list = [
                {"product": iv["product"], "quantity": iv["quantity"], "unit_of_measure": iv.get("uom") or "", "unit_price": iv["price"]}
                for _r, iv in own_items or []
            ]
            call = functools.partial(self._create_commitment, kind, v, common, item_list)
            ok, value, found = self.attempt(call)
            for p in found:
                self.problems.append(self._locate_item(sheet, row, p, fields, own_items))
            if not ok:
                self.failed["commitment"].add(key)
                continue
            self.count(sheet, row, v, True, shown)
            if own_items:
                for item_row, iv in own_items:
                    self.count(self.book.sheets["items"], item_row, iv, True, f"{v['reference']} · {iv['product']}")
            self._lifecycle(sheet, row, v, value, "DU_THAO", target, key, fields)

    def _create_commitment(self, kind: str, v: dict[str, Any], common: dict[str, Any], items: list[dict[str, Any]]) -> Commitment:
        if kind == "order":
            return spending.create_order.in_session(
                self.session, self.actor, **common, press_agency=v["agency"], description=v["description"],
                signed_on=v.get("signed_on"), items=items, value=v["value"],
            )
        if kind == "course":
            return spending.create_course.in_session(
                self.session, self.actor, **common, title=v["title"], start_date=v["start"], end_date=v["end"],
                participants=v["participants"], cost=v["cost"],
            )
        return spending.create_it_contract.in_session(
            self.session, self.actor, **common, vendor=v["vendor"], service_type=v["service"], start_date=v["start"],
            end_date=v["end"], value=v["value"], description=v.get("description"),
        )

    def _locate_item(self, sheet, row, found: Problem, fields, own_items) -> Problem:
        if found.field and found.field.startswith("items[") and own_items:
            number = int(found.field[6:found.field.index("]")])
            column = {"product": "product", "quantity": "quantity", "unit_price": "price"}.get(found.field.split(".")[-1])
            item_row, _ = own_items[number - 1]
            items_sheet = self.book.sheets["items"]
            return located(found, **items_sheet.where(item_row, column, item_row.values.get(column) if column else None))
        return self.locate(sheet, row, found, fields)

    def _existing_commitment(self, sheet, row, v, existing: Commitment, own_items, target: str, shown: str, value_key: str) -> None:
        key = (existing.year, existing.reference)
        line = self.session.get(BudgetLine, existing.line_id)
        denied = self.writable(line.unit_id)
        if denied:
            self.problems.extend(located(p, sheet=sheet.title, row=row.number) for p in denied)
            self.failed["commitment"].add(key)
            return
        policy = self.session.get(Policy, existing.policy_id) if existing.policy_id else None
        agency = existing.press_agency.code if existing.press_agency else None
        pairs = [
            ("line", v.get("line"), line.code), ("policy", v.get("policy"), policy.code if policy else None),
            ("stage", v.get("stage"), existing.stage_code), (value_key, v.get(value_key), existing.total_value),
            ("agency", v.get("agency"), agency), ("description", v.get("description"), existing.description),
            ("title", v.get("title"), existing.description), ("start", v.get("start"), existing.start_date),
            ("end", v.get("end"), existing.end_date), ("participants", v.get("participants"), existing.participants),
            ("vendor", v.get("vendor"), existing.vendor), ("service", v.get("service"), existing.service_type),
        ]
        if existing.signed_on is not None:
            pairs.append(("signed_on", v.get("signed_on"), existing.signed_on))
        different = self.differs(sheet, row, shown, pairs)
        if own_items is not None:
            have = sorted((i.product, i.quantity, i.unit_of_measure or None, i.unit_price) for i in self.session.scalars(select(CommitmentItem).where(CommitmentItem.commitment_id == existing.id)))
            given = sorted((iv["product"], iv["quantity"], iv.get("uom"), iv["price"]) for _r, iv in own_items)
            if have != given:
                self.add(sheet, row, "xl.items_differ", item=shown)
                different = True
            else:
                for item_row, iv in own_items:
                    self.count(self.book.sheets["items"], item_row, iv, False, f"{v['reference']} · {iv['product']}")
        current = L.STATUS_FROM_LEDGER[existing.status]
        forward = {"DU_THAO": {"DU_THAO", "DA_KY", "DA_THANH_LY", "DA_HUY"}, "DA_KY": {"DA_KY", "DA_THANH_LY", "DA_HUY"}}
        if target not in forward.get(current, {current}):
            self.add(sheet, row, "xl.status_backwards", "status", row.values.get("status"), item=shown,
                     current=L.STATUS_LABELS[current][0], target=L.STATUS_LABELS[target][0])
            different = True
        if current == target == "DA_THANH_LY" and v.get("final") is not None and v["final"] != existing.final_value:
            self.add(sheet, row, "xl.final_value", "final", row.values.get("final"), item=shown, computed=format_amount(existing.final_value))
            different = True
        if different:
            self.failed["commitment"].add(key)
            return
        self.count(sheet, row, v, current != target, shown)
        self._lifecycle(sheet, row, v, existing, current, target, key, {"signed_on": "signed_on", "amount": value_key})

    def _lifecycle(self, sheet, row, v, commitment: Commitment, current: str, target: str, key: tuple, fields) -> None:
        """Cancel now, or schedule signing and close-out for the money phase."""
        commitment_id = commitment.id
        if current == target:
            return
        if target == "DA_HUY":
            if current == "DU_THAO" and v.get("signed_on") and commitment.signed_on is None:
                # A course or IT contract signed before it was cancelled: sign it, then cancel it, first thing.
                def sign_and_cancel():
                    spending.sign.in_session(self.session, self.actor, commitment_id, v["signed_on"])
                    return spending.cancel.in_session(self.session, self.actor, commitment_id, CANCEL_REASON)

                self.early_ops.append(_Op(next(self._numbers), sheet, row, sign_and_cancel, fields))
                return
            ok, _ = self.run_row(sheet, row, lambda: spending.cancel.in_session(self.session, self.actor, commitment_id, CANCEL_REASON), fields)
            if not ok:
                self.failed["commitment"].add(key)
            return
        if current == "DU_THAO" and target in ("DA_KY", "DA_THANH_LY"):
            op = self._op(sheet, row, lambda: spending.sign.in_session(self.session, self.actor, commitment_id, v.get("signed_on")), fields)
            self.sign_ops[key] = op.number
        if target == "DA_THANH_LY" and current != "DA_THANH_LY":
            self._closing.append((sheet, row, v, commitment_id, key, fields))

    def _op(self, sheet, row, run, fields, requires: set[int] | None = None, on_done=None) -> _Op:
        op = _Op(next(self._numbers), sheet, row, run, fields, set(requires or ()), on_done)
        self.ops.append(op)
        return op

    def close_ops(self) -> None:
        for sheet, row, v, commitment_id, key, fields in self._closing:
            def close(commitment_id=commitment_id, v=v, key=key):
                done = spending.close.in_session(self.session, self.actor, commitment_id, CANCEL_REASON)
                if v.get("final") is not None and v["final"] != done.final_value:
                    raise ValidationError(
                        xproblem("xl.final_value", field="final_value", item=f"{key[1]} ({key[0]})", computed=format_amount(done.final_value))
                    )
                return done

            requires = set(self.activity_ops.get(key, ()))
            if key in self.sign_ops:
                requires.add(self.sign_ops[key])
            self._op(sheet, row, close, {**fields, "final_value": "final"}, requires)

    # --- money rows -----------------------------------------------------------------------------------
    def _commitment_key(self, sheet, row, year: int | None, reference: str) -> tuple | None:
        """The (year, number) of the commitment a row refers to; None (with a problem or a skip) if unknown."""
        if year is not None:
            if (year, reference) in self.failed["commitment"]:
                self.skip_dependent(sheet, row)
                return None
            found = self._commitment(year, reference)
            if found is None:
                self.problems.append(located(problem("commitment.unknown", value=reference), **sheet.where(row, "reference", reference)))
                return None
            return (year, reference)
        if any(k[1] == reference for k in self.failed["commitment"]):
            self.skip_dependent(sheet, row)
            return None
        found = self._commitment(None, reference)
        if found == "ambiguous":
            self.add(sheet, row, "xl.ambiguous_reference", "reference", reference)
            return None
        if found is None:
            self.problems.append(located(problem("commitment.unknown", value=reference), **sheet.where(row, "reference", reference)))
            return None
        return (found.year, found.reference)

    def _created_before(self, model, *where) -> Any:
        return self.session.scalars(select(model).where(*where)).first()

    def contributions(self, sheet: SheetRows) -> None:
        fields = {"voucher_no": "voucher", "year": "year", "line": "line", "date": "date", "donor": "donor", "amount": "amount", "reason": "note"}
        seen: dict = {}
        for row in sheet.rows:
            v = self.check(sheet, row)
            if v is None:
                continue
            key, shown = (v["year"], v["voucher"]), f"{v['voucher']} ({v['year']})"
            if self.duplicate(sheet, row, seen, key, shown):
                continue
            existing = self._created_before(Contribution, Contribution.year == v["year"], Contribution.voucher_no == v["voucher"])
            if existing is not None:
                line = self.session.get(BudgetLine, existing.line_id)
                denied = self.writable(line.unit_id)
                if denied:
                    self.problems.extend(located(p, sheet=sheet.title, row=row.number) for p in denied)
                    continue
                original = self.session.get(Contribution, existing.reverses_id) if existing.reverses_id else None
                if not self.differs(sheet, row, shown, [
                    ("line", v["line"], line.code), ("date", v["date"], existing.date), ("donor", v["donor"], existing.donor),
                    ("amount", v["amount"], existing.amount), ("reverses", v.get("reverses"), original.voucher_no if original else None),
                ]):
                    self.count(sheet, row, v, False, shown)
                continue
            if (v["year"], v["line"]) in self.failed["line"]:
                self.skip_dependent(sheet, row)
                continue
            if v.get("reverses"):
                def reverse(v=v):
                    original = self._created_before(Contribution, Contribution.year == v["year"], Contribution.voucher_no == v["reverses"])
                    if original is None:
                        raise ValidationError(xproblem("xl.reverses_unknown", value=v["reverses"]))
                    if v["amount"] != -original.amount:
                        raise ValidationError(xproblem("xl.reversal_amount", amount=format_amount(-original.amount)))
                    made = spending.reverse_contribution.in_session(self.session, self.actor, original.id, v.get("note"), v["date"])
                    if made.voucher_no != v["voucher"]:
                        raise ValidationError(xproblem("xl.reversal_number", generated=made.voucher_no))
                    return made

                requires = {self.row_ops[("contributions", (v["year"], v["reverses"]))]} if ("contributions", (v["year"], v["reverses"])) in self.row_ops else set()
                op = self._op(sheet, row, reverse, fields, requires)
            else:
                op = self._op(sheet, row, lambda v=v: spending.record_contribution.in_session(
                    self.session, self.actor, year=v["year"], voucher_no=v["voucher"], line=v["line"], date=v["date"], donor=v["donor"], amount=v["amount"],
                ), fields)
            op.on_done = lambda _made, sheet=sheet, row=row, v=v, shown=shown: self.count(sheet, row, v, True, shown)
            self.row_ops[("contributions", key)] = op.number

    def acceptances(self, sheet: SheetRows) -> None:
        fields = {"record_no": "record", "date": "date", "accepted_value": "value", "evidence": "evidence", "reason": "evidence", "amount": "value"}
        seen: dict = {}
        in_file = {}
        for name in ("orders", "courses", "it"):
            for key in self._keys_in(name):
                in_file.setdefault(key[1], set()).add(key)
        for row in sheet.rows:
            v = self.check(sheet, row)
            if v is None:
                continue
            year = v.get("year")
            if year is None and len(in_file.get(v["reference"], ())) == 1:
                year = next(iter(in_file[v["reference"]]))[0]
            ckey = self._commitment_key(sheet, row, year, v["reference"])
            if ckey is None:
                continue
            key, shown = (ckey, v["record"]), f"{v['record']} ({v['reference']})"
            if self.duplicate(sheet, row, seen, key, shown):
                continue
            commitment = self._commitment(*ckey)
            existing = self._created_before(Acceptance, Acceptance.commitment_id == commitment.id, Acceptance.record_no == v["record"]) if isinstance(commitment, Commitment) else None
            if existing is not None:
                line = self.session.get(BudgetLine, commitment.line_id)
                denied = self.writable(line.unit_id)
                if denied:
                    self.problems.extend(located(p, sheet=sheet.title, row=row.number) for p in denied)
                    continue
                original = self.session.get(Acceptance, existing.reverses_id) if existing.reverses_id else None
                if not self.differs(sheet, row, shown, [
                    ("date", v["date"], existing.date), ("value", v["value"], existing.accepted_value),
                    ("evidence", v.get("evidence"), existing.evidence or None), ("reverses", v.get("reverses"), original.record_no if original else None),
                ]):
                    self.count(sheet, row, v, False, shown)
                continue

            def run(v=v, ckey=ckey):
                target = self._commitment(*ckey)
                if v.get("reverses"):
                    original = self._created_before(Acceptance, Acceptance.commitment_id == target.id, Acceptance.record_no == v["reverses"])
                    if original is None:
                        raise ValidationError(xproblem("xl.reverses_unknown", value=v["reverses"]))
                    if v["value"] != -original.accepted_value:
                        raise ValidationError(xproblem("xl.reversal_amount", amount=format_amount(-original.accepted_value)))
                    made = spending.reverse_acceptance.in_session(self.session, self.actor, original.id, v.get("evidence"), v["date"])
                    if made.record_no != v["record"]:
                        raise ValidationError(xproblem("xl.reversal_number", generated=made.record_no))
                    return made
                return spending.accept.in_session(self.session, self.actor, target.id, v["record"], v["date"], v["value"], v.get("evidence") or "")

            requires = set()
            if ckey in self.sign_ops:
                requires.add(self.sign_ops[ckey])
            if v.get("reverses") and ("acceptances", (ckey, v["reverses"])) in self.row_ops:
                requires.add(self.row_ops[("acceptances", (ckey, v["reverses"]))])
            op = self._op(sheet, row, run, fields, requires, lambda _made, sheet=sheet, row=row, v=v, shown=shown: self.count(sheet, row, v, True, shown))
            self.row_ops[("acceptances", key)] = op.number
            self.activity_ops[ckey].append(op.number)

    def _keys_in(self, sheet_key: str) -> list[tuple]:
        sheet = self.book.sheets.get(sheet_key)
        if sheet is None:
            return []
        keys = []
        for row in sheet.rows:
            year, _ = parse_year(row.values.get("year"))
            reference = _text(row.values.get("reference"))
            if year and reference:
                keys.append((year, reference))
        return keys

    def payments(self, sheet: SheetRows) -> None:
        fields = {"voucher_no": "voucher", "year": "year", "date": "date", "kind": "kind", "line": "line", "amount": "amount",
                  "reason": "note", "reference": "reference"}
        seen: dict = {}
        for row in sheet.rows:
            v = self.check(sheet, row)
            if v is None:
                continue
            key, shown = (v["year"], v["voucher"]), f"{v['voucher']} ({v['year']})"
            if self.duplicate(sheet, row, seen, key, shown):
                continue
            existing = self._created_before(Payment, Payment.year == v["year"], Payment.voucher_no == v["voucher"])
            if existing is not None:
                line = self.session.get(BudgetLine, existing.line_id)
                denied = self.writable(line.unit_id)
                if denied:
                    self.problems.extend(located(p, sheet=sheet.title, row=row.number) for p in denied)
                    continue
                commitment = self.session.get(Commitment, existing.commitment_id) if existing.commitment_id else None
                original = self.session.get(Payment, existing.reverses_id) if existing.reverses_id else None
                if not self.differs(sheet, row, shown, [
                    ("date", v["date"], existing.date), ("kind", v["kind"], existing.kind),
                    ("reference", v.get("reference"), commitment.reference if commitment else None), ("line", v.get("line"), line.code),
                    ("amount", v["amount"], existing.amount), ("reverses", v.get("reverses"), original.voucher_no if original else None),
                ]):
                    self.count(sheet, row, v, False, shown)
                continue
            ckey = None
            if v.get("reference"):
                ckey = self._commitment_key(sheet, row, v["year"], v["reference"])
                if ckey is None:
                    continue
            elif v.get("line") and (v["year"], v["line"]) in self.failed["line"]:
                self.skip_dependent(sheet, row)
                continue

            def run(v=v):
                if v.get("reverses"):
                    original = self._created_before(Payment, Payment.year == v["year"], Payment.voucher_no == v["reverses"])
                    if original is None:
                        raise ValidationError(xproblem("xl.reverses_unknown", value=v["reverses"]))
                    if v["amount"] != -original.amount:
                        raise ValidationError(xproblem("xl.reversal_amount", amount=format_amount(-original.amount)))
                    made = spending.reverse_payment.in_session(self.session, self.actor, original.id, v.get("note"), v["date"])
                    if made.voucher_no != v["voucher"]:
                        raise ValidationError(xproblem("xl.reversal_number", generated=made.voucher_no))
                    return made
                return spending.record_payment.in_session(
                    self.session, self.actor, year=v["year"], voucher_no=v["voucher"], date=v["date"], kind=v["kind"],
                    reference=v.get("reference"), line=v.get("line"), amount=v["amount"],
                )

            requires = set()
            if ckey in self.sign_ops:
                requires.add(self.sign_ops[ckey])
            if v.get("reverses") and ("payments", (v["year"], v["reverses"])) in self.row_ops:
                requires.add(self.row_ops[("payments", (v["year"], v["reverses"]))])
            op = self._op(sheet, row, run, fields, requires, lambda _made, sheet=sheet, row=row, v=v, shown=shown: self.count(sheet, row, v, True, shown))
            self.row_ops[("payments", key)] = op.number
            if ckey is not None:
                self.activity_ops[ckey].append(op.number)

    # --- the money phase -------------------------------------------------------------------------------
    def run_ops(self) -> None:
        pending = [*self.early_ops, *self.ops]
        done: set[int] = set()
        failed: set[int] = set()
        while pending:
            progress = False
            waiting = []
            for op in pending:
                if op.requires & failed:
                    failed.add(op.number)
                    self.skip_dependent(op.sheet, op.row)
                    progress = True
                    continue
                if not op.requires <= done:
                    waiting.append(op)
                    continue
                ok, value, found = self.attempt(op.run)
                if ok:
                    done.add(op.number)
                    progress = True
                    if op.on_done:
                        op.on_done(value)
                elif found and all(p.key in RETRYABLE for p in found):
                    op.last_problems = found
                    waiting.append(op)
                else:
                    failed.add(op.number)
                    progress = True
                    for p in found:
                        self.problems.append(self.locate(op.sheet, op.row, p, op.fields))
            pending = waiting
            if not progress:
                break
        for op in pending:
            if op.requires <= done and op.last_problems:
                for p in op.last_problems:
                    self.problems.append(self.locate(op.sheet, op.row, p, op.fields))
            else:
                self.skip_dependent(op.sheet, op.row)


def import_workbook(db: Database, actor: Actor, source: FileSource, dry_run: bool = False) -> ImportResult:
    """Check a workbook and, unless ``dry_run`` or anything is wrong, post it whole."""
    result = ImportResult(dry_run=dry_run)
    try:
        book = read_workbook(source)
    except WorkbookRefused as refused:
        result.problems.extend(refused.problems)
        return result
    result.notes.extend(book.notes)
    if actor != SYSTEM:
        with db.read() as session:
            try:
                user = current_user(session, actor)
            except LedgerError as error:
                result.problems.extend(error.problems)
                return result
            if user.role in ("leader", "auditor"):
                result.problems.append(problem("perm.read_only", role=user.role))
                return result
    result.problems.extend(book.problems)
    try:
        with db.write() as session:
            _Importer(session, actor, book, result).run()
            if result.problems or dry_run:
                raise _Rollback
            result.written = True
    except _Rollback:
        result.written = False
    except LedgerError as error:  # e.g. the database cannot be written at all: sentences, nothing written
        result.written = False
        result.problems.extend(error.problems)
    except Exception as error:  # a bug must not reach the screen as a traceback; nothing was written
        log.exception("workbook import failed")
        result.written = False
        result.problems.append(xproblem("xl.db_error", detail=type(error).__name__))
    return result


__all__ = ["ImportResult", "SheetReport", "import_workbook"]
