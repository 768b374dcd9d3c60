"""The catalogue of press agencies that press orders are placed with (shared by every unit).

Administrators and finance officers add agencies, correct one (the audit event keeps the previous
version, before and after) and deactivate one (kept for the orders already placed, offered for no
new one); the media type and the level are codes of
``ledger.domain.codes`` (a code or its label in either language), anything else is refused with the
list of what is allowed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.domain import codes
from ledger.domain.errors import NotFound, PermissionDenied, problem
from ledger.domain.validation import Problems
from ledger.services.shared import writer
from ledger.store import audit, cache
from ledger.store.access import Actor, current_user
from ledger.store.models import PressAgency


def press_agency_by_code(session: Session, code: str) -> PressAgency | None:
    code = (code or "").strip()
    return cache.by_key(session, ("press_agency", code), select(PressAgency).where(PressAgency.code == code))


def press_agencies(session: Session) -> list[PressAgency]:
    return list(session.scalars(select(PressAgency).order_by(PressAgency.name)))


def _listed(found: Problems, value: Any, default: str, labels: codes.Labels, field: str, what: str) -> str | None:
    """The code ``value`` names (``default`` when none is given); a value outside the list is refused."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    code = codes.code_for(value, labels)
    if code is None:
        found.append(problem("code.not_listed", field, what=what, value=value, codes=codes.codes_hint(labels)))
    return code


def _may_edit(session: Session, actor: Actor) -> None:
    user = current_user(session, actor) if actor.user_id else None
    if user is not None and user.role not in ("admin", "officer"):
        raise PermissionDenied(problem("perm.read_only", role=user.role))


def _existing(session: Session, code: Any) -> PressAgency:
    agency = press_agency_by_code(session, str(code or ""))
    if agency is None:
        raise NotFound(problem("press.unknown", value=code or "—"))
    return agency


@writer
def create_press_agency(session: Session, actor: Actor, code: Any, name: Any, media_type: Any = None, governing_body: Any = "", level: Any = None) -> PressAgency:
    """Add a press agency to the catalogue (administrators and finance officers). Without a media
    type it is a newspaper, without a level a central one."""
    _may_edit(session, actor)
    found = Problems()
    clean_code = found.code(code, "code", "mã cơ quan báo chí")
    clean_name = found.text(name, "name", "tên cơ quan báo chí", limit=255)
    media = _listed(found, media_type, "newspaper", codes.MEDIA_TYPES, "media_type", "loại hình")
    clean_level = _listed(found, level, "central", codes.PRESS_LEVELS, "level", "cấp")
    if clean_code and press_agency_by_code(session, clean_code):
        found.append(problem("press.exists", "code", value=clean_code))
    found.raise_if_any()
    agency = PressAgency(code=clean_code, name=clean_name, media_type=media, governing_body=(governing_body or "").strip(), level=clean_level)
    session.add(agency)
    audit.record_change(session, actor.username, "press_agency.create", agency, None)
    return agency


@writer
def update_press_agency(session: Session, actor: Actor, code: Any, name: Any, media_type: Any, governing_body: Any = "", level: Any = None) -> PressAgency:
    """Correct an agency's name, media type, governing body or level; the code stays (orders point to it)."""
    _may_edit(session, actor)
    agency = _existing(session, code)
    found = Problems()
    clean_name = found.text(name, "name", "tên cơ quan báo chí", limit=255)
    media = _listed(found, media_type, agency.media_type, codes.MEDIA_TYPES, "media_type", "loại hình")
    clean_level = _listed(found, level, agency.level, codes.PRESS_LEVELS, "level", "cấp")
    found.raise_if_any()
    before = audit.snapshot(agency)
    agency.name, agency.media_type, agency.governing_body, agency.level = clean_name, media, str(governing_body or "").strip(), clean_level
    audit.record_change(session, actor.username, "press_agency.update", agency, before)
    return agency


@writer
def set_press_agency_active(session: Session, actor: Actor, code: Any, active: bool) -> PressAgency:
    """Deactivate an agency (no new order is placed with it) or make it active again."""
    _may_edit(session, actor)
    agency = _existing(session, code)
    before = audit.snapshot(agency)
    agency.is_active = bool(active)
    audit.record_change(session, actor.username, "press_agency.activate" if active else "press_agency.deactivate", agency, before)
    return agency
