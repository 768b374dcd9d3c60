"""The officers' actions on one commitment: exactly those ``rules.commitment_actions`` allows now
(the services refuse the others anyway), each in a tab with its form."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from ledger.domain import codes
from ledger.domain.formatting import format_amount
from ledger.queries.commitments import CommitmentDetail
from ledger.services import commitments, payments
from ledger.store.access import Actor
from ledger.store.db import Database
from pages.common import attempt, clear_inputs, date_in_year, flash_and_rerun, lang, money, t
from pages.parts import posting


class Actions:
    """The forms of one commitment as this person saw it when the screen was drawn."""

    def __init__(self, db: Database, current: Actor, detail: CommitmentDetail):
        self.db, self.current, self.detail = db, current, detail
        c = detail.commitment
        self.cid, self.reference, self.year = c.id, c.reference, c.year
        # Optimistic locking: a form sends the version this person saw when it was drawn (the run
        # before the click), not the version read again on the click's run, so that a change made
        # by someone else in between is refused ("commitment.stale") instead of overwritten.
        seen_versions = st.session_state.setdefault("c_seen_version", {})
        self.expected = seen_versions.get(c.id, c.version)
        seen_versions[c.id] = c.version
        self.bounds = date_in_year(c.year)
        self.feedback = st.container()  # refusals show here, above the tabs, whichever tab is open after the rerun
        self.allowed = detail.actions

    def _do(self, call: Callable[[], object]) -> object:
        return attempt(call, where=self.feedback)

    def _step(self, form: str, call: Callable[[str], object], done: str, *keys: str) -> None:
        """An irreversible step's submit: only with its tick (which names what it does), once per token."""
        token = posting.token(form)
        if posting.confirmed(st.session_state.get(f"confirm_{form}", False), self.feedback) and self._do(lambda: call(token)):
            posting.posted(form, *keys)
            flash_and_rerun(done)

    def sign(self) -> None:
        c, line = self.detail.commitment, self.detail.line
        sentence = t("ui.confirm_sign", reference=c.reference, amount=money(c.value), line=c.line_code, after=money(line.available - c.value))
        with st.form("c_sign_form"):
            signed_on = st.date_input(t("ui.c_signed_on"), format="DD/MM/YYYY", key="c_sign_date", **self.bounds)
            posting.confirm_box("c_sign", sentence)
            clicked = st.form_submit_button(t("ui.c_act_sign"), type="primary")
        if clicked:
            self._step("c_sign", lambda token: commitments.sign(self.db, self.current, self.cid, signed_on, expected_version=self.expected, token=token), t("ui.c_signed", reference=self.reference))

    def cancel(self) -> None:
        c, balance = self.detail.commitment, self.detail.balance
        sentence = t("ui.confirm_cancel", reference=c.reference, amount=money(c.value), released=money(balance.held), line=c.line_code)
        with st.form("c_cancel_form"):
            reason = st.text_input(t("ui.reason"), key="c_cancel_reason")
            posting.confirm_box("c_cancel", sentence)
            clicked = st.form_submit_button(t("ui.c_act_cancel"))
        if clicked:
            self._step("c_cancel", lambda token: commitments.cancel(self.db, self.current, self.cid, reason, expected_version=self.expected, token=token), t("ui.c_cancelled", reference=self.reference), "c_cancel_reason")

    def edit(self) -> None:
        c, cid = self.detail.commitment, self.cid
        st.caption(t("ui.c_edit_hint", version=c.version))
        with st.form("c_edit_form"):
            description = st.text_input(t("ui.c_title") if c.kind == "course" else t("ui.description"), value=c.description, key=f"c_edit_description_{cid}")
            changes: dict = {"description": description}
            if not self.detail.items:
                label = t("ui.c_cost") if c.kind == "course" else t("ui.c_contract_value") if c.kind == "it_service" else t("ui.c_value")
                changes["value"] = st.text_input(label, value=format_amount(c.total_value), key=f"c_edit_value_{cid}")
            if c.kind == "course":
                changes["participants"] = st.text_input(t("ui.c_participants"), value=str(c.participants or ""), key=f"c_edit_participants_{cid}")
            if st.form_submit_button(t("ui.c_edit_save"), type="primary"):
                if self._do(lambda: commitments.update_draft(self.db, self.current, cid, self.expected, **changes)):
                    clear_inputs(f"c_edit_description_{cid}", f"c_edit_value_{cid}", f"c_edit_participants_{cid}")
                    flash_and_rerun(t("ui.c_edited", reference=self.reference))

    def _payment(self, kind: str, prefix: str, label: str) -> None:
        with st.form(f"{prefix}_form"):
            voucher = st.text_input(t("ui.c_voucher"), key=f"{prefix}_voucher")
            when = st.date_input(t("ui.date"), format="DD/MM/YYYY", key=f"{prefix}_date", **self.bounds)
            amount = st.text_input(t("ui.amount"), key=f"{prefix}_amount", placeholder="1.000.000")
            posting.twin_box(prefix)
            clicked = st.form_submit_button(label, type="primary")
        token = posting.token(prefix)
        if clicked and posting.twin_allows(self.db, prefix, "payment", amount, when, commitment_id=self.cid, kind=kind):
            done = self._do(lambda: payments.record_payment(self.db, self.current, year=self.year, voucher_no=voucher, date=when, kind=kind, commitment=self.cid, amount=amount, token=token))
            if done:
                posting.posted(prefix, f"{prefix}_voucher", f"{prefix}_amount")
                flash_and_rerun(t("ui.c_paid_done", amount=money(done.amount)))

    def advance(self) -> None:
        self._payment("TAM_UNG", "c_adv", t("ui.c_act_advance"))

    def pay(self) -> None:
        st.caption(t("ui.c_payable", amount=money(self.detail.balance.payable)))
        self._payment("THANH_TOAN", "c_pay", t("ui.c_act_pay"))

    def accept(self) -> None:
        with st.form("c_accept_form"):
            record_no = st.text_input(t("ui.c_record_no"), key="c_acc_record")
            when = st.date_input(t("ui.date"), format="DD/MM/YYYY", key="c_acc_date", **self.bounds)
            value = st.text_input(t("ui.c_accepted_value"), key="c_acc_value", placeholder="1.000.000")
            evidence = st.text_input(t("ui.c_evidence"), key="c_acc_evidence", placeholder=t("ui.c_evidence_hint"))
            clicked = st.form_submit_button(t("ui.c_act_accept"), type="primary")
        token = posting.token("c_accept")
        if clicked:
            done = self._do(lambda: commitments.accept(self.db, self.current, self.cid, record_no, when, value, evidence, token=token))
            if done:
                posting.posted("c_accept", "c_acc_record", "c_acc_value", "c_acc_evidence")
                flash_and_rerun(t("ui.c_accepted_done", amount=money(done.accepted_value)))

    def close(self) -> None:
        c, balance = self.detail.commitment, self.detail.balance
        sentence = t("ui.confirm_close", reference=c.reference, final=money(balance.accepted), released=money(balance.held - balance.accepted), line=c.line_code)
        st.caption(t("ui.c_close_hint"))
        with st.form("c_close_form"):
            reason = st.text_input(t("ui.reason"), key="c_close_reason")
            posting.confirm_box("c_close", sentence)
            clicked = st.form_submit_button(t("ui.c_act_close"), type="primary")
        if clicked:
            self._step("c_close", lambda token: commitments.close(self.db, self.current, self.cid, reason, expected_version=self.expected, token=token), t("ui.c_closed", reference=self.reference), "c_close_reason")

    def reverse(self) -> None:
        """Reverse a payment or an acceptance: only those entries the rulebook lets be reversed."""
        entries: dict[str, str] = {}
        if "reverse_payment" in self.allowed:
            entries |= {f"P{p.id}": f"{codes.label(codes.PAYMENT_KINDS, p.kind, lang())} {p.voucher_no} · {money(p.amount)}" for p in self.detail.payments if p.reversible}
        if "reverse_acceptance" in self.allowed:
            entries |= {f"A{a.id}": f"{t('ui.c_entry_acceptance')} {a.record_no} · {money(a.accepted_value)}" for a in self.detail.acceptances if a.reversible}
        # Nothing pre-selected; picked outside the form so that the tick can name the entry.
        entry = st.selectbox(t("ui.c_entry"), list(entries), index=None, format_func=entries.get, placeholder=t("ui.pick_entry"), key="c_rev_entry")
        sentence = t("ui.confirm_reverse", entry=entries[entry]) if entry in entries else ""
        with st.form("c_reverse_form"):
            reason = st.text_input(t("ui.reason"), key="c_rev_reason")
            if entry in entries:
                posting.confirm_box("c_reverse", sentence)
            clicked = st.form_submit_button(t("ui.c_act_reverse"))
        if clicked and entry is None:
            self.feedback.error(t("ui.pick_entry_first"))
        elif clicked:
            call = payments.reverse_payment if entry[0] == "P" else commitments.reverse_acceptance
            self._step("c_reverse", lambda token: call(self.db, self.current, int(entry[1:]), reason, token=token), t("ui.c_reversed"), "c_rev_entry", "c_rev_reason")

    def tabs(self) -> list[tuple[str, Callable[[], None]]]:
        """The tabs to draw: one per allowed action; cancelling sits beside signing (a draft) or
        closing out (a signed commitment), reversing acceptances and payments share one tab."""
        allowed = self.allowed
        cancel_beside = "sign" if "sign" in allowed else "close"
        shown: list[tuple[str, Callable[[], None]]] = []
        for name in ("sign", "edit", "advance", "accept", "pay", "close"):
            render = getattr(self, name)
            if name in allowed and name == cancel_beside and "cancel" in allowed:
                shown.append((name, lambda render=render: (render(), self.cancel())))
            elif name in allowed:
                shown.append((name, render))
        if "cancel" in allowed and not any(name == cancel_beside for name, _ in shown):
            shown.append(("cancel", self.cancel))
        if {"reverse_acceptance", "reverse_payment"} & set(allowed):
            shown.append(("reverse", self.reverse))
        return shown


def action_tabs(db: Database, current: Actor, detail: CommitmentDetail) -> None:
    actions = Actions(db, current, detail)
    shown = actions.tabs()
    if shown:
        # Keyed and tracked, so the open tab survives every rerun (a refused or a posted submit).
        for tab, (_, render) in zip(st.tabs([t(f"ui.c_act_{name}") for name, _ in shown], key="c_tabs", on_change="rerun"), shown, strict=True):
            with tab:
                render()
