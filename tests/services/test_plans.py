"""Communication plans (letter 837, item 2): policy timelines, draft comments, plans with versions,
activities, commitments naming activities, the plans' figures and the plans screen, on both backends.

The demo officer works in BYT-TT, the leader and the auditor at QG. Each rule of issue 12 is tested
at its boundary; refusals are checked to write nothing; figures are checked against SQL written here.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from ledger_testkit import actor_of, keys, refused, rows, scalar, unit_id

from ledger.domain.errors import NotFound, PermissionDenied, ValidationError
from ledger.domain.plan_rules import plan_actions
from ledger.domain.policy_stages import current_stage, out_of_order, spans
from ledger.reports.plans import coverage_407, policy_page
from ledger.services import plans as P
from ledger.services.policy_timeline import add_draft_comment, record_comment_response, set_policy_profile
from ledger.store.access import SYSTEM as SYSTEM_ACTOR

YEAR = 2026
POLICY = "LUAT-BHYT"  # owned by BYT; the officer's unit BYT-TT is below it


# --- pure rules -------------------------------------------------------------------------------------

def test_current_stage_is_the_last_started_by_the_day():
    starts = {"DE_XUAT": dt.date(2025, 2, 1), "SOAN_THAO": dt.date(2025, 6, 1), "BAN_HANH": dt.date(2026, 1, 1)}
    assert current_stage(starts, dt.date(2025, 1, 31)) is None
    assert current_stage(starts, dt.date(2025, 2, 1)) == "DE_XUAT"
    assert current_stage(starts, dt.date(2025, 5, 31)) == "DE_XUAT"
    assert current_stage(starts, dt.date(2025, 6, 1)) == "SOAN_THAO"
    assert current_stage(starts, dt.date(2026, 1, 1)) == "BAN_HANH"
    assert [(s.stage, s.end) for s in spans(starts)] == [("DE_XUAT", dt.date(2025, 6, 1)), ("SOAN_THAO", dt.date(2026, 1, 1)), ("BAN_HANH", None)]
    assert [s.coarse for s in spans(starts)] == ["HOACH_DINH", "HOACH_DINH", "BAN_HANH"]
    assert out_of_order(starts) == []
    assert out_of_order(starts | {"TRINH": dt.date(2025, 5, 31)}) == [("SOAN_THAO", "TRINH")]
    assert out_of_order(starts | {"TRINH": dt.date(2025, 6, 1)}) == []  # the same day is in order


def test_what_each_plan_status_allows():
    assert plan_actions("DU_THAO") == ("edit", "add_activity", "approve", "cancel")
    assert plan_actions("DA_DUYET") == ("new_version", "mark_done", "complete", "cancel")
    assert plan_actions("DA_DUYET", has_successor=True) == ("mark_done", "complete", "cancel")
    assert plan_actions("DA_DUYET", superseded=True) == ()
    assert plan_actions("HOAN_THANH") == () and plan_actions("DA_HUY") == ()


# --- helpers ----------------------------------------------------------------------------------------

def _line(db, unit: str, year: int, source: str = "NSNN") -> tuple[int, str]:
    found = rows(
        db,
        "SELECT b.id, b.code FROM budget_lines b JOIN units u ON u.id = b.unit_id"
        " WHERE u.code = :u AND b.year = :y AND b.source_code = :s ORDER BY b.id",
        u=unit, y=year, s=source,
    )
    assert found, (unit, year, source)
    return int(found[0][0]), found[0][1]


def _draft(db, officer, code: str = "KH-TL-26", policy: str = POLICY, unit: str = "BYT-TT"):
    return P.create_plan(db, officer, code=code, year=YEAR, unit_code=unit, policy=policy, title="Kế hoạch truyền thông phòng, chống tác hại thuốc lá 2026")


def _activity(**changes):
    data = {
        "code": "HD-01", "stage": "DE_XUAT", "content": "Đặt hàng loạt bài lấy ý kiến về đề xuất chính sách",
        "channel": "DAT_HANG_BAO_CHI", "audience": "Người dân", "start_on": dt.date(2026, 3, 1),
        "end_on": dt.date(2026, 6, 30), "estimated_cost": 200_000_000,
    }
    return data | changes


def _signed_commitment(db, unit: str = "BYT-TT", year: int = YEAR, policy: str | None = POLICY) -> int:
    """A signed commitment of the officer's unit with the given policy (None: with no policy)."""
    where = "c.policy_id IS NULL" if policy is None else "p.code = :p"
    found = rows(
        db,
        "SELECT c.id FROM commitments c JOIN budget_lines b ON b.id = c.line_id JOIN units u ON u.id = b.unit_id"
        f" LEFT JOIN policies p ON p.id = c.policy_id WHERE u.code = :u AND c.year = :y AND c.status = 'signed' AND {where}"
        " ORDER BY c.id",
        u=unit, y=year, p=policy,
    )
    if not found:
        pytest.skip(f"the demo has no signed {year} commitment of {unit} for {policy}")
    return int(found[0][0])


