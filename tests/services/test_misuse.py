"""Misuse, on SQLite and PostgreSQL: every public service and report of the ledger called by every
role on objects outside its scope is refused (or, for a list, returns nothing of them) and writes
nothing; no screen shows another unit's figures; no user text is rendered as HTML; uploads are
size-limited; secrets (argon2 hashes, the database password) never reach the audit trail, an
extract, the command line's output, an error or a log.

The table of calls is checked against the modules themselves: a public function added to one of
them without a row here (or a reasoned exemption) fails ``test_every_public_function_is_covered``.
"""

from __future__ import annotations

import ast
import inspect
import logging
import re
import tomllib
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from conftest import ROOT, actor_for
from hardening_support import app_ledger_fixture, markdown_protos, navigation_mode_fixture, rendered_text, start  # noqa: F401
from ledger_testkit import dump, rows, scalar
from sqlalchemy import select
from sqlalchemy import text as sql_text

from ledger.domain.errors import LedgerError, NotFound, PermissionDenied, ValidationError
from ledger.queries import catalogue, lines
from ledger.queries import commitments as commitment_queries
from ledger.queries import spending as spending_queries
from ledger.queries import users as user_queries
from ledger.reports import dashboard, drilldown, settlement
from ledger.reports import overview as reports
from ledger.services import budget, payments, phasing, press, reference, shared, users, year_end
from ledger.services import commitments as commitment_writes
from ledger.store.access import SYSTEM, Actor, subtree
from ledger.store.db import Database
from ledger.store.models import Unit, User

MODULES = {
    "budget": budget, "commitment_writes": commitment_writes, "payments": payments, "press": press, "shared": shared, "reference": reference, "users": users, "reports": reports, "dashboard": dashboard, "phasing": phasing,
    "lines": lines, "commitment_queries": commitment_queries, "catalogue": catalogue, "user_queries": user_queries, "drilldown": drilldown,
    "year_end": year_end, "settlement": settlement, "spending": spending_queries,
}
YEAR = 2026
DAY = "02/02/2026"
# Who is outside whose scope: the demo officer works for BYT-TT; a leader and an auditor of Hà Nội.
ROLES = {"officer": "HNI", "leader_hni": "BYT-TT", "auditor_hni": "BYT-TT", "admin": "HNI"}
REFUSED = (NotFound, PermissionDenied)

# Public functions that take no actor, or act only on the caller themself: why no misuse row is needed.
EXEMPT = {
    "budget.resolve_code": "catalogue lookup (categories, sources, stages are visible to every role)",
    "budget.find_line": "internal lookup by code; every caller checks the scope of what it found (rows below)",
    "budget.adjustments_total": "internal figure of a line the caller already checked",
    "budget.line_allocated": "internal figure of a line the caller already checked",
    "budget.line_used": "internal figure of a line the caller already checked",
    "press.press_agencies": "catalogue of press agencies (shared by every unit)",
    "press.press_agency_by_code": "catalogue lookup",
    "shared.writer": "decorator",
    "catalogue.press_catalogue": "catalogue of press agencies (shared by every unit)",
    "drilldown.for_screen": "pure: shapes rows the caller already drilled (checked below)",
    "drilldown.caption": "pure: the sentence above rows the caller already drilled",
    "drilldown.check_pair": "pure: whether a chart × measure pair can be answered",
    "drilldown.workbook": "pure: writes rows the caller already drilled as .xlsx",
    "shared.taken": "an SQL expression (a duplicate check)",
    "shared.voucher_check": "an SQL expression (a duplicate check)",
    "shared.voucher_used": "internal duplicate check of a write that already checked its target",
    "shared.within_year": "pure: a date within a fiscal year",
    "shared.reversal_date": "pure: a reversal's date",
    "shared.check_version": "pure: compares two version numbers",
    "shared.reversal_number": "internal numbering of a reversal the caller already checked",
    "shared.already_reversed": "internal flag of an entry the caller already checked",
    "shared.change": "internal step of a write that already checked the commitment (rows below)",
    "shared.control_line": "internal control of a line the caller already checked (rows below)",
    "shared.control_phased": "internal control of a line the caller already checked (rows below)",
    "shared.refuse_in_closing_period": "a date rule of the calendar: no actor, no target",
    "settlement.settlement_in": "the read of settlement.settlement inside its transaction (row below)",
    "settlement.settlement_xlsx": "pure: writes a statement already read within the scope",
    "shared.control_xhh": "internal control of a line the caller already checked (rows below)",
    "shared.resolve_line": "the guard of every write on a line: refuses outside the scope (rows below)",
    "shared.commitment_for_write": "the guard of every write on a commitment: refuses outside the scope (rows below)",
    "reference.categories": "catalogue",
    "reference.sources": "catalogue",
    "reference.stages": "catalogue",
    "reference.fiscal_years": "calendar (every role sees the open years)",
    "reference.budget_codes": "state budget classification (public)",
    "reference.valid_budget_code": "state budget classification (public)",
    "reference.unit_by_code": "internal lookup; every caller checks the scope of what it found",
    "reference.policy_by_code": "internal lookup; every caller checks the scope of what it found",
    "reference.policy_named": "internal lookup; every caller checks the scope of what it found",
    "reference.unit_depths": "pure arithmetic on units the caller already has",
    "users.has_demo_users": "a flag for the demo banner",
    "users.user_count": "a count for the first-run screen",
    "user_queries.entry_accounts": "a count and a flag for the app's entry, before anyone signs in",
    "users.sign_in": "takes credentials, not an actor (tests/services/test_hardening.py)",
    "users.sso_identities": "pure: reads claims",
    "users.actor_for_sso": "takes an identity provider's claims, not an actor (tests/services/test_hardening.py)",
    "users.change_password": "acts on the caller's own account only (tests/services/test_hardening.py)",
    "reports.totals": "pure sum of rows the caller already has",
    "catalogue.fiscal_years": "calendar (every role sees the open years)",
    "catalogue.budget_codes": "state budget classification (public)",
    "catalogue.code_lists": "catalogue",
    "catalogue.press_agencies": "catalogue of press agencies (shared by every unit)",
    "dashboard.execution_percent": "pure arithmetic",
    "dashboard.cached_figures": "a cache around figures its caller computed for the actor (keyed by the actor): no query of its own",
    "dashboard.payment_month": "an SQL expression",
    "dashboard.audit_head_seq": "the chain's length (a cache key), no figures",
    "dashboard.line_conditions": "SQL conditions of a Selection that validate() made (rows below)",
    "dashboard.signed_by": "an SQL condition of a Selection's period (validate() applied the scope)",
    "dashboard.paid_in": "an SQL condition of a Selection's period (validate() applied the scope)",
    "dashboard.headline": "a step after validate(), which applies the scope (rows below)",
    "dashboard.by_category": "a step after validate()",
    "dashboard.by_source": "a step after validate()",
    "dashboard.by_unit": "a step after validate()",
    "dashboard.monthly": "a step after validate()",
    "dashboard.press_orders": "a step after validate()",
    "dashboard.training": "a step after validate()",
    "dashboard.it_services": "a step after validate()",
}


