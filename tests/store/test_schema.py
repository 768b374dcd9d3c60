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


def test_the_shared_columns_stand_where_the_models_had_them_written_out():
    """The mixins' columns keep their places in ``inspect(model).columns`` (the order the audit
    snapshot and verify read a row in): ``Record.id`` first, ``Created``'s two last, ``Posted``'s
    four last, whatever SQLAlchemy's own ordering of inherited columns."""
    from sqlalchemy import inspect

    from ledger.store.models import Acceptance, Adjustment, Base, Contribution, Payment
    from ledger.store.models.base import Created, Posted, Record

    models = [mapper.class_ for mapper in Base.registry.mappers]
    assert {m for m in models if issubclass(m, Posted)} == {Adjustment, Acceptance, Contribution, Payment}
    assert sum(issubclass(m, Created) and not issubclass(m, Posted) for m in models) >= 8
    for model in models:
        keys = [column.key for column in inspect(model).columns]
        assert keys.count("id") == issubclass(model, Record) == (keys[:1] == ["id"]), model
        if issubclass(model, Posted):
            assert keys[-4:] == ["reverses_id", "posting_token", "created_at", "created_by"], model
        elif issubclass(model, Created):
            assert keys[-2:] == ["created_at", "created_by"] and keys.count("created_at") == 1, model
    assert [column.key for column in inspect(Payment).columns] == [
        "id", "year", "voucher_no", "date", "kind", "commitment_id", "line_id", "amount", "excess_amount", "note",
        "reverses_id", "posting_token", "created_at", "created_by",
    ]
    reverses = inspect(Payment).columns["reverses_id"]
    assert [fk.target_fullname for fk in reverses.foreign_keys] == ["payments.id"] and reverses.unique and reverses.nullable