@pytest.fixture
def people(demo_db):
    return {name: actor_of(demo_db, name) for name in ("admin", "officer", "leader", "auditor")}


# --- policies and comments --------------------------------------------------------------------------

def test_policy_profile_and_its_stage_order(demo_db, people):
    policy = set_policy_profile(demo_db, people["admin"], POLICY, document_type="Nghị định", large_impact="CO", proposed_on="01/02/2025", drafting_on=dt.date(2025, 6, 1))
    assert (policy.document_type, policy.large_impact, policy.proposed_on) == ("NGHI_DINH", True, dt.date(2025, 2, 1))
    event = rows(demo_db, "SELECT action, actor, before, after FROM audit_events ORDER BY seq DESC")[0]
    assert tuple(event[:2]) == ("policy.profile", "admin")
    before, after = json.loads(event[2]), json.loads(event[3])
    assert (before.get("document_type"), after["document_type"], after["large_impact"], after["proposed_on"]) == (None, "NGHI_DINH", True, "2025-02-01")
    error = refused(demo_db, ValidationError, set_policy_profile, demo_db, people["admin"], POLICY, submitted_on=dt.date(2025, 5, 31))
    assert keys(error) == {"policy.stage_order"}
    assert "Soạn thảo" in error.messages()[0] and "Trình" in error.messages()[0]
    error = refused(demo_db, ValidationError, set_policy_profile, demo_db, people["admin"], POLICY, document_type="NOPE", large_impact="maybe")
    assert keys(error) == {"plans.code_unknown"} and len(error.problems) == 2
    refused(demo_db, PermissionDenied, set_policy_profile, demo_db, people["leader"], POLICY, large_impact=False)
    # The officer of BYT-TT is below the owner BYT, not above it.
    refused(demo_db, PermissionDenied, set_policy_profile, demo_db, people["officer"], POLICY, large_impact=False)


def test_draft_comments(demo_db, people):
    comment = add_draft_comment(demo_db, people["officer"], POLICY, "BYT-TT", dt.date(2026, 2, 1), "Bổ sung đánh giá tác động xã hội")
    assert comment.response is None
    answered = record_comment_response(demo_db, people["officer"], comment.id, "Đã tiếp thu tại Điều 5")
    assert answered.response == "Đã tiếp thu tại Điều 5"
    error = refused(demo_db, ValidationError, add_draft_comment, demo_db, people["officer"], "HNI-THU-DO", "BYT-TT", dt.date(2026, 2, 1), "x")
    assert keys(error) == {"comment.policy_outside"}
    refused(demo_db, PermissionDenied, add_draft_comment, demo_db, people["leader"], POLICY, "BYT-TT", dt.date(2026, 2, 1), "x")
    error = refused(demo_db, ValidationError, add_draft_comment, demo_db, people["officer"], POLICY, "BYT-TT", dt.date.today() + dt.timedelta(days=1), "")
    assert keys(error) == {"date.future", "text.required"}


# --- plans ------------------------------------------------------------------------------------------

def test_plan_unit_must_be_in_the_policy_owners_tree(demo_db, people):
    error = refused(demo_db, ValidationError, _draft, demo_db, people["officer"], policy="KCB-SO")  # owned by BYT-KCB
    assert keys(error) == {"plan.unit_outside_policy"}
    refused(demo_db, PermissionDenied, _draft, demo_db, people["leader"])
    plan = _draft(demo_db, people["officer"])
    assert (plan.status, plan.version) == ("DU_THAO", 1)
    assert keys(refused(demo_db, ValidationError, _draft, demo_db, people["officer"])) == {"plan.exists"}


def test_activity_dates_lie_inside_the_plans_year(demo_db, people):
    plan = _draft(demo_db, people["officer"])
    P.add_activity(demo_db, people["officer"], plan.id, **_activity(code="A", start_on=dt.date(2026, 1, 1), end_on=dt.date(2026, 12, 31)))
    for start, end in ((dt.date(2025, 12, 31), dt.date(2026, 2, 1)), (dt.date(2026, 2, 1), dt.date(2027, 1, 1))):
        error = refused(demo_db, ValidationError, P.add_activity, demo_db, people["officer"], plan.id, **_activity(code="B", start_on=start, end_on=end))
        assert keys(error) == {"activity.outside_year"}
    error = refused(demo_db, ValidationError, P.add_activity, demo_db, people["officer"], plan.id, **_activity(code="B", start_on=dt.date(2026, 5, 2), end_on=dt.date(2026, 5, 1)))
    assert keys(error) == {"activity.dates_reversed"}
    error = refused(demo_db, ValidationError, P.add_activity, demo_db, people["officer"], plan.id, **_activity(code="A", stage="HOACH_DINH", channel="Fax", estimated_cost="1,5"))
    assert {"activity.exists", "plans.code_unknown"} <= keys(error) and len(error.problems) == 4  # code, stage, channel, amount


