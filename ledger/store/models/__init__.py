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
    "CommitmentItem",
    "Contribution",
    "FiscalYear",
    "LinePhasing",
    "MEDIA_TYPES",
    "NAMING_CONVENTION",
    "PAYMENT_KINDS",
    "Payment",
    "Policy",
    "PressAgency",
    "ROLES",
    "SERVICE_TYPES",
    "Source",
    "Stage",
    "UNIT_KINDS",
    "Unit",
    "User",
    "utcnow",
]
