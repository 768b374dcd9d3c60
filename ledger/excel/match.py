"""What the ledger already holds of a workbook's rows, found by natural key in batches: one query per
sheet and key set (chunked under the databases' parameter limits), never one per row. The planner
(plan.py) compares these with the file's typed rows to tell "already there" from "new".

Natural keys: a unit, press agency or policy by its code; a year; a budget line by year + code; a
commitment by year + contract no. (or course code); an acceptance by its commitment + record no.; a
contribution or payment by year + voucher no.; adjustments by their line (they have no key of their
own: plan.py pairs them by date, amount and decision no.), transfers by their transfer key.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, aliased

from ledger.store.models.core import Adjustment, BudgetLine, Category, FiscalYear, Policy, Source, Stage, Unit
from ledger.store.models.plans import PlanActivity
from ledger.store.models.spending import Acceptance, Commitment, CommitmentItem, Contribution, Payment, PressAgency

CHUNK = 2000  # keys per IN list: under SQLite's (32 766) and PostgreSQL's (65 535) parameter limits


def _chunked(session: Session, query: Callable[[list[Any]], Select], keys: Iterable[Any]) -> list[Any]:
    wanted = sorted({k for k in keys if k is not None}, key=repr)
    found: list[Any] = []
    for start in range(0, len(wanted), CHUNK):
        found.extend(session.execute(query(wanted[start:start + CHUNK])).all())
    return found


def catalogue_labels(session: Session) -> dict[str, dict[str, tuple[str, str]]]:
    """The catalogues' own labels (an administrator may have edited them), by column key."""
    labels = {}
    for model, column in ((Category, "category"), (Source, "source"), (Stage, "stage")):
        found = {r.code: (r.label_vi, r.label_en) for r in session.execute(select(model.code, model.label_vi, model.label_en).order_by(model.sort_order))}
        if found:
            labels[column] = found
    return labels


