"""The pieces screens share (pages/parts/screen.py and the shared form fields), seen on the screens
that use them: each widget keeps its key, label, choices, starting value and help, so the tests and
the browser find them as before and a user sees the same form.
"""

from __future__ import annotations

from conftest import actor_for, page_alone, start_app
from sqlalchemy import select

from ledger.domain import codes
from ledger.i18n import t
from ledger.queries import catalogue
from ledger.services.reference import create_unit
from ledger.services.users import create_user
from ledger.store.models import CONTROL_MODES, UNIT_KINDS, BudgetLine

PHASED_MODES = tuple(codes.PHASED_MODES)


def scope_labels(db, who: str) -> list[str]:
    """What a unit picker over ``who``'s scope shows: a dash for 'every unit / none', then the units."""
    return ["—", *("\u2003" * u.depth + f"{u.code} – {u.name}" for u in catalogue.units(db, actor_for(db, who)))]


def line_of(db, code: str) -> int:
    with db.read() as session:
        return session.scalar(select(BudgetLine.id).where(BudgetLine.year == 2026, BudgetLine.code == code))


def test_a_screen_opens_with_its_title_and_refuses_an_admin_screen_to_others(app_ledger):
    at = page_alone(app_ledger, "pages/units.py", "officer")  # as if its address were typed in
    assert [x.value for x in at.title] == ["Đơn vị và danh mục"]
    assert [e.value for e in at.error] == [t("ui.admin_only")]
    assert not at.text_input and not at.selectbox and not at.dataframe  # stopped before anything else
    at = start_app(app_ledger, "officer", flash="Đã lưu.")  # the officer lands on the overview
    assert [x.value for x in at.title] == ["Tổng quan"] and [s.value for s in at.success] == ["Đã lưu."]
    at.run()
    assert [x.value for x in at.title] == ["Tổng quan"] and not at.success  # shown once


def test_unit_filters_offer_every_unit_in_scope_after_a_dash(app_ledger):
    for page, key, label in [
        ("pages/overview.py", "overview_unit", t("ui.unit_filter")),
        ("pages/budget_lines.py", "lines_unit", t("ui.unit")),
    ]:
        at = start_app(app_ledger, "officer", page)
        picker = at.selectbox(key=key)
        assert (picker.label, picker.options, picker.value) == (label, scope_labels(app_ledger, "officer"), ""), page
    at = start_app(app_ledger, "admin", "pages/year_end.py")
    assert at.selectbox(key="ye_unit").options == [t("ui.ye_all_units"), *scope_labels(app_ledger, "admin")[1:]]


def test_the_unit_forms_start_empty_and_the_edit_form_on_the_units_settings(app_ledger):
    admin = actor_for(app_ledger, "admin")
    create_unit(
        app_ledger, admin, code="HNI-SO", name="Sở thử", kind="agency", parent_code="HNI", chapter_code="401",
        commitment_control="warn", phased_control="block", advance_limit_pct=30,
    )
    every_unit = scope_labels(app_ledger, "admin")
    at = start_app(app_ledger, "admin", "pages/units.py")
    kind, parent, control, phased = (at.selectbox(key=f"unit_{k}") for k in ("kind", "parent", "control", "phased"))
    assert (kind.label, kind.value, kind.options) == (t("ui.unit_kind"), "subunit", [codes.label(codes.UNIT_KINDS, k, "vi") for k in UNIT_KINDS])
    assert (parent.label, parent.value, parent.options) == (t("ui.parent_unit"), "", every_unit)
    assert (control.label, control.value, phased.label, phased.value) == (t("ui.commitment_control"), CONTROL_MODES[0], t("ui.phased_control"), PHASED_MODES[0])
    chapter = at.text_input(key="unit_chapter")
    assert (chapter.label, chapter.value, chapter.help) == (t("ui.chapter"), "", t("ui.chapter_help"))
    advance = at.number_input(key="unit_advance")
    assert (advance.label, advance.value, advance.min, advance.max, advance.step) == (t("ui.advance_limit"), 50, 0, 100, 1)

    at.selectbox(key="edit_unit").set_value("HNI-SO").run()
    edit = {k: at.selectbox(key=f"edit_unit_{k}_HNI-SO") for k in ("kind", "parent", "control", "phased")}
    assert {k: w.value for k, w in edit.items()} == {"kind": "agency", "parent": "HNI", "control": "warn", "phased": "block"}
    assert edit["parent"].options == [label for label in every_unit if "HNI-SO –" not in label]  # not its own parent
    chapter = at.text_input(key="edit_unit_chapter_HNI-SO")
    assert (chapter.label, chapter.value, chapter.help) == (t("ui.chapter"), "401", "")
    assert at.text_input(key="edit_unit_name_HNI-SO").value == "Sở thử"
    assert at.number_input(key="edit_unit_advance_HNI-SO").value == 30

    at.text_input(key="edit_unit_chapter_HNI-SO").input("402")
    at.selectbox(key="edit_unit_parent_HNI-SO").set_value("")
    at.button(key="edit_unit_submit_HNI-SO").click().run()
    unit = next(u for u in catalogue.units(app_ledger, admin) if u.code == "HNI-SO")
    assert (unit.chapter_code, unit.parent_code, unit.kind, unit.commitment_control, unit.phased_control, unit.advance_limit_pct) == (
        "402", None, "agency", "warn", "block", 30
    )


