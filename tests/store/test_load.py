"""Concurrency under load, on SQLite and PostgreSQL: eight writers (threads, each with its own engine
on the same URL) make 200 service calls each — orders and their signing, direct payments,
adjustments — on shared lines whose balance runs out, so that some calls are refused.

Checked afterwards, with SQL written here: no write lost or duplicated (rows and audit events equal
the calls that returned), no "database is locked" or other driver error (every refusal is a
business ``ValidationError``), no line spent past its allocation, balances equal the sum of their
rows, and the audit chain verifies. The calls per second held are printed and recorded.

And two officers editing one draft: the second is told, not silently overwritten — through the
service (also raced from two threads) and through the commitments screen.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
from conftest import actor_for
from hardening_support import app_ledger_fixture, errors, navigation_mode_fixture, start, successes  # noqa: F401
from ledger_testkit import rows, scalar

from ledger.domain.errors import LedgerError, StorageError, ValidationError
from ledger.i18n import t
from ledger.queries.commitments import commitment_detail
from ledger.services import budget, commitments, payments
from ledger.services.users import create_user
from ledger.store.access import SYSTEM, Actor
from ledger.store.balances import line_balance
from ledger.store.db import Database
from ledger.store.verify import verify

WRITERS = 8
CALLS_PER_WRITER = 200
YEAR = 2026
DAY = "02/02/2026"
# Refusals the race may legitimately produce (balances running out); anything else fails the test.
BUSINESS_REFUSALS = {"commit.over_available", "line.below_used", "line.below_zero"}


@dataclass
class Outcome:
    kind: str
    ok: bool
    result: Any = None
    error: BaseException | None = None


@dataclass
class Tally:
    outcomes: list[Outcome] = field(default_factory=list)
    crashes: list[BaseException] = field(default_factory=list)


def writer(url: str, number: int, actor: Actor, lines: dict[str, int], barrier: threading.Barrier, tally: Tally) -> None:
    """One writer: its own engine, a seeded mix of calls, every outcome kept."""
    rng = random.Random(number)
    db = Database(url)
    calls = 0
    serial = 0

    def call(what: str, fn, *args, **kwargs) -> Outcome:
        nonlocal calls
        calls += 1
        try:
            outcome = Outcome(what, True, fn(db, actor, *args, **kwargs))
        except LedgerError as error:
            outcome = Outcome(what, False, error=error)
        tally.outcomes.append(outcome)  # list.append is atomic under the GIL
        return outcome

    try:
        barrier.wait(timeout=60)
        while calls < CALLS_PER_WRITER:
            serial += 1
            choice = rng.random()
            if choice < 0.35 and calls <= CALLS_PER_WRITER - 2:
                created = call(
                    "order", commitments.create_order, year=YEAR, reference=f"TAI-{number}-{serial}", line=lines["press"],
                    press_agency="SKDS", description="Đặt hàng thử tải", value=rng.randrange(1, 40) * 100_000,
                )
                if created.ok:
                    call("sign", commitments.sign, created.result.id, DAY)
            elif choice < 0.75:
                call(
                    "payment", payments.record_payment, year=YEAR, voucher_no=f"TAI-{number}-{serial}", date=DAY,
                    kind="THANH_TOAN", line=lines["direct"], amount=rng.randrange(1, 30) * 100_000,
                )
            else:
                amount = rng.choice((1, 1, -1)) * rng.randrange(1, 20) * 100_000
                line = lines["direct"] if rng.random() < 0.5 else lines["press"]
                call("adjustment", budget.adjust_line, line, amount, DAY, f"QĐ-TAI-{number}-{serial}")
    except BaseException as crash:  # noqa: BLE001 - anything but a LedgerError is what the test looks for
        tally.crashes.append(crash)
    finally:
        db.dispose()


def sql_balance(db: Database, line: int) -> dict[str, int]:
    """A line's figures from its rows, in SQL written here."""
    allocated = scalar(
        db,
        "SELECT b.original_estimate + COALESCE((SELECT SUM(a.amount) FROM adjustments a WHERE a.line_id = b.id), 0)"
        " FROM budget_lines b WHERE b.id = :l",
        l=line,
    )
    committed = scalar(db, "SELECT COALESCE(SUM(value), 0) FROM commitments WHERE line_id = :l AND status = 'signed'", l=line)
    direct = scalar(db, "SELECT COALESCE(SUM(amount), 0) FROM payments WHERE line_id = :l AND commitment_id IS NULL", l=line)
    return {"allocated": int(allocated), "committed": int(committed), "direct_paid": int(direct)}