def test_activity_line_of_the_plans_unit_tree_year_and_source(demo_db, people):
    plan = _draft(demo_db, people["officer"])
    own_id, own_code = _line(demo_db, "BYT-TT", YEAR)
    activity = P.add_activity(demo_db, people["officer"], plan.id, **_activity(line=own_code))
    assert (activity.line_id, activity.source_code) == (own_id, "NSNN")  # the line's source
    _other_id, other_code = _line(demo_db, "BYT-KCB", YEAR)
    error = refused(demo_db, ValidationError, P.add_activity, demo_db, people["officer"], plan.id, **_activity(code="B", line=other_code))
    assert keys(error) == {"activity.line_outside_unit"}
    old_id, _ = _line(demo_db, "BYT-TT", 2025)
    error = refused(demo_db, ValidationError, P.add_activity, demo_db, people["officer"], plan.id, **_activity(code="B", line=old_id))
    assert keys(error) == {"activity.line_other_year"}
    error = refused(demo_db, ValidationError, P.add_activity, demo_db, people["officer"], plan.id, **_activity(code="B", line=own_code, source="XHH"))
    assert keys(error) == {"activity.other_source"}


def test_approval_needs_a_leader_of_the_owner_and_a_decision_number(demo_db, people):
    plan = _draft(demo_db, people["officer"])
    P.add_activity(demo_db, people["officer"], plan.id, **_activity())
    assert keys(refused(demo_db, ValidationError, P.approve_plan, demo_db, people["leader"], plan.id)) == {"plan.no_decision"}
    assert keys(refused(demo_db, ValidationError, P.approve_plan, demo_db, people["leader"], plan.id, decision_no="  ")) == {"plan.no_decision"}
    for who in ("officer", "auditor", "admin"):
        assert keys(refused(demo_db, PermissionDenied, P.approve_plan, demo_db, people[who], plan.id, decision_no="1/QĐ")) == {"plan.approve_leaders_only"}
    approved = P.approve_plan(demo_db, people["leader"], plan.id, decision_no="125/QĐ-BYT", approved_on=dt.date(2026, 2, 10))
    assert (approved.status, approved.approved_by, approved.approved_on) == ("DA_DUYET", "leader", dt.date(2026, 2, 10))
    assert tuple(rows(demo_db, "SELECT action, actor, entity_type FROM audit_events ORDER BY seq DESC")[0]) == ("plan.approve", "leader", "communication_plan")
    # Approved: it changes only by a new version.
    assert keys(refused(demo_db, ValidationError, P.add_activity, demo_db, people["officer"], plan.id, **_activity(code="B"))) == {"plan.not_allowed_add_activity"}
    assert keys(refused(demo_db, ValidationError, P.update_plan, demo_db, people["officer"], plan.id, title="x")) == {"plan.not_allowed_edit"}
    assert keys(refused(demo_db, ValidationError, P.approve_plan, demo_db, people["leader"], plan.id, decision_no="2")) == {"plan.not_allowed_approve"}


def test_a_leader_outside_the_owner_cannot_approve(demo_db, people):
    from ledger.services.users import create_user

    create_user(demo_db, people["admin"], "leader_tt", "leader", "mat-khau-dai-du-12", unit_code="BYT-TT")
    plan = _draft(demo_db, people["officer"])
    error = refused(demo_db, PermissionDenied, P.approve_plan, demo_db, actor_of(demo_db, "leader_tt"), plan.id, decision_no="1/QĐ")
    assert keys(error) == {"plan.approve_outside"}


