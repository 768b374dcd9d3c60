"""Real concurrent connections racing for the last balance of a line: exactly one wins."""

from __future__ import annotations

import threading

from sqlalchemy import select

from ledger.domain.errors import ValidationError
from ledger.queries.records import record_type
from ledger.services import commitments
from ledger.store.balances import line_balance
from ledger.store.db import Database
from ledger.store.models import BudgetLine, Commitment
from ledger.store.verify import verify


def _race(url: str, actor, commitment_ids: list[int]) -> list[object]:
    """Sign each draft from its own engine (own connection), all released at the same instant."""
    barrier = threading.Barrier(len(commitment_ids))
    outcomes: list[object] = [None] * len(commitment_ids)

    def sign(index: int, commitment_id: int) -> None:
        db = Database(url)
        try:
            barrier.wait(timeout=30)
            outcomes[index] = commitments.sign(db, actor, commitment_id, "02/03/2026")
        except Exception as error:  # noqa: BLE001 - the outcome is what the test inspects
            outcomes[index] = error
        finally:
            db.dispose()

    threads = [threading.Thread(target=sign, args=(i, cid)) for i, cid in enumerate(commitment_ids)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_two_sessions_committing_the_last_balance_one_succeeds(demo_db, demo_url, actors):
    officer = actors["officer"]
    with demo_db.read() as session:
        line = session.scalars(select(BudgetLine).where(BudgetLine.code == "BYT-TT-26-01")).one()
        available = line_balance(session, line.id).available
    assert available > 0
    drafts = [
        commitments.create_order(
            demo_db, officer, year=2026, reference=f"RACE-{n}", line=line.id, press_agency="SKDS",
            description="Đặt hàng tranh số dư cuối", value=available,
        ).id
        for n in (1, 2)
    ]

    outcomes = _race(demo_url, officer, drafts)

    winners = [o for o in outcomes if isinstance(o, record_type(Commitment))]  # the write's frozen record
    losers = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    assert winners[0].status == "signed"
    assert "BYT-TT-26-01" in losers[0].messages("en")[0]
    with demo_db.read() as session:
        assert line_balance(session, line.id).available == 0
        statuses = sorted(session.scalars(select(Commitment.status).where(Commitment.id.in_(drafts))))
        assert statuses == ["draft", "signed"]
        assert verify(session).ok
