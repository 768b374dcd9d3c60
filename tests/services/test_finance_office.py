"""What a finance office expects of the lists (issue 10, items 3 and 7): search without accents on
both backends, payment search and filters with the count and total of everything selected (in SQL,
not over a list capped at 5 000 rows), contributions listed, and a closed order's final value.

On the code before issue 10 "tap huan" found nothing, the payments screen had no search, and the
totals were sums over the capped list.
"""

from __future__ import annotations

import datetime as dt

from ledger_testkit import line_id, rows, scalar

from ledger.domain import rules
from ledger.queries.commitments import commitments_summary, find_commitments, line_activity
from ledger.queries.lines import LineFilters, list_lines
from ledger.queries.spending import SpendingFilters, find_contributions, find_payments
from ledger.services import payments

YEAR = 2026


def test_search_ignores_accents_and_case_on_both_backends(demo_db, actors):
    leader = actors["leader"]
    accented = find_commitments(demo_db, leader, YEAR, kind="course", search="tập huấn")
    assert accented, "the demo has courses named Tập huấn…"
    for typed in ("tap huan", "TAP HUAN", "Tập Huấn", "tap  huan"):
        assert [c.id for c in find_commitments(demo_db, leader, YEAR, kind="course", search=typed)] == [c.id for c in accented], typed
    lines = list_lines(demo_db, leader, LineFilters(year=YEAR, search="tap huan ky nang"))
    assert lines and all("Tập huấn kỹ năng" in line.description for line in lines)
    # A wildcard typed by the user is a character, not a pattern.
    assert find_commitments(demo_db, leader, YEAR, search="%") == []


def test_payment_filters_select_in_sql_and_count_everything(demo_db, actors):
    leader = actors["leader"]
    every = find_payments(demo_db, leader, SpendingFilters(year=YEAR))
    assert every.count == scalar(demo_db, "SELECT COUNT(*) FROM payments WHERE year = :y", y=YEAR)
    assert every.total == scalar(demo_db, "SELECT COALESCE(SUM(amount), 0) FROM payments WHERE year = :y", y=YEAR)
    short = find_payments(demo_db, leader, SpendingFilters(year=YEAR), limit=3)
    assert short.shortened and len(short.rows) == 3 and (short.count, short.total) == (every.count, every.total)

    vtv = find_payments(demo_db, leader, SpendingFilters(year=YEAR, agency="VTV"))
    expected = rows(
        demo_db,
        "SELECT p.id FROM payments p JOIN commitments c ON c.id = p.commitment_id JOIN press_agencies a ON a.id = c.press_agency_id"
        " WHERE p.year = :y AND a.code = 'VTV'",
        y=YEAR,
    )
    assert sorted(p.id for p in vtv.rows) == sorted(r[0] for r in expected) and 0 < vtv.count < every.count

    spring = SpendingFilters(year=YEAR, date_from=dt.date(YEAR, 3, 1), date_to=dt.date(YEAR, 3, 31), amount_min=1_000_000)
    march = find_payments(demo_db, leader, spring)
    assert march.count == scalar(demo_db, "SELECT COUNT(*) FROM payments WHERE year = :y AND date BETWEEN :a AND :b AND amount >= 1000000", y=YEAR, a=dt.date(YEAR, 3, 1), b=dt.date(YEAR, 3, 31))
    assert all(dt.date(YEAR, 3, 1) <= p.date <= dt.date(YEAR, 3, 31) and p.amount >= 1_000_000 for p in march.rows)

    voucher = every.rows[0].voucher_no
    assert voucher in {p.voucher_no for p in find_payments(demo_db, leader, SpendingFilters(year=YEAR, search=voucher.lower())).rows}


def test_contributions_are_listed_with_their_total(demo_db, actors):
    received = find_contributions(demo_db, actors["leader"], SpendingFilters(year=YEAR))
    assert received.count == scalar(demo_db, "SELECT COUNT(*) FROM contributions WHERE year = :y", y=YEAR) > 0
    assert received.total == scalar(demo_db, "SELECT SUM(amount) FROM contributions WHERE year = :y", y=YEAR)


