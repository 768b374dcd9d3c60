"""Who may see and do what (DOMAIN rule 9), sign-in, and user administration.

Expected figures are computed here with plain SQL over budget_lines and adjustments for the unit
subtree in question, independently of the services under test.
"""

from __future__ import annotations

import json

import pytest
from ledger_testkit import actor_of, count, keys, last_event, refused, rows, scalar, unit_id

from ledger.domain.errors import AuthenticationFailed, NotFound, PermissionDenied, ValidationError
from ledger.queries.lines import LineFilters, adjustments_in_scope, line_detail, list_lines
from ledger.queries.users import list_users
from ledger.reports.overview import OverviewFilters, overview, totals
from ledger.services.reference import create_policy, create_unit, open_year, set_year_open, update_unit
from ledger.services.users import bootstrap_admin, create_user, reset_password, sign_in, update_user
from ledger.store.access import Actor

YEARS = (2025, 2026)


def subtree_codes(db, root: str) -> set[str]:
    """Unit codes of ``root`` and everything below it, by walking parent links in SQL results."""
    units = rows(db, "SELECT id, code, parent_id FROM units")
    by_parent: dict[int | None, list[tuple[int, str]]] = {}
    for uid, code, parent in units:
        by_parent.setdefault(parent, []).append((uid, code))
    start = next(uid for uid, code, _ in units if code == root)
    found, stack = {root}, [start]
    while stack:
        for child_id, child_code in by_parent.get(stack.pop(), []):
            found.add(child_code)
            stack.append(child_id)
    return found


def line_codes_in(db, units: set[str], year: int) -> list[str]:
    found = rows(
        db,
        "SELECT b.code, u.code FROM budget_lines b JOIN units u ON u.id = b.unit_id WHERE b.year = :y ORDER BY b.code",
        y=year,
    )
    return [line for line, unit in found if unit in units]


def expected_overview(db, units: set[str] | None, year: int) -> dict[tuple[str, str], tuple[int, int, int]]:
    """(category, source) -> (lines, Σ original estimate, Σ adjustments), by plain SQL."""
    result: dict[tuple[str, str], tuple[int, int, int]] = {}
    found = rows(
        db,
        "SELECT b.category_code, b.source_code, u.code, b.original_estimate,"
        " COALESCE((SELECT SUM(a.amount) FROM adjustments a WHERE a.line_id = b.id), 0)"
        " FROM budget_lines b JOIN units u ON u.id = b.unit_id WHERE b.year = :y",
        y=year,
    )
    for category, source, unit, estimate, adjusted in found:
        if units is not None and unit not in units:
            continue
        n, e, a = result.get((category, source), (0, 0, 0))
        result[(category, source)] = (n + 1, e + int(estimate), a + int(adjusted))
    return result


def overview_sums(report: list[dict]) -> dict[tuple[str, str], tuple[int, int, int]]:
    return {
        (r["category_code"], r["source_code"]): (r["lines"], r["original_estimate"], r["adjustments"])
        for r in report
        if r["lines"]
    }


@pytest.fixture
def hni_leader(demo_db, actors) -> Actor:
    create_user(demo_db, actors["admin"], "lanhdao.hni", "leader", "mat-khau-hni", unit_code="HNI")
    return actor_of(demo_db, "lanhdao.hni")


# --- what each user sees ----------------------------------------------------------------------


def test_officer_sees_only_their_unit_subtree(demo_db, actors):
    own = subtree_codes(demo_db, "BYT-TT")
    assert own == {"BYT-TT"}
    for year in YEARS:
        listed = list_lines(demo_db, actors["officer"], LineFilters(year=year))
        assert [r.code for r in listed] == line_codes_in(demo_db, own, year)
        assert listed and {r.unit_code for r in listed} == {"BYT-TT"}
        assert {a.unit_code for a in adjustments_in_scope(demo_db, actors["officer"], year)} <= {"BYT-TT"}


