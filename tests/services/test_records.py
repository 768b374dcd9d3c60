"""What the writes hand back, on SQLite and PostgreSQL: every write a screen calls returns frozen
records (``ledger.queries.records``) — never ORM rows — with real dates and int đồng and no secret;
the record types follow the models' columns; ``.in_session`` (the importer's, the demo's) still
gives the ORM rows to the caller's next step.

The screens' calls are found in the pages' source, so a write a screen starts to use without a step
here (or a reason why it returns no record) fails ``test_writes_return_frozen_records``.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import importlib
import types
import typing

import pytest
from conftest import DEMO_PASSWORD, ROOT, actor_for
from ledger_testkit import scalar
from sqlalchemy import inspect as orm_inspect

from ledger.domain.errors import AuthenticationFailed
from ledger.queries.records import SECRET_COLUMNS, Record, as_records, record_type
from ledger.services import budget, commitments, payments, plans, press, reference, report, team, users, year_end
from ledger.store.access import MAX_FAILED_SIGN_INS, SYSTEM
from ledger.store.models import Base, Commitment, User

YEAR = 2026
DAY = dt.date(2026, 3, 2)
UNIT = "REC"  # a unit of this test's own, below the demo's BYT-TT
CLOSED = 2029  # a year of this test's own, opened, closed by the year-end run and reopened

# What a screen calls that returns no record, and what it returns instead.
NOT_RECORDS = {
    "tokens.new": "a fresh posting token (a str)",
    "users.sign_in": "the signed-in Actor (a frozen dataclass, checked below)",
    "users.actor_for_sso": "the signed-in Actor (a frozen dataclass)",
    "users.bootstrap_admin": "the first administrator's Actor (a frozen dataclass)",
    "users.change_password": "None",
    "users.reset_password": "None",
    "year_end.preview": "a read: the YearEndPreview (a frozen dataclass, checked below)",
}


def screen_calls() -> set[str]:
    """Every ``module.function`` of ``ledger.services`` that a page (pages/, streamlit_app.py) names."""
    found = set()
    for path in [*sorted((ROOT / "pages").rglob("*.py")), ROOT / "streamlit_app.py"]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "ledger.services":
                modules |= {alias.asname or alias.name: alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ledger.services."):
                found |= {f"{node.module.rsplit('.', 1)[1]}.{alias.name}" for alias in node.names}
        found |= {f"{modules[node.value.id]}.{node.attr}" for node in ast.walk(tree) if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules}
    return {name for name in found if callable(getattr(importlib.import_module(f"ledger.services.{name.split('.')[0]}"), name.split(".")[1]))}


def _flat(value):
    return [item for part in value for item in _flat(part)] if isinstance(value, list | tuple) else [value]


def _declared(kind):
    """The classes a field's annotation allows (``int | None`` → (int, NoneType))."""
    if isinstance(kind, types.UnionType) or typing.get_origin(kind) is typing.Union:
        return typing.get_args(kind)
    return (kind,)


def assert_frozen(value) -> None:
    assert dataclasses.is_dataclass(value) and not isinstance(value, type), value
    assert not isinstance(value, Base), "an ORM row left the transaction"
    field = dataclasses.fields(value)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(value, field, getattr(value, field))
    assert not {f.name for f in dataclasses.fields(value)} & SECRET_COLUMNS


def assert_records(value) -> None:
    """``value`` (a record, or a list or tuple of them) holds only frozen records whose every field
    has its column's Python type: a real date or datetime, int đồng (never Decimal, float or str)."""
    assert _flat(value), "nothing returned"
    for record in _flat(value):
        assert isinstance(record, Record), record
        assert_frozen(record)
        for field in dataclasses.fields(record):
            held = getattr(record, field.name)
            assert isinstance(held, _declared(field.type)), (type(record).__name__, field.name, held)
            if isinstance(held, int) and not isinstance(held, bool):
                assert type(held) is int, (field.name, type(held))  # not a bool, Decimal or numpy int


