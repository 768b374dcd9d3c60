"""The report to the Ministry (letter 837, item 4): settings and text, submission, receipt, trusted
keys and signed packages. Every write validates first, then writes and appends its audit event in
the same transaction (``@writer``); a refusal writes nothing.

Who: an officer of the unit prepares (settings, texts); a leader of the unit itself submits; a
leader of an ancestor unit receives (a local submission, or a child's signed package); an
administrator trusts a unit's public key once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.domain import clock
from ledger.domain.errors import NotFound, PermissionDenied, ValidationError, problem
from ledger.domain.validation import Problems
from ledger.reports.ministry import signing
from ledger.reports.ministry.figures import build_figures
from ledger.services.reference import unit_by_code
from ledger.services.shared import writer
from ledger.store import audit
from ledger.store.access import SYSTEM, Actor, current_user, require_admin, require_writer, scope_unit_ids
from ledger.store.models import FiscalYear, ReceivedPackage, ReportSetting, ReportVersion, TrustedKey, Unit, utcnow

DEFAULT_ADDRESSEE = "Cục Báo chí – Bộ Văn hóa, Thể thao và Du lịch"
DEFAULT_PLACE = "Hà Nội"
DEFAULT_RECIPIENTS = "- Như trên;\n- Lưu: VT."
# Each text setting: its length limit and its name in problems (translated by the catalogues' fields).
TEXT_LIMITS = {
    "addressee": (255, "nơi nhận báo cáo"), "number": (64, "số báo cáo"), "place": (64, "địa danh"),
    "signer_title": (255, "chức vụ người ký"), "signer_name": (255, "người ký"), "recipients": (2000, "nơi nhận"),
    "difficulties": (20000, "khó khăn, vướng mắc"), "proposals": (20000, "đề xuất"),
}


@dataclass(frozen=True)
class Settings:
    unit_code: str
    year: int
    addressee: str
    deadline: dt.date
    number: str
    place: str
    signer_title: str
    signer_name: str
    recipients: str
    difficulties: str
    proposals: str


def default_deadline(year: int) -> dt.date:
    return dt.date(year + 1, 3, 31)


def settings_in_session(session: Session, unit: Unit, year: int) -> Settings:
    """The unit's settings for the year, the spec's defaults where it saved none."""
    row = session.scalars(select(ReportSetting).where(ReportSetting.unit_id == unit.id, ReportSetting.year == year)).first()
    if row is None:
        return Settings(unit.code, year, DEFAULT_ADDRESSEE, default_deadline(year), "", DEFAULT_PLACE, "", "", DEFAULT_RECIPIENTS, "", "")
    return Settings(unit.code, year, row.addressee, row.deadline, row.number, row.place, row.signer_title, row.signer_name, row.recipients, row.difficulties, row.proposals)


def readable_unit(session: Session, actor: Actor, unit_code: str | None) -> Unit:
    """The unit named (the actor's own when none), if the actor may read it; else NotFound."""
    code = unit_code or (session.get(Unit, actor.unit_id).code if actor.unit_id else "")
    unit = unit_by_code(session, code) if code else session.scalars(select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.id)).first()
    scope = scope_unit_ids(session, actor)
    if unit is None or (scope is not None and unit.id not in scope):
        raise NotFound(problem("unit.unknown", value=unit_code or "—"))
    return unit


def _year(session: Session, year: Any) -> int:
    if not isinstance(year, int) or session.get(FiscalYear, year) is None:
        raise ValidationError(problem("year.unknown", "year", year=year))
    return year


def live_figures(session: Session, actor: Actor, unit: Unit, year: int) -> dict[str, Any]:
    return build_figures(session, actor, unit, year, clock.today())


def versions_of(session: Session, unit_id: int, year: int) -> list[ReportVersion]:
    return list(session.scalars(select(ReportVersion).where(ReportVersion.unit_id == unit_id, ReportVersion.year == year).order_by(ReportVersion.version)))