def test_a_contribution_is_reversible_until_reversed_in_the_search_and_on_its_line(demo_db, actors):
    officer, xhh = actors["officer"], line_id(demo_db, "BYT-TT-26-04")
    kept = payments.record_contribution(demo_db, officer, year=YEAR, voucher_no="XHH-RV-1", line=xhh, date=dt.date(2026, 3, 2), donor="UNICEF", amount=1_000_000)
    gift = payments.record_contribution(demo_db, officer, year=YEAR, voucher_no="XHH-RV-2", line=xhh, date=dt.date(2026, 3, 2), donor="UNICEF", amount=2_000_000)
    reversal = payments.reverse_contribution(demo_db, officer, gift.id, "Nhà tài trợ rút", dt.date(2026, 3, 3))
    listed = {c.id: c for c in find_contributions(demo_db, officer, SpendingFilters(year=YEAR, line_id=xhh)).rows}
    on_line = {c.id: c for c in line_activity(demo_db, officer, xhh).contributions}
    for rows_of in (listed, on_line):
        assert [(rows_of[i].reversed, rows_of[i].reversible) for i in (kept.id, gift.id, reversal.id)] == [(False, True), (True, False), (False, False)]
        assert rows_of[reversal.id].reverses_id == gift.id
    assert (listed[gift.id].line_code, listed[gift.id].unit_code) == ("BYT-TT-26-04", "BYT-TT")


def test_commitment_totals_are_sql_over_everything_and_a_closed_order_shows_its_final_value(demo_db, actors):
    leader = actors["leader"]
    listed = find_commitments(demo_db, leader, YEAR)
    count, held = commitments_summary(demo_db, leader, YEAR)
    assert count == len(listed) and held == sum(c.held for c in listed)
    assert commitments_summary(demo_db, leader, YEAR)[0] == len(find_commitments(demo_db, leader, YEAR, limit=10 ** 6)) > len(find_commitments(demo_db, leader, YEAR, limit=3))
    closed = [c for c in listed if c.status == "closed" and c.final_value is not None and c.final_value != c.value]
    for c in closed:
        assert rules.final_or_value(c.status, c.value, c.final_value) == c.final_value


def test_the_press_catalogue_corrects_by_a_new_version_and_deactivates(demo_db, actors):
    import json

    import pytest

    from ledger.domain.errors import PermissionDenied, ValidationError
    from ledger.queries import catalogue
    from ledger.services import commitments, press

    officer = actors["officer"]
    press.update_press_agency(demo_db, officer, "SKDS", "Báo Sức khỏe và Đời sống (điện tử)", "online", "Bộ Y tế", "central")
    before, after = rows(demo_db, "SELECT before, after FROM audit_events WHERE action = 'press_agency.update' ORDER BY seq DESC")[0]
    assert json.loads(after)["media_type"] == "online" and json.loads(before)["media_type"] != "online"  # the previous version is kept
    with pytest.raises(ValidationError) as info:
        press.update_press_agency(demo_db, officer, "SKDS", "Tên", "radio-tv-khac")
    assert [p.key for p in info.value.problems] == ["code.not_listed"]
    press.set_press_agency_active(demo_db, officer, "SKDS", False)
    assert "SKDS" not in {a.code for a in catalogue.press_agencies(demo_db)}
    entry = next(e for e in catalogue.press_catalogue(demo_db) if e.code == "SKDS")
    assert not entry.active and entry.orders > 0
    line = rows(demo_db, "SELECT id FROM budget_lines WHERE code = 'BYT-TT-26-01'")[0][0]
    with pytest.raises(ValidationError) as info:
        commitments.create_order(demo_db, officer, year=YEAR, reference="HD-NGUNG-1", line=line, press_agency="SKDS", description="Thử", value=1_000_000)
    assert [p.key for p in info.value.problems] == ["press.inactive"]
    with pytest.raises(PermissionDenied):
        press.set_press_agency_active(demo_db, actors["leader"], "SKDS", True)
    from ledger.store.verify import verify

    with demo_db.read() as session:
        assert verify(session).ok
