"""Reference data: units and their tree, fiscal years, policies, categories, sources, stages and the
state budget classification. Catalogue changes are admin-only and audited like everything else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ledger.domain import codes
from ledger.domain.errors import NotFound, ValidationError, problem
from ledger.domain.validation import Problems
from ledger.queries import records
from ledger.queries.records import Record
from ledger.store import audit, cache
from ledger.store.access import SYSTEM, Actor, require_admin, scope_unit_ids, subtree
from ledger.store.db import Database
from ledger.store.models.base import CONTROL_MODES, UNIT_KINDS
from ledger.store.models.core import BudgetCode, Category, FiscalYear, Policy, Source, Stage, Unit
from ledger.store.models.year_end import YearEndRun

CHAPTER_PATTERN = re.compile(r"^\d{3}$")


@dataclass(frozen=True)
class CodeLabel:
    code: str
    label_vi: str
    label_en: str

    def label(self, lang: str = "vi") -> str:
        return self.label_en if lang == "en" else self.label_vi


def _catalogue(session: Session, model) -> list[CodeLabel]:
    rows = session.scalars(select(model).order_by(model.sort_order, model.code))
    return [CodeLabel(r.code, r.label_vi, r.label_en) for r in rows]


def categories(session: Session) -> list[CodeLabel]:
    return _catalogue(session, Category)


def sources(session: Session) -> list[CodeLabel]:
    return _catalogue(session, Source)


def stages(session: Session) -> list[CodeLabel]:
    return _catalogue(session, Stage)


def valid_budget_code(session: Session, kind: str, code: str, year: int) -> bool:
    """Whether ``code`` is a listed budget code of ``kind`` in ``year`` (asked once per transaction)."""
    key = ("budget_code", kind, code, year)
    known = cache.row(session, key)
    if known is None:
        known = _budget_code_listed(session, kind, code, year)
        cache.remember_row(session, key, known)
    return known


def _budget_code_listed(session: Session, kind: str, code: str, year: int) -> bool:
    return (
        session.scalar(
            select(BudgetCode.id).where(
                BudgetCode.kind == kind,
                BudgetCode.code == code,
                BudgetCode.valid_from <= year,
                or_(BudgetCode.valid_to.is_(None), BudgetCode.valid_to >= year),
            )
        )
        is not None
    )


def budget_codes(session: Session, kind: str, year: int) -> list[tuple[str, str]]:
    rows = session.execute(
        select(BudgetCode.code, BudgetCode.label_vi)
        .where(
            BudgetCode.kind == kind,
            BudgetCode.valid_from <= year,
            or_(BudgetCode.valid_to.is_(None), BudgetCode.valid_to >= year),
        )
        .order_by(BudgetCode.code)
    )
    return [(c, label) for c, label in rows]


# --- units ------------------------------------------------------------------------------------

def unit_by_code(session: Session, code: str) -> Unit | None:
    code = (code or "").strip()
    return cache.by_key(session, ("unit", code), select(Unit).where(Unit.code == code))


def units_in_scope(session: Session, actor: Actor) -> list[Unit]:
    """Units the actor may read, in tree order (parents before children)."""
    scope = scope_unit_ids(session, actor)
    units = list(session.scalars(select(Unit).order_by(Unit.code)))
    if scope is not None:
        units = [u for u in units if u.id in scope]
    by_parent: dict[int | None, list[Unit]] = {}
    ids = {u.id for u in units}
    for u in units:
        by_parent.setdefault(u.parent_id if u.parent_id in ids else None, []).append(u)
    ordered: list[Unit] = []

    def walk(parent: int | None) -> None:
        for child in by_parent.get(parent, []):
            ordered.append(child)
            walk(child.id)

    walk(None)
    return ordered


def unit_depths(units: list[Unit]) -> dict[int, int]:
    """Depth of each unit inside the given list (roots of the list at 0), for indented display."""
    ids = {u.id: u for u in units}
    depths: dict[int, int] = {}
    for u in units:
        depth, parent = 0, u.parent_id
        while parent in ids:
            depth += 1
            parent = ids[parent].parent_id
        depths[u.id] = depth
    return depths


def _check_unit_fields(session: Session, found: Problems, data: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    clean["name"] = found.text(data.get("name"), "name", "tên đơn vị", limit=255)
    kind = (data.get("kind") or "subunit").strip()
    if kind not in UNIT_KINDS:
        found.append(problem("unit.kind", "kind", value=kind))
    clean["kind"] = kind
    chapter = str(data.get("chapter_code") or "").strip() or None
    if chapter is not None and (not CHAPTER_PATTERN.match(chapter) or not 1 <= int(chapter) <= 599):
        found.append(problem("chapter.format", "chapter_code", value=chapter))
    clean["chapter_code"] = chapter
    control = (data.get("commitment_control") or "block").strip()
    if control not in CONTROL_MODES:
        found.append(problem("unit.control", "commitment_control"))
    clean["commitment_control"] = control
    xhh_control = (data.get("xhh_control") or "warn").strip()
    if xhh_control not in CONTROL_MODES:
        found.append(problem("unit.xhh_control", "xhh_control"))
    clean["xhh_control"] = xhh_control
    phased = (data.get("phased_control") or "off").strip()
    if phased not in codes.PHASED_MODES:
        found.append(problem("unit.phased_control", "phased_control", value=phased))
    clean["phased_control"] = None if phased == "off" else phased  # off is the empty default (old rows' state)
    pct = data.get("advance_limit_pct", 50)
    if not isinstance(pct, int) or isinstance(pct, bool) or not 0 <= pct <= 100:
        found.append(problem("unit.advance_pct", "advance_limit_pct"))
    clean["advance_limit_pct"] = pct
    parent_code = str(data.get("parent_code") or "").strip()
    clean["parent_id"] = None
    if parent_code:
        parent = unit_by_code(session, parent_code)
        if parent is None:
            found.append(problem("unit.unknown", "parent_code", value=parent_code))
        else:
            clean["parent_id"] = parent.id
    return clean


def create_unit(db: Database, actor: Actor, **data: Any) -> Record:
    """Add a unit (admin). Fields: code, name, kind, parent_code, chapter_code, commitment_control,
    advance_limit_pct, xhh_control, phased_control (off/warn/block)."""
    with db.write() as session:
        return records.written(session, create_unit_in(session, actor, **data))


def create_unit_in(session: Session, actor: Actor, **data: Any) -> Unit:
    """``create_unit`` inside a caller's write transaction (the workbook importer uses it)."""
    require_admin(session, actor)
    found = Problems()
    code = found.code(data.get("code"), "code", "mã đơn vị")
    clean = _check_unit_fields(session, found, data)
    if code and unit_by_code(session, code):
        found.append(problem("unit.exists", "code", value=code))
    found.raise_if_any()
    unit = Unit(code=code, **clean)
    session.add(unit)
    audit.record_change(session, actor.username, "unit.create", unit, None)
    return unit


