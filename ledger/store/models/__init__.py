"""Database schema of the ledger: SQLAlchemy 2 declarative models.

Money columns are ``BigInteger`` đồng (never ``Numeric``: on SQLite it goes through float).
Posted records (adjustments) are never updated or deleted; corrections are reversals.
Timestamps are naive UTC, truncated to the second, so that their audit snapshots are the same
on SQLite and PostgreSQL.
"""

from __future__ import annotations

from ledger.store.models.base import CONTROL_MODES, NAMING_CONVENTION, ROLES, UNIT_KINDS, Base, utcnow
from ledger.store.models.core import (
    Adjustment,
    AuditEvent,
    BudgetCode,
    BudgetLine,
    Category,
    FiscalYear,
    Policy,
    Source,
    Stage,
    Unit,
    User,
)
from ledger.store.models.plans import CommunicationPlan, DraftComment, PlanActivity
from ledger.store.models.report import ReceivedPackage, ReportSetting, ReportVersion, TrustedKey
from ledger.store.models.spending import (
    COMMITMENT_KINDS,
    COMMITMENT_STATUSES,
    MEDIA_TYPES,
    PAYMENT_KINDS,
    SERVICE_TYPES,
    Acceptance,
    Commitment,
    CommitmentItem,
    Contribution,
    LinePhasing,
    Payment,
    PressAgency,
)
from ledger.store.models.team import CourseParticipant, StaffAssignment, StaffMember
from ledger.store.models.year_end import YearEndEntry, YearEndRun

# Tables whose rows the audit trail must account for: entity type -> model.
AUDITED_MODELS: dict[str, type[Base]] = {
    "unit": Unit,
    "fiscal_year": FiscalYear,
    "policy": Policy,
    "user": User,
    "budget_line": BudgetLine,
    "adjustment": Adjustment,
    "press_agency": PressAgency,
    "commitment": Commitment,
    "commitment_item": CommitmentItem,
    "acceptance": Acceptance,
    "contribution": Contribution,
    "payment": Payment,
    "line_phasing": LinePhasing,
    "draft_comment": DraftComment,
    "communication_plan": CommunicationPlan,
    "plan_activity": PlanActivity,
    "staff_member": StaffMember,
    "staff_assignment": StaffAssignment,
    "course_participant": CourseParticipant,
    "year_end_run": YearEndRun,
    "year_end_entry": YearEndEntry,
    "report_setting": ReportSetting,
    "report_version": ReportVersion,
    "trusted_key": TrustedKey,
    "received_package": ReceivedPackage,
}

__all__ = [
    "AUDITED_MODELS",
    "Acceptance",
    "Adjustment",
    "AuditEvent",
    "Base",
    "BudgetCode",
    "BudgetLine",
    "COMMITMENT_KINDS",
    "COMMITMENT_STATUSES",
    "CONTROL_MODES",
    "Category",
    "Commitment",
    "CommunicationPlan",
    "DraftComment",
    "CommitmentItem",
    "CourseParticipant",
    "Contribution",
    "FiscalYear",
    "LinePhasing",
    "MEDIA_TYPES",
    "NAMING_CONVENTION",
    "PAYMENT_KINDS",
    "Payment",
    "PlanActivity",
    "Policy",
    "PressAgency",
    "ROLES",
    "ReceivedPackage",
    "ReportSetting",
    "ReportVersion",
    "SERVICE_TYPES",
    "StaffAssignment",
    "StaffMember",
    "Source",
    "TrustedKey",
    "Stage",
    "UNIT_KINDS",
    "Unit",
    "User",
    "YearEndEntry",
    "YearEndRun",
    "utcnow",
]