# --- the world: targets outside each role's scope ----------------------------------------------------


@dataclass
class Targets:
    """Objects of one unit (the one outside the acting role's scope), in the demo's 2026."""

    unit: str
    line: int  # a press-order line
    course_line: int
    it_line: int
    xhh_line: int
    other_line: int  # a second NSNN line of the unit, for transfers
    adjustment: int
    draft: int
    signed: int
    acceptance: int
    payment: int
    contribution: int


def _first(db: Database, sql: str, **params: Any) -> int:
    found = rows(db, sql, **params)
    assert found, f"the demo has nothing for {sql} {params}"
    return int(found[0][0])


def targets_of(db: Database, unit: str) -> Targets:
    def line_of(category: str, source: str = "NSNN", skip: int = 0) -> int:
        return _first(
            db,
            "SELECT b.id FROM budget_lines b JOIN units u ON u.id = b.unit_id WHERE u.code = :u AND b.year = :y"
            " AND b.category_code = :c AND b.source_code = :s ORDER BY b.id LIMIT 1 OFFSET :k",
            u=unit, y=YEAR, c=category, s=source, k=skip,
        )

    line = line_of("BAO_CHI")
    nsnn = [int(r[0]) for r in rows(db, "SELECT b.id FROM budget_lines b JOIN units u ON u.id = b.unit_id WHERE u.code = :u AND b.year = :y AND b.source_code = 'NSNN' ORDER BY b.id", u=unit, y=YEAR)]
    draft = commitment_writes.create_order(
        db, SYSTEM, year=YEAR, reference=f"NHAP-{unit}", line=line, press_agency="SKDS", description="Bản nháp để thử", value=1_000_000
    ).id
    where = "FROM {t} x JOIN budget_lines b ON b.id = x.line_id JOIN units u ON u.id = b.unit_id WHERE u.code = :u"
    return Targets(
        unit=unit,
        line=line,
        course_line=line_of("DAO_TAO"),
        it_line=line_of("CNTT"),
        xhh_line=_first(db, "SELECT b.id FROM budget_lines b JOIN units u ON u.id = b.unit_id WHERE u.code = :u AND b.year = :y AND b.source_code = 'XHH'", u=unit, y=YEAR),
        other_line=next(i for i in nsnn if i != line),
        adjustment=_first(db, "SELECT x.id " + where.format(t="adjustments") + " ORDER BY x.id", u=unit),
        draft=draft,
        signed=_first(db, "SELECT x.id " + where.format(t="commitments") + f" AND x.status = 'signed' AND x.year = {YEAR} ORDER BY x.id", u=unit),
        acceptance=_first(db, "SELECT a.id FROM acceptances a JOIN commitments x ON x.id = a.commitment_id JOIN budget_lines b ON b.id = x.line_id JOIN units u ON u.id = b.unit_id WHERE u.code = :u ORDER BY a.id", u=unit),
        payment=_first(db, "SELECT x.id " + where.format(t="payments") + " ORDER BY x.id", u=unit),
        contribution=_first(db, "SELECT x.id " + where.format(t="contributions") + " ORDER BY x.id", u=unit),
    )


