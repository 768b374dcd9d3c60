"""Budget lines, adjustments, transfers and reversals (DOMAIN rules 1, 2, 8, 9).

The demo officer works in BYT-TT. Money tests run on lines the officer adds (fixture ``lines``),
which have nothing committed or paid on them, so their figures do not depend on the demo's orders.
Figures are checked against SQL computed here, not against the services' own reads.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from ledger_testkit import (
    D2025,
    D2026,
    actor_of,
    allocation,
    any_line_of,
    count,
    dump,
    fields,
    keys,
    last_event,
    refused,
    rows,
    scalar,
    unit_id,
)

import ledger.services.budget
from ledger.domain.errors import NotFound, PermissionDenied, ValidationError
from ledger.queries.lines import LineFilters, line_detail, list_lines
from ledger.services.budget import (
    add_line,
    adjust_line,
    reverse_adjustment,
    transfer,
)
from ledger.services.reference import create_unit, open_year, set_year_open
from ledger.services.users import create_user
from ledger.store.models import BudgetCode


def new_line(**changes):
    """A valid line for the demo officer (unit BYT-TT, fiscal 2026)."""
    data = {
        "code": "BYT-TT-26-99",
        "year": 2026,
        "unit_code": "BYT-TT",
        "description": "Tập huấn kỹ năng phát ngôn và cung cấp thông tin cho báo chí",
        "category": "DAO_TAO",
        "source": "NSNN",
        "sector_code": "070-085",
        "sub_item": "6757",
        "policy_code": "THUOC-LA",
        "original_estimate": 150_000_000,
    }
    data.update(changes)
    return data


@pytest.fixture
def lines(demo_db, actors) -> dict[str, int]:
    """Lines of the officer's unit with nothing committed or paid on them (the demo's lines have
    orders and payments, which raise the floor of rule 2), plus a line of another unit."""
    made = {}
    for code, year, category, source, estimate in [
        ("TT-25-A", 2025, "DAO_TAO", "NSNN", 100_000_000),
        ("TT-25-B", 2025, "BAO_CHI", "NSNN", 50_000_000),
        ("TT-25-X", 2025, "BAO_CHI", "XHH", 30_000_000),
        ("TT-26-A", 2026, "DAO_TAO", "NSNN", 80_000_000),
    ]:
        line = add_line(
            demo_db,
            actors["officer"],
            **new_line(
                code=code,
                year=year,
                category=category,
                source=source,
                sector_code="",
                sub_item="",
                original_estimate=estimate,
            ),
        )
        made[code] = line.id
    made["HNI"] = any_line_of(demo_db, "HNI", 2025)
    made["BYT"] = any_line_of(demo_db, "BYT", 2025)
    return made


# --- adding lines -----------------------------------------------------------------------------


def test_add_line_stores_exact_amount_and_audit_event(demo_db, actors):
    lines_before, events_before = count(demo_db, "budget_lines"), count(demo_db, "audit_events")
    line = add_line(demo_db, actors["officer"], **new_line(original_estimate="1.234.567.891 đ"))

    assert count(demo_db, "budget_lines") == lines_before + 1
    assert count(demo_db, "audit_events") == events_before + 1
    stored = rows(
        demo_db,
        "SELECT code, year, unit_id, category_code, source_code, sector_code, sub_item, original_estimate, created_by"
        " FROM budget_lines WHERE id = :i",
        i=line.id,
    )[0]
    assert tuple(stored) == (
        "BYT-TT-26-99",
        2026,
        unit_id(demo_db, "BYT-TT"),
        "DAO_TAO",
        "NSNN",
        "070-085",
        "6757",
        1_234_567_891,
        "officer",
    )
    assert type(stored.original_estimate) is int

    event = last_event(demo_db)
    assert (event["actor"], event["action"], event["entity_type"], event["entity_id"]) == (
        "officer",
        "budget_line.create",
        "budget_line",
        str(line.id),
    )
    assert event["before"] is None
    assert json.loads(event["after"])["original_estimate"] == 1_234_567_891

    detail = line_detail(demo_db, actors["officer"], line.id)
    assert detail.allocated == detail.line.original_estimate == 1_234_567_891
    assert detail.adjustments == ()


def test_add_line_largest_amount_is_stored_exactly(demo_db, actors):
    line = add_line(demo_db, actors["officer"], **new_line(original_estimate=10**15))
    assert allocation(demo_db, line.id) == 10**15
    # a zero estimate is a valid line too (money may come later by adjustment)
    zero = add_line(demo_db, actors["officer"], **new_line(code="BYT-TT-26-98", original_estimate="0"))
    assert allocation(demo_db, zero.id) == 0


BAD_ESTIMATES = [
    (-1, "amount.negative"),
    ("-5.000.000", "amount.negative"),
    (1.5, "amount.fractional"),
    (Decimal("0.5"), "amount.fractional"),
    ("150.000.000,5", "amount.fractional"),
    ("một trăm triệu", "amount.not_integer"),
    ("abc", "amount.not_integer"),
    (True, "amount.not_integer"),
    (10**15 + 1, "amount.too_large"),
    ("1.000.000.000.000.001", "amount.too_large"),
    ("", "amount.required"),
    (None, "amount.required"),
]


def test_add_line_bad_estimate_refused_and_nothing_written(demo_db, actors):
    for estimate, key in BAD_ESTIMATES:
        error = refused(
            demo_db, ValidationError, add_line, demo_db, actors["officer"], **new_line(original_estimate=estimate)
        )
        assert keys(error) == {key}, estimate
        assert fields(error) == {"original_estimate"}, estimate


def test_add_line_unknown_unit_refused(demo_db, actors):
    error = refused(demo_db, ValidationError, add_line, demo_db, actors["officer"], **new_line(unit_code="KHONG-CO"))
    assert keys(error) == {"unit.unknown"}
    assert "KHONG-CO" in error.messages("vi")[0]
    error = refused(demo_db, ValidationError, add_line, demo_db, actors["officer"], **new_line(unit_code=""))
    assert keys(error) == {"unit.unknown"}


def test_duplicate_code_in_a_year_refused_but_other_year_accepted(demo_db, actors):
    error = refused(demo_db, ValidationError, add_line, demo_db, actors["officer"], **new_line(code="BYT-TT-26-01"))
    assert keys(error) == {"line.exists"}
    assert "BYT-TT-26-01" in error.messages("vi")[0] and "2026" in error.messages("vi")[0]
    # the same code in 2025 is a different line
    line = add_line(demo_db, actors["officer"], **new_line(code="BYT-TT-26-01", year=2025))
    assert rows(demo_db, "SELECT year FROM budget_lines WHERE code = 'BYT-TT-26-01' ORDER BY year") == [
        (2025,),
        (2026,),
    ]
    assert line.year == 2025
    # surrounding spaces do not make a new code
    error = refused(demo_db, ValidationError, add_line, demo_db, actors["officer"], **new_line(code="  BYT-TT-26-01 "))
    assert keys(error) == {"line.exists"}


def test_a_line_records_the_line_of_the_previous_year_it_was_carried_from(demo_db, actors, lines):
    officer = actors["officer"]
    line = add_line(demo_db, officer, **new_line(code="TT-26-CF", carried_from=" TT-25-A "))
    assert scalar(demo_db, "SELECT carried_from_id FROM budget_lines WHERE id = :id", id=line.id) == lines["TT-25-A"]
    plain = add_line(demo_db, officer, **new_line(code="TT-26-NC", carried_from=""))
    assert scalar(demo_db, "SELECT carried_from_id FROM budget_lines WHERE id = :id", id=plain.id) is None
    hni_code = scalar(demo_db, "SELECT code FROM budget_lines WHERE id = :id", id=lines["HNI"])
    for origin in ("KHONG-CO", "TT-26-A", hni_code):  # no such line; a line of 2026 itself; a line of another unit
        error = refused(demo_db, ValidationError, add_line, demo_db, officer, **new_line(code="TT-26-CF2", carried_from=origin))
        assert keys(error) == {"line.carried_from_unknown"} and fields(error) == {"carried_from"}
        assert origin in error.messages("vi")[0] and "2025" in error.messages("en")[0]


def test_unknown_category_or_source_refused(demo_db, actors):
    for field, value in [
        ("category", "QUANG_CAO"),
        ("source", "ODA"),
        ("category", None),
        ("source", ""),
        ("category", "Đào tạo"),
    ]:
        error = refused(demo_db, ValidationError, add_line, demo_db, actors["officer"], **new_line(**{field: value}))
        assert keys(error) == {"code.unknown"}, value
        assert fields(error) == {field}, value


def test_category_and_source_by_label_in_either_language(demo_db, actors):
    labels = [
        ("Đào tạo, bồi dưỡng", "Ngân sách nhà nước"),
        ("Training", "State budget"),
        ("dao tao, boi duong", "ngan sach nha nuoc"),
        ("  TRAINING ", "nsnn"),
        ("dao_tao", "NSNN"),
    ]
    for number, (category, source) in enumerate(labels):
        line = add_line(
            demo_db, actors["officer"], **new_line(code=f"TT-LBL-{number}", category=category, source=source)
        )
        stored = tuple(rows(demo_db, "SELECT category_code, source_code FROM budget_lines WHERE id = :i", i=line.id)[0])
        assert stored == ("DAO_TAO", "NSNN"), (category, source)
    line = add_line(
        demo_db, actors["officer"], **new_line(code="TT-LBL-XHH", category="Press orders", source="Xã hội hóa")
    )
    assert tuple(rows(demo_db, "SELECT category_code, source_code FROM budget_lines WHERE id = :i", i=line.id)[0]) == (
        "BAO_CHI",
        "XHH",
    )


def test_bad_budget_classification_refused(demo_db, actors):
    cases = [
        ({"sector_code": "070085"}, "sector.format"),
        ({"sector_code": "70-85"}, "sector.format"),
        ({"sector_code": "abc-def"}, "sector.format"),
        ({"sector_code": "070-0851"}, "sector.format"),
        ({"sub_item": "675"}, "sub_item.format"),
        ({"sub_item": "67570"}, "sub_item.format"),
        ({"sub_item": "67a7"}, "sub_item.format"),
        ({"sector_code": "999-999"}, "sector.unknown"),
        ({"sub_item": "6000"}, "sub_item.unknown"),
    ]
    for changes, key in cases:
        error = refused(demo_db, ValidationError, add_line, demo_db, actors["officer"], **new_line(**changes))
        assert keys(error) == {key}, changes
        assert next(iter(changes.values())) in error.messages("vi")[0]


def test_classification_codes_are_checked_against_the_lines_year(demo_db, actors):
    # A sub-item that exists only in the 2026 list: accepted for 2026, refused for 2025.
    with demo_db.write() as session:
        session.add(
            BudgetCode(kind="sub_item", code="7777", label_vi="Mã thử chỉ có năm 2026", valid_from=2026, valid_to=2026)
        )
    add_line(demo_db, actors["officer"], **new_line(sub_item="7777"))
    error = refused(
        demo_db,
        ValidationError,
        add_line,
        demo_db,
        actors["officer"],
        **new_line(code="BYT-TT-25-99", year=2025, sub_item="7777"),
    )
    assert keys(error) == {"sub_item.unknown"}
    assert "2025" in error.messages("vi")[0]


def test_optional_classification_may_be_empty(demo_db, actors):
    line = add_line(demo_db, actors["officer"], **new_line(sector_code="", sub_item=None, policy_code=""))
    assert tuple(
        rows(demo_db, "SELECT sector_code, sub_item, policy_id FROM budget_lines WHERE id = :i", i=line.id)[0]
    ) == (None, None, None)


def test_unknown_policy_refused(demo_db, actors):
    error = refused(demo_db, ValidationError, add_line, demo_db, actors["officer"], **new_line(policy_code="KHONG-CO"))
    assert keys(error) == {"policy.unknown"}


def test_closed_or_unknown_year_refused(demo_db, actors):
    error = refused(demo_db, ValidationError, add_line, demo_db, actors["officer"], **new_line(year=2031))
    assert keys(error) == {"year.unknown"}
    error = refused(demo_db, ValidationError, add_line, demo_db, actors["officer"], **new_line(year="20x6"))
    assert keys(error) == {"year.invalid"}
    set_year_open(demo_db, actors["admin"], 2025, False)
    error = refused(demo_db, ValidationError, add_line, demo_db, actors["officer"], **new_line(year=2025))
    assert keys(error) == {"year.closed"}
    assert "2025" in error.messages("vi")[0]


def test_several_problems_are_reported_together(demo_db, actors):
    error = refused(
        demo_db,
        ValidationError,
        add_line,
        demo_db,
        actors["officer"],
        **new_line(
            code="mã sai!",
            description="  ",
            category="XYZ",
            source="ODA",
            sector_code="160171",
            sub_item="66",
            original_estimate="-5",
        ),
    )
    assert keys(error) == {
        "code.format",
        "text.required",
        "code.unknown",
        "sector.format",
        "sub_item.format",
        "amount.negative",
    }
    assert fields(error) == {
        "code",
        "description",
        "category",
        "source",
        "sector_code",
        "sub_item",
        "original_estimate",
    }
    assert len(error.messages("vi")) == 7


def test_officer_may_not_write_for_another_unit(demo_db, actors):
    for unit in ("HNI", "BYT", "BYT-VP", "QG"):
        error = refused(demo_db, PermissionDenied, add_line, demo_db, actors["officer"], **new_line(unit_code=unit))
        assert keys(error) == {"perm.outside_unit"}
        message = error.messages("vi")[0]
        assert "BYT-TT" in message and unit in message


def test_officer_writes_for_a_subordinate_unit_of_their_own(demo_db, actors):
    create_unit(demo_db, actors["admin"], code="BYT-TT-BC", name="Phòng Báo chí", kind="subunit", parent_code="BYT-TT")
    create_unit(
        demo_db, actors["admin"], code="BYT-TT-BC-1", name="Tổ thông tin", kind="subunit", parent_code="BYT-TT-BC"
    )
    line = add_line(demo_db, actors["officer"], **new_line(unit_code="BYT-TT-BC"))
    deeper = add_line(demo_db, actors["officer"], **new_line(code="BYT-TT-26-97", unit_code="BYT-TT-BC-1"))
    assert rows(
        demo_db, "SELECT unit_id FROM budget_lines WHERE id IN (:a, :b) ORDER BY id", a=line.id, b=deeper.id
    ) == [
        (unit_id(demo_db, "BYT-TT-BC"),),
        (unit_id(demo_db, "BYT-TT-BC-1"),),
    ]


READERS_AND_ADMIN = [("leader", "perm.read_only"), ("auditor", "perm.read_only"), ("admin", "perm.admin_no_ledger")]


def test_readers_and_admin_may_not_add_lines(demo_db, actors):
    for who, key in READERS_AND_ADMIN:
        error = refused(demo_db, PermissionDenied, add_line, demo_db, actors[who], **new_line())
        assert keys(error) == {key}, who
        # permission comes first and alone, even when the input is also wrong
        error = refused(
            demo_db,
            PermissionDenied,
            add_line,
            demo_db,
            actors[who],
            **new_line(unit_code="KHONG-CO", original_estimate=-1),
        )
        assert keys(error) == {key}, who


def test_deactivated_officer_may_not_write(demo_db, actors):
    from ledger.services.users import update_user

    update_user(demo_db, actors["admin"], "officer", is_active=False)
    error = refused(demo_db, PermissionDenied, add_line, demo_db, actors["officer"], **new_line())
    assert keys(error) == {"perm.inactive"}


def test_officer_moved_to_another_unit_loses_write_access(demo_db, actors):
    from ledger.services.users import update_user

    update_user(demo_db, actors["admin"], "officer", unit_code="HNI")
    # the signed-in actor still says BYT-TT; the ledger re-reads the user on every write
    refused(demo_db, PermissionDenied, add_line, demo_db, actors["officer"], **new_line())


# --- adjustments ------------------------------------------------------------------------------


def test_allocation_is_original_plus_adjustments(demo_db, actors, lines):
    line = lines["TT-25-A"]
    events_before = count(demo_db, "audit_events")
    up = adjust_line(demo_db, actors["officer"], line, "10.000.000", "01/03/2025", "12/QĐ-BYT", "Bổ sung")
    down = adjust_line(demo_db, actors["officer"], line, -3_000_000, D2025, "13/QĐ-BYT", "Giảm")
    assert count(demo_db, "audit_events") == events_before + 2
    assert (up.amount, down.amount) == (10_000_000, -3_000_000)
    assert allocation(demo_db, line) == 107_000_000

    detail = line_detail(demo_db, actors["officer"], line)
    assert (detail.line.original_estimate, detail.adjustments_total, detail.allocated) == (
        100_000_000,
        7_000_000,
        107_000_000,
    )
    assert [(a.amount, a.date, a.decision_no, a.created_by) for a in detail.adjustments] == [
        (10_000_000, dt.date(2025, 3, 1), "12/QĐ-BYT", "officer"),
        (-3_000_000, dt.date(2025, 3, 1), "13/QĐ-BYT", "officer"),
    ]
    listed = next(r for r in list_lines(demo_db, actors["officer"], LineFilters(year=2025)) if r.id == line)
    assert (listed.original_estimate, listed.adjustments, listed.allocated) == (
        100_000_000,
        7_000_000,
        107_000_000,
    )

    event = last_event(demo_db)
    assert (event["actor"], event["action"], event["entity_type"], event["entity_id"]) == (
        "officer",
        "adjustment.post",
        "adjustment",
        str(down.id),
    )
    assert json.loads(event["after"])["amount"] == -3_000_000


def test_listed_amounts_are_int_on_every_backend(demo_db, actors, lines):
    adjust_line(demo_db, actors["officer"], lines["TT-26-A"], 1_000_000, D2026, "12/QĐ-BYT")
    listed = list_lines(demo_db, actors["leader"], LineFilters(year=2026))
    assert listed
    for row in listed:
        for key in ("original_estimate", "adjustments", "allocated"):
            assert type(getattr(row, key)) is int, f"{key} of {row.code} is {type(getattr(row, key)).__name__}"
    detail = line_detail(demo_db, actors["officer"], lines["TT-26-A"])
    for key in ("adjustments_total", "allocated", "used"):
        assert type(getattr(detail, key)) is int, f"{key} is {type(getattr(detail, key)).__name__}"
    assert type(detail.line.original_estimate) is int


def test_adjustment_needs_a_decision_number(demo_db, actors, lines):
    for decision in ("", "   ", None):
        error = refused(
            demo_db,
            ValidationError,
            adjust_line,
            demo_db,
            actors["officer"],
            lines["TT-25-A"],
            1_000_000,
            D2025,
            decision,
        )
        assert keys(error) == {"adjustment.decision_required"}, decision
    error = refused(
        demo_db, ValidationError, adjust_line, demo_db, actors["officer"], lines["TT-25-A"], 1_000_000, D2025, "9" * 65
    )
    assert keys(error) == {"text.too_long"}
    adjust_line(demo_db, actors["officer"], lines["TT-25-A"], 1_000_000, D2025, " " + "9" * 64 + " ")
    assert scalar(demo_db, "SELECT decision_no FROM adjustments ORDER BY id DESC") == "9" * 64


def test_adjustment_amount_refused(demo_db, actors, lines):
    cases = [
        (0, "amount.zero"),
        ("0 đ", "amount.zero"),
        (0.5, "amount.fractional"),
        (Decimal("-0.5"), "amount.fractional"),
        ("1.000,5", "amount.fractional"),
        ("abc", "amount.not_integer"),
        (False, "amount.not_integer"),
        (10**15 + 1, "amount.too_large"),
        (-(10**15) - 1, "amount.too_large"),
        (None, "amount.required"),
    ]
    for amount, key in cases:
        error = refused(
            demo_db,
            ValidationError,
            adjust_line,
            demo_db,
            actors["officer"],
            lines["TT-25-A"],
            amount,
            D2025,
            "12/QĐ-BYT",
        )
        assert keys(error) == {key}, amount


def test_reduction_to_exactly_zero_passes_one_dong_more_is_refused(demo_db, actors, lines):
    line = lines["TT-25-A"]
    adjust_line(demo_db, actors["officer"], line, 5_000_000, D2025, "13/QĐ-BYT")
    assert allocation(demo_db, line) == 105_000_000
    error = refused(
        demo_db, ValidationError, adjust_line, demo_db, actors["officer"], line, -105_000_001, D2025, "14/QĐ-BYT"
    )
    assert keys(error) == {"line.below_zero"}
    assert "TT-25-A" in error.messages("vi")[0]
    assert "TT-25-A" in error.messages("en")[0]

    adjust_line(demo_db, actors["officer"], line, "-105.000.000", D2025, "14/QĐ-BYT")
    assert allocation(demo_db, line) == 0
    error = refused(demo_db, ValidationError, adjust_line, demo_db, actors["officer"], line, "-1", D2025, "15/QĐ-BYT")
    assert keys(error) == {"line.below_zero"}
    assert "TT-25-A" in error.messages("vi")[0]


def test_adjustment_date_outside_the_lines_year_refused(demo_db, actors, lines):
    line = lines["TT-25-A"]
    for when in ("01/03/2026", "31/12/2024", dt.date(2026, 1, 1)):
        error = refused(
            demo_db, ValidationError, adjust_line, demo_db, actors["officer"], line, 1_000_000, when, "12/QĐ-BYT"
        )
        assert keys(error) == {"date.outside_year"}
        assert "2025" in error.messages("vi")[0]
    error = refused(
        demo_db, ValidationError, adjust_line, demo_db, actors["officer"], line, 1_000_000, "32/01/2025", "12/QĐ-BYT"
    )
    assert keys(error) == {"date.invalid"}
    # the year's first and last days are inside it
    adjust_line(demo_db, actors["officer"], line, 1_000_000, "01/01/2025", "12/QĐ-BYT")
    adjust_line(demo_db, actors["officer"], line, 1_000_000, "31/12/2025", "13/QĐ-BYT")
    assert allocation(demo_db, line) == 102_000_000


def test_future_adjustment_date_refused(demo_db, actors):
    next_year = dt.date.today().year + 1
    open_year(demo_db, actors["admin"], next_year)
    line = add_line(demo_db, actors["officer"], **new_line(code="TT-NEXT-01", year=next_year))
    error = refused(
        demo_db,
        ValidationError,
        adjust_line,
        demo_db,
        actors["officer"],
        line.id,
        1_000_000,
        dt.date(next_year, 6, 15),
        "12/QĐ-BYT",
    )
    assert keys(error) == {"date.future"}
    assert f"15/06/{next_year}" in error.messages("vi")[0]


def test_adjustment_in_a_closed_year_refused(demo_db, actors, lines):
    set_year_open(demo_db, actors["admin"], 2025, False)
    error = refused(
        demo_db,
        ValidationError,
        adjust_line,
        demo_db,
        actors["officer"],
        lines["TT-25-A"],
        1_000_000,
        D2025,
        "12/QĐ-BYT",
    )
    assert keys(error) == {"year.closed"}


def test_adjustment_problems_are_reported_together(demo_db, actors, lines):
    error = refused(
        demo_db, ValidationError, adjust_line, demo_db, actors["officer"], lines["TT-25-A"], 0, "01/01/2026", ""
    )
    assert keys(error) == {"amount.zero", "date.outside_year", "adjustment.decision_required"}


def test_readers_and_admin_may_not_adjust(demo_db, actors, lines):
    for who, key in READERS_AND_ADMIN:
        error = refused(
            demo_db,
            PermissionDenied,
            adjust_line,
            demo_db,
            actors[who],
            lines["TT-25-A"],
            1_000_000,
            D2025,
            "12/QĐ-BYT",
        )
        assert keys(error) == {key}, who


def test_officer_may_not_adjust_another_units_line(demo_db, actors, lines):
    for other in ("HNI", "BYT"):
        error = refused(
            demo_db,
            PermissionDenied,
            adjust_line,
            demo_db,
            actors["officer"],
            lines[other],
            1_000_000,
            D2025,
            "12/QĐ-BYT",
        )
        assert keys(error) == {"perm.outside_unit"}


def test_adjusting_an_unknown_line(demo_db, actors):
    error = refused(demo_db, NotFound, adjust_line, demo_db, actors["officer"], 999_999, 1_000_000, D2025, "12/QĐ-BYT")
    assert keys(error) == {"line.unknown"}
    refused(demo_db, PermissionDenied, adjust_line, demo_db, actors["leader"], 999_999, 1_000_000, D2025, "12/QĐ-BYT")


# --- the floor: what is used on a line (rule 2) ----------------------------------------------


def test_allocation_may_not_go_below_what_is_used(demo_db, actors, lines, monkeypatch):
    line, other = lines["TT-25-A"], lines["TT-25-B"]
    used = 60_000_000
    monkeypatch.setattr(ledger.services.budget, "line_used", lambda session, lid: used if lid == line else 0)
    assert line_detail(demo_db, actors["officer"], line).used == used

    error = refused(
        demo_db, ValidationError, adjust_line, demo_db, actors["officer"], line, -40_000_001, D2025, "16/QĐ-BYT"
    )
    assert keys(error) == {"line.below_used"}
    message = error.messages("vi")[0]
    assert "TT-25-A" in message and "60.000.000" in message and "59.999.999" in message

    error = refused(
        demo_db, ValidationError, transfer, demo_db, actors["officer"], line, other, 40_000_001, D2025, "17/QĐ-BYT"
    )
    assert keys(error) == {"line.below_used"}

    adjust_line(demo_db, actors["officer"], line, -40_000_000, D2025, "16/QĐ-BYT")
    assert allocation(demo_db, line) == used
    refused(demo_db, ValidationError, adjust_line, demo_db, actors["officer"], line, -1, D2025, "18/QĐ-BYT")
    # a supplement is always allowed, and so is a transfer into the line
    adjust_line(demo_db, actors["officer"], line, 1, D2025, "19/QĐ-BYT")
    transfer(demo_db, actors["officer"], other, line, 1_000, D2025, "19/QĐ-BYT")
    assert allocation(demo_db, line) == used + 1_001


def test_reversal_may_not_take_allocation_below_used(demo_db, actors, lines, monkeypatch):
    line = lines["TT-25-A"]
    supplement = adjust_line(demo_db, actors["officer"], line, 10_000_000, D2025, "20/QĐ-BYT")
    monkeypatch.setattr(ledger.services.budget, "line_used", lambda session, lid: 100_000_001 if lid == line else 0)
    error = refused(
        demo_db, ValidationError, reverse_adjustment, demo_db, actors["officer"], supplement.id, "Nhập nhầm", D2025
    )
    assert keys(error) == {"line.below_used"}
    monkeypatch.setattr(ledger.services.budget, "line_used", lambda session, lid: 100_000_000 if lid == line else 0)
    reverse_adjustment(demo_db, actors["officer"], supplement.id, "Nhập nhầm", D2025)
    assert allocation(demo_db, line) == 100_000_000


# --- transfers --------------------------------------------------------------------------------


def test_transfer_nets_to_zero(demo_db, actors, lines):
    source, target = lines["TT-25-A"], lines["TT-25-B"]
    events_before = count(demo_db, "audit_events")
    out, into = transfer(
        demo_db, actors["officer"], source, target, "30.000.000", "01/03/2025", "21/QĐ-BYT", "Điều chuyển"
    )

    assert (allocation(demo_db, source), allocation(demo_db, target)) == (70_000_000, 80_000_000)
    pair = rows(
        demo_db,
        "SELECT line_id, amount, transfer_key, decision_no, date, created_by FROM adjustments"
        " WHERE id IN (:a, :b) ORDER BY amount",
        a=out.id,
        b=into.id,
    )
    assert [(r.line_id, r.amount) for r in pair] == [(source, -30_000_000), (target, 30_000_000)]
    assert sum(r.amount for r in pair) == 0
    assert pair[0].transfer_key == pair[1].transfer_key is not None
    assert {(r.decision_no, r.created_by) for r in pair} == {("21/QĐ-BYT", "officer")}
    assert count(demo_db, "audit_events") == events_before + 2
    assert [
        e[0] for e in rows(demo_db, "SELECT action FROM audit_events WHERE seq > :s ORDER BY seq", s=events_before)
    ] == ["transfer.out", "transfer.in"]


def test_transfer_of_the_whole_allocation_passes_one_dong_more_refused(demo_db, actors, lines):
    source, target = lines["TT-25-B"], lines["TT-25-A"]
    error = refused(
        demo_db, ValidationError, transfer, demo_db, actors["officer"], source, target, 50_000_001, D2025, "22/QĐ-BYT"
    )
    assert keys(error) == {"line.below_zero"}
    assert "TT-25-B" in error.messages("vi")[0]
    transfer(demo_db, actors["officer"], source, target, "50.000.000 đ", D2025, "22/QĐ-BYT")
    assert (allocation(demo_db, source), allocation(demo_db, target)) == (0, 150_000_000)


def test_transfer_between_sources_refused(demo_db, actors, lines):
    nsnn, xhh = lines["TT-25-A"], lines["TT-25-X"]
    for a, b in ((nsnn, xhh), (xhh, nsnn)):
        error = refused(
            demo_db, ValidationError, transfer, demo_db, actors["officer"], a, b, 1_000_000, D2025, "23/QĐ-BYT"
        )
        assert keys(error) == {"transfer.source"}
        assert "XHH" in error.messages("vi")[0] and "NSNN" in error.messages("vi")[0]


def test_transfer_to_the_same_line_or_another_year_refused(demo_db, actors, lines):
    line = lines["TT-25-A"]
    error = refused(
        demo_db, ValidationError, transfer, demo_db, actors["officer"], line, line, 1_000_000, D2025, "24/QĐ-BYT"
    )
    assert keys(error) == {"transfer.same_line"}
    error = refused(
        demo_db,
        ValidationError,
        transfer,
        demo_db,
        actors["officer"],
        line,
        lines["TT-26-A"],
        1_000_000,
        D2025,
        "24/QĐ-BYT",
    )
    assert keys(error) == {"transfer.year"}


def test_transfer_amount_must_be_positive(demo_db, actors, lines):
    cases = [
        (0, "transfer.positive"),
        ("0", "transfer.positive"),
        (-1_000_000, "amount.negative"),
        ("-1.000.000", "amount.negative"),
        (2.5, "amount.fractional"),
    ]
    for amount, key in cases:
        error = refused(
            demo_db,
            ValidationError,
            transfer,
            demo_db,
            actors["officer"],
            lines["TT-25-A"],
            lines["TT-25-B"],
            amount,
            D2025,
            "25/QĐ-BYT",
        )
        assert keys(error) == {key}, amount


def test_transfer_needs_decision_and_date_in_year(demo_db, actors, lines):
    error = refused(
        demo_db,
        ValidationError,
        transfer,
        demo_db,
        actors["officer"],
        lines["TT-25-A"],
        lines["TT-25-B"],
        1_000_000,
        "01/01/2026",
        " ",
    )
    assert keys(error) == {"date.outside_year", "adjustment.decision_required"}


def test_officer_may_not_transfer_from_or_to_another_units_line(demo_db, actors, lines):
    own, foreign = lines["TT-25-A"], lines["HNI"]
    refused(
        demo_db, PermissionDenied, transfer, demo_db, actors["officer"], foreign, own, 1_000_000, D2025, "26/QĐ-BYT"
    )
    refused(
        demo_db, PermissionDenied, transfer, demo_db, actors["officer"], own, foreign, 1_000_000, D2025, "26/QĐ-BYT"
    )
    refused(
        demo_db,
        PermissionDenied,
        transfer,
        demo_db,
        actors["officer"],
        own,
        lines["BYT"],
        1_000_000,
        D2025,
        "26/QĐ-BYT",
    )
    refused(
        demo_db,
        PermissionDenied,
        transfer,
        demo_db,
        actors["leader"],
        own,
        lines["TT-25-B"],
        1_000_000,
        D2025,
        "26/QĐ-BYT",
    )


# --- reversals --------------------------------------------------------------------------------


def test_reversal_is_an_opposite_entry_pointing_to_the_original(demo_db, actors, lines):
    line = lines["TT-25-A"]
    original = adjust_line(demo_db, actors["officer"], line, 12_345_000, D2025, "27/QĐ-BYT", "Bổ sung")
    posted_before = dump(demo_db)["adjustments"]

    [reversal] = reverse_adjustment(demo_db, actors["officer"], original.id, "Nhập nhầm số tiền", "02/03/2025")
    assert allocation(demo_db, line) == 100_000_000
    row = rows(
        demo_db,
        "SELECT line_id, amount, reverses_id, decision_no, reason, date, created_by FROM adjustments WHERE id = :i",
        i=reversal.id,
    )[0]
    assert (row.line_id, row.amount, row.reverses_id, row.decision_no, row.reason, row.created_by) == (
        line,
        -12_345_000,
        original.id,
        "27/QĐ-BYT",
        "Nhập nhầm số tiền",
        "officer",
    )
    assert str(row.date).startswith("2025-03-02")
    # posted rows are never updated: every earlier row is exactly as it was, and one row was added
    after = dump(demo_db)["adjustments"]
    assert set(posted_before) <= set(after)
    assert len(after) == len(posted_before) + 1
    event = last_event(demo_db)
    assert (event["action"], event["actor"], event["entity_id"], event["before"]) == (
        "adjustment.reverse",
        "officer",
        str(reversal.id),
        None,
    )

    detail = line_detail(demo_db, actors["officer"], line)
    marked = {a.id: a.reversed for a in detail.adjustments}
    assert marked == {original.id: True, reversal.id: False}

    error = refused(
        demo_db, ValidationError, reverse_adjustment, demo_db, actors["officer"], original.id, "Lần hai", D2025
    )
    assert keys(error) == {"adjustment.already_reversed"}
    error = refused(
        demo_db, ValidationError, reverse_adjustment, demo_db, actors["officer"], reversal.id, "Đảo của đảo", D2025
    )
    assert keys(error) == {"adjustment.is_reversal"}


def test_reversal_needs_a_reason_and_a_date_in_the_year(demo_db, actors, lines):
    original = adjust_line(demo_db, actors["officer"], lines["TT-25-A"], 1_000_000, D2025, "28/QĐ-BYT")
    for reason in ("", "   ", None):
        error = refused(
            demo_db, ValidationError, reverse_adjustment, demo_db, actors["officer"], original.id, reason, D2025
        )
        assert keys(error) == {"text.required"}
    error = refused(
        demo_db, ValidationError, reverse_adjustment, demo_db, actors["officer"], original.id, "Sai", "01/01/2026"
    )
    assert keys(error) == {"date.outside_year"}


def test_reversal_without_date_is_dated_in_the_lines_year(demo_db, actors, lines):
    original = adjust_line(demo_db, actors["officer"], lines["TT-25-A"], 1_000_000, D2025, "29/QĐ-BYT")
    [reversal] = reverse_adjustment(demo_db, actors["officer"], original.id, "Sai")
    assert reversal.date == min(dt.date.today(), dt.date(2025, 12, 31))


def test_reversing_a_transfer_reverses_both_legs(demo_db, actors, lines):
    source, target = lines["TT-25-A"], lines["TT-25-B"]
    out, into = transfer(demo_db, actors["officer"], source, target, 40_000_000, D2025, "32/QĐ-BYT")
    posted_before = dump(demo_db)["adjustments"]

    reversals = reverse_adjustment(demo_db, actors["officer"], into.id, "Hủy điều chuyển", D2025)
    assert len(reversals) == 2
    back = rows(
        demo_db,
        "SELECT line_id, amount, reverses_id, transfer_key FROM adjustments"
        " WHERE reverses_id IN (:a, :b) ORDER BY reverses_id",
        a=out.id,
        b=into.id,
    )
    assert [(r.line_id, r.amount, r.reverses_id) for r in back] == [
        (source, 40_000_000, out.id),
        (target, -40_000_000, into.id),
    ]
    assert back[0].transfer_key == back[1].transfer_key is not None
    assert back[0].transfer_key != out.transfer_key
    assert (allocation(demo_db, source), allocation(demo_db, target)) == (100_000_000, 50_000_000)
    after = dump(demo_db)["adjustments"]
    assert set(posted_before) <= set(after) and len(after) == len(posted_before) + 2

    for leg in (out, into):
        error = refused(
            demo_db, ValidationError, reverse_adjustment, demo_db, actors["officer"], leg.id, "Lần hai", D2025
        )
        assert keys(error) == {"adjustment.already_reversed"}
    for reversal in reversals:
        error = refused(
            demo_db, ValidationError, reverse_adjustment, demo_db, actors["officer"], reversal.id, "Đảo của đảo", D2025
        )
        assert keys(error) == {"adjustment.is_reversal"}


def test_reversing_a_transfer_whose_target_was_spent_down_is_refused(demo_db, actors, lines):
    source, target = lines["TT-25-A"], lines["TT-25-B"]
    out, _ = transfer(demo_db, actors["officer"], source, target, 40_000_000, D2025, "33/QĐ-BYT")
    adjust_line(
        demo_db, actors["officer"], target, -60_000_000, D2025, "34/QĐ-BYT"
    )  # target: 50 + 40 − 60 = 30 million
    error = refused(demo_db, ValidationError, reverse_adjustment, demo_db, actors["officer"], out.id, "Hủy", D2025)
    assert keys(error) == {"line.below_zero"}
    assert "TT-25-B" in error.messages("vi")[0]


def test_reversal_outside_scope_or_by_readers_refused(demo_db, actors, lines):
    hni = adjustment_of(demo_db, "HNI")
    error = refused(demo_db, PermissionDenied, reverse_adjustment, demo_db, actors["officer"], hni, "Sai", D2025)
    assert keys(error) == {"perm.outside_unit"}
    own = adjust_line(demo_db, actors["officer"], lines["TT-25-A"], 1_000_000, D2025, "35/QĐ-BYT").id
    for who in ("leader", "auditor", "admin"):
        refused(demo_db, PermissionDenied, reverse_adjustment, demo_db, actors[who], own, "Sai", D2025)
    refused(demo_db, NotFound, reverse_adjustment, demo_db, actors["officer"], 999_999, "Sai", D2025)


def test_reversal_of_a_transfer_reversal_is_a_permission_question_first(demo_db, actors, lines):
    """An officer of another unit, or a leader, is refused for lack of permission on BYT-TT's
    entries, whatever the entry is; they are not told that it is a reversal."""
    out, _ = transfer(demo_db, actors["officer"], lines["TT-25-A"], lines["TT-25-B"], 1_000_000, D2025, "36/QĐ-BYT")
    reversals = reverse_adjustment(demo_db, actors["officer"], out.id, "Hủy điều chuyển", D2025)
    create_user(demo_db, actors["admin"], "ketoan.hni", "officer", "mat-khau-hni", unit_code="HNI")
    hni_officer = actor_of(demo_db, "ketoan.hni")
    for reversal in reversals:
        error = refused(demo_db, PermissionDenied, reverse_adjustment, demo_db, hni_officer, reversal.id, "Thử", D2025)
        assert keys(error) == {"perm.outside_unit"}
        error = refused(
            demo_db, PermissionDenied, reverse_adjustment, demo_db, actors["leader"], reversal.id, "Thử", D2025
        )
        assert keys(error) == {"perm.read_only"}


def test_reversal_in_a_closed_year_refused(demo_db, actors, lines):
    own = adjust_line(demo_db, actors["officer"], lines["TT-25-A"], 1_000_000, D2025, "37/QĐ-BYT").id
    set_year_open(demo_db, actors["admin"], 2025, False)
    error = refused(demo_db, ValidationError, reverse_adjustment, demo_db, actors["officer"], own, "Sai", D2025)
    assert keys(error) == {"year.closed"}


def test_reversal_that_would_leave_the_line_below_zero_refused(demo_db, actors, lines):
    line = lines["TT-25-A"]
    supplement = adjust_line(demo_db, actors["officer"], line, 5_000_000, D2025, "30/QĐ-BYT")
    adjust_line(demo_db, actors["officer"], line, -105_000_000, D2025, "31/QĐ-BYT")
    error = refused(
        demo_db, ValidationError, reverse_adjustment, demo_db, actors["officer"], supplement.id, "Sai", D2025
    )
    assert keys(error) == {"line.below_zero"}


def adjustment_of(db, unit_code: str) -> int:
    """An adjustment the demo posted on a line of ``unit_code``."""
    found = rows(
        db,
        "SELECT a.id FROM adjustments a JOIN budget_lines b ON b.id = a.line_id JOIN units u ON u.id = b.unit_id"
        " WHERE u.code = :u ORDER BY a.id",
        u=unit_code,
    )
    assert found, f"the demo has no adjustment on a line of {unit_code}"
    return int(found[0][0])
