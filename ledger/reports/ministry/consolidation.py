"""A unit's report as the files show it: its live figures, its settings and versions, and for each
unit directly below it the state of that child's report (``CHUA_NOP``, ``DA_NOP``, ``NOP_MUON``,
``DA_TIEP_NHAN``), its submission date, its latest submitted figures, and a mark where the child's
live figures have changed since. A child that has submitted is shown with its submitted figures;
one that has not, with its live figures; ``Tổng cộng`` is the exact sum of the rows.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.domain import clock
from ledger.reports.ministry.figures import CHILD_FIELDS, Period, build_figures
from ledger.services.report import Settings, readable_unit, settings_in_session
from ledger.store.access import Actor, scope_unit_ids
from ledger.store.db import Database
from ledger.store.models import ReceivedPackage, ReportVersion, Unit


@dataclass(frozen=True)
class ChildRow:
    code: str
    name: str
    own: bool  # the reporting unit's own entries (not a child)
    state: str
    submitted_at: dt.datetime | None
    version: int | None
    changed: bool  # the live figures differ from the submitted ones
    figures: dict[str, int]


@dataclass(frozen=True)
class VersionInfo:
    version: int
    state: str
    late: bool
    submitted_at: dt.datetime
    submitted_by: str
    received_at: dt.datetime | None
    received_by: str | None
    content_hash: str
    audit_seq: int
    audit_hash: str
    origin: str


@dataclass(frozen=True)
class Report:
    unit_code: str
    unit_name: str
    year: int
    settings: Settings
    figures: dict[str, Any]  # live (the draft); ``frozen`` when the report shows a submitted version
    versions: tuple[VersionInfo, ...]
    children: tuple[ChildRow, ...]
    total: dict[str, int]
    generated_by: str
    generated_at: dt.datetime
    frozen: bool = False
    parent_name: str = ""
    period: Period | None = None  # a range inside the year (a build/preview only), None: the whole year

    @property
    def state(self) -> str:
        return state_of(self.versions[-1]) if self.versions else "DU_THAO"

    @property
    def submitted(self) -> int:
        return sum(1 for c in self.children if not c.own and c.state != "CHUA_NOP")


def state_of(version: ReportVersion | VersionInfo | None) -> str:
    if version is None:
        return "CHUA_NOP"
    if version.state == "DA_TIEP_NHAN":
        return "DA_TIEP_NHAN"
    return "NOP_MUON" if version.late else "DA_NOP"


def _info(v: ReportVersion) -> VersionInfo:
    return VersionInfo(v.version, v.state, v.late, v.submitted_at, v.submitted_by, v.received_at, v.received_by, v.content_hash, v.audit_seq, v.audit_hash, v.origin)


def _latest(session: Session, unit_ids: list[int], year: int) -> dict[int, ReportVersion]:
    """The latest version of each unit's report for the year, in one statement."""
    if not unit_ids:
        return {}
    newest = (
        select(ReportVersion.unit_id, func.max(ReportVersion.version).label("v"))
        .where(ReportVersion.unit_id.in_(unit_ids), ReportVersion.year == year).group_by(ReportVersion.unit_id).subquery()
    )
    rows = session.scalars(select(ReportVersion).join(newest, (newest.c.unit_id == ReportVersion.unit_id) & (newest.c.v == ReportVersion.version)).where(ReportVersion.year == year))
    return {v.unit_id: v for v in rows}


def report_in_session(session: Session, actor: Actor, unit_code: str | None, year: int, *, figures: dict[str, Any] | None = None,
                      period: Period | None = None) -> Report:
    unit = readable_unit(session, actor, unit_code)
    live = figures or build_figures(session, actor, unit, year, clock.today(), period)
    codes_ = {u.code: u.id for u in session.scalars(select(Unit).where(Unit.parent_id == unit.id))}
    latest = _latest(session, list(codes_.values()), year)
    children = []
    for row in live["children"]:
        figures_now = {f: int(row[f]) for f in CHILD_FIELDS}
        if row["own"]:
            children.append(ChildRow(row["code"], row["name"], True, "", None, None, False, figures_now))
            continue
        version = latest.get(codes_.get(row["code"], -1))
        frozen = {f: int(json.loads(version.figures)["row"][f]) for f in CHILD_FIELDS} if version is not None else figures_now
        children.append(ChildRow(row["code"], row["name"], False, state_of(version), version.submitted_at if version else None,
                                 version.version if version else None, version is not None and frozen != figures_now, frozen))
    total = {f: sum(c.figures[f] for c in children) for f in CHILD_FIELDS}
    versions = tuple(_info(v) for v in session.scalars(select(ReportVersion).where(ReportVersion.unit_id == unit.id, ReportVersion.year == year).order_by(ReportVersion.version)))
    return Report(unit.code, unit.name, year, settings_in_session(session, unit, year), live, versions, tuple(children), total, actor.username, _now(),
                  parent_name=unit.parent.name if unit.parent is not None else "", period=period if figures is None else None)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def report(db: Database, actor: Actor, unit_code: str | None, year: int, period: Period | None = None) -> Report:
    """The unit's report for the year, live (the draft as it stands), with its children's states;
    with ``period`` (``figures.check_period``'s) for a range of dates inside the year."""
    with db.read() as session:
        return report_in_session(session, actor, unit_code, year, period=period)


def submitted_report(db: Database, actor: Actor, unit_code: str, year: int, version: int | None = None) -> Report | None:
    """The report as submitted (its frozen figures and settings), the latest version unless told."""
    with db.read() as session:
        unit = readable_unit(session, actor, unit_code)
        query = select(ReportVersion).where(ReportVersion.unit_id == unit.id, ReportVersion.year == year)
        query = query.where(ReportVersion.version == version) if version else query.order_by(ReportVersion.version.desc())
        found = session.scalars(query.limit(1)).first()
        if found is None:
            return None
        frozen = json.loads(found.figures)
        live = report_in_session(session, actor, unit_code, year, figures=frozen)
        stored = frozen.get("settings") or {}
        settings = Settings(**{**live.settings.__dict__, **{k: v for k, v in stored.items() if k in live.settings.__dict__}})
        if isinstance(settings.deadline, str):
            settings = Settings(**{**settings.__dict__, "deadline": dt.date.fromisoformat(settings.deadline)})
        return Report(**{**live.__dict__, "settings": settings, "frozen": True})


@dataclass(frozen=True)
class PackageRow:
    unit_code: str
    year: int
    version: int
    content_hash: str
    fingerprint: str
    received_at: dt.datetime
    received_by: str


def packages_received(db: Database, actor: Actor, year: int | None = None) -> list[PackageRow]:
    """The signed packages received for units in the actor's scope, newest first."""
    with db.read() as session:
        ids = scope_unit_ids(session, actor)
        query = (
            select(Unit.code, ReportVersion.year, ReportVersion.version, ReceivedPackage.content_hash, ReceivedPackage.fingerprint, ReceivedPackage.received_at, ReceivedPackage.received_by)
            .join(ReportVersion, ReportVersion.id == ReceivedPackage.version_id).join(Unit, Unit.id == ReceivedPackage.unit_id)
            .order_by(ReceivedPackage.received_at.desc(), ReceivedPackage.id.desc())
        )
        if ids is not None:
            query = query.where(ReceivedPackage.unit_id.in_(ids))
        if year is not None:
            query = query.where(ReportVersion.year == year)
        return [PackageRow(*row) for row in session.execute(query)]

