"""The budget year end (migration 0009): a year-end run per unit subtree and year, and its entries.

A run closes the lines of its subtree for the year: each line's unspent allocation is either carried
over (``carry``: into a line of the next year that names it in ``carried_from_id``) or cancelled
(``cancel``), every entry with the legal basis of the year's rule set (``ledger.domain.year_end``).
The run's entries are what the invariant allocated = paid + carried over + cancelled reads
(``ledger.store.verify``). A reopened run keeps its row (status ``reopened``, with the decision and
the reason); its entries and the lines it opened are removed, each by an audited event.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ledger.store.models.base import Created, Money, Record

RUN_STATUSES = ("applied", "reopened")
ENTRY_KINDS = ("carry", "cancel")


class YearEndRun(Created, Record):
    """One application of the year-end run (quyết định khóa sổ) to a unit subtree, or to all units."""

    __tablename__ = "year_end_runs"

    year: Mapped[int] = mapped_column(ForeignKey("fiscal_years.year"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))  # None: every unit
    rule_set: Mapped[str] = mapped_column(String(32))
    decision_no: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="applied")
    carried: Mapped[Money] = mapped_column(default=0)
    cancelled: Mapped[Money] = mapped_column(default=0)
    reopen_decision_no: Mapped[str | None] = mapped_column(String(64))
    reopen_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (CheckConstraint("status in ('applied','reopened')", name="status"),)


class YearEndEntry(Record):
    """What the run did with part of a line's unspent allocation: carried over or cancelled, and why."""

    __tablename__ = "year_end_entries"

    run_id: Mapped[int] = mapped_column(ForeignKey("year_end_runs.id"), index=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("budget_lines.id"))
    kind: Mapped[str] = mapped_column(String(8))
    basis: Mapped[str] = mapped_column(String(32))  # a key of ledger.domain.year_end.BASES
    amount: Mapped[Money]
    commitment_id: Mapped[int | None] = mapped_column(ForeignKey("commitments.id"))
    new_line_id: Mapped[int | None] = mapped_column(ForeignKey("budget_lines.id"))

    __table_args__ = (
        CheckConstraint("kind in ('carry','cancel')", name="kind"),
        CheckConstraint("amount <> 0", name="amount_not_zero"),
        Index("ix_year_end_entries_line_kind", "line_id", "kind"),
    )