def test_a_new_version_keeps_the_approved_one(demo_db, people):
    plan = _draft(demo_db, people["officer"])
    P.add_activity(demo_db, people["officer"], plan.id, **_activity())
    P.approve_plan(demo_db, people["leader"], plan.id, decision_no="125/QĐ-BYT", approved_on=dt.date(2026, 2, 10))
    old = rows(demo_db, "SELECT * FROM communication_plans WHERE id = :i", i=plan.id)
    old_activities = rows(demo_db, "SELECT * FROM plan_activities WHERE plan_id = :i", i=plan.id)
    second = P.new_plan_version(demo_db, people["officer"], plan.id)
    assert (second.version, second.previous_id, second.status, second.decision_no) == (2, plan.id, "DU_THAO", None)
    assert keys(refused(demo_db, ValidationError, P.new_plan_version, demo_db, people["officer"], plan.id)) == {"plan.not_allowed_new_version"}
    P.add_activity(demo_db, people["officer"], second.id, **_activity(code="HD-02", stage="BAN_HANH", start_on=dt.date(2026, 9, 1), end_on=dt.date(2026, 9, 30)))
    error = refused(demo_db, ValidationError, P.approve_plan, demo_db, people["leader"], second.id, decision_no="200/QĐ-BYT", approved_on=dt.date(2026, 2, 9))
    assert keys(error) == {"plan.approved_before_previous"}
    P.approve_plan(demo_db, people["leader"], second.id, decision_no="200/QĐ-BYT", approved_on=dt.date(2026, 2, 20))
    assert rows(demo_db, "SELECT * FROM communication_plans WHERE id = :i", i=plan.id) == old
    assert rows(demo_db, "SELECT * FROM plan_activities WHERE plan_id = :i", i=plan.id) == old_activities
    page = policy_page(demo_db, people["leader"], POLICY)
    by_version = {p.version: p for p in page.plans}
    assert by_version[2].current and not by_version[1].current
    assert by_version[1].actions == ()
    assert [a.code for a in by_version[2].activities] == ["HD-01", "HD-02"]
    assert keys(refused(demo_db, ValidationError, P.cancel_plan, demo_db, people["officer"], plan.id)) == {"plan.not_allowed_cancel"}


# --- commitments naming activities --------------------------------------------------------------------

def test_a_commitment_names_an_activity_of_its_policy_and_year(demo_db, people):
    plan = _draft(demo_db, people["officer"])
    activity = P.add_activity(demo_db, people["officer"], plan.id, **_activity())
    commitment = _signed_commitment(demo_db)
    linked = P.link_commitment_to_activity(demo_db, people["officer"], commitment, "HD-01")
    assert linked.activity_id == activity.id
    assert P.link_commitment_to_activity(demo_db, people["officer"], commitment, None).activity_id is None
    assert P.link_commitment_to_activity(demo_db, people["officer"], commitment, activity.id).activity_id == activity.id
    # Another policy's plan, another year's plan, a cancelled plan, a commitment with no policy.
    other_policy = P.create_plan(demo_db, people["officer"], code="KH-DS-26", year=YEAR, unit_code="BYT-TT", policy="LUAT-DANSO", title="Dân số")
    foreign = P.add_activity(demo_db, people["officer"], other_policy.id, **_activity(code="DS-01"))
    assert keys(refused(demo_db, ValidationError, P.link_commitment_to_activity, demo_db, people["officer"], commitment, foreign.id)) == {"activity.other_policy"}
    old_year = P.create_plan(demo_db, people["officer"], code="KH-TL-25", year=2025, unit_code="BYT-TT", policy=POLICY, title="2025")
    old = P.add_activity(demo_db, people["officer"], old_year.id, **_activity(code="TL-25", start_on=dt.date(2025, 3, 1), end_on=dt.date(2025, 4, 1)))
    assert keys(refused(demo_db, ValidationError, P.link_commitment_to_activity, demo_db, people["officer"], commitment, old.id)) == {"activity.other_year"}
    P.cancel_plan(demo_db, people["officer"], other_policy.id)
    assert "activity.plan_cancelled" in keys(refused(demo_db, ValidationError, P.link_commitment_to_activity, demo_db, people["officer"], commitment, foreign.id))
    assert keys(refused(demo_db, ValidationError, P.link_commitment_to_activity, demo_db, people["officer"], commitment, "NO-SUCH")) == {"activity.unknown"}
    refused(demo_db, PermissionDenied, P.link_commitment_to_activity, demo_db, people["leader"], commitment, activity.id)
    refused(demo_db, NotFound, P.link_commitment_to_activity, demo_db, people["officer"], 10**9, activity.id)