@pytest.fixture
def world(demo_db):
    users.create_user(demo_db, SYSTEM, "leader_hni", "leader", "demo-hni", unit_code="HNI")
    users.create_user(demo_db, SYSTEM, "auditor_hni", "auditor", "demo-hni", unit_code="HNI")
    actors = {name: actor_for(demo_db, name) for name in ROLES}
    targets = {unit: targets_of(demo_db, unit) for unit in set(ROLES.values())}
    return demo_db, actors, targets


def unit_codes_in_scope(db: Database, actor: Actor) -> set[str] | None:
    if actor.unit_id is None:
        return None
    with db.read() as session:
        ids = subtree(session, actor.unit_id)
        return set(session.scalars(select(Unit.code).where(Unit.id.in_(ids))))


# --- the table of calls ------------------------------------------------------------------------------

Call = Callable[[Database, Actor, Targets], Any]


def in_session(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Call:
    """A ``*_in`` function run inside a write transaction, as the importer runs it."""

    def call(db: Database, actor: Actor, t: Targets) -> Any:
        with db.write() as session:
            return fn(session, actor, *[a(t) if callable(a) else a for a in args], **kwargs)

    return call


def in_read(fn: Callable[..., Any], *args: Any) -> Call:
    def call(db: Database, actor: Actor, t: Targets) -> Any:
        with db.read() as session:
            return fn(session, actor, *[a(t) if callable(a) else a for a in args])

    return call


LINE_DATA = {"code": "LAN-SAN", "year": YEAR, "description": "Dòng lấn phạm vi", "category": "KHAC", "source": "NSNN", "original_estimate": "1.000.000"}


def _add_line_in(db: Database, actor: Actor, t: Targets) -> Any:
    with db.write() as session:
        return budget.add_line_in(session, actor, unit_code=t.unit, **LINE_DATA)


# Ledger writes: refused for every role (officers outside their unit, read-only roles, administrators).
WRITES: dict[str, Call] = {
    "budget.add_line": lambda db, a, t: budget.add_line(db, a, unit_code=t.unit, **LINE_DATA),
    "budget.add_line_in": _add_line_in,
    "budget.adjust_line": lambda db, a, t: budget.adjust_line(db, a, t.line, "1.000.000", DAY, "1/QĐ"),
    "budget.adjust_line_in": in_session(budget.adjust_line_in, lambda t: t.line, "1.000.000", DAY, "1/QĐ"),
    "budget.transfer": lambda db, a, t: budget.transfer(db, a, t.line, t.other_line, "1.000.000", DAY, "1/QĐ"),
    "budget.transfer_in": in_session(budget.transfer_in, lambda t: t.line, lambda t: t.other_line, "1.000.000", DAY, "1/QĐ"),
    "budget.reverse_adjustment": lambda db, a, t: budget.reverse_adjustment(db, a, t.adjustment, "thử"),
    "budget.reverse_adjustment_in": in_session(budget.reverse_adjustment_in, lambda t: t.adjustment, "thử"),
    "budget.require_writer_any": in_read(budget.require_writer_any),
    "commitment_writes.create_order": lambda db, a, t: commitment_writes.create_order(db, a, year=YEAR, reference="LAN-1", line=t.line, press_agency="SKDS", description="x", value=1_000_000),
    "commitment_writes.create_course": lambda db, a, t: commitment_writes.create_course(db, a, year=YEAR, reference="LAN-2", line=t.course_line, title="x", start_date=DAY, end_date=DAY, participants=5, cost=1_000_000),
    "commitment_writes.create_it_contract": lambda db, a, t: commitment_writes.create_it_contract(db, a, year=YEAR, reference="LAN-3", line=t.it_line, vendor="x", service_type="RA_QUET", start_date=DAY, end_date=DAY, value=1_000_000),
    "commitment_writes.update_draft": lambda db, a, t: commitment_writes.update_draft(db, a, t.draft, 1, description="ghi đè"),
    "commitment_writes.sign": lambda db, a, t: commitment_writes.sign(db, a, t.draft, DAY),
    "commitment_writes.cancel": lambda db, a, t: commitment_writes.cancel(db, a, t.signed, "thử"),
    "commitment_writes.close": lambda db, a, t: commitment_writes.close(db, a, t.signed, "thử"),
    "commitment_writes.accept": lambda db, a, t: commitment_writes.accept(db, a, t.signed, "NT-LAN", DAY, 1_000, ""),
    "commitment_writes.reverse_acceptance": lambda db, a, t: commitment_writes.reverse_acceptance(db, a, t.acceptance, "thử"),
    "payments.record_contribution": lambda db, a, t: payments.record_contribution(db, a, year=YEAR, voucher_no="LAN-XHH", line=t.xhh_line, date=DAY, donor="x", amount=1_000),
    "payments.reverse_contribution": lambda db, a, t: payments.reverse_contribution(db, a, t.contribution, "thử"),
    "payments.record_payment": lambda db, a, t: payments.record_payment(db, a, year=YEAR, voucher_no="LAN-C", date=DAY, kind="THANH_TOAN", line=t.line, amount=1_000),
    "payments.reverse_payment": lambda db, a, t: payments.reverse_payment(db, a, t.payment, "thử"),
    "phasing.set_phasing": lambda db, a, t: phasing.set_phasing(db, a, t.line, [1] * 12),
    "phasing.set_phasing_in": in_session(phasing.set_phasing_in, lambda t: t.line, [1] * 12),
}

# Guards that know no unit yet: they refuse the roles that may not write at all.
UNIT_BLIND = {"budget.require_writer_any"}

# Payment against another unit's commitment, and acceptance by reference: the other ways in.
EXTRA_WRITES: dict[str, Call] = {
    "payments.record_payment(commitment)": lambda db, a, t: payments.record_payment(db, a, year=YEAR, voucher_no="LAN-D", date=DAY, kind="TAM_UNG", commitment=t.signed, amount=1_000),
    "commitment_writes.accept(reference)": lambda db, a, t: commitment_writes.accept(db, a, None, "NT-LAN2", DAY, 1_000, "", reference=_reference(db, t.signed), year=YEAR),
}


def _reference(db: Database, commitment_id: int) -> str:
    return scalar(db, "SELECT reference FROM commitments WHERE id = :i", i=commitment_id)


# Reading one object outside the scope: not found (as if it did not exist).
READS: dict[str, Call] = {
    "lines.line_detail": lambda db, a, t: lines.line_detail(db, a, t.line),
    "budget.get_line": in_read(budget.get_line, lambda t: t.line),
    "commitment_queries.commitment_detail": lambda db, a, t: commitment_queries.commitment_detail(db, a, t.signed),
    "commitment_queries.line_activity": lambda db, a, t: commitment_queries.line_activity(db, a, t.line),
    "year_end.preview": lambda db, a, t: year_end.preview(db, a, 2025, t.unit),
    "settlement.settlement": lambda db, a, t: settlement.settlement(db, a, 2025, t.unit),
}

# Administration: refused for everyone but administrators.
ADMIN: dict[str, Call] = {
    "users.create_user": lambda db, a, t: users.create_user(db, a, "ke.gian", "officer", "abcd", unit_code=t.unit),
    "users.create_user_in": in_session(users.create_user_in, "ke.gian", "officer", "abcd", "HNI"),
    "users.update_user": lambda db, a, t: users.update_user(db, a, "officer", role="admin"),
    "users.reset_password": lambda db, a, t: users.reset_password(db, a, "admin", "chiem-quyen"),
    "users.unlock_user": lambda db, a, t: users.unlock_user(db, a, "officer"),
    # The year-end run: an officer for their own subtree, an administrator for any (or all).
    "year_end.apply_year_end": lambda db, a, t: year_end.apply_year_end(db, a, 2025, t.unit, "1/QĐ"),
    "year_end.reopen_year": lambda db, a, t: year_end.reopen_year(db, a, 2025, "1/QĐ", "Sai sót"),
    "user_queries.list_users": lambda db, a, t: user_queries.list_users(db, a),
    "users.bootstrap_admin": lambda db, a, t: users.bootstrap_admin(db, "ke.gian", "abcd"),
    "reference.create_unit": lambda db, a, t: reference.create_unit(db, a, code="LAN", name="Lấn", parent_code=t.unit),
    "reference.create_unit_in": in_session(reference.create_unit_in, code="LAN", name="Lấn"),
    "reference.update_unit": lambda db, a, t: reference.update_unit(db, a, t.unit, commitment_control="warn"),
    "reference.open_year": lambda db, a, t: reference.open_year(db, a, 2030),
    "reference.open_year_in": in_session(reference.open_year_in, 2030),
    "reference.set_year_open": lambda db, a, t: reference.set_year_open(db, a, YEAR, False),
    "reference.set_year_open_in": in_session(reference.set_year_open_in, YEAR, False),
    "reference.create_policy": lambda db, a, t: reference.create_policy(db, a, "LAN-CS", "Lấn", t.unit),
    "reference.create_policy_in": in_session(reference.create_policy_in, "LAN-CS", "Lấn", "HNI"),
    "press.create_press_agency": lambda db, a, t: press.create_press_agency(db, a, "LAN-BAO", "Báo lấn"),
    "press.update_press_agency": lambda db, a, t: press.update_press_agency(db, a, "SKDS", "Báo lấn", "newspaper"),
    "press.set_press_agency_active": lambda db, a, t: press.set_press_agency_active(db, a, "SKDS", False),
}
# Catalogue entries officers may add too (press agencies): refused for the read-only roles only.
OFFICERS_TOO = {"press.create_press_agency", "press.update_press_agency", "press.set_press_agency_active"}
# Refused on an existing ledger whoever asks (no actor at all): the first-run set-up.
NOBODY = {"users.bootstrap_admin"}

# Lists and reports: never refused for the scope, but holding nothing outside it (checked below).
LISTS = {
    "lines.list_lines", "lines.adjustments_in_scope", "commitment_queries.find_commitments", "commitment_queries.payments_in_scope",
    "reference.units_in_scope", "reference.policies_in_scope", "catalogue.units", "catalogue.policies", "reports.overview", "dashboard.dashboard",
    "drilldown.drill", "dashboard.validate", "commitment_queries.commitments_summary", "spending.find_payments", "spending.find_contributions",
    "catalogue.activities",
}


def scalars_of(db: Database, query: str) -> list:
    with db.read() as session:
        return list(session.execute(sql_text(query)).scalars())


def test_every_public_function_is_covered():
    covered = set(WRITES) | set(READS) | set(ADMIN) | LISTS | set(EXEMPT)
    public = set()
    for name, module in MODULES.items():
        for fn_name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ == module.__name__ and not fn_name.startswith("_"):
                public.add(f"{name}.{fn_name}")
    assert public - covered == set(), "public functions without a misuse row or a reasoned exemption"
    assert covered - public == set(), "rows for functions that no longer exist"


def expect_refused(db: Database, call: Call, actor: Actor, t: Targets, allowed: tuple[type[LedgerError], ...] = REFUSED) -> LedgerError:
    before = dump(db)
    try:
        result = call(db, actor, t)
    except allowed as error:
        assert dump(db) == before, "a refused call wrote something"
        return error
    raise AssertionError(f"not refused: returned {result!r}")


@pytest.mark.parametrize("role", list(ROLES))
def test_writes_outside_the_scope_are_refused_for_every_role(world, role):
    db, actors, targets = world
    actor, t = actors[role], targets[ROLES[role]]
    for name, call in {**WRITES, **EXTRA_WRITES}.items():
        if name in UNIT_BLIND and role == "officer":
            assert call(db, actor, t) is None  # an officer may write somewhere: the unit is checked next
            continue
        error = expect_refused(db, call, actor, t)
        assert error.messages("vi") and error.messages("en"), name
        if role == "officer":
            assert isinstance(error, PermissionDenied), (name, error)
            assert {p.key for p in error.problems} == {"perm.outside_unit"}, (name, error)
    with db.read() as session:
        from ledger.store.verify import verify

        assert verify(session).ok


@pytest.mark.parametrize("role", list(ROLES))
def test_reads_of_objects_outside_the_scope_are_not_found(world, role):
    db, actors, targets = world
    actor, t = actors[role], targets[ROLES[role]]
    for name, call in READS.items():
        if role == "admin":  # an administrator without a unit reads every unit: nothing is outside
            call(db, actor, t)
            continue
        error = expect_refused(db, call, actor, t, (NotFound,))
        missing = expect_refused(db, lambda d, a, _t, call=call: call(d, a, _gone(_t)), actor, t, (NotFound,))
        assert error.messages("en")[0].split()[:4] == missing.messages("en")[0].split()[:4], (
            f"{name}: an object outside the scope must look exactly like one that does not exist"
        )


def _gone(t: Targets) -> Targets:
    return Targets(**{k: (999_999 if isinstance(v, int) else v) for k, v in t.__dict__.items()})


@pytest.mark.parametrize("role", ["officer", "leader_hni", "auditor_hni"])
def test_administration_is_refused_to_non_administrators(world, role):
    db, actors, targets = world
    actor, t = actors[role], targets[ROLES[role]]
    for name, call in ADMIN.items():
        if name in OFFICERS_TOO and role == "officer":
            continue
        allowed = (ValidationError,) if name in NOBODY else (PermissionDenied,)
        expect_refused(db, call, actor, t, allowed)


def test_first_run_set_up_is_refused_on_an_existing_ledger(world):
    db, actors, targets = world
    error = expect_refused(db, ADMIN["users.bootstrap_admin"], actors["admin"], targets["HNI"], (ValidationError,))
    assert {p.key for p in error.problems} == {"auth.setup_done"}


def _all_unit_codes(db: Database) -> set[str]:
    return {r[0] for r in rows(db, "SELECT code FROM units")}


@pytest.mark.parametrize("role", ["officer", "leader_hni", "auditor_hni"])
def test_lists_and_reports_hold_nothing_outside_the_scope(world, role):
    db, actors, targets = world
    actor, outside = actors[role], ROLES[role]
    scope = unit_codes_in_scope(db, actor)
    assert scope and outside not in scope
    others = _all_unit_codes(db) - scope

    listed = lines.list_lines(db, actor, lines.LineFilters(year=YEAR))
    assert listed and {r.unit_code for r in listed} <= scope
    assert lines.list_lines(db, actor, lines.LineFilters(year=YEAR, unit_code=outside)) == []
    assert {r.unit_code for r in lines.adjustments_in_scope(db, actor, YEAR)} <= scope
    assert {r.unit_code for r in commitment_queries.find_commitments(db, actor, YEAR)} <= scope
    assert {r.unit_code for r in commitment_queries.find_commitments(db, actor, YEAR, search=outside)} <= scope
    assert {r.unit_code for r in commitment_queries.payments_in_scope(db, actor, YEAR)} <= scope
    assert {u.code for u in catalogue.units(db, actor)} == scope
    owner_codes = {p.owner_unit_code for p in catalogue.policies(db, actor)}
    assert not owner_codes & (others - {"QG", "BYT"}), "policies of units outside the scope and not above it"
    visible = {p.code for p in catalogue.policies(db, actor)}
    hidden = set(scalars_of(db, "SELECT code FROM policies")) - visible
    assert hidden, "the world has policies outside this scope"
    assert all(catalogue.activities(db, actor, code, YEAR) == [] for code in hidden)
    with db.read() as session:
        assert {u.code for u in reference.units_in_scope(session, actor)} == scope
        owners = {p.owner_unit_id for p in reference.policies_in_scope(session, actor)}
        owner_codes = set(session.scalars(select(Unit.code).where(Unit.id.in_(owners))))
        assert not owner_codes & (others - {"QG", "BYT"}), "policies of units outside the scope and not above it"

    # The overview: totals equal independent SQL over the scope; an outside unit filter gives zeros.
    expected = scalar(
        db,
        "SELECT COALESCE(SUM(b.original_estimate), 0) FROM budget_lines b JOIN units u ON u.id = b.unit_id"
        f" WHERE b.year = {YEAR} AND u.code IN ({', '.join(repr(c) for c in sorted(scope))})",
    )
    overview = reports.overview(db, actor, reports.OverviewFilters(year=YEAR))
    assert sum(r["original_estimate"] for r in overview) == int(expected)
    # An outside unit is refused as unknown (issue 10: never answered with zeros), like a typo.
    with pytest.raises(ValidationError) as outside_overview:
        reports.overview(db, actor, reports.OverviewFilters(year=YEAR, unit_code=outside))
    assert [p.key for p in outside_overview.value.problems] == ["unit.unknown"]
    # Payment and contribution searches and the commitments' SQL totals hold nothing outside the scope.
    everything = spending_queries.SpendingFilters(year=YEAR)
    assert {p.unit_code for p in spending_queries.find_payments(db, actor, everything).rows} <= scope
    assert {c.unit_code for c in spending_queries.find_contributions(db, actor, everything).rows} <= scope
    assert {p.unit_code for p in spending_queries.find_payments(db, actor, spending_queries.SpendingFilters(year=YEAR, search=outside)).rows} <= scope
    assert commitment_queries.commitments_summary(db, actor, YEAR)[0] == len(commitment_queries.find_commitments(db, actor, YEAR))

    # The dashboard and its drill-down: units in scope only; an outside unit is refused as unknown,
    # exactly as a unit that does not exist.
    figures = dashboard.dashboard(db, actor, dashboard.DashboardFilters(year=YEAR))
    assert {u.code for u in figures.unit} <= scope
    for measure in dashboard.MEASURES:
        drilled = drilldown.drill(db, actor, dashboard.DashboardFilters(year=YEAR), "all", None, measure)
        assert {r["unit"] for r in drilled["rows"]} <= scope
        assert drilldown.drill(db, actor, dashboard.DashboardFilters(year=YEAR), "unit", outside, measure)["count"] == 0
    with pytest.raises(ValidationError) as outside_unit:
        dashboard.dashboard(db, actor, dashboard.DashboardFilters(year=YEAR, unit_code=outside))
    with pytest.raises(ValidationError) as no_unit:
        dashboard.dashboard(db, actor, dashboard.DashboardFilters(year=YEAR, unit_code="KHONG-CO"))
    assert [p.key for p in outside_unit.value.problems] == [p.key for p in no_unit.value.problems] == ["unit.unknown"]
    with db.read() as session, pytest.raises(ValidationError):
        dashboard.validate(session, actor, dashboard.DashboardFilters(year=YEAR, unit_code=outside))


def test_the_workbook_extract_refuses_a_unit_outside_the_scope(world, tmp_path):
    from ledger.excel import export_workbook

    db, actors, _targets = world
    with pytest.raises(NotFound):
        export_workbook(db, actors["officer"], tmp_path / "lan.xlsx", YEAR, "HNI")


# --- screens ---------------------------------------------------------------------------------------

MENU_PAGES = [
    "pages/dashboard.py", "pages/overview.py", "pages/budget_lines.py", "pages/adjustments.py", "pages/commitments.py",
    "pages/payments.py", "pages/excel.py", "pages/audit.py", "pages/account.py", "pages/team.py", "pages/plans.py",
]


def forbidden_codes(db: Database, actor: Actor) -> set[str]:
    """Codes and names that belong only to units outside the actor's scope."""
    scope = unit_codes_in_scope(db, actor)
    inside = f"u.code IN ({', '.join(repr(c) for c in sorted(scope))})"
    codes = {r[0] for r in rows(db, f"SELECT b.code FROM budget_lines b JOIN units u ON u.id = b.unit_id WHERE NOT {inside}")}
    codes |= {r[0] for r in rows(db, f"SELECT c.reference FROM commitments c JOIN budget_lines b ON b.id = c.line_id JOIN units u ON u.id = b.unit_id WHERE NOT {inside}")}
    codes |= {r[0] for r in rows(db, f"SELECT p.voucher_no FROM payments p JOIN budget_lines b ON b.id = p.line_id JOIN units u ON u.id = b.unit_id WHERE NOT {inside}")}
    codes |= {r[0] for r in rows(db, f"SELECT u.name FROM units u WHERE NOT {inside} AND u.code NOT IN ('QG', 'BYT')")}
    return codes


def assert_no_codes(text: str, codes: set[str], where: str) -> None:
    for code in codes:
        assert not re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text), f"{where} shows {code!r} of another unit"


