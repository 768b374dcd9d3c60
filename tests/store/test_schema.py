"""The schema's migrations: the app's cheap head check agrees with Alembic, and init is current."""

from alembic.script import ScriptDirectory

from ledger.store import schema


def test_head_revision_read_from_files_equals_alembics_head():
    assert schema.head_revision() == ScriptDirectory.from_config(schema.alembic_config()).get_current_head()


def test_a_migrated_database_is_current_and_an_empty_one_is_not(db, tmp_path):
    from ledger.store.db import Database

    assert schema.is_current(db)
    blank = Database(f"sqlite:///{tmp_path / 'blank.db'}")
    try:
        assert not schema.is_current(blank)
        schema.upgrade(blank)
        assert schema.is_current(blank)
    finally:
        blank.dispose()
