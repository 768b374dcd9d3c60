"""A child process for tests/store/test_faults.py: starts a write (a payment or a workbook import) or an
export through the ledger's services, stops in the middle of it holding its transaction open, says
"HOLDING" on stdout, and waits to be killed (SIGKILL) by the test.

    python tests/fault_child.py payment|import|export DATABASE_URL [FILE]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, select  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from ledger.services import payments  # noqa: E402
from ledger.store import audit  # noqa: E402
from ledger.store.access import Actor  # noqa: E402
from ledger.store.db import Database  # noqa: E402
from ledger.store.models import User  # noqa: E402

HOLD_SECONDS = 600


def hold() -> None:
    print("HOLDING", flush=True)
    time.sleep(HOLD_SECONDS)


def hold_after_events(count: int) -> None:
    """Stop inside the write transaction once ``count`` audit events (and their rows) are flushed."""
    original = audit.record_change
    seen = 0

    def holding(*args, **kwargs):
        nonlocal seen
        result = original(*args, **kwargs)
        seen += 1
        if seen == count:
            hold()
        return result

    audit.record_change = holding


def hold_after_statements(count: int) -> None:
    """Stop after ``count`` SQL statements of the run (an export is a read: no audit event to wait for)."""
    seen = 0

    @event.listens_for(Engine, "after_cursor_execute")
    def after(*_args):
        nonlocal seen
        seen += 1
        if seen == count:
            hold()


def actor(db: Database, username: str) -> Actor:
    with db.read() as session:
        return Actor.of(session.scalars(select(User).where(User.username == username)).one())


def main() -> None:
    mode, url = sys.argv[1], sys.argv[2]
    db = Database(url)
    if mode == "payment":
        officer = actor(db, "officer")
        line = int(sys.argv[3])
        hold_after_events(1)
        payments.record_payment(db, officer, year=2026, voucher_no="C-BI-GIET", date="02/02/2026", kind="THANH_TOAN", line=line, amount=1_000_000)
    elif mode == "import":
        from ledger.excel.importer import import_workbook

        officer = actor(db, "officer")
        hold_after_events(3)
        import_workbook(db, officer, Path(sys.argv[3]))
    elif mode == "export":
        from ledger.excel import export_workbook

        auditor = actor(db, "auditor")
        hold_after_statements(12)
        export_workbook(db, auditor, Path(sys.argv[3]), None)
    print("FINISHED (the test should have killed this process)", flush=True)


if __name__ == "__main__":
    main()