MARKERS = {"estimate": 555_444_333, "adjustment": 987_654_321, "payment": 123_456_789}


def add_markers(db: Database, unit: str) -> set[str]:
    """Distinctive figures written on a unit outside the viewer's scope; the texts that would betray them."""
    from ledger.domain.formatting import format_amount

    line = budget.add_line(
        db, SYSTEM, code="NGOAI-PHAM-VI-1", year=YEAR, unit_code=unit, description="Dòng đánh dấu ngoài phạm vi",
        category="KHAC", source="NSNN", original_estimate=MARKERS["estimate"],
    )
    budget.adjust_line(db, SYSTEM, line.id, MARKERS["adjustment"], DAY, "QĐ-DANH-DAU")
    payments.record_payment(db, SYSTEM, year=YEAR, voucher_no="C-DANH-DAU", date=DAY, kind="THANH_TOAN", line=line.id, amount=MARKERS["payment"])
    amounts = {*MARKERS.values(), MARKERS["estimate"] + MARKERS["adjustment"]}
    return {"NGOAI-PHAM-VI-1", "QĐ-DANH-DAU", "C-DANH-DAU", "Dòng đánh dấu ngoài phạm vi"} | {format_amount(a) for a in amounts} | {str(a) for a in amounts}


# Screens that show the whole chain's length or head (the audit trail's integrity, not a unit's figures).
CHAIN_WIDE = {"pages/audit.py"}