def test_planned_committed_paid_equal_independent_sums(demo_db, people):
    plan = _draft(demo_db, people["officer"])
    line_id, line_code = _line(demo_db, "BYT-TT", YEAR)
    first = P.add_activity(demo_db, people["officer"], plan.id, **_activity(line=line_code))
    P.add_activity(demo_db, people["officer"], plan.id, **_activity(code="HD-02", stage="THUC_THI", channel="MANG_XA_HOI", estimated_cost=10**15, line=line_code))
    commitment = _signed_commitment(demo_db)
    P.link_commitment_to_activity(demo_db, people["officer"], commitment, first.id)
    page = policy_page(demo_db, people["leader"], POLICY)
    (shown,) = page.plans
    for activity in shown.activities:
        committed = scalar(
            demo_db,
            "SELECT COALESCE(SUM(CASE WHEN c.status = 'signed' THEN c.value WHEN c.status = 'closed' THEN COALESCE(c.final_value, 0) ELSE 0 END), 0)"
            " FROM commitments c WHERE c.activity_id = :a", a=activity.id,
        )
        paid = scalar(demo_db, "SELECT COALESCE(SUM(p.amount), 0) FROM payments p JOIN commitments c ON c.id = p.commitment_id WHERE c.activity_id = :a", a=activity.id)
        planned = scalar(demo_db, "SELECT estimated_cost FROM plan_activities WHERE id = :a", a=activity.id)
        assert (activity.estimated_cost, activity.committed, activity.paid) == (int(planned), int(committed), int(paid))
    assert shown.activities[0].committed > 0
    money = {m.stage: m for m in page.stage_money}
    assert money["DE_XUAT"].planned == 200_000_000 and money["THUC_THI"].planned == 10**15
    assert money["DE_XUAT"].committed == shown.activities[0].committed
    # The plan expects more than the line can hold: flagged, and still approvable.
    (flag,) = shown.shortfalls
    assert flag.line_code == line_code and flag.short > 0
    assert P.approve_plan(demo_db, people["leader"], plan.id, decision_no="9/QĐ").status == "DA_DUYET"
    assert line_id


def test_decision_407_share_and_the_policies_without_a_plan(demo_db, people):
    set_policy_profile(demo_db, people["admin"], POLICY, large_impact=True)
    set_policy_profile(demo_db, people["admin"], "LUAT-DANSO", large_impact=True)
    assert coverage_407(demo_db, people["leader"]).covered == 0
    plan = _draft(demo_db, people["officer"])
    P.add_activity(demo_db, people["officer"], plan.id, **_activity(stage="LAY_Y_KIEN_CS"))
    assert coverage_407(demo_db, people["leader"]).covered == 0  # a draft does not count
    P.approve_plan(demo_db, people["leader"], plan.id, decision_no="1/QĐ")
    figures = coverage_407(demo_db, people["leader"])
    assert (figures.policies, figures.covered, figures.share) == (2, 1, 0.5)
    assert [(g.code, g.first_stage) for g in figures.gaps] == [("LUAT-DANSO", None)]
    late = P.create_plan(demo_db, people["officer"], code="KH-DS", year=YEAR, unit_code="BYT-TT", policy="LUAT-DANSO", title="Dân số")
    P.add_activity(demo_db, people["officer"], late.id, **_activity(stage="SOAN_THAO"))
    P.approve_plan(demo_db, people["leader"], late.id, decision_no="2/QĐ")
    assert [(g.code, g.first_stage) for g in coverage_407(demo_db, people["leader"]).gaps] == [("LUAT-DANSO", "SOAN_THAO")]
    assert unit_id(demo_db, "BYT")


# --- the plans screen -------------------------------------------------------------------------------

PAGE = "pages/plans.py"


def _plan_with_money(database, officer, leader=None) -> int:
    """A draft plan of THUOC-LA with an activity a demo commitment carries out; approved by ``leader``."""
    plan = _draft(database, officer)
    activity = P.add_activity(database, officer, plan.id, **_activity())
    P.link_commitment_to_activity(database, officer, _signed_commitment(database), activity.id)
    if leader is not None:
        P.approve_plan(database, leader, plan.id, decision_no="125/QĐ-BYT")
    return plan.id


@pytest.mark.parametrize("role", ["officer", "leader", "auditor", "admin"])
def test_plans_screen_for_every_role(app_ledger, role):
    from conftest import app_errors, start_app, widget_keys

    people = {name: actor_of(app_ledger, name) for name in ("officer", "leader")}
    set_policy_profile(app_ledger, SYSTEM_ACTOR, POLICY, large_impact=True, proposed_on=dt.date(2025, 2, 1), drafting_on=dt.date(2025, 6, 1))
    plan_id = _plan_with_money(app_ledger, people["officer"])
    at = start_app(app_ledger, role, PAGE)
    at.selectbox(key="plans_policy").set_value(POLICY).run()
    assert app_errors(at) == []
    assert at.title[0].value == "Kế hoạch truyền thông"
    assert at.get("plotly_chart"), "the timeline is drawn"
    committed = int(scalar(app_ledger, "SELECT value FROM commitments c JOIN plan_activities a ON a.id = c.activity_id WHERE a.plan_id = :p", p=plan_id))
    from ledger.domain.formatting import format_vnd

    shown = {m.label: m.value for m in at.metric}
    assert shown["Dự kiến kinh phí"] == format_vnd(200_000_000)
    assert shown["Đã cam kết"] == format_vnd(committed)
    approving = f"approve_decision_{plan_id}" in widget_keys(at.text_input)
    assert approving is (role == "leader")  # approval is offered to leaders only
    if role == "leader":
        assert any(m.label.startswith("Tỷ lệ chính sách tác động lớn") for m in at.metric)
        at.text_input(key=f"approve_decision_{plan_id}").input("125/QĐ-BYT")
        at.button(key=f"approve_{plan_id}").click().run()
        assert app_errors(at) == []
        assert scalar(app_ledger, "SELECT status FROM communication_plans WHERE id = :p", p=plan_id) == "DA_DUYET"
        assert scalar(app_ledger, "SELECT approved_by FROM communication_plans WHERE id = :p", p=plan_id) == "leader"


