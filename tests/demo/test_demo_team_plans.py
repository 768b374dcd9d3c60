"""The command line's demo with its communication team and plans (``load_demo(team_and_plans=True)``,
issues 11 and 12, the demo items): every unit has a team and exactly one has no spokesperson; the
listed courses count their lists; exactly one large-impact policy has no plan; the demo's
commitments carry out activities, whose planned, committed and paid figures equal SQL written here;
the ledger's own figures are those of the plain demo; ``verify`` passes. On both backends.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from ledger_testkit import actor_of, rows, scalar

from ledger.demo.small import load_demo
from ledger.reports.coverage import coverage
from ledger.reports.dashboard import DashboardFilters, dashboard
from ledger.reports.plans import coverage_407, policy_page
from ledger.store.db import Database
from ledger.store.verify import verify

DAY = dt.date(2026, 12, 1)
HELD = "CASE WHEN c.status = 'signed' THEN c.value WHEN c.status = 'closed' THEN COALESCE(c.final_value, 0) ELSE 0 END"


@pytest.fixture
def both(templates, backend, monkeypatch):
    """The plain demo (the tests' template) and the command line's demo, loaded on the same day."""
    monkeypatch.setenv("LEDGER_TODAY", DAY.strftime("%d/%m/%Y"))
    plain = Database(templates.fresh_url(backend, demo=False))
    full = Database(templates.fresh_url(backend, demo=False))
    load_demo(plain, today=DAY)
    counts = load_demo(full, today=DAY, team_and_plans=True)
    yield plain, full, counts
    plain.dispose()
    full.dispose()


def test_every_unit_has_a_team_and_one_has_no_spokesperson(both):
    _plain, db, counts = both
    assert counts["staff_assignments"] > 0 and counts["course_participants"] > 0
    active = "a.start_date <= :d AND (a.end_date IS NULL OR a.end_date >= :d)"
    units = {r[0] for r in rows(db, "SELECT code FROM units")}
    staffed = {r[0] for r in rows(db, f"SELECT DISTINCT u.code FROM staff_assignments a JOIN units u ON u.id = a.unit_id WHERE {active}", d=DAY)}
    assert staffed == units
    speakers = {r[0] for r in rows(db, f"SELECT DISTINCT u.code FROM staff_assignments a JOIN units u ON u.id = a.unit_id WHERE {active} AND a.role = 'PHAT_NGON'", d=DAY)}
    assert units - speakers == {"BYT-KCB"}
    figures = coverage(db, actor_of(db, "leader"), "QG", DAY)
    assert [u.code for u in figures.without_spokesperson] == ["BYT-KCB"]
    people = scalar(db, f"SELECT COUNT(DISTINCT a.member_id) FROM staff_assignments a WHERE {active}", d=DAY)
    assert figures.people == people
    first = dt.date(2024, 12, 2)  # 24 months back from 01/12/2026, its first day
    for topic, shown in (("KHUNG_HOANG", figures.trained_crisis), ("TRUYEN_THONG_CS", figures.trained_policy)):
        trained = scalar(
            db,
            "SELECT COUNT(DISTINCT p.member_id) FROM course_participants p JOIN commitments c ON c.id = p.course_id"
            f" WHERE p.completed = :y AND c.topic = :t AND c.status IN ('signed', 'closed') AND c.end_date >= :f AND c.end_date <= :d"
            f" AND p.member_id IN (SELECT a.member_id FROM staff_assignments a WHERE {active})",
            y=True, t=topic, f=first, d=DAY,
        )
        assert shown == trained > 0, topic


def test_listed_courses_count_their_lists_and_nothing_else_moves(both):
    plain, db, _counts = both
    leader_plain, leader = actor_of(plain, "leader"), actor_of(db, "leader")
    for year in (2025, 2026):
        before, after = dashboard(plain, leader_plain, DashboardFilters(year=year)), dashboard(db, leader, DashboardFilters(year=year))
        training_before, training_after = before.training, after.training
        assert replace(after, training=training_before) == before, year  # rows in new tables and links to activities: the ledger's figures stay
        assert training_after.courses == training_before.courses and training_after.cost == training_before.cost
        participants = scalar(
            db,
            "SELECT COALESCE(SUM(COALESCE(NULLIF((SELECT COUNT(*) FROM course_participants p WHERE p.course_id = c.id), 0), c.participants)), 0)"
            " FROM commitments c WHERE c.kind = 'course' AND c.year = :y AND c.status IN ('signed', 'closed')",
            y=year,
        )
        assert training_after.participants == int(participants) < training_before.participants


def test_one_large_impact_policy_has_no_plan_and_the_commitments_carry_out_activities(both):
    _plain, db, counts = both
    leader = actor_of(db, "leader")
    figures = coverage_407(db, leader)
    assert [g.code for g in figures.gaps] == ["LUAT-DANSO"] and figures.policies > 1
    assert scalar(db, "SELECT COUNT(*) FROM communication_plans c JOIN policies p ON p.id = c.policy_id WHERE p.code = 'LUAT-DANSO'") == 0
    assert counts["linked_commitments"] == scalar(db, "SELECT COUNT(*) FROM commitments WHERE activity_id IS NOT NULL") > 0
    policies = [r[0] for r in rows(db, "SELECT DISTINCT p.code FROM communication_plans c JOIN policies p ON p.id = c.policy_id")]
    seen = 0
    for code in policies:
        page = policy_page(db, leader, code)
        assert page.profile.document_type is not None
        for plan in page.plans:
            for activity in plan.activities:
                committed = scalar(db, f"SELECT COALESCE(SUM({HELD}), 0) FROM commitments c WHERE c.activity_id = :a", a=activity.id)
                paid = scalar(db, "SELECT COALESCE(SUM(p.amount), 0) FROM payments p JOIN commitments c ON c.id = p.commitment_id WHERE c.activity_id = :a", a=activity.id)
                planned = scalar(db, "SELECT estimated_cost FROM plan_activities WHERE id = :a", a=activity.id)
                assert (activity.estimated_cost, activity.committed, activity.paid) == (int(planned), int(committed), int(paid))
                seen += activity.committed > 0
    assert seen > 3
    stages = {r[0] for r in rows(db, "SELECT DISTINCT stage FROM plan_activities")}
    assert {"DE_XUAT", "LAY_Y_KIEN_CS", "SOAN_THAO", "THUC_THI"} <= stages
    assert {r[0] for r in rows(db, "SELECT DISTINCT status FROM communication_plans")} == {"DU_THAO", "DA_DUYET", "HOAN_THANH"}
    assert scalar(db, "SELECT COUNT(*) FROM draft_comments") == counts["draft_comments"] > 0
    with db.read() as session:
        assert verify(session).ok


@pytest.mark.parametrize("role", ["leader", "officer"])
def test_the_leaders_dashboard_shows_coverage_and_the_407_figures(app_ledger, role):
    """Leaders get the team's coverage and Decision 407's share on the dashboard; officers do not."""
    from conftest import app_errors, start_app

    at = start_app(app_ledger, role, "pages/dashboard.py")
    assert app_errors(at) == []
    labels = {m.label for m in at.metric}
    shown = {"Người được phân công", "Số chính sách đạt / tổng số"} <= labels
    assert shown is (role == "leader")
    if role == "leader":
        people = scalar(app_ledger, "SELECT COUNT(DISTINCT member_id) FROM staff_assignments")
        assert next(m.value for m in at.metric if m.label == "Người được phân công") == str(people)