def update_unit(db: Database, actor: Actor, code: str, **data: Any) -> Record:
    """Change a unit's name, type, parent, chapter and controls (admin); its code stays."""
    with db.write() as session:
        require_admin(session, actor)
        unit = unit_by_code(session, code)
        if unit is None:
            raise NotFound(problem("unit.unknown", value=code))
        merged = {
            "name": unit.name,
            "kind": unit.kind,
            "chapter_code": unit.chapter_code,
            "commitment_control": unit.commitment_control,
            "advance_limit_pct": unit.advance_limit_pct,
            "xhh_control": unit.xhh_control,
            "phased_control": unit.phased_control,
            "parent_code": unit.parent.code if unit.parent else "",
        } | data
        found = Problems()
        clean = _check_unit_fields(session, found, merged)
        if clean["parent_id"] is not None and clean["parent_id"] in subtree(session, unit.id):
            found.append(problem("unit.cycle", "parent_code"))
        found.raise_if_any()
        audit.record_update(session, actor.username, "unit.update", unit, clean)
        return records.written(session, unit)


# --- fiscal years -----------------------------------------------------------------------------

def fiscal_years(session: Session) -> list[FiscalYear]:
    return list(session.scalars(select(FiscalYear).order_by(FiscalYear.year.desc())))


def open_year(db: Database, actor: Actor, year: int) -> Record:
    with db.write() as session:
        return records.written(session, open_year_in(session, actor, year))