def test_plans_screen_shows_the_refusal_of_an_approval_without_decision(app_ledger):
    from conftest import app_errors, start_app

    plan_id = _plan_with_money(app_ledger, actor_of(app_ledger, "officer"))
    at = start_app(app_ledger, "leader", PAGE)
    at.selectbox(key="plans_policy").set_value(POLICY).run()
    at.text_input(key=f"approve_decision_{plan_id}").input("").run()
    at.button(key=f"approve_{plan_id}").click().run()
    assert app_errors(at) == ["Kế hoạch KH-TL-26 chưa có số quyết định phê duyệt: nhập số quyết định trước khi phê duyệt."]
    assert scalar(app_ledger, "SELECT status FROM communication_plans WHERE id = :p", p=plan_id) == "DU_THAO"


def test_the_audit_trail_accounts_for_every_plan_row(demo_db, people):
    """Every write above leaves its event: ``verify`` finds each row equal to its latest event (the
    policy's and the commitment's new columns included)."""
    from ledger.store.verify import verify

    set_policy_profile(demo_db, people["admin"], POLICY, document_type="LUAT", large_impact=True, proposed_on=dt.date(2025, 2, 1))
    add_draft_comment(demo_db, people["officer"], POLICY, "BYT-TT", dt.date(2026, 2, 1), "Góp ý")
    plan = _draft(demo_db, people["officer"])
    activity = P.add_activity(demo_db, people["officer"], plan.id, **_activity())
    P.link_commitment_to_activity(demo_db, people["officer"], _signed_commitment(demo_db), activity.id)
    P.approve_plan(demo_db, people["leader"], plan.id, decision_no="1/QĐ")
    P.new_plan_version(demo_db, people["officer"], plan.id)
    with demo_db.read() as session:
        result = verify(session)
    assert result.ok, result


def test_draft_activities_change_and_approved_ones_are_marked_done(demo_db, people):
    plan = _draft(demo_db, people["officer"])
    activity = P.add_activity(demo_db, people["officer"], plan.id, **_activity())
    changed = P.update_activity(demo_db, people["officer"], activity.id, estimated_cost="250.000.000", channel="Mạng xã hội")
    assert (changed.estimated_cost, changed.channel, changed.stage) == (250_000_000, "MANG_XA_HOI", "DE_XUAT")
    action, before, after = rows(demo_db, "SELECT action, before, after FROM audit_events ORDER BY seq DESC")[0]
    before, after = json.loads(before), json.loads(after)
    assert action == "plan_activity.update" and {k: (before[k], after[k]) for k in before if before[k] != after[k]} == {
        "estimated_cost": (200_000_000, 250_000_000), "channel": ("DAT_HANG_BAO_CHI", "MANG_XA_HOI")
    }
    assert keys(refused(demo_db, ValidationError, P.update_activity, demo_db, people["officer"], activity.id, end_on=dt.date(2027, 1, 1))) == {"activity.outside_year"}
    assert keys(refused(demo_db, ValidationError, P.mark_activity_done, demo_db, people["officer"], activity.id, dt.date(2026, 3, 1))) == {"plan.not_allowed_mark_done"}
    P.approve_plan(demo_db, people["leader"], plan.id, decision_no="1/QĐ")
    assert keys(refused(demo_db, ValidationError, P.update_activity, demo_db, people["officer"], activity.id, content="x")) == {"plan.not_allowed_edit"}
    assert keys(refused(demo_db, ValidationError, P.mark_activity_done, demo_db, people["officer"], activity.id, dt.date(2026, 2, 28))) == {"activity.done_before_start"}
    later = dt.date(2026, 3, 1) if dt.date.today() >= dt.date(2026, 3, 1) else dt.date.today()
    if later >= dt.date(2026, 3, 1):
        assert P.mark_activity_done(demo_db, people["officer"], activity.id, later).done_on == later
        assert policy_page(demo_db, people["auditor"], POLICY).plans[0].activities[0].done
    assert P.complete_plan(demo_db, people["officer"], plan.id).status == "HOAN_THANH"
    assert keys(refused(demo_db, ValidationError, P.cancel_plan, demo_db, people["officer"], plan.id)) == {"plan.not_allowed_cancel"}
    refused(demo_db, PermissionDenied, P.complete_plan, demo_db, people["leader"], plan.id)