def test_officer_sees_lines_of_a_new_subordinate_unit(demo_db, actors):
    create_unit(demo_db, actors["admin"], code="BYT-TT-BC", name="Phòng Báo chí", kind="subunit", parent_code="BYT-TT")
    from ledger.services.budget import add_line

    add_line(
        demo_db,
        actors["officer"],
        code="TT-BC-01",
        year=2026,
        unit_code="BYT-TT-BC",
        description="Đặt hàng báo in",
        category="BAO_CHI",
        source="NSNN",
        original_estimate=10_000_000,
    )
    listed = list_lines(demo_db, actors["officer"], LineFilters(year=2026))
    assert "TT-BC-01" in [r.code for r in listed]
    assert [r.code for r in listed] == line_codes_in(demo_db, {"BYT-TT", "BYT-TT-BC"}, 2026)


@pytest.mark.parametrize("who", ["leader", "auditor"])
def test_leader_and_auditor_at_the_root_see_everything(demo_db, actors, who):
    everything = subtree_codes(demo_db, "QG")
    assert everything == set(r[0] for r in rows(demo_db, "SELECT code FROM units"))
    for year in YEARS:
        listed = list_lines(demo_db, actors[who], LineFilters(year=year))
        assert [r.code for r in listed] == line_codes_in(demo_db, everything, year)
        assert len(listed) == int(scalar(demo_db, "SELECT COUNT(*) FROM budget_lines WHERE year = :y", y=year))


def test_user_of_a_province_sees_only_the_province(demo_db, hni_leader):
    for year in YEARS:
        listed = list_lines(demo_db, hni_leader, LineFilters(year=year))
        assert listed
        assert {r.unit_code for r in listed} == {"HNI"}
        assert [r.code for r in listed] == line_codes_in(demo_db, {"HNI"}, year)
        assert {a.unit_code for a in adjustments_in_scope(demo_db, hni_leader, year)} <= {"HNI"}


def test_filters_never_widen_the_scope(demo_db, actors):
    assert list_lines(demo_db, actors["officer"], LineFilters(year=2026, unit_code="HNI")) == []
    # asking for the root gives the officer their own lines, not the country's
    assert list_lines(demo_db, actors["officer"], LineFilters(year=2026, unit_code="QG")) == list_lines(
        demo_db, actors["officer"], LineFilters(year=2026)
    )
    assert list_lines(demo_db, actors["officer"], LineFilters(year=2026, unit_code="KHONG-CO")) == []
    # A unit outside the scope is refused as unknown (issue 10: never an empty table or zeros).
    for unit_code in ("HNI", "KHONG-CO"):
        with pytest.raises(ValidationError) as info:
            overview(demo_db, actors["officer"], OverviewFilters(year=2026, unit_code=unit_code))
        assert [p.key for p in info.value.problems] == ["unit.unknown"]
    with pytest.raises(ValidationError) as info:
        overview(demo_db, actors["officer"], OverviewFilters(year=1999))
    assert [p.key for p in info.value.problems] == ["year.unknown"]


def test_line_detail_outside_scope_is_not_found(demo_db, actors, hni_leader):
    hni_line = int(
        rows(
            demo_db,
            "SELECT b.id FROM budget_lines b JOIN units u ON u.id = b.unit_id WHERE u.code = 'HNI' ORDER BY b.id",
        )[0][0]
    )
    own_line = int(
        rows(
            demo_db,
            "SELECT b.id FROM budget_lines b JOIN units u ON u.id = b.unit_id WHERE u.code = 'BYT-TT' ORDER BY b.id",
        )[0][0]
    )
    with pytest.raises(NotFound) as outside:
        line_detail(demo_db, actors["officer"], hni_line)
    with pytest.raises(NotFound) as missing:
        line_detail(demo_db, actors["officer"], 999_999)
    # the refusal for a line outside the scope reads exactly like the one for a line that does not exist
    assert outside.value.messages("en")[0] == missing.value.messages("en")[0].replace("999999", str(hni_line))
    with pytest.raises(NotFound):
        line_detail(demo_db, hni_leader, own_line)
    assert line_detail(demo_db, actors["officer"], own_line).line.unit_code == "BYT-TT"
    assert line_detail(demo_db, hni_leader, hni_line).line.unit_code == "HNI"
    for who in ("leader", "auditor", "admin"):
        assert line_detail(demo_db, actors[who], hni_line).line.id == hni_line


