"""The communication team (letter 837, item 1): staff register, assignments, attendance lists, course
topics and coverage, on SQLite and PostgreSQL; and the team screen through AppTest for each role.

The demo officer writes for BYT-TT (no subordinate units); the leader and the auditor read QG, the
whole ledger. Courses are added by the tests on the demo's training lines, so their figures do not
depend on the demo's own courses; coverage is checked against SQL written here.
"""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import app_errors, app_metric, app_successes, start_app
from ledger_testkit import count, keys, last_event, refused, rows, scalar

from ledger.domain import codes
from ledger.domain.errors import NotFound, PermissionDenied, ValidationError
from ledger.domain.team import course_participants, is_active, months_before, per_person, training_window
from ledger.i18n import t
from ledger.queries import team as reads
from ledger.reports.coverage import course_participants_expression, coverage, coverage_trend
from ledger.services import commitments, team
from ledger.services.budget import add_line
from ledger.store.access import SYSTEM
from ledger.store.models import Commitment
from ledger.store.verify import verify

D = dt.date(2026, 6, 30)  # a day every assignment below holds on


# --- helpers --------------------------------------------------------------------------------------


def training_line(db, unit: str, year: int) -> int:
    """The unit's first NSNN training line of the year; one is added for a unit the demo gives none."""
    found = rows(
        db,
        "SELECT l.id FROM budget_lines l JOIN units u ON u.id = l.unit_id WHERE u.code = :u AND l.year = :y"
        " AND l.category_code = 'DAO_TAO' AND l.source_code = 'NSNN' ORDER BY l.id",
        u=unit, y=year,
    )
    if found:
        return int(found[0][0])
    line = add_line(
        db, SYSTEM, code=f"{unit}-{year % 100}-T9", year=year, unit_code=unit, description="Tập huấn truyền thông chính sách",
        category="DAO_TAO", source="NSNN", sector_code="070-085", sub_item="6757", original_estimate=500_000_000,
    )
    return line.id


def course(db, reference: str, end: dt.date, *, unit: str = "BYT-TT", topic: str | None = "KHUNG_HOANG", cost: int = 1_000_000, signed: bool = True) -> int:
    """A course of ``unit`` ending on ``end`` (two days long), signed unless told otherwise."""
    made = commitments.create_course(
        db, SYSTEM, year=end.year, reference=reference, line=training_line(db, unit, end.year), title=f"Tập huấn {reference}",
        start_date=end - dt.timedelta(days=2), end_date=end, participants=40, cost=cost, stage="THUC_THI",
    )
    if signed:
        commitments.sign(db, SYSTEM, made.id, min(end - dt.timedelta(days=5), dt.date.today()))
    if topic:
        team.set_course_topic(db, SYSTEM, made.id, topic)
    return made.id


def person(db, actor, code: str, unit: str = "BYT-TT", role: str = "TRUYEN_THONG", mode: str = "CHUYEN_TRACH", start=dt.date(2024, 1, 1), **more):
    return team.record_staff_row(db, actor, code, f"Nguyễn Văn {code}", unit, role, mode, start, **more)


def trained(db, member: str, course_id: int, completed: bool = True) -> None:
    team.add_participant(db, SYSTEM, course_id, member, completed, f"CC-{member}-{course_id}" if completed else "")


# --- the rules, no database -----------------------------------------------------------------------


def test_code_lists_are_the_specs():
    assert list(codes.STAFF_ROLES) == ["PHAT_NGON", "UY_QUYEN_PHAT_NGON", "TRUYEN_THONG", "KHUNG_HOANG"]
    assert codes.STAFF_ROLES["KHUNG_HOANG"] == ("Đầu mối xử lý khủng hoảng truyền thông", "Crisis contact")
    assert codes.ASSIGNMENT_MODES == {"CHUYEN_TRACH": ("Chuyên trách", "Dedicated"), "KIEM_NHIEM": ("Kiêm nhiệm", "Part-time")}
    assert list(codes.COURSE_TOPICS) == ["TRUYEN_THONG_CS", "KHUNG_HOANG", "PHAT_NGON", "CONG_NGHE", "KHAC"]
    assert codes.COURSE_TOPICS["CONG_NGHE"] == ("Công nghệ, rà quét, phân tích", "Technology and monitoring")
    assert codes.COMPLETED == {"CO": ("Có", "Yes"), "KHONG": ("Không", "No")}