@writer
def save_settings(session: Session, actor: Actor, unit_code: str, year: int, values: dict[str, Any]) -> Settings:
    """Save the report's settings and texts (an officer of the unit prepares the report)."""
    unit = readable_unit(session, actor, unit_code)
    require_writer(session, actor, unit.id)
    year = _year(session, year)
    found = Problems()
    current = settings_in_session(session, unit, year)
    clean: dict[str, Any] = {}
    for name, (limit, what) in TEXT_LIMITS.items():
        value = values.get(name, getattr(current, name))
        text = found.text(value, name, what, limit=limit, required=name == "addressee")
        clean[name] = text or ""
    clean["deadline"] = found.date(values.get("deadline", current.deadline), "deadline", not_future=False)
    found.raise_if_any()
    row = session.scalars(select(ReportSetting).where(ReportSetting.unit_id == unit.id, ReportSetting.year == year)).first()
    before = audit.snapshot(row) if row is not None else None
    if row is None:
        row = ReportSetting(unit_id=unit.id, year=year)
        session.add(row)
    for name, value in clean.items():
        setattr(row, name, value)
    row.updated_at, row.updated_by = utcnow(), actor.username
    audit.record_change(session, actor.username, "report.settings", row, before)
    return settings_in_session(session, unit, year)


def _require_leader(session: Session, actor: Actor, allowed: set[int], key: str, unit: Unit) -> None:
    if actor == SYSTEM:
        return
    user = current_user(session, actor)
    if user.role != "leader" or user.unit_id not in allowed:
        raise PermissionDenied(problem(key, unit=unit.code))


def _ancestors(session: Session, unit: Unit) -> set[int]:
    found, parent = set(), unit.parent
    while parent is not None:
        found.add(parent.id)
        parent = parent.parent
    return found


@writer
def submit(session: Session, actor: Actor, unit_code: str, year: int, *, at: dt.datetime | None = None) -> ReportVersion:
    """Freeze the unit's figures as a new version (a correction supersedes, both stay). ``at``: the
    moment of a submission the operator loads (the demo's); everyone else submits now."""
    unit = readable_unit(session, actor, unit_code)
    _require_leader(session, actor, {unit.id}, "report.leader_only", unit)
    year = _year(session, year)
    moment = at.replace(microsecond=0) if at is not None and actor == SYSTEM else utcnow()
    figures = {**live_figures(session, actor, unit, year), "settings": _settings_json(settings_in_session(session, unit, year))}
    body = audit.canonical_json(figures)
    head = audit.head(session)
    number = int(session.scalar(select(func.max(ReportVersion.version)).where(ReportVersion.unit_id == unit.id, ReportVersion.year == year)) or 0) + 1
    version = ReportVersion(
        unit_id=unit.id, year=year, version=number, state="DA_NOP", figures=body, content_hash=audit.digest(body),
        audit_seq=head.seq if head else 0, audit_hash=head.hash if head else audit.GENESIS_HASH,
        submitted_at=moment, submitted_by=actor.username, late=(moment.date() if at else clock.today()) > settings_in_session(session, unit, year).deadline, origin="local",
    )
    session.add(version)
    audit.record_change(session, actor.username, "report.submit", version, None)
    return version


def _settings_json(settings: Settings) -> dict[str, Any]:
    return {f.name: getattr(settings, f.name).isoformat() if isinstance(getattr(settings, f.name), dt.date) else getattr(settings, f.name) for f in fields(settings)}


@writer
def receive(session: Session, actor: Actor, unit_code: str, year: int) -> ReportVersion:
    """A leader of an ancestor unit receives the unit's latest submitted version (once)."""
    unit = readable_unit(session, actor, unit_code)
    _require_leader(session, actor, _ancestors(session, unit), "report.parent_leader_only", unit)
    found = versions_of(session, unit.id, _year(session, year))
    if not found:
        raise ValidationError(problem("report.nothing_submitted", unit=unit.code, year=year))
    latest = found[-1]
    if latest.state == "DA_TIEP_NHAN":
        return latest
    before = audit.snapshot(latest)
    latest.state, latest.received_at, latest.received_by = "DA_TIEP_NHAN", utcnow(), actor.username
    audit.record_change(session, actor.username, "report.receive", latest, before)
    return latest