def open_year_in(session: Session, actor: Actor, year: int) -> FiscalYear:
    require_admin(session, actor)
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        raise ValidationError(problem("year.invalid", "year", value=year))
    if session.get(FiscalYear, year):
        raise ValidationError(problem("year.exists", "year", year=year))
    fiscal_year = FiscalYear(year=year, is_open=True)
    session.add(fiscal_year)
    audit.record_change(session, actor.username, "fiscal_year.open", fiscal_year, None)
    return fiscal_year


def set_year_open(db: Database, actor: Actor, year: int, is_open: bool) -> Record:
    with db.write() as session:
        return records.written(session, set_year_open_in(session, actor, year, is_open))


def set_year_open_in(session: Session, actor: Actor, year: int, is_open: bool) -> FiscalYear:
    """The year's flag, for the workbook's ``Năm`` sheet (a ledger's history restored as it was). The
    screens close a year only by the year-end run, and reopen one only by decision."""
    require_admin(session, actor)
    fiscal_year = session.get(FiscalYear, year)
    if fiscal_year is None:
        raise NotFound(problem("year.unknown", year=year))
    if is_open and session.scalar(select(YearEndRun.id).where(YearEndRun.year == year, YearEndRun.status == "applied").limit(1)):
        # A year the year-end run closed reopens only by decision (ledger.services.year_end.reopen_year).
        raise ValidationError(problem("year_end.reopen_by_decision", year=year))
    before = audit.snapshot(fiscal_year)
    fiscal_year.is_open = is_open
    audit.record_change(session, actor.username, "fiscal_year.reopen" if is_open else "fiscal_year.close", fiscal_year, before)
    return fiscal_year


# --- policies ---------------------------------------------------------------------------------

def policies_in_scope(session: Session, actor: Actor) -> list[Policy]:
    """Policies owned by a unit in scope, or by an ancestor of it (a ministry's policy is its units' too)."""
    scope = scope_unit_ids(session, actor)
    rows = list(session.scalars(select(Policy).order_by(Policy.code)))
    if scope is None:
        return rows
    ancestors = set(scope)
    if actor.unit_id is not None:
        parent = session.get(Unit, actor.unit_id)
        while parent is not None:
            ancestors.add(parent.id)
            parent = parent.parent
    return [p for p in rows if p.owner_unit_id in ancestors]


def policy_by_code(session: Session, code: str) -> Policy | None:
    code = (code or "").strip()
    return cache.by_key(session, ("policy", code), select(Policy).where(Policy.code == code))


def policy_named(session: Session, found: Problems, value: Any, field: str = "policy_code") -> Policy | None:
    """The policy a write names by code (None when none is named); an unknown code is a problem."""
    code = str(value or "").strip()
    if not code:
        return None
    policy = policy_by_code(session, code)
    if policy is None:
        found.append(problem("policy.unknown", field, value=code))
    return policy


def create_policy(db: Database, actor: Actor, code: str, name: str, owner_unit_code: str) -> Record:
    with db.write() as session:
        return records.written(session, create_policy_in(session, actor, code, name, owner_unit_code))


def create_policy_in(session: Session, actor: Actor, code: str, name: str, owner_unit_code: str) -> Policy:
    require_admin(session, actor)
    found = Problems()
    clean_code = found.code(code, "code", "mã chính sách")
    clean_name = found.text(name, "name", "tên chính sách", limit=255)
    owner = unit_by_code(session, owner_unit_code)
    if owner is None:
        found.append(problem("unit.unknown", "owner_unit_code", value=owner_unit_code))
    if clean_code and policy_by_code(session, clean_code):
        found.append(problem("policy.exists", "code", value=clean_code))
    found.raise_if_any()
    policy = Policy(code=clean_code, name=clean_name, owner_unit_id=owner.id)
    session.add(policy)
    audit.record_change(session, actor.username, "policy.create", policy, None)
    return policy


__all__ = [
    "SYSTEM",
    "CodeLabel",
    "budget_codes",
    "categories",
    "create_policy",
    "create_policy_in",
    "create_unit_in",
    "create_unit",
    "fiscal_years",
    "open_year_in",
    "open_year",
    "policies_in_scope",
    "policy_by_code",
    "policy_named",
    "set_year_open",
    "set_year_open_in",
    "sources",
    "stages",
    "unit_by_code",
    "unit_depths",
    "units_in_scope",
    "update_unit",
    "valid_budget_code",
]