def test_the_24_month_window_and_its_exact_boundary_day():
    assert training_window(dt.date(2026, 12, 1)) == (dt.date(2024, 12, 2), dt.date(2026, 12, 1))
    assert training_window(dt.date(2028, 2, 29)) == (dt.date(2026, 3, 1), dt.date(2028, 2, 29))  # 28/02/2026 + 1
    assert months_before(dt.date(2026, 3, 31), 1) == dt.date(2026, 2, 28)
    assert months_before(dt.date(2026, 1, 15), 24) == dt.date(2024, 1, 15)


def test_activity_participants_and_per_person():
    assert is_active(dt.date(2026, 1, 1), None, dt.date(2026, 1, 1))
    assert is_active(dt.date(2026, 1, 1), dt.date(2026, 1, 1), dt.date(2026, 1, 1))
    assert not is_active(dt.date(2026, 1, 2), None, dt.date(2026, 1, 1))
    assert not is_active(dt.date(2025, 1, 1), dt.date(2025, 12, 31), dt.date(2026, 1, 1))
    assert course_participants(0, 40) == 40 and course_participants(3, 40) == 3 and course_participants(0, None) is None
    assert per_person(1_000_000, 3) == 333_333 and per_person(5, 0) is None and per_person(5, None) is None


# --- writing the register -------------------------------------------------------------------------


def test_officer_adds_people_and_assignments_with_audit(demo_db, actors):
    officer = actors["officer"]
    first = person(demo_db, officer, "TT-001", role="PHAT_NGON", position="Vụ trưởng", decision="12/QĐ-BYT")
    assert count(demo_db, "staff_members") == 1 and count(demo_db, "staff_assignments") == 1
    assert last_event(demo_db)["action"] == "staff_assignment.create"
    assert rows(demo_db, "SELECT action FROM audit_events ORDER BY seq DESC LIMIT 2")[1][0] == "staff_member.create"
    # a second role for the same person: the person is not added again
    team.record_staff_row(demo_db, officer, "TT-001", "Nguyễn Văn TT-001", "BYT-TT", "KHUNG_HOANG", "KIEM_NHIEM", dt.date(2025, 1, 1))
    assert count(demo_db, "staff_members") == 1 and count(demo_db, "staff_assignments") == 2
    member = rows(demo_db, "SELECT code, full_name, unit_id FROM staff_members")[0]
    assert member[0] == "TT-001" and first.position == "Vụ trưởng"
    with demo_db.read() as session:
        assert verify(session).ok


def test_applying_a_row_twice_changes_nothing_and_an_end_date_ends_it(demo_db, actors):
    officer = actors["officer"]
    person(demo_db, officer, "TT-002")
    events = count(demo_db, "audit_events")
    person(demo_db, officer, "TT-002")
    assert count(demo_db, "audit_events") == events and count(demo_db, "staff_assignments") == 1
    person(demo_db, officer, "TT-002", end_date=dt.date(2026, 3, 31))
    assert rows(demo_db, "SELECT end_date FROM staff_assignments")[0][0] in (dt.date(2026, 3, 31), "2026-03-31")
    assert last_event(demo_db)["action"] == "staff_assignment.end"
    events = count(demo_db, "audit_events")
    person(demo_db, officer, "TT-002", end_date=dt.date(2026, 3, 31))  # the ended row again: nothing
    assert count(demo_db, "audit_events") == events and count(demo_db, "staff_assignments") == 1


def test_verify_names_a_register_row_changed_behind_the_ledgers_back(demo_db, actors):
    person(demo_db, actors["officer"], "TT-009", role="PHAT_NGON")
    with demo_db.engine.begin() as connection:
        from sqlalchemy import text

        connection.execute(text("UPDATE staff_assignments SET mode = 'KIEM_NHIEM'"))
    with demo_db.read() as session:
        result = verify(session)
    assert not result.ok and "staff_assignment" in result.reason


def test_a_name_that_does_not_match_the_code_is_refused(demo_db, actors):
    person(demo_db, actors["officer"], "TT-003")
    error = refused(demo_db, ValidationError, team.record_staff_row, demo_db, actors["officer"], "TT-003", "Trần Thị Khác", "BYT-TT", "TRUYEN_THONG", "CHUYEN_TRACH", dt.date(2025, 1, 1))
    assert keys(error) == {"team.name_differs"}