def test_officer_drafts_a_plan_and_its_activity_on_the_screen(app_ledger):
    from conftest import app_errors, app_successes, start_app

    at = start_app(app_ledger, "officer", PAGE)
    at.selectbox(key="plans_policy").set_value(POLICY).run()
    at.text_input(key="plan_new_code").input("KH-MOI")
    at.selectbox(key="plan_new_year").set_value(YEAR)
    at.selectbox(key="plan_new_unit").set_value("BYT-TT")
    at.text_input(key="plan_new_title").input("Kế hoạch mới")
    at.button(key="plan_new_submit").click().run()
    assert app_successes(at) == ["Đã lập dự thảo kế hoạch KH-MOI."]
    plan_id = int(scalar(app_ledger, "SELECT id FROM communication_plans WHERE code = 'KH-MOI'"))
    _line_id, line_code = _line(app_ledger, "BYT-TT", YEAR)
    at.text_input(key=f"act_code_{plan_id}").input("HD-9")
    at.text_input(key=f"act_content_{plan_id}").input("Họp báo công bố dự thảo")
    at.selectbox(key=f"act_channel_{plan_id}").set_value("HOP_BAO")
    at.date_input(key=f"act_start_{plan_id}").set_value(dt.date(YEAR, 4, 1))
    at.date_input(key=f"act_end_{plan_id}").set_value(dt.date(YEAR, 4, 2))
    at.text_input(key=f"act_cost_{plan_id}").input("12.500.000")
    at.selectbox(key=f"act_line_{plan_id}").set_value(line_code)
    at.button(key=f"act_submit_{plan_id}").click().run()
    assert app_errors(at) == []
    assert tuple(rows(app_ledger, "SELECT code, channel, estimated_cost, source_code FROM plan_activities WHERE plan_id = :p", p=plan_id)[0]) == ("HD-9", "HOP_BAO", 12_500_000, "NSNN")
    # A bad amount: the sentence, and nothing written.
    at.text_input(key=f"act_code_{plan_id}").input("HD-10")
    at.text_input(key=f"act_content_{plan_id}").input("x")
    at.text_input(key=f"act_cost_{plan_id}").input("1.234,5")
    at.button(key=f"act_submit_{plan_id}").click().run()
    assert app_errors(at) and "lẻ" in app_errors(at)[0]
    assert scalar(app_ledger, "SELECT COUNT(*) FROM plan_activities WHERE plan_id = :p", p=plan_id) == 1
    assert f"approve_decision_{plan_id}" not in {w.key for w in at.text_input}  # approval is the leaders'
    at.button(key=f"plan_cancel_{plan_id}").click().run()
    assert scalar(app_ledger, "SELECT status FROM communication_plans WHERE id = :p", p=plan_id) == "DA_HUY"


def test_a_new_press_order_carries_out_an_activity_and_its_committed_figure_grows(demo_db, people):
    """Issue 12, item 4 through the commitment services: an officer drafts a press order naming an
    activity; once signed, the activity's committed figure grows by exactly the order's value."""
    from ledger.services import commitments

    officer = people["officer"]
    plan = _draft(demo_db, officer)
    activity = P.add_activity(demo_db, officer, plan.id, **_activity())
    (line_code,) = rows(
        demo_db,
        "SELECT b.code FROM budget_lines b JOIN units u ON u.id = b.unit_id WHERE u.code = 'BYT-TT' AND b.year = :y"
        " AND b.category_code = 'BAO_CHI' ORDER BY b.id LIMIT 1", y=YEAR,
    )[0]

    def committed() -> int:
        (shown,) = [p for p in policy_page(demo_db, people["leader"], POLICY).plans if p.id == plan.id]
        return next(a.committed for a in shown.activities if a.id == activity.id)

    before = committed()
    order = commitments.create_order(
        demo_db, officer, year=YEAR, reference="DH-KH-TL-01", line=line_code, press_agency="SKDS",
        description="Loạt bài lấy ý kiến đề xuất chính sách", policy_code=POLICY, activity=activity.id, value=12_000_000,
    )
    assert order.activity_id == activity.id
    assert committed() == before  # a draft holds nothing
    commitments.sign(demo_db, officer, order.id, dt.date(2026, 3, 2))
    assert committed() == before + 12_000_000
    # Unlinked and relinked on the draft screen's terms: update_draft takes the activity the same way.
    draft = commitments.create_order(
        demo_db, officer, year=YEAR, reference="DH-KH-TL-02", line=line_code, press_agency="SKDS",
        description="x", policy_code=POLICY, value=1_000_000,
    )
    assert commitments.update_draft(demo_db, officer, draft.id, draft.version, activity="HD-01").activity_id == activity.id


