"""The report to the Ministry (letter 837, item 4): a unit's report settings and text per year, its
submitted versions (frozen figures), the public keys a parent trusts for its children's packages,
and the packages received.

A submitted version never changes its figures: ``figures`` is canonical JSON, ``content_hash`` its
SHA-256, with the audit head (seq, hash) of the moment; a correction is a new version. Receipt by
the parent is the one later change (its state and who received it).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ledger.store.models.base import Created, Record, Stamp, Username

VERSION_STATES = ("DA_NOP", "DA_TIEP_NHAN")


class ReportSetting(Record):
    """What the unit writes into its report for a year: addressee, deadline, number, signer, texts."""

    __tablename__ = "report_settings"

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    year: Mapped[int] = mapped_column(Integer)
    addressee: Mapped[str] = mapped_column(String(255))
    deadline: Mapped[dt.date] = mapped_column(Date)
    number: Mapped[str] = mapped_column(String(64), default="")
    place: Mapped[str] = mapped_column(String(64), default="")
    signer_title: Mapped[str] = mapped_column(String(255), default="")
    signer_name: Mapped[str] = mapped_column(String(255), default="")
    recipients: Mapped[str] = mapped_column(Text, default="")
    difficulties: Mapped[str] = mapped_column(Text, default="")
    proposals: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[Stamp]
    updated_by: Mapped[Username]

    __table_args__ = (UniqueConstraint("unit_id", "year", name="uq_report_settings_unit_id_year"),)


class ReportVersion(Record):
    """One submitted version of a unit's report for a year (local, or received in a package)."""

    __tablename__ = "report_versions"

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default="DA_NOP")
    figures: Mapped[str] = mapped_column(Text)  # canonical JSON
    content_hash: Mapped[str] = mapped_column(String(64))
    audit_seq: Mapped[int] = mapped_column(Integer)
    audit_hash: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime)
    submitted_by: Mapped[Username]
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    origin: Mapped[str] = mapped_column(String(16), default="local")  # local or package
    received_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    received_by: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        UniqueConstraint("unit_id", "year", "version", name="uq_report_versions_unit_id_year_version"),
        CheckConstraint("state in ('DA_NOP','DA_TIEP_NHAN')", name="state"),
        CheckConstraint("version >= 1", name="version"),
    )


class TrustedKey(Created, Record):
    """The Ed25519 public key a parent trusts for a unit that runs its own ledger (one per unit)."""

    __tablename__ = "trusted_keys"

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), unique=True)
    public_key: Mapped[str] = mapped_column(Text)  # PEM
    fingerprint: Mapped[str] = mapped_column(String(64))


class ReceivedPackage(Record):
    """A signed package received once: its content hash is unique, so a second receive finds it."""

    __tablename__ = "received_packages"

    version_id: Mapped[int] = mapped_column(ForeignKey("report_versions.id"), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[Stamp]
    received_by: Mapped[Username]
