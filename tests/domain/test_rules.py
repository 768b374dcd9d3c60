"""Unit tests of the rulebook (ledger/domain/rules.py) and the code lists (ledger/domain/codes.py):
pure functions on small inline figures, no database."""

from __future__ import annotations

import pytest

from ledger.domain import codes, rules
from ledger.domain.rules import CommitmentBalance, LineBalance


def commitment(status="signed", value=100_000_000, final_value=None, accepted=0, advanced=0, paid_regular=0):
    return CommitmentBalance(1, status, value, final_value, accepted, advanced, paid_regular)


def test_a_line_is_available_for_what_is_neither_held_nor_paid_outside_commitments():
    line = LineBalance(7, original_estimate=500_000_000, adjustments=-20_000_000, committed=300_000_000,
                       direct_paid=45_000_000, paid=120_000_000, accepted=90_000_000, contributions=0)
    assert line.allocated == 480_000_000
    assert line.used == 345_000_000
    assert line.available == 135_000_000 == rules.available(480_000_000, 300_000_000, 45_000_000)


def test_an_xhh_line_may_spend_what_it_received_less_what_it_paid():
    line = LineBalance(7, 50_000_000, 0, 0, 0, paid=12_000_001, accepted=0, contributions=30_000_000)
    assert line.xhh_room == 17_999_999


@pytest.mark.parametrize(
    ("status", "value", "final", "held"),
    [("draft", 10, None, 0), ("signed", 10, None, 10), ("closed", 10, 7, 7), ("closed", 10, None, 0), ("cancelled", 10, None, 0)],
)
def test_what_a_commitment_holds_follows_its_status(status, value, final, held):
    assert rules.held(status, value, final) == held
    assert commitment(status, value, final).held == held


def test_a_closed_order_lists_its_final_value_not_its_original_value():
    assert rules.final_or_value("closed", 95_000_000, 80_000_000) == 80_000_000
    assert rules.final_or_value("signed", 95_000_000, None) == 95_000_000


def test_advances_are_cleared_by_acceptances_and_the_rest_is_payable():
    balance = commitment(value=100_000_000, accepted=30_000_000, advanced=50_000_000, paid_regular=0)
    assert balance.paid == 50_000_000
    assert balance.uncleared_advance == 20_000_000
    assert balance.payable == 0
    assert balance.outstanding == 50_000_000
    balance = commitment(value=100_000_000, accepted=80_000_000, advanced=50_000_000, paid_regular=10_000_000)
    assert balance.uncleared_advance == 0
    assert balance.payable == 20_000_000
    assert rules.advance_room(100_000_000, 30_000_000, 50) == 20_000_000
    assert rules.advance_room(100_000_001, 0, 50) == 50_000_000  # whole đồng, rounded down


def test_a_draft_can_be_signed_edited_or_cancelled_and_nothing_else():
    assert rules.commitment_actions(commitment("draft")) == ("sign", "edit", "cancel")


def test_a_cancelled_commitment_allows_nothing():
    assert rules.commitment_actions(commitment("cancelled"), reversible_payments=1) == ()


def test_a_closed_order_offers_no_acceptance_reversal_and_pay_only_while_something_is_payable():
    fully_paid = commitment("closed", value=95_000_000, final_value=80_000_000, accepted=80_000_000, paid_regular=80_000_000)
    actions = rules.commitment_actions(fully_paid, reversible_acceptances=1, reversible_payments=1)
    assert "reverse_acceptance" not in actions
    assert "pay" not in actions
    assert actions == ("reverse_payment",)
    half_paid = commitment("closed", value=95_000_000, final_value=80_000_000, accepted=80_000_000, paid_regular=40_000_000)
    assert rules.commitment_actions(half_paid) == ("pay",)


def test_a_signed_order_offers_what_its_money_state_allows():
    fresh = commitment("signed")
    assert rules.commitment_actions(fresh) == ("advance", "accept", "close", "cancel")
    advanced = commitment("signed", advanced=40_000_000)
    assert "close" not in rules.commitment_actions(advanced)  # the advance is not cleared yet
    assert "cancel" not in rules.commitment_actions(advanced)  # money moved
    accepted = commitment("signed", accepted=100_000_000, advanced=40_000_000)
    actions = rules.commitment_actions(accepted, reversible_acceptances=1, reversible_payments=1)
    assert actions == ("advance", "pay", "close", "reverse_acceptance", "reverse_payment")
    assert rules.can_close("signed", 100_000_000, 40_000_000)
    assert not rules.can_close("signed", 10, 11)
    assert rules.can_cancel("draft", 0, 0) and not rules.can_cancel("signed", 1, 0) and not rules.can_cancel("closed", 0, 0)


def test_an_entry_is_reversed_once_and_a_reversal_never():
    assert rules.is_reversible(None, False)
    assert not rules.is_reversible(None, True)
    assert not rules.is_reversible(12, False)


def test_codes_are_found_by_code_or_label_in_either_language_and_nothing_is_guessed():
    assert codes.code_for("bao chi", codes.CATEGORIES) is None  # a fragment names nothing
    assert codes.code_for("  đặt HÀNG báo chí ", codes.CATEGORIES) == "BAO_CHI"
    assert codes.code_for("Press orders", codes.CATEGORIES) == "BAO_CHI"
    assert codes.code_for("xhh", codes.SOURCES) == "XHH"
    assert codes.code_for("Thăm dò dư luận", codes.SERVICE_TYPES) == "THAM_DO"
    assert codes.code_for("", codes.SOURCES) is None
    assert codes.code_for("regional", codes.PRESS_LEVELS) is None
    assert codes.label(codes.PAYMENT_KINDS, "TAM_UNG", "en") == "Advance"
    assert codes.label(codes.PAYMENT_KINDS, "TAM_UNG") == "Tạm ứng"
    assert codes.label(codes.PAYMENT_KINDS, None) == ""
    assert "central (Trung ương)" in codes.codes_hint(codes.PRESS_LEVELS)


def test_every_status_has_a_workbook_code_and_back():
    assert set(codes.STATUS_TO_WORKBOOK) == set(codes.COMMITMENT_STATUSES)
    assert len(set(codes.STATUS_TO_WORKBOOK.values())) == len(codes.COMMITMENT_STATUSES)
    assert set(codes.KIND_CATEGORY) == set(codes.COMMITMENT_KINDS)
    assert set(codes.KIND_CATEGORY.values()) <= set(codes.CATEGORIES)