def test_user_with_no_matching_scope_sees_nothing(demo_db, actors):
    create_unit(demo_db, actors["admin"], code="BTC", name="Bộ Tài chính", kind="ministry", parent_code="QG")
    create_user(demo_db, actors["admin"], "ketoan.btc", "officer", "mat-khau-btc", unit_code="BTC")
    btc = actor_of(demo_db, "ketoan.btc")
    # an officer whose account lost its unit (role kept) must not fall back to "everything"
    unitless = Actor(actors["officer"].user_id, "officer", "officer", None)
    for actor in (btc, unitless):
        for year in YEARS:
            assert list_lines(demo_db, actor, LineFilters(year=year)) == []
            assert adjustments_in_scope(demo_db, actor, year) == []
            report = overview(demo_db, actor, OverviewFilters(year=year))
            assert overview_sums(report) == {}
            assert totals(report, "lines", "original_estimate", "adjustments", "allocated") == dict.fromkeys(
                ("lines", "original_estimate", "adjustments", "allocated"), 0
            )
        any_line = int(scalar(demo_db, "SELECT MIN(id) FROM budget_lines"))
        with pytest.raises(NotFound):
            line_detail(demo_db, actor, any_line)


# --- the overview report equals plain SQL -----------------------------------------------------


def test_overview_figures_equal_sql_sums_for_each_scope(demo_db, actors, hni_leader):
    cases = [
        (actors["officer"], subtree_codes(demo_db, "BYT-TT")),
        (actors["leader"], subtree_codes(demo_db, "QG")),
        (actors["auditor"], subtree_codes(demo_db, "QG")),
        (actors["admin"], None),
        (hni_leader, {"HNI"}),
    ]
    for actor, units in cases:
        for year in YEARS:
            report = overview(demo_db, actor, OverviewFilters(year=year))
            expected = expected_overview(demo_db, units, year)
            assert expected, f"nothing to compare for {actor.username} {year}"
            assert overview_sums(report) == expected, (actor.username, year)
            for row in report:
                assert row["allocated"] == row["original_estimate"] + row["adjustments"]
                assert all(type(row[k]) is int for k in ("lines", "original_estimate", "adjustments", "allocated"))
            # one row per category × source of the catalogues, zeros included
            assert len(report) == int(scalar(demo_db, "SELECT COUNT(*) FROM categories")) * int(
                scalar(demo_db, "SELECT COUNT(*) FROM sources")
            )


def test_overview_unit_filter_within_scope(demo_db, actors):
    byt = subtree_codes(demo_db, "BYT")
    assert {"BYT", "BYT-TT", "BYT-VP", "BYT-KCB"} <= byt
    report = overview(demo_db, actors["leader"], OverviewFilters(year=2026, unit_code="BYT"))
    assert overview_sums(report) == expected_overview(demo_db, byt, 2026)
    report = overview(demo_db, actors["officer"], OverviewFilters(year=2026, unit_code="BYT"))
    assert overview_sums(report) == expected_overview(demo_db, {"BYT-TT"}, 2026)


def test_overview_follows_new_adjustments(demo_db, actors):
    from ledger.services.budget import add_line, adjust_line

    line = add_line(
        demo_db,
        actors["officer"],
        code="TT-OV-01",
        year=2025,
        unit_code="BYT-TT",
        description="Thăm dò dư luận",
        category="CNTT",
        source="NSNN",
        original_estimate=300_000_000,
    )
    before = overview_sums(overview(demo_db, actors["leader"], OverviewFilters(year=2025)))[("CNTT", "NSNN")]
    adjust_line(demo_db, actors["officer"], line.id, -45_000_000, "01/03/2025", "40/QĐ-BYT")
    after = overview_sums(overview(demo_db, actors["leader"], OverviewFilters(year=2025)))[("CNTT", "NSNN")]
    assert after == (before[0], before[1], before[2] - 45_000_000)
    assert after == expected_overview(demo_db, None, 2025)[("CNTT", "NSNN")]


# --- passwords and sign-in --------------------------------------------------------------------


def test_passwords_are_stored_as_argon2_hashes(demo_db, actors):
    create_user(demo_db, actors["admin"], "ketoan.moi", "officer", "Mat-Khau-Rat-Rieng", unit_code="BYT-TT")
    stored = scalar(demo_db, "SELECT password_hash FROM users WHERE username = 'ketoan.moi'")
    assert stored.startswith("$argon2id$")
    assert "Mat-Khau-Rat-Rieng" not in stored
    # the audit trail records a fingerprint of the hash, never the hash or the password
    event = last_event(demo_db)
    assert event["action"] == "user.create"
    assert stored not in event["after"] and "Mat-Khau-Rat-Rieng" not in event["after"]
    assert "password_hash" not in json.loads(event["after"])
    for (digest,) in rows(demo_db, "SELECT password_hash FROM users"):
        assert digest.startswith("$argon2")