@pytest.mark.parametrize("who", ["officer", "leader_hni"])
def test_no_screen_shows_another_units_figures(app_ledger, who):
    """Each screen, as an officer (and a provincial leader): no code or name of another unit; and
    writing distinctive figures on another unit changes nothing on any screen (chain-wide counters of
    the audit screen aside), nor do those figures appear anywhere."""
    if who == "leader_hni":
        users.create_user(app_ledger, SYSTEM, "leader_hni", "leader", "demo-hni", unit_code="HNI")
    actor = actor_for(app_ledger, who)
    codes = forbidden_codes(app_ledger, actor)
    assert len(codes) > 50
    own = "BYT-TT-26-01" if who == "officer" else "HNI-26-01"

    def screens() -> dict[str, str]:
        shown = {page: rendered_text(start(app_ledger, who, page)) for page in MENU_PAGES}
        # With one of the actor's own lines opened (its detail, adjustments and audit events), too.
        lines = start(app_ledger, who, "pages/budget_lines.py")
        lines.selectbox(key="line_select").set_value(_line(app_ledger, own)).run()
        assert not lines.exception
        shown["line detail"] = rendered_text(lines)
        assert own in shown["line detail"]
        return shown

    before = screens()
    for where, text in before.items():
        assert_no_codes(text, codes, where)
    markers = add_markers(app_ledger, ROLES[who])
    after = screens()
    for where, text in after.items():
        for marker in markers:
            assert marker not in text, f"{where} shows {marker!r} written on another unit"
        if where not in CHAIN_WIDE:
            assert text == before[where], f"{where} changed when another unit's figures changed"


