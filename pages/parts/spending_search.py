"""The search and filters of the payments screen (voucher, line, agency, date range, amount) and the
caption of a list whose count and total come from SQL over everything selected (issue 10)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from ledger.domain.formatting import parse_amount
from ledger.queries import catalogue
from ledger.queries.spending import Found, SpendingFilters
from ledger.store.db import Database
from pages.common import money, optional, t


def _amount(label: str, key: str, column) -> int | None:
    value, error = parse_amount(column.text_input(label, key=key, placeholder="1.000.000"))
    if error and st.session_state.get(key):
        column.caption(error.message())
    return value if not error else None


def spending_filters(db: Database, year: int, lines: dict[int, str], *, prefix: str, agencies: bool = True) -> SpendingFilters:
    """Draw the filters (folded away until needed) and return what they select."""
    with st.expander(t("ui.p_search"), expanded=bool(st.session_state.get(f"{prefix}_search"))):
        a, b, c = st.columns([2, 2, 2])
        search = a.text_input(t("ui.search"), key=f"{prefix}_search", placeholder=t("ui.p_search_hint"))
        line_id = b.selectbox(t("ui.line"), ["", *lines], format_func=optional(lines), key=f"{prefix}_line_filter")
        agency = ""
        if agencies:
            names = {a.code: a.name for a in catalogue.press_agencies(db)}
            agency = c.selectbox(t("ui.press_agency"), ["", *names], format_func=optional(names), key=f"{prefix}_agency")
        a, b, c, d = st.columns(4)
        first, last = dt.date(year, 1, 1), dt.date(year + 1, 1, 31)
        date_from = a.date_input(t("ui.p_from"), value=None, min_value=first, max_value=last, format="DD/MM/YYYY", key=f"{prefix}_from")
        date_to = b.date_input(t("ui.p_to"), value=None, min_value=first, max_value=last, format="DD/MM/YYYY", key=f"{prefix}_to")
        least = _amount(t("ui.p_amount_min"), f"{prefix}_min", c)
        most = _amount(t("ui.p_amount_max"), f"{prefix}_max", d)
    return SpendingFilters(year, search or None, line_id or None, agency or None, date_from, date_to, least, most)


def found_caption(found: Found) -> None:
    """How many were found and their total (all of them), and when the list is shortened, by how much."""
    st.caption(t("ui.p_total", count=f"{found.count:,}".replace(",", "."), total=money(found.total)))
    if found.shortened:
        st.caption(t("ui.p_shortened", shown=f"{len(found.rows):,}".replace(",", "."), count=f"{found.count:,}".replace(",", ".")))
