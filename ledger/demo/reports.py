"""The demo's reports to the Ministry (letter 837, item 4), submitted through the report service by
the operator at given moments: in the small demo, three of the four units below the national roll-up
submitted their 2025 report (one of them after the deadline, 31/03/2026) and one has not; in the
scale demo, every agency submitted its report on the year before ``today``'s, before the deadline.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ledger.domain import clock
from ledger.services.report import submit
from ledger.store.access import SYSTEM
from ledger.store.db import Database
from ledger.store.models import FiscalYear, Unit

# unit, moment of submission; DNG has not submitted. HCM submitted after the deadline.
SMALL_SUBMISSIONS = (
    ("BYT", dt.datetime(2026, 3, 20, 9, 30)),
    ("HNI", dt.datetime(2026, 3, 27, 15, 0)),
    ("HCM", dt.datetime(2026, 4, 8, 10, 15)),
)
SMALL_YEAR = 2025


def submit_small(session, today: dt.date) -> int:
    """The small demo's submissions that ``today`` has reached (none before they happened)."""
    done = 0
    for code, moment in SMALL_SUBMISSIONS:
        if moment.date() <= today:
            submit.in_session(session, SYSTEM, code, SMALL_YEAR, at=moment)
            done += 1
    return done


def submit_scale(db: Database, today: dt.date | None = None) -> int:
    """Every agency directly below the national root submits its report on the previous year. Run
    after ``load_scale_demo`` (whose load is deterministic, hash for hash; these events are not)."""
    today = today or clock.today()
    year = today.year - 1
    moment = dt.datetime.combine(min(dt.date(today.year, 3, 20), today), dt.time(9, 0))
    with db.write() as session:
        if session.get(FiscalYear, year) is None:
            return 0
        root = session.scalars(select(Unit.id).where(Unit.parent_id.is_(None)).order_by(Unit.id)).first()
        agencies = list(session.scalars(select(Unit.code).where(Unit.parent_id == root).order_by(Unit.code)))
        for code in agencies:
            submit.in_session(session, SYSTEM, code, year, at=moment)
    return len(agencies)
