"""How long a screen session stays signed in while idle (LEDGER_SESSION_MINUTES, default 60).

Pure helpers, so that tests can call them; ``pages.common.keep_session_alive`` applies them to
Streamlit's session state on every run of the app.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

DEFAULT_SESSION_MINUTES = 60
SESSION_MINUTES_VARIABLE = "LEDGER_SESSION_MINUTES"


def session_minutes(environ: Mapping[str, str] | None = None) -> int:
    """Idle minutes before a session forgets its user: LEDGER_SESSION_MINUTES when it is a whole
    number from 1 to 1440 (a day), else the default."""
    raw = (os.environ if environ is None else environ).get(SESSION_MINUTES_VARIABLE, "")
    try:
        minutes = int(str(raw).strip())
    except ValueError:
        return DEFAULT_SESSION_MINUTES
    return minutes if 1 <= minutes <= 1440 else DEFAULT_SESSION_MINUTES


def is_expired(last_seen: float | None, now: float, minutes: int) -> bool:
    """Whether a session last active at ``last_seen`` (seconds) has been idle longer than ``minutes``
    at ``now``. A session never seen before has not expired (it starts counting now)."""
    if last_seen is None:
        return False
    return now - last_seen > minutes * 60
