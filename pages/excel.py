"""Nhập/xuất Excel: the auditors' extract, the empty template, and bulk entry from a workbook
(checked whole first: preview, every problem at once, then confirm; all or nothing)."""

from __future__ import annotations

import hashlib
import io

import pandas as pd
import streamlit as st

from ledger.excel import export_workbook
from ledger.excel.importer import import_workbook
from ledger.excel.template import write_template
from ledger.excel.texts import localize
from pages.common import (
    amount_column,
    attempt,
    database,
    lang,
    money,
    require_actor,
    select_year,
    t,
    unit_label,
    units_for,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHOWN_AS_TABLE = 300

current = require_actor()
db = database()
st.title(t("ui.page_excel"))

# --- the extract --------------------------------------------------------------------------------
st.subheader(t("ui.x_export"))
st.caption(t("ui.x_export_help"))
a, b = st.columns(2)
with a:
    year = select_year(db, key="x_year")
with b:
    units = {u.code: unit_label(u) for u in units_for(db, current)}
    unit = st.selectbox(t("ui.unit_filter"), ["", *units], format_func=lambda c: units.get(c, t("ui.x_all_units")) if c else t("ui.x_all_units"), key="x_unit")
wanted = (year, unit, db.generation)
if st.button(t("ui.x_make"), key="x_make", type="primary"):
    buffer = io.BytesIO()
    made = attempt(lambda: export_workbook(db, current, buffer, year, unit or None))
    if made is not None:
        st.session_state["x_extract"] = (wanted, buffer.getvalue(), made.data_rows)
extract = st.session_state.get("x_extract")
if extract and extract[0][:2] == wanted[:2]:
    _params, data, rows = extract
    name = f"trich-xuat-{year}-{unit or 'pham-vi'}.xlsx"
    st.success(t("ui.x_made", rows=rows))
    st.download_button(t("ui.x_download", name=name), data=data, file_name=name, mime=XLSX, key="x_download", on_click="ignore")

# --- the template ---------------------------------------------------------------------------------
st.subheader(t("ui.x_template"))
st.caption(t("ui.x_template_help"))


@st.cache_data(show_spinner=False)
def _template() -> bytes:
    buffer = io.BytesIO()
    write_template(buffer)
    return buffer.getvalue()


st.download_button(t("ui.x_template_download"), data=_template(), file_name="mau-nhap-so-ngan-sach.xlsx", mime=XLSX, key="x_template", on_click="ignore")

# --- the import -----------------------------------------------------------------------------------
st.subheader(t("ui.x_import"))
if current.role in ("leader", "auditor"):
    st.info(t("ui.x_read_only"))
    st.stop()
st.caption(t("ui.x_import_help"))

posted = st.session_state.pop("x_posted", None)
if posted:
    message, rows = posted
    st.success(message)
    if rows:
        st.markdown(f"**{t('ui.x_written_rows')}**")
        st.table(pd.DataFrame(rows), hide_index=True)

upload_key = f"x_upload_{st.session_state.get('x_upload_round', 0)}"
uploaded = st.file_uploader(t("ui.x_upload"), type=["xlsx"], key=upload_key)


def _problem_table(problems) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("ui.x_sheet"): [p.sheet or "" for p in problems],
            t("ui.x_row"): [str(p.row) if p.row else "" for p in problems],
            t("ui.x_column"): [localize(p.column, lang()) or "" for p in problems],
            t("ui.x_what"): [p.message(lang()) for p in problems],
            t("ui.x_value"): ["" if p.value is None else str(p.value) for p in problems],
        }
    )


def _new_rows(result) -> list[dict]:
    rows = []
    for sheet in result.sheets:
        for entry in sheet.new_rows:
            rows.append(
                {
                    t("ui.x_sheet"): sheet.title,
                    t("ui.x_row"): entry["row"],
                    t("ui.x_key"): entry["key"],
                    t("ui.amount"): money(entry["amount"]) if entry["amount"] is not None else "",
                }
            )
    return rows


if uploaded is not None:
    data = uploaded.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    cached = st.session_state.get("x_preview")
    if not cached or cached[0] != (digest, db.generation, current):
        with st.spinner():
            result = import_workbook(db, current, io.BytesIO(data), dry_run=True)
        st.session_state["x_preview"] = ((digest, db.generation, current), result)
    result = st.session_state["x_preview"][1]
    if result.sheets:
        st.markdown(f"**{t('ui.x_preview')}**")
        st.dataframe(
            pd.DataFrame(
                {
                    t("ui.x_sheet"): [s.title for s in result.sheets],
                    t("ui.x_rows"): [s.rows for s in result.sheets],
                    t("ui.x_new"): [s.new for s in result.sheets],
                    t("ui.x_unchanged"): [s.unchanged for s in result.sheets],
                    t("ui.x_total_new"): [money(s.new_amount) if s.new_amount is not None else "" for s in result.sheets],
                    t("ui.x_total"): [money(s.amount) if s.amount is not None else "" for s in result.sheets],
                }
            ),
            hide_index=True,
            width="stretch",
            column_config={t("ui.x_total_new"): amount_column(t("ui.x_total_new")), t("ui.x_total"): amount_column(t("ui.x_total"))},
        )
    for note in result.notes:
        st.warning(note.message(lang()))
    if result.problems:
        st.error(result.summary(lang()))
        st.markdown(f"**{t('ui.x_problems', count=len(result.problems))}**")
        table = _problem_table(result.problems)
        if len(table) <= SHOWN_AS_TABLE:  # plain text: readable, searchable, copyable
            st.table(table, hide_index=True)
        else:
            st.dataframe(table, hide_index=True, width="stretch")
    elif result.new == 0:
        st.info(t("ui.x_nothing_new"))
    else:
        st.info(result.summary(lang()))
        new_rows = _new_rows(result)
        with st.expander(t("ui.x_new_rows"), expanded=True):
            if len(new_rows) <= SHOWN_AS_TABLE:
                st.table(pd.DataFrame(new_rows), hide_index=True)
            else:
                st.dataframe(pd.DataFrame(new_rows), hide_index=True, width="stretch")
        if st.button(t("ui.x_confirm"), type="primary", key="x_confirm"):
            final = import_workbook(db, current, io.BytesIO(data), dry_run=False)
            if final.written:
                st.session_state["x_posted"] = (final.summary(lang()), _new_rows(final))
                st.session_state.pop("x_preview", None)
                st.session_state["x_upload_round"] = st.session_state.get("x_upload_round", 0) + 1
                st.rerun()
            st.session_state["x_preview"] = ((digest, db.generation, current), final)
            st.rerun()