class Known:
    """The ledger's side of the comparison, filled sheet by sheet with the keys the file names."""

    def __init__(self, session: Session):
        self.session = session

    def units(self, codes: Iterable[str]) -> dict[str, Any]:
        parent = aliased(Unit)
        rows = _chunked(self.session, lambda chunk: select(
            Unit.id, Unit.code, Unit.name, parent.code.label("parent"), Unit.chapter_code, Unit.kind, Unit.commitment_control,
            Unit.advance_limit_pct, Unit.xhh_control,
        ).outerjoin(parent, parent.id == Unit.parent_id).where(Unit.code.in_(chunk)), codes)
        return {r.code: r for r in rows}

    def unit_ids(self, codes: Iterable[str]) -> dict[str, int]:
        return {r.code: r.id for r in _chunked(self.session, lambda chunk: select(Unit.id, Unit.code).where(Unit.code.in_(chunk)), codes)}

    def agencies(self, codes: Iterable[str]) -> dict[str, Any]:
        rows = _chunked(self.session, lambda chunk: select(
            PressAgency.code, PressAgency.name, PressAgency.media_type, PressAgency.governing_body, PressAgency.level,
        ).where(PressAgency.code.in_(chunk)), codes)
        return {r.code: r for r in rows}

    def years(self) -> dict[int, bool]:
        return dict(self.session.execute(select(FiscalYear.year, FiscalYear.is_open)).all())

    def policies(self, codes: Iterable[str]) -> dict[str, Any]:
        rows = _chunked(self.session, lambda chunk: select(
            Policy.id, Policy.code, Policy.name, Unit.code.label("owner"), Policy.owner_unit_id,
        ).join(Unit, Unit.id == Policy.owner_unit_id).where(Policy.code.in_(chunk)), codes)
        return {r.code: r for r in rows}

    def lines(self, keys: Iterable[tuple[int, str]]) -> dict[tuple[int, str], Any]:
        keys = set(keys)
        years = sorted({year for year, _code in keys})
        origin = aliased(BudgetLine)  # the line of the previous year it was carried from (Chuyển từ dòng)
        rows = _chunked(self.session, lambda chunk: select(
            BudgetLine.id, BudgetLine.year, BudgetLine.code, BudgetLine.unit_id, Unit.code.label("unit"), BudgetLine.description,
            BudgetLine.category_code, BudgetLine.source_code, BudgetLine.sector_code, BudgetLine.sub_item,
            Policy.code.label("policy"), BudgetLine.original_estimate, origin.code.label("carried_from"),
        ).join(Unit, Unit.id == BudgetLine.unit_id).outerjoin(Policy, Policy.id == BudgetLine.policy_id)
            .outerjoin(origin, origin.id == BudgetLine.carried_from_id)
            .where(BudgetLine.code.in_(chunk), BudgetLine.year.in_(years)), (code for _year, code in keys))
        return {(r.year, r.code): r for r in rows if (r.year, r.code) in keys}

    def adjustments(self, line_ids: Iterable[int], transfer_keys: Iterable[str]) -> tuple[dict[int, list[Any]], dict[str, list[Any]], dict[int, Any]]:
        """The adjustments of those lines (in posting order), those of those transfers, and which
        adjustment reverses which (original id -> reversal)."""
        def columns():
            return select(Adjustment.id, Adjustment.line_id, BudgetLine.code.label("line"), Adjustment.date, Adjustment.amount,
                          Adjustment.decision_no, Adjustment.reason, Adjustment.transfer_key, Adjustment.reverses_id,
                          ).join(BudgetLine, BudgetLine.id == Adjustment.line_id).order_by(Adjustment.id)

        by_line: dict[int, list[Any]] = defaultdict(list)
        for r in _chunked(self.session, lambda chunk: columns().where(Adjustment.line_id.in_(chunk)), line_ids):
            by_line[r.line_id].append(r)
        by_transfer: dict[str, list[Any]] = defaultdict(list)
        for r in _chunked(self.session, lambda chunk: columns().where(Adjustment.transfer_key.in_(chunk)), transfer_keys):
            by_transfer[r.transfer_key].append(r)
        reversals = {r.reverses_id: r for rows in by_line.values() for r in rows if r.reverses_id is not None}
        return by_line, by_transfer, reversals

    def commitments(self, references: Iterable[str]) -> dict[tuple[int, str], Any]:
        rows = _chunked(self.session, lambda chunk: select(
            Commitment.id, Commitment.kind, Commitment.year, Commitment.reference, Commitment.line_id, BudgetLine.code.label("line"),
            BudgetLine.unit_id, Policy.code.label("policy"), Commitment.stage_code, Commitment.total_value, Commitment.value,
            PressAgency.code.label("agency"), Commitment.description, Commitment.start_date, Commitment.end_date,
            Commitment.participants, Commitment.vendor, Commitment.service_type, Commitment.signed_on, Commitment.status,
            Commitment.final_value, Commitment.topic, PlanActivity.code.label("activity"),
        ).join(BudgetLine, BudgetLine.id == Commitment.line_id).outerjoin(Policy, Policy.id == Commitment.policy_id)
            .outerjoin(PressAgency, PressAgency.id == Commitment.press_agency_id)
            .outerjoin(PlanActivity, PlanActivity.id == Commitment.activity_id).where(Commitment.reference.in_(chunk)), references)
        return {(r.year, r.reference): r for r in rows}

    def items(self, commitment_ids: Iterable[int]) -> dict[int, list[tuple]]:
        found: dict[int, list[tuple]] = defaultdict(list)
        for r in _chunked(self.session, lambda chunk: select(
            CommitmentItem.commitment_id, CommitmentItem.product, CommitmentItem.quantity, CommitmentItem.unit_of_measure, CommitmentItem.unit_price,
        ).where(CommitmentItem.commitment_id.in_(chunk)), commitment_ids):
            found[r.commitment_id].append((r.product, r.quantity, r.unit_of_measure or None, r.unit_price))
        return {key: sorted(rows) for key, rows in found.items()}

    def acceptances(self, commitment_ids: Iterable[int]) -> dict[tuple[int, str], Any]:
        original = aliased(Acceptance)
        rows = _chunked(self.session, lambda chunk: select(
            Acceptance.id, Acceptance.commitment_id, Acceptance.record_no, Acceptance.date, Acceptance.accepted_value,
            Acceptance.evidence, original.record_no.label("reverses"),
        ).outerjoin(original, original.id == Acceptance.reverses_id).where(Acceptance.commitment_id.in_(chunk)), commitment_ids)
        return {(r.commitment_id, r.record_no): r for r in rows}

    def contributions(self, keys: Iterable[tuple[int, str]]) -> dict[tuple[int, str], Any]:
        original = aliased(Contribution)
        return self._vouchers(keys, lambda chunk, years: select(
            Contribution.id, Contribution.year, Contribution.voucher_no, BudgetLine.code.label("line"), BudgetLine.unit_id,
            Contribution.date, Contribution.donor, Contribution.amount, original.voucher_no.label("reverses"),
        ).join(BudgetLine, BudgetLine.id == Contribution.line_id).outerjoin(original, original.id == Contribution.reverses_id)
            .where(Contribution.voucher_no.in_(chunk), Contribution.year.in_(years)))

    def payments(self, keys: Iterable[tuple[int, str]]) -> dict[tuple[int, str], Any]:
        original = aliased(Payment)
        return self._vouchers(keys, lambda chunk, years: select(
            Payment.id, Payment.year, Payment.voucher_no, BudgetLine.code.label("line"), BudgetLine.unit_id, Payment.date,
            Payment.kind, Commitment.reference, Payment.amount, original.voucher_no.label("reverses"),
        ).join(BudgetLine, BudgetLine.id == Payment.line_id).outerjoin(Commitment, Commitment.id == Payment.commitment_id)
            .outerjoin(original, original.id == Payment.reverses_id).where(Payment.voucher_no.in_(chunk), Payment.year.in_(years)))

    def _vouchers(self, keys: Iterable[tuple[int, str]], query: Callable[[list[str], list[int]], Select]) -> dict[tuple[int, str], Any]:
        keys = set(keys)
        years = sorted({year for year, _voucher in keys})
        rows = _chunked(self.session, lambda chunk: query(chunk, years), (voucher for _year, voucher in keys))
        return {(r.year, r.voucher_no): r for r in rows if (r.year, r.voucher_no) in keys}