def written(db, monkeypatch) -> dict[str, object]:
    """Every write a screen calls, made once as its screen would make it; name → what it returned."""
    got: dict[str, object] = {}
    officer = actor_for(db, "officer")

    def made(name: str, value):
        got[name] = value
        return value

    # Reference data (the administrator's screens).
    unit = made("reference.create_unit", reference.create_unit(db, SYSTEM, code=UNIT, name="Phòng thử bản ghi", kind="subunit", parent_code="BYT-TT"))
    made("reference.update_unit", reference.update_unit(db, SYSTEM, UNIT, commitment_control="warn"))
    made("reference.open_year", reference.open_year(db, SYSTEM, CLOSED))
    made("reference.create_policy", reference.create_policy(db, SYSTEM, "REC-CS", "Chính sách thử bản ghi", UNIT))
    made("press.create_press_agency", press.create_press_agency(db, SYSTEM, "REC-BAO", "Báo thử bản ghi"))
    made("press.update_press_agency", press.update_press_agency(db, SYSTEM, "REC-BAO", "Báo thử bản ghi (mới)", "newspaper"))
    made("press.set_press_agency_active", press.set_press_agency_active(db, SYSTEM, "REC-BAO", False))

    # Lines and their adjustments.
    def line(code: str, category: str = "BAO_CHI", source: str = "NSNN"):
        return budget.add_line(db, officer, code=code, year=YEAR, unit_code=UNIT, description=f"Dòng thử {code}", category=category, source=source, original_estimate=500_000_000)

    press_line = made("budget.add_line", line("REC-01"))
    other, course_line, it_line, xhh_line = line("REC-02"), line("REC-03", "DAO_TAO"), line("REC-04", "CNTT"), line("REC-05", source="XHH")
    adjusted = made("budget.adjust_line", budget.adjust_line(db, officer, press_line.id, "50.000.000", DAY, "1/QĐ-REC"))
    made("budget.transfer", budget.transfer(db, officer, press_line.id, other.id, "10.000.000", DAY, "2/QĐ-REC"))
    made("budget.reverse_adjustment", budget.reverse_adjustment(db, officer, adjusted.id, "nhập nhầm"))

    # Commitments and what is posted on them.
    items = [{"product": "Bài viết", "quantity": 2, "unit_price": 5_000_000}]
    order = made("commitments.create_order", commitments.create_order(db, officer, year=YEAR, reference="REC-HD-1", line=press_line.id, press_agency="SKDS", description="Đặt hàng thử", items=items))
    edited = made("commitments.update_draft", commitments.update_draft(db, officer, order.id, order.version, description="Đặt hàng thử (sửa)"))
    signed = made("commitments.sign", commitments.sign(db, officer, order.id, DAY, expected_version=edited.version))
    acceptance = made("commitments.accept", commitments.accept(db, officer, order.id, "REC-NT-1", DAY, 4_000_000))
    made("commitments.reverse_acceptance", commitments.reverse_acceptance(db, officer, acceptance.id, "nghiệm thu nhầm"))
    paid = made("payments.record_payment", payments.record_payment(db, officer, year=YEAR, voucher_no="REC-C-1", date=DAY, kind="TAM_UNG", commitment=order.id, amount=1_000_000))
    made("payments.reverse_payment", payments.reverse_payment(db, officer, paid.id, "chi nhầm"))
    made("commitments.close", commitments.close(db, officer, order.id, "xong", expected_version=signed.version))
    course = made("commitments.create_course", commitments.create_course(db, officer, year=YEAR, reference="REC-KH-1", line=course_line.id, title="Tập huấn thử", start_date=DAY, end_date=DAY + dt.timedelta(days=2), participants=20, cost=3_000_000))
    contract = made("commitments.create_it_contract", commitments.create_it_contract(db, officer, year=YEAR, reference="REC-IT-1", line=it_line.id, vendor="Công ty thử", service_type="RA_QUET", start_date=DAY, end_date=DAY, value=2_000_000))
    made("commitments.cancel", commitments.cancel(db, officer, contract.id, "không cần nữa"))
    made("payments.record_contribution", payments.record_contribution(db, officer, year=YEAR, voucher_no="REC-XHH-1", line=xhh_line.id, date=DAY, donor="Nhà tài trợ thử", amount=5_000_000))

    # The communication team and its courses.
    staffed = made("team.record_staff_row", team.record_staff_row(db, officer, "REC-NV-1", "Nguyễn Văn Thử", UNIT, "TRUYEN_THONG", "KIEM_NHIEM", dt.date(2025, 1, 1)))
    made("team.end_assignment", team.end_assignment(db, officer, staffed.id, dt.date(2026, 6, 30)))
    made("team.set_course_topic", team.set_course_topic(db, officer, course.id, "KHUNG_HOANG"))
    attendee = made("team.add_participant", team.add_participant(db, officer, course.id, "REC-NV-1", False))
    made("team.set_completion", team.set_completion(db, officer, attendee.id, True, "CC-REC-1"))

    # Communication plans (an officer drafts, a leader approves).
    plan = made("plans.create_plan", plans.create_plan(db, officer, code="REC-KHTT", year=YEAR, unit_code=UNIT, policy="REC-CS", title="Kế hoạch thử bản ghi"))
    activity = {"stage": "DE_XUAT", "content": "Loạt bài thử", "channel": "DAT_HANG_BAO_CHI", "audience": "Người dân", "start_on": DAY, "end_on": DAY, "estimated_cost": 1_000_000}
    made("plans.add_activity", plans.add_activity(db, officer, plan.id, code="HD-01", **activity))
    made("plans.approve_plan", plans.approve_plan(db, SYSTEM, plan.id, decision_no="3/QĐ-REC", approved_on=DAY))
    made("plans.new_plan_version", plans.new_plan_version(db, officer, plan.id))
    made("plans.complete_plan", plans.complete_plan(db, officer, plan.id))
    second = plans.create_plan(db, officer, code="REC-KHTT-2", year=YEAR, unit_code=UNIT, policy="REC-CS", title="Kế hoạch thử bị hủy")
    made("plans.cancel_plan", plans.cancel_plan(db, officer, second.id))

    # The report to the Ministry: prepared, submitted, received.
    made("report.save_settings", report.save_settings(db, officer, UNIT, YEAR, {"number": "01/BC-REC", "deadline": dt.date(2027, 3, 31)}))
    made("report.submit", report.submit(db, SYSTEM, UNIT, YEAR))
    made("report.receive", report.receive(db, SYSTEM, UNIT, YEAR))

    # The year end of a year of the test's own (once it is over) and its reopening by decision.
    budget.add_line(db, officer, code="REC-91", year=CLOSED, unit_code=UNIT, description="Dòng năm khóa sổ", category="BAO_CHI", source="NSNN", original_estimate=7_000_000)
    monkeypatch.setenv("LEDGER_TODAY", f"02/02/{CLOSED + 1}")
    made("year_end.apply_year_end", year_end.apply_year_end(db, SYSTEM, CLOSED, UNIT, "4/QĐ-REC"))
    made("year_end.reopen_year", year_end.reopen_year(db, SYSTEM, CLOSED, "5/QĐ-REC", "Sai sót"))
    monkeypatch.delenv("LEDGER_TODAY")

    # Users (the administrator's screen): created, changed, locked by wrong passwords and unlocked.
    made("users.create_user", users.create_user(db, SYSTEM, "rec.user", "officer", "Mat-khau-thu-9", unit_code=UNIT, full_name="Người thử"))
    made("users.update_user", users.update_user(db, SYSTEM, "rec.user", full_name="Người thử (mới)"))
    for _ in range(MAX_FAILED_SIGN_INS):
        with pytest.raises(AuthenticationFailed):
            users.sign_in(db, "rec.user", "sai-mat-khau")
    made("users.unlock_user", users.unlock_user(db, SYSTEM, "rec.user"))
    assert unit.code == UNIT
    return got