def test_an_assignment_ending_before_it_starts_is_refused(demo_db, actors):
    officer = actors["officer"]
    error = refused(demo_db, ValidationError, person, demo_db, officer, "TT-004", start=dt.date(2026, 5, 2), end_date=dt.date(2026, 5, 1))
    assert keys(error) == {"team.end_before_start"}
    assignment = person(demo_db, officer, "TT-004", start=dt.date(2026, 5, 2))
    error = refused(demo_db, ValidationError, team.end_assignment, demo_db, officer, assignment.id, dt.date(2026, 5, 1))
    assert keys(error) == {"team.end_before_start"}
    team.end_assignment(demo_db, officer, assignment.id, dt.date(2026, 5, 2))  # its first day is its last: allowed
    error = refused(demo_db, ValidationError, team.end_assignment, demo_db, officer, assignment.id, dt.date(2026, 6, 1))
    assert keys(error) == {"team.already_ended"}
    assert count(demo_db, "staff_assignments") == 1  # nothing deleted


def test_unknown_role_and_assignment_codes_are_refused_together(demo_db, actors):
    error = refused(demo_db, ValidationError, person, demo_db, actors["officer"], "TT-005", role="BAO_CHI", mode="PART_TIME_X", start="31/02/2026")
    assert keys(error) == {"team.code_unknown", "date.invalid"}
    assert {p.field for p in error.problems} == {"role", "mode", "start_date"}
    role_problem = next(p for p in error.problems if p.field == "role")
    assert "BAO_CHI" in role_problem.message("vi") and "PHAT_NGON (Người phát ngôn)" in role_problem.message("en")
    # labels in either language name their code
    assignment = person(demo_db, actors["officer"], "TT-005", role="Spokesperson", mode="kiêm nhiệm")
    assert (assignment.role, assignment.mode) == ("PHAT_NGON", "KIEM_NHIEM")


def test_a_double_entry_of_an_open_assignment_is_refused(demo_db, actors):
    assignment = person(demo_db, actors["officer"], "TT-006")
    error = refused(demo_db, ValidationError, team.add_assignment, demo_db, actors["officer"], "TT-006", "BYT-TT", "TRUYEN_THONG", "KIEM_NHIEM", dt.date(2024, 1, 1))
    assert keys(error) == {"team.assignment_exists"}
    team.end_assignment(demo_db, actors["officer"], assignment.id, dt.date(2024, 1, 1))
    correction = team.add_assignment(demo_db, actors["officer"], "TT-006", "BYT-TT", "TRUYEN_THONG", "KIEM_NHIEM", dt.date(2024, 1, 1))
    assert correction.id != assignment.id and count(demo_db, "staff_assignments") == 2


def test_an_officer_writing_for_another_unit_is_refused(demo_db, actors):
    officer = actors["officer"]
    error = refused(demo_db, PermissionDenied, person, demo_db, officer, "HNI-001", unit="HNI")
    assert keys(error) == {"perm.outside_unit"}
    person(demo_db, SYSTEM, "HNI-001", unit="HNI")
    assignment_id = scalar(demo_db, "SELECT id FROM staff_assignments")
    refused(demo_db, NotFound, team.end_assignment, demo_db, officer, assignment_id, dt.date(2026, 6, 1))
    error = refused(demo_db, ValidationError, team.add_assignment, demo_db, officer, "HNI-001", "BYT-TT", "TRUYEN_THONG", "KIEM_NHIEM", dt.date(2026, 1, 1))
    assert keys(error) == {"team.member_unknown"}  # a person outside the scope is as unknown as none
    hni_course = course(demo_db, "KH-HNI-T1", dt.date(2026, 5, 20), unit="HNI")
    refused(demo_db, NotFound, team.set_course_topic, demo_db, officer, hni_course, "KHAC")
    refused(demo_db, NotFound, team.add_participant, demo_db, officer, hni_course, "HNI-001")


