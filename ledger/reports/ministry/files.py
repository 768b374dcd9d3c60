"""The three files of a report (.docx, .xlsx annex, PDF) and the signed package of a submitted
version, from ``consolidation``'s Report: the live draft, or a submitted version's frozen figures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ledger.domain import clock
from ledger.domain.errors import ValidationError, problem
from ledger.reports.ministry import signing
from ledger.reports.ministry.annex import write_annex
from ledger.reports.ministry.consolidation import Report, report, submitted_report
from ledger.reports.ministry.document import to_pdf, write_docx
from ledger.reports.ministry.figures import check_period
from ledger.store.access import Actor
from ledger.store.db import Database


def report_day(rep: Report) -> dt.date:
    """The document's date: the submission day of the version shown, else today."""
    return rep.versions[-1].submitted_at.date() if rep.frozen and rep.versions else clock.today()


def docx_bytes(rep: Report) -> bytes:
    return write_docx(rep, report_day(rep))


def xlsx_bytes(rep: Report) -> bytes:
    return write_annex(rep)


def pdf_bytes(rep: Report) -> bytes | None:
    """The PDF, or None when LibreOffice is not installed (the caller says so in a sentence)."""
    return to_pdf(docx_bytes(rep))


def load(db: Database, actor: Actor, unit_code: str | None, year: int, *, submitted: bool = False,
         date_from: dt.date | None = None, date_to: dt.date | None = None) -> Report:
    """The live report, or with ``submitted`` the latest submitted version (refused when none).
    ``date_from``/``date_to``: a range inside the year (both or neither; a live build/preview only:
    submitted versions are whole years)."""
    period = check_period(year, date_from, date_to)
    if period is not None and submitted:
        raise ValidationError(problem("report.period_not_submitted", "period", year=year))
    if not submitted:
        return report(db, actor, unit_code, year, period)
    found = submitted_report(db, actor, unit_code or "", year)
    if found is None:
        raise ValidationError(problem("report.nothing_submitted", unit=unit_code, year=year))
    return found


@dataclass(frozen=True)
class Packaged:
    data: bytes
    version: int
    content_hash: str
    fingerprint: str


def package(db: Database, actor: Actor, unit_code: str, year: int) -> Packaged:
    """The latest submitted version's annex and manifest, signed with this ledger's key."""
    rep = load(db, actor, unit_code, year, submitted=True)
    version = rep.versions[-1]
    manifest = {
        "unit": rep.unit_code, "year": rep.year, "version": version.version, "content_hash": version.content_hash,
        "audit_seq": version.audit_seq, "audit_hash": version.audit_hash, "submitted_at": version.submitted_at.isoformat(),
        "submitted_by": version.submitted_by, "late": version.late, "figures": rep.figures,
    }
    key = signing.private_key()
    return Packaged(signing.write_package(manifest, xlsx_bytes(rep), key), version.version, version.content_hash, signing.fingerprint(key.public_key()))