def test_eight_writers_lose_nothing_and_never_overspend(demo_db, demo_url, backend, record_property):
    officer = actor_for(demo_db, "officer")
    lines = {
        name: budget.add_line(
            demo_db, officer, code=f"TAI-{name.upper()}", year=YEAR, unit_code="BYT-TT", description=f"Dòng thử tải ({name})",
            category=category, source="NSNN", original_estimate=estimate,
        ).id
        for name, category, estimate in (("press", "BAO_CHI", 150_000_000), ("direct", "KHAC", 100_000_000))
    }
    with demo_db.read() as session:
        events_before = scalar(demo_db, "SELECT COUNT(*) FROM audit_events")
        assert verify(session).ok
    tables = ("commitments", "payments", "adjustments")
    counts_before = {name: int(scalar(demo_db, f"SELECT COUNT(*) FROM {name}")) for name in tables}

    tally = Tally()
    barrier = threading.Barrier(WRITERS)
    threads = [threading.Thread(target=writer, args=(demo_url, n, officer, lines, barrier, tally)) for n in range(WRITERS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    elapsed = time.perf_counter() - started
    assert not any(thread.is_alive() for thread in threads), "a writer hung"

    # No driver error ("database is locked"…), and no storage refusal either: every refusal is business.
    assert tally.crashes == []
    outcomes = tally.outcomes
    assert len(outcomes) == WRITERS * CALLS_PER_WRITER
    refusals = [o.error for o in outcomes if not o.ok]
    assert not [e for e in refusals if isinstance(e, StorageError)]
    assert all(isinstance(e, ValidationError) for e in refusals), {type(e).__name__ for e in refusals}
    assert {p.key for e in refusals for p in e.problems} <= BUSINESS_REFUSALS
    done = Counter(o.kind for o in outcomes if o.ok)
    refused = Counter(o.kind for o in outcomes if not o.ok)
    assert done["payment"] and refused["payment"], "the direct line's balance ran out during the race"
    assert done["sign"] and done["adjustment"]

    # Nothing lost, nothing duplicated: rows and events equal the calls that returned.
    counts = {name: int(scalar(demo_db, f"SELECT COUNT(*) FROM {name}")) - counts_before[name] for name in tables}
    assert counts == {"commitments": done["order"], "payments": done["payment"], "adjustments": done["adjustment"]}
    assert int(scalar(demo_db, "SELECT COUNT(*) FROM commitments WHERE reference LIKE 'TAI-%' AND status = 'signed'")) == done["sign"]
    assert int(scalar(demo_db, "SELECT COUNT(*) FROM audit_events")) - events_before == sum(done.values())
    returned_ids = {(o.kind, o.result.id) for o in outcomes if o.ok and o.kind != "sign"}
    assert len(returned_ids) == done["order"] + done["payment"] + done["adjustment"]
    payments = {int(r[0]): int(r[1]) for r in rows(demo_db, "SELECT id, amount FROM payments WHERE voucher_no LIKE 'TAI-%'")}
    assert payments == {o.result.id: o.result.amount for o in outcomes if o.ok and o.kind == "payment"}

    # Balances: the ledger's figures equal the sums of the rows, and no line went past its allocation.
    with demo_db.read() as session:
        for name, line in lines.items():
            figures = sql_balance(demo_db, line)
            balance = line_balance(session, line)
            assert (balance.allocated, balance.committed, balance.direct_paid) == (
                figures["allocated"], figures["committed"], figures["direct_paid"]
            ), name
            assert balance.available >= 0, f"line {name} overspent under concurrency"
        result = verify(session)
    assert result.ok, result.summary()

    rate = len(outcomes) / elapsed
    record_property(f"calls_per_second_{backend}", round(rate, 1))
    print(
        f"\n[{backend}] {WRITERS} writers x {CALLS_PER_WRITER} calls: {len(outcomes)} calls in {elapsed:.1f} s ="
        f" {rate:.0f} calls/s; written {dict(done)}; refused {dict(refused)}"
    )
    assert elapsed < 120


# --- two officers, one draft -----------------------------------------------------------------------


@pytest.fixture
def two_officers(demo_db):
    """The demo officer (BYT-TT) and an officer of the ministry above it (BYT): both may edit BYT-TT drafts."""
    create_user(demo_db, SYSTEM, "officer2", "officer", "demo-2", unit_code="BYT")
    first, second = actor_for(demo_db, "officer"), actor_for(demo_db, "officer2")
    line = int(scalar(demo_db, "SELECT id FROM budget_lines WHERE code = 'BYT-TT-26-01'"))
    draft = commitments.create_order(
        demo_db, first, year=YEAR, reference="NHAP-CHUNG", line=line, press_agency="SKDS", description="Bản nháp chung", value=2_000_000
    )
    return first, second, draft


def test_the_second_edit_of_a_draft_is_refused_not_overwritten(demo_db, two_officers):
    first, second, draft = two_officers
    seen_by_first = commitment_detail(demo_db, first, draft.id).commitment.version
    seen_by_second = commitment_detail(demo_db, second, draft.id).commitment.version
    assert seen_by_first == seen_by_second == 1

    commitments.update_draft(demo_db, first, draft.id, seen_by_first, description="Sửa của người thứ nhất", value="3.000.000")
    with pytest.raises(ValidationError) as stale:
        commitments.update_draft(demo_db, second, draft.id, seen_by_second, description="Sửa của người thứ hai")
    assert [p.key for p in stale.value.problems] == ["commitment.stale"]
    assert stale.value.messages("en") == [t("commitment.stale", "en", reference="NHAP-CHUNG", by=2)]
    description, value, version = rows(demo_db, "SELECT description, value, version FROM commitments WHERE id = :i", i=draft.id)[0]
    assert (description, int(value), int(version)) == ("Sửa của người thứ nhất", 3_000_000, 2)
    updates = rows(demo_db, "SELECT actor FROM audit_events WHERE action = 'order.update' AND entity_id = :i", i=str(draft.id))
    assert [r[0] for r in updates] == ["officer"]

    # Reloaded, the second officer's change goes through.
    current = commitment_detail(demo_db, second, draft.id).commitment.version
    commitments.update_draft(demo_db, second, draft.id, current, description="Sửa của người thứ hai")
    with demo_db.read() as session:
        assert verify(session).ok


def test_two_officers_saving_one_draft_at_the_same_instant(demo_db, demo_url, two_officers):
    first, second, draft = two_officers
    barrier = threading.Barrier(2)
    outcomes: dict[str, Any] = {}

    def save(actor: Actor) -> None:
        db = Database(demo_url)
        try:
            barrier.wait(timeout=30)
            outcomes[actor.username] = commitments.update_draft(db, actor, draft.id, 1, description=f"Sửa của {actor.username}")
        except Exception as error:  # noqa: BLE001 - the outcome is what the test inspects
            outcomes[actor.username] = error
        finally:
            db.dispose()

    threads = [threading.Thread(target=save, args=(actor,)) for actor in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    winners = [name for name, o in outcomes.items() if not isinstance(o, Exception)]
    losers = [o for o in outcomes.values() if isinstance(o, ValidationError)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    assert [p.key for p in losers[0].problems] == ["commitment.stale"]
    assert scalar(demo_db, "SELECT description FROM commitments WHERE id = :i", i=draft.id) == f"Sửa của {winners[0]}"


def test_the_commitments_screen_sends_the_version_it_showed(app_ledger):
    create_user(app_ledger, SYSTEM, "officer2", "officer", "demo-2", unit_code="BYT")
    officer, other = actor_for(app_ledger, "officer"), actor_for(app_ledger, "officer2")
    line = int(scalar(app_ledger, "SELECT id FROM budget_lines WHERE code = 'BYT-TT-26-01'"))
    draft = commitments.create_order(
        app_ledger, officer, year=YEAR, reference="NHAP-MAN-HINH", line=line, press_agency="SKDS", description="Bản nháp", value=2_000_000
    )
    at = start(app_ledger, "officer", "pages/commitments.py")
    at.selectbox(key="c_pick").set_value("NHAP-MAN-HINH").run()
    assert not errors(at)
    at.text_input(key=f"c_edit_description_{draft.id}").input("Sửa trên màn hình")

    # Meanwhile another officer saves a change to the same draft …
    commitments.update_draft(app_ledger, other, draft.id, 1, description="Sửa của người khác")

    # … so the screen's save (based on version 1) is refused with the sentence, and nothing is overwritten.
    save = next(b for b in at.button if b.label == "Lưu bản nháp")
    save.click().run()
    assert errors(at) == [t("commitment.stale", "vi", reference="NHAP-MAN-HINH", by=2)]
    assert scalar(app_ledger, "SELECT description FROM commitments WHERE id = :i", i=draft.id) == "Sửa của người khác"

    # The screen now shows version 2; saving again goes through.
    at.text_input(key=f"c_edit_description_{draft.id}").input("Sửa trên màn hình, lần hai")
    next(b for b in at.button if b.label == "Lưu bản nháp").click().run()
    assert not errors(at)
    assert successes(at) == [t("ui.c_edited", "vi", reference="NHAP-MAN-HINH")]
    assert scalar(app_ledger, "SELECT description FROM commitments WHERE id = :i", i=draft.id) == "Sửa trên màn hình, lần hai"
    assert int(scalar(app_ledger, "SELECT version FROM commitments WHERE id = :i", i=draft.id)) == 3

    # Signing, too, is refused when someone changed the draft after the screen showed it.
    commitments.update_draft(app_ledger, other, draft.id, 3, description="Sửa lần nữa của người khác")
    at.checkbox(key="confirm_c_sign").check()  # signing is irreversible: the screen asks for a tick
    sign = next(b for b in at.button if b.label == t("ui.c_act_sign", "vi"))
    sign.click().run()
    assert errors(at) == [t("commitment.stale", "vi", reference="NHAP-MAN-HINH", by=4)]
    assert scalar(app_ledger, "SELECT status FROM commitments WHERE id = :i", i=draft.id) == "draft"
