"""The workbook's sheets for the communication team and the plans (issues 11 and 12; the spec's "Sheets
for the team, the plans and the year end"): staff, course participants, plans, activities, comments
on drafts, and the added columns (a course's topic, the activity a commitment names, a policy's
profile) — on import (all or nothing, every problem at once, idempotent), in the extract and the
template, and the round trip exact. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

import openpyxl
from ledger_testkit import dump, line_id, scalar
from workbook_support import all_sheets, build, values

from ledger.excel import export_workbook
from ledger.excel import layout as L
from ledger.excel.importer import import_workbook
from ledger.excel.template import write_template
from ledger.excel.texts import localize
from ledger.services import plans, policy_timeline, team
from ledger.store.access import SYSTEM
from ledger.store.verify import verify

NEW_SHEETS = ["Góp ý dự thảo", "Nhân sự truyền thông", "Học viên", "Kế hoạch truyền thông", "Hoạt động truyền thông"]


def _commitment(db, reference: str) -> int:
    return int(scalar(db, "SELECT id FROM commitments WHERE reference = :r", r=reference))


def build_team_and_plans(db, actors) -> None:
    """A small team and two plans on the demo, through the services (as the screens would)."""
    officer, leader = actors["officer"], actors["leader"]
    policy_timeline.set_policy_profile(db, SYSTEM, "LUAT-BHYT", document_type="LUAT", large_impact=True,
                                       proposed_on=dt.date(2025, 6, 1), drafting_on=dt.date(2025, 9, 1), issued_on=dt.date(2026, 1, 15))
    policy_timeline.set_policy_profile(db, SYSTEM, "LUAT-DANSO", large_impact=False)
    comment = policy_timeline.add_draft_comment(db, officer, "LUAT-BHYT", "BYT-TT", dt.date(2025, 10, 2), "Đề nghị làm rõ đối tượng =tham gia")
    policy_timeline.record_comment_response(db, officer, comment.id, "Đã tiếp thu, sửa Điều 12")
    policy_timeline.add_draft_comment(db, officer, "LUAT-DANSO", "BYT-TT", dt.date(2025, 11, 5), "Bổ sung truyền thông cho người cao tuổi")
    team.record_staff_row(db, officer, "NS-01", "Phạm Thu Hà", "BYT-TT", "PHAT_NGON", "CHUYEN_TRACH", dt.date(2025, 1, 1), None, "Phó Vụ trưởng", "12/QĐ-BYT")
    team.record_staff_row(db, officer, "NS-02", "Đỗ Minh Quân", "BYT-TT", "TRUYEN_THONG", "KIEM_NHIEM", dt.date(2025, 3, 1), dt.date(2025, 12, 31))
    team.record_staff_row(db, officer, "NS-02", "Đỗ Minh Quân", "BYT-TT", "KHUNG_HOANG", "CHUYEN_TRACH", dt.date(2026, 1, 1))
    team.record_staff_row(db, SYSTEM, "NS-03", "Lê Văn Tám", "BYT-VP", "TRUYEN_THONG", "KIEM_NHIEM", dt.date(2025, 5, 1))
    team.set_course_topic(db, officer, "KH-BYT-TT-26-02", "KHUNG_HOANG", year=2026)
    team.record_participant_row(db, officer, "KH-BYT-TT-26-02", 2026, "NS-01", None, "CC-2026-01")
    team.record_participant_row(db, officer, "KH-BYT-TT-26-02", 2026, "NS-02", "KHONG")
    first = plans.create_plan(db, officer, code="KH-TT-01", year=2026, unit_code="BYT-TT", policy="LUAT-BHYT",
                              title="Kế hoạch truyền thông Luật BHYT sửa đổi", decision_no="15/QĐ-BYT")
    hd1 = plans.add_activity(db, officer, first.id, code="HD-01", stage="DE_XUAT", content="Loạt bài lấy ý kiến", channel="DAT_HANG_BAO_CHI",
                             audience="Người dân", start_on=dt.date(2026, 1, 5), end_on=dt.date(2026, 3, 31), estimated_cost=50_000_000, line="BYT-TT-26-01")
    plans.add_activity(db, officer, first.id, code="HD-02", stage="BAN_HANH", content="Họp báo công bố luật", channel="HOP_BAO",
                       start_on=dt.date(2026, 2, 1), end_on=dt.date(2026, 2, 1), estimated_cost=20_000_000, source="NSNN")
    plans.approve_plan(db, leader, first.id, None, dt.date(2026, 1, 20))
    plans.mark_activity_done(db, officer, hd1.id, dt.date(2026, 3, 31))
    second = plans.new_plan_version(db, officer, first.id)
    copy = next(a for a in plans_activities(db, second.id) if a[1] == "HD-02")
    plans.update_activity(db, officer, copy[0], content="Họp báo và thông cáo báo chí", estimated_cost=25_000_000)
    plans.add_activity(db, officer, second.id, code="HD-03", stage="THUC_THI", content="Tập huấn cán bộ y tế", channel="TAP_HUAN",
                       start_on=dt.date(2026, 4, 1), end_on=dt.date(2026, 4, 3), estimated_cost=30_000_000, line="BYT-TT-26-02")
    plans.update_plan(db, officer, second.id, decision_no="31/QĐ-BYT")
    # Done on the first version after the second was made: the second's copy is not done.
    plans.mark_activity_done(db, officer, next(a for a in plans_activities(db, first.id) if a[1] == "HD-02")[0], dt.date(2026, 2, 1))
    plans.approve_plan(db, leader, second.id, None, dt.date(2026, 2, 15))
    draft = plans.create_plan(db, officer, code="KH-TT-02", year=2026, unit_code="BYT-TT", policy="LUAT-DANSO", title="Truyền thông Luật Dân số")
    plans.add_activity(db, officer, draft.id, code="HD-DS-1", stage="THUC_THI", content="Khóa tập huấn", channel="TAP_HUAN",
                       start_on=dt.date(2026, 5, 1), end_on=dt.date(2026, 5, 2), estimated_cost=10_000_000, line="BYT-TT-26-02")
    dropped = plans.create_plan(db, officer, code="KH-TT-03", year=2026, unit_code="BYT-TT", policy="LUAT-DANSO", title="Bỏ")
    plans.cancel_plan(db, officer, dropped.id)
    plans.link_commitment_to_activity(db, officer, _commitment(db, "DH-BYT-TT-26-01-1"), "HD-01")
    plans.link_commitment_to_activity(db, officer, _commitment(db, "CNTT-BYT-TT-26-03"), "HD-02")
    plans.link_commitment_to_activity(db, officer, _commitment(db, "KH-BYT-TT-26-02"), "HD-DS-1")


def plans_activities(db, plan_id: int) -> list[tuple]:
    with db.engine.connect() as connection:
        from sqlalchemy import text

        return [tuple(r) for r in connection.execute(text("SELECT id, code FROM plan_activities WHERE plan_id = :p ORDER BY id"), {"p": plan_id})]


def export(db, actor, path, year=None, unit=None):
    export_workbook(db, actor, path, year, unit)
    return path


def problems_of(result, lang: str = "en") -> list[tuple]:
    return [(p.sheet, p.row, localize(p.column, lang), p.message(lang), p.value) for p in result.problems]


def test_round_trip_of_team_and_plans_is_exact_and_a_second_import_changes_nothing(demo_db, db, actors, tmp_path):
    build_team_and_plans(demo_db, actors)
    first = export(demo_db, SYSTEM, tmp_path / "first.xlsx")
    book = openpyxl.load_workbook(first)
    for name in NEW_SHEETS:
        assert name in book.sheetnames
    staff = values(first, "Nhân sự truyền thông")
    assert staff[0][:9] == ("Mã nhân sự", "Họ tên", "Mã đơn vị", "Chức vụ", "Vai trò", "Chế độ", "Từ ngày", "Đến ngày", "Quyết định phân công")
    assert [r[0] for r in staff[1:]] == ["NS-01", "NS-02", "NS-02", "NS-03"]
    assert [r[3] for r in values(first, "Học viên")[1:]] == ["CO", "KHONG"]
    done = {(r[0], r[12], r[2]): r[13] for r in values(first, "Hoạt động truyền thông")[1:]}
    assert done[("KH-TT-01", 1, "HD-01")] == done[("KH-TT-01", 2, "HD-01")] == dt.datetime(2026, 3, 31)
    assert done[("KH-TT-01", 1, "HD-02")] == dt.datetime(2026, 2, 1) and done[("KH-TT-01", 2, "HD-02")] is None
    assert [(r[0], r[7], r[8]) for r in values(first, "Kế hoạch truyền thông")[1:]] == [
        ("KH-TT-01", "DA_DUYET", 1), ("KH-TT-01", "DA_DUYET", 2), ("KH-TT-02", "DU_THAO", 1), ("KH-TT-03", "DA_HUY", 1)]
    courses = values(first, "Đào tạo")
    header = courses[0]
    course = next(r for r in courses if r[0] == "KH-BYT-TT-26-02")
    assert course[header.index("Chủ đề")] == "KHUNG_HOANG" and course[header.index("Mã hoạt động")] == "HD-DS-1"
    policies = values(first, "Chính sách")
    bhyt = next(r for r in policies if r[0] == "LUAT-BHYT")
    assert bhyt[3:7] == ("LUAT", "CO", dt.datetime(2025, 6, 1), dt.datetime(2026, 1, 15))

    result = import_workbook(db, SYSTEM, first)
    assert result.written, problems_of(result)[:10]
    second = export(db, SYSTEM, tmp_path / "second.xlsx")
    before, after = all_sheets(first), all_sheets(second)
    assert list(before) == list(after)
    for name in before:
        assert before[name] == after[name], name
    with db.read() as session:
        assert verify(session).ok
    again = import_workbook(db, SYSTEM, first)
    assert again.ok and again.new == 0 and again.unchanged == result.new, problems_of(again)[:5]
    # The officer's own extract, imported back into the ledger it came from: nothing changes.
    own = export(demo_db, actors["officer"], tmp_path / "own.xlsx", year=2026)
    snapshot = dump(demo_db)
    mine = import_workbook(demo_db, actors["officer"], own)
    assert mine.ok and mine.new == 0, problems_of(mine)[:5]
    assert dump(demo_db) == snapshot


def test_each_new_sheets_problems_are_listed_at_once_and_nothing_is_written(demo_db, actors):
    build_team_and_plans(demo_db, actors)
    snapshot = dump(demo_db)
    order_header = [c.vi for c in L.ORDERS.columns]
    order = dict.fromkeys(order_header)
    order.update({"Số hợp đồng": "HD-NEW-1", "Năm": 2026, "Mã dòng": "BYT-TT-26-01", "Mã cơ quan báo chí": "SKDS", "Ngày ký": "02/02/2026",
                  "Nội dung": "Bài viết", "Giá trị": 1_000_000, "Mã hoạt động": "HD-DS-1"})
    workbook = build({
        "Nhân sự truyền thông": [
            ["Mã nhân sự", "Họ tên", "Mã đơn vị", "Chức vụ", "Vai trò", "Chế độ", "Từ ngày", "Đến ngày", "Quyết định phân công"],
            ["NS-10", "Ngô Lan", "BYT-TT", None, "NGUOI_NOI", "CHUYEN_TRACH", "01/02/2026", None, None],
        ],
        "Học viên": [
            ["Mã khóa", "Năm", "Mã nhân sự", "Hoàn thành", "Số chứng chỉ"],
            ["KH-BYT-TT-26-02", 2026, "NS-03", "CO", None],
        ],
        "Kế hoạch truyền thông": [
            ["Mã kế hoạch", "Năm", "Mã đơn vị", "Chính sách", "Tên kế hoạch", "Số quyết định", "Ngày phê duyệt", "Trạng thái"],
            ["KH-TT-09", 2026, "BYT-TT", "LUAT-BHYT", "Kế hoạch mới", "40/QĐ-BYT", "01/03/2026", "DA_DUYET"],
        ],
        "Hoạt động truyền thông": [
            ["Mã kế hoạch", "Năm", "Mã hoạt động", "Giai đoạn", "Nội dung", "Hình thức", "Đối tượng", "Từ ngày", "Đến ngày", "Dự kiến kinh phí", "Nguồn", "Mã dòng"],
            ["KH-KHONG-CO", 2026, "HD-X", "THUC_THI", "Hội nghị", "DOI_THOAI", None, "01/05/2026", "02/05/2026", 5_000_000, "NSNN", None],
        ],
        "Đặt hàng": [order_header, list(order.values())],
    })
    result = import_workbook(demo_db, SYSTEM, workbook)
    found = problems_of(result)
    assert not result.written
    by_sheet = {sheet: (column, message, value) for sheet, _row, column, message, value in found}
    column, message, value = by_sheet["Nhân sự truyền thông"]
    assert (column, value) == ("Vai trò", "NGUOI_NOI") and "PHAT_NGON" in message and "KHUNG_HOANG" in message
    assert by_sheet["Học viên"][0] == "Mã nhân sự" and "NS-03" in by_sheet["Học viên"][1] and "BYT-TT" in by_sheet["Học viên"][1]
    assert by_sheet["Hoạt động truyền thông"][0] == "Mã kế hoạch" and by_sheet["Hoạt động truyền thông"][2] == "KH-KHONG-CO"
    assert by_sheet["Đặt hàng"][0] == "Mã hoạt động" and "LUAT-DANSO" in by_sheet["Đặt hàng"][1]
    assert {p.key for p in result.problems} == {"xl.code_unknown", "team.participant_outside", "plan.unknown", "activity.other_policy"}
    assert dump(demo_db) == snapshot
    # An officer cannot record an approved plan through a workbook: approving is a leader's act.
    officer = import_workbook(demo_db, actors["officer"], build({"Kế hoạch truyền thông": [
        ["Mã kế hoạch", "Năm", "Mã đơn vị", "Chính sách", "Tên kế hoạch", "Số quyết định", "Ngày phê duyệt", "Trạng thái"],
        ["KH-TT-09", 2026, "BYT-TT", "LUAT-BHYT", "Kế hoạch mới", "40/QĐ-BYT", "01/03/2026", "DA_DUYET"],
    ]}))
    assert [p.key for p in officer.problems] == ["xl.plan_approval"] and not officer.written
    assert dump(demo_db) == snapshot


def test_an_activity_of_another_year_and_an_order_naming_it(demo_db, actors):
    build_team_and_plans(demo_db, actors)
    header = [c.vi for c in L.ORDERS.columns]
    row = dict.fromkeys(header)
    row.update({"Số hợp đồng": "HD-25-X", "Năm": 2025, "Mã dòng": "BYT-TT-25-01", "Mã cơ quan báo chí": "SKDS", "Ngày ký": "02/02/2025",
                "Nội dung": "Bài viết", "Giá trị": 1_000_000, "Chính sách": "LUAT-BHYT", "Mã hoạt động": "HD-01"})
    result = import_workbook(demo_db, actors["officer"], build({"Đặt hàng": [header, list(row.values())]}))
    assert not result.written
    assert "activity.other_year" in {p.key for p in result.problems}, problems_of(result)
    # An activity dated outside its plan's year, on a draft plan of the file.
    plan_rows = [["Mã kế hoạch", "Năm", "Mã đơn vị", "Chính sách", "Tên kế hoạch"], ["KH-TT-20", 2026, "BYT-TT", "LUAT-BHYT", "Kế hoạch"]]
    activity = [["Mã kế hoạch", "Năm", "Mã hoạt động", "Giai đoạn", "Nội dung", "Hình thức", "Từ ngày", "Đến ngày", "Dự kiến kinh phí"],
                ["KH-TT-20", 2026, "A-1", "Soạn thảo", "Tọa đàm", "Hội nghị, đối thoại", "20/12/2025", "05/01/2026", "5.000.000"]]
    refused = import_workbook(demo_db, actors["officer"], build({"Kế hoạch truyền thông": plan_rows, "Hoạt động truyền thông": activity}))
    assert [(p.key, localize(p.column, "vi")) for p in refused.problems] == [("activity.outside_year", "Từ ngày")]
    activity[1][6] = "05/01/2026"
    written = import_workbook(demo_db, actors["officer"], build({"Kế hoạch truyền thông": plan_rows, "Hoạt động truyền thông": activity}))
    assert written.written, problems_of(written)
    assert scalar(demo_db, "SELECT stage FROM plan_activities WHERE code = 'A-1'") == "SOAN_THAO"
    again = import_workbook(demo_db, actors["officer"], build({"Kế hoạch truyền thông": plan_rows, "Hoạt động truyền thông": activity}))
    assert again.ok and again.new == 0 and again.unchanged == 2


def test_the_template_has_the_new_sheets_columns_and_drop_downs(tmp_path):
    target = tmp_path / "template.xlsx"
    write_template(target)
    book = openpyxl.load_workbook(target)
    for name in NEW_SHEETS:
        assert name in book.sheetnames
    lists = {}
    for name in book.sheetnames:
        sheet = book[name]
        headers = [c.value for c in sheet[1]]
        for validation in sheet.data_validations.dataValidation:
            column = openpyxl.utils.cell.coordinate_from_string(str(validation.sqref).split(":")[0])[0]
            index = openpyxl.utils.column_index_from_string(column) - 1
            lists[(name, headers[index].rstrip(" *"))] = validation.formula1.strip('"').split(",")
    assert lists[("Nhân sự truyền thông", "Vai trò")] == ["PHAT_NGON", "UY_QUYEN_PHAT_NGON", "TRUYEN_THONG", "KHUNG_HOANG"]
    assert lists[("Nhân sự truyền thông", "Chế độ")] == ["CHUYEN_TRACH", "KIEM_NHIEM"]
    assert lists[("Học viên", "Hoàn thành")] == ["CO", "KHONG"]
    assert lists[("Kế hoạch truyền thông", "Trạng thái")] == ["DU_THAO", "DA_DUYET", "HOAN_THANH", "DA_HUY"]
    assert lists[("Hoạt động truyền thông", "Hình thức")][0] == "DAT_HANG_BAO_CHI"
    assert lists[("Hoạt động truyền thông", "Giai đoạn")][0] == "DE_XUAT"
    assert lists[("Đào tạo", "Chủ đề")] == ["TRUYEN_THONG_CS", "KHUNG_HOANG", "PHAT_NGON", "CONG_NGHE", "KHAC"]
    assert lists[("Chính sách", "Loại văn bản")][0] == "LUAT" and lists[("Chính sách", "Tác động lớn")] == ["CO", "KHONG"]
    assert [c.value for c in book["Góp ý dự thảo"][1]] == ["Chính sách *", "Ngày *", "Mã đơn vị *", "Nội dung góp ý *", "Tiếp thu"]
    guide = [row for row in values(target, "Hướng dẫn") if row[0]]
    tables = {row[0] for row in guide}
    assert "Trạng thái / Status (Kế hoạch truyền thông / Communication plans)" in tables
    assert "Giai đoạn / Stage (Hoạt động truyền thông / Plan activities)" in tables
    assert ("Vai trò / Role", "UY_QUYEN_PHAT_NGON", "Người được ủy quyền phát ngôn", "Authorised spokesperson") in guide


def test_an_officer_fills_the_team_sheets_and_a_course_list(demo_db, actors):
    officer = actors["officer"]
    workbook = build({
        "Communication staff": [
            ["Staff code", "Full name", "Unit code", "Role", "Assignment", "From"],
            ["NS-21", "Vũ Hải", "BYT-TT", "Spokesperson", "Dedicated", "01/01/2026"],
            ["NS-22", "Trần Mai", "BYT-TT", "TRUYEN_THONG", "Part-time", "01/02/2026"],
        ],
        "Course participants": [
            ["Course code", "Year", "Staff code", "Completed", "Certificate no."],
            ["KH-BYT-TT-26-02", 2026, "NS-21", None, "CC-9"],
            ["KH-BYT-TT-26-02", 2026, "NS-22", "Không", None],
        ],
    })
    result = import_workbook(demo_db, officer, workbook)
    assert result.written, problems_of(result)
    assert scalar(demo_db, "SELECT COUNT(*) FROM course_participants WHERE completed") == 1
    assert scalar(demo_db, "SELECT COUNT(*) FROM staff_assignments") == 2
    again = import_workbook(demo_db, officer, workbook)
    assert again.ok and again.new == 0 and again.unchanged == 4
    assert line_id(demo_db, "BYT-TT-26-02")


def test_round_trip_of_the_demo_with_its_team_and_plans(db, templates, backend, tmp_path):
    from ledger.demo.small import load_demo
    from ledger.store.db import Database

    load_demo(db, password="demo", team_and_plans=True)
    first = export(db, SYSTEM, tmp_path / "first.xlsx")
    assert len(values(first, "Kế hoạch truyền thông")) > 1 and len(values(first, "Học viên")) > 1
    target = Database(templates.fresh_url(backend, demo=False))
    try:
        result = import_workbook(target, SYSTEM, first)
        assert result.written, problems_of(result)[:10]
        second = export(target, SYSTEM, tmp_path / "second.xlsx")
        assert all_sheets(first) == all_sheets(second)
        again = import_workbook(target, SYSTEM, first)
        assert again.ok and again.new == 0
    finally:
        target.dispose()


def test_the_operator_approves_a_draft_plan_by_file_and_a_decision_number_is_needed(demo_db, actors):
    build_team_and_plans(demo_db, actors)
    header = ["Mã kế hoạch", "Năm", "Mã đơn vị", "Chính sách", "Tên kế hoạch", "Số quyết định", "Ngày phê duyệt", "Trạng thái"]
    approve = build({"Kế hoạch truyền thông": [header, ["KH-TT-02", 2026, "BYT-TT", "LUAT-DANSO", "Truyền thông Luật Dân số", None, "01/03/2026", "DA_DUYET"]]})
    refused = import_workbook(demo_db, SYSTEM, approve)
    assert [(p.key, localize(p.column, "vi")) for p in refused.problems] == [("plan.no_decision", "Số quyết định")]
    assert [p.key for p in import_workbook(demo_db, actors["officer"], approve).problems] == ["xl.plan_approval"]
    approve = build({"Kế hoạch truyền thông": [header, ["KH-TT-02", 2026, "BYT-TT", "LUAT-DANSO", "Truyền thông Luật Dân số", "50/QĐ-BYT", "01/03/2026", "DA_DUYET"]]})
    done = import_workbook(demo_db, SYSTEM, approve)
    assert done.written and done.new == 1, problems_of(done)
    assert scalar(demo_db, "SELECT status || ' ' || decision_no FROM communication_plans WHERE code = 'KH-TT-02'") == "DA_DUYET 50/QĐ-BYT"
    again = import_workbook(demo_db, actors["officer"], approve)
    assert again.ok and again.new == 0 and again.unchanged == 1


def test_a_row_repeated_on_the_comments_activities_or_participants_sheet_is_named_with_the_first(demo_db, actors):
    build_team_and_plans(demo_db, actors)
    snapshot = dump(demo_db)
    comment = ["LUAT-BHYT", "02/03/2026", "BYT-TT", "Góp ý mới", None]
    activity = ["KH-TT-20", 2026, "A-1", "Soạn thảo", "Tọa đàm", "Hội nghị, đối thoại", "05/01/2026", "06/01/2026", "5.000.000"]
    participant = ["KH-BYT-TT-26-02", 2026, "NS-01", None, "CC-2026-01"]
    result = import_workbook(demo_db, SYSTEM, build({
        "Góp ý dự thảo": [["Chính sách", "Ngày", "Mã đơn vị", "Nội dung góp ý", "Tiếp thu"], comment, comment],
        "Kế hoạch truyền thông": [["Mã kế hoạch", "Năm", "Mã đơn vị", "Chính sách", "Tên kế hoạch"], ["KH-TT-20", 2026, "BYT-TT", "LUAT-BHYT", "Kế hoạch"]],
        "Hoạt động truyền thông": [["Mã kế hoạch", "Năm", "Mã hoạt động", "Giai đoạn", "Nội dung", "Hình thức", "Từ ngày", "Đến ngày", "Dự kiến kinh phí"],
                                   activity, [*activity[:4], "Tọa đàm khác", *activity[5:]]],
        "Học viên": [["Mã khóa", "Năm", "Mã nhân sự", "Hoàn thành", "Số chứng chỉ"], participant, participant],
    }))
    assert not result.written
    assert sorted((p.sheet, p.row, p.key, p.message("en")) for p in result.problems) == [
        ("Góp ý dự thảo", 3, "xl.duplicate_row", "Same key LUAT-BHYT · BYT-TT · 02/03/2026 as row 2 of this sheet."),
        ("Hoạt động truyền thông", 3, "xl.duplicate_row", "Same key KH-TT-20 (2026) · A-1 as row 2 of this sheet."),
        ("Học viên", 3, "xl.duplicate_row", "Same key KH-BYT-TT-26-02 (2026) · NS-01 as row 2 of this sheet."),
    ]
    assert dump(demo_db) == snapshot