# --- HTML ------------------------------------------------------------------------------------------

PAYLOAD = "<script>alert(1)</script><b>x</b>"


def test_user_text_is_never_rendered_as_html(app_ledger):
    officer = actor_for(app_ledger, "officer")
    budget.add_line(app_ledger, officer, code="BYT-TT-26-XSS", year=YEAR, unit_code="BYT-TT", description=PAYLOAD, category="BAO_CHI", source="NSNN", original_estimate="1.000.000")
    commitment_writes.create_order(app_ledger, officer, year=YEAR, reference="XSS-1", line=_line(app_ledger, "BYT-TT-26-XSS"), press_agency="SKDS", description=PAYLOAD, value=1_000_000)
    seen_as_text = False
    for page in MENU_PAGES:
        at = start(app_ledger, "officer", page)
        for proto in markdown_protos(at):
            if proto.allow_html:
                assert "<script" not in proto.body and PAYLOAD not in proto.body, f"{page} renders user text as HTML"
        seen_as_text |= PAYLOAD in rendered_text(at)
    assert seen_as_text, "the description is shown (as text) somewhere"


def _line(db: Database, code: str) -> int:
    return int(scalar(db, "SELECT id FROM budget_lines WHERE code = :c", c=code))


def test_no_screen_passes_data_to_raw_html():
    """``unsafe_allow_html=True`` and ``st.html`` may only carry a literal string written in the code."""
    for path in [ROOT / "streamlit_app.py", *sorted((ROOT / "pages").glob("*.py"))]:
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            unsafe = any(k.arg == "unsafe_allow_html" and not (isinstance(k.value, ast.Constant) and k.value.value is False) for k in node.keywords)
            raw = isinstance(node.func, ast.Attribute) and node.func.attr == "html"
            if unsafe or raw:
                first = node.args[0] if node.args else None
                assert isinstance(first, ast.Constant) and isinstance(first.value, str), (
                    f"{path.name}:{node.lineno} passes computed text to raw HTML"
                )