@pytest.mark.parametrize("role", ["leader", "auditor"])
def test_leaders_and_auditors_write_nothing(demo_db, actors, role):
    reader = actors[role]
    error = refused(demo_db, PermissionDenied, person, demo_db, reader, "QG-001")
    assert keys(error) == {"perm.read_only"}
    refused(demo_db, PermissionDenied, team.add_member, demo_db, reader, "QG-002", "Lê Văn B", "BYT-TT")
    assignment = person(demo_db, SYSTEM, "TT-010")
    course_id = course(demo_db, "KH-TT-R1", dt.date(2026, 5, 20))
    refused(demo_db, PermissionDenied, team.end_assignment, demo_db, reader, assignment.id, dt.date(2026, 6, 1))
    refused(demo_db, PermissionDenied, team.add_assignment, demo_db, reader, "TT-010", "BYT-TT", "PHAT_NGON", "KIEM_NHIEM", dt.date(2026, 1, 1))
    refused(demo_db, PermissionDenied, team.set_course_topic, demo_db, reader, course_id, "KHAC")
    refused(demo_db, PermissionDenied, team.add_participant, demo_db, reader, course_id, "TT-010")
    participant = team.add_participant(demo_db, SYSTEM, course_id, "TT-010")
    refused(demo_db, PermissionDenied, team.set_completion, demo_db, reader, participant.id, True, "CC-1")
    # but they read it
    assert [r.member_code for r in reads.register(demo_db, reader)] == ["TT-010"]
    assert coverage(demo_db, reader, "QG", D).people == 1


def test_administrators_manage_and_read_nothing_of_the_team(demo_db, actors):
    admin = actors["admin"]
    error = refused(demo_db, PermissionDenied, person, demo_db, admin, "AD-001")
    assert keys(error) == {"team.admin_none"}
    assignment = person(demo_db, SYSTEM, "TT-011")
    course_id = course(demo_db, "KH-TT-A1", dt.date(2026, 5, 20))
    for call, args in [(team.end_assignment, (assignment.id, dt.date(2026, 6, 1))), (team.set_course_topic, (course_id, "KHAC")),
                       (team.add_participant, (course_id, "TT-011")), (team.add_member, ("AD-002", "Lê Văn C", "BYT-TT"))]:
        assert keys(refused(demo_db, PermissionDenied, call, demo_db, admin, *args)) == {"team.admin_none"}
    with pytest.raises(PermissionDenied) as info:
        coverage(demo_db, admin, "QG", D)
    assert keys(info.value) == {"team.admin_none"}
    with pytest.raises(PermissionDenied):
        reads.register(demo_db, admin)


# --- attendance lists and topics ------------------------------------------------------------------


def test_a_participant_outside_the_courses_subtree_is_refused(demo_db, actors):
    person(demo_db, SYSTEM, "BYT-001", unit="BYT")  # the ministry: above BYT-TT, not under it
    person(demo_db, SYSTEM, "TT-020")
    tt_course = course(demo_db, "KH-TT-P1", dt.date(2026, 5, 20))
    error = refused(demo_db, ValidationError, team.add_participant, demo_db, SYSTEM, tt_course, "BYT-001")
    assert keys(error) == {"team.participant_outside"}
    ministry_course = course(demo_db, "KH-BYT-P1", dt.date(2026, 5, 20), unit="BYT")
    team.add_participant(demo_db, SYSTEM, ministry_course, "TT-020")  # BYT-TT is in the ministry's subtree
    team.add_participant(demo_db, SYSTEM, ministry_course, "BYT-001")
    assert count(demo_db, "course_participants") == 2


def test_the_same_person_twice_on_one_course_is_refused(demo_db, actors):
    officer = actors["officer"]
    person(demo_db, officer, "TT-021")
    course_id = course(demo_db, "KH-TT-P2", dt.date(2026, 5, 20))
    team.add_participant(demo_db, officer, course_id, "TT-021")
    assert last_event(demo_db)["action"] == "course_participant.create"
    error = refused(demo_db, ValidationError, team.add_participant, demo_db, officer, course_id, "TT-021", True)
    assert keys(error) == {"team.participant_twice"}


