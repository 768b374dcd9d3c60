"""Smoke: the demo loads and verifies on every backend."""

from ledger import audit


def test_demo_verifies(demo_db, actors):
    with demo_db.read() as session:
        result = audit.verify(session)
    assert result.ok, result.summary()
    assert result.events > 50