def test_no_screen_opens_a_session():
    """The entry and the screens call ``ledger`` with the database and render what it returns: none
    opens a transaction (``with db.read()`` / ``db.write()``) or reaches for SQLAlchemy itself."""
    for path in [ROOT / "streamlit_app.py", *sorted((ROOT / "pages").rglob("*.py"))]:
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.With | ast.AsyncWith):
                for item in node.items:
                    call = item.context_expr
                    opened = isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr in ("read", "write")
                    assert not opened, f"{path.name}:{node.lineno} opens a transaction"
            elif isinstance(node, ast.Import | ast.ImportFrom):
                modules = [node.module or ""] if isinstance(node, ast.ImportFrom) else [alias.name for alias in node.names]
                assert not any(m.split(".")[0] == "sqlalchemy" for m in modules), f"{path.name}:{node.lineno} imports SQLAlchemy"


# --- uploads -----------------------------------------------------------------------------------------


def test_uploads_are_size_limited():
    from ledger.excel.reader import MAX_FILE_BYTES

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    limit = config["server"]["maxUploadSize"]
    assert isinstance(limit, int) and 0 < limit <= 50
    assert MAX_FILE_BYTES <= limit * 2**20, "the importer refuses what the server would let through"


# --- secrets -------------------------------------------------------------------------------------------