def test_completion_certificate_and_topic(demo_db, actors):
    officer = actors["officer"]
    person(demo_db, officer, "TT-022")
    course_id = course(demo_db, "KH-TT-P3", dt.date(2026, 5, 20), topic=None)
    participant = team.add_participant(demo_db, officer, course_id, "TT-022")
    error = refused(demo_db, ValidationError, team.set_completion, demo_db, officer, participant.id, "KHONG", "CC-9")
    assert keys(error) == {"team.certificate_not_completed"}
    refused(demo_db, ValidationError, team.set_completion, demo_db, officer, participant.id, "MAYBE")
    team.set_completion(demo_db, officer, participant.id, "CO", "CC-22")
    assert rows(demo_db, "SELECT completed, certificate_no FROM course_participants")[0] == (True, "CC-22")
    assert last_event(demo_db)["action"] == "course_participant.update"
    error = refused(demo_db, ValidationError, team.set_course_topic, demo_db, officer, course_id, "BOI_DUONG")
    assert keys(error) == {"team.code_unknown"}
    team.set_course_topic(demo_db, officer, course_id, "Crisis communication")
    assert scalar(demo_db, "SELECT topic FROM commitments WHERE id = :i", i=course_id) == "KHUNG_HOANG"
    assert last_event(demo_db)["action"] == "commitment.topic"
    with demo_db.read() as session:
        assert verify(session).ok
    history = reads.member_history(demo_db, officer, "TT-022")
    assert [(c.reference, c.topic, c.completed, c.certificate_no) for c in history.courses] == [("KH-TT-P3", "KHUNG_HOANG", True, "CC-22")]


def test_a_participants_row_by_course_code_applied_twice_changes_nothing(demo_db, actors):
    officer = actors["officer"]
    person(demo_db, officer, "TT-025")
    course(demo_db, "KH-TT-W1", dt.date(2026, 5, 20))
    team.record_participant_row(demo_db, officer, "KH-TT-W1", 2026, "TT-025", "", "CC-25")  # blank: completed
    assert rows(demo_db, "SELECT completed, certificate_no FROM course_participants")[0] == (True, "CC-25")
    events = count(demo_db, "audit_events")
    team.record_participant_row(demo_db, officer, "KH-TT-W1", "2026", "TT-025", "CO", "CC-25")
    assert count(demo_db, "audit_events") == events and count(demo_db, "course_participants") == 1
    team.record_participant_row(demo_db, officer, "KH-TT-W1", 2026, "TT-025", "KHONG")
    assert rows(demo_db, "SELECT completed, certificate_no FROM course_participants")[0] == (False, "")
    refused(demo_db, NotFound, team.record_participant_row, demo_db, officer, "KH-TT-W1", 2025, "TT-025")


def test_a_course_with_a_list_counts_its_list(demo_db, actors):
    for code in ("TT-030", "TT-031", "TT-032"):
        person(demo_db, SYSTEM, code)
    course_id = course(demo_db, "KH-TT-L1", dt.date(2026, 5, 20), cost=9_000_000)
    listed = next(c for c in reads.courses(demo_db, actors["officer"], 2026) if c.id == course_id)
    assert (listed.listed, listed.participants, listed.cost_per_participant) == (0, 40, 225_000)  # the declared 40
    for code in ("TT-030", "TT-031", "TT-032"):
        team.add_participant(demo_db, SYSTEM, course_id, code, code != "TT-032")
    listed = next(c for c in reads.courses(demo_db, actors["officer"], 2026) if c.id == course_id)
    assert (listed.listed, listed.completed, listed.participants, listed.cost_per_participant) == (3, 2, 3, 3_000_000)
    from sqlalchemy import select

    with demo_db.read() as session:
        assert session.scalar(select(course_participants_expression()).where(Commitment.id == course_id)) == 3


# --- coverage -------------------------------------------------------------------------------------


def test_coverage_counts_people_once_and_flags_units(demo_db, actors):
    person(demo_db, SYSTEM, "TT-040", role="PHAT_NGON", mode="KIEM_NHIEM")
    person(demo_db, SYSTEM, "TT-040", role="TRUYEN_THONG", mode="CHUYEN_TRACH")  # dedicated wins
    person(demo_db, SYSTEM, "TT-041", mode="KIEM_NHIEM")
    person(demo_db, SYSTEM, "TT-042", start=dt.date(2026, 7, 1))  # not yet on D
    person(demo_db, SYSTEM, "TT-043", end_date=dt.date(2026, 6, 29))  # no longer on D
    person(demo_db, SYSTEM, "KCB-001", unit="BYT-KCB", role="KHUNG_HOANG", mode="KIEM_NHIEM")
    found = coverage(demo_db, actors["leader"], "BYT", D)
    assert (found.people, found.dedicated, found.part_time) == (3, 1, 2)
    by_unit = {u.code: u for u in found.units}
    assert (by_unit["BYT-TT"].people, by_unit["BYT-TT"].dedicated, by_unit["BYT-TT"].has_spokesperson) == (2, 1, True)
    assert [u.code for u in found.without_spokesperson] == ["BYT", "BYT-KCB", "BYT-VP"]
    assert [u.code for u in found.without_dedicated] == ["BYT", "BYT-KCB", "BYT-VP"]
    national = coverage(demo_db, actors["leader"], "QG", D)
    assert "QG" not in {u.code for u in national.without_spokesperson}  # the roll-up is no agency
    assert national.people == 3
    officer_view = coverage(demo_db, actors["officer"], "BYT-TT", D)
    assert (officer_view.people, [u.code for u in officer_view.units]) == (2, ["BYT-TT"])
    with pytest.raises(NotFound):
        coverage(demo_db, actors["officer"], "BYT", D)


