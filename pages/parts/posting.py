"""Deliberate posting on screen (issue 10): every posting form carries a one-time token issued when
it is drawn (the service refuses a second posting with it), an irreversible step asks for a tick
that names what it will do, and an entry identical to one posted minutes ago asks for one too.
After a posting the form's token, inputs and ticks are dropped, so the next drawing starts empty."""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st

from ledger.domain.formatting import format_datetime
from ledger.queries.postings import recent_twin
from ledger.services import tokens
from ledger.store.db import Database
from pages.common import clear_inputs, t

VIETNAM = dt.timedelta(hours=7)  # stored times are UTC; Vietnam keeps one offset all year


def token(form: str) -> str:
    """The form's token for this drawing (kept across refused submits, dropped once it posted)."""
    return st.session_state.setdefault(f"token_{form}", tokens.new())


def posted(form: str, *keys: str) -> None:
    """The form posted: a new token next time, its inputs and ticks cleared."""
    clear_inputs(f"token_{form}", f"confirm_{form}", f"twin_{form}", f"twin_ok_{form}", *keys)


def confirm_box(form: str, sentence: str) -> bool:
    """Inside a form: the tick an irreversible step needs, its label saying what will happen."""
    return st.checkbox(sentence, key=f"confirm_{form}")


def confirmed(ticked: bool, where: Any = None) -> bool:
    """Whether the tick was given; if not, say so beside the form (nothing is posted)."""
    if not ticked:
        (where or st).error(t("ui.confirm_needed"))
    return ticked


def twin_box(form: str) -> None:
    """Inside a form: once an identical entry was found, what was found and the tick that posts it anyway."""
    found = st.session_state.get(f"twin_{form}")
    if found:
        st.warning(found)
        st.checkbox(t("ui.twin_confirm"), key=f"twin_ok_{form}")


def twin_allows(db: Database, form: str, entry: str, amount: Any, date: Any, **same: Any) -> bool:
    """Whether to post: no identical entry in the last minutes, or the user ticked that it is meant."""
    if st.session_state.get(f"twin_ok_{form}"):
        return True
    when = recent_twin(db, entry, amount, date, **same)
    if when is None:
        return True
    # Shown inside the form on the rerun, with its tick; what was typed stays.
    st.session_state[f"twin_{form}"] = t("ui.twin_found", time=format_datetime(when + VIETNAM))
    st.rerun()
    return False