def test_writes_return_frozen_records(demo_db, monkeypatch):
    got = written(demo_db, monkeypatch)
    checked = set(got) | set(NOT_RECORDS)
    assert screen_calls() - checked == set(), "a screen calls a write whose result is not checked here"
    assert checked - screen_calls() == set(), "rows for calls no screen makes any more"
    for name, value in got.items():
        if name == "report.save_settings":  # the saved settings with their defaults: already a frozen dataclass
            assert_frozen(value)
            continue
        assert_records(value)
    # Real dates and int đồng, as the screens use them (``money(made.value)``, ``format_date``).
    order, payment = got["commitments.create_order"], got["payments.record_payment"]
    assert (order.value, order.total_value, type(order.created_at)) == (10_000_000, 10_000_000, dt.datetime)
    assert (got["commitments.sign"].signed_on, got["commitments.sign"].status) == (DAY, "signed")
    assert (payment.amount, payment.date, payment.kind) == (1_000_000, DAY, "TAM_UNG")
    assert [leg.amount for leg in got["budget.transfer"]] == [-10_000_000, 10_000_000]
    assert isinstance(got["budget.transfer"], tuple) and isinstance(got["budget.reverse_adjustment"], list)
    assert got["budget.reverse_adjustment"][0].reverses_id == got["budget.adjust_line"].id
    assert got["commitments.accept"].accepted_value == 4_000_000
    # What a record says is what the database holds (it is read after the write, inside it).
    assert got["commitments.close"].version == scalar(demo_db, "SELECT version FROM commitments WHERE id = :i", i=order.id)
    assert got["plans.approve_plan"].approved_on == DAY and got["plans.new_plan_version"].version == 2
    assert (got["year_end.apply_year_end"].cancelled, got["year_end.apply_year_end"].status) == (7_000_000, "applied")
    assert [run.status for run in got["year_end.reopen_year"]] == ["reopened"]
    # No record carries a password hash, nor can one be reached from it.
    for name in ("users.create_user", "users.update_user", "users.unlock_user"):
        assert not hasattr(got[name], "password_hash") and not hasattr(got[name], "unit")
    assert (got["users.unlock_user"].locked_until, got["users.unlock_user"].failed_logins) == (None, 0)