def test_coverage_counts_a_person_trained_twice_once(demo_db, actors):
    person(demo_db, SYSTEM, "TT-050")
    person(demo_db, SYSTEM, "TT-051")
    first = course(demo_db, "KH-TT-C1", dt.date(2026, 3, 20), cost=4_000_000)
    second = course(demo_db, "KH-TT-C2", dt.date(2026, 5, 20), cost=2_000_000)
    policy = course(demo_db, "KH-TT-C3", dt.date(2026, 4, 20), topic="TRUYEN_THONG_CS", cost=1_000_000)
    draft = course(demo_db, "KH-TT-C4", dt.date(2026, 4, 25), signed=False)
    trained(demo_db, "TT-050", first)
    trained(demo_db, "TT-050", second)
    trained(demo_db, "TT-050", policy)
    trained(demo_db, "TT-051", second, completed=False)
    trained(demo_db, "TT-051", draft)  # a draft course did not take place
    found = coverage(demo_db, actors["leader"], "BYT-TT", D)
    assert (found.trained_crisis, found.trained_policy, found.trained_people) == (1, 1, 1)
    first_day, _ = training_window(D)
    cost = scalar(
        demo_db,
        "SELECT SUM(CASE c.status WHEN 'signed' THEN c.value WHEN 'closed' THEN COALESCE(c.final_value, 0) ELSE 0 END)"
        " FROM commitments c JOIN budget_lines l ON l.id = c.line_id JOIN units u ON u.id = l.unit_id"
        " WHERE c.kind = 'course' AND u.code = 'BYT-TT' AND c.end_date >= :a AND c.end_date <= :b",
        a=first_day, b=D,
    )
    assert found.training_cost == int(cost) and found.cost_per_trained == int(cost)
    assert {u.code: u.trained_crisis for u in found.units} == {"BYT-TT": 1}


def test_trained_within_the_last_24_months_at_its_exact_boundary_day(demo_db, actors):
    day = dt.date(2027, 3, 10)
    person(demo_db, SYSTEM, "TT-060")
    person(demo_db, SYSTEM, "TT-061")
    trained(demo_db, "TT-060", course(demo_db, "KH-TT-B1", dt.date(2025, 3, 10)))  # 24 months before: out
    trained(demo_db, "TT-061", course(demo_db, "KH-TT-B2", dt.date(2025, 3, 11)))  # the first day in
    assert coverage(demo_db, actors["leader"], "BYT-TT", day).trained_crisis == 1
    assert coverage(demo_db, actors["leader"], "BYT-TT", day - dt.timedelta(days=1)).trained_crisis == 2
    assert coverage(demo_db, actors["leader"], "BYT-TT", day + dt.timedelta(days=1)).trained_crisis == 0
    # a course ending after the day is not counted yet
    assert coverage(demo_db, actors["leader"], "BYT-TT", dt.date(2025, 3, 10)).trained_crisis == 1
    assert coverage(demo_db, actors["leader"], "BYT-TT", dt.date(2025, 3, 9)).trained_crisis == 0


def test_coverage_trend_by_year(demo_db, actors):
    person(demo_db, SYSTEM, "TT-070", role="PHAT_NGON", start=dt.date(2025, 6, 1))
    person(demo_db, SYSTEM, "TT-071", start=dt.date(2026, 2, 1))
    trend = coverage_trend(demo_db, actors["leader"], "BYT-TT", [2024, 2025, 2026, 2027], today=dt.date(2026, 11, 30))
    assert [(y.year, y.on, y.people, y.without_spokesperson) for y in trend] == [
        (2024, dt.date(2024, 12, 31), 0, 1),
        (2025, dt.date(2025, 12, 31), 1, 0),
        (2026, dt.date(2026, 11, 30), 2, 0),
    ]


