"""The catalogues as the screens read them: units in scope (tree order, with depth), policies in
scope, fiscal years, the state budget classification, categories and sources, press agencies, and
the plan activities a new commitment may name."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from ledger.services import reference
from ledger.services.reference import CodeLabel
from ledger.store.access import Actor
from ledger.store.db import Database
from ledger.store.models import Commitment, CommunicationPlan, PlanActivity, Policy, PressAgency, Unit


@dataclass(frozen=True)
class UnitRow:
    """A unit of the actor's scope with its controls, for the unit screens and pickers."""

    id: int
    code: str
    name: str
    kind: str
    parent_code: str | None
    chapter_code: str | None
    commitment_control: str
    advance_limit_pct: int
    depth: int  # inside the actor's scope (its top unit at 0), for indented display
    phased_control: str = "off"


@dataclass(frozen=True)
class PolicyRow:
    """A policy of the catalogue and the unit that owns it."""

    code: str
    name: str
    owner_unit_code: str


@dataclass(frozen=True)
class YearRow:
    """A fiscal year and whether entries may still be made in it."""

    year: int
    is_open: bool


@dataclass(frozen=True)
class CodeRow:
    """An entry of the state budget classification (a sector code or a sub-item)."""

    code: str
    label: str


@dataclass(frozen=True)
class AgencyRow:
    """A press agency a press order can be placed with."""

    code: str
    name: str
    media_type: str | None


@dataclass(frozen=True)
class ActivityChoice:
    """A plan activity a commitment may be tied to: its plan, its stage and what it does."""

    id: int
    code: str
    plan_code: str
    stage: str
    content: str


@dataclass(frozen=True)
class CodeLists:
    """The spending categories and funding sources (NSNN, XHH) with their labels, for pickers."""

    categories: tuple[CodeLabel, ...]
    sources: tuple[CodeLabel, ...]


def units(db: Database, actor: Actor) -> list[UnitRow]:
    """Units in the actor's scope, parents before children."""
    with db.read() as session:
        found = reference.units_in_scope(session, actor)
        depths = reference.unit_depths(found)
        return [
            UnitRow(u.id, u.code, u.name, u.kind, u.parent.code if u.parent else None, u.chapter_code, u.commitment_control, u.advance_limit_pct, depths[u.id], u.phased_control or "off")
            for u in found
        ]


def policies(db: Database, actor: Actor) -> list[PolicyRow]:
    """Policies owned by a unit in scope or by an ancestor of it."""
    with db.read() as session:
        unit_codes = {uid: code for uid, code in session.execute(select(Unit.id, Unit.code))}
        return [PolicyRow(p.code, p.name, unit_codes.get(p.owner_unit_id, "")) for p in reference.policies_in_scope(session, actor)]


def fiscal_years(db: Database) -> list[YearRow]:
    """Every fiscal year, newest first."""
    with db.read() as session:
        return [YearRow(y.year, y.is_open) for y in reference.fiscal_years(session)]


def budget_codes(db: Database, kind: str, year: int) -> list[CodeRow]:
    """The classification's ``kind`` codes ("sector", "sub_item") valid in ``year``."""
    with db.read() as session:
        return [CodeRow(code, label) for code, label in reference.budget_codes(session, kind, year)]


def code_lists(db: Database) -> CodeLists:
    """Categories and sources in catalogue order, with their labels in both languages."""
    with db.read() as session:
        return CodeLists(tuple(reference.categories(session)), tuple(reference.sources(session)))


def press_agencies(db: Database) -> list[AgencyRow]:
    """The active press agencies (shared by every unit), by name: those a new order may name."""
    with db.read() as session:
        query = select(PressAgency.code, PressAgency.name, PressAgency.media_type).where(PressAgency.is_active.is_not(False)).order_by(PressAgency.name)
        return [AgencyRow(code, name, media) for code, name, media in session.execute(query)]


@dataclass(frozen=True)
class AgencyEntry:
    """A press agency as its catalogue screen shows it, deactivated ones included."""

    code: str
    name: str
    media_type: str
    governing_body: str
    level: str
    active: bool
    orders: int


def press_catalogue(db: Database) -> list[AgencyEntry]:
    """Every press agency with the number of orders placed with it, by name."""
    with db.read() as session:
        orders = select(Commitment.press_agency_id, func.count().label("orders")).group_by(Commitment.press_agency_id).subquery()
        query = (
            select(PressAgency.code, PressAgency.name, PressAgency.media_type, PressAgency.governing_body, PressAgency.level, PressAgency.is_active, func.coalesce(orders.c.orders, 0))
            .outerjoin(orders, orders.c.press_agency_id == PressAgency.id)
            .order_by(PressAgency.name)
        )
        return [AgencyEntry(c, n, m, g or "", lv, a is not False, int(o)) for c, n, m, g, lv, a, o in session.execute(query)]


def activities(db: Database, actor: Actor, policy_code: str, year: int) -> list[ActivityChoice]:
    """The activities of ``policy_code``'s plans of ``year`` (a policy in the actor's scope; plans
    not cancelled) that a commitment may carry out; the service checks the same again on save."""
    with db.read() as session:
        visible = {p.code for p in reference.policies_in_scope(session, actor)}
        if policy_code not in visible:
            return []
        rows = session.execute(
            select(PlanActivity.id, PlanActivity.code, CommunicationPlan.code, PlanActivity.stage, PlanActivity.content)
            .join(CommunicationPlan, CommunicationPlan.id == PlanActivity.plan_id)
            .join(Policy, Policy.id == CommunicationPlan.policy_id)
            .where(Policy.code == policy_code, CommunicationPlan.year == year, CommunicationPlan.status != "DA_HUY")
            .order_by(CommunicationPlan.code, CommunicationPlan.version.desc(), PlanActivity.start_on, PlanActivity.code)
        )
        return [ActivityChoice(*row) for row in rows]
