"""What every screen shares: the database handle, the signed-in actor, language, and error display.

Pages stay thin: they gather input, call ``ledger``, and render with the helpers here.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from ledger.domain import clock, codes
from ledger.domain.errors import LedgerError
from ledger.domain.session import is_expired, session_minutes
from ledger.i18n import t as translate
from ledger.queries import catalogue
from ledger.queries.lines import AdjustmentRow
from ledger.store import schema
from ledger.store.access import Actor
from ledger.store.db import Database, database_url, is_storage_failure, storage_error

T = TypeVar("T")


@st.cache_resource(show_spinner=False, on_release=Database.dispose)
def _database(url: str) -> Database:
    db = Database(url)
    if not schema.has_schema(db) or not schema.is_current(db):
        schema.upgrade(db)
    return db


def database() -> Database:
    """The process-wide database for LEDGER_DATABASE_URL (migrated on first use); a database that
    cannot be reached is a ``StorageError`` (shown as a sentence), never a traceback."""
    try:
        return _database(database_url())
    except Exception as error:
        if is_storage_failure(error):
            raise storage_error(error) from error
        raise


def lang() -> str:
    return st.session_state.get("lang", "vi")


def t(key: str, **params: Any) -> str:
    return translate(key, lang(), **params)


def actor() -> Actor | None:
    return st.session_state.get("actor")


def sign_out() -> None:
    """Forget everything of this session but its language."""
    for key in list(st.session_state.keys()):
        if key != "lang":
            del st.session_state[key]


def keep_session_alive(now: float | None = None) -> bool:
    """On every run: forget the actor after LEDGER_SESSION_MINUTES idle (then True: it just expired),
    else note that the session is in use."""
    now = time.time() if now is None else now
    if st.session_state.get("actor") is None:
        return False
    if is_expired(st.session_state.get("last_seen"), now, session_minutes()):
        sign_out()
        st.session_state["session_expired"] = True
        return True
    st.session_state["last_seen"] = now
    return False


def sso_configured() -> bool:
    """Whether single sign-on is set up: an ``[auth]`` section in .streamlit/secrets.toml."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def sso_provider() -> str | None:
    """The provider for ``st.login``: None when ``[auth]`` holds the provider's settings itself, else
    the first named provider (``[auth.microsoft]``…)."""
    section = st.secrets["auth"]
    if "client_id" in section:
        return None
    return next((name for name, value in section.items() if hasattr(value, "keys")), None)


def sso_logged_in() -> bool:
    """Whether the browser carries a single sign-on login (Streamlit's identity cookie)."""
    try:
        return bool(sso_configured() and st.user.get("is_logged_in"))
    except Exception:
        return False


def require_actor() -> Actor:
    current = actor()
    if current is None:
        st.stop()
    return current


def role_label(role: str) -> str:
    return codes.label(codes.ROLES, role, lang())


def code_label(labels: codes.Labels, code: str | None) -> str:
    """A code's label from one of ``ledger.domain.codes``' lists, in the current language."""
    return codes.label(labels, code, lang())


def attempt(action: Callable[[], T], success: str | None = None, *, where: Any = None) -> T | None:
    """Run a ledger call; show its problems as sentences (never a traceback) and return None on refusal.

    ``where`` is a container to show them in (e.g. above a set of tabs, so they stay in sight)."""
    target = where if where is not None else st
    try:
        result = action()
    except LedgerError as error:
        for message in error.messages(lang()):
            target.error(message)
        return None
    if success:
        target.success(success)
    return result


def year_choices(db: Database) -> list[int]:
    years = [y.year for y in catalogue.fiscal_years(db)]
    return years or [clock.today().year]


def default_year(years: list[int]) -> int:
    today = clock.today().year
    return today if today in years else years[0]


# --- display helpers shared by the ledger screens ---------------------------------------------

def money(amount: int | None) -> str:
    """An amount as the screens show it: '1.234.567 đ'."""
    from ledger.domain.formatting import format_vnd

    return format_vnd(None if amount is None else int(amount))


def amount_column(label: str):
    """A right-aligned text column for amounts already formatted with ``money``."""
    return st.column_config.TextColumn(label, alignment="right")


def show_flash() -> None:
    """Show (once) the success message a write left before its rerun."""
    message = st.session_state.pop("flash", None)
    if message:
        st.success(message)


def flash_and_rerun(message: str) -> None:
    st.session_state["flash"] = message
    st.rerun()


def is_officer(current: Actor) -> bool:
    """Whether to offer write forms; the services check the role and the unit again on every write."""
    return current.role == "officer"


def require_admin_page(current: Actor) -> None:
    """Stop an admin screen for anyone else (the admin services refuse them too)."""
    if current.role != "admin":
        st.error(t("ui.admin_only"))
        st.stop()


def select_year(db: Database, key: str, label_key: str = "ui.year") -> int:
    years = year_choices(db)
    return st.selectbox(t(label_key), years, index=years.index(default_year(years)), key=key)


def units_for(db: Database, current: Actor) -> list[catalogue.UnitRow]:
    """Units in the actor's scope, tree order, with their depth."""
    return catalogue.units(db, current)


def unit_label(unit: catalogue.UnitRow, indent: bool = True) -> str:
    pad = "\u2003" * unit.depth if indent else ""
    return f"{pad}{unit.code} – {unit.name}"


def catalogues(db: Database) -> dict[str, dict[str, str]]:
    """Category and source codes with their label in the current language, in catalogue order."""
    lists = catalogue.code_lists(db)
    return {
        "category": {c.code: c.label(lang()) for c in lists.categories},
        "source": {s.code: s.label(lang()) for s in lists.sources},
    }


def policies_for(db: Database, current: Actor) -> dict[str, str]:
    return {p.code: p.name for p in catalogue.policies(db, current)}


def optional(labels: dict[str, str]) -> Callable[[str], str]:
    """A format_func for a selectbox whose first option "" means 'none' / 'all'."""

    def label(code: str) -> str:
        return labels.get(code, code) if code else "—"

    return label


def clear_inputs(*keys: str) -> None:
    """Forget what was typed into these widgets (after a successful write), so the form starts empty."""
    for key in keys:
        st.session_state.pop(key, None)


def date_in_year(year: int) -> dict[str, dt.date]:
    """Arguments for an st.date_input bounded to a fiscal year, defaulting to today (or the nearest day)."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return {"value": min(max(clock.today(), first), last), "min_value": first, "max_value": last}


def adjustment_kind(row: AdjustmentRow) -> str:
    if row.reverses_id:
        return t("ui.kind_reversal", id=row.reverses_id)
    if row.transfer_key:
        return t("ui.kind_transfer")
    return t("ui.kind_adjustment")


def yes_no(flag: bool) -> str:
    return "✓" if flag else ""