def test_typed_results_that_are_not_records(demo_db):
    """The calls of NOT_RECORDS that return a value return frozen dataclasses too."""
    actor = users.sign_in(demo_db, "officer", DEMO_PASSWORD)
    assert_frozen(actor)
    assert_frozen(year_end.preview(demo_db, SYSTEM, YEAR))


def test_record_types_follow_the_models():
    models = [mapper.class_ for mapper in Base.registry.mappers]
    assert User in models and Commitment in models
    for model in models:
        kind = record_type(model)
        columns = [prop.key for prop in orm_inspect(model).column_attrs]
        assert [f.name for f in dataclasses.fields(kind)] == [name for name in columns if name not in SECRET_COLUMNS]
        assert kind.__dataclass_params__.frozen and issubclass(kind, Record)
        assert record_type(model) is kind  # built once per model
    assert "password_hash" not in {f.name for f in dataclasses.fields(record_type(User))}


def test_as_records_keeps_the_shape_and_leaves_typed_values_alone():
    user = User(id=7, username="a", full_name="", role="officer", unit_id=None, password_hash="$argon2id$secret", is_active=True, is_demo=False, failed_logins=0)
    single, listed, pair = as_records(user), as_records([user]), as_records((user, user))
    assert type(single).__name__ == "UserRecord" and (single.id, single.username) == (7, "a")
    assert type(listed) is list and type(pair) is tuple and listed[0] == single == pair[1]
    assert "secret" not in repr(single)
    assert as_records(None) is None and as_records(SYSTEM) is SYSTEM


def test_in_session_still_gives_the_rows_to_the_caller(demo_db):
    """The importer and the demo chain writes inside one transaction: they keep the ORM rows."""
    line = scalar(demo_db, "SELECT b.id FROM budget_lines b JOIN units u ON u.id = b.unit_id WHERE u.code = 'BYT-TT' AND b.year = :y AND b.category_code = 'BAO_CHI' ORDER BY b.id", y=YEAR)
    with demo_db.write() as session:
        order = commitments.create_order.in_session(session, SYSTEM, year=YEAR, reference="REC-IN-1", line=line, press_agency="SKDS", description="Trong giao dịch", value=1_000_000)
        assert isinstance(order, Commitment) and order in session
