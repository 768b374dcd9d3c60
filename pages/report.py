"""Báo cáo Bộ / Report to the Ministry (letter 837, item 4): the unit's report previewed section by
section, its settings and text (an officer prepares), the three files (.docx, .xlsx annex, PDF,
made only when downloaded), submission by a leader of the unit; for a parent, the consolidation of
the units below (state, date, figures, changes since), pictures, receipt and the packages received.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from ledger.domain import clock, codes
from ledger.domain.formatting import format_date, format_datetime
from ledger.reports.ministry import files, signing
from ledger.reports.ministry.document import soffice
from ledger.services import report as service
from pages.common import (
    attempt,
    code_label,
    flash_and_rerun,
    select_year,
    t,
)
from pages.parts import report_view
from pages.parts.screen import open_screen, scope_units

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def settings_form(db, current, rep) -> None:
    s = rep.settings
    suffix = f"{rep.unit_code}_{rep.year}"  # a widget keeps its value across reruns: one set per unit and year
    with st.form("rp_settings_form"):
        c1, c2, c3 = st.columns([3, 1, 1])
        addressee = c1.text_input(t("ui.rp_addressee"), value=s.addressee, key=f"rp_addressee_{suffix}")
        deadline = c2.date_input(t("ui.rp_deadline"), value=s.deadline, format="DD/MM/YYYY", key=f"rp_deadline_{suffix}")
        number = c3.text_input(t("ui.rp_number"), value=s.number, key=f"rp_number_{suffix}")
        c1, c2, c3 = st.columns(3)
        place = c1.text_input(t("ui.rp_place"), value=s.place, key=f"rp_place_{suffix}")
        signer_title = c2.text_input(t("ui.rp_signer_title"), value=s.signer_title, key=f"rp_signer_title_{suffix}")
        signer_name = c3.text_input(t("ui.rp_signer_name"), value=s.signer_name, key=f"rp_signer_name_{suffix}")
        recipients = st.text_area(t("ui.rp_recipients"), value=s.recipients, key=f"rp_recipients_{suffix}", height=80)
        difficulties = st.text_area(t("ui.rp_difficulties"), value=s.difficulties, key=f"rp_difficulties_{suffix}")
        proposals = st.text_area(t("ui.rp_proposals"), value=s.proposals, key=f"rp_proposals_{suffix}")
        if st.form_submit_button(t("ui.rp_save")):
            values = {"addressee": addressee, "deadline": deadline, "number": number, "place": place, "signer_title": signer_title,
                      "signer_name": signer_name, "recipients": recipients, "difficulties": difficulties, "proposals": proposals}
            if attempt(lambda: service.save_settings(db, current, rep.unit_code, rep.year, values)) is not None:
                flash_and_rerun(t("ui.rp_saved"))


def downloads(rep, key: str) -> None:
    """The three files, made only when the button is pressed (deferred data)."""
    name = f"bao-cao-{rep.unit_code}-{rep.year}" + (f"-v{rep.versions[-1].version}" if rep.frozen else "")
    if rep.period:
        name += f"-{rep.period[0]:%d%m}-{rep.period[1]:%d%m}"
    c1, c2, c3 = st.columns(3)
    c1.download_button(t("ui.rp_download_docx"), data=lambda: files.docx_bytes(rep), file_name=f"{name}.docx", mime=DOCX, key=f"{key}_docx", on_click="ignore")
    c2.download_button(t("ui.rp_download_xlsx"), data=lambda: files.xlsx_bytes(rep), file_name=f"{name}-phu-luc.xlsx", mime=XLSX, key=f"{key}_xlsx", on_click="ignore")
    if soffice() is not None:
        c3.download_button(t("ui.rp_download_pdf"), data=lambda: files.pdf_bytes(rep) or b"", file_name=f"{name}.pdf", mime="application/pdf", key=f"{key}_pdf", on_click="ignore")
    else:
        c3.caption(t("report.pdf_unavailable"))


def header(rep) -> None:
    latest = rep.versions[-1] if rep.versions else None
    c = st.columns(4)
    c[0].metric(t("ui.rp_state"), code_label(codes.REPORT_STATES, rep.state))
    c[1].metric(t("ui.rp_deadline"), format_date(rep.settings.deadline))
    c[2].metric(t("ui.rp_version"), latest.version if latest else "—")
    c[3].metric(t("ui.rp_as_of"), format_date(dt.date.fromisoformat(rep.figures["as_of"])))
    if latest:
        st.caption(t("ui.rp_submitted_by", version=latest.version, by=latest.submitted_by, at=format_datetime(latest.submitted_at),
                     late=t("ui.rp_late") if latest.late else "", hash=latest.content_hash[:16]))


def submit_box(db, current, rep) -> None:
    if current.role != "leader" or current.unit_id is None:
        st.caption(t("ui.rp_submit_hint"))
        return
    late = clock.today() > rep.settings.deadline
    st.caption(t("ui.rp_submit_explain") + (" " + t("ui.rp_submit_late") if late else ""))
    if st.button(t("ui.rp_submit"), key="rp_submit", type="primary"):
        done = attempt(lambda: service.submit(db, current, rep.unit_code, rep.year))
        if done is not None:
            flash_and_rerun(t("ui.rp_submitted", unit=rep.unit_code, version=done.version))


current, db = open_screen("ui.page_report")
if current.role == "admin":
    st.info(t("ui.rp_admin"))
    key = attempt(lambda: signing.private_key())
    if key is not None:  # the administrator reads it to the parent's administrator, who trusts it once
        st.metric(t("ui.rp_fingerprint"), signing.fingerprint(key.public_key()))
        st.code(signing.public_pem(key), language=None)
    st.stop()
c1, c2, c3, c4 = st.columns([1, 3, 1, 1])
with c1:
    year = select_year(db, "rp_year")
units = scope_units(db, current)
unit = c2.selectbox(t("ui.unit"), list(units), format_func=units.get, key="rp_unit")
first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
bounds = {"min_value": first, "max_value": last, "format": "DD/MM/YYYY"}
date_from = c3.date_input(t("ui.rp_date_from"), value=first, key=f"rp_from_{year}", **bounds)
date_to = c4.date_input(t("ui.rp_date_to"), value=last, key=f"rp_to_{year}", **bounds)
# 01/01–31/12 is the whole year (figures as of today while it runs); anything else is a range inside it
whole = (date_from, date_to) == (first, last)
rep = attempt(lambda: files.load(db, current, unit, year) if whole else files.load(db, current, unit, year, date_from=date_from, date_to=date_to))
if rep is None:
    st.stop()
header(rep)
if not whole:
    st.info(t("ui.rp_range_preview", start=format_date(date_from), end=format_date(date_to), year=year))
has_children = any(not c.own for c in rep.children)
names = [t("ui.rp_tab_preview"), t("ui.rp_tab_prepare"), t("ui.rp_tab_files")] + ([t("ui.rp_tab_consolidation")] if has_children else [])
tabs = st.tabs(names)
with tabs[0]:
    report_view.sections(rep)
with tabs[1]:
    if current.role == "officer":
        settings_form(db, current, rep)
    else:
        st.caption(t("ui.rp_prepare_hint"))
    if whole:
        submit_box(db, current, rep)
with tabs[2]:
    st.markdown(f"**{t('ui.rp_files_live')}**")
    downloads(rep, "rp_live")
    if rep.versions:
        submitted = attempt(lambda: files.load(db, current, unit, year, submitted=True))
        if submitted is not None:
            st.markdown(f"**{t('ui.rp_files_submitted', version=submitted.versions[-1].version)}**")
            downloads(submitted, "rp_sub")
if has_children:
    with tabs[3]:
        report_view.consolidation(db, current, rep)
        report_view.packages(db, current, year)