def test_sign_in(demo_db):
    actor = sign_in(demo_db, "officer", "demo")
    assert (actor.username, actor.role, actor.unit_id) == ("officer", "officer", unit_id(demo_db, "BYT-TT"))
    assert sign_in(demo_db, "  Officer ", "demo").username == "officer"


def test_wrong_password_and_unknown_user_get_the_same_refusal(demo_db):
    with pytest.raises(AuthenticationFailed) as wrong:
        sign_in(demo_db, "officer", "not-the-password")
    with pytest.raises(AuthenticationFailed) as unknown:
        sign_in(demo_db, "khong-ton-tai", "demo")
    with pytest.raises(AuthenticationFailed) as empty:
        sign_in(demo_db, "officer", "")
    for lang in ("vi", "en"):
        assert wrong.value.messages(lang) == unknown.value.messages(lang) == empty.value.messages(lang)
    assert wrong.value.messages("en") == ["Wrong username or password."]


def test_inactive_user_cannot_sign_in_nor_write(demo_db, actors):
    officer = actors["officer"]
    update_user(demo_db, actors["admin"], "officer", is_active=False)
    with pytest.raises(AuthenticationFailed) as inactive:
        sign_in(demo_db, "officer", "demo")
    with pytest.raises(AuthenticationFailed) as unknown:
        sign_in(demo_db, "khong-ton-tai", "demo")
    assert inactive.value.messages("vi") == unknown.value.messages("vi")
    from ledger.services.budget import add_line

    error = refused(
        demo_db,
        PermissionDenied,
        add_line,
        demo_db,
        officer,
        code="X-1",
        year=2026,
        unit_code="BYT-TT",
        description="x",
        category="KHAC",
        source="NSNN",
        original_estimate=1,
    )
    assert keys(error) == {"perm.inactive"}
    update_user(demo_db, actors["admin"], "officer", is_active=True)
    assert sign_in(demo_db, "officer", "demo").username == "officer"


def test_password_reset(demo_db, actors):
    reset_password(demo_db, actors["admin"], "officer", "mat-khau-moi")
    with pytest.raises(AuthenticationFailed):
        sign_in(demo_db, "officer", "demo")
    assert sign_in(demo_db, "officer", "mat-khau-moi").username == "officer"
    error = refused(demo_db, ValidationError, reset_password, demo_db, actors["admin"], "officer", "abc")
    assert keys(error) == {"user.password_short"}
    refused(demo_db, PermissionDenied, reset_password, demo_db, actors["officer"], "leader", "mat-khau-moi")


# --- administration is for administrators ----------------------------------------------------


@pytest.mark.parametrize("who", ["officer", "leader", "auditor"])
def test_non_admin_cannot_administer(demo_db, actors, who):
    actor = actors[who]
    attempts = [
        (create_user, (demo_db, actor, "nguoi.moi", "officer", "mat-khau-1"), {"unit_code": "BYT-TT"}),
        (create_unit, (demo_db, actor), {"code": "BYT-TT-X", "name": "Phòng X", "parent_code": "BYT-TT"}),
        (update_unit, (demo_db, actor, "BYT-TT"), {"name": "Tên mới"}),
        (create_policy, (demo_db, actor, "CS-MOI", "Chính sách mới", "BYT-TT"), {}),
        (open_year, (demo_db, actor, 2030), {}),
        (set_year_open, (demo_db, actor, 2025, False), {}),
        (update_user, (demo_db, actor, who), {"role": "admin"}),
    ]
    for call, args, kwargs in attempts:
        error = refused(demo_db, PermissionDenied, call, *args, **kwargs)
        assert keys(error) == {"perm.admin_only"}, call.__name__
    with pytest.raises(PermissionDenied):
        list_users(demo_db, actor)


