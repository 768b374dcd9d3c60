"""The coverage section of the team screen (for leaders first): the figures of a unit's subtree on
a day, the units flagged for having no spokesperson or no dedicated person, a chart of units by
coverage and the trend by year — all from ``ledger.reports.coverage``."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ledger.domain import clock
from ledger.domain.formatting import format_date
from ledger.reports import coverage_charts
from ledger.reports.coverage import UnitCoverage, coverage, coverage_trend
from ledger.store.access import Actor
from ledger.store.db import Database
from pages.common import attempt, lang, money, t, unit_label, units_for, year_choices


def _flagged(title_key: str, units: tuple[UnitCoverage, ...]) -> None:
    st.markdown(f"**{t(title_key)}** ({len(units)})")
    if units:
        st.warning("\n".join(f"- {u.code} – {u.name}" for u in units))
    else:
        st.caption(t("ui.cov_none_flagged"))


def render(db: Database, current: Actor) -> None:
    units = units_for(db, current)
    if not units:
        return
    c1, c2 = st.columns([3, 1])
    unit = c1.selectbox(t("ui.cov_unit"), [u.code for u in units], format_func={u.code: unit_label(u) for u in units}.get, key="cov_unit")
    day = c2.date_input(t("ui.cov_on"), value=clock.today(), max_value=clock.today(), format="DD/MM/YYYY", key="cov_day")
    found = attempt(lambda: coverage(db, current, unit, day))
    if found is None:
        return
    m = [*st.columns(3), *st.columns(3)]
    m[0].metric(t("ui.cov_people"), found.people)
    m[1].metric(t("ui.cov_dedicated"), found.dedicated)
    m[2].metric(t("ui.cov_part_time"), found.part_time)
    m[3].metric(t("ui.cov_trained_policy"), found.trained_policy)
    m[4].metric(t("ui.cov_trained_crisis"), found.trained_crisis)
    m[5].metric(t("ui.cov_cost_per"), money(found.cost_per_trained) if found.cost_per_trained is not None else "–")
    st.caption(t("ui.cov_window", first=format_date(found.window_start), last=format_date(found.on)))
    f1, f2 = st.columns(2)
    with f1:
        _flagged("ui.cov_no_spokesperson", found.without_spokesperson)
    with f2:
        _flagged("ui.cov_no_dedicated", found.without_dedicated)
    st.subheader(t("ui.cov_units_chart"))
    st.plotly_chart(coverage_charts.units_chart(found, lang()), key="cov_units_chart")
    st.subheader(t("ui.cov_trend"))
    trend = attempt(lambda: coverage_trend(db, current, unit, year_choices(db), today=day))
    if trend:
        st.plotly_chart(coverage_charts.trend_chart(trend, lang()), key="cov_trend_chart")
        st.dataframe(
            pd.DataFrame(
                {
                    t("ui.cov_year"): [str(y.year) for y in trend],
                    t("ui.cov_on"): [format_date(y.on) for y in trend],
                    t("ui.cov_people"): [y.people for y in trend],
                    t("ui.cov_dedicated"): [y.dedicated for y in trend],
                    t("ui.cov_trained_policy"): [y.trained_policy for y in trend],
                    t("ui.cov_trained_crisis"): [y.trained_crisis for y in trend],
                    t("ui.cov_no_spokesperson"): [y.without_spokesperson for y in trend],
                }
            ),
            hide_index=True,
            width="stretch",
        )
