"""Đặt hàng, đào tạo, CNTT: find a press order, course or IT contract, see its money state at a glance,
and act on it in one place (sign, advance, accept, pay, close out, cancel, reverse)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from ledger.domain.formatting import format_amount, format_date
from ledger.services import spending
from pages.common import (
    amount_column,
    attempt,
    clear_inputs,
    database,
    date_in_year,
    flash_and_rerun,
    is_officer,
    lang,
    money,
    optional,
    policies_for,
    require_actor,
    select_year,
    show_flash,
    t,
)

current = require_actor()
db = database()
officer = is_officer(current)
KINDS = {"order": "ui.c_kind_order", "course": "ui.c_kind_course", "it_service": "ui.c_kind_it"}
STATUSES = ("draft", "signed", "closed", "cancelled")

st.title(t("ui.page_commitments"))
show_flash()

top = st.columns([1, 2, 2, 1])
with top[0]:
    year = select_year(db, key="c_year")
with top[1]:
    kind = st.radio(t("ui.c_kind"), list(KINDS), format_func=lambda k: t(KINDS[k]), horizontal=True, key="c_kind")
with top[2]:
    search = st.text_input(t("ui.search"), key="c_search", placeholder=t("ui.c_search_hint"))
with top[3]:
    status = st.selectbox(t("ui.c_status"), ["", *STATUSES], format_func=lambda s: t(f"ui.status_{s}") if s else "—", key="c_status_filter")

rows = spending.find_commitments(db, current, year, kind=kind, search=search or None, status=status or None)


def status_label(code: str) -> str:
    return t(f"ui.status_{code}")


if rows:
    table = pd.DataFrame(
        {
            t("ui.c_reference"): [r["reference"] for r in rows],
            t("ui.c_status"): [status_label(r["status"]) + (" ⚠" if r["excess_amount"] else "") for r in rows],
            t("ui.line"): [r["line_code"] for r in rows],
            t("ui.c_counterparty"): [r["press_agency"] or r["vendor"] or r["description"] for r in rows],
            t("ui.policy"): [r["policy_code"] or "" for r in rows],
            t("ui.c_value"): [money(r["value"]) for r in rows],
            t("ui.c_accepted"): [money(r["accepted"]) for r in rows],
            t("ui.c_advanced"): [money(r["advanced"]) for r in rows],
            t("ui.c_paid"): [money(r["paid"]) for r in rows],
            t("ui.c_outstanding"): [money(r["outstanding"]) for r in rows],
        }
    )
    money_columns = ("ui.c_value", "ui.c_accepted", "ui.c_advanced", "ui.c_paid", "ui.c_outstanding")
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={t(k): amount_column(t(k)) for k in money_columns},
    )
    st.caption(t("ui.c_count", count=len(rows), total=money(sum(r["held"] for r in rows))))
else:
    st.info(t("ui.c_none"))

# --- one commitment: money state and actions -----------------------------------------------------
by_reference = {r["reference"]: r for r in rows}
if "c_pick_next" in st.session_state:  # a commitment just created opens by itself
    st.session_state["c_pick"] = st.session_state.pop("c_pick_next")
picked = st.selectbox(t("ui.c_open"), ["", *by_reference], format_func=optional({k: k for k in by_reference}), key="c_pick")
if picked:
    detail = attempt(lambda: spending.commitment_detail(db, current, by_reference[picked]["id"]))
    if detail:
        st.subheader(f"{detail['reference']} · {status_label(detail['status'])}")
        st.caption(f"{detail['description']} · {t('ui.line')} {detail['line_code']} ({detail['unit_code']})")
        if detail["excess_amount"]:
            st.warning(t("ui.c_excess", amount=money(detail["excess_amount"])))
        figures = [*st.columns(3), *st.columns(3)]
        figures[0].metric(t("ui.c_value"), money(detail["held"] if detail["status"] == "closed" else detail["value"]))
        figures[1].metric(t("ui.c_accepted"), money(detail["accepted"]))
        figures[2].metric(t("ui.c_advanced"), money(detail["advanced"]))
        figures[3].metric(t("ui.c_paid"), money(detail["paid"]))
        figures[4].metric(t("ui.c_outstanding"), money(detail["outstanding"]))
        figures[5].metric(t("ui.c_line_available"), money(detail["line_available"]))
        if detail["kind"] == "it_service" and detail["total_value"] != detail["value"]:
            st.caption(t("ui.c_portion", total=money(detail["total_value"]), portion=money(detail["value"]), year=detail["year"]))
        if detail["items"]:
            st.dataframe(
                pd.DataFrame(
                    {
                        t("ui.c_product"): [i["product"] for i in detail["items"]],
                        t("ui.c_quantity"): [i["quantity"] for i in detail["items"]],
                        t("ui.c_uom"): [i["unit_of_measure"] for i in detail["items"]],
                        t("ui.c_unit_price"): [money(i["unit_price"]) for i in detail["items"]],
                        t("ui.c_amount"): [money(i["amount"]) for i in detail["items"]],
                    }
                ),
                hide_index=True,
            )
        history = [
            {
                t("ui.date"): format_date(dt.date.fromisoformat(a["date"])),
                t("ui.c_entry"): t("ui.c_entry_acceptance") + (" ↺" if a["reverses_id"] else ""),
                t("ui.c_number"): a["record_no"],
                t("ui.amount"): money(a["accepted_value"]),
                t("ui.c_note"): a["evidence"],
            }
            for a in detail["acceptances"]
        ] + [
            {
                t("ui.date"): format_date(dt.date.fromisoformat(p["date"])),
                t("ui.c_entry"): t(f"ui.pay_{p['kind']}") + (" ↺" if p["reverses_id"] else ""),
                t("ui.c_number"): p["voucher_no"],
                t("ui.amount"): money(p["amount"]),
                t("ui.c_note"): "",
            }
            for p in detail["payments"]
        ]
        if history:
            st.dataframe(pd.DataFrame(history), hide_index=True, width="stretch")

        if officer:
            cid, version, cyear = detail["id"], detail["version"], detail["year"]
            # Optimistic locking: a form sends the version this person saw when it was drawn (the run
            # before the click), not the version read again on the click's run, so that a change made
            # by someone else in between is refused ("commitment.stale") instead of overwritten.
            seen_versions = st.session_state.setdefault("c_seen_version", {})
            expected = seen_versions.get(cid, version)
            seen_versions[cid] = version
            bounds = date_in_year(cyear)
            feedback = st.container()  # refusals show here, above the tabs, whichever tab is open after the rerun

            def sign_form() -> None:
                with st.form("c_sign_form"):
                    signed_on = st.date_input(t("ui.c_signed_on"), format="DD/MM/YYYY", key="c_sign_date", **bounds)
                    if st.form_submit_button(t("ui.c_act_sign"), type="primary"):
                        if attempt(lambda: spending.sign(db, current, cid, signed_on, expected_version=expected), where=feedback):
                            flash_and_rerun(t("ui.c_signed", reference=picked))

            def cancel_form() -> None:
                with st.form("c_cancel_form"):
                    reason = st.text_input(t("ui.reason"), key="c_cancel_reason")
                    if st.form_submit_button(t("ui.c_act_cancel")):
                        if attempt(lambda: spending.cancel(db, current, cid, reason, expected_version=expected), where=feedback):
                            flash_and_rerun(t("ui.c_cancelled", reference=picked))

            def edit_form() -> None:
                st.caption(t("ui.c_edit_hint", version=version))
                with st.form("c_edit_form"):
                    description = st.text_input(t("ui.c_title") if detail["kind"] == "course" else t("ui.description"), value=detail["description"], key=f"c_edit_description_{cid}")
                    changes: dict = {"description": description}
                    if not detail["items"]:
                        label = t("ui.c_cost") if detail["kind"] == "course" else t("ui.c_contract_value") if detail["kind"] == "it_service" else t("ui.c_value")
                        changes["value"] = st.text_input(label, value=format_amount(detail["total_value"]), key=f"c_edit_value_{cid}")
                    if detail["kind"] == "course":
                        changes["participants"] = st.text_input(t("ui.c_participants"), value=str(detail["participants"] or ""), key=f"c_edit_participants_{cid}")
                    if st.form_submit_button(t("ui.c_edit_save"), type="primary"):
                        if attempt(lambda: spending.update_draft(db, current, cid, expected, **changes), where=feedback):
                            clear_inputs(f"c_edit_description_{cid}", f"c_edit_value_{cid}", f"c_edit_participants_{cid}")
                            flash_and_rerun(t("ui.c_edited", reference=picked))

            def payment_form(kind: str, prefix: str, label: str) -> None:
                with st.form(f"{prefix}_form"):
                    voucher = st.text_input(t("ui.c_voucher"), key=f"{prefix}_voucher")
                    when = st.date_input(t("ui.date"), format="DD/MM/YYYY", key=f"{prefix}_date", **bounds)
                    amount = st.text_input(t("ui.amount"), key=f"{prefix}_amount", placeholder="1.000.000")
                    if st.form_submit_button(label, type="primary"):
                        done = attempt(
                            lambda: spending.record_payment(db, current, year=cyear, voucher_no=voucher, date=when, kind=kind, commitment=cid, amount=amount),
                            where=feedback,
                        )
                        if done:
                            clear_inputs(f"{prefix}_voucher", f"{prefix}_amount")
                            flash_and_rerun(t("ui.c_paid_done", amount=money(done.amount)))

            def accept_form() -> None:
                with st.form("c_accept_form"):
                    record_no = st.text_input(t("ui.c_record_no"), key="c_acc_record")
                    when = st.date_input(t("ui.date"), format="DD/MM/YYYY", key="c_acc_date", **bounds)
                    value = st.text_input(t("ui.c_accepted_value"), key="c_acc_value", placeholder="1.000.000")
                    evidence = st.text_input(t("ui.c_evidence"), key="c_acc_evidence", placeholder=t("ui.c_evidence_hint"))
                    if st.form_submit_button(t("ui.c_act_accept"), type="primary"):
                        done = attempt(lambda: spending.accept(db, current, cid, record_no, when, value, evidence), where=feedback)
                        if done:
                            clear_inputs("c_acc_record", "c_acc_value", "c_acc_evidence")
                            flash_and_rerun(t("ui.c_accepted_done", amount=money(done.accepted_value)))

            def close_form() -> None:
                st.caption(t("ui.c_close_hint"))
                with st.form("c_close_form"):
                    reason = st.text_input(t("ui.reason"), key="c_close_reason")
                    if st.form_submit_button(t("ui.c_act_close"), type="primary"):
                        if attempt(lambda: spending.close(db, current, cid, reason, expected_version=expected), where=feedback):
                            flash_and_rerun(t("ui.c_closed", reference=picked))

            def reverse_form() -> None:
                entries = {f"P{p['id']}": f"{t('ui.pay_' + p['kind'])} {p['voucher_no']} · {money(p['amount'])}" for p in detail["payments"] if not p["reverses_id"] and not p["reversed"]}
                entries |= {f"A{a['id']}": f"{t('ui.c_entry_acceptance')} {a['record_no']} · {money(a['accepted_value'])}" for a in detail["acceptances"] if not a["reverses_id"] and not a["reversed"]}
                with st.form("c_reverse_form"):
                    entry = st.selectbox(t("ui.c_entry"), ["", *entries], format_func=optional(entries), key="c_rev_entry")
                    reason = st.text_input(t("ui.reason"), key="c_rev_reason")
                    if st.form_submit_button(t("ui.c_act_reverse")) and entry:
                        call = spending.reverse_payment if entry[0] == "P" else spending.reverse_acceptance
                        if attempt(lambda: call(db, current, int(entry[1:]), reason), where=feedback):
                            flash_and_rerun(t("ui.c_reversed"))

            def pay_tab() -> None:
                st.caption(t("ui.c_payable", amount=money(detail["payable"])))
                payment_form("THANH_TOAN", "c_pay", t("ui.c_act_pay"))

            # Only the actions the commitment's status allows (the services refuse the others anyway).
            actions = {
                "draft": [("sign", lambda: (sign_form(), cancel_form())), ("edit", edit_form)],
                "signed": [
                    ("advance", lambda: payment_form("TAM_UNG", "c_adv", t("ui.c_act_advance"))),
                    ("accept", accept_form),
                    ("pay", pay_tab),
                    ("close", lambda: (close_form(), cancel_form())),
                    ("reverse", reverse_form),
                ],
                "closed": [("pay", pay_tab), ("reverse", reverse_form)],
                "cancelled": [],
            }[detail["status"]]
            if actions:
                for tab, (_, render) in zip(st.tabs([t(f"ui.c_act_{name}") for name, _ in actions]), actions, strict=True):
                    with tab:
                        render()

# --- new commitment (officers) -------------------------------------------------------------------
if officer:
    from ledger.services.budget import LineFilters, list_lines

    category = spending.KIND_CATEGORY[kind]
    lines = {r["id"]: f"{r['code']} – {r['description'][:60]}" for r in list_lines(db, current, LineFilters(year=year, category=category))}
    policies = policies_for(db, current)
    with st.expander(t("ui.c_new", kind=t(KINDS[kind]).lower()), expanded=not rows):
        if not lines:
            st.info(t("ui.c_no_lines", category=category))
        else:
            with db.read() as session:
                agencies = {a.code: a.name for a in spending.press_agencies(session)}
            line_id = st.selectbox(t("ui.line"), list(lines), format_func=lambda i: lines[i], key="new_line")
            reference = st.text_input(t("ui.c_reference_course") if kind == "course" else t("ui.c_reference"), key="new_reference")
            stage_labels = {"HOACH_DINH": t("ui.stage_HOACH_DINH"), "BAN_HANH": t("ui.stage_BAN_HANH"), "THUC_THI": t("ui.stage_THUC_THI")}
            stage = st.selectbox(t("ui.c_stage"), ["", *stage_labels], format_func=optional(stage_labels), key="new_stage")
            policy = st.selectbox(t("ui.policy"), ["", *policies], format_func=optional(policies), key="new_policy")
            data: dict = {"year": year, "reference": reference, "line": line_id, "stage": stage or None, "policy_code": policy or None}
            if kind == "order":
                data["press_agency"] = st.selectbox(t("ui.c_press_agency"), ["", *agencies], format_func=optional(agencies), key="new_agency")
                data["description"] = st.text_input(t("ui.description"), key="new_description")
                count = st.number_input(t("ui.c_item_count"), min_value=0, max_value=20, value=1, step=1, key="new_item_count")
                items = []
                for n in range(int(count)):
                    cols = st.columns([3, 1, 1, 2])
                    items.append(
                        {
                            "product": cols[0].text_input(t("ui.c_product"), key=f"new_item_product_{n}"),
                            "quantity": cols[1].text_input(t("ui.c_quantity"), key=f"new_item_quantity_{n}", value="1"),
                            "unit_of_measure": cols[2].text_input(t("ui.c_uom"), key=f"new_item_uom_{n}"),
                            "unit_price": cols[3].text_input(t("ui.c_unit_price"), key=f"new_item_price_{n}", placeholder="1.000.000"),
                        }
                    )
                data["items"] = items
                if not items:
                    data["value"] = st.text_input(t("ui.c_value"), key="new_value", placeholder="1.000.000")
                create = spending.create_order
            elif kind == "course":
                data["title"] = st.text_input(t("ui.c_title"), key="new_title")
                bounds = date_in_year(year)
                data["start_date"] = st.date_input(t("ui.c_from"), format="DD/MM/YYYY", key="new_start", **bounds)
                data["end_date"] = st.date_input(t("ui.c_to"), format="DD/MM/YYYY", key="new_end", **bounds)
                data["participants"] = st.text_input(t("ui.c_participants"), key="new_participants")
                data["cost"] = st.text_input(t("ui.c_cost"), key="new_cost", placeholder="1.000.000")
                create = spending.create_course
            else:
                data["vendor"] = st.text_input(t("ui.c_vendor"), key="new_vendor")
                services = {code: (vi if lang() == "vi" else en) for code, (vi, en) in spending.SERVICE_LABELS.items()}
                data["service_type"] = st.selectbox(t("ui.c_service_type"), list(services), format_func=lambda c: services[c], key="new_service")
                data["start_date"] = st.date_input(t("ui.c_from"), format="DD/MM/YYYY", key="new_start", value=dt.date(year, 1, 1))
                data["end_date"] = st.date_input(t("ui.c_to"), format="DD/MM/YYYY", key="new_end", value=dt.date(year, 12, 31))
                data["value"] = st.text_input(t("ui.c_contract_value"), key="new_value", placeholder="1.000.000")
                data["description"] = st.text_input(t("ui.description"), key="new_description")
                create = spending.create_it_contract
            if st.button(t("ui.c_create"), type="primary", key="new_submit"):
                made = attempt(lambda: create(db, current, **data))
                if made:
                    st.session_state["c_pick_next"] = made.reference
                    keys = [k for k in st.session_state if isinstance(k, str) and k.startswith("new_") and k not in ("new_line", "new_item_count")]
                    clear_inputs(*keys)
                    flash_and_rerun(t("ui.c_created", reference=made.reference, value=money(made.value)))