def test_register_filters(demo_db, actors):
    person(demo_db, SYSTEM, "TT-080", role="PHAT_NGON")
    team.record_staff_row(demo_db, SYSTEM, "TT-081", "Trần Thị Hương", "BYT-TT", "KHUNG_HOANG", "KIEM_NHIEM", dt.date(2026, 7, 1))
    person(demo_db, SYSTEM, "HCM-001", unit="HCM")
    leader = actors["leader"]
    assert [r.member_code for r in reads.register(demo_db, leader, search="huong")] == ["TT-081"]
    assert [r.member_code for r in reads.register(demo_db, leader, unit_code="BYT")] == ["TT-080", "TT-081"]
    assert [r.member_code for r in reads.register(demo_db, leader, role="PHAT_NGON")] == ["TT-080"]
    assert [r.member_code for r in reads.register(demo_db, leader, active_on=D)] == ["TT-080", "HCM-001"]  # by unit, then code
    assert [r.member_code for r in reads.register(demo_db, actors["officer"])] == ["TT-080", "TT-081"]


# --- the screen, for each role --------------------------------------------------------------------

PAGE = "pages/team.py"


def test_officer_adds_an_assignment_on_the_screen(app_ledger):
    at = start_app(app_ledger, "officer", PAGE)
    assert at.title[0].value == t("ui.page_team")
    at.text_input(key="tm_code").input("TT-900")
    at.text_input(key="tm_name").input("Phạm Thu Trang")
    at.selectbox(key="tm_role").select("PHAT_NGON")
    at.text_input(key="tm_decision").input("45/QĐ-BYT")
    next(b for b in at.button if b.label == t("ui.team_add")).click().run()
    assert not app_errors(at)
    assert t("ui.team_added", code="TT-900", role="Người phát ngôn") in app_successes(at)
    assert rows(app_ledger, "SELECT m.code, a.role, a.mode, a.decision FROM staff_assignments a JOIN staff_members m ON m.id = a.member_id") == [
        ("TT-900", "PHAT_NGON", "CHUYEN_TRACH", "45/QĐ-BYT")
    ]
    # the same code with another name: the service's sentence, nothing written
    at.text_input(key="tm_code").input("TT-900")
    at.text_input(key="tm_name").input("Người Khác")
    next(b for b in at.button if b.label == t("ui.team_add")).click().run()
    assert any("TT-900" in e for e in app_errors(at)) and count(app_ledger, "staff_assignments") == 1
    # nothing of another unit's team reaches the officer's screen
    person(app_ledger, SYSTEM, "HNI-777", unit="HNI")
    at.run()
    shown = " ".join(str(df.value.to_dict()) for df in at.dataframe) + " ".join(str(s.options) for s in at.selectbox)
    assert "TT-900" in shown and "HNI-777" not in shown
    at.radio(key="tm_section").set_value("ui.team_tab_courses").run()
    assert all("BYT-TT" in option for option in at.selectbox(key="tm_course").options)


@pytest.mark.parametrize("role", ["leader", "auditor"])
def test_readers_see_the_coverage_and_no_forms(app_ledger, role):
    person(app_ledger, SYSTEM, "TT-910", role="PHAT_NGON")
    at = start_app(app_ledger, role, PAGE)
    assert not app_errors(at)
    assert app_metric(at, t("ui.cov_people")) == "1"
    assert not [b for b in at.button if b.label in (t("ui.team_add"), t("ui.team_end"), t("ui.team_add_participant"))]
    assert at.radio(key="tm_section").value == "ui.team_tab_coverage"  # readers come for the coverage
    at.radio(key="tm_section").set_value("ui.team_tab_courses").run()
    assert not app_errors(at) and at.selectbox(key="tm_course").value is not None
    assert not [b for b in at.button if b.label in (t("ui.team_add_participant"), t("ui.team_mark"), t("ui.team_topic_save"))]


def test_administrator_sees_a_sentence_only(app_ledger):
    at = start_app(app_ledger, "admin", PAGE)
    assert [i.value for i in at.info] == [t("team.admin_none")]
    assert "tm_section" not in {r.key for r in at.radio}