def test_the_user_forms_pick_a_unit_after_a_dash_set_on_the_users_unit(app_ledger):
    create_user(app_ledger, actor_for(app_ledger, "admin"), "ketoan.hni", "officer", "mat-khau-dai-so-1", unit_code="HNI")
    every_unit = scope_labels(app_ledger, "admin")
    at = start_app(app_ledger, "admin", "pages/users.py")
    new = at.selectbox(key="user_unit")
    assert (new.label, new.options, new.value) == (t("ui.unit"), every_unit, "")
    at.selectbox(key="edit_user").set_value("ketoan.hni").run()
    edit = at.selectbox(key="edit_unit_ketoan.hni")
    assert (edit.label, edit.options, edit.value) == (t("ui.unit"), every_unit, "HNI")


def test_the_adjustment_and_transfer_forms_keep_their_fields(app_ledger):
    lines = start_app(app_ledger, "officer", "pages/budget_lines.py")
    lines.selectbox(key="line_select").set_value(line_of(app_ledger, "BYT-TT-26-01")).run()
    transfers = start_app(app_ledger, "officer", "pages/adjustments.py")
    for at, prefix, amount, decision, amount_help in [
        (lines, "adj", (t("ui.adjust_amount"), "50.000.000 / -20.000.000"), "123/QĐ-BYT", t("ui.signed_help")),
        (transfers, "tr", (t("ui.transfer_amount"), "20.000.000"), "215/QĐ-BYT", t("ui.amount_help")),
    ]:
        fields = {k: at.text_input(key=f"{prefix}_{k}") for k in ("amount", "decision", "reason")}
        assert (fields["amount"].label, fields["amount"].placeholder, fields["amount"].help) == (*amount, amount_help)
        assert (fields["decision"].label, fields["decision"].placeholder) == (t("ui.decision_no"), decision)
        assert (fields["reason"].label, fields["reason"].placeholder) == (t("ui.reason"), "")
        when = at.date_input(key=f"{prefix}_date")
        assert (when.label, str(when.min), str(when.max)) == (t("ui.date"), "2026-01-01", "2026-12-31")


def test_the_report_preview_shows_the_staff_and_process_figures_in_their_order(app_ledger):
    from ledger.reports.ministry import files

    at = start_app(app_ledger, "leader", "pages/report.py")  # the national leader: the policies of every unit
    unit, year = at.selectbox(key="rp_unit").value, at.selectbox(key="rp_year").value
    figures = files.load(app_ledger, actor_for(app_ledger, "leader"), unit, year).figures
    staff, process = figures["staff"], figures["process"]
    expected = [
        (t("ui.rp_people"), staff["people"]), (t("ui.rp_dedicated"), staff["dedicated"]),
        (t("ui.rp_trained_policy"), staff["trained_policy"]), (t("ui.rp_trained_crisis"), staff["trained_crisis"]),
        (t("ui.rp_policies"), process["policies"]), (t("ui.rp_large_impact"), process["large_impact"]),
        (t("ui.rp_with_plan"), process["with_plan"]), (t("ui.rp_from_proposal"), process["from_proposal"]),
    ]
    labels = {label for label, _ in expected}
    assert [(m.label, m.value) for m in at.metric if m.label in labels] == [(label, str(value)) for label, value in expected]
    assert any(value for _, value in expected)  # the demo's figures are not all zero
