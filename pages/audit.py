"""Nhật ký kiểm toán: the audit trail in the user's scope, filtered by who, what, when and which
entity; the chain verified on demand; its head hash; and an uploaded extract checked against it."""

from __future__ import annotations

import io
import json

import pandas as pd
import streamlit as st

from ledger.domain.formatting import format_datetime
from ledger.excel import read_about
from ledger.excel.reader import WorkbookRefused
from ledger.reports.audit_names import action_label, entity_label
from ledger.reports.audit_trail import EventFilters, chain_head, filter_choices, list_events, locate_hash, verify_chain
from pages.common import lang, t
from pages.parts.screen import open_screen

SHOWN = 500

current, db = open_screen("ui.page_audit")

# --- the events -------------------------------------------------------------------------------------
choices = filter_choices(db, current)
st.subheader(t("ui.au_filters"))
a, b, c = st.columns(3)


def any_of(value: str) -> str:
    return value if value else t("ui.au_any")


who = a.selectbox(t("ui.au_actor"), ["", *choices.actors], format_func=any_of, key="au_actor")
action = b.selectbox(t("ui.au_action"), ["", *choices.actions], format_func=any_of, key="au_action")
entity_type = c.selectbox(t("ui.au_entity_type"), ["", *choices.entity_types], format_func=any_of, key="au_type")
d, e, f = st.columns(3)
date_from = d.date_input(t("ui.au_from"), value=None, format="DD/MM/YYYY", key="au_from")
date_to = e.date_input(t("ui.au_to"), value=None, format="DD/MM/YYYY", key="au_to")
entity_id = f.text_input(t("ui.au_entity_id"), key="au_id")

filters = EventFilters(who or None, action or None, date_from, date_to, entity_type or None, entity_id.strip() or None)
events, more = list_events(db, current, filters, limit=SHOWN)
if not events:
    st.info(t("ui.au_none"))
else:
    st.caption(t("ui.au_more", count=len(events)) if more else t("ui.au_count", count=len(events)))
    st.dataframe(
        pd.DataFrame(
            {
                t("ui.au_seq"): [e.seq for e in events],
                t("ui.au_time"): [e.time.strftime("%d/%m/%Y %H:%M:%S") for e in events],
                t("ui.au_actor"): [e.actor for e in events],
                # In the reader's words, the business key beside the id (issue 10); codes in the detail below.
                t("ui.au_action"): [action_label(e.action, lang()) for e in events],
                t("ui.au_entity_type"): [entity_label(e.entity_type, lang()) for e in events],
                t("ui.au_key"): [e.key for e in events],
                t("ui.au_entity_id"): [e.entity_id for e in events],
                t("ui.au_hash"): [e.hash[:16] + "…" for e in events],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    by_seq = {e.seq: e for e in events}
    with st.expander(t("ui.au_detail")):
        seq = st.selectbox(t("ui.au_seq"), list(by_seq), key="au_seq")
        event = by_seq[seq]
        # Vietnam time on screen; the UTC timestamp is the extract's raw column only.
        st.code(f"{event.action} · {event.entity_type} #{event.entity_id}\nprev {event.prev_hash}\nhash {event.hash}\n{event.time:%d/%m/%Y %H:%M:%S}", language=None)
        left, right = st.columns(2)
        left.markdown(f"**{t('ui.au_before')}**")
        left.json(json.loads(event.before) if event.before else {})
        right.markdown(f"**{t('ui.au_after')}**")
        right.json(json.loads(event.after) if event.after else {})

# --- the chain -------------------------------------------------------------------------------------
st.subheader(t("ui.au_chain"))
head = chain_head(db)
st.write(t("ui.au_head", seq=head.seq, events=head.events))
st.markdown(f"**{t('ui.au_head_hash')}**")
st.code(head.hash, language=None)
if st.button(t("ui.au_verify"), key="au_verify"):
    with st.spinner():
        result = verify_chain(db)
    if result.ok:
        st.success(t("ui.au_verify_ok", events=result.events, rows=result.rows))
    elif result.broken_seq is not None:
        st.error(t("ui.au_verify_broken", seq=result.broken_seq, reason=result.reason))
    else:
        st.error(t("ui.au_verify_broken_row", reason=result.reason))

# --- an extract against the chain ----------------------------------------------------------------------
st.subheader(t("ui.au_compare"))
st.caption(t("ui.au_compare_help"))
uploaded = st.file_uploader(t("ui.x_upload"), type=["xlsx"], key="au_upload")
if uploaded is not None:
    try:
        about = read_about(io.BytesIO(uploaded.getvalue()))
    except WorkbookRefused as refused:
        for found in refused.problems:
            st.error(found.message(lang()))
    else:
        at = about.exported_at
        shown_at = format_datetime(at) if hasattr(at, "strftime") else (at or "—")
        st.write(t("ui.au_extract_info", by=about.exported_by or "—", at=shown_at, hash=about.head_hash or "—", seq=about.head_seq if about.head_seq is not None else "—"))
        if not about.head_hash:
            st.error(t("ui.au_no_hash"))
        else:
            seq = locate_hash(db, about.head_hash)
            if seq is None:
                st.error(t("ui.au_no_match"))
            else:
                if seq == head.seq:
                    st.success(t("ui.au_match_head", seq=seq))
                else:
                    st.info(t("ui.au_match_earlier", seq=seq, since=head.seq - seq))
                if about.head_seq is not None and about.head_seq != seq:
                    st.warning(t("ui.au_seq_mismatch", claimed=about.head_seq, seq=seq))