def test_admin_creates_users_units_policies_and_years(demo_db, actors):
    admin = actors["admin"]
    events = count(demo_db, "audit_events")
    create_unit(demo_db, admin, code="BTC", name="Bộ Tài chính", kind="ministry", parent_code="QG", chapter_code="018")
    create_policy(demo_db, admin, "BTC-THUE", "Luật Thuế thu nhập cá nhân", "BTC")
    open_year(demo_db, admin, 2027)
    create_user(demo_db, admin, "ketoan.btc", "officer", "mat-khau-btc", unit_code="BTC")
    assert count(demo_db, "audit_events") == events + 4
    assert [r[0] for r in rows(demo_db, "SELECT actor FROM audit_events WHERE seq > :s", s=events)] == ["admin"] * 4
    assert sign_in(demo_db, "ketoan.btc", "mat-khau-btc").unit_id == unit_id(demo_db, "BTC")
    usernames = {u.username: u for u in list_users(demo_db, admin)}
    assert usernames["ketoan.btc"].unit_code == "BTC"


def test_user_input_is_checked(demo_db, actors):
    admin = actors["admin"]
    error = refused(
        demo_db, ValidationError, create_user, demo_db, admin, "officer", "officer", "mat-khau", unit_code="BYT-TT"
    )
    assert keys(error) == {"user.exists", "user.password_short"}  # issue 10: 12 characters at least
    error = refused(
        demo_db, ValidationError, create_user, demo_db, admin, "Tên Có Dấu", "boss", "abc", unit_code="KHONG-CO"
    )
    assert keys(error) == {"user.username", "user.role", "unit.unknown", "user.password_short"}
    error = refused(demo_db, ValidationError, create_user, demo_db, admin, "khong.donvi", "leader", "mat-khau-dai-so-1")
    assert keys(error) == {"user.unit_required"}


def test_last_active_admin_cannot_be_deactivated_or_demoted(demo_db, actors):
    admin = actors["admin"]
    error = refused(demo_db, ValidationError, update_user, demo_db, admin, "admin", is_active=False)
    assert keys(error) == {"user.last_admin"}
    error = refused(demo_db, ValidationError, update_user, demo_db, admin, "admin", role="leader", unit_code="QG")
    assert keys(error) == {"user.last_admin"}

    # an inactive second administrator does not count
    create_user(demo_db, admin, "quantri2", "admin", "mat-khau-dai-so-2")
    update_user(demo_db, admin, "quantri2", is_active=False)
    error = refused(demo_db, ValidationError, update_user, demo_db, admin, "admin", is_active=False)
    assert keys(error) == {"user.last_admin"}

    # with another active administrator, the first may step down
    update_user(demo_db, admin, "quantri2", is_active=True)
    update_user(demo_db, admin, "admin", role="auditor", unit_code="QG")
    assert tuple(rows(demo_db, "SELECT role, is_active FROM users WHERE username = 'admin'")[0]) in {
        ("auditor", True),
        ("auditor", 1),
    }
    # ... and is no longer an administrator for the ledger
    refused(demo_db, PermissionDenied, create_unit, demo_db, admin, code="X", name="X", parent_code="QG")
    second = actor_of(demo_db, "quantri2")
    error = refused(demo_db, ValidationError, update_user, demo_db, second, "quantri2", is_active=False)
    assert keys(error) == {"user.last_admin"}


def test_bootstrap_admin_only_on_an_empty_ledger(db):
    assert count(db, "users") == 0
    actor = bootstrap_admin(db, "quantri", "mat-khau-dai-so-1", "Quản trị viên", current_year=2026)
    assert (actor.username, actor.role, actor.unit_id) == ("quantri", "admin", None)
    assert rows(db, "SELECT year FROM fiscal_years") == [(2026,)]
    assert [r[0] for r in rows(db, "SELECT action FROM audit_events ORDER BY seq")] == [
        "user.create",
        "fiscal_year.open",
    ]
    assert sign_in(db, "quantri", "mat-khau-dai-so-1") == actor

    error = refused(db, ValidationError, bootstrap_admin, db, "quantri2", "mat-khau-2")
    assert keys(error) == {"auth.setup_done"}


def test_bootstrap_admin_refused_on_the_demo(demo_db):
    error = refused(demo_db, ValidationError, bootstrap_admin, demo_db, "chiemquyen", "mat-khau-1")
    assert keys(error) == {"auth.setup_done"}
