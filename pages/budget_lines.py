"""Dòng dự toán: find lines, add a line (officers), see a line's history and adjust or reverse it."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from ledger.domain.formatting import format_date, format_datetime
from ledger.services.budget import LineFilters, add_line, adjust_line, line_detail, list_lines, reverse_adjustment
from ledger.services.reference import budget_codes
from ledger.services.spending import line_activity
from pages.common import (
    adjustment_kind,
    amount_column,
    attempt,
    catalogues,
    clear_inputs,
    database,
    date_in_year,
    flash_and_rerun,
    is_officer,
    money,
    optional,
    policies_for,
    require_actor,
    select_year,
    show_flash,
    t,
    unit_label,
    units_for,
    year_choices,
    yes_no,
)

current = require_actor()
db = database()
officer = is_officer(current)

st.title(t("ui.page_lines"))
show_flash()

labels = catalogues(db)
units = units_for(db, current)
unit_labels = {u["code"]: unit_label(u) for u in units}
policies = policies_for(db, current)

# --- finding lines ------------------------------------------------------------------------------
row1 = st.columns(3)
with row1[0]:
    year = select_year(db, key="lines_year")
with row1[1]:
    unit_code = st.selectbox(t("ui.unit"), ["", *unit_labels], format_func=optional(unit_labels), key="lines_unit")
with row1[2]:
    search = st.text_input(t("ui.search"), key="lines_search", placeholder=t("ui.search_hint"))
row2 = st.columns(3)
with row2[0]:
    category = st.selectbox(
        t("ui.category"), ["", *labels["category"]], format_func=optional(labels["category"]), key="lines_category"
    )
with row2[1]:
    source = st.selectbox(
        t("ui.source"), ["", *labels["source"]], format_func=optional(labels["source"]), key="lines_source"
    )
with row2[2]:
    policy = st.selectbox(
        t("ui.policy"),
        ["", *policies],
        format_func=optional({code: f"{code} – {name}" for code, name in policies.items()}),
        key="lines_policy",
    )

rows = list_lines(
    db,
    current,
    LineFilters(
        year=year,
        unit_code=unit_code or None,
        category=category or None,
        source=source or None,
        policy_code=policy or None,
        search=search or None,
    ),
)
st.caption(t("ui.lines_found", count=len(rows), allocated=money(sum(r["allocated"] for r in rows))))
table = [
    {
        t("ui.line_code"): r["code"],
        t("ui.unit"): r["unit_code"],
        t("ui.description"): r["description"],
        t("ui.category"): labels["category"].get(r["category_code"], r["category_code"]),
        t("ui.source"): r["source_code"],
        t("ui.original_estimate"): money(r["original_estimate"]),
        t("ui.adjustments"): money(r["adjustments"]),
        t("ui.allocated"): money(r["allocated"]),
        t("ui.policy"): r["policy_code"] or "",
        t("ui.sector_code"): r["sector_code"] or "",
        t("ui.sub_item"): r["sub_item"] or "",
    }
    for r in rows
]
amount_names = [t("ui.original_estimate"), t("ui.adjustments"), t("ui.allocated")]
if table:
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            t("ui.description"): st.column_config.TextColumn(t("ui.description"), width="medium"),
            **{name: amount_column(name) for name in amount_names},
        },
        key="lines_table",
    )
else:
    st.info(t("ui.no_lines_found"))

# --- adding a line (officers; the service checks the role and the unit again) -------------------
if officer:
    with st.expander(t("ui.add_line"), expanded=not rows):
        with db.read() as session:
            sectors = dict(budget_codes(session, "sector", year))
            sub_items = dict(budget_codes(session, "sub_item", year))
        years = year_choices(db)
        with st.form("add_line_form"):
            a, b, c = st.columns(3)
            code = a.text_input(t("ui.line_code"), key="line_code", placeholder="BYT-TT-26-09")
            line_year = b.selectbox(t("ui.year"), years, index=years.index(year), key="line_year")
            line_unit = c.selectbox(t("ui.unit"), list(unit_labels), format_func=unit_labels.get, key="line_unit")
            description = st.text_input(t("ui.description"), key="line_description")
            a, b, c = st.columns(3)
            line_category = a.selectbox(
                t("ui.category"), list(labels["category"]), format_func=labels["category"].get, key="line_category"
            )
            line_source = b.selectbox(
                t("ui.source"), list(labels["source"]), format_func=labels["source"].get, key="line_source"
            )
            line_policy = c.selectbox(
                t("ui.policy"),
                ["", *policies],
                format_func=optional({code: f"{code} – {name}" for code, name in policies.items()}),
                key="line_policy",
            )
            a, b, c = st.columns(3)
            sector = a.selectbox(
                t("ui.sector_code"),
                ["", *sectors],
                format_func=optional({k: f"{k} – {v}" for k, v in sectors.items()}),
                key="line_sector",
            )
            sub_item = b.selectbox(
                t("ui.sub_item"),
                ["", *sub_items],
                format_func=optional({k: f"{k} – {v}" for k, v in sub_items.items()}),
                key="line_sub_item",
            )
            estimate = c.text_input(
                t("ui.original_estimate_input"),
                key="line_estimate",
                placeholder="150.000.000",
                help=t("ui.amount_help"),
            )
            submitted = st.form_submit_button(t("ui.add_line_submit"), type="primary", key="line_submit")
        if submitted:
            line = attempt(
                lambda: add_line(
                    db,
                    current,
                    code=code,
                    year=line_year,
                    unit_code=line_unit,
                    description=description,
                    category=line_category,
                    source=line_source,
                    sector_code=sector or None,
                    sub_item=sub_item or None,
                    policy_code=line_policy or None,
                    original_estimate=estimate,
                )
            )
            if line is not None:
                clear_inputs("line_code", "line_description", "line_estimate")
                flash_and_rerun(
                    t("ui.line_added", code=line.code, year=line.year, allocated=money(line.original_estimate))
                )

# --- one line: figures, history, adjust and reverse ---------------------------------------------
st.subheader(t("ui.line_detail"))
choices = {r["id"]: f"{r['code']} – {r['description'][:90]}" for r in rows}
line_id = st.selectbox(
    t("ui.choose_line"),
    list(choices),
    index=None,
    format_func=choices.get,
    placeholder=t("ui.choose_line_hint"),
    key="line_select",
)
detail = attempt(lambda: line_detail(db, current, line_id)) if line_id is not None else None
if detail is not None:
    st.markdown(f"**{detail['code']}** · {detail['description']}")
    st.caption(
        t(
            "ui.line_facts",
            unit=f"{detail['unit_code']} – {detail['unit_name']}",
            category=labels["category"].get(detail["category_code"], detail["category_code"]),
            source=labels["source"].get(detail["source_code"], detail["source_code"]),
            sector=detail["sector_code"] or "—",
            sub_item=detail["sub_item"] or "—",
            policy=detail["policy_code"] or "—",
        )
    )
    figures = st.columns(4)
    figures[0].metric(t("ui.original_estimate"), money(detail["original_estimate"]))
    figures[1].metric(t("ui.adjustments"), money(detail["adjustments_total"]))
    figures[2].metric(t("ui.allocated"), money(detail["allocated"]))
    figures[3].metric(t("ui.used"), money(detail["used"]))

    # Everything charged to the line: its balance, commitments, direct payments and XHH contributions.
    activity = attempt(lambda: line_activity(db, current, detail["id"]))
    if activity is not None:
        st.markdown(f"**{t('ui.line_activity')}**")
        balance = activity["balance"]
        money_figures = [
            ("ui.d_allocated", balance.allocated),
            ("ui.d_committed", balance.committed),
            ("ui.d_paid", balance.paid),
            ("ui.d_available", balance.available),
        ]
        if detail["source_code"] == "XHH" or balance.contributions:
            money_figures.append(("ui.line_contributions_received", balance.contributions))
        for column, (key, amount) in zip(st.columns(len(money_figures)), money_figures, strict=True):
            column.metric(t(key), money(amount))

        commitments = activity["commitments"]
        st.markdown(f"**{t('ui.line_commitments')}**")
        if commitments:
            kinds = {"order": "ui.c_kind_order", "course": "ui.c_kind_course", "it_service": "ui.c_kind_it"}
            commitment_money = ("ui.c_value", "ui.c_accepted", "ui.c_paid", "ui.c_outstanding")
            st.dataframe(
                [
                    {
                        t("ui.c_reference"): c["reference"],
                        t("ui.c_kind"): t(kinds[c["kind"]]),
                        t("ui.c_status"): t(f"ui.status_{c['status']}") + (" ⚠" if c["excess_amount"] else ""),
                        t("ui.c_counterparty"): c["press_agency"] or c["vendor"] or c["description"],
                        t("ui.c_value"): money(c["value"]),
                        t("ui.c_accepted"): money(c["accepted"]),
                        t("ui.c_paid"): money(c["paid"]),
                        t("ui.c_outstanding"): money(c["outstanding"]),
                    }
                    for c in commitments
                ],
                hide_index=True,
                column_config={t(k): amount_column(t(k)) for k in commitment_money},
                key="line_commitments",
            )
            st.caption(t("ui.c_count", count=len(commitments), total=money(sum(c["held"] for c in commitments))))
        else:
            st.caption(t("ui.line_no_commitments"))

        st.markdown(f"**{t('ui.line_direct_payments')}**")
        if activity["direct_payments"]:
            st.dataframe(
                [
                    {
                        t("ui.date"): format_date(dt.date.fromisoformat(p["date"])),
                        t("ui.c_voucher"): p["voucher_no"],
                        t("ui.c_entry"): t(f"ui.pay_{p['kind']}") + (" ↺" if p["reverses_id"] else ""),
                        t("ui.amount"): money(p["amount"]),
                        t("ui.created_by"): p["created_by"],
                    }
                    for p in activity["direct_payments"]
                ],
                hide_index=True,
                column_config={t("ui.amount"): amount_column(t("ui.amount"))},
                key="line_direct_payments",
            )
        else:
            st.caption(t("ui.line_no_direct_payments"))

        if detail["source_code"] == "XHH" or activity["contributions"]:
            st.markdown(f"**{t('ui.line_contributions')}**")
            if activity["contributions"]:
                st.dataframe(
                    [
                        {
                            t("ui.date"): format_date(dt.date.fromisoformat(c["date"])),
                            t("ui.c_voucher"): c["voucher_no"],
                            t("ui.p_donor"): c["donor"] + (" ↺" if c["reverses_id"] else ""),
                            t("ui.amount"): money(c["amount"]),
                            t("ui.created_by"): c["created_by"],
                        }
                        for c in activity["contributions"]
                    ],
                    hide_index=True,
                    column_config={t("ui.amount"): amount_column(t("ui.amount"))},
                    key="line_contributions",
                )
            else:
                st.caption(t("ui.line_no_contributions"))

    st.markdown(f"**{t('ui.adjustments_of_line')}**")
    if detail["adjustments"]:
        st.dataframe(
            [
                {
                    "#": a["id"],
                    t("ui.date"): format_date(a["date"]),
                    t("ui.amount"): money(a["amount"]),
                    t("ui.decision_no"): a["decision_no"],
                    t("ui.reason"): a["reason"],
                    t("ui.kind"): adjustment_kind(a),
                    t("ui.reversed"): yes_no(a["reversed"]),
                    t("ui.created_by"): a["created_by"],
                    t("ui.created_at"): format_datetime(a["created_at"]),
                }
                for a in detail["adjustments"]
            ],
            hide_index=True,
            column_config={t("ui.amount"): amount_column(t("ui.amount"))},
            key="line_adjustments",
        )
    else:
        st.caption(t("ui.no_adjustments"))

    st.markdown(f"**{t('ui.audit_events')}**")

    def _when(value: str) -> str:
        try:
            return format_datetime(dt.datetime.fromisoformat(value))
        except (TypeError, ValueError):
            return value

    st.dataframe(
        [
            {
                t("ui.seq"): e["seq"],
                t("ui.occurred_at"): _when(e["occurred_at"]),
                t("ui.actor"): e["actor"],
                t("ui.action"): e["action"],
                t("ui.hash"): e["hash"],
            }
            for e in detail["events"]
        ],
        hide_index=True,
        key="line_events",
    )

    if officer:
        st.markdown(f"**{t('ui.adjust_line')}**")
        with st.form("adjust_form"):
            a, b = st.columns(2)
            amount = a.text_input(
                t("ui.adjust_amount"),
                key="adj_amount",
                placeholder="50.000.000 / -20.000.000",
                help=t("ui.signed_help"),
            )
            when = b.date_input(t("ui.date"), format="DD/MM/YYYY", key="adj_date", **date_in_year(detail["year"]))
            a, b = st.columns(2)
            decision = a.text_input(t("ui.decision_no"), key="adj_decision", placeholder="123/QĐ-BYT")
            reason = b.text_input(t("ui.reason"), key="adj_reason")
            adjust_clicked = st.form_submit_button(t("ui.adjust_submit"), type="primary", key="adj_submit")
        if adjust_clicked:
            posted = attempt(lambda: adjust_line(db, current, detail["id"], amount, when, decision, reason))
            if posted is not None:
                after = line_detail(db, current, detail["id"])
                clear_inputs("adj_amount", "adj_decision", "adj_reason")
                flash_and_rerun(
                    t(
                        "ui.adjusted",
                        code=after["code"],
                        amount=money(posted.amount),
                        allocated=money(after["allocated"]),
                    )
                )

        reversible = {
            a["id"]: f"#{a['id']} · {format_date(a['date'])} · {money(a['amount'])} · {a['decision_no']}"
            for a in detail["adjustments"]
            if not a["reversed"] and not a["reverses_id"]
        }
        st.markdown(f"**{t('ui.reverse_adjustment')}**")
        if reversible:
            with st.form("reverse_form"):
                target = st.selectbox(
                    t("ui.adjustment_to_reverse"), list(reversible), format_func=reversible.get, key="rev_adjustment"
                )
                why = st.text_input(t("ui.reverse_reason"), key="rev_reason")
                reverse_clicked = st.form_submit_button(t("ui.reverse_submit"), key="rev_submit")
            if reverse_clicked:
                done = attempt(lambda: reverse_adjustment(db, current, target, why))
                if done is not None:
                    after = line_detail(db, current, detail["id"])
                    clear_inputs("rev_reason")
                    flash_and_rerun(t("ui.reversed_done", id=target, allocated=money(after["allocated"])))
        else:
            st.caption(t("ui.nothing_to_reverse"))
