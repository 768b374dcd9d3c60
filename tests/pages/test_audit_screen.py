"""The audit-trail screen ("Nhật ký kiểm toán") and the scoped reading of the trail behind it:
events in the user's scope only, filters by who/what/when/entity, the chain verified from the
screen, its head hash, and an uploaded extract checked against the chain."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
from conftest import actor_for, start_app
from ledger_testkit import D2026, assert_typed_frozen, line_id
from sqlalchemy import create_engine, text
from streamlit.testing.v1 import AppTest
from workbook_support import sql, sql_rows

from ledger.excel import export_workbook, read_about
from ledger.reports.audit_trail import (
    VIETNAM,
    EventFilters,
    EventRow,
    chain_head,
    filter_choices,
    list_events,
    locate_hash,
)
from ledger.services import commitments
from ledger.services.budget import adjust_line
from ledger.store.access import SYSTEM
from ledger.store.db import Database

PAGE = "pages/audit.py"


def open_screen(database: Database, user: str) -> AppTest:
    return start_app(database, user, PAGE, timeout=90)


def shown_events(at: AppTest):
    assert not at.exception, [e.value for e in at.exception]
    return at.dataframe[0].value


def entity_ids(database: Database, sql_text: str) -> set[str]:
    return {str(r[0]) for r in sql_rows(database, sql_text)}


def all_events(database: Database, reader, /, **filters):
    rows, more = list_events(database, reader, EventFilters(**filters), limit=100_000)
    assert not more
    return rows


# --- the scoped trail -----------------------------------------------------------------------------------

def test_an_officer_reads_only_the_events_of_their_unit(demo_db, actors):
    events = all_events(demo_db, actors["officer"])
    hanoi_lines = entity_ids(demo_db, "SELECT l.id FROM budget_lines l JOIN units u ON u.id = l.unit_id WHERE u.code = 'HNI'")
    own_lines = entity_ids(demo_db, "SELECT l.id FROM budget_lines l JOIN units u ON u.id = l.unit_id WHERE u.code = 'BYT-TT'")
    seen_lines = {e.entity_id for e in events if e.entity_type == "budget_line"}
    assert seen_lines == own_lines and not seen_lines & hanoi_lines
    own_payments = entity_ids(demo_db, "SELECT p.id FROM payments p JOIN budget_lines l ON l.id = p.line_id JOIN units u ON u.id = l.unit_id WHERE u.code = 'BYT-TT'")
    assert {e.entity_id for e in events if e.entity_type == "payment"} == own_payments
    assert {e.entity_type for e in events} >= {"fiscal_year", "press_agency", "unit", "commitment", "acceptance"}
    assert {e.entity_id for e in events if e.entity_type == "unit"} == entity_ids(demo_db, "SELECT id FROM units WHERE code = 'BYT-TT'")
    auditor = all_events(demo_db, actors["auditor"])
    admin = all_events(demo_db, actors["admin"])
    assert len(admin) == sql(demo_db, "SELECT COUNT(*) FROM audit_events")
    # The auditor (national unit) reads every unit's events; only the unit-less admin account is outside.
    assert len(auditor) == len(admin) - sql(demo_db, "SELECT COUNT(*) FROM audit_events e JOIN users u ON e.entity_type = 'user' AND e.entity_id = CAST(u.id AS VARCHAR(16)) WHERE u.unit_id IS NULL")


def test_filters_by_who_what_when_and_entity(demo_db, actors):
    line = line_id(demo_db, "BYT-TT-26-01")
    adjust_line(demo_db, actors["officer"], line, 2_000_000, D2026, "77/QĐ-BYT", "Bổ sung")
    by_officer = all_events(demo_db, actors["auditor"], actor="officer")
    assert [(e.actor, e.action) for e in by_officer] == [("officer", "adjustment.post")]
    posts = all_events(demo_db, actors["auditor"], action="adjustment.post")
    assert len(posts) == sql(demo_db, "SELECT COUNT(*) FROM audit_events WHERE action = 'adjustment.post'")
    today = dt.datetime.now(VIETNAM).date()
    assert all_events(demo_db, actors["auditor"], date_from=today + dt.timedelta(days=1)) == ()
    assert len(all_events(demo_db, actors["auditor"], date_from=today, date_to=today)) == len(all_events(demo_db, actors["auditor"]))
    of_line = all_events(demo_db, actors["officer"], entity_type="budget_line", entity_id=str(line))
    assert [e.action for e in of_line] == ["budget_line.create"]
    hanoi_line = line_id(demo_db, "HNI-26-01")
    assert all_events(demo_db, actors["officer"], entity_type="budget_line", entity_id=str(hanoi_line)) == ()


def test_events_and_choices_are_frozen_rows_with_real_times(demo_db, actors):
    events = all_events(demo_db, actors["auditor"])
    assert type(events) is tuple and all(type(e) is EventRow for e in events)
    assert_typed_frozen(events, "events")
    assert_typed_frozen(filter_choices(demo_db, actors["auditor"]), "choices")
    newest = events[0]
    stored = sql_rows(demo_db, "SELECT seq, occurred_at, hash FROM audit_events ORDER BY seq DESC LIMIT 1")[0]
    assert (newest.seq, newest.hash) == (stored[0], stored[2])
    # The recorded instant in UTC; the screen's time is the same instant on Vietnam's clock (UTC+7).
    assert newest.occurred_at == dt.datetime.fromisoformat(str(stored[1])).replace(tzinfo=dt.UTC)
    assert newest.time == newest.occurred_at.astimezone(VIETNAM).replace(tzinfo=None) == newest.occurred_at.replace(tzinfo=None) + dt.timedelta(hours=7)
    choices = filter_choices(demo_db, actors["auditor"])
    assert choices.actors == tuple(sorted({e.actor for e in events}))
    assert choices.actions == tuple(sorted({e.action for e in events}))
    assert choices.entity_types == tuple(sorted({e.entity_type for e in events}))


def test_a_removed_order_item_stays_in_its_units_trail(demo_db, actors):
    officer = actors["officer"]
    order = commitments.create_order(demo_db, officer, year=2026, reference="HD-AU-1", line=line_id(demo_db, "BYT-TT-26-01"), press_agency="SKDS",
                                  description="Dự thảo", items=[{"product": "Bài", "quantity": 1, "unit_price": 1_000_000}])
    commitments.update_draft(demo_db, officer, order.id, 1, items=[{"product": "Video", "quantity": 1, "unit_price": 2_000_000}])
    removed = all_events(demo_db, officer, action="order_item.delete")
    assert len(removed) == 1 and '"product":"Bài"' in removed[0].before
    assert all_events(demo_db, actor_for(demo_db, "officer"), action="order_item.delete")
    hanoi_officer = _hanoi_officer(demo_db)
    assert all_events(demo_db, hanoi_officer, action="order_item.delete") == ()


def _hanoi_officer(db: Database):
    from ledger.services.users import create_user

    create_user(db, SYSTEM, "hanoi", "officer", "mat-khau-dai-du", unit_code="HNI")
    return actor_for(db, "hanoi")


def test_an_extract_is_located_in_the_chain(demo_db, actors):
    buffer = io.BytesIO()
    export_workbook(demo_db, actors["auditor"], buffer, 2026)
    about = read_about(io.BytesIO(buffer.getvalue()))
    head = chain_head(demo_db)
    assert (about.head_hash, about.head_seq) == (head.hash, head.seq)
    assert locate_hash(demo_db, about.head_hash) == head.seq
    adjust_line(demo_db, actors["officer"], line_id(demo_db, "BYT-TT-26-01"), 1_000_000, D2026, "78/QĐ-BYT")
    assert chain_head(demo_db).seq == head.seq + 1
    assert locate_hash(demo_db, about.head_hash) == head.seq
    assert locate_hash(demo_db, "f" * 64) is None


# --- the screen --------------------------------------------------------------------------------------------

def test_the_screen_lists_filters_and_shows_the_head_hash(app_ledger, actors):
    adjust_line(app_ledger, actors["officer"], line_id(app_ledger, "BYT-TT-26-01"), 2_000_000, D2026, "79/QĐ-BYT", "Bổ sung")
    at = open_screen(app_ledger, "auditor")
    assert at.title[0].value == "Nhật ký kiểm toán"
    table = shown_events(at)
    assert len(table) == 500 and table["STT"].iloc[0] == sql(app_ledger, "SELECT MAX(seq) FROM audit_events")
    head_hash = sql(app_ledger, "SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1")
    assert head_hash in [c.value for c in at.code]
    at.selectbox(key="au_actor").select("officer").run()
    table = shown_events(at)
    # Issue 10: actions and entities in the reader's words, the business key beside the id.
    assert list(table["Người thực hiện"]) == ["officer"] and list(table["Thao tác"]) == ["Điều chỉnh dự toán – ghi"]
    assert list(table["Mã nghiệp vụ"]) == ["79/QĐ-BYT · BYT-TT-26-01"] and list(table["Loại đối tượng"]) == ["Điều chỉnh dự toán"]
    at.selectbox(key="au_actor").select("").run()
    at.selectbox(key="au_type").select("budget_line").run()
    at.text_input(key="au_id").input(str(line_id(app_ledger, "HNI-26-01"))).run()
    assert list(shown_events(at)["Thao tác"]) == ["Dòng dự toán – tạo mới"] and list(shown_events(at)["Mã nghiệp vụ"]) == ["HNI-26-01"]
    tomorrow = dt.datetime.now(VIETNAM).date() + dt.timedelta(days=1)
    at.date_input(key="au_from").set_value(tomorrow).run()
    at.date_input(key="au_to").set_value(tomorrow + dt.timedelta(days=1)).run()
    assert "Không có sự kiện nào khớp bộ lọc." in [i.value for i in at.info]


def test_an_officer_screen_shows_only_their_scope(app_ledger):
    at = open_screen(app_ledger, "officer")
    at.selectbox(key="au_type").select("budget_line").run()
    ids = set(shown_events(at)["Mã đối tượng (id)"])
    assert ids == entity_ids(app_ledger, "SELECT l.id FROM budget_lines l JOIN units u ON u.id = l.unit_id WHERE u.code = 'BYT-TT'")


def test_the_chain_is_verified_from_the_screen(app_ledger, demo_url):
    at = open_screen(app_ledger, "leader")
    at.button(key="au_verify").click().run()
    assert any(s.value.startswith("Chuỗi toàn vẹn:") for s in at.success), [s.value for s in at.success]
    engine = create_engine(demo_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE payments SET amount = amount + 1 WHERE id = (SELECT MIN(id) FROM payments)"))
    engine.dispose()
    at.button(key="au_verify").click().run()
    broken = [e.value for e in at.error]
    seq = sql(app_ledger, "SELECT MAX(seq) FROM audit_events WHERE entity_type = 'payment' AND entity_id = (SELECT CAST(MIN(id) AS VARCHAR(16)) FROM payments)")
    assert broken and broken[0].startswith(f"Chuỗi bị phá vỡ tại sự kiện số {seq}.")


def test_an_uploaded_extract_is_compared_with_the_chain(app_ledger, actors):
    buffer = io.BytesIO()
    export_workbook(app_ledger, actors["auditor"], buffer, 2026)
    extract = buffer.getvalue()
    head = chain_head(app_ledger)
    at = open_screen(app_ledger, "auditor")
    at.file_uploader(key="au_upload").set_value(("trich-xuat.xlsx", extract, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")).run()
    assert not at.exception
    assert f"Khớp đầu chuỗi hiện tại (sự kiện số {head.seq})" in " ".join(s.value for s in at.success)
    adjust_line(app_ledger, actors["officer"], line_id(app_ledger, "BYT-TT-26-01"), 1_000_000, D2026, "80/QĐ-BYT")
    at.run()
    assert f"Khớp sự kiện số {head.seq} của chuỗi" in " ".join(i.value for i in at.info)
    assert "đã ghi thêm 1 sự kiện" in " ".join(i.value for i in at.info)
    # An extract whose About sheet was altered matches nothing.
    book = openpyxl.load_workbook(io.BytesIO(extract))
    for row in book["Thông tin"].iter_rows():
        if row[0].value and str(row[0].value).startswith("Mã băm đầu chuỗi"):
            row[1].value = "0123" * 16
    altered = io.BytesIO()
    book.save(altered)
    at.file_uploader(key="au_upload").set_value(("sua.xlsx", altered.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")).run()
    assert any("không có trong chuỗi nhật ký" in e.value for e in at.error)
    at.file_uploader(key="au_upload").set_value(("khong-phai.xlsx", b"not a workbook", "application/octet-stream")).run()
    assert any("không phải sổ tính Excel" in e.value for e in at.error)


def test_the_screen_speaks_english(app_ledger):
    at = open_screen(app_ledger, "auditor")
    at.radio(key="lang").set_value("en").run()
    assert not at.exception
    assert at.title[0].value == "Audit trail"
    assert "Seq" in shown_events(at).columns