def test_password_hashes_never_reach_the_audit_trail_nor_an_extract(world, tmp_path):
    db, actors, _targets = world
    admin = actors["admin"]
    users.create_user(db, admin, "bi.mat", "officer", "mat-khau-dai-so-1", unit_code="BYT-TT")
    users.reset_password(db, admin, "bi.mat", "mat-khau-dai-so-2")
    users.change_password(db, actor_for(db, "bi.mat"), "mat-khau-dai-so-2", "mat-khau-dai-so-3")
    for _ in range(5):
        with pytest.raises(LedgerError):
            users.sign_in(db, "bi.mat", "sai")
    users.unlock_user(db, admin, "bi.mat")
    hashes = {r[0] for r in rows(db, "SELECT password_hash FROM users")}
    assert all(h.startswith("$argon2") for h in hashes)
    trail = " ".join((r[0] or "") + (r[1] or "") for r in rows(db, "SELECT before, after FROM audit_events"))
    assert "$argon2" not in trail and "password_hash" not in trail
    assert not any(h in trail for h in hashes)
    assert {"user.create", "user.password_reset", "user.password_change", "user.lock", "user.unlock"} <= {
        r[0] for r in rows(db, "SELECT DISTINCT action FROM audit_events WHERE entity_type = 'user'")
    }

    from ledger.excel import export_workbook

    target = tmp_path / "trich-xuat.xlsx"
    export_workbook(db, actor_for(db, "auditor"), target, None)
    with zipfile.ZipFile(target) as book:
        content = "".join(book.read(name).decode("utf-8", "replace") for name in book.namelist())
    assert "argon2" not in content and not any(h in content for h in hashes)


def test_errors_never_carry_statement_parameters(world):
    """A driver error (here a duplicate username inserted behind the services) names no value: the
    argon2 hash of the row stays out of the exception text, and so out of every log."""
    db, _actors, _targets = world
    from sqlalchemy.exc import IntegrityError

    from ledger.store.access import hash_password

    secret = hash_password("khong-duoc-lo")
    with pytest.raises(IntegrityError) as info, db.write() as session:
        session.add(User(username="officer", full_name="", role="officer", password_hash=secret, is_active=True, is_demo=False))
        session.flush()
    assert secret not in str(info.value) and "argon2" not in str(info.value)
    assert "hidden" in str(info.value)


@pytest.mark.parametrize("backend", ["postgresql"])
def test_the_database_password_is_hidden_in_the_command_line_output(pg_server, demo_url, capsys, caplog, tmp_path):
    """The test server trusts loopback, so a URL carrying a password still connects: the CLI shows it
    masked (``render_as_string(hide_password=True)``); an unreachable server's error shows no password."""
    from ledger.cli import main

    with_password = demo_url.replace("postgres@", "postgres:Mat-Khau-Bi-Mat@")
    assert main(["--db", with_password, "init"]) == 0
    assert main(["--db", with_password, "verify"]) == 0
    assert main(["--db", with_password, "backup", str(tmp_path / "sao-luu.dump")]) == 0
    out = capsys.readouterr()
    assert "Mat-Khau-Bi-Mat" not in out.out + out.err
    assert "postgres:***@" in out.out

    caplog.set_level(logging.WARNING, logger="ledger.store.db")
    port = re.search(r":(\d+)/", demo_url).group(1)
    dead = with_password.replace(f":{port}/", f":{_closed_port()}/") + "?connect_timeout=2"
    assert main(["--db", dead, "verify"]) == 1
    out = capsys.readouterr()
    assert "Mat-Khau-Bi-Mat" not in out.out + out.err + caplog.text
    assert "The database cannot be reached" in out.err


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]

