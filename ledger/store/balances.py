"""The sums behind the rulebook's figures, read in SQL: a line's and a commitment's money state.

The arithmetic on them (available, outstanding, uncleared advance...) is ``ledger.domain.rules``;
``held_expression`` is the same rule as ``rules.held`` in SQL, for aggregates over many rows.

A write loads its target with everything its checks need in one statement: ``load_line`` reads a
line, its fiscal year and its sums; ``load_commitment`` a commitment, its line, the year and both
sets of sums. Balances are kept in the transaction's cache (``ledger.store.cache``), which moves them
as rows are flushed, so a second posting on the same line reads nothing again. ``also`` adds the
caller's own columns to that statement (a duplicate check by natural key, say).
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

from sqlalchemy import BigInteger, bindparam, case, cast, func, select
from sqlalchemy.orm import Session, aliased

from ledger.domain.rules import CommitmentBalance, LineBalance
from ledger.store import cache
from ledger.store.models import Acceptance, Adjustment, BudgetLine, Commitment, Contribution, FiscalYear, Payment


def held_expression(commitment=Commitment):
    """SQL for what a commitment holds on its line, by status (``commitment``: the model or an alias)."""
    return case(
        (commitment.status == "signed", commitment.value),
        (commitment.status == "closed", func.coalesce(commitment.final_value, 0)),
        else_=0,
    )


def _total(column, *where):
    """A correlated SUM as a BIGINT (PostgreSQL's SUM(bigint) is NUMERIC), 0 when there is no row."""
    return select(func.coalesce(cast(func.sum(column), BigInteger), 0)).where(*where).scalar_subquery()


def _line_sums(line_id) -> list:
    """LineBalance's sums, in its field order after original_estimate. The line's commitments are an
    alias, so that a query also selecting one commitment does not correlate them to it."""
    other = aliased(Commitment)
    return [
        _total(Adjustment.amount, Adjustment.line_id == line_id),
        _total(held_expression(other), other.line_id == line_id),
        _total(Payment.amount, Payment.line_id == line_id, Payment.commitment_id.is_(None)),
        _total(Payment.amount, Payment.line_id == line_id),
        _total(Acceptance.accepted_value, Acceptance.commitment_id == other.id, other.line_id == line_id),
        _total(Contribution.amount, Contribution.line_id == line_id),
    ]


def _commitment_sums(commitment_id) -> list:
    """CommitmentBalance's sums: accepted, advanced, paid other than advances."""
    return [
        _total(Acceptance.accepted_value, Acceptance.commitment_id == commitment_id),
        _total(Payment.amount, Payment.commitment_id == commitment_id, Payment.kind == "TAM_UNG"),
        _total(Payment.amount, Payment.commitment_id == commitment_id, Payment.kind == "THANH_TOAN"),
    ]


# The statements are built once (building them costs more than running them in a bulk entry).

@functools.cache
def _line_query(by_code: bool):
    where = (BudgetLine.year == bindparam("year"), BudgetLine.code == bindparam("code")) if by_code else (BudgetLine.id == bindparam("line_id"),)
    return select(BudgetLine, FiscalYear, *_line_sums(BudgetLine.id)).outerjoin(FiscalYear, FiscalYear.year == BudgetLine.year).where(*where)


@functools.cache
def _commitment_query(by_reference: bool):
    where = (
        (Commitment.year == bindparam("year"), Commitment.reference == bindparam("reference")) if by_reference
        else (Commitment.id == bindparam("commitment_id"),)
    )
    return (
        select(Commitment, BudgetLine, FiscalYear, *_commitment_sums(Commitment.id), *_line_sums(BudgetLine.id))
        .join(BudgetLine, BudgetLine.id == Commitment.line_id)
        .outerjoin(FiscalYear, FiscalYear.year == BudgetLine.year)
        .where(*where)
    )


@functools.cache
def _balance_query():
    return select(BudgetLine.original_estimate, *_line_sums(BudgetLine.id)).where(BudgetLine.id == bindparam("line_id"))


@functools.cache
def _commitment_balance_query():
    return select(*_commitment_sums(bindparam("commitment_id")))


def _keep_line(session: Session, line: BudgetLine, year: FiscalYear | None, sums: Any) -> None:
    kept = cache.of(session)
    if kept is None:
        return
    kept.lines[line.id] = LineBalance(line.id, line.original_estimate, *(int(v) for v in sums))
    kept.rows[("line", line.id)] = line
    kept.rows[("line", line.year, line.code)] = line
    if year is not None:
        kept.rows[("year", year.year)] = year


def _keep_commitment(session: Session, commitment: Commitment, sums: Any) -> None:
    kept = cache.of(session)
    if kept is None:
        return
    accepted, advanced, paid_regular = (int(v) for v in sums)
    kept.commitments[commitment.id] = CommitmentBalance(
        commitment.id, commitment.status, commitment.value, commitment.final_value, accepted, advanced, paid_regular
    )
    kept.rows[("commitment", commitment.id)] = commitment
    kept.rows[("commitment", commitment.year, commitment.reference)] = commitment


def keep_new_commitment(session: Session, commitment: Commitment) -> None:
    """In a batched transaction, a commitment just made (nothing accepted or paid on it) is held
    with its line, so that its signing and payments read nothing (its row is not flushed yet)."""
    kept = cache.of(session)
    if kept is not None and cache.batched(session) and commitment.line_id in kept.lines:
        _keep_commitment(session, commitment, (0, 0, 0))


def _load(session: Session, kept_row: Any, held: bool, query, params: dict[str, Any], also: tuple):
    """The row the transaction holds (with its balances: ``held``) and the values of ``also``, else
    the result row of ``query`` with ``also`` added (None when nothing matches)."""
    if kept_row is not None and held:
        return kept_row, tuple(session.execute(select(*also)).one()) if also else ()
    found = session.execute(query.add_columns(*also) if also else query, params).first()
    if found is None:
        return None, tuple(session.execute(select(*also)).one()) if also else ()
    return found, None


def load_line(session: Session, line_id: int | None = None, *, year: int | None = None, code: str | None = None, also: tuple = ()) -> tuple[BudgetLine | None, tuple]:
    """A line by id, or by ``year`` and ``code``, with its fiscal year and balance, in one statement
    (none when the transaction already holds them); and the values of ``also``."""
    kept = cache.of(session)
    line = cache.row(session, ("line", line_id) if line_id is not None else ("line", year, code))
    params = {"line_id": line_id} if line_id is not None else {"year": year, "code": code}
    found, extras = _load(session, line, line is not None and kept is not None and line.id in kept.lines, _line_query(line_id is None), params, also)
    if extras is not None:
        return found, extras
    _keep_line(session, found[0], found[1], found[2:8])
    return found[0], tuple(found[8:])


def load_commitment(session: Session, commitment_id: int | None = None, *, year: int | None = None, reference: str | None = None, also: tuple = ()) -> tuple[Commitment | None, tuple]:
    """A commitment by id, or by ``year`` and ``reference``, with its line, fiscal year and both
    balances, in one statement (none when the transaction already holds them); and ``also``."""
    kept = cache.of(session)
    commitment = cache.row(session, ("commitment", commitment_id) if commitment_id is not None else ("commitment", year, reference))
    held = commitment is not None and kept is not None and commitment.id in kept.commitments and commitment.line_id in kept.lines
    params = {"commitment_id": commitment_id} if commitment_id is not None else {"year": year, "reference": reference}
    found, extras = _load(session, commitment, held, _commitment_query(commitment_id is None), params, also)
    if extras is not None:
        return found, extras
    _keep_commitment(session, found[0], found[3:6])
    _keep_line(session, found[1], found[2], found[6:12])
    return found[0], tuple(found[12:])


def line_balance(session: Session, line_id: int) -> LineBalance:
    kept = cache.of(session)
    if kept is not None and line_id in kept.lines:
        return kept.lines[line_id]
    estimate, *sums = session.execute(_balance_query(), {"line_id": line_id}).one()
    balance = LineBalance(line_id, estimate, *(int(v) for v in sums))
    if kept is not None:
        kept.lines[line_id] = balance
    return balance


def commitment_balance(session: Session, commitment: Commitment) -> CommitmentBalance:
    """The commitment's sums (kept by the transaction) with its status and value as they are now."""
    kept = cache.of(session)
    if kept is not None and commitment.id in kept.commitments:
        return dataclasses.replace(
            kept.commitments[commitment.id], status=commitment.status, value=commitment.value, final_value=commitment.final_value
        )
    sums = session.execute(_commitment_balance_query(), {"commitment_id": commitment.id}).one()
    balance = CommitmentBalance(commitment.id, commitment.status, commitment.value, commitment.final_value, *(int(v) for v in sums))
    if kept is not None:
        kept.commitments[commitment.id] = balance
    return balance