def test_a_commitment_naming_an_activity_of_another_policy_or_year_is_refused_with_a_sentence(demo_db, people):
    from ledger.services import commitments

    officer = people["officer"]
    other = P.create_plan(demo_db, officer, code="KH-DS-26", year=YEAR, unit_code="BYT-TT", policy="LUAT-DANSO", title="Dân số")
    foreign = P.add_activity(demo_db, officer, other.id, **_activity(code="DS-01"))
    old_plan = P.create_plan(demo_db, officer, code="KH-TL-25", year=2025, unit_code="BYT-TT", policy=POLICY, title="2025")
    old = P.add_activity(demo_db, officer, old_plan.id, **_activity(code="TL-25", start_on=dt.date(2025, 3, 1), end_on=dt.date(2025, 4, 1)))
    line_code = rows(
        demo_db,
        "SELECT b.code FROM budget_lines b JOIN units u ON u.id = b.unit_id WHERE u.code = 'BYT-TT' AND b.year = :y"
        " AND b.category_code = 'BAO_CHI' ORDER BY b.id LIMIT 1", y=YEAR,
    )[0][0]
    data = {"year": YEAR, "reference": "DH-SAI-01", "line": line_code, "press_agency": "SKDS", "description": "x", "policy_code": POLICY, "value": 1_000_000}
    error = refused(demo_db, ValidationError, commitments.create_order, demo_db, officer, **data, activity=foreign.id)
    assert keys(error) == {"activity.other_policy"}
    assert "DS-01" in error.messages()[0] and "LUAT-DANSO" in error.messages()[0]
    error = refused(demo_db, ValidationError, commitments.create_order, demo_db, officer, **data, activity=old.id)
    assert keys(error) == {"activity.other_year"} and "2025" in error.messages()[0]
    draft = commitments.create_order(demo_db, officer, **data)
    error = refused(demo_db, ValidationError, commitments.update_draft, demo_db, officer, draft.id, draft.version, activity=foreign.id)
    assert keys(error) == {"activity.other_policy"}


def test_officer_links_a_new_press_order_to_an_activity_on_the_commitments_screen(app_ledger):
    """The officer's new-order form offers the chosen policy's activities of the year; the order
    made there carries out the activity, whose committed figure grows by its value once signed."""
    from conftest import app_errors, start_app

    officer = actor_of(app_ledger, "officer")
    plan = _draft(app_ledger, officer)
    activity = P.add_activity(app_ledger, officer, plan.id, **_activity())
    other = P.create_plan(app_ledger, officer, code="KH-DS-26", year=YEAR, unit_code="BYT-TT", policy="LUAT-DANSO", title="Dân số")
    P.add_activity(app_ledger, officer, other.id, **_activity(code="DS-01"))
    line = int(scalar(app_ledger, "SELECT id FROM budget_lines WHERE code = 'BYT-TT-26-01'"))
    at = start_app(app_ledger, "officer", "pages/commitments.py")
    at.selectbox(key="new_line").set_value(line)
    at.selectbox(key="new_policy").set_value(POLICY).run()
    offered = at.selectbox(key="new_activity")
    assert offered.options == ["—", "KH-TL-26 / HD-01 – Đặt hàng loạt bài lấy ý kiến về đề xuất chính sách"]  # not DS-01 of another policy
    offered.set_value(activity.id)
    at.number_input(key="new_item_count").set_value(0).run()
    at.text_input(key="new_reference").input("DH-TT-HD-01")
    at.selectbox(key="new_agency").set_value("SKDS")
    at.text_input(key="new_description").input("Loạt bài lấy ý kiến đề xuất chính sách")
    at.text_input(key="new_value").input("7.000.000")
    at.button(key="new_submit").click().run()
    assert app_errors(at) == []
    order_id, linked = rows(app_ledger, "SELECT id, activity_id FROM commitments WHERE reference = 'DH-TT-HD-01'")[0]
    assert linked == activity.id

    def committed() -> int:
        (shown,) = [p for p in policy_page(app_ledger, actor_of(app_ledger, "leader"), POLICY).plans if p.id == plan.id]
        return shown.activities[0].committed

    before = committed()
    from ledger.services import commitments

    commitments.sign(app_ledger, officer, int(order_id), dt.date(2026, 3, 2))
    assert committed() == before + 7_000_000
