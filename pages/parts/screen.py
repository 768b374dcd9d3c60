"""The opening every screen shares (the signed-in actor, the database, the title, the message a
write left) and the unit pickers of their filters, so that each screen starts the same way."""

from __future__ import annotations

from typing import Any

import streamlit as st

from ledger.store.access import Actor
from ledger.store.db import Database
from pages.common import database, optional, require_actor, require_admin_page, show_flash, t, unit_label, units_for


def open_screen(title_key: str, *, admin_only: bool = False) -> tuple[Actor, Database]:
    """Stop the run unless someone is signed in, draw the title, refuse an admin-only screen to anyone
    else under that title, and show (once) the success message of the write before the rerun.

    The database is opened after the refusal: streamlit_app.py has opened it already (and stopped
    with a sentence if it could not), so here it is only the cached handle."""
    current = require_actor()
    st.title(t(title_key))
    if admin_only:
        require_admin_page(current)
    db = database()
    show_flash()
    return current, db


def scope_units(db: Database, current: Actor) -> dict[str, str]:
    """The units in the actor's scope, code → label indented by depth, in tree order."""
    return {unit.code: unit_label(unit) for unit in units_for(db, current)}


def unit_picker(
    units: dict[str, str], key: str, label_key: str = "ui.unit", *, value: str | None = None, leave_out: str | None = None, where: Any = st
) -> str:
    """A unit picker whose first choice, "" (shown as a dash), means every unit (a filter) or none (a
    form's optional unit); it starts on ``value`` when that is a choice. ``leave_out`` is a unit that
    may not be chosen (a unit is not its own parent); ``where`` the container (a form's column)."""
    options = ["", *(code for code in units if code != leave_out)]
    start = options.index(value) if value in options else 0
    return where.selectbox(t(label_key), options, index=start, format_func=optional(units), key=key)