@writer
def trust_key(session: Session, actor: Actor, unit_code: str, pem: str | bytes) -> TrustedKey:
    """The administrator trusts a unit's public key, once: the same key again changes nothing, another
    key for the unit is refused."""
    require_admin(session, actor)
    unit = readable_unit(session, actor, unit_code)
    key = signing.load_public(pem)
    if key is None:
        raise ValidationError(problem("report.key_invalid"))
    text, mark = signing.public_pem(key), signing.fingerprint(key)
    existing = session.scalars(select(TrustedKey).where(TrustedKey.unit_id == unit.id)).first()
    if existing is not None:
        if existing.fingerprint == mark:
            return existing
        raise ValidationError(problem("report.key_already_trusted", unit=unit.code, fingerprint=existing.fingerprint))
    row = TrustedKey(unit_id=unit.id, public_key=text, fingerprint=mark, created_at=utcnow(), created_by=actor.username)
    session.add(row)
    audit.record_change(session, actor.username, "report.trust_key", row, None)
    return row


@dataclass(frozen=True)
class Receipt:
    unit_code: str
    year: int
    version: int
    content_hash: str
    new: bool  # False: the package had been received before, nothing was written


@writer
def receive_package(session: Session, actor: Actor, data: bytes) -> Receipt:
    """Check a child's signed package (its signature against the key trusted for its unit, the unit
    within the receiver's scope, the content hash) and record its version once."""
    package = signing.read_package(data)
    manifest = package.manifest if package else {}
    if package is None or not isinstance(manifest.get("figures"), dict):
        raise ValidationError(problem("report.package_invalid"))
    unit = unit_by_code(session, str(manifest.get("unit", "")))
    scope = scope_unit_ids(session, actor)
    if unit is None or unit.id == actor.unit_id or (scope is not None and unit.id not in scope):
        raise ValidationError(problem("report.package_outside", unit=manifest.get("unit", "—")))
    _require_leader(session, actor, _ancestors(session, unit), "report.parent_leader_only", unit)
    trusted = session.scalars(select(TrustedKey).where(TrustedKey.unit_id == unit.id)).first()
    key = signing.load_public(trusted.public_key) if trusted else None
    if key is None or not signing.signed_by(package, key):
        raise ValidationError(problem("report.package_untrusted", unit=unit.code))
    body = audit.canonical_json(manifest["figures"])
    if audit.digest(body) != manifest.get("content_hash") or audit.digest(package.annex) != manifest.get("annex_sha256") or manifest["figures"].get("unit") != unit.code:
        raise ValidationError(problem("report.package_altered", unit=unit.code))
    year = _year(session, manifest.get("year"))
    known = session.scalars(select(ReceivedPackage).where(ReceivedPackage.content_hash == manifest["content_hash"])).first()
    if known is not None:
        version = session.get(ReportVersion, known.version_id)
        return Receipt(unit.code, year, version.version, known.content_hash, False)
    number = int(session.scalar(select(func.max(ReportVersion.version)).where(ReportVersion.unit_id == unit.id, ReportVersion.year == year)) or 0) + 1
    version = ReportVersion(
        unit_id=unit.id, year=year, version=number, state="DA_TIEP_NHAN", figures=body, content_hash=manifest["content_hash"],
        audit_seq=int(manifest.get("audit_seq", 0)), audit_hash=str(manifest.get("audit_hash", "")),
        submitted_at=dt.datetime.fromisoformat(manifest["submitted_at"]), submitted_by=str(manifest.get("submitted_by", "")),
        late=bool(manifest.get("late")), origin="package", received_at=utcnow(), received_by=actor.username,
    )
    session.add(version)
    audit.record_change(session, actor.username, "report.receive_package", version, None)
    session.flush()  # the version's id, for the package row
    row = ReceivedPackage(version_id=version.id, unit_id=unit.id, content_hash=version.content_hash, fingerprint=trusted.fingerprint, received_at=utcnow(), received_by=actor.username)
    session.add(row)
    audit.record_change(session, actor.username, "report.package", row, None)
    return Receipt(unit.code, year, number, version.content_hash, True)
